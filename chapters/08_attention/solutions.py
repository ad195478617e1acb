"""Reference solutions for chapter 08's exercises (attention). Try the exercises first!"""
import numpy as np


def masked_softmax(scores, mask=None):
    """Softmax over the last axis of ``scores`` (..., S); where ``mask`` is False the weight is exactly 0.

    mask: None, or a bool array of the same shape, True for real tokens (each row keeps at least one).
    """
    scores = np.asarray(scores, dtype=np.float64)
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)  # exp(-inf) = 0
    z = np.exp(scores - scores.max(axis=-1, keepdims=True))  # the largest exponent is 0: no overflow
    return z / z.sum(axis=-1, keepdims=True)


def dot_attention(q, hs, mask=None):
    """One decoder step of dot-product attention.

    q (N, D) decoder states, hs (N, S, D) encoder states, mask (N, S) or None
    -> (context (N, D), weights (N, S)).
    """
    scores = np.einsum("nd,nsd->ns", q, hs)  # q[n] . hs[n, s]
    weights = masked_softmax(scores, mask)
    context = np.einsum("ns,nsd->nd", weights, hs)  # sum_s weights[n, s] * hs[n, s]
    return context, weights


def additive_scores(q, hs, Wq, Wk, v):
    """Bahdanau scores ``v . tanh(q[n] Wq + hs[n, s] Wk)``.

    q (N, Dq), hs (N, S, Dk), Wq (Dq, A), Wk (Dk, A), v (A,) -> scores (N, S).
    """
    hidden = np.tanh((q @ Wq)[:, None, :] + hs @ Wk)  # (N, 1, A) + (N, S, A) -> (N, S, A)
    return hidden @ v


def dot_attention_backward(q, hs, dcontext):
    """Gradients of dot-product attention (no mask) given dL/dcontext (N, D).

    Returns (dq (N, D), dhs (N, S, D)); dhs adds the value path and the key path.
    """
    weights = masked_softmax(np.einsum("nd,nsd->ns", q, hs))  # recompute the forward pass
    dweights = np.einsum("nd,nsd->ns", dcontext, hs)  # context = sum_s w_s h_s
    dscores = weights * (dweights - (dweights * weights).sum(axis=-1, keepdims=True))  # softmax Jacobian
    dq = np.einsum("ns,nsd->nd", dscores, hs)
    dhs = weights[:, :, None] * dcontext[:, None, :] + dscores[:, :, None] * q[:, None, :]  # values + keys
    return dq, dhs


def make_windows(series, target, window, horizon):
    """Cut a multivariate series into training pairs.

    series (L, K), target (L,) -> X (M, window, K) and Y (M, horizon), M = L - window - horizon + 1:
    X[i] = series[i : i + window] and Y[i] = target[i + window : i + window + horizon].
    """
    series, target = np.asarray(series), np.asarray(target)
    m = len(series) - window - horizon + 1
    X = np.stack([series[i : i + window] for i in range(m)])
    Y = np.stack([target[i + window : i + window + horizon] for i in range(m)])
    return X, Y
