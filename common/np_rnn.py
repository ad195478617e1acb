"""Time layers in NumPy: embedding, RNN, LSTM and GRU cells, and their unrolled versions.

The protocol is the one of :mod:`common.np_layers` (``forward``, ``backward``, ``params``,
``grads``), with batch-first sequences as in ``nn.RNN(batch_first=True)``:

* sequences of ids are (N, T) integers, sequences of vectors are (N, T, D);
* a *cell* does one time step: ``forward(x_t, *state)`` returns the next state and
  ``backward(*dstate)`` returns ``(dx_t, *dstate_prev)``;
* a *Time* layer runs one cell per step over T steps (the loop is over time only, every
  step is vectorised over the batch) and back-propagates through time (BPTT): the
  gradients of the shared weights are the sums over the steps.

Weights are laid out so that PyTorch's copy over directly: ``Wx = weight_ih_l0.T`` (D, G*H),
``Wh = weight_hh_l0.T`` (H, G*H), with the G gate blocks in PyTorch's order (LSTM: i, f, g, o;
GRU: r, z, n). RNN and LSTM use one bias ``b = bias_ih_l0 + bias_hh_l0``; the GRU keeps the
two, because its hidden bias sits inside the reset gate. ``tests/test_np_rnn.py`` checks
every layer against ``nn.RNN``, ``nn.LSTM``, ``nn.GRU`` and ``nn.Embedding`` in float64.
"""
from __future__ import annotations

import numpy as np

from common.np_layers import Layer, sigmoid, softmax


class Embedding(Layer):
    """Row lookup ``W[idx]``.  W: (V, D); idx: integers of any shape (...) -> (..., D).

    ``backward`` adds each upstream row into the row of W it came from (``np.add.at``
    sums repeated ids) and returns None: integer ids have no gradient.
    """

    def __init__(self, W: np.ndarray) -> None:
        super().__init__()
        self.params = [W]
        self.grads = [np.zeros_like(W)]

    def forward(self, idx):
        self.idx = np.asarray(idx)
        return self.params[0][self.idx]

    def backward(self, dout):
        dW = self.grads[0]
        dW[...] = 0.0
        np.add.at(dW, self.idx, dout)
        return None


class RNN(Layer):
    """One step of the Elman RNN: ``h_next = tanh(x Wx + h_prev Wh + b)``.

    x: (N, D), h_prev: (N, H), Wx: (D, H), Wh: (H, H), b: (H,) -> h_next (N, H).
    """

    def __init__(self, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray) -> None:
        super().__init__()
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]

    def forward(self, x, h_prev):
        Wx, Wh, b = self.params
        self.x, self.h_prev = x, h_prev
        self.h_next = np.tanh(x @ Wx + h_prev @ Wh + b)
        return self.h_next

    def backward(self, dh_next):
        Wx, Wh, _ = self.params
        da = dh_next * (1.0 - self.h_next**2)  # tanh' = 1 - tanh^2 <= 1
        self.grads[0][...] = self.x.T @ da
        self.grads[1][...] = self.h_prev.T @ da
        self.grads[2][...] = da.sum(axis=0)
        return da @ Wx.T, da @ Wh.T  # dx, dh_prev


class LSTM(Layer):
    """One LSTM step with the four gate pre-activations computed by a single fused affine.

    ``A = x Wx + h_prev Wh + b`` (N, 4H) is sliced into i, f, g, o (PyTorch's order):
    ``c_next = f * c_prev + i * g`` and ``h_next = o * tanh(c_next)``, with sigmoid gates
    i, f, o and the tanh candidate g.  Wx: (D, 4H), Wh: (H, 4H), b: (4H,).
    ``forward(x, h_prev, c_prev)`` -> ``(h_next, c_next)``; ``backward(dh_next, dc_next)``
    -> ``(dx, dh_prev, dc_prev)``.
    """

    def __init__(self, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray) -> None:
        super().__init__()
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]

    def forward(self, x, h_prev, c_prev):
        Wx, Wh, b = self.params
        H = Wh.shape[0]
        A = x @ Wx + h_prev @ Wh + b
        i, f = sigmoid(A[:, :H]), sigmoid(A[:, H : 2 * H])
        g, o = np.tanh(A[:, 2 * H : 3 * H]), sigmoid(A[:, 3 * H :])
        c_next = f * c_prev + i * g
        tanh_c = np.tanh(c_next)
        self.cache = (x, h_prev, c_prev, i, f, g, o, tanh_c)
        return o * tanh_c, c_next

    def backward(self, dh_next, dc_next):
        Wx, Wh, _ = self.params
        x, h_prev, c_prev, i, f, g, o, tanh_c = self.cache
        ds = dc_next + dh_next * o * (1.0 - tanh_c**2)  # every path into c_next
        dA = np.concatenate(
            [ds * g * i * (1 - i), ds * c_prev * f * (1 - f), ds * i * (1 - g**2), dh_next * tanh_c * o * (1 - o)],
            axis=1,
        )
        self.grads[0][...] = x.T @ dA
        self.grads[1][...] = h_prev.T @ dA
        self.grads[2][...] = dA.sum(axis=0)
        return dA @ Wx.T, dA @ Wh.T, ds * f  # dx, dh_prev, dc_prev


class GRU(Layer):
    """One GRU step (Cho et al., 2014) in PyTorch's formulation, gates in the order r, z, n.

    ``ax = x Wx + bx`` and ``ah = h_prev Wh + bh`` (N, 3H);  r = sigmoid(ax_r + ah_r),
    z = sigmoid(ax_z + ah_z), n = tanh(ax_n + r * ah_n), ``h_next = (1 - z) * n + z * h_prev``.
    Wx: (D, 3H), Wh: (H, 3H), bx, bh: (3H,).  ``backward(dh_next)`` -> ``(dx, dh_prev)``.
    """

    def __init__(self, Wx: np.ndarray, Wh: np.ndarray, bx: np.ndarray, bh: np.ndarray) -> None:
        super().__init__()
        self.params = [Wx, Wh, bx, bh]
        self.grads = [np.zeros_like(p) for p in self.params]

    def forward(self, x, h_prev):
        Wx, Wh, bx, bh = self.params
        H = Wh.shape[0]
        ax, ah = x @ Wx + bx, h_prev @ Wh + bh
        r = sigmoid(ax[:, :H] + ah[:, :H])
        z = sigmoid(ax[:, H : 2 * H] + ah[:, H : 2 * H])
        n = np.tanh(ax[:, 2 * H :] + r * ah[:, 2 * H :])
        self.cache = (x, h_prev, ah[:, 2 * H :], r, z, n)
        return (1.0 - z) * n + z * h_prev

    def backward(self, dh_next):
        Wx, Wh, _, _ = self.params
        x, h_prev, ah_n, r, z, n = self.cache
        dn = dh_next * (1.0 - z) * (1.0 - n**2)  # d(pre-activation of n)
        dz = dh_next * (h_prev - n) * z * (1.0 - z)
        dr = dn * ah_n * r * (1.0 - r)
        dax = np.concatenate([dr, dz, dn], axis=1)
        dah = np.concatenate([dr, dz, dn * r], axis=1)
        self.grads[0][...] = x.T @ dax
        self.grads[1][...] = h_prev.T @ dah
        self.grads[2][...] = dax.sum(axis=0)
        self.grads[3][...] = dah.sum(axis=0)
        return dax @ Wx.T, dah @ Wh.T + dh_next * z  # dx, dh_prev


class TimeLayer(Layer):
    """A cell unrolled over T steps; subclasses name the cell and how many state arrays it carries.

    ``forward(xs, *state0)``: xs (N, T, D), optional initial state(s) (N, H) (zeros by default)
    -> hs (N, T, H), the hidden state of every step; the final state is kept in ``self.state``.
    ``backward(dhs)``: dhs (N, T, H) -> dxs (N, T, D); the weight gradients are summed over the
    steps into ``grads`` and the gradient of the initial state(s) is kept in ``self.dstate0``.
    """

    cell_class: type = RNN
    n_states = 1  # h only; the LSTM also carries its cell state c

    def __init__(self, *params: np.ndarray) -> None:
        super().__init__()
        self.params = list(params)
        self.grads = [np.zeros_like(p) for p in params]

    def forward(self, xs, *state0):
        N, T, _ = xs.shape
        H = self.params[1].shape[0]
        state0 = list(state0) + [None] * (self.n_states - len(state0))
        state = tuple(np.zeros((N, H), dtype=xs.dtype) if s is None else s for s in state0)
        self.cells, hs = [], np.empty((N, T, H), dtype=xs.dtype)
        for t in range(T):
            cell = self.cell_class(*self.params)  # every step shares the same weight arrays
            out = cell.forward(xs[:, t], *state)
            state = out if isinstance(out, tuple) else (out,)
            hs[:, t] = state[0]
            self.cells.append(cell)
        self.state = state
        return hs

    def backward(self, dhs):
        N, T, _ = dhs.shape
        D = self.params[0].shape[0]
        dxs = np.empty((N, T, D), dtype=dhs.dtype)
        for g in self.grads:
            g[...] = 0.0
        dstate = tuple(np.zeros_like(dhs[:, 0]) for _ in range(self.n_states))
        for t in reversed(range(T)):  # back-propagation through time
            cell = self.cells[t]
            dh = dhs[:, t] + dstate[0]  # from the output at step t and from step t + 1
            dx, *dstate = cell.backward(dh, *dstate[1:])
            dxs[:, t] = dx
            for g, cg in zip(self.grads, cell.grads):
                g += cg
        self.dstate0 = tuple(dstate)
        return dxs


class TimeRNN(TimeLayer):
    """Elman RNN over T steps (see :class:`RNN`); ``forward(xs, h0=None)`` -> hs (N, T, H)."""

    cell_class, n_states = RNN, 1


class TimeLSTM(TimeLayer):
    """LSTM over T steps (see :class:`LSTM`); ``forward(xs, h0=None, c0=None)`` -> hs (N, T, H)."""

    cell_class, n_states = LSTM, 2


class TimeGRU(TimeLayer):
    """GRU over T steps (see :class:`GRU`); ``forward(xs, h0=None)`` -> hs (N, T, H)."""

    cell_class, n_states = GRU, 1


class TimeAffine(Layer):
    """The same affine map at every step: (N, T, H) @ W (H, V) + b (V,) -> (N, T, V)."""

    def __init__(self, W: np.ndarray, b: np.ndarray) -> None:
        super().__init__()
        self.params = [W, b]
        self.grads = [np.zeros_like(W), np.zeros_like(b)]

    def forward(self, xs):
        self.xs = xs
        W, b = self.params
        return xs @ W + b

    def backward(self, dout):
        W, _ = self.params
        H, V = W.shape
        self.grads[0][...] = self.xs.reshape(-1, H).T @ dout.reshape(-1, V)
        self.grads[1][...] = dout.sum(axis=(0, 1))
        return dout @ W.T


class TimeSoftmaxCE(Layer):
    """Softmax cross-entropy at every step, averaged over the counted targets.

    xs: (N, T, V) scores, ts: (N, T) integer targets.  Targets equal to ``ignore_index``
    (the padding id, say) count neither in the sum nor in the mean, as in
    ``F.cross_entropy(..., ignore_index=...)``.  Returns the mean NLL in nats.
    """

    def __init__(self, ignore_index: int | None = None) -> None:
        super().__init__()
        self.ignore_index = ignore_index

    def forward(self, xs, ts):
        N, T, V = xs.shape
        self.p = softmax(xs.reshape(N * T, V))
        self.t = np.asarray(ts).reshape(N * T)
        self.mask = np.ones(N * T) if self.ignore_index is None else (self.t != self.ignore_index).astype(float)
        self.count = max(self.mask.sum(), 1.0)
        t = np.where(self.mask > 0, self.t, 0)  # any valid index where ignored: masked out below
        nll = -np.log(self.p[np.arange(N * T), t] + 1e-300)
        self.shape = (N, T, V)
        return float((nll * self.mask).sum() / self.count)

    def backward(self, dout=1.0):
        n = self.p.shape[0]
        dx = self.p.copy()
        dx[np.arange(n), np.where(self.mask > 0, self.t, 0)] -= 1.0
        dx *= (self.mask * dout / self.count)[:, None]
        return dx.reshape(self.shape)


def clip_grads(grads: list[np.ndarray], max_norm: float) -> float:
    """Gradient clipping by global norm, in place, as ``torch.nn.utils.clip_grad_norm_``.

    The norm is taken over all arrays together, ``sqrt(sum of every squared entry)``; when it
    exceeds ``max_norm`` every array is multiplied by ``max_norm / (norm + 1e-6)``, which keeps
    the direction and shortens the step.  Returns the norm before clipping.
    """
    total = float(np.sqrt(sum(float((g * g).sum()) for g in grads)))
    scale = max_norm / (total + 1e-6)
    if scale < 1.0:
        for g in grads:
            g *= scale
    return total
