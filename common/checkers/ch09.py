"""Exercises of chapter 09, the Transformer: ``checks.<name>.check(fn)``, ``.hint()``, ``.solution()``.

The reference answers are the chapter's ``solutions.py``; this module holds what is specific to each
exercise: its cases, the brief's worked example, classic mistakes and hints.
"""
from __future__ import annotations

import numpy as np

from common.checks import Chapter, case, compare_values, example, named_parts

CHAPTER = Chapter("09_transformer")
__getattr__ = CHAPTER.legacy


def _rng(offset: int = 0) -> np.random.Generator:
    return np.random.default_rng(9 + offset)


def _tril(T: int) -> np.ndarray:
    return np.tril(np.ones((T, T), dtype=bool))


# --------------------------------------------------------------------------- 1. causal_mask
def _compare_mask(expected, got, rtol=0.0, atol=0.0) -> str | None:
    if got is None:
        return "the mask is None: did you forget `return`?"
    dtype = getattr(got, "dtype", None)
    if dtype is not None and dtype != np.bool_:
        return f"the mask has dtype {dtype}: make it boolean (dtype=bool), True where a query may attend"
    return compare_values(expected, got, 0, 0, what="mask")


causal_mask = CHAPTER.exercise(
    "causal_mask",
    examples=[example(np.array([[True, False, False], [True, True, False], [True, True, True]]),
                      "the brief's example, T=3", 3)],
    cases=[case(f"T={T}", T) for T in (4, 1, 2, 7)] + [case("T=5 given as a NumPy integer", np.int64(5))],
    compare=_compare_mask,
    returns=np.ndarray,
    mistakes=[
        (lambda T: np.triu(np.ones((T, T), dtype=bool)),
         "this is the upper triangle: query i (row) may look at keys 0..i (columns), so keep j <= i"),
        (lambda T: ~_tril(T), "the mask is inverted: True must mean 'may attend' (on and below the diagonal)"),
        (lambda T: np.tril(np.ones((T, T), dtype=bool), k=-1),
         "the diagonal is False: a position may always attend to itself"),
    ],
    hints=[
        "Row i is query i, column j is key j; query i may look at keys 0..i. That is a lower triangle, diagonal "
        "included.",
        "Start from a (T, T) array of ones of dtype bool and keep its lower triangle: `np.tril` does that.",
        "`return np.tril(np.ones((T, T), dtype=bool))`.",
    ],
)


# --------------------------------------------------------------------------- 2. scaled_dot_product_attention
def _softmax(x, axis=-1):
    z = np.exp(x - x.max(axis=axis, keepdims=True))
    return z / z.sum(axis=axis, keepdims=True)


def _sdpa(q, k, v, mask=None, scale=None, axis=-1, mask_after=False, invert=False, naive=False, global_max=False,
          max_before_mask=False):
    """Attention with one classic slip switched on (all off: the right answer)."""
    scores = q @ np.swapaxes(k, -1, -2) / (np.sqrt(q.shape[-1]) if scale is None else scale(q.shape[-1]))
    if mask is not None and invert:
        mask = ~np.asarray(mask, dtype=bool)
    if max_before_mask:
        scores = scores - scores.max(axis=-1, keepdims=True)
    if mask is not None and not mask_after:
        scores = np.where(mask, scores, -np.inf)
    if naive or max_before_mask:
        e = np.exp(scores)
        weights = e / e.sum(axis=-1, keepdims=True)
    elif global_max:
        e = np.exp(scores - scores.max())
        weights = e / e.sum(axis=-1, keepdims=True)
    else:
        weights = _softmax(scores, axis=axis)
    if mask is not None and mask_after:
        weights = np.where(mask, weights, 0.0)
    return weights @ v, weights


def _sdpa_cases():
    r = _rng(2).standard_normal
    pad = np.arange(6) < np.array([6, 4, 1])[:, None, None]  # (3, 1, 6): 0, 2 and 5 PAD keys
    scales = np.array([1000.0, 1.0, 0.001])[:, None, None]
    k_big = r((2, 5, 4))
    k_big[:, 3:] *= 3000  # two blocked keys, far longer than the others ...
    unit = k_big[:, 4:5] / np.linalg.norm(k_big[:, 4:5], axis=-1, keepdims=True)
    q_big = 5 * np.repeat(unit, 3, axis=1) + r((2, 3, 4))  # ... and every query points at the last one
    big_pad = np.arange(5) < 3  # so a blocked score is by far the largest of its row
    return [
        case("2-D: q (3, 4), k (5, 4), v (5, 2), no mask", r((3, 4)), r((5, 4)), r((5, 2))),
        case("batch: q (2, 3, 8), k (2, 6, 8), v (2, 6, 5)", r((2, 3, 8)), r((2, 6, 8)), r((2, 6, 5))),
        case("a batch of 1 with one query and one key", r((1, 1, 3)), r((1, 1, 3)), r((1, 1, 3))),
        case("padding mask (3, 1, 6): rows keep 6, 4 and 1 keys", r((3, 4, 2)), r((3, 6, 2)), r((3, 6, 3)), pad),
        case("causal mask (5, 5) on self-attention", *(r((2, 5, 4)),) * 3, _tril(5)),
        case("heads: q, k, v (2, 3, 4, 4) and a causal mask", r((2, 3, 4, 4)), r((2, 3, 4, 4)), r((2, 3, 4, 4)),
             _tril(4)),
        case("large scores (q times 1000)", 1000 * r((2, 3, 4)), r((2, 3, 4)), r((2, 3, 2))),
        case("rows on very different scales (q times 1000, 1 and 0.001)", scales * r((3, 2, 4)), r((3, 5, 4)),
             r((3, 5, 2))),
        case("a blocked key with by far the largest score in every row", q_big, k_big, r((2, 5, 3)), big_pad),
    ]


scaled_dot_product_attention = CHAPTER.exercise(
    "scaled_dot_product_attention",
    examples=[
        example((np.array([[0.6697615493266569, 0.3302384506733431], [0.3302384506733431, 0.6697615493266569]]),) * 2,
                "the brief's example: q = k = v = np.eye(2), no mask", np.eye(2), np.eye(2), np.eye(2)),
        example((np.array([[1.0, 0.0], [0.3302384506733431, 0.6697615493266569]]),) * 2,
                "q = k = v = np.eye(2) with the causal mask of T=2", np.eye(2), np.eye(2), np.eye(2),
                np.array([[True, False], [True, True]])),
    ],
    cases=_sdpa_cases,
    compare=named_parts("out", "weights"),
    rtol=1e-6,
    atol=1e-9,
    mistakes=[
        (lambda q, k, v, mask=None: _sdpa(q, k, v, mask, naive=True),
         "exp overflowed: subtract each row's maximum score before np.exp (the softmax is unchanged)"),
        (lambda q, k, v, mask=None: _sdpa(q, k, v, mask, global_max=True),
         "subtract each row's own maximum (max over the last axis, keepdims=True), not one maximum of the "
         "whole array: rows with small scores underflow to 0"),
        (lambda q, k, v, mask=None: _sdpa(q, k, v, mask, max_before_mask=True),
         "take the maximum after masking: a blocked key's large score must not push the allowed ones to exp(...) = 0"),
        (lambda q, k, v, mask=None: _sdpa(q, k, v, mask, scale=lambda d: 1.0),
         "divide the scores by sqrt(d_k), the size of the last axis of q"),
        (lambda q, k, v, mask=None: _sdpa(q, k, v, mask, scale=lambda d: d), "divide by sqrt(d_k), not by d_k"),
        (lambda q, k, v, mask=None: _sdpa(q, k, v, mask, axis=-2),
         "take the softmax over the keys (the last axis), so each query's weights sum to 1"),
        (lambda q, k, v, mask=None: _sdpa(q, k, v, mask, mask_after=True),
         "apply the mask to the scores before the softmax (-inf where blocked), so the weights still sum to 1"),
        (lambda q, k, v, mask=None: _sdpa(q, k, v, mask, invert=True),
         "the mask is True where a query MAY attend: block the positions where it is False"),
    ],
    hints=[
        "Scores compare every query with every key (a matrix product), scaled by sqrt(d_k); blocked keys get -inf; "
        "a softmax over the keys turns each row of scores into weights; the weights average the values.",
        "`scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])` has shape (..., T, S). Mask with `np.where`, "
        "then subtract `scores.max(axis=-1, keepdims=True)` before `np.exp` and divide by the row sums.",
        "`scores = np.where(mask, scores, -np.inf)` if a mask is given; `e = np.exp(scores - scores.max(axis=-1, "
        "keepdims=True))`; `weights = e / e.sum(axis=-1, keepdims=True)`; `return weights @ v, weights`.",
    ],
)


# --------------------------------------------------------------------------- 3. split_heads
_HEAD_SHAPES = [(2, 3, 8, 4), (1, 1, 4, 1), (3, 5, 12, 3), (2, 4, 6, 6), (1, 7, 16, 2)]
# np.arange(12).reshape(1, 2, 6) cut into 3 heads
_SPLIT_EXAMPLE = np.array([[[[0, 1], [6, 7]], [[2, 3], [8, 9]], [[4, 5], [10, 11]]]])


def _split_cases():
    rng = _rng(3)
    return [case(f"x ({N}, {T}, {D}), {h} heads", rng.standard_normal((N, T, D)), h) for N, T, D, h in _HEAD_SHAPES]


split_heads = CHAPTER.exercise(
    "split_heads",
    examples=[
        example(np.arange(8).reshape(1, 4, 1, 2), "the brief's example: np.arange(8).reshape(1, 1, 8), 4 heads",
                np.arange(8).reshape(1, 1, 8), 4),
        example(_SPLIT_EXAMPLE, "np.arange(12).reshape(1, 2, 6): two positions, 3 heads",
                np.arange(12).reshape(1, 2, 6), 3),
    ],
    cases=_split_cases,
    rtol=0,
    atol=0,
    mistakes=[
        (lambda x, h: x.reshape(x.shape[0], h, x.shape[1], x.shape[2] // h),
         "reshape to (N, T, h, d) first, then swap the T and h axes: a plain reshape to (N, h, T, d) mixes positions"),
        (lambda x, h: x.reshape(*x.shape[:2], x.shape[2] // h, h).transpose(0, 3, 1, 2),
         "head i takes a contiguous block of d features (i*d ... (i+1)*d - 1), not every h-th one"),
    ],
    hints=[
        "First cut each position's D features into h blocks of d; then make the head axis come before the "
        "positions, so that each head sees a whole sequence.",
        "`x.reshape(N, T, h, D // h)` cuts the features; `.transpose(0, 2, 1, 3)` swaps the T and h axes.",
        "`N, T, D = x.shape` and `return x.reshape(N, T, num_heads, D // num_heads).transpose(0, 2, 1, 3)`.",
    ],
)


# --------------------------------------------------------------------------- 4. merge_heads
def _merge_cases():
    rng = _rng(4)
    return [case(f"x ({N}, {h}, {T}, {D // h})", rng.standard_normal((N, h, T, D // h))) for N, T, D, h in _HEAD_SHAPES]


merge_heads = CHAPTER.exercise(
    "merge_heads",
    examples=[example(np.arange(12).reshape(1, 2, 6),
                      "the brief's example: the heads of np.arange(12).reshape(1, 2, 6)", _SPLIT_EXAMPLE)],
    cases=_merge_cases,
    rtol=0,
    atol=0,
    mistakes=[
        (lambda x: x.reshape(x.shape[0], x.shape[2], -1),
         "move the head axis next to d first (N, T, h, d), then reshape: a plain reshape mixes positions"),
        (lambda x: x.transpose(0, 2, 3, 1).reshape(x.shape[0], x.shape[2], -1),
         "put the heads side by side (N, T, h, d) before the reshape, not (N, T, d, h): head i's features come "
         "as one block"),
    ],
    hints=[
        "Undo split_heads step by step, in reverse order: first bring the positions back in front of the heads, "
        "then glue the heads' features together.",
        "`x.transpose(0, 2, 1, 3)` has shape (N, T, h, d); a reshape to (N, T, h * d) puts the heads side by side.",
        "`N, h, T, d = x.shape` and `return x.transpose(0, 2, 1, 3).reshape(N, T, h * d)`.",
    ],
)


# --------------------------------------------------------------------------- 5. positional_encoding
def _pe(max_len, d_model, exponent=None, start=0):
    pos = np.arange(start, start + max_len)[:, None]
    two_i = np.arange(0, d_model, 2) if exponent is None else exponent(d_model)
    angle = pos / 10000 ** (two_i / d_model)
    pe = np.zeros((max_len, d_model))
    pe[:, 0::2], pe[:, 1::2] = np.sin(angle), np.cos(angle)
    return pe


positional_encoding = CHAPTER.exercise(
    "positional_encoding",
    examples=[example(np.array([[0.0, 1.0, 0.0, 1.0],
                                [0.8414709848078965, 0.5403023058681398, 0.009999833334166664, 0.9999500004166653]]),
                      "the brief's example: max_len=2, d_model=4", 2, 4)],
    cases=[case(f"max_len={n}, d_model={d}", n, d) for n, d in ((10, 4), (1, 2), (50, 16), (7, 6), (128, 64))],
    rtol=1e-6,
    atol=1e-9,
    mistakes=[
        (lambda n, d: np.concatenate([_pe(n, d)[:, 0::2], _pe(n, d)[:, 1::2]], axis=1),
         "interleave the columns: sin in the even columns 0, 2, 4 ..., cos in the odd ones (not all sines then all "
         "cosines)"),
        (lambda n, d: _pe(n, d, exponent=lambda d: np.arange(d // 2)),
         "the exponent is 2i / d_model, where 2i is the even column index (0, 2, 4, ...)"),
        (lambda n, d: _pe(n, d)[:, np.arange(d) ^ 1],
         "sin goes in the even columns and cos in the odd ones, not the other way round"),
        (lambda n, d: _pe(n, d, start=1), "positions start at 0: the first row is sin 0 = 0, cos 0 = 1"),
    ],
    hints=[
        "Every pair of columns (2i, 2i+1) shares one frequency; position pos turns it into an angle. Even columns "
        "hold the sine of that angle, odd columns its cosine.",
        "Make positions a column `np.arange(max_len)[:, None]` and the even indices a row `np.arange(0, d_model, 2)`; "
        "broadcasting gives the (max_len, d_model / 2) angles. Fill `pe[:, 0::2]` and `pe[:, 1::2]` of a zero array.",
        "`angle = pos / 10000 ** (np.arange(0, d_model, 2) / d_model)`, `pe = np.zeros((max_len, d_model))`, "
        "`pe[:, 0::2] = np.sin(angle)`, `pe[:, 1::2] = np.cos(angle)`, `return pe`.",
    ],
)


# --------------------------------------------------------------------------- 6. layer_norm
def _ln(x, gamma, beta, eps=1e-5, axis=-1, ddof=0, eps_outside=False):
    x = np.asarray(x, dtype=float)
    mu = x.mean(axis=axis, keepdims=True)
    if eps_outside:
        return gamma * (x - mu) / (x.std(axis=axis, keepdims=True, ddof=ddof) + eps) + beta
    return gamma * (x - mu) / np.sqrt(x.var(axis=axis, keepdims=True, ddof=ddof) + eps) + beta


def _ln_cases():
    r = _rng(6).standard_normal

    def ln_case(label, x, eps=None):
        d = np.shape(x)[-1]
        extra = () if eps is None else (eps,)
        return case(label, x, r(d), r(d), *extra)

    return [
        ln_case("x (4, 6)", 3 * r((4, 6)) + 2, 1e-5),
        ln_case("x (2, 5, 8): tokens of a batch of sequences", 3 * r((2, 5, 8)) + 2, 1e-5),
        ln_case("a batch of 1 token, eps left at its default", 3 * r((1, 5)) + 2),
        ln_case("a constant row (variance 0: the output is beta)", np.array([[3.0] * 4, [1.0, 2, 3, 4]]), 1e-5),
        ln_case("eps=0.5 (large, to see it used)", 3 * r((3, 4)) + 2, 0.5),
        ln_case("non-square (8, 3)", 3 * r((8, 3)) + 2, 1e-5),
        ln_case("rows of tiny variance (std 0.001: where eps goes matters)", 1 + 1e-3 * r((3, 6)), 1e-5),
        ln_case("rows on very different scales (1000 and 0.01)", np.array([[1000.0], [0.01]]) * r((2, 5)), 1e-5),
        ln_case("integer x", np.array([[1, 2, 3, 4], [2, 2, 8, 0]]), 1e-5),
    ]


layer_norm = CHAPTER.exercise(
    "layer_norm",
    examples=[example(np.array([[-0.9999950000374997, 0.9999950000374997]]),
                      "the brief's example: x = [[1, 3]], gamma = 1, beta = 0", np.array([[1.0, 3.0]]), np.ones(2),
                      np.zeros(2))],
    cases=_ln_cases,
    rtol=1e-6,
    atol=1e-9,
    mistakes=[
        (lambda x, g, b, eps=1e-5: _ln(x, g, b, eps, ddof=1),
         "use the biased variance (divide by D, np.var's default), as nn.LayerNorm does"),
        (lambda x, g, b, eps=1e-5: _ln(x, g, b, eps, axis=0),
         "normalise over the features of each token (the last axis), not over the batch"),
        (lambda x, g, b, eps=1e-5: _ln(x, g, b, 0.0), "add eps to the variance inside the square root"),
        (lambda x, g, b, eps=1e-5: _ln(x, g, b, eps, eps_outside=True),
         "eps goes inside the square root: sqrt(var + eps), not std + eps"),
        (lambda x, g, b, eps=1e-5: _ln(x, g, b, 1e-5), "use the eps that is passed in, not a fixed 1e-5"),
    ],
    hints=[
        "Each token is normalised on its own: its mean and variance are taken over its D features (the last axis). "
        "Then gamma scales and beta shifts every feature.",
        "`x.mean(axis=-1, keepdims=True)` and `x.var(axis=-1, keepdims=True)` have shape (..., 1) and broadcast "
        "against x; eps goes inside the square root, next to the variance.",
        "`mu = x.mean(axis=-1, keepdims=True)`, `var = x.var(axis=-1, keepdims=True)` and "
        "`return gamma * (x - mu) / np.sqrt(var + eps) + beta`.",
    ],
)
