"""The README chapter table is the one tools/report.py builds from the recorded runs.

Every lesson notebook has a recorded run, and every headline number in the table is one
that the committed notebook printed.
"""
import importlib.util
import json

from conftest import CHAPTER_DIRS, CHAPTERS, ROOT

spec = importlib.util.spec_from_file_location("report", ROOT / "tools" / "report.py")
report = importlib.util.module_from_spec(spec)
spec.loader.exec_module(report)
RESULTS = json.loads((CHAPTERS / "results.json").read_text(encoding="utf-8"))


def test_readme_table_is_generated_from_results():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"<!-- chapter-table -->\n{report.table(RESULTS)}\n<!-- /chapter-table -->" in readme


def _printed_results(notebook):
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    text = "".join("".join(o.get("text", "")) for c in nb["cells"] if c["cell_type"] == "code" for o in c["outputs"])
    return dict(report.RESULT_LINE.findall(text))


def test_every_lesson_has_a_recorded_run_matching_its_outputs():
    for chapter in CHAPTER_DIRS:
        rel = f"chapters/{chapter.name}/{chapter.name}.ipynb"
        assert rel in RESULTS, f"run `python tools/report.py {rel}`"
        assert RESULTS[rel]["results"] == _printed_results(ROOT / rel), f"{rel}: re-run tools/report.py"
