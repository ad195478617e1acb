"""What every chapter's exercises must satisfy (COURSE.md §6), checked the same way for all chapters.

* Each check cell of ``exercises.ipynb`` passes when its stub is replaced by the function of the
  same name in ``solutions.py``: the notebook's code cells run in order in one namespace, as the
  kernel would, and the last expression of each check cell must be a passing CheckResult.
* Each checker ``check_<name>`` in ``common/checkers/chNN.py`` accepts the solution, reports a stub
  as not implemented, and turns broken learner code into a verdict instead of crashing.
* Stubs and solutions have the same signatures.

The plausible wrong answers each checker must reject are chapter-specific: tests/test_exercises_chNN.py.
"""
import ast
import importlib
import inspect

import pytest

from common.checks import CheckResult
from conftest import CHAPTERS, load_solutions

EXERCISES = sorted(CHAPTERS.glob("*/exercises.ipynb"))


def _run_cell(source, namespace):
    """Execute a cell like IPython: return the value of a final expression, if any."""
    tree = ast.parse(source)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, "<cell>", "exec"), namespace)
    return eval(compile(ast.Expression(last.value), "<cell>", "eval"), namespace) if last else None


def _code_cells(path):
    import nbformat

    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type == "code":
            source = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
            yield source, "exercise" in cell.metadata.get("tags", [])


def _stub_names(path):
    return [
        node.name
        for source, is_exercise in _code_cells(path)
        if is_exercise
        for node in ast.parse(source).body
        if isinstance(node, ast.FunctionDef | ast.ClassDef)
    ]


def _checker_cases():
    for path in EXERCISES:
        number = path.parent.name[:2]
        module = importlib.import_module(f"common.checkers.ch{number}")
        for name in _stub_names(path):
            yield pytest.param(path.parent, name, getattr(module, f"check_{name}", None), id=f"{number}-{name}")


CHECKERS = list(_checker_cases())


@pytest.mark.parametrize("path", EXERCISES, ids=[p.parent.name for p in EXERCISES])
def test_solutions_pass_every_check_in_the_notebook(path, monkeypatch):
    monkeypatch.chdir(path.parent)
    solutions = load_solutions(path.parent)
    namespace: dict = {}
    verdicts = []
    for source, is_exercise in _code_cells(path):
        value = _run_cell(source, namespace)
        if is_exercise:
            for node in ast.parse(source).body:
                if isinstance(node, ast.FunctionDef | ast.ClassDef):
                    namespace[node.name] = getattr(solutions, node.name)
        if isinstance(value, CheckResult):
            verdicts.append(value)
    assert len(verdicts) == len(_stub_names(path)) >= 4
    failed = [str(v) for v in verdicts if not v]
    assert not failed, failed


@pytest.mark.parametrize("chapter, name, checker", CHECKERS)
def test_checker_accepts_the_solution_and_reports_a_stub(chapter, name, checker):
    assert checker is not None, f"common/checkers/ch{chapter.name[:2]}.py has no check_{name}"
    solution = getattr(load_solutions(chapter), name)
    result = checker(solution)
    assert isinstance(result, CheckResult) and result.passed, str(result)
    assert str(result).startswith(f"✅ {name}")

    def stub(*args, **kwargs):
        raise NotImplementedError("your code here")

    result = checker(stub)
    assert not result.passed and "not implemented yet" in str(result)


@pytest.mark.parametrize("chapter, name, checker", CHECKERS)
@pytest.mark.parametrize(
    "broken",
    [lambda *a, **k: None, lambda *a, **k: 1 / 0, lambda *a, **k: "text", lambda *a, **k: [[1, 2], [3]]],
    ids=["returns-None", "raises", "returns-text", "returns-ragged-list"],
)
def test_checker_turns_broken_code_into_a_verdict(chapter, name, checker, broken):
    result = checker(broken)  # must not raise
    assert isinstance(result, CheckResult) and not result.passed
    assert result.message


@pytest.mark.parametrize("chapter, name, checker", CHECKERS)
def test_stub_and_solution_have_the_same_signature(chapter, name, checker):
    namespace: dict = {}
    stub_sources = [src for src, is_exercise in _code_cells(chapter / "exercises.ipynb") if is_exercise]
    source = next(s for s in stub_sources if any(getattr(n, "name", None) == name for n in ast.parse(s).body))
    exec("import numpy as np\nimport torch\nfrom torch import nn\n" + source, namespace)
    solution = getattr(load_solutions(chapter), name)
    assert inspect.signature(namespace[name]) == inspect.signature(solution)
