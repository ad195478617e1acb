"""Exercises of chapter 00, tensors, autograd and building models: ``checks.<name>.check(fn)``, ``.hint()``,
``.solution()``.

The reference answers are the chapter's ``solutions.py``; this module holds what is specific to each
exercise: its cases, the brief's worked example, classic mistakes, hints, and the judges of the two
exercises that are not "the same answer as the reference" (a training step and an ``nn.Module``).
"""
from __future__ import annotations

import math
import numbers

import numpy as np
import torch
from torch import nn

from common.checks import Chapter, Fail, call, cap, case, compare_values, example

CHAPTER = Chapter("00_tensors_autograd")
__getattr__ = CHAPTER.legacy

_SEED = 0


def _rng(offset: int = 0) -> np.random.Generator:
    return np.random.default_rng(_SEED + offset)


# --------------------------------------------------------------------------- 1. to_tensor_images
def _images_cases():
    rng = _rng(1)
    return [
        case("5 random 28x28 images", rng.integers(0, 256, size=(5, 28, 28), dtype=np.uint8)),
        case("a batch of 1 non-square 8x6 image", rng.integers(0, 256, size=(1, 8, 6), dtype=np.uint8)),
        case("2 black 3x3 images (all zeros)", np.zeros((2, 3, 3), dtype=np.uint8)),
        case("3 white 4x5 images (all 255)", np.full((3, 4, 5), 255, dtype=np.uint8)),
    ]


def _compare_images(expected: torch.Tensor, got, rtol: float = 1e-6, atol: float = 1e-7) -> str | None:
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
        why = " (NumPy's `/ 255` gives float64: use .float() or astype(np.float32))"
        why = why if got.dtype == torch.float64 else ""
        return f"wrong dtype: expected torch.float32, got {got.dtype}{why}"
    if got.numel() and float(got.max()) > 1.0 + 1e-6:
        return f"values go up to {float(got.max()):.4g}: scale the pixels into [0, 1] by dividing by 255"
    return compare_values(expected, got, rtol, atol, what="image tensor")


to_tensor_images = CHAPTER.exercise(
    "to_tensor_images",
    examples=[
        example(torch.ones((2, 1, 3, 4)), "the brief's example: 2 white 3x4 images",
                np.full((2, 3, 4), 255, dtype=np.uint8)),
        example(torch.tensor([[[[0.0, 0.2, 1.0]]]]), "one 1x3 image with pixels 0, 51, 255",
                np.array([[[0, 51, 255]]], dtype=np.uint8)),
    ],
    cases=_images_cases,
    compare=_compare_images,
    rtol=1e-6,
    mistakes=[(lambda images: torch.from_numpy(images).float().unsqueeze(1) / 256,
               "the largest pixel value is 255: divide by 255, not 256")],
    hints=[
        "Three steps: NumPy array to torch tensor, uint8 to float32 scaled into [0, 1], and a channel axis of size 1.",
        "`torch.from_numpy(images)` shares the array; `.float()` makes it float32 (do it before dividing, so the "
        "result stays float32); `unsqueeze(1)` inserts the channel axis after the batch axis: (N, 1, H, W).",
        "`return torch.from_numpy(images).float().unsqueeze(1) / 255`.",
    ],
)


# --------------------------------------------------------------------------- 2. autograd_gradient
def _sum_of_squares(x):
    return (x**2).sum()


def _autograd_cases():
    g = torch.Generator().manual_seed(_SEED)

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

    return [
        case("f(x) = sum(x**2), x of shape (3,)", _sum_of_squares, randn(3)),
        case("f(x) = sum(x * sin(x)), x of shape (2, 3)", x_sin_x, randn(2, 3)),
        case("f(x) = logsumexp(x), x of shape (4,)", logsumexp, randn(4)),
        case("f(x) = x @ A @ x with a non-symmetric A", quadratic_form, randn(3)),
        case("f(x) = x**3 at a 0-d tensor x = -2", cube, torch.tensor(-2.0, dtype=torch.float64)),
    ]


autograd_gradient = CHAPTER.exercise(
    "autograd_gradient",
    examples=[example(torch.tensor([2.0, -4.0], dtype=torch.float64), "the brief's example: f(x) = sum(x**2)",
                      _sum_of_squares, torch.tensor([1.0, -2.0], dtype=torch.float64))],
    cases=_autograd_cases,
    rtol=1e-6,
    atol=1e-9,
    what="gradient",
    mistakes=[(lambda f, x: 2 * x, "the gradient depends on f: let autograd compute it with backward(), "
                                   "do not write a formula for one f")],
    hints=[
        "Autograd records the operations on a tensor that requires a gradient; `backward()` on the scalar result "
        "fills that tensor's `.grad`.",
        "Make a fresh leaf from x with `x.detach().clone().requires_grad_(True)` (the caller's x stays untouched), "
        "call f on it, call `.backward()` on the scalar, and return the leaf's `.grad`.",
        "`x = x.detach().clone().requires_grad_(True)`, then `f(x).backward()` and `return x.grad`.",
    ],
)


# --------------------------------------------------------------------------- 3. tanh_backward
def _tanh_cases():
    rng = _rng(3)
    return [
        case("x = 0.5, grad_out = 1.0", 0.5, 1.0),
        case("x = -1.5, grad_out = -2.0", -1.5, -2.0),
        case("x of shape (4,) with upstream gradient of ones", rng.standard_normal(4), np.ones(4)),
        case("x of shape (2, 5), random upstream gradient", rng.standard_normal((2, 5)), rng.standard_normal((2, 5))),
        case("saturated x = [-20, 20] (tanh is flat there)", np.array([-20.0, 20.0]), np.array([1.0, 1.0])),
        case("huge x = [-1000, 1000]: a hand-made (e^x - e^-x) / (e^x + e^-x) overflows to nan",
             np.array([-1000.0, 1000.0]), np.array([2.0, -3.0])),
        case("integer arrays x = [-1, 0, 2], grad_out = [1, 2, 3] (the answer is not an integer)",
             np.array([-1, 0, 2]), np.array([1, 2, 3])),
    ]


tanh_backward = CHAPTER.exercise(
    "tanh_backward",
    examples=[example(3.0, "the brief's example: tanh'(0) = 1", 0.0, 3.0)],
    cases=_tanh_cases,
    rtol=1e-6,
    atol=1e-9,
    what="gradient dL/dx",
    mistakes=[
        (lambda x, g: 1 - np.tanh(x) ** 2, "multiply the local derivative by the upstream gradient grad_out "
                                           "(chain rule)"),
        (lambda x, g: g * (1 - np.asarray(x) ** 2), "x is the input, not tanh(x): compute t = tanh(x) first, "
                                                    "then 1 - t**2"),
        (lambda x, g: g * np.tanh(x) * (1 - np.tanh(x)), "t (1 - t) is the sigmoid's rule; tanh's derivative is "
                                                         "1 - t**2"),
    ],
    hints=[
        "Chain rule: dL/dx = dL/dout * dout/dx. The local derivative of tanh can be written with tanh itself.",
        "Compute t = np.tanh(x) (it works on floats and arrays, and never overflows); the local derivative is "
        "1 - t**2. Build a new array: do not change x or grad_out in place.",
        "`t = np.tanh(x)` and `return grad_out * (1 - t**2)`.",
    ],
)


# --------------------------------------------------------------------------- 4. train_step (judged)
def _train_setup(kind: str):
    """A fresh (model, optimizer, loss_fn, x, y) for one scenario; the same every call."""
    torch.manual_seed(_SEED)
    if kind == "linear":
        model = nn.Linear(3, 2)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        loss_fn = nn.MSELoss()
        x, y = torch.randn(8, 3), torch.randn(8, 2)
    elif kind == "mlp":
        model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 4))
        optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
        loss_fn = nn.CrossEntropyLoss()
        x, y = torch.randn(6, 3), torch.randint(0, 4, (6,))
    else:  # only the last layer is in the optimizer: the step must use the optimizer it is given
        model = nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 1))
        optimizer = torch.optim.SGD(model[2].parameters(), lr=0.05, weight_decay=0.01)
        loss_fn = nn.L1Loss()
        x, y = torch.randn(10, 4), torch.randn(10, 1)
    return model, optimizer, loss_fn, x, y


_TRAIN_SCENARIOS = {
    "linear": "nn.Linear(3, 2), SGD(lr=0.1, momentum=0.9), MSELoss",
    "mlp": "a 3-8-4 MLP, Adam(lr=0.01), CrossEntropyLoss",
    "partial": "a 4-5-1 MLP whose optimizer holds only the last layer, SGD with weight decay, L1Loss",
}
_TRAIN_STEPS = 3


def _params(model) -> list[np.ndarray]:
    return [p.detach().cpu().numpy().copy() for p in model.parameters()]


def _same_grads(model, ref_model, ref_opt) -> bool:
    """True when the learner's gradients equal the reference's on every parameter the optimizer updates."""
    owned = {id(p) for group in ref_opt.param_groups for p in group["params"]}
    for p, q in zip(model.parameters(), ref_model.parameters()):
        if id(q) in owned and q.grad is not None:
            if p.grad is None or p.grad.shape != q.grad.shape or not torch.allclose(p.grad, q.grad, 1e-5, 1e-6):
                return False
    return True


def _judge_train_step(fn) -> str:
    reference = CHAPTER.solutions().train_step
    for kind, label in _TRAIN_SCENARIOS.items():
        ref_model, ref_opt, loss_fn, x, y = _train_setup(kind)
        model, opt, _, _, _ = _train_setup(kind)
        start = _params(model)
        for step in range(1, _TRAIN_STEPS + 1):
            where = f"{label}, step {step}"
            expected = reference(ref_model, ref_opt, loss_fn, x, y)
            x_in, y_in = x.clone(), y.clone()
            got = call(fn, model, opt, loss_fn, x_in, y_in, label=where)
            if isinstance(got, torch.Tensor):
                raise Fail(f"returned a tensor: return the Python float loss.item() (case: {where})")
            if got is None:
                raise Fail(f"returned None: did you forget to return the loss? (case: {where})")
            if not isinstance(got, numbers.Real) or isinstance(got, bool):
                raise Fail(f"expected a Python float (loss.item()), got {type(got).__name__} (case: {where})")
            if not math.isclose(float(got), expected, rel_tol=1e-5, abs_tol=1e-7):
                raise Fail(f"returned loss {float(got):.6g}, expected {expected:.6g}: return loss_fn(model(x), y), "
                           f"computed before the update (case: {where})")
            for name, before, after in (("x", x, x_in), ("y", y, y_in)):
                if not torch.equal(before, after):
                    raise Fail(f"your function changed its input `{name}` in place: leave the batch as it is "
                               f"(case: {where})")
            now, ref = _params(model), _params(ref_model)
            if step == 1 and all(np.array_equal(a, b) for a, b in zip(now, start)):
                raise Fail(f"the parameters did not change: call optimizer.step() after loss.backward() "
                           f"(case: {where})")
            if any(not np.allclose(a, b, rtol=1e-5, atol=1e-6) for a, b in zip(now, ref)):
                if not _same_grads(model, ref_model, ref_opt):
                    why = ("the gradients of the previous step were added to this one: call optimizer.zero_grad() "
                           "before loss.backward()" if step > 1 else "wrong gradients: call loss.backward() once")
                else:
                    why = "the gradients are right, the update is not: call optimizer.step() once, on the optimizer " \
                          "you are given"
                raise Fail(f"wrong parameters after the step ({why}) (case: {where})")
    return f"correct on {len(_TRAIN_SCENARIOS)} models, {_TRAIN_STEPS} steps each"


train_step = CHAPTER.exercise(
    "train_step",
    judge=_judge_train_step,
    hints=[
        "A training step has five parts, in this order: clear the old gradients, forward pass, loss, backward pass, "
        "update. The optimizer you are given does the clearing and the update.",
        "`optimizer.zero_grad()`, then `loss = loss_fn(model(x), y)`, `loss.backward()` and `optimizer.step()`. "
        "The loss is a 0-d tensor: `.item()` turns it into a Python float.",
        "`optimizer.zero_grad()`; `loss = loss_fn(model(x), y)`; `loss.backward()`; `optimizer.step()`; "
        "`return loss.item()`.",
    ],
)


# --------------------------------------------------------------------------- 5. TwoLayerNet (judged)
_NET_SIZES = [(4, 6, 3, 5), (1, 1, 1, 1), (10, 3, 7, 2)]


def _judge_two_layer_net(cls) -> str:
    for n_in, n_hidden, n_out, batch in _NET_SIZES:
        label = f"TwoLayerNet({n_in}, {n_hidden}, {n_out}) on a batch of {batch}"
        torch.manual_seed(_SEED)
        net = call(cls, n_in, n_hidden, n_out, label=label)
        if not isinstance(net, nn.Module):
            raise Fail(f"TwoLayerNet should subclass nn.Module, got {type(net).__name__} (case: {label})")
        for attr, (fan_in, fan_out) in {"hidden": (n_in, n_hidden), "out": (n_hidden, n_out)}.items():
            layer = getattr(net, attr, None)
            if not isinstance(layer, nn.Linear):
                raise Fail(f"expected an attribute self.{attr} that is nn.Linear (case: {label})")
            if (layer.in_features, layer.out_features) != (fan_in, fan_out):
                raise Fail(f"self.{attr} should be Linear({fan_in}, {fan_out}), got Linear({layer.in_features}, "
                           f"{layer.out_features}) (case: {label})")
        n_params = sum(p.numel() for p in net.parameters())
        expected_params = n_in * n_hidden + n_hidden + n_hidden * n_out + n_out
        if n_params != expected_params:
            raise Fail(f"expected {expected_params} parameters, got {n_params}: use exactly the two Linear layers "
                       f"(case: {label})")
        x = torch.randn(batch, n_in)
        x_in = x.clone()
        got = call(net, x_in, label=label)
        with torch.no_grad():
            hidden = net.hidden(x)
            expected = net.out(torch.relu(hidden))
            no_relu, relu_at_end = net.out(hidden), torch.relu(expected)
        problem = compare_values(expected, got, rtol=1e-5, atol=1e-6, what="output")
        if problem:
            if compare_values(no_relu, got, rtol=1e-5, atol=1e-6) is None:
                problem += ": apply torch.relu between the layers, out(relu(hidden(x)))"
            elif compare_values(relu_at_end, got, rtol=1e-5, atol=1e-6) is None:
                problem += ": no activation after `out`; the output is out(relu(hidden(x)))"
            elif "value" in problem:
                problem += ": the output should be out(relu(hidden(x))), with no activation after `out`"
            raise Fail(f"{problem} (case: {label})")
        if not torch.equal(x, x_in):
            raise Fail(f"forward changed its input `x` in place: use torch.relu(...), not an in-place relu on x "
                       f"(case: {label})")
        if not got.requires_grad:
            raise Fail(f"the output does not carry gradients (requires_grad is False): no torch.no_grad(), "
                       f".detach() or .data in forward (case: {label})")
    return f"layers, parameter count, outputs and gradients correct on all {len(_NET_SIZES)} cases"


TwoLayerNet = CHAPTER.exercise(  # named after the class it checks
    "TwoLayerNet",
    judge=_judge_two_layer_net,
    hints=[
        "An nn.Module creates its layers once, in `__init__`, as attributes; `forward` only uses them. "
        "`super().__init__()` must come first.",
        "In `__init__`: `self.hidden = nn.Linear(n_in, n_hidden)` and `self.out = nn.Linear(n_hidden, n_out)`. "
        "In `forward`: pass x through `hidden`, then `torch.relu`, then `out`, and nothing after `out`.",
        "`return self.out(torch.relu(self.hidden(x)))` in `forward`, after the two layers in `__init__`.",
    ],
)


# --------------------------------------------------------------------------- 6. batch_sizes
def _compare_batches(expected: list, got, rtol: float = 0.0, atol: float = 0.0) -> str | None:
    if got is None:
        return "the result is None: did you forget `return`?"
    if not isinstance(got, list):
        return f"return a list of ints, got {type(got).__name__}"
    not_int = [v for v in got if not isinstance(v, numbers.Integral) or isinstance(v, bool)]
    if not_int:
        return (f"every batch size is a whole number (an int), got {type(not_int[0]).__name__} "
                f"{cap(repr(not_int[0]), 40)}: use // for whole-number division, not /")
    if len(got) != len(expected):
        return f"expected {len(expected)} batches {cap(repr(expected), 80)}, got {len(got)}: {cap(repr(got), 80)}"
    if got != expected:
        return f"expected the batch sizes {cap(repr(expected), 80)}, got {cap(repr(got), 80)}"
    return None


def _batches_floor(n_samples, batch_size, drop_last=False):
    return [batch_size] * (n_samples // batch_size)


def _batches_no_drop(n_samples, batch_size, drop_last=False):
    return [min(batch_size, n_samples - i) for i in range(0, n_samples, batch_size)]


def _batches_extra_empty(n_samples, batch_size, drop_last=False):
    full = n_samples // batch_size
    return [batch_size] * full + ([] if drop_last else [n_samples - full * batch_size])


batch_sizes = CHAPTER.exercise(
    "batch_sizes",
    examples=[
        example([4, 4, 2], "the brief's example: batch_sizes(10, 4)", 10, 4),
        example([4, 4], "the brief's example: batch_sizes(10, 4, drop_last=True)", 10, 4, drop_last=True),
        example([], "the brief's example: batch_sizes(3, 8, drop_last=True)", 3, 8, drop_last=True),
    ],
    cases=[
        case("n_samples=12, batch_size=4 (divides evenly)", 12, 4),
        case("n_samples=3, batch_size=8 (fewer samples than a batch)", 3, 8),
        case("n_samples=1, batch_size=1", 1, 1),
        case("n_samples=12, batch_size=4, drop_last=True", 12, 4, drop_last=True),
        case("n_samples=1000, batch_size=64", 1000, 64),
        case("n_samples=7, batch_size=3, drop_last given by position: batch_sizes(7, 3, True)", 7, 3, True),
        case("n_samples=7, batch_size=3, drop_last=False given by name", 7, 3, drop_last=False),
    ],
    compare=_compare_batches,
    mistakes=[
        (_batches_floor, "with drop_last=False the last, smaller batch is kept"),
        (_batches_no_drop, "with drop_last=True the last, incomplete batch is dropped"),
        (_batches_extra_empty, "when batch_size divides n_samples there is no extra batch of size 0"),
    ],
    hints=[
        "An epoch is cut into full batches of batch_size; what is left over (fewer than batch_size) forms one last, "
        "smaller batch, unless drop_last is True.",
        "`n_samples // batch_size` full batches, and `n_samples % batch_size` left over. Add the leftover batch only "
        "when it is not empty and drop_last is False. (Or build the DataLoader and take `len` of every batch.)",
        "`full, rest = divmod(n_samples, batch_size)` and "
        "`return [batch_size] * full + ([rest] if rest and not drop_last else [])`.",
    ],
)
