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


def predict_shuffled_keys():
    """Shuffling the encoder states (and the mask with them) leaves the context unchanged: 'b'."""
    return "b"


def input_attention(h, s, x, W_e, b_e, U_e, v_e):
    """The DA-RNN's input attention at one encoder step: one weight per driving series.

    h, s (N, H): the encoder LSTM's previous hidden and cell states; x (N, T, K): the window of the K series.
    W_e (2H, A), b_e (A,), U_e (T, A), v_e (A,). Score of series k: v_e . tanh([h; s] W_e + b_e + x[:, :, k] U_e);
    returns the weights alpha (N, K), a softmax over the K series.
    """
    query = np.concatenate([h, s], axis=-1) @ W_e + b_e  # (N, A)
    keys = np.transpose(x, (0, 2, 1)) @ U_e  # (N, K, A): each series' whole window is a key
    scores = np.tanh(query[:, None, :] + keys) @ v_e  # (N, K)
    return masked_softmax(scores)


def copy_learning_rate():
    """The experiment's choice: with Adam at 1e-2 the attention model copies ~95% of the test strings."""
    return 1e-2
