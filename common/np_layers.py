"""NumPy layers with hand-written backward passes.

Every layer follows one protocol, as in *Deep Learning from Scratch*:

* ``forward(x)`` computes the output and keeps what ``backward`` needs;
* ``backward(dout)`` takes dL/d(output) and returns dL/d(input), storing
  dL/d(param) in ``grads`` in the same order as ``params``.

Loss layers take the targets too: ``forward(x, t)`` returns a scalar and
``backward(dout=1.0)`` returns dL/dx. ``tests/test_np_layers.py`` checks each
layer against ``torch.autograd`` in float64.
"""
from __future__ import annotations

import numpy as np


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic function 1 / (1 + e^-x), computed without overflow for large |x|."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """Softmax along ``axis``; subtracting the max first keeps ``exp`` from overflowing."""
    z = np.exp(x - x.max(axis=axis, keepdims=True))
    return z / z.sum(axis=axis, keepdims=True)


class Layer:
    """Base class: a layer without parameters."""

    def __init__(self) -> None:
        self.params: list[np.ndarray] = []
        self.grads: list[np.ndarray] = []

    def __call__(self, *args):
        return self.forward(*args)


class Affine(Layer):
    """Fully connected layer y = x W + b.  x: (N, D_in), W: (D_in, D_out), b: (D_out,) -> (N, D_out)."""

    def __init__(self, W: np.ndarray, b: np.ndarray) -> None:
        super().__init__()
        self.params = [W, b]
        self.grads = [np.zeros_like(W), np.zeros_like(b)]

    def forward(self, x):
        self.x = x
        W, b = self.params
        return x @ W + b

    def backward(self, dout):
        W, _ = self.params
        self.grads[0][...] = self.x.T @ dout
        self.grads[1][...] = dout.sum(axis=0)
        return dout @ W.T


class Sigmoid(Layer):
    """Elementwise sigmoid; its derivative is y (1 - y), using the saved output y."""

    def forward(self, x):
        self.y = sigmoid(x)
        return self.y

    def backward(self, dout):
        return dout * self.y * (1.0 - self.y)


class Tanh(Layer):
    """Elementwise tanh; its derivative is 1 - y^2."""

    def forward(self, x):
        self.y = np.tanh(x)
        return self.y

    def backward(self, dout):
        return dout * (1.0 - self.y**2)


class ReLU(Layer):
    """Elementwise max(0, x); the gradient passes only where x > 0."""

    def forward(self, x):
        self.mask = x > 0
        return x * self.mask

    def backward(self, dout):
        return dout * self.mask


class SoftmaxCrossEntropy(Layer):
    """Softmax followed by the mean cross-entropy.  x: (N, C) logits, t: (N,) integer labels."""

    def forward(self, x, t):
        self.p = softmax(x)
        self.t = t
        n = x.shape[0]
        return -np.log(self.p[np.arange(n), t] + 1e-300).mean()

    def backward(self, dout=1.0):
        n = self.p.shape[0]
        dx = self.p.copy()
        dx[np.arange(n), self.t] -= 1.0  # the famous p - y
        return dx * dout / n


class SigmoidBCE(Layer):
    """Sigmoid followed by the mean binary cross-entropy.  x: logits of any shape, t: 0/1 targets, same shape."""

    def forward(self, x, t):
        self.p = sigmoid(x)
        self.t = t
        # log(1 + e^x) - t x, written stably
        return (np.maximum(x, 0) - t * x + np.log1p(np.exp(-np.abs(x)))).mean()

    def backward(self, dout=1.0):
        return (self.p - self.t) * dout / self.p.size


class MSE(Layer):
    """Mean squared error  mean((y - t)^2) over every element."""

    def forward(self, y, t):
        self.diff = y - t
        return (self.diff**2).mean()

    def backward(self, dout=1.0):
        return 2.0 * self.diff * dout / self.diff.size


class BatchNorm(Layer):
    """Batch normalisation for (N, D) input: y = gamma * (x - mean) / sqrt(var + eps) + beta.

    ``gamma`` and ``beta`` have shape (D,). With ``training = True`` the mean and variance
    come from the batch, and the running statistics move towards them with ``momentum``
    as in ``torch.nn.BatchNorm1d`` (the running variance uses the unbiased batch variance);
    with ``training = False`` the running statistics are used instead.
    """

    def __init__(self, gamma: np.ndarray, beta: np.ndarray, momentum: float = 0.1, eps: float = 1e-5) -> None:
        super().__init__()
        self.params = [gamma, beta]
        self.grads = [np.zeros_like(gamma), np.zeros_like(beta)]
        self.momentum, self.eps = momentum, eps
        self.running_mean = np.zeros_like(gamma)
        self.running_var = np.ones_like(gamma)
        self.training = True

    def forward(self, x):
        gamma, beta = self.params
        if self.training:
            n = x.shape[0]
            if n < 2:
                raise ValueError("batch norm in training mode needs at least 2 rows per batch")
            mean, var = x.mean(axis=0), x.var(axis=0)
            m = self.momentum
            self.running_mean = (1 - m) * self.running_mean + m * mean
            self.running_var = (1 - m) * self.running_var + m * var * n / (n - 1)
        else:
            mean, var = self.running_mean, self.running_var
        self.inv_std = 1.0 / np.sqrt(var + self.eps)
        self.xhat = (x - mean) * self.inv_std
        return gamma * self.xhat + beta

    def backward(self, dout):
        gamma, _ = self.params
        self.grads[0][...] = (dout * self.xhat).sum(axis=0)
        self.grads[1][...] = dout.sum(axis=0)
        dxhat = dout * gamma
        if not self.training:  # the running statistics are constants
            return dxhat * self.inv_std
        # the batch mean and variance depend on every row: the two sums carry that dependence
        n = dout.shape[0]
        return self.inv_std / n * (n * dxhat - dxhat.sum(axis=0) - self.xhat * (dxhat * self.xhat).sum(axis=0))


class Dropout(Layer):
    """Inverted dropout: in training, zero each element with probability ``p`` and scale the rest by 1 / (1 - p).

    The scaling keeps the expected output equal to the input, so with ``training = False``
    the layer is the identity. The mask is drawn from a generator seeded with ``seed``.
    """

    def __init__(self, p: float = 0.5, seed: int = 0) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability must be in [0, 1], got {p}")
        self.p = p
        self.rng = np.random.default_rng(seed)
        self.training = True

    def forward(self, x):
        if not self.training or self.p == 0.0:
            self.mask = None
            return x
        keep = self.rng.random(x.shape) >= self.p
        scale = 1.0 / (1.0 - self.p) if self.p < 1.0 else 0.0
        self.mask = (keep * scale).astype(x.dtype, copy=False)
        return x * self.mask

    def backward(self, dout):
        return dout if self.mask is None else dout * self.mask


class LeakyReLU(Layer):
    """Elementwise x if x > 0 else alpha * x; the gradient is 1 or ``alpha`` (``alpha`` at x = 0, as in torch)."""

    def __init__(self, alpha: float = 0.01) -> None:
        super().__init__()
        self.alpha = alpha

    def forward(self, x):
        self.slope = np.where(x > 0, 1.0, self.alpha).astype(np.result_type(x, np.float32), copy=False)
        return x * self.slope

    def backward(self, dout):
        return dout * self.slope


class GELU(Layer):
    """Exact GELU x * Phi(x), Phi the standard normal CDF (torch's default, ``approximate="none"``).

    Its derivative is Phi(x) + x * phi(x), phi the standard normal density. NumPy has no
    ``erf``, so this uses SciPy's vectorised one (SciPy is installed with scikit-learn).
    """

    def forward(self, x):
        from scipy.special import erf

        self.x = x
        self.cdf = 0.5 * (1.0 + erf(x / np.sqrt(2.0)))
        return x * self.cdf

    def backward(self, dout):
        pdf = np.exp(-0.5 * self.x**2) / np.sqrt(2.0 * np.pi)
        return dout * (self.cdf + self.x * pdf)
