"""Chapter 09 checkers: the reference solutions pass, and plausible mistakes are caught with a useful message."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from common import transformer as np_tf
from common.checkers import ch09
from conftest import CHAPTERS, load_solutions

solutions = load_solutions(CHAPTERS / "09_transformer")

NAMES = [
    "causal_mask", "scaled_dot_product_attention", "split_heads", "merge_heads", "positional_encoding", "layer_norm",
]


def check(name, fn):
    return getattr(ch09, f"check_{name}")(fn)


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


def _sdpa(q, k, v, mask=None, scale=None, axis=-1, mask_after=False, naive=False, invert=False):
    """The right attention, or one with a single slip switched on."""
    scale = np.sqrt(q.shape[-1]) if scale is None else scale(q.shape[-1])
    scores = q @ np.swapaxes(k, -1, -2) / scale
    if mask is not None and invert:
        mask = ~mask
    if mask is not None and not mask_after:
        scores = np.where(mask, scores, -np.inf)
    if naive:
        e = np.exp(scores)  # overflows for large scores
        weights = e / e.sum(axis=-1, keepdims=True)
    else:
        weights = _softmax(scores, axis=axis)
    if mask is not None and mask_after:
        weights = np.where(mask, weights, 0.0)
    return weights @ v, weights


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
        (lambda q, k, v, mask=None: _sdpa(q, k, v, mask)[0], "sequence of 2 items"),
        (lambda q, k, v, mask=None: (lambda w: (w @ v, w))(_softmax(q @ k.transpose(0, 2, 1))), "raised"),
    ],
    "split_heads": [
        (lambda x, h: x.reshape(x.shape[0], h, x.shape[1], -1), "swap the T and h axes"),
        (lambda x, h: x.reshape(*x.shape[:2], -1, h).transpose(0, 3, 1, 2), "contiguous block"),
        (lambda x, h: x.reshape(*x.shape[:2], h, -1), "wrong shape"),
    ],
    "merge_heads": [
        (lambda x: x.reshape(x.shape[0], x.shape[2], -1), "move the head axis"),
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
    ],
}
CASES = [(name, fn, word) for name, wrongs in WRONG.items() for fn, word in wrongs]


@pytest.mark.parametrize("name, fn, word", CASES, ids=[f"{n}-{w}" for n, _, w in CASES])
def test_wrong_answers_are_rejected_with_a_useful_message(name, fn, word):
    with np.errstate(all="ignore"):  # some slips overflow or divide by zero on purpose
        result = check(name, fn)
    assert not result.passed
    assert word in str(result), str(result)


def test_layer_norm_without_eps_is_caught():
    def no_eps(x, g, b, eps=1e-5):
        with np.errstate(invalid="ignore", divide="ignore"):
            return g * (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True)) + b

    result = check("layer_norm", no_eps)
    assert not result.passed and "add eps" in str(result), str(result)


def test_checkers_survive_hostile_answers():
    """A checker never raises: strings, wrong types and exceptions all become verdicts."""
    for name in NAMES:
        for fn in (lambda *a, **k: "nonsense", lambda *a, **k: 1 / 0, lambda *a, **k: (None, None)):
            result = check(name, fn)
            assert not result.passed and str(result).startswith(f"❌ {name}")
