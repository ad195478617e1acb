"""The Transformer's attention from scratch in NumPy, with backward passes (chapter 09).

Shapes: N batch, h heads, T queries, S keys, D model size, d = D / h per head.

* :func:`causal_mask` and :func:`padding_mask` build boolean masks, **True where a query may
  look at a key** (the convention of ``F.scaled_dot_product_attention``; ``nn.MultiheadAttention``
  uses the opposite one, True = blocked);
* :class:`ScaledDotProductAttention`: ``softmax(q k^T / sqrt(d) masked) v`` over any leading
  batch axes, forward and backward;
* :func:`split_heads` / :func:`merge_heads` reshape (N, T, D) <-> (N, h, T, d);
* :class:`MultiHeadAttention`: project, split, attend, merge, project, forward and backward,
  with weights laid out as ``x @ W + b`` (``W`` is (D, D));
* :func:`positional_encoding`: the sinusoidal table of Vaswani et al. (2017).

``tests/test_transformer.py`` checks every piece against PyTorch in float64.
"""
from __future__ import annotations

import numpy as np

from common.np_layers import Layer, softmax


def causal_mask(T: int) -> np.ndarray:
    """(T, T) bool, True on and below the diagonal: query t may look at keys 0..t, never ahead."""
    return np.tril(np.ones((T, T), dtype=bool))


def padding_mask(ids: np.ndarray, pad_id: int = 0) -> np.ndarray:
    """ids (N, S) -> (N, 1, S) bool, False at padding keys; broadcasts against scores (N, T, S)."""
    return (np.asarray(ids) != pad_id)[:, None, :]


class ScaledDotProductAttention(Layer):
    """``out = softmax(q k^T / sqrt(d) + mask) v``.

    ``forward(q, k, v, mask=None)``: q (..., T, d), k (..., S, d), v (..., S, dv) with the same
    leading axes; ``mask`` broadcastable to (..., T, S), True where a key may be attended to
    (every query must keep at least one key). Returns (..., T, dv) and keeps the attention
    weights (..., T, S) in ``self.weights``; masked keys get weight exactly 0.

    ``backward(dout)`` returns ``(dq, dk, dv)``: with s the scaled scores and w the weights,
    dv = w^T dout, dw = dout v^T, ds = w * (dw - sum(dw * w)), dq = ds k / sqrt(d), dk = ds^T q / sqrt(d).
    """

    def forward(self, q, k, v, mask=None):
        self.q, self.k, self.v = q, k, v
        self.scale = 1.0 / np.sqrt(q.shape[-1])
        scores = q @ np.swapaxes(k, -1, -2) * self.scale
        if mask is not None:
            scores = np.where(mask, scores, -np.inf)
        self.weights = softmax(scores, axis=-1)
        return self.weights @ v

    def backward(self, dout):
        w = self.weights
        dv = np.swapaxes(w, -1, -2) @ dout
        dw = dout @ np.swapaxes(self.v, -1, -2)
        ds = w * (dw - (dw * w).sum(axis=-1, keepdims=True)) * self.scale
        return ds @ self.k, np.swapaxes(ds, -1, -2) @ self.q, dv


def split_heads(x: np.ndarray, num_heads: int) -> np.ndarray:
    """(N, T, D) -> (N, h, T, D / h): head i gets features i*d .. (i+1)*d - 1 of every position."""
    N, T, D = x.shape
    if D % num_heads:
        raise ValueError(f"the model size {D} is not divisible by {num_heads} heads")
    return x.reshape(N, T, num_heads, D // num_heads).transpose(0, 2, 1, 3)


def merge_heads(x: np.ndarray) -> np.ndarray:
    """(N, h, T, d) -> (N, T, h * d): the inverse of :func:`split_heads` (heads side by side)."""
    N, h, T, d = x.shape
    return x.transpose(0, 2, 1, 3).reshape(N, T, h * d)


class MultiHeadAttention(Layer):
    """Multi-head attention with the parameters ``[Wq, bq, Wk, bk, Wv, bv, Wo, bo]`` (W: (D, D), b: (D,)).

    ``forward(x_q, x_kv, mask=None)``: queries come from x_q (N, T, D), keys and values from x_kv
    (N, S, D) (the same array for self-attention). ``mask`` is (T, S), (N, T, S) or (N, 1, S),
    True where a key may be attended to; it is shared by all heads. Returns (N, T, D); the
    weights of every head are kept in ``self.weights`` (N, h, T, S).

    ``backward(dout)`` returns ``(dx_q, dx_kv)``; for self-attention the input's gradient is their sum.
    """

    def __init__(self, Wq, bq, Wk, bk, Wv, bv, Wo, bo, num_heads: int) -> None:
        super().__init__()
        self.params = [Wq, bq, Wk, bk, Wv, bv, Wo, bo]
        self.grads = [np.zeros_like(p) for p in self.params]
        self.num_heads = num_heads
        self.attention = ScaledDotProductAttention()

    def forward(self, x_q, x_kv, mask=None):
        Wq, bq, Wk, bk, Wv, bv, Wo, bo = self.params
        self.x_q, self.x_kv = x_q, x_kv
        projections = ((x_q, Wq, bq), (x_kv, Wk, bk), (x_kv, Wv, bv))
        q, k, v = (split_heads(x @ W + b, self.num_heads) for x, W, b in projections)
        if mask is not None:
            mask = np.asarray(mask, dtype=bool)
            mask = mask[:, None] if mask.ndim == 3 else mask  # one mask for every head
        heads = self.attention.forward(q, k, v, mask)  # (N, h, T, d)
        self.weights = self.attention.weights
        self.concat = merge_heads(heads)  # (N, T, D)
        return self.concat @ Wo + bo

    def backward(self, dout):
        Wq, _, Wk, _, Wv, _, Wo, _ = self.params
        D = Wo.shape[0]
        self.grads[6][...] = self.concat.reshape(-1, D).T @ dout.reshape(-1, D)
        self.grads[7][...] = dout.reshape(-1, D).sum(axis=0)
        dq, dk, dv = (merge_heads(g) for g in self.attention.backward(split_heads(dout @ Wo.T, self.num_heads)))
        for i, (x, dproj) in enumerate(((self.x_q, dq), (self.x_kv, dk), (self.x_kv, dv))):
            self.grads[2 * i][...] = x.reshape(-1, D).T @ dproj.reshape(-1, D)
            self.grads[2 * i + 1][...] = dproj.reshape(-1, D).sum(axis=0)
        return dq @ Wq.T, dk @ Wk.T + dv @ Wv.T  # the keys and the values both come from x_kv


def positional_encoding(max_len: int, d_model: int) -> np.ndarray:
    """Sinusoidal positions (max_len, d_model), d_model even.

    ``PE[pos, 2i] = sin(pos / 10000^(2i / d_model))`` and ``PE[pos, 2i + 1] = cos(same angle)``:
    each pair of columns is a point turning on a circle at its own frequency.
    """
    if d_model % 2:
        raise ValueError(f"d_model must be even, got {d_model}")
    pos = np.arange(max_len)[:, None]
    freq = 1.0 / 10000.0 ** (np.arange(0, d_model, 2) / d_model)  # (d_model / 2,)
    pe = np.zeros((max_len, d_model))
    pe[:, 0::2] = np.sin(pos * freq)
    pe[:, 1::2] = np.cos(pos * freq)
    return pe
