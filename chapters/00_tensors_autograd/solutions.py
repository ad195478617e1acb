"""Reference solutions for chapter 00's exercises (tensors, autograd and building models).

Each name and signature matches a stub in ``exercises.ipynb``; ``tests/test_exercises.py``
swaps the stubs for these and requires every check to pass.
"""
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader


def to_tensor_images(images):
    """uint8 images (N, H, W) with values 0..255 → float32 tensor (N, 1, H, W) with values in [0, 1]."""
    x = torch.from_numpy(np.asarray(images)).float() / 255.0  # .float() first: uint8 / 255 stays float32
    return x.unsqueeze(1)  # add the channel axis: PyTorch images are channels-first


def autograd_gradient(f, x):
    """Gradient of the scalar ``f(x)`` with respect to the tensor ``x`` (same shape as ``x``)."""
    x = x.detach().clone().requires_grad_(True)  # a fresh leaf: the caller's tensor is left alone
    y = f(x)
    y.backward()
    return x.grad


def tanh_backward(x, grad_out):
    """dL/dx for out = tanh(x), given dL/dout; works elementwise on floats and arrays."""
    t = np.tanh(x)
    return grad_out * (1.0 - t**2)  # local derivative times upstream gradient (chain rule)


def train_step(model, optimizer, loss_fn, x, y):
    """One optimisation step on the batch (x, y); returns the loss before the update as a float."""
    optimizer.zero_grad()  # forget the gradients of the previous step
    loss = loss_fn(model(x), y)
    loss.backward()  # fill p.grad for every parameter
    optimizer.step()  # p ← p − lr · p.grad (or the optimizer's own rule)
    return loss.item()


class TwoLayerNet(nn.Module):
    """Linear(n_in, n_hidden) → ReLU → Linear(n_hidden, n_out), as layers ``hidden`` and ``out``."""

    def __init__(self, n_in, n_hidden, n_out):
        super().__init__()
        self.hidden = nn.Linear(n_in, n_hidden)
        self.out = nn.Linear(n_hidden, n_out)

    def forward(self, x):
        return self.out(torch.relu(self.hidden(x)))


def batch_sizes(n_samples, batch_size, drop_last=False):
    """Sizes of the minibatches a DataLoader yields in one epoch over ``n_samples`` items."""
    loader = DataLoader(range(n_samples), batch_size=batch_size, drop_last=drop_last)
    return [len(batch) for batch in loader]
