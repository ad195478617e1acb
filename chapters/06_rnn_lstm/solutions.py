"""Reference solutions for chapter 06's exercises (RNN and LSTM).

Each function has the name and signature of the stub in ``exercises.ipynb``.
"""
import numpy as np
import torch.nn.functional as F


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


def gru_step(x, h_prev, Wx, Wh, bx, bh):
    """One GRU step in PyTorch's form, gates sliced r, z, n.

    x (N, D), h_prev (N, H), Wx (D, 3H), Wh (H, 3H), bx and bh (3H,) -> h_next (N, H).
    """
    def sigmoid(v):
        return 1.0 / (1.0 + np.exp(-v))

    H = h_prev.shape[1]
    ax, ah = x @ Wx + bx, h_prev @ Wh + bh  # (N, 3H) each: the hidden part stays apart, r multiplies it
    r = sigmoid(ax[:, :H] + ah[:, :H])
    z = sigmoid(ax[:, H : 2 * H] + ah[:, H : 2 * H])
    n = np.tanh(ax[:, 2 * H :] + r * ah[:, 2 * H :])
    return (1.0 - z) * n + z * h_prev


def gru_step_backward(dh_next, x, h_prev, Wx, Wh, bx, bh):
    """Gradients of one GRU step given dL/dh_next (N, H): ``(dx, dh_prev, dWx, dWh, dbx, dbh)``."""
    def sigmoid(v):
        return 1.0 / (1.0 + np.exp(-v))

    H = h_prev.shape[1]
    ax, ah = x @ Wx + bx, h_prev @ Wh + bh  # the forward pass again, keeping what the backward needs
    r = sigmoid(ax[:, :H] + ah[:, :H])
    z = sigmoid(ax[:, H : 2 * H] + ah[:, H : 2 * H])
    n = np.tanh(ax[:, 2 * H :] + r * ah[:, 2 * H :])
    dn = dh_next * (1.0 - z) * (1.0 - n**2)  # into n's pre-activation
    dz = dh_next * (h_prev - n) * z * (1.0 - z)  # into z's pre-activation
    dr = dn * ah[:, 2 * H :] * r * (1.0 - r)  # r scaled the hidden part of n's pre-activation
    dax = np.concatenate([dr, dz, dn], axis=1)
    dah = np.concatenate([dr, dz, dn * r], axis=1)
    dx = dax @ Wx.T
    dh_prev = dah @ Wh.T + dh_next * z  # through the gates, plus the direct path z * h_prev
    return dx, dh_prev, x.T @ dax, h_prev.T @ dah, dax.sum(axis=0), dah.sum(axis=0)


def predict_first_bit():
    """Neither: with the default initialisation both forget the first bit over 30 steps."""
    return "d"


def choose_forget_bias():
    """A forget-gate bias with which the LSTM carries the first bit over 30 steps: f starts at sigmoid(4) = 0.98."""
    return 4.0


__all__ = ["clip_grads_by_norm", "softmax_with_temperature", "masked_nll", "gru_step", "gru_step_backward",
           "predict_first_bit", "choose_forget_bias"]
