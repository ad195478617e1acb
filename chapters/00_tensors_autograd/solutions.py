"""Reference solutions for chapter 00's exercises (tensors, autograd and the training step).

Each name and signature matches a stub in ``exercises.ipynb``; ``tests/test_exercises.py``
swaps the stubs for these and requires every check to pass.
"""
import math

import numpy as np
import torch
from torch import nn

from common.checkers.ch00 import Value, line_data


def to_tensor_images(images):
    """uint8 images (N, H, W) with values 0..255 → float32 tensor (N, 1, H, W) with values in [0, 1]."""
    x = torch.from_numpy(np.asarray(images)).float() / 255.0  # .float() first: uint8 / 255 stays float32
    return x.unsqueeze(1)  # add the channel axis: PyTorch images are channels-first


def predict_broadcast():
    """mse_loss warns that the sizes differ, then broadcasts (100, 1) against (100,) to (100, 100) all the same."""
    return "c"


def vector_jacobian_product(f, x, v):
    """v^T J: the gradient of sum_j v_j f(x)_j with respect to x (shape of x); J is the Jacobian of f at x."""
    x = x.detach().clone().requires_grad_(True)  # a fresh leaf: the caller's tensor is left alone
    y = f(x)
    y.backward(gradient=v)  # a non-scalar y needs the weight of each output: that is v
    return x.grad


def value_power(a, b):
    """z = a ** b for two Values (a > 0), with the local gradients of both the base and the exponent."""
    z = a.data**b.data
    dz_da = b.data * a.data ** (b.data - 1)  # power rule, b held constant
    dz_db = z * math.log(a.data)  # a ** b = exp(b ln a), a held constant
    return Value(z, (a, b), (dz_da, dz_db), "**")


def accumulated_step(model, optimizer, loss_fn, batches):
    """One optimizer step on the mean loss of equal-size micro-batches, one backward() per micro-batch."""
    optimizer.zero_grad()  # once: backward() below adds every micro-batch's gradient to .grad
    losses = []
    for x, y in batches:
        loss = loss_fn(model(x), y)
        (loss / len(batches)).backward()  # the gradient of the mean, one share at a time
        losses.append(loss.item())
    optimizer.step()  # one update, as if the whole batch had been seen at once
    return sum(losses) / len(losses)


def line_learning_rate():
    """A learning rate with which 10 full-batch SGD steps fit the lesson's line to within 0.1% of least squares."""
    x, y = line_data()
    x64, y64 = x.double().numpy()[:, 0], y.double().numpy()[:, 0]
    w, b = np.polyfit(x64, y64, deg=1)
    target = 1.001 * np.mean((w * x64 + b - y64) ** 2)

    def final_loss(lr):
        model = nn.Linear(1, 1)
        nn.init.zeros_(model.weight)
        nn.init.zeros_(model.bias)
        optimizer = torch.optim.SGD(model.parameters(), lr=lr)
        for _ in range(10):
            optimizer.zero_grad()
            nn.functional.mse_loss(model(x), y).backward()
            optimizer.step()
        with torch.no_grad():
            return nn.functional.mse_loss(model(x), y).item()

    rates = np.geomspace(0.01, 1.0, 15)
    good = [lr for lr in rates if final_loss(lr) < target]  # a band: too small creeps, too large overshoots
    return float(np.sqrt(good[0] * good[-1]))  # the middle of the band (on a log scale)
