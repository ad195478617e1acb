"""Reference solutions for chapter 09's exercises (the Transformer). Try the exercises first!"""
import numpy as np


def causal_mask(T):
    """(T, T) boolean mask, True on and below the diagonal: query t may attend to keys 0..t only."""
    return np.tril(np.ones((T, T), dtype=bool))


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


def split_heads(x, num_heads):
    """(N, T, D) -> (N, h, T, D / h): head i holds features i*d .. (i+1)*d - 1 of every position."""
    N, T, D = x.shape
    return x.reshape(N, T, num_heads, D // num_heads).transpose(0, 2, 1, 3)


def merge_heads(x):
    """(N, h, T, d) -> (N, T, h * d): the heads side by side again (the inverse of split_heads)."""
    N, h, T, d = x.shape
    return x.transpose(0, 2, 1, 3).reshape(N, T, h * d)


def positional_encoding(max_len, d_model):
    """(max_len, d_model): PE[pos, 2i] = sin(pos / 10000^(2i/d_model)), PE[pos, 2i+1] = cos(same angle)."""
    pos = np.arange(max_len)[:, None]
    omega = 1.0 / 10000 ** (np.arange(0, d_model, 2) / d_model)
    pe = np.zeros((max_len, d_model))
    pe[:, 0::2] = np.sin(pos * omega)
    pe[:, 1::2] = np.cos(pos * omega)
    return pe


def layer_norm(x, gamma, beta, eps=1e-5):
    """Normalise each row of the last axis to mean 0 and variance 1 (biased), then gamma * x_hat + beta."""
    mu = x.mean(axis=-1, keepdims=True)
    var = x.var(axis=-1, keepdims=True)
    return gamma * (x - mu) / np.sqrt(var + eps) + beta
