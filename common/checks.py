"""The exercise-checker framework.

A checker calls the learner's function on random and edge-case inputs, compares each
answer with a reference, and returns a :class:`CheckResult`, which a notebook shows as
one line: ``✅ name: ...`` or ``❌ name: what went wrong, on which case``.
A checker never raises because of the learner's code: exceptions become verdicts.
"""
from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch


@dataclass
class CheckResult:
    """The verdict of one exercise; truthy when it passed."""

    name: str
    passed: bool
    message: str

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        return f"{'✅' if self.passed else '❌'} {self.name}: {self.message}"

    __repr__ = __str__


@dataclass
class Case:
    """One call of the function under test: ``label`` says in words what the case is."""

    label: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)


def case(label: str, *args, **kwargs) -> Case:
    """Shorthand: ``case("2x3 input", x)``."""
    return Case(label, args, kwargs)


NOT_IMPLEMENTED = "not implemented yet: replace `raise NotImplementedError` with your code"


def call_safely(fn: Callable, c: Case) -> tuple[Any, str | None]:
    """Call ``fn`` on a deep copy of the case's arguments; return ``(value, None)`` or ``(None, problem)``."""
    args, kwargs = copy.deepcopy(c.args), copy.deepcopy(c.kwargs)
    try:
        return fn(*args, **kwargs), None
    except NotImplementedError:
        return None, NOT_IMPLEMENTED
    except Exception as err:  # the learner's bug becomes a verdict, never a crash
        return None, f"raised {type(err).__name__}: {err} (case: {c.label})"


def _fmt_shape(shape) -> str:
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


def compare_values(expected, got, rtol: float = 1e-5, atol: float = 1e-7, what: str = "result") -> str | None:
    """Describe how ``got`` differs from ``expected`` (arrays, tensors, numbers, strings, tuples), or None if equal."""
    if got is None and expected is not None:
        return f"the {what} is None: did you forget `return`?"
    if isinstance(expected, (tuple, list)) and not isinstance(expected, str):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            return f"expected the {what} to be a sequence of {len(expected)} items, got {type(got).__name__}"
        for i, (e, g) in enumerate(zip(expected, got)):
            problem = compare_values(e, g, rtol, atol, f"{what}[{i}]")
            if problem:
                return problem
        return None
    if isinstance(expected, str):
        return None if got == expected else f"expected the {what} {expected!r}, got {got!r}"
    if isinstance(expected, torch.Tensor):
        if not isinstance(got, torch.Tensor):
            return f"expected the {what} to be a torch.Tensor, got {type(got).__name__}"
        expected, got = expected.detach().cpu().numpy(), got.detach().cpu().numpy()
    try:
        e, g = np.asarray(expected, dtype=np.float64), np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return f"expected the {what} to be numeric, got {type(got).__name__}"
    if e.shape != g.shape:
        return f"wrong shape of the {what}: expected {_fmt_shape(e.shape)}, got {_fmt_shape(g.shape)}"
    bad = ~np.isclose(g, e, rtol=rtol, atol=atol, equal_nan=True)
    if bad.any():
        idx = np.unravel_index(np.argmax(np.where(bad, np.abs(g - e), -1.0)), e.shape) if e.ndim else ()
        where = f" at index {tuple(int(i) for i in idx)}" if e.ndim else ""
        n_bad = f" ({int(bad.sum())} of {bad.size} values wrong)" if e.ndim else ""
        return f"wrong value of the {what}{where}: expected {e[idx]:.6g}, got {g[idx]:.6g}{n_bad}"
    return None


def named_parts(*names: str) -> Callable:
    """A ``compare`` for functions that return a tuple: a difference is reported by the part's name.

    ``check_function(fn, ref, cases, compare=named_parts("dx", "dW", "db"))`` says e.g.
    "wrong value of the dW at index (0, 1)" instead of "result[1]".
    """

    def compare(expected, got) -> str | None:
        if got is None:
            return f"the result is None: did you forget `return`? Expected a tuple ({', '.join(names)})"
        if not isinstance(got, (tuple, list)) or len(got) != len(names):
            kind = f"a {len(got)}-item {type(got).__name__}" if isinstance(got, (tuple, list)) else type(got).__name__
            return f"expected a tuple ({', '.join(names)}), got {kind}"
        for name, e, g in zip(names, expected, got):
            problem = compare_values(e, g, what=name)
            if problem:
                return problem
        return None

    return compare


def _hint(mistakes, c: Case, got, rtol: float, atol: float) -> str:
    """The hint of the first classic mistake whose answer equals the learner's, or ""."""
    for wrong, hint in mistakes:
        try:
            if compare_values(wrong(*copy.deepcopy(c.args), **copy.deepcopy(c.kwargs)), got, rtol, atol) is None:
                return f". Hint: {hint}"
        except Exception:  # a hint is a bonus: it never crashes the checker
            continue
    return ""


def check_function(
    fn: Callable,
    reference: Callable,
    cases: list[Case],
    name: str | None = None,
    rtol: float = 1e-5,
    atol: float = 1e-7,
    compare: Callable | None = None,
    mistakes=(),
) -> CheckResult:
    """Compare ``fn`` with ``reference`` on every case; stop at the first difference.

    ``compare(expected, got)`` may replace :func:`compare_values`; it returns None when the
    answer is right, or a sentence saying what is wrong.
    ``mistakes`` holds ``(wrong_reference, hint)`` pairs for classic errors: when a wrong answer
    equals ``wrong_reference(*case.args)``, the hint is added to the verdict.
    """
    name = name or getattr(fn, "__name__", "your function")
    for c in cases:
        expected = reference(*copy.deepcopy(c.args), **copy.deepcopy(c.kwargs))
        got, problem = call_safely(fn, c)
        if problem == NOT_IMPLEMENTED:
            return CheckResult(name, False, problem)
        if problem is None:
            problem = compare(expected, got) if compare else compare_values(expected, got, rtol, atol)
            if problem:
                problem = f"{problem} (case: {c.label}){_hint(mistakes, c, got, rtol, atol)}"
        if problem:
            return CheckResult(name, False, problem)
    return CheckResult(name, True, f"correct on all {len(cases)} cases")
