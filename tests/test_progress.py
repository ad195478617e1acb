"""The learner's own notebooks (tools/exercises.py): made once, never overwritten, topped up with new
exercises after an update, started afresh on request; and the progress report read from them."""
import hashlib
import inspect
import json
import shutil
import sys

import pytest

from conftest import CHAPTERS, ROOT, load_solutions

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


def _digest(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_sync_makes_a_copy_once_and_never_overwrites_it(course):
    assert tool.sync(course) == [f"{CHAPTER}: made my_exercises.ipynb"]
    mine = course / CHAPTER / "my_exercises.ipynb"
    _set_cell(mine, "gate", "def gate(x, w, b):\n    return 'my own work'\n")
    before = mine.read_bytes()
    assert tool.sync(course) == []
    assert mine.read_bytes() == before


def test_sync_adds_the_exercises_a_newer_course_added_and_keeps_every_cell(course):
    tool.sync(course)
    mine = course / CHAPTER / "my_exercises.ipynb"
    nb = json.loads(mine.read_text(encoding="utf-8"))
    nb["cells"] = [c for c in nb["cells"] if "xor_from_gates" not in "".join(c["source"])]  # an older course
    nb["cells"][-1]["source"] = "my own notes"
    mine.write_text(json.dumps(nb, indent=1), encoding="utf-8")
    old_cells = _cells(mine)
    assert tool.sync(course) == [f"{CHAPTER}: added xor_from_gates to my_exercises.ipynb"]
    new_cells = _cells(mine)
    assert new_cells[: len(old_cells)] == old_cells, "no cell of the learner's changes"
    added = "".join("".join(c["source"]) for c in new_cells[len(old_cells):])
    assert "New in this version" in added and "def xor_from_gates" in added and "checks.xor_from_gates.check" in added
    assert len({c["id"] for c in new_cells}) == len(new_cells)
    assert tool.sync(course) == [], "a second sync changes nothing"


def test_fresh_starts_again_and_keeps_the_old_copy(course):
    tool.sync(course)
    mine = course / CHAPTER / "my_exercises.ipynb"
    _set_cell(mine, "gate", "def gate(x, w, b):\n    return 'my own work'\n")
    message = tool.fresh("1", course)
    kept = [p for p in (course / CHAPTER).glob("my_exercises.*.ipynb")]
    assert len(kept) == 1 and "my own work" in kept[0].read_text(encoding="utf-8") and kept[0].name in message
    assert mine.read_bytes() == (course / CHAPTER / "exercises.ipynb").read_bytes()


def test_progress_reports_passed_failing_and_not_started_without_changing_anything(course):
    tool.sync(course)
    mine = course / CHAPTER / "my_exercises.ipynb"
    solutions = load_solutions(CHAPTERS / CHAPTER)
    _set_cell(mine, "gate", inspect.getsource(solutions.gate))
    _set_cell(mine, "sigmoid_grad", "def sigmoid_grad(z):\n    return sigmoid(z)\n")
    _set_cell(mine, "mlp_forward", "def mlp_forward(x, W1, b1, W2, b2):\n    return (\n")
    nb = json.loads(mine.read_text(encoding="utf-8"))
    nb["cells"].append({"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "id": "loop",
                        "source": "while True:\n    pass\n"})  # not a definition: progress never runs it
    mine.write_text(json.dumps(nb, indent=1), encoding="utf-8")
    before = _digest(course)
    report = tool.progress(course, only=["01"], workers=1)
    assert _digest(course) == before, "progress writes nothing"
    rows = {r["name"]: r for r in report[0]["exercises"]}
    assert report[0]["notebook"] == "my_exercises.ipynb"
    assert rows["gate"]["status"] == "passed"
    assert rows["sigmoid_grad"]["status"] == "failing" and "wrong value" in rows["sigmoid_grad"]["verdict"]
    assert rows["mlp_forward"]["status"] == "failing" and "SyntaxError" in rows["mlp_forward"]["verdict"]
    assert {rows[n]["status"] for n in ("perceptron_update", "xor_from_gates", "affine_backward")} == {"not started"}
    table = tool.format_table(report)
    assert "2/6" not in table and "1/6 passed" in table and "PASS gate" in table and "FAIL sigmoid_grad: wrong" in table
    assert "1 of 6 exercises passed, 2 failing, 3 not started." in table


def test_progress_reads_the_course_copy_when_there_is_no_own_copy(course):
    report = tool.progress(course, only=["01"], workers=1)
    assert report[0]["notebook"] == "exercises.ipynb"
    assert {r["status"] for r in report[0]["exercises"]} == {"not started"}


def test_an_endless_function_is_stopped(course, monkeypatch):
    tool.sync(course)
    mine = course / CHAPTER / "my_exercises.ipynb"
    _set_cell(mine, "gate", "def gate(x, w, b):\n    while True:\n        pass\n")
    monkeypatch.setattr(tool, "CHECK_TIMEOUT_S", 1)
    rows = {r["name"]: r for r in tool.check_chapter(course / CHAPTER)["exercises"]}
    assert rows["gate"]["status"] == "failing" and "took over 1 s" in rows["gate"]["verdict"]
