"""Checkers for chapter 02 (activation functions).

One ``check_<name>(fn)`` per exercise of ``chapters/02_activations/exercises.ipynb``.
The reference answers live here, next to their checkers; each checker calls the learner's
code on random and edge-case inputs and returns a :class:`~common.checks.CheckResult`.
"""

from __future__ import annotations

import numpy as np

from common.checks import CheckResult, case, check_function, compare_values

_RNG_SEED = 2


def _rng(offset: int = 0) -> np.random.Generator:
    return np.random.default_rng(_RNG_SEED + offset)


def _close(a, b, rtol=1e-6, atol=1e-9) -> bool:
    """True when ``b`` has ``a``'s shape and values (never raises)."""
    try:
        a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
        return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol))
    except (TypeError, ValueError):
        return False


def _non_finite(got) -> bool:
    try:
        return not np.all(np.isfinite(np.asarray(got, dtype=np.float64)))
    except (TypeError, ValueError):
        return False


def _sigmoid(x):
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _check_each(fn, reference, cases, name: str, make_compare) -> CheckResult:
    """``check_function`` case by case, with a compare rule that sees the case's input to explain mistakes.

    ``make_compare(*args, **kwargs)`` returns ``compare(expected, got)``; should it fail on an odd
    answer, the plain :func:`compare_values` decides, so the checker never raises.
    """

    def safe(compare):
        def run(expected, got):
            try:
                return compare(expected, got)
            except Exception:
                return compare_values(expected, got)

        return run

    for c in cases:
        compare = safe(make_compare(*c.args, **c.kwargs))
        result = check_function(fn, reference, [c], name=name, compare=compare)
        if not result.passed:
            return result
    return CheckResult(name, True, f"correct on all {len(cases)} cases")


# --------------------------------------------------------------------------- 1. sigmoid_grad
def _ref_sigmoid_grad(x):
    s = _sigmoid(x)
    return s * (1.0 - s)


def _sigmoid_grad_cases():
    rng = _rng(1)
    return [
        case("x = 0.0 (the answer is 0.25)", 0.0),
        case("x of shape (6,) in [-4, 4]", np.linspace(-4.0, 4.0, 6)),
        case("x of shape (3, 5), random", rng.standard_normal((3, 5)) * 2),
        case("a batch of 1: x of shape (1, 4), negative values", -np.abs(rng.standard_normal((1, 4))) - 1),
        case("saturated inputs x = [-1000, -30, 30, 1000]", np.array([-1000.0, -30.0, 30.0, 1000.0])),
    ]


def _compare_sigmoid_grad(x):
    def compare(expected, got):
        if _non_finite(got) and not _non_finite(expected):
            return "the result contains nan or inf: compute sigma(x) without overflow first"
        if _close(np.asarray(x) * (1.0 - np.asarray(x)), got) and not _close(expected, got):
            return "you computed x (1 - x): the rule is y (1 - y) with y = sigmoid(x), not x itself"
        if _close(_sigmoid(x), got) and not _close(expected, got):
            return "you returned sigmoid(x) itself: the derivative is sigmoid(x) * (1 - sigmoid(x))"
        return compare_values(expected, got, rtol=1e-6, atol=1e-12)

    return compare


def check_sigmoid_grad(fn) -> CheckResult:
    """Exercise 1: d sigma / dx = sigma(x) (1 - sigma(x)), elementwise, same shape as x."""
    return _check_each(fn, _ref_sigmoid_grad, _sigmoid_grad_cases(), "sigmoid_grad", _compare_sigmoid_grad)


# --------------------------------------------------------------------------- 2. stable_softmax
def _ref_stable_softmax(x):
    x = np.asarray(x, dtype=np.float64)
    z = np.exp(x - x.max(axis=-1, keepdims=True))
    return z / z.sum(axis=-1, keepdims=True)


def _softmax_cases():
    rng = _rng(2)
    return [
        case("x = [1, 2, 3], shape (3,)", np.array([1.0, 2.0, 3.0])),
        case("x of shape (4, 5), random", rng.standard_normal((4, 5)) * 3),
        case("a batch of 1: x of shape (1, 3)", np.array([[0.5, -1.0, 2.0]])),
        case("all logits equal: x of shape (2, 4) of zeros (the answer is uniform)", np.zeros((2, 4))),
        case("huge logits [[1000, 1001, 1002]]", np.array([[1000.0, 1001.0, 1002.0]])),
        case("rows on different scales [[1000, 1001], [-1000, -999]]", np.array([[1000.0, 1001.0], [-1000.0, -999.0]])),
        case("x of shape (2, 3, 4): softmax over the last axis", rng.standard_normal((2, 3, 4))),
    ]


def _compare_softmax(x):
    def compare(expected, got):
        if _non_finite(got):
            return (
                "the result contains nan or inf: exp overflowed (or 0/0); "
                "subtract each row's own maximum (axis=-1, keepdims=True) before np.exp"
            )
        g = np.asarray(got, dtype=np.float64) if not isinstance(got, tuple) else None
        if g is not None and g.shape == expected.shape and g.ndim >= 1 and not np.allclose(g.sum(axis=-1), 1.0):
            return "the probabilities along the last axis do not sum to 1: normalise along axis=-1"
        return compare_values(expected, got, rtol=1e-6, atol=1e-12)

    return compare


def check_stable_softmax(fn) -> CheckResult:
    """Exercise 2: softmax over the last axis that never overflows."""
    return _check_each(fn, _ref_stable_softmax, _softmax_cases(), "stable_softmax", _compare_softmax)


# --------------------------------------------------------------------------- 3. leaky_relu_with_grad
def _ref_leaky_relu_with_grad(x, alpha=0.01):
    x = np.asarray(x, dtype=np.float64)
    slope = np.where(x > 0, 1.0, alpha)
    return x * slope, slope


def _leaky_cases():
    rng = _rng(3)
    return [
        case("x = [-2, -0.5, 0, 0.5, 2], default alpha", np.array([-2.0, -0.5, 0.0, 0.5, 2.0])),
        case("x of shape (3, 4), random, alpha = 0.2", rng.standard_normal((3, 4)), alpha=0.2),
        case("a batch of 1, all negative: x of shape (1, 5), alpha = 0.1", -np.abs(rng.standard_normal((1, 5))), 0.1),
        case("x of zeros, shape (2, 2), alpha = 0.3 (the slope at 0 is alpha)", np.zeros((2, 2)), alpha=0.3),
        case("alpha = 0 (plain ReLU), x of shape (6,)", np.array([-3.0, -1.0, 0.0, 1.0, 3.0, 0.25]), alpha=0.0),
    ]


def _compare_leaky(x, alpha=0.01):
    def compare(expected, got):
        if not isinstance(got, tuple | list) or len(got) != 2:
            return f"return a pair (y, dy_dx), got {type(got).__name__}"
        for what, e, g in [("output y", expected[0], got[0]), ("gradient dy/dx", expected[1], got[1])]:
            problem = compare_values(e, g, rtol=1e-6, atol=1e-12, what=what)
            if not problem:
                continue
            xs = np.asarray(x, dtype=np.float64)
            ga = np.asarray(g, dtype=np.float64) if not _non_finite(g) else None
            if ga is not None and ga.shape == xs.shape:
                bad = ~np.isclose(ga, e, rtol=1e-6, atol=1e-12)
                if bad.any() and np.all(xs[bad] == 0):
                    return f"wrong {what} at x = 0: use the slope alpha there (x > 0 has slope 1, x <= 0 slope alpha)"
                if bad.any() and np.all(xs[bad] < 0):
                    return f"wrong {what} where x < 0: there the slope is alpha = {alpha}, not 1 and not 0"
                if bad.any() and np.all(xs[bad] > 0):
                    return f"wrong {what} where x > 0: there Leaky ReLU is the identity (slope 1)"
            return problem
        return None

    return compare


def check_leaky_relu_with_grad(fn) -> CheckResult:
    """Exercise 3: Leaky ReLU and its elementwise derivative, returned as a pair (y, dy_dx)."""
    return _check_each(fn, _ref_leaky_relu_with_grad, _leaky_cases(), "leaky_relu_with_grad", _compare_leaky)


# --------------------------------------------------------------------------- 4. softmax_cross_entropy
def _ref_softmax_cross_entropy(logits, labels):
    logits = np.asarray(logits, dtype=np.float64)
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_p[np.arange(n), labels].mean()
    grad = np.exp(log_p)
    grad[np.arange(n), labels] -= 1.0
    return loss, grad / n


def _ce_cases():
    rng = _rng(4)
    return [
        case("a batch of 1: logits (1, 3), label 2", np.array([[1.0, 2.0, 3.0]]), np.array([2])),
        case("logits (4, 5), random labels", rng.standard_normal((4, 5)) * 2, rng.integers(0, 5, 4)),
        case("two classes: logits (3, 2)", rng.standard_normal((3, 2)), np.array([0, 1, 1])),
        case("every label the same class: logits (5, 4)", rng.standard_normal((5, 4)), np.zeros(5, dtype=np.int64)),
        case("huge logits: (6, 10) scaled by 500", rng.standard_normal((6, 10)) * 500, rng.integers(0, 10, 6)),
    ]


def _compare_ce(logits, labels):
    def compare(expected, got):
        if not isinstance(got, tuple | list) or len(got) != 2:
            return f"return a pair (loss, dlogits), got {type(got).__name__}"
        (e_loss, e_grad), (g_loss, g_grad) = expected, got
        if _non_finite(g_loss) or _non_finite(g_grad):
            return "the result contains nan or inf: compute the softmax (or log-softmax) with the max subtracted"
        n = np.asarray(logits).shape[0]
        if n > 1 and _close(e_loss * n, g_loss):
            return "the loss is N times too large: take the mean over the batch, not the sum"
        problem = compare_values(e_loss, g_loss, rtol=1e-6, atol=1e-10, what="loss")
        if problem:
            return problem
        if n > 1 and _close(e_grad * n, g_grad):
            return "the gradient is N times too large: the loss is a mean, so divide p - y by N"
        if _close(-e_grad, g_grad):
            return "the gradient has the wrong sign: it is p - y (probabilities minus one-hot labels)"
        return compare_values(e_grad, g_grad, rtol=1e-6, atol=1e-10, what="gradient dlogits")

    return compare


def check_softmax_cross_entropy(fn) -> CheckResult:
    """Exercise 4: the mean cross-entropy of softmax(logits) and its gradient (p - y) / N."""
    return _check_each(fn, _ref_softmax_cross_entropy, _ce_cases(), "softmax_cross_entropy", _compare_ce)


# --------------------------------------------------------------------------- 5. dead_unit_fraction
def _ref_dead_unit_fraction(pre_activations):
    z = np.asarray(pre_activations, dtype=np.float64)
    return float((z <= 0).all(axis=0).mean())


def _dead_cases():
    rng = _rng(5)
    z = rng.standard_normal((200, 64))
    z[:, ::3] = -np.abs(z[:, ::3]) - 0.1  # every third unit is dead
    with_zero = rng.standard_normal((10, 5))
    with_zero[:, 1] = 0.0  # a unit whose input is exactly 0 for every example is dead too
    with_zero[:, 3] = -np.abs(with_zero[:, 3])
    with_zero[0, 3] = 0.0
    return [
        case(
            "(4, 3): the middle unit is dead (answer 1/3)",
            np.array([[1.0, -1.0, 0.5], [2.0, -3.0, -1.0], [-1.0, -0.5, -2.0], [0.5, -2.0, -0.1]]),
        ),
        case("(200, 64), every third unit dead", z),
        case("(10, 5) with a unit whose pre-activation is exactly 0 everywhere", with_zero),
        case("a batch of 1: (1, 6)", np.array([[-1.0, 2.0, 0.0, -0.5, 3.0, -2.0]])),
        case("(30, 7) all positive: nothing dead", np.abs(rng.standard_normal((30, 7))) + 0.1),
        case("(8, 3) all negative: everything dead", -np.abs(rng.standard_normal((8, 3))) - 0.1),
    ]


def _compare_dead(z):
    def compare(expected, got):
        zs = np.asarray(z, dtype=np.float64)
        try:
            g = float(np.asarray(got, dtype=np.float64))
        except (TypeError, ValueError):
            return f"return one number (a float between 0 and 1), got {type(got).__name__}"
        if expected > 0 and np.isclose(g, expected * zs.shape[1]) and zs.shape[1] > 1:
            return "you returned the number of dead units: return the fraction (divide by the number of units)"
        if np.isclose(g, float((zs <= 0).mean())) and not np.isclose(g, expected):
            return "you counted single values <= 0: a unit is dead only if it is <= 0 for EVERY example (a column)"
        if np.isclose(g, float((zs < 0).all(axis=0).mean())) and not np.isclose(g, expected):
            return "a pre-activation of exactly 0 also gives ReLU output 0 and gradient 0: use <= 0, not < 0"
        if np.isclose(g, float((zs <= 0).all(axis=1).mean())) and not np.isclose(g, expected):
            return "wrong axis: units are the columns (axis 1); a dead unit is <= 0 down its whole column (axis=0)"
        return compare_values(expected, g, rtol=1e-9, atol=1e-12, what="fraction of dead units")

    return compare


def check_dead_unit_fraction(fn) -> CheckResult:
    """Exercise 5: the share of ReLU units whose pre-activation is <= 0 for every example."""
    return _check_each(fn, _ref_dead_unit_fraction, _dead_cases(), "dead_unit_fraction", _compare_dead)
