"""Chapter 09 checkers: the reference solutions pass, and plausible mistakes are caught with a useful message."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from common import transformer as np_tf
from common.checkers import ch09
from conftest import CHAPTERS, load_solutions

solutions = load_solutions(CHAPTERS / "09_transformer")


def check(name, fn):
    return getattr(ch09, name).check(fn)


def test_solutions_agree_with_pytorch_and_the_course_module():
    rng = np.random.default_rng(0)
    q, k, v = rng.standard_normal((2, 3, 5, 4)), rng.standard_normal((2, 3, 6, 4)), rng.standard_normal((2, 3, 6, 2))
    mask = np.arange(6) < np.array([6, 3])[:, None, None, None]
    out, weights = solutions.scaled_dot_product_attention(q, k, v, mask)
    expected = F.scaled_dot_product_attention(*map(torch.tensor, (q, k, v)), attn_mask=torch.tensor(mask))
    np.testing.assert_allclose(out, expected.numpy(), rtol=1e-10)
    assert np.all(weights[1, ..., 3:] == 0)
    x = rng.standard_normal((2, 5, 8))
    np.testing.assert_array_equal(solutions.split_heads(x, 4), np_tf.split_heads(x, 4))
    np.testing.assert_array_equal(solutions.merge_heads(solutions.split_heads(x, 4)), x)
    np.testing.assert_allclose(solutions.positional_encoding(30, 12), np_tf.positional_encoding(30, 12))
    ln = torch.nn.LayerNorm(8, dtype=torch.float64)
    np.testing.assert_allclose(
        solutions.layer_norm(x, np.ones(8), np.zeros(8)), ln(torch.tensor(x)).detach().numpy(), rtol=1e-10, atol=1e-12
    )
    np.testing.assert_array_equal(solutions.causal_mask(5), np_tf.causal_mask(5))


# --------------------------------------------------------------------------- plausible wrong answers
def _softmax(x, axis=-1):
    z = np.exp(x - x.max(axis=axis, keepdims=True))
    return z / z.sum(axis=axis, keepdims=True)


def _sdpa(q, k, v, mask=None, scale=None, axis=-1, mask_after=False, naive=False, invert=False, global_max=False,
          max_before_mask=False):
    """The right attention, or one with a single slip switched on."""
    scale = np.sqrt(q.shape[-1]) if scale is None else scale(q.shape[-1])
    scores = q @ np.swapaxes(k, -1, -2) / scale
    if mask is not None and invert:
        mask = ~mask
    if max_before_mask:
        scores = scores - scores.max(axis=-1, keepdims=True)  # the blocked keys' scores count in the maximum
    if mask is not None and not mask_after:
        scores = np.where(mask, scores, -np.inf)
    if naive or max_before_mask:
        e = np.exp(scores)  # overflows for large scores
        weights = e / e.sum(axis=-1, keepdims=True)
    elif global_max:
        e = np.exp(scores - scores.max())  # one maximum for the whole array: small rows underflow
        weights = e / e.sum(axis=-1, keepdims=True)
    else:
        weights = _softmax(scores, axis=axis)
    if mask is not None and mask_after:
        weights = np.where(mask, weights, 0.0)
    return weights @ v, weights


def _sdpa_scales_q_in_place(q, k, v, mask=None):
    q /= np.sqrt(q.shape[-1])  # right answer, but the caller's q is changed
    scores = q @ np.swapaxes(k, -1, -2)
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    weights = _softmax(scores)
    return weights @ v, weights


def _sdpa_fill_minus_1e9_no_max(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -1e9)
    e = np.exp(scores)
    weights = e / e.sum(axis=-1, keepdims=True)
    return weights @ v, weights


def _split_heads_reshapes_x_in_place(x, num_heads):
    N, T, D = x.shape
    x.shape = (N, T, num_heads, D // num_heads)  # changes the caller's array
    return x.transpose(0, 2, 1, 3)


def _layer_norm_in_place(x, gamma, beta, eps=1e-5):
    x -= x.mean(axis=-1, keepdims=True)
    x /= np.sqrt(x.var(axis=-1, keepdims=True) + eps)
    return gamma * x + beta


def _layer_norm_keeps_dtype(x, gamma, beta, eps=1e-5):
    out = np.zeros_like(x)  # an integer x gives an integer result: the values are cut
    out[...] = gamma * (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + eps) + beta
    return out


def _layer_norm_fixed_eps(x, gamma, beta, eps=1e-5):
    return gamma * (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-5) + beta


def _positional_encoding_int(max_len, d_model):
    pe = np.zeros((max_len, d_model), dtype=int)  # sin and cos are cut to integers
    pe[:] = solutions.positional_encoding(max_len, d_model)
    return pe


WRONG = {
    "causal_mask": [
        (lambda T: np.triu(np.ones((T, T), dtype=bool)), "upper triangle"),
        (lambda T: ~np.tril(np.ones((T, T), dtype=bool)), "inverted"),
        (lambda T: np.tril(np.ones((T, T), dtype=bool), k=-1), "diagonal"),
        (lambda T: np.tril(np.ones((T, T))), "dtype"),
        (lambda T: np.tril(np.ones((T + 1, T + 1), dtype=bool)), "wrong shape"),
        (lambda T: [[j <= i for j in range(T)] for i in range(T)], "NumPy array"),
    ],
    "scaled_dot_product_attention": [
        (lambda q, k, v, mask=None: _sdpa(q, k, v, mask, scale=lambda d: 1.0), "sqrt(d_k)"),
        (lambda q, k, v, mask=None: _sdpa(q, k, v, mask, scale=lambda d: d), "not by d_k"),
        (lambda q, k, v, mask=None: _sdpa(q, k, v, mask, axis=-2), "over the keys"),
        (lambda q, k, v, mask=None: _sdpa(q, k, v, mask, mask_after=True), "before the softmax"),
        (lambda q, k, v, mask=None: _sdpa(q, k, v, mask, invert=True), "MAY attend"),
        (lambda q, k, v, mask=None: _sdpa(q, k, v, mask, naive=True), "maximum"),
        (lambda q, k, v, mask=None: _sdpa(q, k, v, mask, global_max=True), "own maximum"),
        (lambda q, k, v, mask=None: _sdpa(q, k, v, mask, max_before_mask=True), "maximum after masking"),
        (_sdpa_fill_minus_1e9_no_max, "got nan"),
        (_sdpa_scales_q_in_place, "changed its input `q` in place"),
        (lambda q, k, v, mask=None: _sdpa(q, k, v, mask)[0], "expected a tuple (out, weights)"),
        (lambda q, k, v, mask=None: _sdpa(q, k, v, mask)[::-1], "wrong shape of the out"),
        (lambda q, k, v, mask=None: (lambda w: (w @ v, w))(_softmax(q @ k.transpose(0, 2, 1))), "raised"),
    ],
    "split_heads": [
        (lambda x, h: x.reshape(x.shape[0], h, x.shape[1], -1), "swap the T and h axes"),
        (lambda x, h: x.reshape(*x.shape[:2], -1, h).transpose(0, 3, 1, 2), "contiguous block"),
        (lambda x, h: x.reshape(*x.shape[:2], h, -1), "wrong shape"),
        (_split_heads_reshapes_x_in_place, "changed its input `x` in place"),
    ],
    "merge_heads": [
        (lambda x: x.reshape(x.shape[0], x.shape[2], -1), "move the head axis"),
        (lambda x: x.transpose(0, 2, 3, 1).reshape(x.shape[0], x.shape[2], -1), "side by side"),
        (lambda x: x.transpose(0, 2, 1, 3).reshape(x.shape[0], -1), "wrong shape"),
    ],
    "positional_encoding": [
        (lambda n, d: np.concatenate([solutions.positional_encoding(n, d)[:, 0::2],
                                      solutions.positional_encoding(n, d)[:, 1::2]], axis=1), "interleave"),
        (lambda n, d: solutions.positional_encoding(n, d)[:, np.arange(d) ^ 1], "not the other way round"),
        (lambda n, d: solutions.positional_encoding(n + 1, d)[1:], "positions start at 0"),
        (lambda n, d: (lambda pos, w: np.stack([np.sin(pos * w), np.cos(pos * w)], -1).reshape(n, d))(
            np.arange(n)[:, None], 1.0 / 10000 ** (np.arange(d // 2) / d)), "2i / d_model"),
        (lambda n, d: solutions.positional_encoding(n, d).T, "wrong shape"),
        (_positional_encoding_int, "wrong value"),
    ],
    "layer_norm": [
        (lambda x, g, b, eps=1e-5: g * (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, ddof=1, keepdims=True) + eps)
         + b, "biased variance"),
        (lambda x, g, b, eps=1e-5: g * (x - x.mean(0, keepdims=True)) / np.sqrt(x.var(0, keepdims=True) + eps) + b,
         "not over the batch"),
        (lambda x, g, b, eps=1e-5: g * (x - x.mean(-1, keepdims=True)) / (x.std(-1, keepdims=True) + eps) + b,
         "inside the square root"),
        (lambda x, g, b, eps=1e-5: (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + eps) + b,
         "wrong value"),  # forgot gamma
        (lambda x, g, b, eps=1e-5: None, "forget `return`"),
        (_layer_norm_fixed_eps, "the eps that is passed in"),
        (_layer_norm_in_place, "changed its input `x` in place"),
        (_layer_norm_keeps_dtype, "case: integer x"),
    ],
}
CASES = [(name, fn, word) for name, wrongs in WRONG.items() for fn, word in wrongs]


@pytest.mark.parametrize("name, fn, word", CASES, ids=[f"{n}-{w}" for n, _, w in CASES])
def test_wrong_answers_are_rejected_with_a_useful_message(name, fn, word):
    with np.errstate(all="ignore"):  # some slips overflow or divide by zero on purpose
        result = check(name, fn)
    assert not result.passed
    assert word in str(result), str(result)
    assert "case:" in result.message or "expected a tuple" in result.message


def test_layer_norm_without_eps_is_caught():
    def no_eps(x, g, b, eps=1e-5):
        with np.errstate(invalid="ignore", divide="ignore"):
            return g * (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True)) + b

    result = check("layer_norm", no_eps)
    assert not result.passed and "add eps" in str(result), str(result)


@pytest.mark.parametrize(
    "name, wrong, hint",
    [
        ("causal_mask", lambda T: np.triu(np.ones((T, T), dtype=bool)), "Hint: this is the upper triangle"),
        ("scaled_dot_product_attention", lambda q, k, v, mask=None: _sdpa(q, k, v, mask, scale=lambda d: 1.0),
         "Hint: divide the scores by sqrt(d_k)"),
        ("scaled_dot_product_attention", lambda q, k, v, mask=None: _sdpa(q, k, v, mask, naive=True),
         "Hint: exp overflowed"),
        ("scaled_dot_product_attention", lambda q, k, v, mask=None: _sdpa(q, k, v, mask, mask_after=True),
         "Hint: apply the mask to the scores before the softmax"),
        ("split_heads", lambda x, h: x.reshape(x.shape[0], h, x.shape[1], -1), "Hint: reshape to (N, T, h, d) first"),
        ("merge_heads", lambda x: x.reshape(x.shape[0], x.shape[2], -1), "Hint: move the head axis"),
        ("positional_encoding", lambda n, d: solutions.positional_encoding(n + 1, d)[1:], "Hint: positions start at 0"),
        ("layer_norm", lambda x, g, b, eps=1e-5: g * (x - x.mean(-1, keepdims=True))
         / np.sqrt(x.var(-1, ddof=1, keepdims=True) + eps) + b, "Hint: use the biased variance"),
    ],
    ids=["mask-triu", "sdpa-no-scale", "sdpa-overflow", "sdpa-mask-after", "split-reshape", "merge-reshape",
         "pe-from-one", "ln-unbiased"],
)
def test_a_classic_mistake_is_named(name, wrong, hint):
    with np.errstate(all="ignore"):
        assert hint in check(name, wrong).message


def test_float32_and_legacy_calls_are_accepted():
    assert check("layer_norm", lambda x, g, b, eps=1e-5: solutions.layer_norm(x, g, b, eps).astype(np.float32))
    assert ch09.check_causal_mask(solutions.causal_mask), "the first edition's checks.check_<name>(fn) still works"


def test_checkers_survive_hostile_answers():
    """A checker never raises: strings, wrong types and exceptions all become verdicts."""
    for name in ch09.CHAPTER.exercises:
        for fn in (lambda *a, **k: "nonsense", lambda *a, **k: 1 / 0, lambda *a, **k: (None, None)):
            result = check(name, fn)
            assert not result.passed and str(result).startswith(f"FAIL {name}")
