"""Reference solutions to chapter 01's exercises (same names and signatures as the stubs in exercises.ipynb).

Try the exercises first: each checker tells you what is wrong before you look here.
"""
import numpy as np

from common.np_layers import sigmoid


def gate_weights():
    """Hand-picked (w, b) for three gates that fire when step(x @ w + b) = 1.

    NOR: fires only for (0, 0). A_AND_NOT_B: fires only for x1 = 1, x2 = 0.
    MAJORITY: three inputs, fires when at least two of them are 1.
    """
    return {
        "NOR": (np.array([-0.5, -0.5]), 0.2),              # OR with every sign flipped
        "A_AND_NOT_B": (np.array([0.5, -0.5]), -0.2),      # only (1, 0) makes the sum positive
        "MAJORITY": (np.array([0.5, 0.5, 0.5]), -0.7),     # two inputs on give 0.3 > 0, one gives -0.2
    }


def predict_learning_rate():
    """From zero weights, every step adds +-eta x: the weights are eta times those of the eta = 1 run."""
    return "b"


def pocket_perceptron(X, t, lr, epochs):
    """The perceptron rule, keeping in a "pocket" the weights with the fewest training errors seen so far.

    X: (N, D), t: (N,) of 0/1. Start from zero weights (they are the first pocket); visit the rows in order,
    for `epochs` passes at most; after every update count the errors of the new (w, b) on all of X and pocket
    them when they make strictly fewer. Returns (w (D,), b, errors) of the pocket; errors is an int.
    """
    X = np.asarray(X, dtype=np.float64)
    t = np.asarray(t)

    def errors(w, b):
        return int(np.sum((X @ w + b > 0).astype(int) != t))

    w, b = np.zeros(X.shape[1]), 0.0
    best = (w, b, errors(w, b))
    for _ in range(epochs):
        mistakes = 0
        for x, target in zip(X, t):
            y = int(x @ w + b > 0)
            if y == target:
                continue
            mistakes += 1
            w = w + lr * (target - y) * x  # a new array: the pocketed one stays as it was
            b = b + lr * (target - y)
            e = errors(w, b)
            if e < best[2]:
                best = (w, b, e)
        if mistakes == 0:
            break
    return best


def parity3_weights():
    """A two-layer step network that outputs 1 when an odd number of its three inputs are 1.

    Hidden unit k fires when at least k inputs are on (k = 1, 2, 3); the output adds them as
    h1 - h2 + h3, which is 1 for one or three inputs on and 0 otherwise.
    Returns (W1 (3, 3), b1 (3,), w2 (3,), b2).
    """
    W1 = np.ones((3, 3))
    b1 = np.array([-0.5, -1.5, -2.5])
    w2 = np.array([1.0, -1.0, 1.0])
    return W1, b1, w2, -0.5


def mlp_backward_mse(X, t, W1, b1, W2, b2):
    """Gradients of the mean squared error L = mean((p - t)^2) of p = sigmoid(sigmoid(X W1 + b1) W2 + b2).

    X: (N, D), t: (N, 1), W1: (D, H), b1: (H,), W2: (H, 1), b2: (1,).
    Returns {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}, each with the shape of its parameter.
    """
    N = len(X)
    H = sigmoid(X @ W1 + b1)
    p = sigmoid(H @ W2 + b2)
    dp = 2 * (p - t) / N          # derivative of the mean of squares
    dZ = dp * p * (1 - p)         # back through the output sigmoid: no shortcut as with cross-entropy
    dH = dZ @ W2.T
    dA1 = dH * H * (1 - H)
    return {"W1": X.T @ dA1, "b1": dA1.sum(axis=0), "W2": H.T @ dZ, "b2": dZ.sum(axis=0)}


def predict_saturated_gradient():
    """Squared error: dL/dZ = 2 (p - t) p (1 - p), about 0.002 at p = 0.999; cross-entropy: p - t, about 1."""
    return "b"


def moons_learning_rate():
    """A learning rate with which the lesson's 4-unit MLP reaches a training loss below 0.1 in 500 steps."""
    return 10.0
