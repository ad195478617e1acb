"""Checkers for chapter 09 (the Transformer).

One ``check_<name>(fn)`` per exercise of ``chapters/09_transformer/exercises.ipynb``. The reference
answers live here, next to their checkers; each checker calls the learner's code on random and
edge-case inputs and returns a :class:`~common.checks.CheckResult`. When an answer is wrong in a
way we recognise (a common slip such as a missing scale or a wrong axis), the message says so.
"""
from __future__ import annotations

import numpy as np

from common.checks import CheckResult, case, check_function, compare_values

_RNG_SEED = 9


def _rng(offset: int = 0) -> np.random.Generator:
    return np.random.default_rng(_RNG_SEED + offset)


def _as_array(got):
    """A torch tensor becomes a NumPy array; anything else is returned unchanged."""
    return got.detach().cpu().numpy() if hasattr(got, "detach") else got


def _hinted(expected, got, args, slips, rtol=1e-6, atol=1e-9, what="result"):
    """compare_values, plus a hint when ``got`` equals what a known slip ``wrong(*args)`` would return."""
    problem = compare_values(expected, _as_array(got), rtol=rtol, atol=atol, what=what)
    if problem is None or "wrong value" not in problem:
        return problem
    for wrong, hint in slips:
        try:
            with np.errstate(all="ignore"):  # a slip may divide by zero or overflow: that is its point
                slip = compare_values(wrong(*args), _as_array(got), rtol=rtol, atol=atol, what=what)
        except Exception:  # a slip that cannot run on this case says nothing
            continue
        if slip is None:
            return f"{problem}; {hint}"
    return problem


def _run(fn, reference, cases, name, slips, rtol=1e-6, atol=1e-9, what="result"):
    """check_function where each case's comparison may add a hint from ``slips``."""
    for c in cases:
        result = check_function(
            fn, reference, [c], name=name,
            compare=lambda e, g, c=c: _hinted(e, g, c.args, slips, rtol, atol, what),
        )
        if not result:
            return result
    return CheckResult(name, True, f"correct on all {len(cases)} cases")


# --------------------------------------------------------------------------- 1. causal_mask
def _ref_causal_mask(T: int) -> np.ndarray:
    return np.tril(np.ones((T, T), dtype=bool))


def check_causal_mask(fn) -> CheckResult:
    """Exercise 1: the (T, T) boolean look-ahead mask, True on and below the diagonal (may attend)."""
    cases = [case(f"T={T}", T) for T in (4, 1, 2, 7)]

    def compare(expected, got):
        got = _as_array(got)
        if got is None:
            return "the result is None: did you forget `return`?"
        if not isinstance(got, np.ndarray):
            return f"expected a NumPy array, got {type(got).__name__}"
        if got.dtype != np.bool_:
            return f"the mask has dtype {got.dtype}: make it boolean (dtype=bool), True where a query may attend"
        problem = compare_values(expected, got, rtol=0, atol=0, what="mask")
        if problem and "wrong value" in problem:
            if got.shape == expected.shape and np.array_equal(got, expected.T):
                problem += "; this is the upper triangle: query t (row) may look at keys 0..t (columns), so keep j <= i"
            elif got.shape == expected.shape and np.array_equal(got, ~expected):
                problem += "; the mask is inverted: True must mean 'may attend' (on and below the diagonal)"
            elif got.shape == expected.shape and np.array_equal(got, np.tril(expected, k=-1)):
                problem += "; the diagonal is False: a position may always attend to itself"
        return problem

    return check_function(fn, _ref_causal_mask, cases, name="causal_mask", compare=compare)


# --------------------------------------------------------------------------- 2. scaled_dot_product_attention
def _softmax(x, axis=-1):
    z = np.exp(x - x.max(axis=axis, keepdims=True))
    return z / z.sum(axis=axis, keepdims=True)


def _ref_sdpa(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    weights = _softmax(scores)
    return weights @ v, weights


def _sdpa_no_scale(q, k, v, mask=None):
    return _ref_sdpa(q * np.sqrt(q.shape[-1]), k, v, mask)


def _sdpa_scale_by_d(q, k, v, mask=None):
    return _ref_sdpa(q / np.sqrt(q.shape[-1]), k, v, mask)


def _sdpa_wrong_axis(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    weights = _softmax(scores, axis=-2)
    return weights @ v, weights


def _sdpa_mask_after_softmax(q, k, v, mask=None):
    weights = _softmax(q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1]))
    if mask is not None:
        weights = np.where(mask, weights, 0.0)
    return weights @ v, weights


def _sdpa_inverted_mask(q, k, v, mask=None):
    return _ref_sdpa(q, k, v, None if mask is None else ~np.asarray(mask, dtype=bool))


def _sdpa_naive_softmax(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(scores)
        weights = e / e.sum(axis=-1, keepdims=True)
        return weights @ v, weights


_SDPA_SLIPS = [
    (_sdpa_naive_softmax, "exp overflowed: subtract each row's maximum score before np.exp (the softmax is unchanged)"),
    (_sdpa_no_scale, "did you divide the scores by sqrt(d_k), the size of the last axis of q?"),
    (_sdpa_scale_by_d, "divide by sqrt(d_k), not by d_k"),
    (_sdpa_wrong_axis, "take the softmax over the keys (the last axis), so each query's weights sum to 1"),
    (_sdpa_mask_after_softmax, "apply the mask to the scores before the softmax (-inf where blocked), so the weights "
                               "still sum to 1"),
    (_sdpa_inverted_mask, "the mask is True where a query MAY attend: block the positions where it is False"),
]


def check_scaled_dot_product_attention(fn) -> CheckResult:
    """Exercise 2: ``(out, weights)`` of softmax(q k^T / sqrt(d) masked) v over any leading axes."""
    rng = _rng(2)
    r = rng.standard_normal
    pad = np.arange(6) < np.array([6, 4, 1])[:, None, None]  # (3, 1, 6): 0, 2 and 5 PAD keys
    cases = [
        case("2-D: q (3, 4), k (5, 4), v (5, 2), no mask", r((3, 4)), r((5, 4)), r((5, 2))),
        case("batch: q (2, 3, 8), k (2, 6, 8), v (2, 6, 5)", r((2, 3, 8)), r((2, 6, 8)), r((2, 6, 5))),
        case("a batch of 1 with one query and one key", r((1, 1, 3)), r((1, 1, 3)), r((1, 1, 3))),
        case("padding mask (3, 1, 6): rows keep 6, 4 and 1 keys", r((3, 4, 2)), r((3, 6, 2)), r((3, 6, 3)), pad),
        case("causal mask (5, 5) on self-attention", *(r((2, 5, 4)),) * 3, np.tril(np.ones((5, 5), dtype=bool))),
        case("heads: q, k, v (2, 3, 4, 4) and a causal mask", r((2, 3, 4, 4)), r((2, 3, 4, 4)), r((2, 3, 4, 4)),
             np.tril(np.ones((4, 4), dtype=bool))),
        case("large scores (q times 1000): subtract the max before exp",
             1000 * r((2, 3, 4)), r((2, 3, 4)), r((2, 3, 2))),
    ]
    name = "scaled_dot_product_attention"
    return _run(fn, _ref_sdpa, cases, name, _SDPA_SLIPS, what="(out, weights)")


# --------------------------------------------------------------------------- 3. split_heads
def _ref_split_heads(x, num_heads):
    N, T, D = x.shape
    return x.reshape(N, T, num_heads, D // num_heads).transpose(0, 2, 1, 3)


def _split_without_transpose(x, num_heads):
    N, T, D = x.shape
    return x.reshape(N, num_heads, T, D // num_heads)


def _split_interleaved(x, num_heads):
    N, T, D = x.shape
    return x.reshape(N, T, D // num_heads, num_heads).transpose(0, 3, 1, 2)


_HEAD_CASES = [(2, 3, 8, 4), (1, 1, 4, 1), (3, 5, 12, 3), (2, 4, 6, 6), (1, 7, 16, 2)]


def check_split_heads(fn) -> CheckResult:
    """Exercise 3: (N, T, D) -> (N, h, T, D/h), head i holding features i*d .. (i+1)*d - 1."""
    rng = _rng(3)
    cases = [case(f"x ({N}, {T}, {D}), {h} heads", rng.standard_normal((N, T, D)), h) for N, T, D, h in _HEAD_CASES]
    slips = [
        (_split_without_transpose, "reshape to (N, T, h, d) first, then swap the T and h axes: a plain reshape to "
                                   "(N, h, T, d) mixes positions"),
        (_split_interleaved, "head i takes a contiguous block of d features (i*d ... (i+1)*d - 1), not every h-th one"),
    ]
    return _run(fn, _ref_split_heads, cases, "split_heads", slips, rtol=0, atol=0)


# --------------------------------------------------------------------------- 4. merge_heads
def _ref_merge_heads(x):
    N, h, T, d = x.shape
    return x.transpose(0, 2, 1, 3).reshape(N, T, h * d)


def _merge_without_transpose(x):
    N, h, T, d = x.shape
    return x.reshape(N, T, h * d)


def check_merge_heads(fn) -> CheckResult:
    """Exercise 4: (N, h, T, d) -> (N, T, h*d), the inverse of split_heads."""
    rng = _rng(4)
    cases = [case(f"x ({N}, {h}, {T}, {D // h})", rng.standard_normal((N, h, T, D // h))) for N, T, D, h in _HEAD_CASES]
    slips = [(_merge_without_transpose, "move the head axis next to d first (N, T, h, d), then reshape: a plain "
                                        "reshape mixes positions")]
    return _run(fn, _ref_merge_heads, cases, "merge_heads", slips, rtol=0, atol=0)


# --------------------------------------------------------------------------- 5. positional_encoding
def _ref_positional_encoding(max_len, d_model):
    pos = np.arange(max_len)[:, None]
    omega = 1.0 / 10000 ** (np.arange(0, d_model, 2) / d_model)
    pe = np.zeros((max_len, d_model))
    pe[:, 0::2] = np.sin(pos * omega)
    pe[:, 1::2] = np.cos(pos * omega)
    return pe


def _pe_blocks(max_len, d_model):
    pe = _ref_positional_encoding(max_len, d_model)
    return np.concatenate([pe[:, 0::2], pe[:, 1::2]], axis=1)


def _pe_i_not_2i(max_len, d_model):
    pos = np.arange(max_len)[:, None]
    omega = 1.0 / 10000 ** (np.arange(d_model // 2) / d_model)
    pe = np.zeros((max_len, d_model))
    pe[:, 0::2], pe[:, 1::2] = np.sin(pos * omega), np.cos(pos * omega)
    return pe


def _pe_swapped(max_len, d_model):
    pe = _ref_positional_encoding(max_len, d_model)
    return pe[:, np.arange(d_model) ^ 1]


def _pe_from_one(max_len, d_model):
    return _ref_positional_encoding(max_len + 1, d_model)[1:]


def check_positional_encoding(fn) -> CheckResult:
    """Exercise 5: PE[pos, 2i] = sin(pos / 10000^(2i/d)), PE[pos, 2i+1] = cos(same)."""
    cases = [case(f"max_len={n}, d_model={d}", n, d) for n, d in ((10, 4), (1, 2), (50, 16), (7, 6), (128, 64))]
    slips = [
        (_pe_blocks, "interleave the columns: sin in the even columns 0, 2, 4 ..., cos in the odd ones (not all sines "
                     "then all cosines)"),
        (_pe_i_not_2i, "the exponent is 2i / d_model, where 2i is the even column index (0, 2, 4, ...)"),
        (_pe_swapped, "sin goes in the even columns and cos in the odd ones, not the other way round"),
        (_pe_from_one, "positions start at 0: the first row is sin 0 = 0, cos 0 = 1"),
    ]
    return _run(fn, _ref_positional_encoding, cases, "positional_encoding", slips)


# --------------------------------------------------------------------------- 6. layer_norm
def _ref_layer_norm(x, gamma, beta, eps=1e-5):
    mu = x.mean(axis=-1, keepdims=True)
    var = x.var(axis=-1, keepdims=True)
    return gamma * (x - mu) / np.sqrt(var + eps) + beta


def _ln_unbiased(x, gamma, beta, eps=1e-5):
    mu = x.mean(axis=-1, keepdims=True)
    var = x.var(axis=-1, keepdims=True, ddof=1)
    return gamma * (x - mu) / np.sqrt(var + eps) + beta


def _ln_batch_axis(x, gamma, beta, eps=1e-5):
    mu = x.mean(axis=0, keepdims=True)
    var = x.var(axis=0, keepdims=True)
    return gamma * (x - mu) / np.sqrt(var + eps) + beta


def _ln_no_eps(x, gamma, beta, eps=1e-5):
    return _ref_layer_norm(x, gamma, beta, 0.0)


def _ln_std_plus_eps(x, gamma, beta, eps=1e-5):
    mu = x.mean(axis=-1, keepdims=True)
    return gamma * (x - mu) / (x.std(axis=-1, keepdims=True) + eps) + beta


def check_layer_norm(fn) -> CheckResult:
    """Exercise 6: normalise every token over its features (the last axis), then scale by gamma and shift by beta."""
    rng = _rng(6)
    r = rng.standard_normal

    def ln_case(label, shape, eps=1e-5, x=None):
        x = 3 * r(shape) + 2 if x is None else x
        return case(label, x, r(shape[-1]), r(shape[-1]), eps)

    cases = [
        ln_case("x (4, 6)", (4, 6)),
        ln_case("x (2, 5, 8): tokens of a batch of sequences", (2, 5, 8)),
        ln_case("a batch of 1 token", (1, 5)),
        ln_case("a constant row (variance 0: the output is beta)", (2, 4), x=np.array([[3.0] * 4, [1.0, 2, 3, 4]])),
        ln_case("eps=0.5 (large, to see it used)", (3, 4), eps=0.5),
        ln_case("non-square (8, 3)", (8, 3)),
    ]
    slips = [
        (_ln_unbiased, "use the biased variance (divide by D, np.var's default), as nn.LayerNorm does"),
        (_ln_batch_axis, "normalise over the features of each token (the last axis), not over the batch"),
        (_ln_no_eps, "add eps to the variance inside the square root"),
        (_ln_std_plus_eps, "eps goes inside the square root: sqrt(var + eps), not std + eps"),
    ]
    return _run(fn, _ref_layer_norm, cases, "layer_norm", slips)


__all__ = [
    "check_causal_mask",
    "check_scaled_dot_product_attention",
    "check_split_heads",
    "check_merge_heads",
    "check_positional_encoding",
    "check_layer_norm",
]
