"""Reference solutions for chapter 09's exercises (the Transformer). Try the exercises first!"""
import numpy as np


def decoder_mask(ids, pad_id=0):
    """(N, T, T) boolean self-attention mask of a decoder whose prompts are padded on the left.

    Query i may attend to key j when j <= i (causal) and key j is not PAD; every query keeps at least
    itself (the diagonal), so that no row of the softmax is empty.
    """
    ids = np.asarray(ids)
    T = ids.shape[1]
    causal = np.tril(np.ones((T, T), dtype=bool))
    real_key = (ids != pad_id)[:, None, :]  # (N, 1, T): the same for every query
    return (causal & real_key) | np.eye(T, dtype=bool)


def scaled_dot_product_attention(q, k, v, mask=None):
    """softmax(q k^T / sqrt(d_k), masked) v over any leading axes.

    q (..., T, d_k), k (..., S, d_k), v (..., S, d_v); mask broadcastable to (..., T, S), True = may attend.
    Returns (out (..., T, d_v), weights (..., T, S)).
    """
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    scores = scores - scores.max(axis=-1, keepdims=True)  # exp never overflows
    e = np.exp(scores)
    weights = e / e.sum(axis=-1, keepdims=True)
    return weights @ v, weights


def predict_head_parameters():
    """nn.MultiheadAttention(64, num_heads=8) has as many parameters as with one head: the heads share out D."""
    return "b"


def attention_step(x_t, k_cache, v_cache, params, num_heads):
    """One decoding step of causal multi-head self-attention with a key/value cache.

    x_t (N, D): the new position's input; k_cache, v_cache (N, h, t, d): the projected keys and values of the
    t earlier positions (t may be 0); params = (Wq, bq, Wk, bk, Wv, bv, Wo, bo), x @ W + b.
    Returns (out (N, D), k_cache (N, h, t + 1, d), v_cache (N, h, t + 1, d)).
    """
    Wq, bq, Wk, bk, Wv, bv, Wo, bo = params
    N, D = x_t.shape
    d = D // num_heads

    def heads(y):  # (N, D) -> (N, h, 1, d): one position, cut into heads
        return y.reshape(N, num_heads, 1, d)

    q = heads(x_t @ Wq + bq)
    k_cache = np.concatenate([k_cache, heads(x_t @ Wk + bk)], axis=2)  # the new key joins before attending
    v_cache = np.concatenate([v_cache, heads(x_t @ Wv + bv)], axis=2)
    scores = q @ np.swapaxes(k_cache, -1, -2) / np.sqrt(d)  # (N, h, 1, t + 1); no mask: the cache is the past
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    out = (e / e.sum(axis=-1, keepdims=True)) @ v_cache  # (N, h, 1, d)
    return out.reshape(N, D) @ Wo + bo, k_cache, v_cache


def predict_no_positions():
    """Without positions the reverser is stuck well below 60%, yet above the 10% of blind guessing."""
    return "b"


def position_code(T, d_model):
    """(T, d_model) position vectors that let the reversal model tell every position apart: the sinusoids."""
    pos = np.arange(T)[:, None]
    omega = 1.0 / 10000 ** (np.arange(0, d_model, 2) / d_model)
    pe = np.zeros((T, d_model))
    pe[:, 0::2] = np.sin(pos * omega)
    pe[:, 1::2] = np.cos(pos * omega)
    return pe
