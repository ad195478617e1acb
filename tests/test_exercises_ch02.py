"""Chapter 02 checkers: the reference solutions pass, and plausible mistakes are caught with a useful message."""

import warnings

import numpy as np
import pytest

from common.checkers import ch02
from conftest import CHAPTERS, load_solutions

solutions = load_solutions(CHAPTERS / "02_activations")


def check(name, fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # naive wrong answers overflow on purpose
        return getattr(ch02, name).check(fn)


# --------------------------------------------------------------------------- plausible wrong answers
def _sigma(x):
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=np.float64)))


def _softmax_axis0(x):
    z = np.exp(x - np.max(x, axis=0, keepdims=True))
    return z / z.sum(axis=0, keepdims=True)


def _leaky_grad_one_at_zero(x, alpha=0.01):
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > 0, x, alpha * x), np.where(x >= 0, 1.0, alpha)


def _ce_parts(logits, labels):
    p = solutions.stable_softmax(logits)
    y = np.eye(logits.shape[1])[labels]
    n = len(labels)
    return p, y, n, -np.log(p[np.arange(n), labels]).mean()


def _sigmoid_grad_exp_ratio(x):
    e = np.exp(np.asarray(x, dtype=np.float64))
    s = e / (1 + e)  # inf / inf = nan for x = 1000
    return s * (1 - s)


def _sigmoid_grad_clips_in_place(x):
    x = np.asarray(x, dtype=np.float64)  # no copy for a float array: clipping below changes the caller's x
    np.clip(x, -500, 500, out=x)
    return _sigma(x) * (1 - _sigma(x))


def _sigmoid_grad_into_zeros_like(x):
    out = np.zeros_like(x, dtype=None)  # integer x: an integer buffer truncates the derivative to 0
    out[...] = _sigma(x) * (1 - _sigma(x))
    return out


def _softmax_in_place(x):
    x -= np.max(x, axis=-1, keepdims=True)  # changes the caller's array
    z = np.exp(x)
    return z / z.sum(axis=-1, keepdims=True)


def _softmax_global_max(x):
    z = np.exp(x - np.max(x))
    return z / z.sum(axis=-1, keepdims=True)


def _leaky_in_place(x, alpha=0.01):
    dy = np.where(x > 0, 1.0, alpha)
    x[x <= 0] *= alpha  # changes the caller's array
    return x, dy


def _leaky_ignores_alpha(x, alpha=0.01):
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > 0, x, 0.01 * x), np.where(x > 0, 1.0, 0.01)


def _leaky_keeps_int_dtype(x, alpha=0.01):
    y = np.zeros_like(x)  # integer x: alpha * x is truncated
    y[...] = np.where(x > 0, x, alpha * x)
    return y, np.where(x > 0, 1.0, alpha)


def _ce_in_place(logits, labels):
    logits -= logits.max(axis=1, keepdims=True)  # changes the caller's array
    return solutions.softmax_cross_entropy(logits, labels)


def _ce_global_max(logits, labels):
    z = logits - logits.max()  # one maximum for the whole batch
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    n = len(labels)
    return -log_p[np.arange(n), labels].mean(), (np.exp(log_p) - np.eye(logits.shape[1])[labels]) / n


def _dead_sum_shortcut(z):
    return float((np.asarray(z).sum(axis=0) <= 0).mean())


def _dead_sorts_in_place(z):
    z.sort(axis=0)  # the largest value of each column is now the last row, but the caller's array is changed
    return float((z[-1] <= 0).mean())


def _dead_array(z):
    return np.array((np.asarray(z) <= 0).all(axis=0).mean())


WRONG = [
    ("sigmoid_grad", lambda x: np.asarray(x) * (1 - np.asarray(x)), "not x itself"),
    ("sigmoid_grad", lambda x: _sigma(x), "derivative is sigmoid(x) * (1 - sigmoid(x))"),
    ("sigmoid_grad", lambda x: _sigma(x) * (1 - _sigma(x)) / 2, "wrong value"),
    ("stable_softmax", lambda x: np.exp(x) / np.exp(x).sum(axis=-1, keepdims=True), "subtract each row's own maximum"),
    ("stable_softmax", lambda x: np.exp(x - np.max(x)) / np.exp(x - np.max(x)).sum(axis=-1, keepdims=True), "nan"),
    ("stable_softmax", _softmax_axis0, "normalise along axis=-1"),
    ("stable_softmax", lambda x: np.exp(x - np.max(x, axis=-1, keepdims=True)), "sum to 1"),
    ("leaky_relu_with_grad", _leaky_grad_one_at_zero, "at x = 0"),
    ("leaky_relu_with_grad", lambda x, alpha=0.01: (np.maximum(x, 0), (np.asarray(x) > 0) * 1.0), "where x < 0"),
    ("leaky_relu_with_grad", lambda x, alpha=0.01: np.where(np.asarray(x) > 0, x, alpha * x), "expected a tuple"),
    (
        "leaky_relu_with_grad",
        lambda x, alpha=0.01: (np.where(x > 0, alpha * x, x), np.where(x > 0, alpha, 1.0)),
        "wrong value of the output y",
    ),
    ("softmax_cross_entropy", lambda lo, la: (lambda p, y, n, L: (L, p - y))(*_ce_parts(lo, la)), "divide p - y by N"),
    ("softmax_cross_entropy", lambda lo, la: (lambda p, y, n, L: (L * n, (p - y) / n))(*_ce_parts(lo, la)), "mean"),
    ("softmax_cross_entropy", lambda lo, la: (lambda p, y, n, L: (L, (y - p) / n))(*_ce_parts(lo, la)), "sign"),
    (
        "softmax_cross_entropy",
        lambda lo, la: (lambda p, y, n, L: (L, (p - y).mean(axis=1, keepdims=True) + 0 * p))(*_ce_parts(lo, la)),
        "gradient dlogits",
    ),
    (
        "softmax_cross_entropy",
        lambda lo, la: (
            -np.log((np.exp(lo) / np.exp(lo).sum(1, keepdims=True))[np.arange(len(la)), la]).mean(),
            (np.exp(lo) / np.exp(lo).sum(1, keepdims=True) - np.eye(lo.shape[1])[la]) / len(la),
        ),
        "nan or inf",
    ),
    ("dead_unit_fraction", lambda z: float((np.asarray(z) <= 0).all(axis=0).sum()), "number of dead units"),
    ("dead_unit_fraction", lambda z: float((np.asarray(z) <= 0).mean()), "EVERY example"),
    ("dead_unit_fraction", lambda z: float((np.asarray(z) <= 0).all(axis=1).mean()), "wrong axis"),
    ("dead_unit_fraction", lambda z: float((np.asarray(z) < 0).all(axis=0).mean()), "use <= 0"),
    # hardening
    ("sigmoid_grad", _sigmoid_grad_exp_ratio, "nan or inf"),
    ("sigmoid_grad", _sigmoid_grad_clips_in_place, "changed its input `x` in place"),
    ("sigmoid_grad", _sigmoid_grad_into_zeros_like, "case: integer inputs"),
    ("stable_softmax", _softmax_in_place, "changed its input `x` in place"),
    ("stable_softmax", _softmax_global_max, "case: rows on different scales"),
    ("leaky_relu_with_grad", _leaky_in_place, "changed its input `x` in place"),
    ("leaky_relu_with_grad", _leaky_ignores_alpha, "alpha you are given"),
    ("leaky_relu_with_grad", _leaky_keeps_int_dtype, "case: integer x"),
    ("softmax_cross_entropy", _ce_in_place, "changed its input `logits` in place"),
    ("softmax_cross_entropy", _ce_global_max, "case: rows on very different scales"),
    ("dead_unit_fraction", _dead_sum_shortcut, "EVERY example"),
    ("dead_unit_fraction", _dead_sorts_in_place, "changed its input `z` in place"),
    ("dead_unit_fraction", _dead_array, "return a Python float"),
]


@pytest.mark.parametrize("name, wrong, expected_words", WRONG, ids=[f"{w[0]}-{i}" for i, w in enumerate(WRONG)])
def test_wrong_answer_is_rejected_with_a_reason(name, wrong, expected_words):
    result = check(name, wrong)
    assert not result.passed, f"{name}: a wrong implementation passed"
    assert expected_words in result.message, str(result)
    assert "case:" in result.message, str(result)


@pytest.mark.parametrize(
    "name, wrong, hint",
    [
        ("sigmoid_grad", lambda x: _sigma(x), "you returned sigmoid(x) itself"),
        ("sigmoid_grad", lambda x: np.asarray(x) * (1 - np.asarray(x)), "not x itself"),
        ("stable_softmax", lambda x: np.exp(x) / np.exp(x).sum(axis=-1, keepdims=True), "inf / inf is nan"),
        ("stable_softmax", _softmax_global_max, "one maximum for the whole array is not enough"),
        ("stable_softmax", _softmax_axis0, "not axis 0"),
        ("leaky_relu_with_grad", _leaky_grad_one_at_zero, "at x = 0 use the slope alpha"),
        ("leaky_relu_with_grad", _leaky_ignores_alpha, "use the alpha you are given"),
        ("softmax_cross_entropy", lambda lo, la: (lambda p, y, n, L: (L, p - y))(*_ce_parts(lo, la)), "divide p - y"),
        ("softmax_cross_entropy", lambda lo, la: (lambda p, y, n, L: (L, (y - p) / n))(*_ce_parts(lo, la)), "sign"),
        ("softmax_cross_entropy", _ce_global_max, "one maximum for the whole batch is not enough"),
        ("dead_unit_fraction", lambda z: float((np.asarray(z) <= 0).mean()), "EVERY example"),
        ("dead_unit_fraction", _dead_sum_shortcut, "EVERY example"),  # the brief's example catches it first
    ],
)
def test_a_classic_mistake_is_named(name, wrong, hint):
    result = check(name, wrong)
    assert not result.passed and "Hint:" in result.message and hint in result.message, str(result)
