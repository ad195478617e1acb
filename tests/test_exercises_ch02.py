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
        return getattr(ch02, f"check_{name}")(fn)


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
    ("leaky_relu_with_grad", lambda x, alpha=0.01: np.where(np.asarray(x) > 0, x, alpha * x), "pair"),
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
]


@pytest.mark.parametrize("name, wrong, expected_words", WRONG, ids=[f"{w[0]}-{i}" for i, w in enumerate(WRONG)])
def test_wrong_answer_is_rejected_with_a_reason(name, wrong, expected_words):
    result = check(name, wrong)
    assert not result.passed, f"{name}: a wrong implementation passed"
    assert expected_words in result.message, str(result)
    assert "case:" in result.message, str(result)
