"""Reference solutions for chapter 02's exercises (activation functions).

Each function has the name and signature of a stub in ``exercises.ipynb``;
``tests/test_exercises.py`` runs the notebook with these in place of the stubs.
"""

import numpy as np


def sigmoid_grad(x):
    """Derivative of the sigmoid, sigma(x) * (1 - sigma(x)), elementwise.

    x: a number or an array of any shape -> an array of the same shape, finite even for |x| = 1000.
    """
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(-np.abs(x))  # never overflows: the exponent is <= 0
    s = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return s * (1.0 - s)


def stable_softmax(x):
    """Softmax over the last axis, with each row's maximum subtracted so ``exp`` cannot overflow.

    x: (..., C) logits -> (..., C) probabilities that sum to 1 along the last axis.
    """
    x = np.asarray(x, dtype=np.float64)
    z = np.exp(x - x.max(axis=-1, keepdims=True))
    return z / z.sum(axis=-1, keepdims=True)


def leaky_relu_with_grad(x, alpha=0.01):
    """Leaky ReLU and its derivative: returns ``(y, dy_dx)``, both shaped like x.

    y = x where x > 0, alpha * x elsewhere; dy/dx = 1 where x > 0, alpha elsewhere (also at 0, as in PyTorch).
    """
    x = np.asarray(x, dtype=np.float64)
    slope = np.where(x > 0, 1.0, alpha)
    return x * slope, slope


def softmax_cross_entropy(logits, labels):
    """Mean cross-entropy of softmax(logits) against integer labels, and its gradient.

    logits: (N, C), labels: (N,) integers in [0, C) -> ``(loss, dlogits)``: a float and an
    (N, C) array equal to (softmax(logits) - one_hot(labels)) / N.
    """
    logits = np.asarray(logits, dtype=np.float64)
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))  # log-softmax, stable
    loss = -log_p[np.arange(n), labels].mean()
    dlogits = np.exp(log_p)
    dlogits[np.arange(n), labels] -= 1.0  # p - y
    return loss, dlogits / n


def dead_unit_fraction(pre_activations):
    """Share of units (columns) whose pre-activation is <= 0 for every example (row).

    pre_activations: (N, H) -> a float in [0, 1]. Such a ReLU unit outputs 0 and passes gradient 0
    on all N examples: it is dead.
    """
    z = np.asarray(pre_activations)
    return float((z <= 0).all(axis=0).mean())
