"""Chapter 00 checkers: the reference solutions pass, and plausible mistakes are caught with a useful message."""

import numpy as np
import pytest
import torch
from torch import nn

from common.checkers import ch00
from conftest import CHAPTERS, load_solutions

solutions = load_solutions(CHAPTERS / "00_tensors_autograd")


def check(name, fn):
    return getattr(ch00, name).check(fn)


# --------------------------------------------------------------------------- plausible wrong answers
def _images_float64(images):
    return torch.from_numpy(images / 255.0).unsqueeze(1)  # NumPy division gives float64


def _images_unscaled(images):
    return torch.from_numpy(images).float().unsqueeze(1)


def _images_channels_last(images):
    return torch.from_numpy(images).float().unsqueeze(-1) / 255


def _images_no_channel(images):
    return torch.from_numpy(images).float() / 255


def _images_numpy(images):
    return (images.astype(np.float32) / 255)[:, None]


def _grad_hard_coded(f, x):
    return 2 * x  # right only for sum(x**2)


def _grad_returns_value(f, x):
    x = x.clone().requires_grad_(True)
    return f(x)


def _grad_finite_differences(f, x):
    eps, grad = 1e-2, torch.zeros_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.numel()):
        e = torch.zeros_like(flat)
        e[i] = eps
        gflat[i] = (f((flat + e).reshape(x.shape)) - f(x)) / eps  # one-sided: error of order eps
    return grad


def _grad_forgets_return(f, x):
    x = x.clone().requires_grad_(True)
    f(x).backward()


def _tanh_ignores_upstream(x, grad_out):
    return 1 - np.tanh(x) ** 2


def _tanh_uses_input_as_output(x, grad_out):
    return grad_out * (1 - np.asarray(x) ** 2)


def _tanh_sigmoid_rule(x, grad_out):
    t = np.tanh(x)
    return grad_out * t * (1 - t)


def _step_without_zero_grad(model, optimizer, loss_fn, x, y):
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()


def _step_without_step(model, optimizer, loss_fn, x, y):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    return loss.item()


def _step_returns_tensor(model, optimizer, loss_fn, x, y):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return loss


def _step_returns_loss_after_update(model, optimizer, loss_fn, x, y):
    optimizer.zero_grad()
    loss_fn(model(x), y).backward()
    optimizer.step()
    with torch.no_grad():
        return loss_fn(model(x), y).item()


def _step_backward_twice(model, optimizer, loss_fn, x, y):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward(retain_graph=True)
    loss.backward()
    optimizer.step()
    return loss.item()


class _NetWithoutReLU(nn.Module):
    def __init__(self, n_in, n_hidden, n_out):
        super().__init__()
        self.hidden, self.out = nn.Linear(n_in, n_hidden), nn.Linear(n_hidden, n_out)

    def forward(self, x):
        return self.out(self.hidden(x))


class _NetReLUAtTheEnd(_NetWithoutReLU):
    def forward(self, x):
        return torch.relu(self.out(torch.relu(self.hidden(x))))


class _NetForgetsSuperInit(nn.Module):
    def __init__(self, n_in, n_hidden, n_out):
        self.hidden, self.out = nn.Linear(n_in, n_hidden), nn.Linear(n_hidden, n_out)

    def forward(self, x):
        return self.out(torch.relu(self.hidden(x)))


class _NetSwappedSizes(_NetWithoutReLU):
    def __init__(self, n_in, n_hidden, n_out):
        nn.Module.__init__(self)
        self.hidden, self.out = nn.Linear(n_in, n_out), nn.Linear(n_out, n_hidden)


class _NetWithExtraLayer(_NetWithoutReLU):
    def __init__(self, n_in, n_hidden, n_out):
        super().__init__(n_in, n_hidden, n_out)
        self.extra = nn.Linear(n_hidden, n_hidden)


class _NotAModule:
    def __init__(self, n_in, n_hidden, n_out):
        self.hidden, self.out = nn.Linear(n_in, n_hidden), nn.Linear(n_hidden, n_out)


def _batches_floor(n_samples, batch_size, drop_last=False):
    return [batch_size] * (n_samples // batch_size)  # always drops the last partial batch


def _batches_off_by_one(n_samples, batch_size, drop_last=False):
    if drop_last:
        return [batch_size] * (n_samples // batch_size)
    n = n_samples // batch_size + 1  # one batch too many when batch_size divides n_samples
    return [batch_size] * (n - 1) + [n_samples - batch_size * (n - 1)]


def _batches_ignores_drop_last(n_samples, batch_size, drop_last=False):
    return [min(batch_size, n_samples - i) for i in range(0, n_samples, batch_size)]


def _batches_count_only(n_samples, batch_size, drop_last=False):
    return -(-n_samples // batch_size)


def _images_divide_by_256(images):
    return torch.from_numpy(images).float().unsqueeze(1) / 256


def _images_float64_then_float(images):
    return torch.from_numpy(images / 255).unsqueeze(1).half()  # float16 is not float32 either


def _tanh_by_hand(x, grad_out):
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        t = (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))  # inf / inf = nan for |x| = 1000
    return grad_out * (1 - t**2)


def _tanh_in_place(x, grad_out):
    grad_out *= 1 - np.tanh(x) ** 2  # changes the caller's array
    return grad_out


def _tanh_into_zeros_like(x, grad_out):
    out = np.zeros_like(x)  # an integer x gives an integer buffer: the values are truncated
    out[...] = grad_out * (1 - np.tanh(x) ** 2)
    return out


def _step_returns_numpy(model, optimizer, loss_fn, x, y):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.detach().numpy()


def _step_own_optimizer(model, optimizer, loss_fn, x, y):
    own = torch.optim.SGD(model.parameters(), lr=0.1)  # ignores the optimizer it is given
    own.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    own.step()
    return loss.item()


def _step_clears_the_batch(model, optimizer, loss_fn, x, y):
    value = solutions.train_step(model, optimizer, loss_fn, x, y)
    x.zero_()  # "free" the batch: the caller's tensor is changed
    return value


class _NetDetached(_NetWithoutReLU):
    def forward(self, x):
        with torch.no_grad():
            return self.out(torch.relu(self.hidden(x)))


def _batches_true_division(n_samples, batch_size, drop_last=False):
    full = n_samples // batch_size
    rest = (n_samples / batch_size - full) * batch_size  # a float: 2.0, not 2
    return [batch_size] * full + ([rest] if rest and not drop_last else [])


def _batches_array(n_samples, batch_size, drop_last=False):
    return np.array(solutions.batch_sizes(n_samples, batch_size, drop_last))


WRONG = [
    ("to_tensor_images", _images_float64, "wrong dtype"),
    ("to_tensor_images", _images_unscaled, "dividing by 255"),
    ("to_tensor_images", _images_channels_last, "channels-last"),
    ("to_tensor_images", _images_no_channel, "wrong shape"),
    ("to_tensor_images", _images_numpy, "expected a torch.Tensor"),
    ("autograd_gradient", _grad_hard_coded, "wrong value"),
    ("autograd_gradient", _grad_returns_value, "wrong shape"),
    ("autograd_gradient", _grad_finite_differences, "wrong value"),
    ("autograd_gradient", _grad_forgets_return, "forget `return`"),
    ("tanh_backward", _tanh_ignores_upstream, "wrong value"),
    ("tanh_backward", _tanh_uses_input_as_output, "wrong value"),
    ("tanh_backward", _tanh_sigmoid_rule, "wrong value"),
    ("train_step", _step_without_zero_grad, "zero_grad"),
    ("train_step", _step_without_step, "optimizer.step()"),
    ("train_step", _step_returns_tensor, "loss.item()"),
    ("train_step", _step_returns_loss_after_update, "before the update"),
    ("train_step", _step_backward_twice, "wrong parameters"),
    ("TwoLayerNet", _NetWithoutReLU, "relu"),
    ("TwoLayerNet", _NetReLUAtTheEnd, "no activation after"),
    ("TwoLayerNet", _NetForgetsSuperInit, "raised AttributeError"),
    ("TwoLayerNet", _NetSwappedSizes, "should be Linear"),
    ("TwoLayerNet", _NetWithExtraLayer, "parameters"),
    ("TwoLayerNet", _NotAModule, "subclass nn.Module"),
    ("batch_sizes", _batches_floor, "batches"),
    ("batch_sizes", _batches_off_by_one, "expected 3 batches"),
    ("batch_sizes", _batches_ignores_drop_last, "drop_last=True"),
    ("batch_sizes", _batches_count_only, "list of ints"),
    # hardening
    ("to_tensor_images", _images_divide_by_256, "not 256"),
    ("to_tensor_images", _images_float64_then_float, "wrong dtype"),
    ("tanh_backward", _tanh_by_hand, "case: huge x"),
    ("tanh_backward", _tanh_in_place, "changed its input `grad_out` in place"),
    ("tanh_backward", _tanh_into_zeros_like, "case: integer arrays"),
    ("train_step", _step_returns_numpy, "expected a Python float"),
    ("train_step", _step_own_optimizer, "on the optimizer you are given"),
    ("train_step", _step_clears_the_batch, "changed its input `x` in place"),
    ("TwoLayerNet", _NetDetached, "does not carry gradients"),
    ("batch_sizes", _batches_true_division, "whole number"),
    ("batch_sizes", _batches_array, "return a list of ints, got ndarray"),
]


@pytest.mark.parametrize("name, fn, words", WRONG, ids=[fn.__name__.strip("_") for _, fn, _ in WRONG])
def test_wrong_answer_is_rejected(name, fn, words):
    result = check(name, fn)
    assert not result.passed, f"{fn.__name__} should fail, got: {result}"
    assert words in str(result), str(result)
    assert "case:" in result.message, str(result)


@pytest.mark.parametrize(
    "name, fn, hint",
    [
        ("to_tensor_images", _images_divide_by_256, "divide by 255, not 256"),
        ("autograd_gradient", _grad_hard_coded, "let autograd compute it"),
        ("tanh_backward", _tanh_ignores_upstream, "upstream gradient grad_out"),
        ("tanh_backward", _tanh_uses_input_as_output, "x is the input, not tanh(x)"),
        ("tanh_backward", _tanh_sigmoid_rule, "sigmoid's rule"),
        ("batch_sizes", _batches_floor, "the last, smaller batch is kept"),
        ("batch_sizes", _batches_ignores_drop_last, "incomplete batch is dropped"),
        ("train_step", _step_without_zero_grad, "call optimizer.zero_grad() before loss.backward()"),
        ("train_step", _step_backward_twice, "call loss.backward() once"),
        ("TwoLayerNet", _NetWithoutReLU, "apply torch.relu between the layers"),
        ("TwoLayerNet", _NetReLUAtTheEnd, "no activation after `out`"),
        ("batch_sizes", _batches_off_by_one, "no extra batch of size 0"),
    ],
    ids=lambda v: v.__name__.strip("_") if callable(v) else None,
)
def test_a_classic_mistake_is_named(name, fn, hint):
    result = check(name, fn)
    assert not result.passed and hint in result.message, str(result)
    if getattr(ch00, name).judge is None:  # a judge names the mistake in its own sentence
        assert "Hint:" in result.message, str(result)


