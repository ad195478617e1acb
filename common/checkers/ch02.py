"""Exercises of chapter 02, activation functions: ``checks.<name>.check(fn)``, ``.hint()``, ``.solution()``.

The reference answers are the chapter's ``solutions.py``; this module holds what is specific to each
exercise: its cases, the brief's worked example, classic mistakes (naive overflowing formulas among them)
and hints.
"""
from __future__ import annotations

import numpy as np

from common.checks import Chapter, case, compare_values, example, named_parts
from common.np_layers import sigmoid, softmax

CHAPTER = Chapter("02_activations")
__getattr__ = CHAPTER.legacy


def _rng(offset: int = 0) -> np.random.Generator:
    return np.random.default_rng(2 + offset)


def _f64(x) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


def _finite(value) -> bool:
    """True when ``value`` is numeric and has no nan or inf (anything that is not numeric counts as finite)."""
    try:
        return bool(np.all(np.isfinite(np.asarray(value, dtype=np.float64))))
    except Exception:
        return True


def _overflow_check(compare, advice: str):
    """``compare`` preceded by one sentence for a result with nan or inf where the right answer is finite."""

    def checked(expected, got, rtol: float = 1e-5, atol: float = 1e-7) -> str | None:
        parts_e = expected if isinstance(expected, tuple) else (expected,)
        parts_g = got if isinstance(got, tuple | list) else (got,)
        if all(_finite(e) for e in parts_e) and not all(_finite(g) for g in parts_g):
            return f"the result contains nan or inf: {advice}"
        return compare(expected, got, rtol, atol)

    return checked


# --------------------------------------------------------------------------- 1. sigmoid_grad
def _compare_derivative(expected, got, rtol, atol):
    return compare_values(expected, got, rtol, atol, what="derivative")


sigmoid_grad = CHAPTER.exercise(
    "sigmoid_grad",
    examples=[
        example(0.25, "the brief's example: x = 0.0", 0.0),
        example(np.array([0.0, 0.0]), "the brief's example: huge inputs x = [-1000, 1000]",
                np.array([-1000.0, 1000.0])),
        example(np.array([0.25, 0.10499358540350652]), "x = [0, 2]", np.array([0.0, 2.0])),
    ],
    cases=[
        case("x of shape (6,) in [-4, 4]", np.linspace(-4.0, 4.0, 6)),
        case("x of shape (3, 5), random", _rng(1).standard_normal((3, 5)) * 2),
        case("a batch of 1: x of shape (1, 4), negative values", -np.abs(_rng(2).standard_normal((1, 4))) - 1),
        case("saturated inputs x = [-1000, -30, 30, 1000]", np.array([-1000.0, -30.0, 30.0, 1000.0])),
        case("integer inputs x = [-3, 0, 2] (the answer is not an integer)", np.array([-3, 0, 2])),
    ],
    compare=_overflow_check(_compare_derivative, "compute sigma(x) without overflow first (lesson, section 2)"),
    rtol=1e-6,
    atol=1e-12,
    mistakes=[
        (lambda x: _f64(x) * (1 - _f64(x)), "the rule is s * (1 - s) with s = sigmoid(x), not x itself"),
        (lambda x: sigmoid(_f64(x)), "you returned sigmoid(x) itself: the derivative is sigmoid(x) * (1 - sigmoid(x))"),
        (lambda x: sigmoid(_f64(x)) * (1 - _f64(x)), "use (1 - sigmoid(x)), not (1 - x)"),
        (lambda x: sigmoid(_f64(x)) * (1 + sigmoid(_f64(x))), "the second factor is (1 - sigmoid(x)), not (1 + ...)"),
    ],
    hints=[
        "The sigmoid's derivative can be written with the sigmoid itself: compute s = sigma(x) once, then combine.",
        "For huge |x|, 1 / (1 + np.exp(-x)) warns about overflow and e^x / (1 + e^x) gives nan. Use "
        "e = np.exp(-np.abs(x)), which never overflows, and np.where(x >= 0, ...) to pick the right formula. "
        "Convert x with np.asarray(x, dtype=float) first, so numbers and integer arrays work too.",
        "`e = np.exp(-np.abs(x))`, `s = np.where(x >= 0, 1 / (1 + e), e / (1 + e))`, `return s * (1 - s)`.",
    ],
)


# --------------------------------------------------------------------------- 2. stable_softmax
def _compare_probabilities(expected, got, rtol, atol):
    e = np.asarray(expected, dtype=np.float64)
    if isinstance(got, np.ndarray) and got.dtype.kind in "biuf" and got.shape == e.shape and e.ndim >= 1:
        if np.allclose(e.sum(axis=-1), 1.0) and not np.allclose(got.sum(axis=-1), 1.0):
            return "the probabilities along the last axis do not sum to 1: normalise along axis=-1 (keepdims=True)"
    return compare_values(expected, got, rtol, atol, what="probabilities")


def _softmax_naive(x):
    with np.errstate(all="ignore"):
        z = np.exp(_f64(x))
        return z / z.sum(axis=-1, keepdims=True)


def _softmax_global_max(x):
    x = _f64(x)
    with np.errstate(all="ignore"):
        z = np.exp(x - x.max())
        return z / z.sum(axis=-1, keepdims=True)


def _softmax_cases():
    rng = _rng(2)
    return [
        case("x = [1, 2, 3], shape (3,)", np.array([1.0, 2.0, 3.0])),
        case("x of shape (4, 5), random", rng.standard_normal((4, 5)) * 3),
        case("a batch of 1: x of shape (1, 3)", np.array([[0.5, -1.0, 2.0]])),
        case("rows on different scales [[1000, 1001], [-1000, -999]]", np.array([[1000.0, 1001.0], [-1000.0, -999.0]])),
        case("one logit far above the others: [[0, 800, -800]]", np.array([[0.0, 800.0, -800.0]])),
        case("x of shape (2, 3, 4): softmax over the last axis", rng.standard_normal((2, 3, 4))),
        case("integer logits [[1, 2, 3], [0, 0, 5]]", np.array([[1, 2, 3], [0, 0, 5]])),
    ]


stable_softmax = CHAPTER.exercise(
    "stable_softmax",
    examples=[
        example(np.array([0.09003057317038045, 0.2447284710547976, 0.6652409557748218]),
                "the brief's example: x = [1000, 1001, 1002]", np.array([1000.0, 1001.0, 1002.0])),
        example(np.full((2, 4), 0.25), "all logits equal: zeros of shape (2, 4), a uniform answer", np.zeros((2, 4))),
    ],
    cases=_softmax_cases,
    compare=_overflow_check(_compare_probabilities, "subtract each row's own maximum (axis=-1, keepdims=True) "
                                                    "before np.exp"),
    rtol=1e-6,
    atol=1e-12,
    mistakes=[
        (_softmax_naive, "np.exp(1000) is inf in float64, and inf / inf is nan"),
        (_softmax_global_max, "one maximum for the whole array is not enough when rows live on different scales"),
        (lambda x: softmax(_f64(x), axis=0), "the softmax runs over the last axis (axis=-1), not axis 0"),
    ],
    hints=[
        "Softmax does not change when you subtract the same number from every logit of a row. Subtract the row's "
        "maximum: the largest exponent becomes e^0 = 1 and nothing overflows.",
        "`m = x.max(axis=-1, keepdims=True)` keeps a size-1 last axis, so `x - m` broadcasts row by row; "
        "exponentiate, then divide by the sum over the same axis (again keepdims=True). Do not change x in place "
        "(no `x -= m`).",
        "`z = np.exp(x - x.max(axis=-1, keepdims=True))` and `return z / z.sum(axis=-1, keepdims=True)`.",
    ],
)


# --------------------------------------------------------------------------- 3. leaky_relu_with_grad
def _leaky_with(x, alpha=0.01, at_zero=None, negative=None, positive=1.0, use_alpha=True):
    x = _f64(x)
    a = alpha if use_alpha else 0.01
    slope = np.where(x > 0, positive, a if negative is None else negative)
    if at_zero is not None:
        slope = np.where(x == 0, at_zero, slope)
    return x * slope, slope


def _leaky_cases():
    rng = _rng(3)
    return [
        case("x = [-2, -0.5, 0, 0.5, 2], default alpha", np.array([-2.0, -0.5, 0.0, 0.5, 2.0])),
        case("x of shape (3, 4), random, alpha = 0.2", rng.standard_normal((3, 4)), alpha=0.2),
        case("a batch of 1, all negative: x of shape (1, 5), alpha = 0.1 given by position",
             -np.abs(rng.standard_normal((1, 5))), 0.1),
        case("x of zeros, shape (2, 2), alpha = 0.3 (the slope at 0 is alpha)", np.zeros((2, 2)), alpha=0.3),
        case("alpha = 0 (plain ReLU), x of shape (6,)", np.array([-3.0, -1.0, 0.0, 1.0, 3.0, 0.25]), alpha=0.0),
        case("integer x = [-4, -1, 0, 2], alpha = 0.5 (y is not an integer)", np.array([-4, -1, 0, 2]), alpha=0.5),
    ]


leaky_relu_with_grad = CHAPTER.exercise(
    "leaky_relu_with_grad",
    examples=[example((np.array([-0.2, 0.0, 3.0]), np.array([0.1, 0.1, 1.0])), "the brief's example, alpha = 0.1",
                      np.array([-2.0, 0.0, 3.0]), alpha=0.1)],
    cases=_leaky_cases,
    compare=named_parts("output y", "gradient dy_dx"),
    rtol=1e-6,
    atol=1e-12,
    mistakes=[
        (lambda x, alpha=0.01: _leaky_with(x, alpha, at_zero=1.0),
         "at x = 0 use the slope alpha, as PyTorch does (x > 0 has slope 1, x <= 0 slope alpha)"),
        (lambda x, alpha=0.01: _leaky_with(x, alpha, negative=0.0),
         "where x < 0 the slope is alpha, not 0: that would be plain ReLU"),
        (lambda x, alpha=0.01: _leaky_with(x, alpha, use_alpha=False),
         "use the alpha you are given, not always the default 0.01"),
        (lambda x, alpha=0.01: (_f64(x) * np.where(_f64(x) > 0, alpha, 1.0), np.where(_f64(x) > 0, alpha, 1.0)),
         "the slopes are swapped: where x > 0 Leaky ReLU is the identity (slope 1), alpha is for x <= 0"),
    ],
    hints=[
        "Everything follows from one array, the slope: 1 where x > 0 and alpha elsewhere (x = 0 included). "
        "Then y = slope * x and dy_dx = slope.",
        "`np.where(condition, a, b)` picks a where the condition holds and b elsewhere, for arrays of any shape. "
        "Convert x to floats first (np.asarray(x, dtype=float)) so integer inputs give float results, and return "
        "a pair: `return y, dy_dx`.",
        "`x = np.asarray(x, dtype=float)`, `slope = np.where(x > 0, 1.0, alpha)`, `return x * slope, slope`.",
    ],
)


# --------------------------------------------------------------------------- 4. softmax_cross_entropy
def _ce_parts(logits, labels):
    logits = _f64(logits)
    with np.errstate(all="ignore"):
        p = softmax(logits, axis=1)
        n = logits.shape[0]
        loss = -np.log(p[np.arange(n), labels]).mean()
    return p, np.eye(logits.shape[1])[labels], n, loss


def _ce_naive(logits, labels):
    logits = _f64(logits)
    n = logits.shape[0]
    with np.errstate(all="ignore"):
        p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        return -np.log(p[np.arange(n), labels]).mean(), (p - np.eye(logits.shape[1])[labels]) / n


def _ce_global_max(logits, labels):
    logits = _f64(logits)
    n = logits.shape[0]
    with np.errstate(all="ignore"):
        s = logits - logits.max()
        log_p = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
        return -log_p[np.arange(n), labels].mean(), (np.exp(log_p) - np.eye(logits.shape[1])[labels]) / n


def _ce_cases():
    rng = _rng(4)
    return [
        case("logits (4, 5), random labels", rng.standard_normal((4, 5)) * 2, rng.integers(0, 5, 4)),
        case("two classes: logits (3, 2)", rng.standard_normal((3, 2)), np.array([0, 1, 1])),
        case("every label the same class: logits (5, 4)", rng.standard_normal((5, 4)), np.zeros(5, dtype=np.int64)),
        case("huge logits: (6, 10) scaled by 500", rng.standard_normal((6, 10)) * 500, rng.integers(0, 10, 6)),
        case("rows on very different scales: [[1000, 0, 999], [-1000, -1001, -1002]]",
             np.array([[1000.0, 0.0, 999.0], [-1000.0, -1001.0, -1002.0]]), np.array([2, 0])),
        case("integer logits [[2, 0, 1], [0, 3, 3]]", np.array([[2, 0, 1], [0, 3, 3]]), np.array([0, 2])),
    ]


softmax_cross_entropy = CHAPTER.exercise(
    "softmax_cross_entropy",
    examples=[example((0.4076059644443804, np.array([[0.09003057317038043, 0.24472847105479764, -0.3347590442251782]])),
                      "the brief's example: logits [[1, 2, 3]], label 2", np.array([[1.0, 2.0, 3.0]]), np.array([2]))],
    cases=_ce_cases,
    compare=_overflow_check(named_parts("loss", "gradient dlogits"),
                            "compute log p as z - m - log(sum(exp(z - m))) with m the row maximum"),
    rtol=1e-6,
    atol=1e-10,
    mistakes=[
        (lambda lo, la: (lambda p, y, n, loss: (loss, p - y))(*_ce_parts(lo, la)),
         "the loss is a mean, so divide p - y by N"),
        (lambda lo, la: (lambda p, y, n, loss: (loss * n, (p - y) / n))(*_ce_parts(lo, la)),
         "the loss is the mean over the batch, not the sum"),
        (lambda lo, la: (lambda p, y, n, loss: (loss, (y - p) / n))(*_ce_parts(lo, la)),
         "the gradient has the wrong sign: it is p - y (probabilities minus one-hot labels)"),
        (_ce_naive, "np.exp(1000) is inf in float64, and inf / inf is nan"),
        (_ce_global_max, "one maximum for the whole batch is not enough when rows live on different scales"),
    ],
    hints=[
        "Work with log-probabilities: log p = z - m - log(sum_j exp(z_j - m)), row by row, with m the row maximum. "
        "The loss picks the log-probability of each row's label; the gradient is (p - y) / N.",
        "`m = logits.max(axis=1, keepdims=True)`; `log_p` as above (shape (N, C)); `log_p[np.arange(N), labels]` "
        "picks one entry per row; the loss is minus its mean. For the gradient, p = np.exp(log_p); subtract 1 at "
        "each label (a copy, not logits itself) and divide by N.",
        "`s = logits - logits.max(axis=1, keepdims=True)`, `log_p = s - np.log(np.exp(s).sum(axis=1, keepdims=True))`, "
        "`loss = -log_p[np.arange(n), labels].mean()`, `d = np.exp(log_p)`, `d[np.arange(n), labels] -= 1`, "
        "`return loss, d / n`.",
    ],
)


# --------------------------------------------------------------------------- 5. dead_unit_fraction
def _dead_cases():
    rng = _rng(5)
    z = rng.standard_normal((200, 64))
    z[:, ::3] = -np.abs(z[:, ::3]) - 0.1  # every third unit is dead
    with_zero = rng.standard_normal((10, 5))
    with_zero[:, 1] = 0.0  # a unit whose input is exactly 0 for every example is dead too
    with_zero[:, 3] = -np.abs(with_zero[:, 3])
    with_zero[0, 3] = 0.0
    negative_sum = -np.abs(rng.standard_normal((20, 4))) - 1.0  # all dead...
    negative_sum[5, 1] = 0.5  # ...but one example keeps unit 1 alive, although its column sum stays negative
    negative_sum[7, 2] = 3.0
    return [
        case("(200, 64), every third unit dead", z),
        case("(10, 5) with a unit whose pre-activation is exactly 0 everywhere", with_zero),
        case("a batch of 1: (1, 6)", np.array([[-1.0, 2.0, 0.0, -0.5, 3.0, -2.0]])),
        case("(30, 7) all positive: nothing dead", np.abs(rng.standard_normal((30, 7))) + 0.1),
        case("(8, 3) all negative: everything dead", -np.abs(rng.standard_normal((8, 3))) - 0.1),
        case("(20, 4): two units are positive on a single example, with a negative column sum", negative_sum),
        case("integer pre-activations (3, 4)", np.array([[0, -2, 1, -1], [-3, 0, 0, -1], [0, -1, -4, 2]])),
    ]


def _z(pre_activations):
    return np.asarray(pre_activations, dtype=np.float64)


dead_unit_fraction = CHAPTER.exercise(
    "dead_unit_fraction",
    examples=[example(1 / 3, "the brief's example: only the middle unit is dead",
                      np.array([[1.0, -1.0, 0.5], [2.0, -3.0, -1.0], [-1.0, -0.5, -2.0], [0.5, -2.0, -0.1]]))],
    cases=_dead_cases,
    returns=float,
    rtol=1e-9,
    atol=1e-12,
    what="fraction of dead units",
    mistakes=[
        (lambda z: float((_z(z) <= 0).all(axis=0).sum()),
         "you returned the number of dead units: return the fraction (divide by the number of units)"),
        (lambda z: float((_z(z) <= 0).mean()),
         "you counted single values <= 0: a unit is dead only if it is <= 0 for EVERY example (a whole column)"),
        (lambda z: float((_z(z) < 0).all(axis=0).mean()),
         "a pre-activation of exactly 0 also gives ReLU output 0 and gradient 0: use <= 0, not < 0"),
        (lambda z: float((_z(z) <= 0).all(axis=1).mean()),
         "wrong axis: units are the columns; a dead unit is <= 0 down its whole column (axis=0)"),
    ],
    hints=[
        "A unit is a column. It is dead when every value in its column is <= 0; the answer is the number of dead "
        "columns divided by the number of columns.",
        "`(z <= 0)` is a boolean (N, H) array; `.all(axis=0)` asks 'all rows?' for each column, giving (H,) booleans; "
        "the mean of booleans is the fraction of True. Return it as a Python float.",
        "`return float((np.asarray(pre_activations) <= 0).all(axis=0).mean())`.",
    ],
)
