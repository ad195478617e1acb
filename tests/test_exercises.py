"""What every chapter's exercises must satisfy (COURSE.md §6), checked the same way for all chapters.

* Each chapter module ``common/checkers/chNN.py`` declares one exercise per stub of ``exercises.ipynb``,
  in the notebook's order, each with 2-3 hints; exercises checked against ``solutions.py`` also pin
  the brief's worked example as a literal answer, so a wrong reference cannot pass unnoticed.
* Each check cell of ``exercises.ipynb`` passes when its stub is replaced by the function of the
  same name in ``solutions.py``: the notebook's code cells run in order in one namespace, as the
  kernel would, and the last expression of each check cell must be a passing CheckResult.
* Each exercise accepts the solution, reports a stub as not started, and turns broken learner
  code into a short verdict instead of crashing.
* Stubs and solutions have the same signatures; the setup cell imports what the solutions use.

The plausible wrong answers each checker must reject are chapter-specific: tests/test_exercises_chNN.py.
"""
import ast
import importlib
import inspect
import re

import numpy as np
import pytest
import torch

from common import checks as engine
from common.checks import CheckResult
from conftest import CHAPTERS, load_solutions

EXERCISES = sorted(CHAPTERS.glob("*/exercises.ipynb"))
CHECK_CALL = re.compile(r"^checks\.(\w+)\.check\((\w+)\)$")


def _run_cell(source, namespace):
    """Execute a cell like IPython: return the value of a final expression, if any."""
    tree = ast.parse(source)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, "<cell>", "exec"), namespace)
    return eval(compile(ast.Expression(last.value), "<cell>", "eval"), namespace) if last else None


def _cells(path):
    import nbformat

    return nbformat.read(path, as_version=4).cells


def _code_cells(path):
    for cell in _cells(path):
        if cell.cell_type == "code":
            source = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
            yield source, cell.metadata.get("tags", [])


def _stub_names(path):
    return [
        node.name
        for source, tags in _code_cells(path)
        if "exercise" in tags
        for node in ast.parse(source).body
        if isinstance(node, ast.FunctionDef | ast.ClassDef)
    ]


def _module(path):
    return importlib.import_module(f"common.checkers.ch{path.parent.name[:2]}")


def _exercise_cases():
    for path in EXERCISES:
        chapter = getattr(_module(path), "CHAPTER", None)
        if chapter is None:  # a module that declares no exercises fails test_the_chapter_declares_...
            continue
        for name, ex in chapter.exercises.items():
            yield pytest.param(path.parent, name, ex, id=f"{path.parent.name[:2]}-{name}")


EXERCISE_CASES = list(_exercise_cases())


@pytest.mark.parametrize("path", EXERCISES, ids=[p.parent.name for p in EXERCISES])
def test_the_chapter_declares_one_exercise_per_stub_in_order(path):
    module = _module(path)
    assert module.CHAPTER.folder == path.parent.name
    assert list(module.CHAPTER.exercises) == _stub_names(path)
    checked = []
    for source, tags in _code_cells(path):
        if "nbval-check-output" in tags and source.startswith("checks."):
            match = CHECK_CALL.match(source.strip())
            assert match, f"a check cell is one call, checks.<name>.check(<name>): {source!r}"
            assert match.group(1) == match.group(2)
            checked.append(match.group(1))
    assert checked == _stub_names(path), "every stub is followed by its check cell"


@pytest.mark.parametrize("path", EXERCISES, ids=[p.parent.name for p in EXERCISES])
def test_solutions_pass_every_check_in_the_notebook(path, monkeypatch):
    monkeypatch.chdir(path.parent)
    solutions = load_solutions(path.parent)
    namespace: dict = {}
    verdicts = []
    for source, tags in _code_cells(path):
        value = _run_cell(source, namespace)
        if "exercise" in tags:
            for node in ast.parse(source).body:
                if isinstance(node, ast.FunctionDef | ast.ClassDef):
                    namespace[node.name] = getattr(solutions, node.name)
        if isinstance(value, CheckResult):
            verdicts.append(value)
    assert len(verdicts) == len(_stub_names(path)) >= 4
    failed = [str(v) for v in verdicts if not v]
    assert not failed, failed


@pytest.mark.parametrize("path", EXERCISES, ids=[p.parent.name for p in EXERCISES])
def test_the_setup_cell_imports_what_the_solutions_use(path, monkeypatch):
    """A learner's first attempt must not end in NameError: np, torch, nn, F... are imported for them."""
    monkeypatch.chdir(path.parent)
    tree = ast.parse((path.parent / "solutions.py").read_text(encoding="utf-8"))
    used = set()
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            used |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    setup = next(source for source, _ in _code_cells(path))
    namespace: dict = {}
    exec(setup, namespace)
    missing = sorted(name for name in used if name not in namespace and name != "annotations")
    assert not missing, f"the setup cell should import {missing}"
    assert "checks" in namespace


@pytest.mark.parametrize("chapter, name, ex", EXERCISE_CASES)
def test_the_solution_passes_and_a_stub_is_not_started(chapter, name, ex):
    solution = getattr(load_solutions(chapter), name)
    result = ex.check(solution)
    assert isinstance(result, CheckResult) and result.passed, str(result)
    assert str(result).startswith(f"PASS {name}")

    def stub(*args, **kwargs):
        raise NotImplementedError("your code here")

    result = ex.check(stub)
    assert not result.passed and result.status == "not started" and "not implemented yet" in str(result)


@pytest.mark.parametrize("chapter, name, ex", EXERCISE_CASES)
def test_hints_are_progressive_and_never_print_an_expected_value(chapter, name, ex):
    assert 2 <= len(ex.hints) <= 3, "every exercise has 2-3 hints"
    texts = [str(ex.hint(i)) for i in range(1, len(ex.hints) + 1)]
    assert all(len(t) < 700 for t in texts)
    literals = []
    for c in ex.examples:
        values = c.expected if isinstance(c.expected, tuple | list) else [c.expected]
        for v in values:
            if isinstance(v, np.ndarray | torch.Tensor | float) and np.size(v) and np.issubdtype(
                    np.asarray(v).dtype, np.floating):
                literals += [f"{x:.4f}" for x in np.ravel(np.asarray(v, dtype=float)) if abs(x) not in (0, 1, 0.5)]
    for text in texts:
        leaked = [lit for lit in literals if lit in text]
        assert not leaked, f"a hint prints the expected value(s) {leaked}"
    assert "solution()" in texts[-1], "the last hint says where the solution is"


@pytest.mark.parametrize("chapter, name, ex", EXERCISE_CASES)
def test_the_solution_is_shown_only_after_a_warning(chapter, name, ex):
    warning = str(ex.solution())
    assert "show=True" in warning and f"def {name}" not in warning and f"class {name}" not in warning
    shown = str(ex.solution(show=True))
    assert f"def {name}" in shown or f"class {name}" in shown


@pytest.mark.parametrize("chapter, name, ex", EXERCISE_CASES)
def test_reference_checked_exercises_pin_the_briefs_example(chapter, name, ex):
    if ex.judge is None:
        assert ex.examples, "give at least one example(...) with its answer written out (the brief's)"


class _Unprintable(Exception):
    def __str__(self):
        raise RuntimeError("str() fails")


def _raise_unprintable(*a, **k):
    raise _Unprintable


BROKEN = {
    "returns-None": lambda *a, **k: None,
    "raises": lambda *a, **k: 1 / 0,
    "raises-unprintable": _raise_unprintable,
    "returns-text": lambda *a, **k: "text",
    "returns-number-as-text": lambda *a, **k: "0.5",
    "returns-ragged-list": lambda *a, **k: [[1, 2], [3]],
    "returns-grad-tensor": lambda *a, **k: torch.ones(3, requires_grad=True) * 2,
    "returns-nan": lambda *a, **k: float("nan"),
    "returns-huge-array": lambda *a, **k: np.zeros((300, 300)),
}


@pytest.mark.parametrize("chapter, name, ex", EXERCISE_CASES)
@pytest.mark.parametrize("broken", list(BROKEN.values()), ids=list(BROKEN))
def test_broken_code_becomes_a_short_verdict(chapter, name, ex, broken):
    result = ex.check(broken)  # must not raise
    assert isinstance(result, CheckResult) and not result.passed
    assert result.message and len(str(result)) < engine.MAX_MESSAGE + 100


@pytest.mark.parametrize("chapter, name, ex", EXERCISE_CASES)
def test_stub_and_solution_have_the_same_signature(chapter, name, ex):
    namespace: dict = {}
    stub_sources = [src for src, tags in _code_cells(chapter / "exercises.ipynb") if "exercise" in tags]
    source = next(s for s in stub_sources if any(getattr(n, "name", None) == name for n in ast.parse(s).body))
    exec("import numpy as np\nimport torch\nfrom torch import nn\n" + source, namespace)
    solution = getattr(load_solutions(chapter), name)
    assert inspect.signature(namespace[name]) == inspect.signature(solution)
