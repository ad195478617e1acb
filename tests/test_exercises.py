"""Every exercise notebook, with each stub replaced by its reference solution, passes every check.

The notebook's code cells run in order in one namespace (as the kernel would); after a cell
tagged ``exercise``, the functions it defines are replaced by those of ``solutions.py``. The
value of the last expression of each check cell must be a passing CheckResult.
"""
import ast
import importlib.util

import pytest

from common.checks import CheckResult
from conftest import CHAPTERS

EXERCISES = sorted(CHAPTERS.glob("*/exercises.ipynb"))


def _load_solutions(chapter):
    spec = importlib.util.spec_from_file_location(f"solutions_{chapter.name}", chapter / "solutions.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run_cell(source, namespace):
    """Execute a cell like IPython: return the value of a final expression, if any."""
    tree = ast.parse(source)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, "<cell>", "exec"), namespace)
    return eval(compile(ast.Expression(last.value), "<cell>", "eval"), namespace) if last else None


@pytest.mark.parametrize("path", EXERCISES, ids=[p.parent.name for p in EXERCISES])
def test_solutions_pass_every_check_in_the_notebook(path, monkeypatch):
    import nbformat

    monkeypatch.chdir(path.parent)
    solutions = _load_solutions(path.parent)
    namespace: dict = {}
    verdicts = []
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type != "code":
            continue
        source = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
        value = _run_cell(source, namespace)
        if "exercise" in cell.metadata.get("tags", []):
            defined = [n.name for n in ast.parse(source).body if isinstance(n, ast.FunctionDef | ast.ClassDef)]
            assert defined, "an exercise cell defines the function the learner writes"
            for name in defined:
                namespace[name] = getattr(solutions, name)
        if isinstance(value, CheckResult):
            verdicts.append(value)
    assert len(verdicts) >= 4
    failed = [str(v) for v in verdicts if not v]
    assert not failed, failed
