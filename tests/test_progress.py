"""The learner's own notebooks (tools/exercises.py): made once, never overwritten, topped up with new
exercises after an update, started afresh on request; and the progress report read from them."""
import hashlib
import json
import shutil
import sys

import pytest

from conftest import CHAPTERS, ROOT

sys.path.insert(0, str(ROOT / "tools"))
import exercises as tool  # noqa: E402

CHAPTER = "01_perceptron"


@pytest.fixture
def course(tmp_path):
    """A course folder with chapter 01's exercises notebook, as shipped."""
    folder = tmp_path / "chapters" / CHAPTER
    folder.mkdir(parents=True)
    shutil.copyfile(CHAPTERS / CHAPTER / "exercises.ipynb", folder / "exercises.ipynb")
    return tmp_path / "chapters"


def _cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _set_cell(path, name, source):
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code" and f"def {name}(" in "".join(cell["source"]):
            cell["source"] = source
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _names(folder=CHAPTER):
    nb = json.loads((CHAPTERS / folder / "exercises.ipynb").read_text(encoding="utf-8"))
    return list(tool.exercise_cells(nb))


def _digest(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_sync_makes_a_copy_once_and_never_overwrites_it(course):
    assert tool.sync(course) == [f"{CHAPTER}: made my_exercises.ipynb"]
    mine = course / CHAPTER / "my_exercises.ipynb"
    first = _names()[0]
    _set_cell(mine, first, f"def {first}(*args, **kwargs):\n    return 'my own work'\n")
    before = mine.read_bytes()
    assert tool.sync(course) == []
    assert mine.read_bytes() == before


def test_sync_adds_the_exercises_a_newer_course_added_and_keeps_every_cell(course):
    tool.sync(course)
    mine = course / CHAPTER / "my_exercises.ipynb"
    nb = json.loads(mine.read_text(encoding="utf-8"))
    third = _names()[2]
    nb["cells"] = [c for c in nb["cells"] if third not in "".join(c["source"])]  # an older course
    nb["cells"][-1]["source"] = "my own notes"
    mine.write_text(json.dumps(nb, indent=1), encoding="utf-8")
    old_cells = _cells(mine)
    assert tool.sync(course) == [f"{CHAPTER}: added {third} to my_exercises.ipynb"]
    new_cells = _cells(mine)
    assert new_cells[: len(old_cells)] == old_cells, "no cell of the learner's changes"
    added = "".join("".join(c["source"]) for c in new_cells[len(old_cells):])
    assert "New in this version" in added and f"def {third}" in added and f"checks.{third}.check" in added
    assert len({c["id"] for c in new_cells}) == len(new_cells)
    assert tool.sync(course) == [], "a second sync changes nothing"


def test_fresh_starts_again_and_keeps_the_old_copy(course):
    tool.sync(course)
    mine = course / CHAPTER / "my_exercises.ipynb"
    first = _names()[0]
    _set_cell(mine, first, f"def {first}(*args, **kwargs):\n    return 'my own work'\n")
    message = tool.fresh("1", course)
    kept = [p for p in (course / CHAPTER).glob("my_exercises.*.ipynb")]
    assert len(kept) == 1 and "my own work" in kept[0].read_text(encoding="utf-8") and kept[0].name in message
    assert mine.read_bytes() == (course / CHAPTER / "exercises.ipynb").read_bytes()


def test_progress_reports_passed_failing_and_not_started_without_changing_anything(course):
    tool.sync(course)
    mine = course / CHAPTER / "my_exercises.ipynb"
    shutil.copyfile(CHAPTERS / CHAPTER / "solutions.py", course / CHAPTER / "mine.py")
    right, wrong, broken, *untouched = _names()
    _set_cell(mine, right, f"from mine import {right}\n")
    _set_cell(mine, wrong, f"def {wrong}(*args, **kwargs):\n    return None\n")
    _set_cell(mine, broken, f"def {broken}(*args, **kwargs):\n    return (\n")
    nb = json.loads(mine.read_text(encoding="utf-8"))
    nb["cells"].append({"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "id": "loop",
                        "source": "while True:\n    pass\n"})  # not a definition: progress never runs it
    mine.write_text(json.dumps(nb, indent=1), encoding="utf-8")
    before = _digest(course)
    report = tool.progress(course, only=["01"], workers=1)
    assert _digest(course) == before, "progress writes nothing"
    rows = {r["name"]: r for r in report[0]["exercises"]}
    assert report[0]["notebook"] == "my_exercises.ipynb"
    assert rows[right]["status"] == "passed"
    assert rows[wrong]["status"] == "failing" and rows[wrong]["verdict"]
    assert rows[broken]["status"] == "failing" and "SyntaxError" in rows[broken]["verdict"]
    assert {rows[n]["status"] for n in untouched} == {"not started"}
    table = tool.format_table(report)
    n = len(rows)
    assert f"1/{n} passed" in table and f"PASS {right}" in table and f"FAIL {wrong}: " in table
    assert f"1 of {n} exercises passed, 2 failing, {n - 3} not started." in table


def test_progress_reads_the_course_copy_when_there_is_no_own_copy(course):
    report = tool.progress(course, only=["01"], workers=1)
    assert report[0]["notebook"] == "exercises.ipynb"
    assert {r["status"] for r in report[0]["exercises"]} == {"not started"}


def test_an_endless_function_is_stopped(course, monkeypatch):
    tool.sync(course)
    mine = course / CHAPTER / "my_exercises.ipynb"
    first = _names()[0]
    _set_cell(mine, first, f"def {first}(*args, **kwargs):\n    while True:\n        pass\n")
    monkeypatch.setattr(tool, "CHECK_TIMEOUT_S", 1)
    rows = {r["name"]: r for r in tool.check_chapter(course / CHAPTER)["exercises"]}
    assert rows[first]["status"] == "failing" and "took over 1 s" in rows[first]["verdict"]


def test_a_chapters_own_modules_do_not_leak_into_the_next_chapter(tmp_path):
    """Both chapters import `mine.py` (their solutions) from their own folder, as a kernel started there would."""
    chapters = tmp_path / "chapters"
    firsts = {}
    for folder in [CHAPTER, "02_activations"]:
        (chapters / folder).mkdir(parents=True)
        shutil.copyfile(CHAPTERS / folder / "exercises.ipynb", chapters / folder / "exercises.ipynb")
        shutil.copyfile(CHAPTERS / folder / "solutions.py", chapters / folder / "mine.py")
        tool.sync(chapters)
        firsts[folder] = _names(folder)[0]
        _set_cell(chapters / folder / "my_exercises.ipynb", firsts[folder], f"from mine import {firsts[folder]}\n")
    report = tool.progress(chapters, workers=1)
    for chapter in report:
        row = next(r for r in chapter["exercises"] if r["name"] == firsts[chapter["chapter"]])
        assert row["status"] == "passed", row


def test_the_command_line_prints_the_table(capsys):
    assert tool.main(["progress", "1"]) == 0
    out = capsys.readouterr().out
    assert "01_perceptron" in out and "exercises passed" in out


def test_the_table_speaks_the_engines_language():
    from common import checks as engine

    def report():  # verdicts come from the engine, in its language
        return [{"chapter": CHAPTER, "notebook": "my_exercises.ipynb", "exercises": [
            {"name": "a", "status": "passed", "verdict": "ok"},
            {"name": "b", "status": "failing", "verdict": "wrong value " + engine.say("stuck", name="b")},
            {"name": "c", "status": "not started", "verdict": ""}]}]

    assert "  PASS a\n  FAIL b: wrong value\n  TODO c" in tool.format_table(report())
    try:
        engine.set_language("ko")
        table = tool.format_table(report())
        assert "  통과 a\n  실패 b: wrong value\n  할 일 c" in table, table
        assert "문제 3개 중 1개 통과, 1개 실패, 1개 시작 전" in table and "1개 통과" in table
    finally:
        engine.set_language("en")


def test_the_korean_edition_has_its_own_copies_verdicts_and_table(tmp_path):
    """`make lab-ko` / `make progress-ko`: my_exercises.ko.ipynb from exercises.ko.ipynb, checked in Korean."""
    from common import checks as engine

    folder = tmp_path / "chapters" / CHAPTER
    folder.mkdir(parents=True)
    for name in ("exercises.ipynb", "exercises.ko.ipynb"):
        shutil.copyfile(CHAPTERS / CHAPTER / name, folder / name)
    course = tmp_path / "chapters"
    assert tool.sync(course, lang="ko") == [f"{CHAPTER}: made my_exercises.ko.ipynb"]
    assert not (folder / "my_exercises.ipynb").exists(), "the English copy is made by `make lab` only"
    mine = folder / "my_exercises.ko.ipynb"
    wrong, *untouched = _names()
    _set_cell(mine, wrong, f"def {wrong}(*args, **kwargs):\n    return None\n")
    report = tool.progress(course, only=["01"], workers=1, lang="ko")
    assert report[0]["notebook"] == "my_exercises.ko.ipynb"
    rows = {r["name"]: r for r in report[0]["exercises"]}
    assert rows[wrong]["status"] == "failing" and any("\uac00" <= c <= "\ud7a3" for c in rows[wrong]["verdict"])
    table = tool.format_table(report, lang="ko")
    assert f"  실패 {wrong}: " in table and f"문제 {len(rows)}개 중 0개 통과" in table
    assert engine.language() == "en", "the table leaves the engine's language as it was"
