"""Reference solutions for chapter 02's exercises (activation functions).

Each function has the name and signature of a stub in ``exercises.ipynb``;
``tests/test_exercises.py`` runs the notebook with these in place of the stubs.
"""

import numpy as np
import torch
import torch.nn.functional as F

from common.checkers.ch02 import deep_xor_net, xor_data


def _sigmoid(x):
    e = np.exp(-np.abs(x))  # never overflows: the exponent is <= 0
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def silu_with_grad(x):
    """SiLU (swish), y = x * sigmoid(x), and its derivative, elementwise: returns ``(y, dy_dx)``."""
    x = np.asarray(x, dtype=np.float64)
    s = _sigmoid(x)
    return x * s, s * (1.0 + x * (1.0 - s))  # product rule: s + x * s * (1 - s)


def predict_sigmoid_chain():
    """Only the first of the 5 units sees z = 0; the others see sigmoid outputs > 0.5, where sigma' < 1/4."""
    return "b"


def temperature_cross_entropy(logits, labels, temperature):
    """Mean cross-entropy of softmax(logits / T) against integer labels, and its gradient w.r.t. the logits.

    logits: (N, C), labels: (N,) integers in [0, C), temperature: T > 0 -> ``(loss, dlogits)``, a float and
    an (N, C) array equal to (softmax(logits / T) - one_hot(labels)) / (N T).
    """
    u = np.asarray(logits, dtype=np.float64) / temperature
    n = u.shape[0]
    shifted = u - u.max(axis=1, keepdims=True)  # each row's own maximum
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))  # log-softmax, stable
    loss = -log_p[np.arange(n), labels].mean()
    dlogits = np.exp(log_p)
    dlogits[np.arange(n), labels] -= 1.0  # p - y: the gradient with respect to u
    return loss, dlogits / (n * temperature)  # chain rule through u = logits / T: a factor 1 / T


def _activation_grad(z, activation):
    if activation == "sigmoid":
        s = _sigmoid(z)
        return s * (1.0 - s)
    if activation == "tanh":
        return 1.0 - np.tanh(z) ** 2
    return (z > 0).astype(np.float64)  # relu: slope 0 at z = 0, as in PyTorch


def activation_layer_backward(x, W, b, grad_h, activation):
    """Backward pass of h = f(x W + b): given dL/dh, return ``(dx, dW, db)``.

    x: (N, D_in), W: (D_in, D_out), b: (D_out,), grad_h: (N, D_out); activation: 'sigmoid', 'tanh' or 'relu'.
    """
    x, W, b, grad_h = (np.asarray(a, dtype=np.float64) for a in (x, W, b, grad_h))
    z = x @ W + b  # the pre-activation: f' is taken here
    dz = grad_h * _activation_grad(z, activation)  # through the activation, elementwise
    return dz @ W.T, x.T @ dz, dz.sum(axis=0)  # through the linear map


def layer_gradient_norms(x, Ws, bs, grad_out, activation):
    """Norms of dL/dW_k for every layer k of the MLP h_k = f(h_{k-1} W_k + b_k), first layer first.

    grad_out is dL/dh_L at the last layer's output; returns an array of shape (number of layers,).
    """
    inputs, h = [], np.asarray(x, dtype=np.float64)
    for W, b in zip(Ws, bs):  # forward: remember every layer's input
        inputs.append(h)
        z = h @ np.asarray(W, dtype=np.float64) + b
        h = _sigmoid(z) if activation == "sigmoid" else np.tanh(z) if activation == "tanh" else np.maximum(z, 0)
    norms, g = [], grad_out
    for k in reversed(range(len(Ws))):  # backward: last layer first
        g, dW, _ = activation_layer_backward(inputs[k], Ws[k], bs[k], g, activation)
        norms.append(np.linalg.norm(dW))
    return np.array(norms[::-1])


def activation_and_lr():
    """An activation and a learning rate with which the 4-hidden-layer MLP learns the XOR cloud in 300 steps."""
    X, y = xor_data()

    def accuracy(activation, lr):
        model = deep_xor_net(activation)
        optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
        for _ in range(300):
            optimizer.zero_grad()
            F.binary_cross_entropy_with_logits(model(X).squeeze(1), y).backward()
            optimizer.step()
        with torch.no_grad():
            return ((model(X).squeeze(1) > 0).float() == y).float().mean().item()

    # a sweep (run once, 0.01 to 3): sigmoid stays at 53.5% at every rate (vanishing gradients); tanh reaches
    # 96-99% from 0.03 to 1, relu 96-97% from 0.03 to 0.1. Take the first rate from the middle of tanh's band that
    # clears the bar with a margin:
    for lr in (0.3, 0.1, 0.03):
        if accuracy("tanh", lr) >= 0.97:
            return "tanh", lr
    return "tanh", 0.1
