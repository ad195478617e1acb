"""The learner's own exercise notebooks, and how far they are.

    python tools/exercises.py sync            # make chapters/*/my_exercises.ipynb where missing (make lab runs it)
    python tools/exercises.py fresh 05        # start chapter 05's exercises afresh; the old copy is kept
    python tools/exercises.py progress        # every chapter and exercise: passed, failing or not started
    python tools/exercises.py --lang ko sync  # the Korean edition: my_exercises.ko.ipynb from exercises.ko.ipynb,
                                              # and (with progress) the table and verdicts in Korean

``exercises.ipynb`` in each chapter is the course's copy and changes with the course; the learner
works in ``my_exercises.ipynb`` beside it, which git ignores and no update of the course touches.
``sync`` never changes a cell the learner has: when a newer course adds an exercise, its brief,
stub and check cell are appended at the end of the learner's copy.

``progress`` reads each chapter's notebook as saved now (``my_exercises.ipynb``, or the course's
copy when there is none), runs the cells that define functions and classes (no check, plot or
experiment cells), checks every exercise with the chapter's checker and prints a table. It writes
nothing and keeps no cache.
"""
from __future__ import annotations

import argparse
import ast
import contextlib
import copy
import functools
import io
import json
import os
import re
import shutil
import signal
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = ROOT / "chapters"
MINE = "my_exercises.ipynb"
TEMPLATE = "exercises.ipynb"
# The Korean edition's notebooks (built by tools/i18n.py) and the learner's copies of them.
FILES = {"en": (TEMPLATE, MINE), "ko": ("exercises.ko.ipynb", "my_exercises.ko.ipynb")}
WORDS = {
    "en": {"new": "New in this version of the course", "passed": "{p}/{n} passed",
           "total": "\n{p} of {n} exercises passed, {f} failing, {t} not started.",
           "absent": "not in your notebook yet",
           "cell": "your cell {i} fails: {what}", "slow": "took too long", "timeout": "the check took over {s} s",
           "checked": "(checked in {s:.0f} s; save your notebook first: this reads the saved file)"},
    "ko": {"new": "이 버전의 강의에 새로 추가된 문제", "passed": "{n}개 중 {p}개 통과",
           "total": "\n문제 {n}개 중 {p}개 통과, {f}개 실패, {t}개 시작 전.", "absent": "아직 노트북에 없습니다",
           "cell": "여러분의 셀 {i}에서 오류가 납니다: {what}", "slow": "너무 오래 걸렸습니다",
           "timeout": "검사가 {s}초를 넘었습니다",
           "checked": "({s:.0f}초 동안 검사함. 노트북을 먼저 저장하세요: 저장된 파일을 읽습니다)"},
}
CHECK_TIMEOUT_S = 30  # one exercise's check; an endless loop in a learner's function ends here


def chapter_dirs(chapters: Path = CHAPTERS, only: list[str] | None = None, lang: str = "en") -> list[Path]:
    template = FILES[lang][0]
    dirs = sorted(p for p in chapters.iterdir() if p.is_dir() and p.name[:2].isdigit() and (p / template).exists())
    return [p for p in dirs if not only or p.name[:2] in only]


def _read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _write(nb: dict, path: Path) -> None:
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _defined_names(source: str) -> list[str]:
    """Top-level functions and classes a cell defines (by regex when the cell does not parse)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return re.findall(r"^(?:def|class)\s+(\w+)", source, re.M)
    return [n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)]


def _bound_names(source: str) -> list[str]:
    """Every top-level name a cell binds (definitions, imports, assignments), for blaming a broken cell."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return _defined_names(source)
    names = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.append(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names += [(a.asname or a.name).split(".")[0] for a in node.names]
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names += [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
    return names


def exercise_cells(nb: dict) -> dict[str, list[dict]]:
    """For each exercise of a course notebook: its brief (the markdown cell before), stub and check cell."""
    cells = nb["cells"]
    found = {}
    for i, cell in enumerate(cells):
        if cell["cell_type"] == "code" and "exercise" in cell.get("metadata", {}).get("tags", []):
            for name in _defined_names(_source(cell)):
                group = [cell]
                if i > 0 and cells[i - 1]["cell_type"] == "markdown":
                    group.insert(0, cells[i - 1])
                if i + 1 < len(cells) and f"checks.{name}." in _source(cells[i + 1]):
                    group.append(cells[i + 1])
                found[name] = group
    return found


def _blank_outputs(cell: dict) -> dict:
    cell = copy.deepcopy(cell)
    if cell["cell_type"] == "code":
        cell["outputs"], cell["execution_count"] = [], None
    return cell


# --------------------------------------------------------------------------- sync and fresh
def sync(chapters: Path = CHAPTERS, only: list[str] | None = None, lang: str = "en") -> list[str]:
    """Make every missing ``my_exercises.ipynb``; append exercises a newer course added. Returns what it did."""
    done = []
    for chapter in chapter_dirs(chapters, only, lang):
        template, mine = chapter / FILES[lang][0], chapter / FILES[lang][1]
        if not mine.exists():
            shutil.copyfile(template, mine)
            done.append(f"{chapter.name}: made {mine.name}")
            continue
        course = _read(template)
        learner = _read(mine)
        have = {name for cell in learner["cells"] if cell["cell_type"] == "code"
                for name in _bound_names(_source(cell))}
        new = {name: cells for name, cells in exercise_cells(course).items() if name not in have}
        if not new:
            continue
        heading = {"cell_type": "markdown", "metadata": {},
                   "source": [f"## {WORDS[lang]['new']}: {', '.join(f'`{n}`' for n in new)}"]}
        learner["cells"].append(heading)
        for cells in new.values():
            learner["cells"].extend(_blank_outputs(c) for c in cells)
        for i, cell in enumerate(learner["cells"]):  # nbformat 4.5 wants unique cell ids
            cell.setdefault("id", f"c{i}")
        ids = [c["id"] for c in learner["cells"]]
        if len(set(ids)) != len(ids):
            for i, cell in enumerate(learner["cells"]):
                if ids.count(cell["id"]) > 1:
                    cell["id"] = f"{cell['id']}-{i}"
        _write(learner, mine)
        done.append(f"{chapter.name}: added {', '.join(new)} to {mine.name}")
    return done


def fresh(number: str, chapters: Path = CHAPTERS, lang: str = "en") -> str:
    """Start one chapter's exercises afresh; the old copy is renamed, never deleted."""
    dirs = chapter_dirs(chapters, [number.zfill(2)], lang)
    if not dirs:
        raise SystemExit(f"no chapter {number!r}: give its number, e.g. 05")
    chapter = dirs[0]
    template, mine = chapter / FILES[lang][0], chapter / FILES[lang][1]
    message = ""
    if mine.exists():
        kept = chapter / mine.name.replace("my_exercises.", f"my_exercises.{time.strftime('%Y%m%d-%H%M%S')}.")
        mine.rename(kept)
        message = f"your previous work is kept in {kept.relative_to(chapters.parent)}; "
    shutil.copyfile(template, mine)
    return f"{message}{mine.relative_to(chapters.parent)} starts afresh"


# --------------------------------------------------------------------------- progress
def _runs_no_work(source: str) -> bool:
    """True for cells that only import, define or assign: safe and quick to run for a progress report."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return True  # run it anyway: the syntax error becomes the verdict
    allowed = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Assign,
               ast.AnnAssign)
    return all(isinstance(node, allowed) for node in tree.body)


class _Timeout(BaseException):  # not an Exception: the engine must not turn it into a verdict
    pass


def _on_alarm(signum, frame):
    raise _Timeout


def check_chapter(chapter: Path, lang: str = "en") -> dict:
    """Run a chapter's saved definitions and check every exercise (in a worker process)."""
    import importlib

    import matplotlib

    from common.checks import set_language

    matplotlib.use("Agg")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    set_language(lang)
    words = WORDS[lang]
    module = importlib.import_module(f"common.checkers.ch{chapter.name[:2]}")
    template, mine = chapter / FILES[lang][0], chapter / FILES[lang][1]
    path = mine if mine.exists() else template
    nb = _read(path)
    code = [_source(c) for c in nb["cells"] if c["cell_type"] == "code"]
    namespace: dict = {"__name__": "__main__"}
    broken: dict[str, str] = {}
    cwd = os.getcwd()
    os.chdir(chapter)
    sys.path.insert(0, str(chapter))  # as in a kernel started in the notebook's folder
    has_alarm = hasattr(signal, "SIGALRM")
    if has_alarm:
        signal.signal(signal.SIGALRM, _on_alarm)
    try:
        for i, source in enumerate(code):
            source = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
            if i > 0 and not _runs_no_work(source):
                continue
            try:
                with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                    if has_alarm:
                        signal.alarm(CHECK_TIMEOUT_S)
                    exec(compile(source, f"<{path.name} cell {i + 1}>", "exec"), namespace)
            except BaseException as err:  # the learner's cell is broken: say so for what it defines
                if isinstance(err, KeyboardInterrupt):
                    raise
                what = words["slow"] if isinstance(err, _Timeout) else f"{type(err).__name__}: {err}"
                for name in _bound_names(source):
                    broken[name] = words["cell"].format(i=i + 1, what=what)
            finally:
                if has_alarm:
                    signal.alarm(0)
        rows = []
        for name, ex in module.CHAPTER.exercises.items():
            if name in broken and name not in namespace:
                rows.append({"name": name, "status": "failing", "verdict": broken[name]})
                continue
            if name not in namespace:
                rows.append({"name": name, "status": "not started", "verdict": words["absent"]})
                continue
            try:
                if has_alarm:
                    signal.alarm(CHECK_TIMEOUT_S)
                with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                    result = ex.check(namespace[name])
                rows.append({"name": name, "status": result.status, "verdict": result.message})
            except _Timeout:
                rows.append({"name": name, "status": "failing", "verdict": words["timeout"].format(s=CHECK_TIMEOUT_S)})
            finally:
                if has_alarm:
                    signal.alarm(0)
    finally:
        os.chdir(cwd)
        sys.path.remove(str(chapter))
        for name, mod in list(sys.modules.items()):  # the chapter's own modules (solutions.py...) must not leak
            if str(getattr(mod, "__file__", "") or "").startswith(str(chapter)):
                del sys.modules[name]
    return {"chapter": chapter.name, "notebook": path.name, "exercises": rows}


def progress(chapters: Path = CHAPTERS, only: list[str] | None = None, workers: int = 2,
             lang: str = "en") -> list[dict]:
    dirs = chapter_dirs(chapters, only, lang)
    with ProcessPoolExecutor(max_workers=max(1, min(workers, len(dirs)))) as pool:
        return list(pool.map(functools.partial(check_chapter, lang=lang), dirs))


MARKS = {"passed": "pass", "failing": "fail", "not started": "todo"}  # the engine's words, in its language


def format_table(report: list[dict], width: int = 110, lang: str | None = None) -> str:
    """The progress table in ``lang`` (default: the engine's current language, which is left as it was)."""
    from common.checks import language, set_language

    before = language()
    set_language(lang or before)
    try:
        return _table(report, width, lang or before)
    finally:
        set_language(before)


def _table(report: list[dict], width: int, lang: str) -> str:
    from common.checks import say

    lines = []
    totals = {"passed": 0, "failing": 0, "not started": 0}
    for chapter in report:
        rows = chapter["exercises"]
        passed = sum(r["status"] == "passed" for r in rows)
        lines.append(f"{chapter['chapter']}  ({chapter['notebook']})  "
                     + WORDS[lang]["passed"].format(p=passed, n=len(rows)))
        for r in rows:
            totals[r["status"]] += 1
            line = f"  {say(MARKS[r['status']])} {r['name']}"
            if r["status"] == "failing":
                verdict = r["verdict"].replace(" " + say("stuck", name=r["name"]), "")
                line += f": {verdict}"
            lines.append(line if len(line) <= width else line[: width - 3] + "...")
    total = sum(totals.values())
    lines.append(WORDS[lang]["total"].format(p=totals["passed"], n=total, f=totals["failing"],
                                             t=totals["not started"]))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lang", choices=sorted(FILES), default="en",
                        help="ko: the Korean edition's notebooks, and the table in Korean")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("sync", help="make missing my_exercises.ipynb; add exercises a newer course added")
    p_fresh = sub.add_parser("fresh", help="start one chapter's exercises afresh (the old copy is kept)")
    p_fresh.add_argument("chapter", help="the chapter's number, e.g. 05")
    p_prog = sub.add_parser("progress", help="passed, failing or not started, for every exercise")
    p_prog.add_argument("chapters", nargs="*", help="chapter numbers (default: all)")
    p_prog.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    if args.command == "sync":
        for line in sync(lang=args.lang):
            print(line)
        return 0
    if args.command == "fresh":
        print(fresh(args.chapter, lang=args.lang))
        return 0
    start = time.perf_counter()
    report = progress(only=[c.zfill(2) for c in args.chapters] or None, lang=args.lang)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
    else:
        print(format_table(report, lang=args.lang))
        print(WORDS[args.lang]["checked"].format(s=time.perf_counter() - start))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
