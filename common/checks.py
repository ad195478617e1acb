"""The exercise engine: one declarative home per exercise, one way to check it.

A chapter's checker module (``common/checkers/chNN.py``) declares its exercises::

    CHAPTER = Chapter("01_perceptron")
    gate = CHAPTER.exercise(
        "gate",
        cases=_gate_cases,                        # a function returning [case(...), ...]
        examples=[example(np.array([0, 0, 0, 1]), "the brief's AND example", LOGIC_INPUTS, w_and, -0.7)],
        mistakes=[(_gate_ge, "a sum of exactly 0 gives 0: use > 0, not >= 0")],
        hints=["idea ...", "closer ...", "nearly the code ..."],
    )

The reference answer is the function of the same name in the chapter's ``solutions.py``: it is
written once. ``examples`` pin literal expected values (the brief's worked example), so a wrong
reference cannot pass its own checker unnoticed. Exercises that are not "same answer as the
reference on these inputs" (train a model one step, initialise a network in place) give a
``judge(fn)`` instead; it calls the learner's code through :func:`call` and raises :class:`Fail`.

In the notebook, ``checks = common.checkers.chNN``; then

* ``checks.gate.check(gate)``: a :class:`CheckResult` that shows as one line, ``PASS gate: ...``,
  ``FAIL gate: what is wrong (case: ...)`` or ``TODO gate: not implemented yet``, never an exception;
* ``checks.gate.hint()``: the next of 2-3 progressive hints (none prints an expected value);
* ``checks.gate.solution()``: a warning first; ``checks.gate.solution(show=True)`` prints the code.

Messages are English, or Korean with ``set_language("ko")`` or ``COURSE_LANG=ko``.
"""
from __future__ import annotations

import copy
import importlib.util
import inspect
import numbers
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

CHAPTERS_DIR = Path(__file__).resolve().parent.parent / "chapters"
MAX_MESSAGE = 320  # characters of a verdict's explanation; the rest is cut with "..."

# --------------------------------------------------------------------------- language
def _notebook_language() -> str:
    """``"ko"`` in the Korean edition: ``COURSE_LANG=ko``, or a notebook named ``*.ko.ipynb`` (JupyterLab tells
    the kernel its notebook's path in ``JPY_SESSION_NAME``; VS Code in ``__vsc_ipynb_file__``); else ``"en"``."""
    lang = os.environ.get("COURSE_LANG", "")
    if lang in ("en", "ko"):
        return lang
    names = [os.environ.get("JPY_SESSION_NAME", "")]
    try:
        shell = sys.modules["IPython"].get_ipython() if "IPython" in sys.modules else None
        if shell is not None:
            names += [str(shell.user_ns.get(k, "")) for k in ("__session__", "__vsc_ipynb_file__")]
    except Exception:  # no IPython, or one without a namespace: English
        pass
    return "ko" if any(name.endswith(".ko.ipynb") for name in names) else "en"


_LANG = _notebook_language()

TEXT = {
    "pass": {"en": "PASS", "ko": "통과"},
    "fail": {"en": "FAIL", "ko": "실패"},
    "todo": {"en": "TODO", "ko": "할 일"},
    "not_implemented": {
        "en": "not implemented yet: replace `raise NotImplementedError` with your code",
        "ko": "아직 구현하지 않았습니다: `raise NotImplementedError`를 여러분의 코드로 바꾸세요",
    },
    "stuck": {"en": "Stuck? Run `checks.{name}.hint()`.", "ko": "막혔다면 `checks.{name}.hint()`를 실행하세요."},
    "correct": {"en": "correct on all {n} cases", "ko": "{n}개 사례 모두 정답"},
    "raised": {"en": "raised {err}", "ko": "{err} 예외 발생"},
    "case": {"en": "case", "ko": "사례"},
    "hint": {"en": "Hint {i} of {n} ({name})", "ko": "힌트 {i}/{n} ({name})"},
    "last_hint": {
        "en": "That was the last hint. `checks.{name}.solution()` shows the answer.",
        "ko": "마지막 힌트였습니다. `checks.{name}.solution()`으로 답을 볼 수 있습니다.",
    },
    "no_hints": {"en": "No hints for {name}.", "ko": "{name}에는 힌트가 없습니다."},
    "warn_solution": {
        "en": "This shows the whole answer to `{name}`. Struggling a little longer is how the idea sticks: "
              "try the hints first (`checks.{name}.hint()`). Still want it? Run `checks.{name}.solution(show=True)`.",
        "ko": "`{name}`의 답 전체를 보여 줍니다. 조금 더 고민해야 오래 기억에 남습니다. 먼저 힌트를 보세요 "
              "(`checks.{name}.hint()`). 그래도 보려면 `checks.{name}.solution(show=True)`를 실행하세요.",
    },
    "solution_of": {"en": "Reference solution of {name} (from {path})", "ko": "{name}의 모범 답안 ({path})"},
    "none": {
        "en": "the {what} is None: did you forget `return`?",
        "ko": "{what}이(가) None입니다: `return`을 빠뜨렸나요?",
    },
    "mutated": {
        "en": "your function changed its input `{arg}` in place: compute new values instead "
              "(y = x * 2, not x *= 2; sorted(s) or s[::-1], not s.sort() or s.reverse())",
        "ko": "함수가 입력 `{arg}`을(를) 제자리에서 바꾸었습니다: 새 값을 만드세요 "
              "(x *= 2가 아니라 y = x * 2, s.reverse()가 아니라 s[::-1])",
    },
    "compare_failed": {
        "en": "could not compare your {what} with the expected one ({err})",
        "ko": "{what}을(를) 기대값과 비교할 수 없습니다 ({err})",
    },
    "brief_example": {"en": "the brief's example", "ko": "문제 설명의 예"},
    "hint_prefix": {"en": "Hint", "ko": "힌트"},
}


def set_language(lang: str) -> None:
    """Speak English (``"en"``) or Korean (``"ko"``) in verdicts, hints and warnings."""
    global _LANG
    if lang not in ("en", "ko"):
        raise ValueError(f"language must be 'en' or 'ko', got {lang!r}")
    _LANG = lang


def say(key: str, **kwargs) -> str:
    """The engine's message ``key`` in the current language, filled in with ``kwargs``."""
    return TEXT[key][_LANG].format(**kwargs)


def language() -> str:
    """The language verdicts and hints are written in now: ``"en"`` or ``"ko"``."""
    return _LANG


def tr(en: str, ko: str) -> str:
    """``en`` or ``ko``, whichever the learner reads: ``raise Fail(tr(f"wrong {x}", f"틀린 {x}"))``.

    Call it when a check runs, never at import time (that would freeze the language)."""
    return ko if _LANG == "ko" else en


def _local(text) -> str:
    """A hint or note given as a string (English) or as ``{"en": ..., "ko": ...}``."""
    if isinstance(text, dict):
        return text.get(_LANG) or text["en"]
    return text


def cap(text: str, limit: int = MAX_MESSAGE) -> str:
    """Cut ``text`` to ``limit`` characters so that no verdict floods the notebook."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def describe_error(err: BaseException) -> str:
    """``"TypeError: message"``, even for an exception whose ``str()`` itself fails."""
    try:
        message = str(err)
    except Exception:  # a learner's exception class can break str()
        message = ""
    return cap(f"{type(err).__name__}: {message}" if message else type(err).__name__, 200)


# --------------------------------------------------------------------------- verdicts and cases
@dataclass
class CheckResult:
    """The verdict of one exercise; truthy when it passed. ``status``: passed, failing or not started."""

    name: str
    passed: bool
    message: str
    status: str = ""

    def __post_init__(self):
        if not self.status:
            self.status = "passed" if self.passed else "failing"

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        mark = "pass" if self.passed else "todo" if self.status == "not started" else "fail"
        return f"{say(mark)} {self.name}: {self.message}"

    __repr__ = __str__


class Text(str):
    """A string that a notebook shows as plain text (no quotes): hints, warnings, solutions."""

    def __repr__(self) -> str:
        return str(self)


@dataclass
class Case:
    """One call of the function under test: ``label`` says in words what the case is.

    ``expected`` holds a literal answer for examples; otherwise the reference computes it.
    """

    label: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    expected: Any = None
    literal: bool = False


def case(label: str, *args, **kwargs) -> Case:
    """Shorthand: ``case("2x3 input", x)``."""
    return Case(label, args, kwargs)


def example(expected, label: str, *args, **kwargs) -> Case:
    """A case with its answer written out, usually the brief's worked example."""
    return Case(label, args, kwargs, expected=expected, literal=True)


class Fail(Exception):
    """Raised by a judge (or by the engine) to end a check with a verdict."""


class _NotImplemented(Exception):
    pass



def call(fn: Callable, *args, label: str = "", **kwargs):
    """Call the learner's ``fn``; a ``NotImplementedError`` or any other exception ends the check as a verdict."""
    try:
        return fn(*args, **kwargs)
    except NotImplementedError:
        raise _NotImplemented from None
    except Exception as err:  # the learner's bug becomes a verdict, never a crash
        where = f" ({say('case')}: {label})" if label else ""
        raise Fail(say("raised", err=describe_error(err)) + where) from None


def one_number(value, what: str, minimum: float = 0.0, inclusive: bool = False) -> float:
    """An experiment's choice (a learning rate, a weight decay...) as a float, or a :class:`Fail` saying why not.

    A 1-element array or tensor counts as its number; the value must be finite and above ``minimum``
    (or equal to it with ``inclusive``).
    """
    if isinstance(value, torch.Tensor) and value.numel() == 1 or isinstance(value, np.ndarray) and value.size == 1:
        value = value.item()
    if value is None:
        raise Fail(say("none", what=what))
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise Fail(tr(f"return one number, the {what}, not {cap(repr(value), 60)}",
                      f"{what} 하나를 숫자로 반환하세요. {cap(repr(value), 60)}이(가) 아니라"))
    value = float(value)
    if not np.isfinite(value) or value < minimum or (value == minimum and not inclusive):
        bound = f">= {minimum:g}" if inclusive else (tr("positive", "양수") if minimum == 0 else f"> {minimum:g}")
        raise Fail(tr(f"the {what} must be a finite number, {bound}, not {value!r}",
                      f"{what}은(는) 유한한 수({bound})여야 합니다. {value!r}은(는) 안 됩니다"))
    return value


# --------------------------------------------------------------------------- comparing values
def _fmt_shape(shape) -> str:
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


def _as_array(value) -> np.ndarray | None:
    """A float64 view of a number, array, tensor or nested list of numbers; None if it is not numeric."""
    if isinstance(value, (str, bytes)):
        return None
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu()
        value = value.float() if value.dtype == torch.bfloat16 else value
        value = value.numpy()
    try:
        arr = np.asarray(value)
    except Exception:
        return None
    if arr.dtype.kind not in "biuf":
        if arr.dtype.kind == "O":  # e.g. a list of 0-d tensors or of np.float64
            try:
                arr = np.asarray([_as_array(v) for v in arr.ravel()], dtype=np.float64).reshape(arr.shape)
            except Exception:
                return None
            return arr
        return None
    return arr


def _is_low_precision(value) -> bool:
    dtype = getattr(value, "dtype", None)
    return dtype in (np.float32, np.float16, torch.float32, torch.float16, torch.bfloat16)


def _fmt_pair(e: float, g: float) -> tuple[str, str]:
    """Both numbers with just enough digits to show that they differ."""
    for digits in range(6, 18):
        a, b = f"{e:.{digits}g}", f"{g:.{digits}g}"
        if a != b:
            return a, b
    return repr(float(e)), repr(float(g))


def _what(what: str) -> str:
    """The name of a compared value as the learner reads it: the engine's default "result" is "결과" in Korean."""
    if _LANG == "ko":
        for en, ko in (("result", "결과"), ("answer", "답")):
            if what == en or what.startswith(en + "["):
                return ko + what[len(en):]
    return what


def compare_values(expected, got, rtol: float = 1e-5, atol: float = 1e-7, what: str = "result") -> str | None:
    """Describe how ``got`` differs from ``expected`` (arrays, tensors, numbers, strings, tuples), or None if equal.

    A float32 or float16 answer is compared with a tolerance fit for its precision (relative 1e-3);
    a string is never read as a number; a tensor that requires grad is compared by its values.
    """
    w = _what(what)  # "result" -> "결과" in Korean
    if got is None and expected is not None:
        return say("none", what=w)
    if isinstance(expected, dict):
        if not isinstance(got, dict) or set(got) != set(expected):
            keys = sorted(map(str, expected))
            return tr(f"expected the {what} to be a dict with keys {keys}, got {type(got).__name__}",
                      f"{w}은(는) 키가 {keys}인 dict여야 하는데 {type(got).__name__}입니다")
        for key in expected:
            problem = compare_values(expected[key], got[key], rtol, atol, f"{what}[{key!r}]")
            if problem:
                return problem
        return None
    if isinstance(expected, (tuple, list)) and not isinstance(expected, str):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            kind = f"{len(got)} items" if isinstance(got, (tuple, list)) else type(got).__name__
            kind_ko = f"{len(got)}개 항목" if isinstance(got, (tuple, list)) else type(got).__name__
            return tr(f"expected the {what} to be a sequence of {len(expected)} items, got {kind}",
                      f"{w}은(는) 항목 {len(expected)}개의 시퀀스여야 하는데 {kind_ko}입니다")
        for i, (e, g) in enumerate(zip(expected, got)):
            problem = compare_values(e, g, rtol, atol, f"{what}[{i}]")
            if problem:
                return problem
        return None
    if isinstance(expected, str):
        if got == expected:
            return None
        e_s, g_s = cap(repr(expected), 80), cap(repr(got), 80)
        return tr(f"expected the {what} {e_s}, got {g_s}", f"{w}: 기대값 {e_s}, 받은 값 {g_s}")
    if isinstance(expected, torch.Tensor) and not isinstance(got, torch.Tensor):
        return tr(f"expected the {what} to be a torch.Tensor, got {type(got).__name__}",
                  f"{w}은(는) torch.Tensor여야 하는데 {type(got).__name__}입니다")
    e, g = _as_array(expected), _as_array(got)
    if g is None:
        return tr(f"expected the {what} to be numeric, got {type(got).__name__}",
                  f"{w}은(는) 숫자여야 하는데 {type(got).__name__}입니다")
    if e is None:
        raise TypeError(f"the expected {what} is not numeric")
    if e.shape != g.shape:
        return tr(f"wrong shape of the {what}: expected {_fmt_shape(e.shape)}, got {_fmt_shape(g.shape)}",
                  f"{w}의 모양(shape)이 틀렸습니다: 기대값 {_fmt_shape(e.shape)}, 받은 값 {_fmt_shape(g.shape)}")
    if e.dtype.kind in "biu" and g.dtype.kind == "f" and np.all(np.isfinite(g)) and np.array_equal(g, np.round(g)):
        g = g.astype(e.dtype)  # 3.0 for 3 is fine
    e_bool, g_bool = e.dtype == bool, g.dtype == bool
    e, g = e.astype(np.float64), g.astype(np.float64)
    if _is_low_precision(got) or _is_low_precision(expected):
        scale = float(np.max(np.abs(e))) if e.size and np.all(np.isfinite(e)) else 1.0
        rtol, atol = max(rtol, 1e-3), max(atol, 1e-6 * max(scale, 1e-12))
    bad = ~np.isclose(g, e, rtol=rtol, atol=atol, equal_nan=True)
    if bad.any():
        idx = np.unravel_index(np.argmax(np.where(bad, np.nan_to_num(np.abs(g - e), nan=np.inf), -1.0)), e.shape)
        index = tuple(int(i) for i in idx)
        where = tr(f" at index {index}", f" (인덱스 {index})") if e.ndim else ""
        n_bad = tr(f" ({int(bad.sum())} of {bad.size} values wrong)",
                   f" ({bad.size}개 값 중 {int(bad.sum())}개가 틀림)") if e.ndim else ""
        exp_s, got_s = _fmt_pair(float(e[idx]), float(g[idx]))
        exp_s, got_s = (str(bool(e[idx])) if e_bool else exp_s), (str(bool(g[idx])) if g_bool else got_s)
        return tr(f"wrong value of the {what}{where}: expected {exp_s}, got {got_s}{n_bad}",
                  f"{w}의 값이 틀렸습니다{where}: 기대값 {exp_s}, 받은 값 {got_s}{n_bad}")
    return None


def named_parts(*names: str) -> Callable:
    """A ``compare`` for functions that return a tuple: a difference is reported by the part's name.

    ``compare=named_parts("dx", "dW", "db")`` says e.g. "wrong value of the dW at index (0, 1)"
    instead of "result[1]".
    """

    def compare(expected, got, rtol: float = 1e-5, atol: float = 1e-7) -> str | None:
        if got is None:
            return tr(f"the result is None: did you forget `return`? Expected a tuple ({', '.join(names)})",
                      f"결과가 None입니다: `return`을 빠뜨렸나요? 튜플 ({', '.join(names)})을 반환해야 합니다")
        if not isinstance(got, (tuple, list)) or len(got) != len(names):
            kind = f"a {len(got)}-item {type(got).__name__}" if isinstance(got, (tuple, list)) else type(got).__name__
            kind_ko = (f"항목 {len(got)}개인 {type(got).__name__}" if isinstance(got, (tuple, list))
                       else type(got).__name__)
            return tr(f"expected a tuple ({', '.join(names)}), got {kind}",
                      f"튜플 ({', '.join(names)})을 반환해야 하는데 {kind_ko}입니다")
        for name, e, g in zip(names, expected, got):
            problem = compare_values(e, g, rtol, atol, what=name)
            if problem:
                if "wrong shape" in problem and np.shape(_as_array(g)) == np.shape(_as_array(e))[::-1]:
                    problem += tr(f": {name} is transposed", f": {name}이(가) 전치되어 있습니다")
                return problem
        return None

    return compare


def _same(a, b) -> bool:
    """True when two arguments hold the same values (arrays, tensors, numbers, nested lists and dicts)."""
    if isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor):
        if not (isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor)) or a.shape != b.shape:
            return False
        if a.requires_grad != b.requires_grad or (a.grad is None) != (b.grad is None):
            return False  # requires_grad_() or a backward() on the caller's tensor
        a, b = a.detach().cpu(), b.detach().cpu()
        same = a == b
        if a.is_floating_point() and b.is_floating_point():
            same = same | (a.isnan() & b.isnan())
        return bool(same.all())
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.shape(a) == np.shape(b) and bool(np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))
    if isinstance(a, (list, tuple)):
        return isinstance(b, (list, tuple)) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, numbers.Number) and isinstance(b, numbers.Number):
        return a == b or (a != a and b != b)  # nan stays nan
    if isinstance(a, str):
        return a == b
    return True  # modules and other objects: not checked here


def _arg_names(fn: Callable, n: int) -> list[str]:
    try:
        names = [p.name for p in inspect.signature(fn).parameters.values()]
    except (TypeError, ValueError):
        names = []
    return (names + [f"argument {i + 1}" for i in range(len(names), n)])[:n]


# --------------------------------------------------------------------------- the exercise
_RETURN_WORDS = {float: "a Python float (e.g. float(x) or tensor.item())", int: "a Python int (e.g. int(n))",
                 bool: "a Python bool", str: "a string", list: "a list", tuple: "a tuple",
                 np.ndarray: "a NumPy array", torch.Tensor: "a torch.Tensor"}
_RETURN_WORDS_KO = {float: "파이썬 float(예: float(x)나 tensor.item())", int: "파이썬 int(예: int(n))",
                    bool: "파이썬 bool", str: "문자열", list: "리스트", tuple: "튜플",
                    np.ndarray: "NumPy 배열", torch.Tensor: "torch.Tensor"}


def _check_type(got, returns) -> str | None:
    if returns is None or got is None:
        return None
    if returns is float:
        ok = isinstance(got, numbers.Real) and not isinstance(got, (bool, np.bool_)) and not isinstance(
            got, (np.ndarray, torch.Tensor))
    elif returns is int:
        ok = isinstance(got, numbers.Integral) and not isinstance(got, (bool, np.bool_))
    else:
        ok = isinstance(got, returns)
    if ok:
        return None
    if language() == "ko":
        return f"{_RETURN_WORDS_KO.get(returns, returns.__name__)}을(를) 반환하세요. {type(got).__name__}이(가) 아니라"
    return f"return {_RETURN_WORDS.get(returns, returns.__name__)}, not {type(got).__name__}"


@dataclass
class Exercise:
    """One exercise: its name, how it is checked, its hints and where its solution lives.

    Checked against the reference (the default): ``cases`` (a list or a function returning one),
    ``examples`` (cases with literal answers), ``compare(expected, got)`` (None when right, else a
    sentence), ``rtol``/``atol``, ``mistakes`` (``(wrong_function, hint)`` pairs: when the learner's
    answer equals a classic mistake's, and that mistake is really wrong on the case, its hint is
    shown), ``returns`` (the type the brief names), ``differentiable`` (the result must support
    ``.backward()``) and ``pure`` (the inputs must not be changed in place).
    Checked by a ``judge(fn) -> pass message`` instead: the judge raises :class:`Fail`.
    """

    name: str
    chapter: Chapter | None = None
    cases: Callable[[], list[Case]] | list[Case] | None = None
    examples: Sequence[Case] = ()
    reference: Callable | None = None
    compare: Callable | None = None
    rtol: float = 1e-5
    atol: float = 1e-7
    what: str = "result"
    mistakes: Sequence[tuple[Callable, Any]] = ()
    returns: type | None = None
    differentiable: bool = False
    pure: bool = True
    judge: Callable | None = None
    hints: Sequence[Any] = ()
    _hints_shown: int = 0

    # ------------------------------------------------------------------ what the learner calls
    def check(self, fn) -> CheckResult:
        """Check the learner's function (or class); the verdict is a :class:`CheckResult`, never an exception."""
        try:
            if self.judge is not None:
                message = self.judge(fn)
            else:
                message = self._check_cases(fn)
        except _NotImplemented:
            return CheckResult(self.name, False, say("not_implemented"), status="not started")
        except Fail as verdict:
            return CheckResult(self.name, False, self._failure(verdict))
        except RecursionError:
            return CheckResult(self.name, False, self._failure(tr("your code recursed too deeply",
                                                                  "코드의 재귀가 너무 깊어졌습니다")))
        except Exception as err:  # a learner's value that cannot even be compared or printed
            return CheckResult(self.name, False, self._failure(say("compare_failed", what=tr("answer", "답"),
                                                                   err=describe_error(err))))
        return CheckResult(self.name, True, cap(_local(message) if message else say("correct", n=self.n_cases)))

    def hint(self, number: int | None = None) -> Text:
        """The next hint (or hint ``number``, from 1); later hints say more."""
        hints = list(self.hints)
        if not hints:
            return Text(say("no_hints", name=self.name))
        if number is None:
            self._hints_shown = min(self._hints_shown + 1, len(hints))
            number = self._hints_shown
        number = max(1, min(int(number), len(hints)))
        text = f"{say('hint', i=number, n=len(hints), name=self.name)}: {_local(hints[number - 1])}"
        if number == len(hints):
            text += "\n" + say("last_hint", name=self.name)
        return Text(text)

    def solution(self, show: bool = False) -> Text:
        """A warning; with ``show=True`` the reference solution's code from the chapter's ``solutions.py``."""
        if not show:
            return Text(say("warn_solution", name=self.name))
        solution = self.solution_object()
        path = f"chapters/{self.chapter.folder}/solutions.py" if self.chapter else "solutions.py"
        return Text(f"{say('solution_of', name=self.name, path=path)}:\n\n{inspect.getsource(solution)}")

    # ------------------------------------------------------------------ machinery
    @property
    def n_cases(self) -> int:
        return len(self.examples) + len(self._cases())

    def _cases(self) -> list[Case]:
        if self.cases is None:
            return []
        return list(self.cases() if callable(self.cases) else self.cases)

    def solution_object(self):
        """The solution in ``solutions.py`` (the reference answer, written once)."""
        if self.chapter is None:
            raise LookupError(f"{self.name} belongs to no chapter")
        return getattr(self.chapter.solutions(), self.name)

    def _reference(self) -> Callable:
        return self.reference if self.reference is not None else self.solution_object()

    def _failure(self, verdict) -> str:
        return cap(str(verdict)) + " " + say("stuck", name=self.name)

    def _compare(self, expected, got) -> str | None:
        if self.compare is None:
            return compare_values(expected, got, self.rtol, self.atol, self.what)
        try:
            return self.compare(expected, got, self.rtol, self.atol)
        except TypeError as err:
            if "positional argument" not in str(err):
                raise
            return self.compare(expected, got)

    def _mistake_hint(self, c: Case, expected, got) -> str:
        """The hint of the first classic mistake that is wrong on this case and equals the learner's answer."""
        for wrong, hint in self.mistakes:
            try:
                with np.errstate(all="ignore"):
                    answer = wrong(*copy.deepcopy(c.args), **copy.deepcopy(c.kwargs))
                if self._compare(expected, answer) is None:
                    continue  # this mistake gives the right answer here: it cannot explain the difference
                if self._compare(answer, got) is None:
                    return f". {say('hint_prefix')}: {_local(hint)}"
            except Exception:  # a hint is a bonus: it never crashes the checker
                continue
        return ""

    def _check_cases(self, fn) -> str | None:
        reference = None
        for c in [*self.examples, *self._cases()]:
            label = say("brief_example") if c.literal and not c.label else _local(c.label)
            if c.literal:
                expected = c.expected
            else:
                reference = reference or self._reference()
                expected = reference(*copy.deepcopy(c.args), **copy.deepcopy(c.kwargs))
            args, kwargs = copy.deepcopy(c.args), copy.deepcopy(c.kwargs)
            got = call(fn, *args, label=label, **kwargs)
            where = f" ({say('case')}: {label})"
            problem = _check_type(got, self.returns)
            if problem is None:
                problem = self._compare(expected, got)
            if problem:
                problem += self._mistake_hint(c, expected, got)
            if problem is None and self.differentiable:
                problem = self._differentiable(got)
            if problem is None and self.pure:
                for arg_name, before, after in zip(_arg_names(fn, len(args)), c.args, args):
                    if not _same(before, after):
                        problem = say("mutated", arg=arg_name)
                        break
            if problem:
                raise Fail(cap(problem, MAX_MESSAGE - len(where) - 1) + where)
        return None

    @staticmethod
    def _differentiable(got) -> str | None:
        if not isinstance(got, torch.Tensor):
            return tr(f"return a torch.Tensor that supports .backward(), not {type(got).__name__}",
                      f".backward()를 지원하는 torch.Tensor를 반환하세요. {type(got).__name__}이(가) 아니라")
        if not got.requires_grad:
            return tr("the result does not carry gradients (requires_grad is False): stay with torch operations, "
                      "no .item(), .numpy(), .detach() or torch.tensor(...) on the way",
                      "결과가 기울기를 전달하지 않습니다(requires_grad가 False): 중간에 .item(), .numpy(), .detach(), "
                      "torch.tensor(...)를 쓰지 말고 torch 연산만 쓰세요")
        return None


class Chapter:
    """The exercises of one chapter, in order; its ``solutions.py`` holds every reference answer."""

    def __init__(self, folder: str):
        self.folder = folder
        self.exercises: dict[str, Exercise] = {}
        self._solutions = None

    def exercise(self, name: str, **options) -> Exercise:
        """Declare an exercise (see :class:`Exercise`) and return it."""
        if name in self.exercises:
            raise ValueError(f"exercise {name!r} is declared twice in chapter {self.folder}")
        ex = Exercise(name, chapter=self, **options)
        self.exercises[name] = ex
        return ex

    def predict(self, name: str, why, options: dict | None = None, tolerance: float | None = None,
                **more) -> Exercise:
        """A predict-first question: the learner's function returns a prediction before the next cell shows it.

        The right prediction is what the solution in ``solutions.py`` returns: one key of ``options``
        (``{"a": "the first layer", ...}``, compared without case or spaces) or a number within
        ``tolerance`` (relative). The verdict says right or wrong and, either way, ``why``.
        """

        def judge(fn):
            got = call(fn, label=tr("your prediction", "여러분의 예측"))
            right = getattr(self.solutions(), name)()
            if options is not None:
                if not isinstance(got, str) or got.strip().lower() not in options:
                    keys = ", ".join(repr(k) for k in options)
                    raise Fail(tr(f"answer with one of {keys}, not {cap(repr(got), 60)}",
                                  f"{keys} 중 하나로 답하세요. {cap(repr(got), 60)}은(는) 안 됩니다"))
                chose = got.strip().lower()
                if chose != right:
                    raise Fail(tr(f"not what happens: you chose {chose!r} ({_local(options[chose])}). {_local(why)}",
                                  f"실제로는 그렇게 되지 않습니다: {chose!r}({_local(options[chose])})를 골랐습니다. "
                                  f"{_local(why)}"))
                return tr(f"right, {right!r} ({_local(options[right])}). {_local(why)}",
                          f"정답, {right!r}({_local(options[right])}). {_local(why)}")
            value = _as_array(got)
            if value is None or value.size != 1 or isinstance(got, bool):
                raise Fail(tr(f"answer with one number, not {cap(repr(got), 60)}",
                              f"숫자 하나로 답하세요. {cap(repr(got), 60)}은(는) 안 됩니다"))
            value = float(value.reshape(()))
            if not np.isclose(value, right, rtol=tolerance or 1e-9, atol=0 if tolerance else 1e-12):
                raise Fail(tr(f"not what happens: you predicted {value:.6g}, the next cell shows {right:.6g}. "
                              f"{_local(why)}",
                              f"실제로는 그렇게 되지 않습니다: {value:.6g}(으)로 예측했지만 "
                              f"다음 셀은 {right:.6g}를 보여 줍니다. {_local(why)}"))
            return tr(f"right, {right:.6g}. {_local(why)}", f"정답, {right:.6g}. {_local(why)}")

        return self.exercise(name, judge=judge, **more)

    def solutions(self):
        """The chapter's ``solutions.py``, imported by path once."""
        if self._solutions is None:
            path = CHAPTERS_DIR / self.folder / "solutions.py"
            spec = importlib.util.spec_from_file_location(f"solutions_{self.folder}", path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[spec.name] = module  # inspect.getsource needs it to find a class's source
            spec.loader.exec_module(module)
            self._solutions = module
        return self._solutions

    def check_all(self, namespace: dict) -> list[CheckResult]:
        """Check every exercise whose function ``namespace`` defines; the others are 'not started'."""
        results = []
        for name, ex in self.exercises.items():
            if name in namespace:
                results.append(ex.check(namespace[name]))
            else:
                results.append(CheckResult(name, False, say("not_implemented"), status="not started"))
        return results

    def legacy(self, attribute: str):
        """``checks.check_gate(gate)``, the call of the course's first edition, still works."""
        if attribute.startswith("check_") and attribute[6:] in self.exercises:
            return self.exercises[attribute[6:]].check
        raise AttributeError(f"module common.checkers has no attribute {attribute!r}")

