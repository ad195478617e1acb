"""common/attention.py: the NumPy attention layers against torch.autograd (float64), and the PyTorch model.

Every layer's forward values and backward gradients (inputs and parameters) are compared with
PyTorch over several shapes, including a batch of 1, one key, one query, and a padding mask.
"""
import numpy as np
import pytest
import torch

from common import attention as A
from common.gradcheck import numerical_gradient, rel_error

TOL = 1e-6
SHAPES = [(1, 1, 1, 1), (1, 3, 4, 2), (2, 4, 5, 3), (3, 1, 6, 4), (4, 5, 2, 3)]  # N, T, S, D
SHAPE_IDS = ["N{}T{}S{}D{}".format(*s) for s in SHAPES]


def padding_mask(rng, N, S):
    """(N, S) bool: row n keeps its first length_n keys (length_n >= 1), as with right-padded sources."""
    lengths = rng.integers(1, S + 1, size=N)
    lengths[0] = max(1, S - 1)
    return np.arange(S)[None, :] < lengths[:, None]


def torch_attention(q, hs, mask, score_fn):
    """The reference: scores by ``score_fn``, masked softmax over S, weighted sum of hs."""
    scores = score_fn(q, hs)
    if mask is not None:
        scores = scores.masked_fill(~torch.as_tensor(mask)[:, None, :], float("-inf"))
    w = torch.softmax(scores, dim=-1)
    return w @ hs, w


def additive_params(rng, D, A_dim):
    return [rng.standard_normal((D, A_dim)) * 0.6, rng.standard_normal((D, A_dim)) * 0.6, rng.standard_normal(A_dim)]


def torch_additive(params):
    Wq, Wk, v = params
    return lambda q, k: torch.tanh((q @ Wq).unsqueeze(2) + (k @ Wk).unsqueeze(1)) @ v


SCORES = {
    "dot": (lambda rng, D: A.DotScore(), lambda params: lambda q, k: q @ k.transpose(1, 2)),
    "scaled_dot": (lambda rng, D: A.DotScore(scaled=True),
                   lambda params: lambda q, k: q @ k.transpose(1, 2) / q.shape[-1] ** 0.5),
    "additive": (lambda rng, D: A.AdditiveScore(*additive_params(rng, D, 3)), torch_additive),
}


@pytest.mark.parametrize("masked", [False, True], ids=["no-mask", "padding-mask"])
@pytest.mark.parametrize("score", list(SCORES))
@pytest.mark.parametrize("shape", SHAPES, ids=SHAPE_IDS)
def test_attention_matches_torch(shape, score, masked):
    N, T, S, D = shape
    rng = np.random.default_rng(0)
    make_np, make_torch = SCORES[score]
    layer = A.Attention(make_np(rng, D))
    q, hs = rng.standard_normal((N, T, D)), rng.standard_normal((N, S, D))
    mask = padding_mask(rng, N, S) if masked else None
    dctx = rng.standard_normal((N, T, D))

    ctx = layer.forward(q, hs, mask)
    dq, dhs = layer.backward(dctx)

    q_t, hs_t = torch.tensor(q, requires_grad=True), torch.tensor(hs, requires_grad=True)
    params_t = [torch.tensor(p, requires_grad=True) for p in layer.params]
    ctx_t, w_t = torch_attention(q_t, hs_t, mask, make_torch(params_t))
    (ctx_t * torch.tensor(dctx)).sum().backward()

    errors = {
        "context": rel_error(ctx, ctx_t.detach().numpy()),
        "weights": rel_error(layer.weights, w_t.detach().numpy()),
        "dq": rel_error(dq, q_t.grad.numpy()),
        "dhs": rel_error(dhs, hs_t.grad.numpy()),
    }
    errors.update({f"param{i}": rel_error(g, p.grad.numpy()) for i, (g, p) in enumerate(zip(layer.grads, params_t))})
    assert max(errors.values()) < TOL, errors
    np.testing.assert_allclose(layer.weights.sum(axis=-1), 1.0, rtol=1e-12)
    if masked:
        assert np.all(layer.weights[~np.broadcast_to(mask[:, None, :], layer.weights.shape)] == 0.0)


@pytest.mark.parametrize("score", ["dot", "additive"])
def test_one_step_query_is_the_same_as_T_equal_1(score):
    rng = np.random.default_rng(1)
    make_np, _ = SCORES[score]
    scorer = make_np(rng, 4)
    q, hs, dctx = rng.standard_normal((3, 4)), rng.standard_normal((3, 5, 4)), rng.standard_normal((3, 4))
    mask = padding_mask(rng, 3, 5)
    one, full = A.Attention(scorer), A.Attention(scorer)
    ctx1, ctx2 = one.forward(q, hs, mask), full.forward(q[:, None], hs, mask)
    assert ctx1.shape == (3, 4) and one.weights.shape == (3, 5)
    np.testing.assert_allclose(ctx1, ctx2[:, 0], rtol=1e-12)
    (dq1, dhs1), (dq2, dhs2) = one.backward(dctx), full.backward(dctx[:, None])
    assert dq1.shape == (3, 4)
    np.testing.assert_allclose(dq1, dq2[:, 0], rtol=1e-12)
    np.testing.assert_allclose(dhs1, dhs2, rtol=1e-12)


@pytest.mark.parametrize("masked", [False, True], ids=["no-mask", "mask"])
@pytest.mark.parametrize("shape", [(1, 1, 1), (2, 3, 4), (3, 2, 5)], ids=lambda s: "N{}T{}S{}".format(*s))
def test_softmax_and_weighted_sum_match_torch(shape, masked):
    N, T, S = shape
    rng = np.random.default_rng(2)
    scores, values, dctx = rng.standard_normal(shape), rng.standard_normal((N, S, 3)), rng.standard_normal((N, T, 3))
    mask = np.broadcast_to(padding_mask(rng, N, S)[:, None, :], shape).copy() if masked else None
    softmax, wsum = A.Softmax(), A.WeightedSum()
    ctx = wsum.forward(softmax.forward(scores, mask), values)
    dw, dvalues = wsum.backward(dctx)
    dscores = softmax.backward(dw)

    s_t, v_t = torch.tensor(scores, requires_grad=True), torch.tensor(values, requires_grad=True)
    w_t = torch.softmax(s_t if mask is None else s_t.masked_fill(~torch.as_tensor(mask), float("-inf")), -1)
    ctx_t = w_t @ v_t
    (ctx_t * torch.tensor(dctx)).sum().backward()
    assert rel_error(ctx, ctx_t.detach().numpy()) < TOL
    assert rel_error(dscores, s_t.grad.numpy()) < TOL
    assert rel_error(dvalues, v_t.grad.numpy()) < TOL


def test_additive_score_agrees_with_numerical_gradient():
    rng = np.random.default_rng(3)
    layer = A.Attention(A.AdditiveScore(*additive_params(rng, 3, 4)))
    q, hs, dctx = rng.standard_normal((2, 2, 3)), rng.standard_normal((2, 4, 3)), rng.standard_normal((2, 2, 3))

    def loss():
        return float((layer.forward(q, hs) * dctx).sum())

    loss()
    dq, dhs = layer.backward(dctx)
    grads = [g.copy() for g in layer.grads]
    assert rel_error(dq, numerical_gradient(loss, q)) < 1e-7
    assert rel_error(dhs, numerical_gradient(loss, hs)) < 1e-7
    for p, g in zip(layer.params, grads):
        assert rel_error(g, numerical_gradient(loss, p)) < 1e-7


def test_masked_softmax_puts_zero_weight_on_padding():
    w = A.masked_softmax(np.array([[1.0, 2.0, 50.0]]), np.array([[True, True, False]]))
    np.testing.assert_allclose(w, [[1 / (1 + np.e), np.e / (1 + np.e), 0.0]], rtol=1e-12)


# --------------------------------------------------------------------------- PyTorch side
@pytest.mark.parametrize("kind", ["dot", "scaled_dot", "additive"])
def test_torch_score_matches_numpy_layers(kind):
    torch.manual_seed(0)
    score = A.AttentionScore(kind, dim=4, attn_dim=3).double()
    rng = np.random.default_rng(4)
    q, hs = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 5, 4))
    mask = padding_mask(rng, 2, 5)
    if kind == "additive":
        scorer = A.AdditiveScore(score.Wq.weight.detach().numpy().T, score.Wk.weight.detach().numpy().T,
                                 score.v.detach().numpy())
    else:
        scorer = A.DotScore(scaled=kind == "scaled_dot")
    layer = A.Attention(scorer)
    ctx = layer.forward(q, hs, mask)
    with torch.no_grad():
        ctx_t, w_t = A.attend(score(torch.tensor(q), torch.tensor(hs)), torch.tensor(hs), torch.tensor(mask))
    assert rel_error(ctx, ctx_t.numpy()) < 1e-12 and rel_error(layer.weights, w_t.numpy()) < 1e-12


def test_attention_score_rejects_unknown_kind():
    with pytest.raises(ValueError, match="kind"):
        A.AttentionScore("cosine")


@pytest.mark.parametrize("score", ["dot", "additive"])
def test_seq2seq_shapes_masks_and_greedy_decoding(score):
    torch.manual_seed(0)
    model = A.AttentionSeq2Seq(src_vocab_size=11, tgt_vocab_size=7, embed_dim=5, enc_hidden=4, score=score)
    src = torch.randint(3, 11, (3, 6))
    src[1, 4:] = 0  # padding
    tgt_in = torch.randint(0, 7, (3, 5))
    assert model(src, tgt_in).shape == (3, 5, 7)
    ids, weights = A.greedy_decode(model, src, max_len=4, sos_id=1)
    assert ids.shape == (3, 4) and ids.dtype == torch.int64 and weights.shape == (3, 4, 6)
    torch.testing.assert_close(weights.sum(-1), torch.ones(3, 4))
    assert torch.all(weights[1, :, 4:] == 0)  # no attention on padding
    assert model.training  # greedy decoding restores the mode

    # stepping with the state gives what teacher forcing gives when fed the greedy answer
    with torch.no_grad():
        fed = torch.cat([torch.ones(3, 1, dtype=torch.long), ids[:, :-1]], dim=1)
        assert torch.equal(model(src, fed).argmax(-1), ids)


def test_seq2seq_learns_a_tiny_reversal_task():
    """Reverse 4 random digits: with attention this is learned in a few hundred steps."""
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(0)
    src = torch.randint(3, 8, (512, 4), generator=g)
    tgt = src.flip(1)
    tgt_in = torch.cat([torch.ones(512, 1, dtype=torch.long), tgt], 1)
    tgt_out = torch.cat([tgt, torch.full((512, 1), 2)], 1)
    model = A.AttentionSeq2Seq(8, 8, embed_dim=8, enc_hidden=16, enc_layers=1)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(150):
        idx = torch.randint(0, 512, (64,), generator=g)
        loss = torch.nn.functional.cross_entropy(model(src[idx], tgt_in[idx]).reshape(-1, 8), tgt_out[idx].reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
    ids, weights = A.greedy_decode(model, src, 5, sos_id=1)
    assert (ids == tgt_out).all(1).float().mean() > 0.9
    # the first output digit looks mostly at the last input digit
    assert weights[:, 0].argmax(-1).eq(3).float().mean() > 0.5
