"""Checkers for chapter 01, perceptron and multilayer perceptron: one ``check_<name>(fn)`` per exercise.

Each checker calls the learner's function on fixed random and edge-case inputs and compares
it with the reference kept in this module (never the chapter's ``solutions.py``).
"""
from __future__ import annotations

import numpy as np

from common.checks import CheckResult, case, check_function, named_parts
from common.data import LOGIC_INPUTS
from common.np_layers import sigmoid

_HAND_PICKED = {  # weights (w, b) of the three gates, as in the lesson
    "NAND": (np.array([-0.5, -0.5]), 0.7),
    "OR": (np.array([0.5, 0.5]), -0.2),
    "AND": (np.array([0.5, 0.5]), -0.7),
}


def _rng(seed: int = 1) -> np.random.Generator:
    return np.random.default_rng(seed)


# --------------------------------------------------------------------------- references
def _gate(x, w, b):
    return (np.asarray(x) @ np.asarray(w) + b > 0).astype(np.int64)


def _perceptron_update(w, b, x, t, lr):
    y = int(x @ w + b > 0)
    return w + lr * (t - y) * x, b + lr * (t - y)


def _xor_from_gates(x):
    s = np.stack([_gate(x, *_HAND_PICKED["NAND"]), _gate(x, *_HAND_PICKED["OR"])], axis=1)
    return _gate(s, *_HAND_PICKED["AND"])


def _sigmoid_grad(z):
    s = sigmoid(np.asarray(z, dtype=np.float64))
    return s * (1.0 - s)


def _mlp_forward(x, W1, b1, W2, b2):
    return sigmoid(sigmoid(x @ W1 + b1) @ W2 + b2)


def _affine_backward(x, W, dout):
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)


# --------------------------------------------------------------------------- checkers
def check_gate(fn) -> CheckResult:
    """``gate(x, w, b)``: step(x @ w + b) for every row, x: (N, D), w: (D,), b: number -> (N,) of 0/1."""
    rng = _rng()
    cases = [
        case("AND weights on the four logic inputs", LOGIC_INPUTS, *_HAND_PICKED["AND"]),
        case("NAND weights on the four logic inputs", LOGIC_INPUTS, *_HAND_PICKED["NAND"]),
        case("a weighted sum of exactly 0 must give 0", np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]),
             np.array([1.0, 1.0]), -1.0),
        case("7 rows of 3 random inputs, negative values too", rng.standard_normal((7, 3)),
             rng.standard_normal(3), 0.3),
        case("a batch of one row", np.array([[0.2, -0.4]]), np.array([2.0, 1.0]), 0.1),
    ]
    return check_function(fn, _gate, cases, name="gate")


def check_perceptron_update(fn) -> CheckResult:
    """``perceptron_update(w, b, x, t, lr)`` -> ``(new w, new b)`` for one example x: (D,), t in {0, 1}."""
    rng = _rng()
    cases = [
        case("right answer: nothing may change", np.array([0.5, 0.5]), -0.7, np.array([1.0, 1.0]), 1, 0.1),
        case("should fire but did not (the sum is exactly 0, so y = 0)", np.zeros(2), 0.0,
             np.array([1.0, 1.0]), 1, 0.1),
        case("fired but should not", np.array([0.5, 0.5]), -0.2, np.array([1.0, 0.0]), 0, 0.1),
        case("an all-zero input row: only the bias can move", np.array([0.2, -0.3]), -0.1, np.zeros(2), 1, 0.1),
        case("3 random inputs, learning rate 0.5", rng.standard_normal(3), 0.4, rng.standard_normal(3), 0, 0.5),
    ]
    return check_function(fn, _perceptron_update, cases, name="perceptron_update",
                          compare=named_parts("updated w", "updated b"))


def check_xor_from_gates(fn) -> CheckResult:
    """``xor_from_gates(x)``: XOR of the two columns of x: (N, 2) -> (N,) of 0/1."""
    rows = _rng().integers(0, 4, size=9)
    cases = [
        case("the four logic inputs", LOGIC_INPUTS),
        case("the four logic inputs in reverse order", LOGIC_INPUTS[::-1].copy()),
        case("a batch of one row (1, 0)", np.array([[1.0, 0.0]])),
        case("9 rows drawn from the logic inputs, as integers", LOGIC_INPUTS[rows].astype(np.int64)),
    ]
    return check_function(fn, _xor_from_gates, cases, name="xor_from_gates")


def check_sigmoid_grad(fn) -> CheckResult:
    """``sigmoid_grad(z)``: sigma(z) (1 - sigma(z)) elementwise, any shape."""
    cases = [
        case("zeros (the slope there is 0.25)", np.zeros(3)),
        case("a (4, 5) array of random values, negative too", _rng().standard_normal((4, 5)) * 3),
        case("large |z| (the slope is tiny, never nan)", np.array([-30.0, -10.0, 10.0, 30.0])),
        case("a single number", np.array(1.5)),
    ]
    return check_function(fn, _sigmoid_grad, cases, name="sigmoid_grad", atol=1e-10)


def _mlp_case(label, n, d, h, k, rng, zero=False):
    shapes = [(n, d), (d, h), (h,), (h, k), (k,)]
    x, *params = [rng.standard_normal(s) for s in shapes]
    return case(label, x, *(np.zeros_like(p) if zero else p for p in params))


def check_mlp_forward(fn) -> CheckResult:
    """``mlp_forward(x, W1, b1, W2, b2)``: sigmoid(sigmoid(x W1 + b1) W2 + b2), x: (N, D) -> (N, K)."""
    rng = _rng()
    cases = [
        _mlp_case("batch of 4, 2 inputs, 3 hidden units, 1 output", 4, 2, 3, 1, rng),
        _mlp_case("a batch of one", 1, 2, 3, 1, rng),
        _mlp_case("batch of 6, 5 inputs, 7 hidden units, 3 outputs", 6, 5, 7, 3, rng),
        _mlp_case("all-zero weights and biases (every output is 0.5)", 3, 2, 4, 2, rng, zero=True),
    ]
    return check_function(fn, _mlp_forward, cases, name="mlp_forward")


def check_affine_backward(fn) -> CheckResult:
    """``affine_backward(x, W, dout)`` -> ``(dx, dW, db)`` for y = x W + b; x: (N, D), W: (D, M), dout: (N, M)."""
    rng = _rng()
    shapes = {"x (4, 3), W (3, 2)": (4, 3, 2), "a batch of one: x (1, 3), W (3, 2)": (1, 3, 2),
              "square: x (3, 3), W (3, 3)": (3, 3, 3), "more outputs than inputs: x (5, 2), W (2, 6)": (5, 2, 6)}
    cases = [
        case(label, rng.standard_normal((n, d)), rng.standard_normal((d, m)), rng.standard_normal((n, m)))
        for label, (n, d, m) in shapes.items()
    ]
    return check_function(fn, _affine_backward, cases, name="affine_backward", compare=named_parts("dx", "dW", "db"))
