"""Reference solutions to chapter 01's exercises (same names and signatures as the stubs in exercises.ipynb).

Try the exercises first: each checker tells you what is wrong before you look here.
"""
import numpy as np

from common.np_layers import sigmoid


def gate(x, w, b):
    """A perceptron with fixed weights: step(x @ w + b) for every row.

    x: (N, D) inputs, w: (D,) weights, b: a number. Returns (N,) integers, 1 where x @ w + b > 0, else 0.
    """
    return (x @ w + b > 0).astype(np.int64)


def perceptron_update(w, b, x, t, lr):
    """One step of the perceptron rule on one example: w + lr (t - y) x and b + lr (t - y).

    w: (D,), b: a number, x: (D,), t: the target 0 or 1, lr: the learning rate.
    y = 1 if w . x + b > 0 else 0 is the current prediction. Returns (new_w, new_b).
    """
    y = 1 if x @ w + b > 0 else 0
    return w + lr * (t - y) * x, b + lr * (t - y)


def xor_from_gates(x):
    """XOR of the two columns of x: (N, 2) -> (N,) of 0/1, as AND(NAND(x), OR(x)) built from `gate`."""
    s1 = gate(x, np.array([-0.5, -0.5]), 0.7)  # NAND
    s2 = gate(x, np.array([0.5, 0.5]), -0.2)  # OR
    return gate(np.stack([s1, s2], axis=1), np.array([0.5, 0.5]), -0.7)  # AND of the hidden layer


def sigmoid_grad(z):
    """Derivative of the sigmoid, sigma(z) (1 - sigma(z)), elementwise; same shape as z."""
    s = sigmoid(np.asarray(z, dtype=np.float64))
    return s * (1 - s)


def mlp_forward(x, W1, b1, W2, b2):
    """Forward pass of a 2-layer MLP with sigmoid hidden and output units.

    x: (N, D), W1: (D, H), b1: (H,), W2: (H, K), b2: (K,). Returns sigmoid(sigmoid(x W1 + b1) W2 + b2): (N, K).
    """
    h = sigmoid(x @ W1 + b1)
    return sigmoid(h @ W2 + b2)


def affine_backward(x, W, dout):
    """Backward pass of y = x W + b, given dout = dL/dy.

    x: (N, D), W: (D, M), dout: (N, M). Returns (dx (N, D), dW (D, M), db (M,)).
    """
    dx = dout @ W.T
    dW = x.T @ dout
    db = dout.sum(axis=0)
    return dx, dW, db
