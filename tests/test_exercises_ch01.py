"""Chapter 01 checkers: the reference solutions pass, and plausible mistakes are caught with a useful message."""

import numpy as np
import pytest

from common.checkers import ch01
from common.np_layers import sigmoid
from conftest import CHAPTERS, load_solutions

solutions = load_solutions(CHAPTERS / "01_perceptron")


def check(name, fn):
    return getattr(ch01, name).check(fn)


# --------------------------------------------------------------------------- plausible wrong answers
def _gate_ge(x, w, b):
    return (x @ w + b >= 0).astype(int)  # step(0) = 1


def _gate_column(x, w, b):
    return (x @ w[:, None] + b > 0).astype(int)  # (N, 1) instead of (N,)


def _update_sign_flipped(w, b, x, t, lr):
    y = int(x @ w + b > 0)
    return w + lr * (y - t) * x, b + lr * (y - t)


def _update_no_bias(w, b, x, t, lr):
    y = int(x @ w + b > 0)
    return w + lr * (t - y) * x, b


def _update_ge(w, b, x, t, lr):
    y = int(x @ w + b >= 0)
    return w + lr * (t - y) * x, b + lr * (t - y)


def _xor_is_or(x):
    return solutions.gate(x, np.array([0.5, 0.5]), -0.2)


def _xor_with_or_output(x):  # OR instead of AND in the output layer
    s = np.stack([solutions.gate(x, np.array([-0.5, -0.5]), 0.7), solutions.gate(x, np.array([0.5, 0.5]), -0.2)], 1)
    return solutions.gate(s, np.array([0.5, 0.5]), -0.2)


def _sigmoid_grad_of_z(z):
    return sigmoid(z) * (1 - z)  # (1 - z) instead of (1 - sigma(z))


def _mlp_no_output_sigmoid(x, W1, b1, W2, b2):
    return sigmoid(x @ W1 + b1) @ W2 + b2


def _mlp_no_hidden_bias(x, W1, b1, W2, b2):
    return sigmoid(sigmoid(x @ W1) @ W2 + b2)


def _mlp_transposed(x, W1, b1, W2, b2):
    return sigmoid(sigmoid(x @ W1.T + b1) @ W2.T + b2)


def _affine_db_mean(x, W, dout):
    return dout @ W.T, x.T @ dout, dout.mean(axis=0)


def _affine_dw_transposed(x, W, dout):
    return dout @ W.T, dout.T @ x, dout.sum(axis=0)


def _affine_dx_no_transpose(x, W, dout):
    return dout @ W, x.T @ dout, dout.sum(axis=0)


def _affine_two_outputs(x, W, dout):
    return x.T @ dout, dout.sum(axis=0)


def _gate_mutates_x(x, w, b):
    x *= 2  # the sign of each sum is unchanged, so the answer is right, but the caller's x is not
    return solutions.gate(x, w, 2 * b)


def _gate_float(x, w, b):
    return (x @ w + b > 0).astype(float) * 0.99  # "almost 1" is not 1


def _sigmoid_grad_float32(z):
    return solutions.sigmoid_grad(z).astype(np.float32)


WRONG = [
    ("gate", _gate_ge, "exactly 0"),
    ("gate", _gate_column, "wrong shape"),
    ("perceptron_update", _update_sign_flipped, "updated w"),
    ("perceptron_update", _update_no_bias, "updated b"),
    ("perceptron_update", _update_ge, "the sum is exactly 0"),
    ("xor_from_gates", _xor_is_or, "wrong value"),
    ("xor_from_gates", _xor_with_or_output, "wrong value"),
    ("sigmoid_grad", sigmoid, "wrong value"),
    ("sigmoid_grad", _sigmoid_grad_of_z, "wrong value"),
    ("mlp_forward", _mlp_no_output_sigmoid, "wrong value"),
    ("mlp_forward", _mlp_no_hidden_bias, "wrong value"),
    ("mlp_forward", _mlp_transposed, "raised ValueError"),
    ("affine_backward", _affine_db_mean, "db"),
    ("affine_backward", _affine_dw_transposed, "wrong shape of the dW"),
    ("affine_backward", _affine_dx_no_transpose, "raised ValueError"),
    ("affine_backward", _affine_two_outputs, "expected a tuple (dx, dW, db)"),
    ("gate", _gate_mutates_x, "changed its input `x` in place"),
    ("gate", _gate_float, "wrong value"),
]


@pytest.mark.parametrize("name, wrong, word", WRONG, ids=[f"{n}-{w.__name__.strip('_')}" for n, w, _ in WRONG])
def test_plausible_mistake_is_rejected(name, wrong, word):
    result = check(name, wrong)
    assert not result.passed, f"{wrong.__name__} was accepted"
    assert word in result.message, str(result)
    assert "case:" in result.message or "expected a tuple" in result.message


@pytest.mark.parametrize(
    "name, wrong, hint",
    [("gate", _gate_ge, "not >= 0"), ("perceptron_update", _update_no_bias, "the bias learns too"),
     ("xor_from_gates", _xor_with_or_output, "not OR"), ("affine_backward", _affine_db_mean, "does not average"),
     ("mlp_forward", _mlp_no_output_sigmoid, "output layer has a sigmoid")],
)
def test_a_classic_mistake_is_named(name, wrong, hint):
    assert hint in check(name, wrong).message


def test_float32_work_is_accepted():
    assert check("sigmoid_grad", _sigmoid_grad_float32)
