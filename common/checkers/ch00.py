"""Checkers for chapter 00 (tensors, autograd and building models).

One ``check_<name>(fn)`` per exercise of ``chapters/00_tensors_autograd/exercises.ipynb``.
The reference answers live here, next to their checkers; each checker calls the learner's
code on random and edge-case inputs and returns a :class:`~common.checks.CheckResult`.
"""
from __future__ import annotations

import math
import numbers
from functools import partial

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader

from common.checks import NOT_IMPLEMENTED, CheckResult, call_safely, case, check_function, compare_values

_RNG_SEED = 0


def _rng(offset: int = 0) -> np.random.Generator:
    return np.random.default_rng(_RNG_SEED + offset)


# --------------------------------------------------------------------------- 1. to_tensor_images
def _ref_to_tensor_images(images: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1)


def _compare_images(expected: torch.Tensor, got) -> str | None:
    if got is None:
        return "the result is None: did you forget `return`?"
    if not isinstance(got, torch.Tensor):
        return f"expected a torch.Tensor, got {type(got).__name__}: convert with torch.from_numpy or torch.as_tensor"
    n, _, h, w = expected.shape
    if tuple(got.shape) == (n, h, w, 1):
        return f"wrong shape {tuple(got.shape)}: that is channels-last (Keras); PyTorch wants {(n, 1, h, w)}"
    if tuple(got.shape) != tuple(expected.shape):
        return f"wrong shape: expected (N, 1, H, W) = {tuple(expected.shape)}, got {tuple(got.shape)}"
    if got.dtype != torch.float32:
        hint = " (NumPy's `/ 255` gives float64: use .float() or astype(np.float32))"
        hint = hint if got.dtype == torch.float64 else ""
        return f"wrong dtype: expected torch.float32, got {got.dtype}{hint}"
    if float(got.max()) > 1.0 + 1e-6:
        return f"values go up to {float(got.max()):.4g}: scale the pixels into [0, 1] by dividing by 255"
    return compare_values(expected, got, rtol=1e-6, atol=1e-7)


def check_to_tensor_images(fn) -> CheckResult:
    """Exercise 1: uint8 images (N, H, W) in 0..255 → float32 tensor (N, 1, H, W) in [0, 1]."""
    rng = _rng(1)
    cases = [
        case("5 random 28x28 images", rng.integers(0, 256, size=(5, 28, 28), dtype=np.uint8)),
        case("a batch of 1 non-square 8x6 image", rng.integers(0, 256, size=(1, 8, 6), dtype=np.uint8)),
        case("2 black 3x3 images (all zeros)", np.zeros((2, 3, 3), dtype=np.uint8)),
        case("3 white 4x5 images (all 255)", np.full((3, 4, 5), 255, dtype=np.uint8)),
    ]
    return check_function(fn, _ref_to_tensor_images, cases, name="to_tensor_images", compare=_compare_images)


# --------------------------------------------------------------------------- 2. autograd_gradient
def _ref_autograd_gradient(f, x: torch.Tensor) -> torch.Tensor:
    x = x.detach().clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(f(x), x)
    return grad


def _autograd_cases():
    g = torch.Generator().manual_seed(_RNG_SEED)

    def randn(*shape):
        return torch.randn(*shape, generator=g, dtype=torch.float64)

    A = randn(3, 3)  # not symmetric: the gradient is (A + A^T) x

    def quadratic_form(x):
        return x @ A @ x

    def x_sin_x(x):
        return (x * torch.sin(x)).sum()

    def logsumexp(x):
        return torch.logsumexp(x, dim=0)

    def cube(x):
        return x**3

    def sum_of_squares(x):
        return (x**2).sum()

    return [
        case("f(x) = sum(x**2), x of shape (3,)", sum_of_squares, randn(3)),
        case("f(x) = sum(x * sin(x)), x of shape (2, 3)", x_sin_x, randn(2, 3)),
        case("f(x) = logsumexp(x), x of shape (4,)", logsumexp, randn(4)),
        case("f(x) = x @ A @ x with a non-symmetric A", quadratic_form, randn(3)),
        case("f(x) = x**3 at a 0-d tensor x = -2", cube, torch.tensor(-2.0, dtype=torch.float64)),
    ]


def check_autograd_gradient(fn) -> CheckResult:
    """Exercise 2: df/dx at x, computed by torch.autograd, as a tensor shaped like x."""
    return check_function(fn, _ref_autograd_gradient, _autograd_cases(), name="autograd_gradient", rtol=1e-6, atol=1e-9)


# --------------------------------------------------------------------------- 3. tanh_backward
def _ref_tanh_backward(x, grad_out):
    t = np.tanh(x)
    return grad_out * (1.0 - t * t)


def check_tanh_backward(fn) -> CheckResult:
    """Exercise 3: the backward rule of tanh, dL/dx = dL/dout * (1 - tanh(x)**2), elementwise."""
    rng = _rng(3)
    cases = [
        case("x = 0.5, grad_out = 1.0", 0.5, 1.0),
        case("x = 0.0, grad_out = 3.0", 0.0, 3.0),
        case("x = -1.5, grad_out = -2.0", -1.5, -2.0),
        case("x of shape (4,) with upstream gradient of ones", rng.standard_normal(4), np.ones(4)),
        case("x of shape (2, 5), random upstream gradient", rng.standard_normal((2, 5)), rng.standard_normal((2, 5))),
        case("saturated x = [-20, 20] (tanh is flat there)", np.array([-20.0, 20.0]), np.array([1.0, 1.0])),
    ]
    return check_function(fn, _ref_tanh_backward, cases, name="tanh_backward", rtol=1e-6, atol=1e-9)


# --------------------------------------------------------------------------- 4. train_step
def _ref_train_step(model, optimizer, loss_fn, x, y) -> float:
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()


def _train_setup(kind: str):
    """A fresh (model, optimizer, loss_fn, x, y) for one scenario; the same every call."""
    torch.manual_seed(_RNG_SEED)
    if kind == "linear":
        model = nn.Linear(3, 2)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        loss_fn = nn.MSELoss()
        x, y = torch.randn(8, 3), torch.randn(8, 2)
    else:
        model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 4))
        optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
        loss_fn = nn.CrossEntropyLoss()
        x, y = torch.randn(6, 3), torch.randint(0, 4, (6,))
    return model, optimizer, loss_fn, x, y


_TRAIN_SCENARIOS = {
    "linear": "nn.Linear(3, 2), SGD(lr=0.1, momentum=0.9), MSELoss",
    "mlp": "a 3-8-4 MLP, Adam(lr=0.01), CrossEntropyLoss",
}
_TRAIN_STEPS = 3


def _params(model) -> list[np.ndarray]:
    return [p.detach().cpu().numpy().copy() for p in model.parameters()]


def check_train_step(fn) -> CheckResult:
    """Exercise 4: one optimisation step (zero_grad, forward, loss, backward, step) returning the loss."""
    name = "train_step"
    for kind, label in _TRAIN_SCENARIOS.items():
        ref_model, ref_opt, loss_fn, x, y = _train_setup(kind)
        model, opt, _, _, _ = _train_setup(kind)
        start = _params(model)
        for step in range(1, _TRAIN_STEPS + 1):
            expected_loss = _ref_train_step(ref_model, ref_opt, loss_fn, x, y)
            where = f"(case: {label}, step {step})"
            # call_safely deep-copies a case's arguments: bind ours with partial so the learner steps *our* model
            got, problem = call_safely(partial(fn, model, opt, loss_fn, x, y), case(where))
            if problem == NOT_IMPLEMENTED:
                return CheckResult(name, False, problem)
            if problem:
                return CheckResult(name, False, problem.replace(f"(case: {where})", where))
            if isinstance(got, torch.Tensor):
                return CheckResult(name, False, f"returned a tensor: return the Python float loss.item() {where}")
            if got is None:
                return CheckResult(name, False, f"returned None: did you forget to return the loss? {where}")
            if not isinstance(got, numbers.Real):
                return CheckResult(name, False, f"expected a float (loss.item()), got {type(got).__name__} {where}")
            if not math.isclose(float(got), expected_loss, rel_tol=1e-5, abs_tol=1e-7):
                return CheckResult(
                    name, False,
                    f"returned loss {float(got):.6g}, expected {expected_loss:.6g}: return the loss computed "
                    f"before the update {where}",
                )
            now, ref = _params(model), _params(ref_model)
            if step == 1 and all(np.array_equal(a, b) for a, b in zip(now, start)):
                return CheckResult(name, False, f"the parameters did not change: call optimizer.step() {where}")
            bad = [i for i, (a, b) in enumerate(zip(now, ref)) if not np.allclose(a, b, rtol=1e-5, atol=1e-6)]
            if bad:
                hint = (
                    "the gradients of the previous step were added to this one: call optimizer.zero_grad() "
                    "before loss.backward()"
                    if step > 1
                    else "call loss.backward() once and optimizer.step() once"
                )
                return CheckResult(name, False, f"wrong parameters after the step ({hint}) {where}")
    return CheckResult(name, True, f"correct on {len(_TRAIN_SCENARIOS)} models, {_TRAIN_STEPS} steps each")


# --------------------------------------------------------------------------- 5. TwoLayerNet
def _ref_two_layer_forward(net, x):
    return net.out(torch.relu(net.hidden(x)))


def check_TwoLayerNet(cls) -> CheckResult:  # noqa: N802  (named after the class it checks)
    """Exercise 5: an nn.Module subclass with ``hidden`` and ``out`` Linear layers and ReLU between them."""
    name = "TwoLayerNet"
    for n_in, n_hidden, n_out, batch in [(4, 6, 3, 5), (1, 1, 1, 1), (10, 3, 7, 2)]:
        label = f"TwoLayerNet({n_in}, {n_hidden}, {n_out}) on a batch of {batch}"
        torch.manual_seed(_RNG_SEED)
        net, problem = call_safely(cls, case(label, n_in, n_hidden, n_out))
        if problem:
            return CheckResult(name, False, problem)
        if not isinstance(net, nn.Module):
            return CheckResult(name, False, f"TwoLayerNet should subclass nn.Module, got {type(net).__name__}")
        for attr, (fan_in, fan_out) in {"hidden": (n_in, n_hidden), "out": (n_hidden, n_out)}.items():
            layer = getattr(net, attr, None)
            if not isinstance(layer, nn.Linear):
                return CheckResult(name, False, f"expected an attribute self.{attr} that is nn.Linear (case: {label})")
            if (layer.in_features, layer.out_features) != (fan_in, fan_out):
                return CheckResult(
                    name, False,
                    f"self.{attr} should be Linear({fan_in}, {fan_out}), got Linear({layer.in_features}, "
                    f"{layer.out_features}) (case: {label})",
                )
        n_params = sum(p.numel() for p in net.parameters())
        expected_params = n_in * n_hidden + n_hidden + n_hidden * n_out + n_out
        if n_params != expected_params:
            return CheckResult(
                name, False,
                f"expected {expected_params} parameters, got {n_params}: use exactly the two Linear layers "
                f"(case: {label})",
            )
        x = torch.randn(batch, n_in)
        got, problem = call_safely(net, case(label, x))
        if problem:
            return CheckResult(name, False, problem)
        with torch.no_grad():
            expected = _ref_two_layer_forward(net, x)
        problem = compare_values(expected, got, rtol=1e-5, atol=1e-6, what="output")
        if problem:
            if "value" in problem:
                problem += ": the output should be out(relu(hidden(x))), with no activation after `out`"
            return CheckResult(name, False, f"{problem} (case: {label})")
    return CheckResult(name, True, "layers, parameter count and outputs correct on all 3 cases")


# --------------------------------------------------------------------------- 6. batch_sizes
def _ref_batch_sizes(n_samples: int, batch_size: int, drop_last: bool = False) -> list[int]:
    loader = DataLoader(range(n_samples), batch_size=batch_size, drop_last=drop_last)
    return [len(batch) for batch in loader]


def _compare_batches(expected: list[int], got) -> str | None:
    if got is None:
        return "the result is None: did you forget `return`?"
    if not isinstance(got, (list, tuple)):
        return f"expected a list of ints, got {type(got).__name__}"
    try:
        got_ints = [int(v) for v in got]
    except (TypeError, ValueError):
        return f"expected a list of ints, got {list(got)!r}"
    if len(got_ints) != len(expected):
        return f"expected {len(expected)} batches {expected}, got {len(got_ints)}: {got_ints}"
    if got_ints != expected:
        return f"expected the batch sizes {expected}, got {got_ints}"
    return None


def check_batch_sizes(fn) -> CheckResult:
    """Exercise 6: the size of every minibatch a DataLoader yields in one epoch."""
    cases = [
        case("n_samples=10, batch_size=4", 10, 4),
        case("n_samples=12, batch_size=4 (divides evenly)", 12, 4),
        case("n_samples=3, batch_size=8 (fewer samples than a batch)", 3, 8),
        case("n_samples=1, batch_size=1", 1, 1),
        case("n_samples=10, batch_size=4, drop_last=True", 10, 4, drop_last=True),
        case("n_samples=12, batch_size=4, drop_last=True", 12, 4, drop_last=True),
        case("n_samples=3, batch_size=8, drop_last=True (no full batch)", 3, 8, drop_last=True),
        case("n_samples=1000, batch_size=64", 1000, 64),
    ]
    return check_function(fn, _ref_batch_sizes, cases, name="batch_sizes", compare=_compare_batches)


__all__ = [
    "check_to_tensor_images",
    "check_autograd_gradient",
    "check_tanh_backward",
    "check_train_step",
    "check_TwoLayerNet",
    "check_batch_sizes",
]
