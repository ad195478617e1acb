"""Notebook hygiene (COURSE.md §3 and §6) for every committed notebook under chapters/.

Every notebook: valid, executed top to bottom (counts 1..N), no error outputs unless the cell
is tagged raises-exception, no machine paths in outputs, under 3 MB. Lesson notebooks have
outputs and a title with its Korean name; each chapter has exercises with stubs and a
solutions.py.
"""
import json
import re

import pytest

from conftest import CHAPTER_DIRS, CHAPTERS

NOTEBOOKS = sorted(p for p in CHAPTERS.glob("*/*.ipynb")
                   if ".ipynb_checkpoints" not in p.parts and not p.name.startswith("my_"))  # not a learner's copy

PATH_LEAK = re.compile(r"(/root/|/home/[^/\s]+/|/tmp/|/Users/[^/\s]+/|[A-Z]:\\\\Users\\\\)")
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def _load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def _code_cells(nb):
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def _source(cell):
    return "".join(cell["source"])


def _ids(paths):
    return [p.relative_to(CHAPTERS).as_posix() for p in paths]


def test_there_are_chapters():
    assert len(CHAPTER_DIRS) >= 2 and NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_is_a_clean_fresh_run(path):
    assert path.stat().st_size < 3 * 2**20, "over the 3 MB budget"
    code = _code_cells(_load(path))
    counts = [c["execution_count"] for c in code]
    assert counts == list(range(1, len(code) + 1)), "restart the kernel and run all cells, then save"
    for i, cell in enumerate(code, 1):
        tags = cell.get("metadata", {}).get("tags", [])
        for out in cell["outputs"]:
            assert out["output_type"] != "error" or "raises-exception" in tags, f"cell {i}: {out.get('ename')}"
            text = json.dumps(out.get("text", "")) + json.dumps(out.get("data", {}).get("text/plain", ""))
            assert not PATH_LEAK.search(text), f"cell {i} prints a machine path"
        assert not _source(cell).rstrip().endswith(";"), f"cell {i} hides its output with ';' (nbval ignores it)"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_opening_a_notebook_changes_nothing_and_shows_no_test_markers(path):
    """JupyterLab rewrites a notebook whose kernel name differs from the installed kernel's, and then
    autosaves it: a fresh clone would show modified files after a first look. nbval's markers live in
    cell tags (``nbval-check-output``), not in comments a reader would see."""
    import nbformat

    raw = path.read_text(encoding="utf-8")
    assert raw == nbformat.writes(nbformat.reads(raw, as_version=4)) + "\n", "save it as Jupyter does (nbformat)"
    nb = _load(path)
    assert nb["metadata"]["kernelspec"] == {"display_name": "Python 3 (ipykernel)", "language": "python",
                                            "name": "python3"}
    for i, cell in enumerate(_code_cells(nb), 1):
        assert "NBVAL_" not in _source(cell), f"cell {i}: tag the cell (nbval-check-output) instead of a comment"


@pytest.mark.parametrize("chapter", CHAPTER_DIRS, ids=[p.name for p in CHAPTER_DIRS])
def test_lesson_notebook_has_title_outputs_and_result(chapter):
    nb = _load(chapter / f"{chapter.name}.ipynb")
    title = _source(nb["cells"][0]).splitlines()[0]
    assert title.startswith("# ") and HANGUL.search(title), "the title gives the Korean name too"
    assert "<!-- runtime -->" in _source(nb["cells"][0]), "the measured runtime goes in the first cell"
    outputs = "".join(json.dumps(c["outputs"]) for c in _code_cells(nb))
    assert "[result] " in outputs, "the headline result is printed with report_result"
    assert sum(bool(c["outputs"]) for c in _code_cells(nb)) >= len(_code_cells(nb)) // 2
    assert "image/png" in outputs, "a chapter shows at least one figure"


@pytest.mark.parametrize("chapter", CHAPTER_DIRS, ids=[p.name for p in CHAPTER_DIRS])
def test_exercises_title_follows_the_lesson_title(chapter):
    """The website's table of contents lists these titles one under the other."""
    lesson = _source(_load(chapter / f"{chapter.name}.ipynb")["cells"][0]).splitlines()[0]
    english, korean = re.fullmatch(r"# (.*) \((.*)\)", lesson).groups()
    title = _source(_load(chapter / "exercises.ipynb")["cells"][0]).splitlines()[0]
    assert title == f"# Exercises: {english} (연습 문제: {korean})"


@pytest.mark.parametrize("chapter", CHAPTER_DIRS, ids=[p.name for p in CHAPTER_DIRS])
def test_exercises_ship_as_stubs_that_report_not_implemented(chapter):
    assert (chapter / "solutions.py").is_file()
    cells = _code_cells(_load(chapter / "exercises.ipynb"))
    stubs = [c for c in cells if "exercise" in c.get("metadata", {}).get("tags", [])]
    checks = [c for c in cells if "nbval-check-output" in c.get("metadata", {}).get("tags", [])
              and re.fullmatch(r"checks\.\w+\.check\(\w+\)", _source(c).strip())]
    assert 4 <= len(stubs) <= 8 and len(checks) == len(stubs)
    for stub in stubs:
        assert "raise NotImplementedError" in _source(stub)
    for check in checks:
        shown = json.dumps(check["outputs"], ensure_ascii=False)
        assert "TODO" in shown and "not implemented yet" in shown


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_outputs_use_marks_every_font_has(path):
    """Emoji such as ✅ and ❌ are empty boxes where no emoji font is installed (a default desktop, the website)."""
    outputs = json.dumps([c["outputs"] for c in _code_cells(_load(path))], ensure_ascii=False)
    assert not re.search("[\u2705\u274c\U0001F300-\U0001FAFF]", outputs)


@pytest.mark.parametrize("chapter", CHAPTER_DIRS, ids=[p.name for p in CHAPTER_DIRS])
def test_exercises_teach(chapter):
    """6-8 exercises, at least one experiment and one predict-first question; the lesson lists them all."""
    cells = _code_cells(_load(chapter / "exercises.ipynb"))
    tags = [c.get("metadata", {}).get("tags", []) for c in cells]
    stubs = [t for t in tags if "exercise" in t]
    assert 6 <= len(stubs) <= 8, f"{len(stubs)} exercises"
    assert any("experiment" in t for t in stubs), "no exercise tagged experiment"
    assert any("predict" in t for t in stubs), "no exercise tagged predict"
    names = re.findall(r"^(?:def|class) (\w+)", "\n".join(_source(c) for c, t in zip(cells, tags) if "exercise" in t),
                       re.M)
    lesson = "\n".join(_source(c) for c in _load(chapter / f"{chapter.name}.ipynb")["cells"])
    section = lesson[lesson.index("## Exercises"):]
    listed = re.findall(r"^\d+\. `(\w+)`", section, re.M)
    assert listed == names, "the lesson's list of exercises is out of date (see the exercises notebook)"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_progress_bars_are_saved_finished(path):
    """A reader on GitHub or nbviewer sees the finished bar: no widget bars (their stored text is the
    "0%" they started with) and no half-drawn lines (text rewritten with carriage returns)."""
    for i, cell in enumerate(_code_cells(_load(path))):
        for out in cell.get("outputs", []):
            assert "application/vnd.jupyter.widget-view+json" not in out.get("data", {}), (
                f"code cell {i} shows a widget: use common.utils.progress, a text bar")
            if out["output_type"] == "stream":
                text = "".join(out["text"])
                assert not re.search(r"\r[^\n]", text), f"code cell {i} stores a bar mid-redraw: run tools/report.py"
                assert not re.search(r"(?<![0-9])0%\|", text.replace("100%|", "")), (
                    f"code cell {i} stores an unfinished bar")
