"""Reference solutions for chapter 06's exercises (RNN and LSTM).

Each function has the name and signature of the stub in ``exercises.ipynb``.
"""
import numpy as np
import torch.nn.functional as F


def rnn_step(x, h_prev, Wx, Wh, b):
    """One RNN step.  x (N, D), h_prev (N, H), Wx (D, H), Wh (H, H), b (H,) -> h_next (N, H)."""
    return np.tanh(x @ Wx + h_prev @ Wh + b)


def rnn_step_backward(dh_next, x, h_prev, h_next, Wx, Wh):
    """Gradients of one RNN step, given dL/dh_next (N, H) and the step's forward values.

    Returns ``(dx, dh_prev, dWx, dWh, db)`` with the shapes of x, h_prev, Wx, Wh and (H,).
    """
    da = dh_next * (1.0 - h_next**2)  # back through tanh: tanh'(a) = 1 - tanh(a)^2 = 1 - h_next^2
    dx = da @ Wx.T
    dh_prev = da @ Wh.T
    dWx = x.T @ da
    dWh = h_prev.T @ da
    db = da.sum(axis=0)
    return dx, dh_prev, dWx, dWh, db


def clip_grads_by_norm(grads, max_norm):
    """Clip a list of gradient arrays by their global L2 norm; returns a new list of arrays.

    When ``norm = sqrt(sum of all squared entries) > max_norm``, every array is multiplied by
    ``max_norm / (norm + 1e-6)``; otherwise the arrays come back unchanged.
    """
    norm = np.sqrt(sum(np.sum(g**2) for g in grads))
    scale = max_norm / (norm + 1e-6)
    if scale < 1.0:
        return [g * scale for g in grads]
    return [g.copy() for g in grads]


def lstm_step(x, h_prev, c_prev, Wx, Wh, b):
    """One LSTM step with the fused affine sliced into the gates i, f, g, o (PyTorch's order).

    x (N, D), h_prev and c_prev (N, H), Wx (D, 4H), Wh (H, 4H), b (4H,) -> (h_next, c_next), each (N, H).
    """
    H = h_prev.shape[1]
    A = x @ Wx + h_prev @ Wh + b  # (N, 4H): all four gates in one matrix product

    def sigmoid(z):
        return 1.0 / (1.0 + np.exp(-z))

    i = sigmoid(A[:, :H])
    f = sigmoid(A[:, H : 2 * H])
    g = np.tanh(A[:, 2 * H : 3 * H])
    o = sigmoid(A[:, 3 * H :])
    c_next = f * c_prev + i * g
    h_next = o * np.tanh(c_next)
    return h_next, c_next


def softmax_with_temperature(logits, temperature):
    """softmax(logits / temperature) along the last axis.  logits (..., V) -> probabilities (..., V)."""
    z = np.asarray(logits, dtype=np.float64) / temperature
    z = z - z.max(axis=-1, keepdims=True)  # the largest becomes 0: exp cannot overflow
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def masked_nll(logits, targets, pad_id):
    """Mean negative log-likelihood (nats) over the targets that are not padding, as a float.

    logits (N, T, V) tensor, targets (N, T) int64 tensor.
    """
    log_probs = F.log_softmax(logits.double(), dim=-1)
    picked = log_probs.gather(-1, targets.unsqueeze(-1)).squeeze(-1)  # log p(target), (N, T)
    mask = targets != pad_id
    return float(-picked[mask].sum() / mask.sum())


__all__ = ["rnn_step", "rnn_step_backward", "clip_grads_by_norm", "lstm_step", "softmax_with_temperature",
           "masked_nll"]
