"""Gradient checks: numerical gradients, and a NumPy layer compared with torch.autograd."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch


def rel_error(a, b) -> float:
    """max |a - b| / max(|a| + |b|), a scale-free distance between two arrays (0 when equal)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {a.shape} vs {b.shape}")
    scale = max(np.abs(a).max(initial=0.0) + np.abs(b).max(initial=0.0), 1e-12)
    return float(np.abs(a - b).max(initial=0.0) / scale)


def numerical_gradient(f: Callable[[], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central-difference gradient of the scalar ``f()`` with respect to the array ``x``.

    ``f`` takes no argument and reads ``x``, which is perturbed in place one element
    at a time and restored: (f(x + eps) - f(x - eps)) / (2 eps). Returns ``x.shape``.
    """
    grad = np.zeros_like(x, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + eps
        f_plus = f()
        x[i] = old - eps
        f_minus = f()
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def compare_with_torch(layer, torch_fn: Callable, x: np.ndarray, *targets, seed: int = 0) -> dict[str, float]:
    """Run a NumPy ``layer`` and the PyTorch function ``torch_fn`` on the same inputs in float64.

    ``torch_fn(x, *params, *targets)`` must compute what ``layer.forward(x, *targets)`` does,
    with the layer's ``params`` passed in the same order. A random upstream gradient is
    back-propagated through both (1.0 for a scalar output).

    Returns the relative errors: ``{"out": ..., "dx": ..., "param0": ..., ...}``.
    """
    x = np.asarray(x, dtype=np.float64)
    out = np.asarray(layer.forward(x, *targets))
    dout = np.ones(()) if out.ndim == 0 else np.random.default_rng(seed).standard_normal(out.shape)
    dx = layer.backward(dout if out.ndim else 1.0)

    xt = torch.tensor(x, requires_grad=True)
    pt = [torch.tensor(np.asarray(p, dtype=np.float64), requires_grad=True) for p in layer.params]
    tt = [torch.as_tensor(t) for t in targets]
    out_t = torch_fn(xt, *pt, *tt)
    (out_t * torch.tensor(dout)).sum().backward()

    errors = {"out": rel_error(out, out_t.detach().numpy()), "dx": rel_error(dx, xt.grad.numpy())}
    for i, (g, p) in enumerate(zip(layer.grads, pt)):
        errors[f"param{i}"] = rel_error(g, p.grad.numpy())
    return errors
