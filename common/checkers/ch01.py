"""Exercises of chapter 01, perceptron and MLP: ``checks.<name>.check(fn)``, ``.hint()``, ``.solution()``.

The reference answers are the chapter's ``solutions.py``; this module holds what is specific to each
exercise: its cases, the brief's worked example, classic mistakes and hints.
"""
from __future__ import annotations

import numpy as np

from common.checks import Chapter, case, example, named_parts
from common.data import LOGIC_INPUTS
from common.np_layers import sigmoid

CHAPTER = Chapter("01_perceptron")
__getattr__ = CHAPTER.legacy

_AND = (np.array([0.5, 0.5]), -0.7)
_NAND = (np.array([-0.5, -0.5]), 0.7)
_OR = (np.array([0.5, 0.5]), -0.2)


def _rng(seed: int = 1) -> np.random.Generator:
    return np.random.default_rng(seed)


# --------------------------------------------------------------------------- 1. gate
def _gate_cases():
    rng = _rng()
    return [
        case("NAND weights on the four logic inputs", LOGIC_INPUTS, *_NAND),
        case("a weighted sum of exactly 0 must give 0", np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]),
             np.array([1.0, 1.0]), -1.0),
        case("7 rows of 3 random inputs, negative values too", rng.standard_normal((7, 3)),
             rng.standard_normal(3), 0.3),
        case("a batch of one row", np.array([[0.2, -0.4]]), np.array([2.0, 1.0]), 0.1),
        case("integer inputs and weights", np.array([[2, -1], [0, 3]]), np.array([1, 2]), -1),
    ]


gate = CHAPTER.exercise(
    "gate",
    examples=[example(np.array([0, 0, 0, 1]), "the brief's AND example", LOGIC_INPUTS, *_AND)],
    cases=_gate_cases,
    mistakes=[
        (lambda x, w, b: (np.asarray(x) @ np.asarray(w) + b >= 0).astype(int),
         "step(0) is 0: compare with > 0, not >= 0"),
        (lambda x, w, b: np.asarray(x) @ np.asarray(w) + b, "apply the step to the weighted sum: 1 where it is > 0"),
    ],
    hints=[
        "One matrix product gives the weighted sum of every row at once; then compare it with zero.",
        "`x @ w` has shape (N,). Add `b`, and turn the comparison `> 0` into integers with `.astype(int)`.",
        "`return (x @ w + b > 0).astype(int)`: strictly greater, so a sum of exactly 0 gives 0.",
    ],
)


# --------------------------------------------------------------------------- 2. perceptron_update
def _update_cases():
    rng = _rng()
    return [
        case("right answer: nothing may change", np.array([0.5, 0.5]), -0.7, np.array([1.0, 1.0]), 1, 0.1),
        case("fired but should not", np.array([0.5, 0.5]), -0.2, np.array([1.0, 0.0]), 0, 0.1),
        case("an all-zero input row: only the bias can move", np.array([0.2, -0.3]), -0.1, np.zeros(2), 1, 0.1),
        case("3 random inputs, learning rate 0.5", rng.standard_normal(3), 0.4, rng.standard_normal(3), 0, 0.5),
    ]


def _update_with(w, b, x, t, lr, fire=lambda s: s > 0, sign=1, bias=True):
    y = int(fire(x @ w + b))
    return w + sign * lr * (t - y) * x, b + (sign * lr * (t - y) if bias else 0)


perceptron_update = CHAPTER.exercise(
    "perceptron_update",
    examples=[example((np.array([0.1, 0.1]), 0.1), "the brief's example: the sum is exactly 0, so y = 0",
                      np.zeros(2), 0.0, np.array([1.0, 1.0]), 1, 0.1)],
    cases=_update_cases,
    compare=named_parts("updated w", "updated b"),
    mistakes=[
        (lambda *a: _update_with(*a, sign=-1), "the update is lr * (t - y) * x: target minus prediction"),
        (lambda *a: _update_with(*a, bias=False), "the bias learns too: b + lr * (t - y)"),
        (lambda *a: _update_with(*a, fire=lambda s: s >= 0), "y = 1 only when the sum is > 0 (a sum of 0 gives 0)"),
    ],
    hints=[
        "First predict y with the current w and b (the step of the weighted sum), then move w and b by the error.",
        "The error is t - y: 0 when the prediction is right (nothing changes), +1 or -1 otherwise. "
        "Scale x by lr * (t - y) for w; the bias moves by lr * (t - y) alone.",
        "`y = 1 if x @ w + b > 0 else 0`, then `return w + lr * (t - y) * x, b + lr * (t - y)`.",
    ],
)


# --------------------------------------------------------------------------- 3. xor_from_gates
def _gate(x, w, b):
    return (np.asarray(x) @ np.asarray(w) + b > 0).astype(np.int64)


def _xor_cases():
    rows = _rng().integers(0, 4, size=9)
    return [
        case("the four logic inputs in reverse order", LOGIC_INPUTS[::-1].copy()),
        case("a batch of one row (1, 0)", np.array([[1.0, 0.0]])),
        case("9 rows drawn from the logic inputs, as integers", LOGIC_INPUTS[rows].astype(np.int64)),
    ]


def _two_layer(x, out_gate):
    s = np.stack([_gate(x, *_NAND), _gate(x, *_OR)], axis=1)
    return _gate(s, *out_gate)


xor_from_gates = CHAPTER.exercise(
    "xor_from_gates",
    examples=[example(np.array([0, 1, 1, 0]), "the brief's example: the four logic inputs", LOGIC_INPUTS)],
    cases=_xor_cases,
    mistakes=[
        (lambda x: _gate(x, *_OR), "one gate is not enough: XOR needs a hidden layer of two gates"),
        (lambda x: _two_layer(x, _OR), "the output gate is AND of the two hidden outputs, not OR"),
        (lambda x: _gate(x, *_NAND), "NAND alone is not XOR: combine NAND and OR with an AND gate"),
    ],
    hints=[
        "XOR is true when at least one input is 1 (OR) but not both (NAND). Both conditions must hold: AND.",
        "Compute the hidden layer s1 = gate(x, NAND weights) and s2 = gate(x, OR weights), each (N,); stack them "
        "into an (N, 2) array and feed it to one more gate.",
        "`s = np.stack([s1, s2], axis=1)` and `return gate(s, np.array([0.5, 0.5]), -0.7)`.",
    ],
)


# --------------------------------------------------------------------------- 4. sigmoid_grad
sigmoid_grad = CHAPTER.exercise(
    "sigmoid_grad",
    examples=[example(np.array([0.25, 0.10499358540350652]), "the brief's example", np.array([0.0, 2.0]))],
    cases=[
        case("a (4, 5) array of random values, negative too", _rng().standard_normal((4, 5)) * 3),
        case("large |z| (the slope is tiny, never nan)", np.array([-30.0, -10.0, 10.0, 30.0])),
        case("a single number as a 0-d array", np.array(1.5)),
        case("integers", np.array([-2, 0, 3])),
    ],
    atol=1e-12,
    mistakes=[
        (lambda z: sigmoid(z) * (1 - z), "use (1 - sigma(z)), not (1 - z)"),
        (lambda z: sigmoid(z), "that is sigma(z) itself; the derivative multiplies it by (1 - sigma(z))"),
        (lambda z: sigmoid(z) * (1 + sigmoid(z)), "the second factor is (1 - sigma(z))"),
    ],
    hints=[
        "The sigmoid's derivative can be written with the sigmoid itself: no new exponentials needed.",
        "Compute s = sigmoid(z) once (works on any shape), then combine s with 1 - s.",
        "`s = sigmoid(z)` and `return s * (1 - s)`.",
    ],
)


# --------------------------------------------------------------------------- 5. mlp_forward
def _mlp_case(label, n, d, h, k, rng):
    shapes = [(n, d), (d, h), (h,), (h, k), (k,)]
    return case(label, *[rng.standard_normal(s) for s in shapes])


def _mlp_cases():
    rng = _rng()
    return [
        _mlp_case("batch of 4, 2 inputs, 3 hidden units, 1 output", 4, 2, 3, 1, rng),
        _mlp_case("a batch of one", 1, 2, 3, 1, rng),
        _mlp_case("batch of 6, 5 inputs, 7 hidden units, 3 outputs", 6, 5, 7, 3, rng),
    ]


_Z = np.zeros
mlp_forward = CHAPTER.exercise(
    "mlp_forward",
    examples=[example(np.full((3, 2), 0.5), "the brief's example: every weight and bias 0",
                      np.arange(6.0).reshape(3, 2), _Z((2, 4)), _Z(4), _Z((4, 2)), _Z(2))],
    cases=_mlp_cases,
    mistakes=[
        (lambda x, W1, b1, W2, b2: sigmoid(x @ W1 + b1) @ W2 + b2, "the output layer has a sigmoid too"),
        (lambda x, W1, b1, W2, b2: sigmoid((x @ W1 + b1) @ W2 + b2), "the hidden layer needs its sigmoid"),
        (lambda x, W1, b1, W2, b2: sigmoid(sigmoid(x @ W1) @ W2 + b2), "add b1 in the hidden layer"),
    ],
    hints=[
        "Two layers, each an affine map (matrix product plus bias) followed by the sigmoid.",
        "The hidden layer is H = sigmoid(x @ W1 + b1), shape (N, H); the output layer does the same with W2 and b2.",
        "`H = sigmoid(x @ W1 + b1)` and `return sigmoid(H @ W2 + b2)`.",
    ],
)


# --------------------------------------------------------------------------- 6. affine_backward
def _affine_cases():
    rng = _rng()
    shapes = {"x (4, 3), W (3, 2)": (4, 3, 2), "a batch of one: x (1, 3), W (3, 2)": (1, 3, 2),
              "square: x (3, 3), W (3, 3)": (3, 3, 3), "more outputs than inputs: x (5, 2), W (2, 6)": (5, 2, 6)}
    return [case(label, rng.standard_normal((n, d)), rng.standard_normal((d, m)), rng.standard_normal((n, m)))
            for label, (n, d, m) in shapes.items()]


affine_backward = CHAPTER.exercise(
    "affine_backward",
    examples=[example((np.array([[1.0, 3.0]]), np.array([[1.0], [2.0]]), np.array([1.0])),
                      "x = [[1, 2]], W = [[1], [3]], dout = [[1]]",
                      np.array([[1.0, 2.0]]), np.array([[1.0], [3.0]]), np.array([[1.0]]))],
    cases=_affine_cases,
    compare=named_parts("dx", "dW", "db"),
    mistakes=[
        (lambda x, W, d: (d @ W.T, x.T @ d, d.mean(axis=0)), "db sums dout over the batch; it does not average"),
        (lambda x, W, d: (d @ W.T, x.T @ d, d.sum(axis=1)), "db sums over the batch axis (axis=0): one per output"),
        (lambda x, W, d: (d @ W, x.T @ d, d.sum(axis=0)), "dx = dout @ W.T (transpose W)"),
    ],
    hints=[
        "Every gradient has the shape of what it is the gradient of: dx like x (N, D), dW like W (D, M), db like b.",
        "Find the one matrix product of dout (N, M) with W or x whose shape is right: dx needs W transposed, "
        "dW needs x transposed; db adds up the rows of dout.",
        "`return dout @ W.T, x.T @ dout, dout.sum(axis=0)`.",
    ],
)
