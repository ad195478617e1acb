"""common.transformer against PyTorch in float64: attention, masks, multi-head attention, positions."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from common import transformer as tf
from common.gradcheck import numerical_gradient, rel_error

RNG = np.random.default_rng(0)

# (leading batch axes, T queries, S keys, d, dv): batch of 1, T != S, dv != d, one query, a heads axis
SDPA_SHAPES = [((1,), 1, 1, 1, 1), ((2,), 3, 5, 4, 6), ((4,), 6, 6, 8, 8), ((2, 3), 5, 7, 4, 2), ((1,), 1, 9, 3, 3)]


def _mask(kind, lead, T, S):
    """None, a padding mask (the last keys of every row blocked, at least one kept) or a causal mask."""
    if kind is None:
        return None
    if kind == "causal":
        return np.tril(np.ones((T, S), dtype=bool), k=S - T)  # bottom-right aligned, so no row is empty
    keep = RNG.integers(1, S + 1, size=lead)
    return np.arange(S) < keep[..., None, None]  # (*lead, 1, S)


def _torch_sdpa(q, k, v, mask):
    m = None if mask is None else torch.as_tensor(mask)
    return F.scaled_dot_product_attention(q, k, v, attn_mask=m)


@pytest.mark.parametrize("mask_kind", [None, "padding", "causal"])
@pytest.mark.parametrize("lead, T, S, d, dv", SDPA_SHAPES)
def test_sdpa_forward_and_backward_match_torch(lead, T, S, d, dv, mask_kind):
    q, k = RNG.standard_normal((*lead, T, d)), RNG.standard_normal((*lead, S, d))
    v = RNG.standard_normal((*lead, S, dv))
    mask = _mask(mask_kind, lead, T, S)
    layer = tf.ScaledDotProductAttention()
    out = layer.forward(q, k, v, mask)
    dout = RNG.standard_normal(out.shape)
    grads = layer.backward(dout)

    qt, kt, vt = (torch.tensor(a, requires_grad=True) for a in (q, k, v))
    out_t = _torch_sdpa(qt, kt, vt, mask)
    (out_t * torch.tensor(dout)).sum().backward()
    assert rel_error(out, out_t.detach().numpy()) < 1e-10
    for g, t in zip(grads, (qt, kt, vt)):
        assert rel_error(g, t.grad.numpy()) < 1e-6
    assert np.allclose(layer.weights.sum(axis=-1), 1.0)
    if mask is not None:
        assert np.all(layer.weights[~np.broadcast_to(mask, layer.weights.shape)] == 0.0)


def test_sdpa_backward_matches_numerical_gradient():
    q, k, v = RNG.standard_normal((2, 3, 4)), RNG.standard_normal((2, 5, 4)), RNG.standard_normal((2, 5, 2))
    mask = np.array([True, True, True, False, False])  # two padding keys, shared by every query
    dout = RNG.standard_normal((2, 3, 2))
    layer = tf.ScaledDotProductAttention()

    def loss():
        return float((layer.forward(q, k, v, mask) * dout).sum())

    loss()
    grads = layer.backward(dout)
    for g, x in zip(grads, (q, k, v)):
        assert rel_error(g, numerical_gradient(loss, x)) < 1e-6
    assert np.all(grads[1][:, 3:] == 0) and np.all(grads[2][:, 3:] == 0)  # padding keys get no gradient


def test_masks():
    assert tf.causal_mask(3).tolist() == [[True, False, False], [True, True, False], [True, True, True]]
    ids = np.array([[5, 6, 0], [7, 0, 0]])
    assert tf.padding_mask(ids, pad_id=0).shape == (2, 1, 3)
    assert tf.padding_mask(ids, pad_id=0)[:, 0].tolist() == [[True, True, False], [True, False, False]]
    q = torch.randn(2, 4, 3, dtype=torch.float64)
    ours = tf.ScaledDotProductAttention().forward(q.numpy(), q.numpy(), q.numpy(), tf.causal_mask(4))
    assert rel_error(ours, F.scaled_dot_product_attention(q, q, q, is_causal=True).numpy()) < 1e-12


@pytest.mark.parametrize("N, T, D, h", [(1, 1, 2, 1), (2, 5, 8, 2), (3, 4, 12, 4), (2, 6, 8, 8)])
def test_split_and_merge_heads(N, T, D, h):
    x = RNG.standard_normal((N, T, D))
    heads = tf.split_heads(x, h)
    assert heads.shape == (N, h, T, D // h)
    assert np.array_equal(heads[:, -1], x[..., D - D // h :])  # the last head gets the last features
    assert np.array_equal(tf.merge_heads(heads), x)
    with pytest.raises(ValueError, match="divisible"):
        tf.split_heads(RNG.standard_normal((1, 2, D + 1)), 2 if (D + 1) % 2 else 3)


def _torch_mha(params, D, h):
    """nn.MultiheadAttention holding our weights: in_proj stacks Wq^T, Wk^T, Wv^T; out_proj is Wo^T."""
    Wq, bq, Wk, bk, Wv, bv, Wo, bo = (torch.tensor(p) for p in params)
    mha = nn.MultiheadAttention(D, h, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.cat([Wq.T, Wk.T, Wv.T]))
        mha.in_proj_bias.copy_(torch.cat([bq, bk, bv]))
        mha.out_proj.weight.copy_(Wo.T)
        mha.out_proj.bias.copy_(bo)
    return mha


@pytest.mark.parametrize("mask_kind", [None, "padding", "causal"])
@pytest.mark.parametrize("N, T, S, D, h, self_attention", [
    (1, 1, 1, 2, 1, True), (2, 5, 5, 8, 2, True), (3, 4, 6, 12, 4, False), (2, 3, 7, 8, 8, False),
])
def test_multi_head_attention_matches_torch(N, T, S, D, h, self_attention, mask_kind):
    if self_attention:
        S = T
    params = [RNG.standard_normal(s) / np.sqrt(D) for _ in range(4) for s in ((D, D), (D,))]
    x_q = RNG.standard_normal((N, T, D))
    x_kv = x_q if self_attention else RNG.standard_normal((N, S, D))
    mask = _mask(mask_kind, (N,), T, S)  # (N, 1, S) or (T, S), True = may attend
    layer = tf.MultiHeadAttention(*[p.copy() for p in params], num_heads=h)
    out = layer.forward(x_q, x_kv, mask)
    dout = RNG.standard_normal(out.shape)
    dx_q, dx_kv = layer.backward(dout)

    mha = _torch_mha(params, D, h)
    xq_t = torch.tensor(x_q, requires_grad=True)
    xkv_t = xq_t if self_attention else torch.tensor(x_kv, requires_grad=True)
    kwargs = {}
    if mask_kind == "padding":
        kwargs["key_padding_mask"] = torch.tensor(~mask[:, 0])  # torch: True = blocked
    elif mask_kind == "causal":
        kwargs["attn_mask"] = torch.tensor(~mask)
    out_t, weights_t = mha(xq_t, xkv_t, xkv_t, need_weights=True, average_attn_weights=False, **kwargs)
    (out_t * torch.tensor(dout)).sum().backward()

    assert rel_error(out, out_t.detach().numpy()) < 1e-10
    assert rel_error(layer.weights, weights_t.detach().numpy()) < 1e-10
    if self_attention:
        assert rel_error(dx_q + dx_kv, xq_t.grad.numpy()) < 1e-6
    else:
        assert rel_error(dx_q, xq_t.grad.numpy()) < 1e-6 and rel_error(dx_kv, xkv_t.grad.numpy()) < 1e-6
    dWq, dbq, dWk, dbk, dWv, dbv, dWo, dbo = layer.grads
    torch_grads = {
        "W_qkv": (np.concatenate([dWq.T, dWk.T, dWv.T]), mha.in_proj_weight.grad),
        "b_qkv": (np.concatenate([dbq, dbk, dbv]), mha.in_proj_bias.grad),
        "Wo": (dWo.T, mha.out_proj.weight.grad),
        "bo": (dbo, mha.out_proj.bias.grad),
    }
    for name, (ours, theirs) in torch_grads.items():
        assert rel_error(ours, theirs.numpy()) < 1e-6, name


@pytest.mark.parametrize("max_len, d_model", [(1, 2), (10, 4), (50, 16), (128, 64)])
def test_positional_encoding(max_len, d_model):
    pe = tf.positional_encoding(max_len, d_model)
    assert pe.shape == (max_len, d_model)
    assert np.allclose(pe[0, 0::2], 0.0) and np.allclose(pe[0, 1::2], 1.0)  # sin 0, cos 0
    assert np.allclose(pe[:, 0], np.sin(np.arange(max_len)))  # the fastest pair turns 1 radian per step
    i = d_model // 2 - 1  # the slowest pair
    angle = np.arange(max_len) / 10000 ** (2 * i / d_model)
    assert np.allclose(pe[:, -2], np.sin(angle)) and np.allclose(pe[:, -1], np.cos(angle))
    assert np.allclose(pe[:, 0::2] ** 2 + pe[:, 1::2] ** 2, 1.0)
    with pytest.raises(ValueError, match="even"):
        tf.positional_encoding(4, d_model + 1)


@pytest.mark.parametrize("k", [1, 3, 17])
def test_positional_encoding_shift_is_linear(k):
    d = 16
    pe = tf.positional_encoding(64, d)
    freq = 1.0 / 10000.0 ** (np.arange(0, d, 2) / d)
    M = np.zeros((d, d))
    for j, w in enumerate(freq):  # one 2x2 rotation per frequency: [sin, cos](p + k) = R(w k) [sin, cos](p)
        c, s = np.cos(w * k), np.sin(w * k)
        M[2 * j : 2 * j + 2, 2 * j : 2 * j + 2] = [[c, s], [-s, c]]
    assert np.abs(pe[k:] - pe[:-k] @ M.T).max() < 1e-10
