"""Checkers for chapter 08 (attention).

One ``check_<name>(fn)`` per exercise of ``chapters/08_attention/exercises.ipynb``. The reference
answers live here, next to their checkers; each checker calls the learner's code on random and
edge-case inputs (a batch of 1, one key, zeros, huge scores, padding, non-square shapes) and
returns a :class:`~common.checks.CheckResult` that says what is wrong.
"""
from __future__ import annotations

import numpy as np

from common.checks import CheckResult, case, check_function, compare_values

_RNG_SEED = 8


def _rng(offset: int = 0) -> np.random.Generator:
    return np.random.default_rng(_RNG_SEED + offset)


def _as_float_array(got, what: str):
    """(array, None), or (None, a sentence) when ``got`` is not a numeric array."""
    if got is None:
        return None, f"the {what} is None: did you forget `return`?"
    if hasattr(got, "detach"):
        got = got.detach().cpu().numpy()
    try:
        return np.asarray(got, dtype=np.float64), None
    except (TypeError, ValueError):
        return None, f"expected the {what} to be a NumPy array, got {type(got).__name__}"


def _pair(got, names: tuple[str, str]):
    """Split a returned pair, or say why it is not one."""
    if got is None:
        return None, "the result is None: did you forget `return`?"
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        return None, f"expected a pair ({names[0]}, {names[1]}), got {type(got).__name__}"
    return got, None


def _padding_mask(rng, n: int, s: int) -> np.ndarray:
    """(n, s) bool, True for real tokens: row i keeps its first length_i >= 1 positions."""
    lengths = rng.integers(1, s + 1, size=n)
    lengths[0] = max(1, s - 1)  # at least one row really is padded
    return np.arange(s)[None, :] < lengths[:, None]


# --------------------------------------------------------------------------- 1. masked_softmax
def _check_masked(fn, reference, cases, name: str, compare, mask_arg: int) -> CheckResult:
    """``check_function`` case by case, with ``compare(expected, got, mask)`` told each case's mask."""
    for c in cases:
        result = check_function(fn, reference, [c], name=name,
                                compare=lambda e, g, m=c.args[mask_arg]: compare(e, g, m))
        if not result:
            return result
    return CheckResult(name, True, f"correct on all {len(cases)} cases")


def _ref_masked_softmax(scores, mask=None):
    scores = np.asarray(scores, dtype=np.float64)
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    z = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return z / z.sum(axis=-1, keepdims=True)


def _compare_weights(expected, got, mask=None) -> str | None:
    got, problem = _as_float_array(got, "weights")
    if problem:
        return problem
    if got.shape != expected.shape:
        return compare_values(expected, got, what="weights")
    if np.isnan(got).any():
        return "the weights contain NaN: exp overflowed? subtract each row's maximum before np.exp"
    if mask is not None and np.abs(got[~np.broadcast_to(mask, got.shape)]).max(initial=0.0) > 1e-12:
        return "a padded position (mask False) got a nonzero weight: give it a score of -inf before the softmax"
    if not np.allclose(got.sum(axis=-1), 1.0, atol=1e-6):
        return "the weights of a row do not sum to 1: normalise over the last axis (the keys), after masking"
    return compare_values(expected, got, rtol=1e-6, atol=1e-9, what="weights")


def check_masked_softmax(fn) -> CheckResult:
    """Exercise 1: softmax over the last axis, zero weight where the mask is False, no overflow."""
    rng = _rng(1)
    m35 = _padding_mask(rng, 3, 5)
    cases = [
        case("scores (3, 5), no mask", rng.standard_normal((3, 5)), None),
        case("scores (3, 5) with a padding mask", rng.standard_normal((3, 5)), m35),
        case("a batch of 1, scores [[1, 2, 3]]", np.array([[1.0, 2.0, 3.0]]), None),
        case("huge scores [[1000, 1001, 999]] (overflow test)", np.array([[1000.0, 1001.0, 999.0]]), None),
        case("negative scores, one kept position per row", -5 * rng.random((2, 4)),
             np.array([[True, False, False, False], [False, False, True, False]])),
        case("a single key: shape (4, 1)", rng.standard_normal((4, 1)), None),
        case("all-zero scores (2, 6) with a mask: uniform over the real keys", np.zeros((2, 6)),
             np.array([[True] * 4 + [False] * 2, [True] * 6])),
        case("3-D scores (2, 3, 4) with a mask of the same shape", rng.standard_normal((2, 3, 4)),
             rng.random((2, 3, 4)) < 0.7),
    ]
    cases[-1].args[1][..., 0] = True  # keep at least one key per row
    return _check_masked(fn, _ref_masked_softmax, cases, "masked_softmax", _compare_weights, mask_arg=1)


# --------------------------------------------------------------------------- 2. dot_attention
def _ref_dot_attention(q, hs, mask=None):
    w = _ref_masked_softmax(np.einsum("nd,nsd->ns", q, hs), mask)
    return np.einsum("ns,nsd->nd", w, hs), w


def _compare_dot_attention(expected, got, mask=None) -> str | None:
    got, problem = _pair(got, ("context", "weights"))
    if problem:
        return problem
    (e_ctx, e_w), (g_ctx, g_w) = expected, got
    g_w_arr, problem = _as_float_array(g_w, "weights")
    if problem:
        return problem
    if g_w_arr.shape == e_ctx.shape != e_w.shape:
        return "the pair looks swapped: return (context, weights), context first"
    problem = _compare_weights(e_w, g_w_arr, mask)
    if problem:
        scaled = _ref_masked_softmax(np.log(np.maximum(e_w, 1e-300)) / np.sqrt(e_ctx.shape[-1]), mask)
        if g_w_arr.shape == e_w.shape and e_ctx.shape[-1] > 1 and np.allclose(g_w_arr, scaled, atol=1e-6):
            return "the weights look scaled by 1/sqrt(D): that is chapter 09's scaled attention, here use q . h_s"
        return problem
    problem = compare_values(e_ctx, g_ctx, rtol=1e-6, atol=1e-9, what="context")
    if problem and "wrong value" in problem:
        problem += ": the context is the weighted sum of the encoder states, sum_s w[n, s] * hs[n, s]"
    return problem


def check_dot_attention(fn) -> CheckResult:
    """Exercise 2: one decoder step of dot-product attention -> (context (N, D), weights (N, S))."""
    rng = _rng(2)
    cases = [
        case("N=3, S=5, D=4, no mask", rng.standard_normal((3, 4)), rng.standard_normal((3, 5, 4)), None),
        case("N=3, S=5, D=4 with a padding mask", rng.standard_normal((3, 4)), rng.standard_normal((3, 5, 4)),
             _padding_mask(rng, 3, 5)),
        case("a batch of 1, S=2, D=3", rng.standard_normal((1, 3)), rng.standard_normal((1, 2, 3)), None),
        case("a single key S=1: the context is that key", rng.standard_normal((2, 3)),
             rng.standard_normal((2, 1, 3)), None),
        case("a zero query: uniform weights over the real keys", np.zeros((2, 4)), rng.standard_normal((2, 6, 4)),
             _padding_mask(rng, 2, 6)),
        case("D=1, S=7, large values", 10 * rng.standard_normal((4, 1)), 10 * rng.standard_normal((4, 7, 1)), None),
    ]
    return _check_masked(fn, _ref_dot_attention, cases, "dot_attention", _compare_dot_attention, mask_arg=2)


# --------------------------------------------------------------------------- 3. additive_scores
def _ref_additive_scores(q, hs, Wq, Wk, v):
    return np.tanh((q @ Wq)[:, None, :] + hs @ Wk) @ v


def check_additive_scores(fn) -> CheckResult:
    """Exercise 3: Bahdanau scores v . tanh(q Wq + h_s Wk) for every encoder state -> (N, S)."""
    rng = _rng(3)

    def args(n, s, dq, dk, a, scale=1.0, zero_q=False):
        q = np.zeros((n, dq)) if zero_q else scale * rng.standard_normal((n, dq))
        return (q, scale * rng.standard_normal((n, s, dk)), rng.standard_normal((dq, a)),
                rng.standard_normal((dk, a)), rng.standard_normal(a))

    cases = [
        case("N=3, S=5, Dq=Dk=4, A=6", *args(3, 5, 4, 4, 6)),
        case("query and keys of different sizes: Dq=2, Dk=5, A=3", *args(2, 4, 2, 5, 3)),
        case("a batch of 1 and a single key", *args(1, 1, 3, 3, 2)),
        case("a zero query", *args(2, 3, 4, 3, 5, zero_q=True)),
        case("large inputs (tanh saturates)", *args(3, 4, 3, 2, 4, scale=5.0)),
    ]

    def compare(expected, got):
        problem = compare_values(expected, got, rtol=1e-6, atol=1e-9, what="scores")
        if problem and "wrong value" in problem:
            problem += ": score[n, s] = v . tanh(q[n] @ Wq + hs[n, s] @ Wk), with tanh before the dot with v"
        return problem

    return check_function(fn, _ref_additive_scores, cases, name="additive_scores", compare=compare)


# --------------------------------------------------------------------------- 4. dot_attention_backward
def _ref_dot_attention_backward(q, hs, dcontext):
    w = _ref_masked_softmax(np.einsum("nd,nsd->ns", q, hs))
    dw = np.einsum("nd,nsd->ns", dcontext, hs)
    dscores = w * (dw - (dw * w).sum(axis=-1, keepdims=True))
    dq = np.einsum("ns,nsd->nd", dscores, hs)
    dhs = w[:, :, None] * dcontext[:, None, :] + dscores[:, :, None] * q[:, None, :]
    return dq, dhs


def _partial_paths(q, hs, dcontext):
    """dhs through the values only and through the keys only (the two classic half-answers)."""
    w = _ref_masked_softmax(np.einsum("nd,nsd->ns", q, hs))
    dw = np.einsum("nd,nsd->ns", dcontext, hs)
    dscores = w * (dw - (dw * w).sum(axis=-1, keepdims=True))
    return w[:, :, None] * dcontext[:, None, :], dscores[:, :, None] * q[:, None, :], w * dw


def check_dot_attention_backward(fn) -> CheckResult:
    """Exercise 4: gradients of dot-product attention: (dq (N, D), dhs (N, S, D)) from dcontext (N, D)."""
    rng = _rng(4)

    def args(n, s, d, scale=1.0):
        return scale * rng.standard_normal((n, d)), scale * rng.standard_normal((n, s, d)), rng.standard_normal((n, d))

    cases = [
        case("N=3, S=5, D=4", *args(3, 5, 4)),
        case("a batch of 1, S=3, D=2", *args(1, 3, 2)),
        case("S=6 keys larger than D=2", *args(2, 6, 2)),
        case("a single key S=1 (the weights are constant: dq = 0)", *args(2, 1, 3)),
        case("small values (almost uniform weights)", *args(3, 4, 5, scale=0.1)),
    ]
    name = "dot_attention_backward"
    for c in cases:
        q, hs, dcontext = c.args
        expected = _ref_dot_attention_backward(q, hs, dcontext)
        value_only, key_only, dscores_no_jacobian = _partial_paths(q, hs, dcontext)

        def compare(e, got, value_only=value_only, key_only=key_only, q=q, hs=hs, dsn=dscores_no_jacobian):
            got, problem = _pair(got, ("dq", "dhs"))
            if problem:
                return problem
            problem = compare_values(e[0], got[0], rtol=1e-6, atol=1e-9, what="dq")
            if problem:
                no_jac = np.einsum("ns,nsd->nd", dsn, hs)
                g0, _ = _as_float_array(got[0], "dq")
                if g0 is not None and g0.shape == no_jac.shape and np.allclose(g0, no_jac, atol=1e-8):
                    return "dq ignores the softmax Jacobian: dscores = w * (dw - sum_s(w * dw)), not w * dw"
                return problem + ": dq[n] = sum_s dscores[n, s] * hs[n, s]"
            g1, problem = _as_float_array(got[1], "dhs")
            if problem:
                return problem
            if g1.shape == e[1].shape and not np.allclose(g1, e[1], atol=1e-8):
                if np.allclose(g1, value_only, atol=1e-8):
                    return "dhs has only the value path (w * dcontext): add the key path dscores[n, s] * q[n]"
                if np.allclose(g1, key_only, atol=1e-8):
                    return "dhs has only the key path (dscores * q): add the value path w[n, s] * dcontext[n]"
            return compare_values(e[1], g1, rtol=1e-6, atol=1e-9, what="dhs")

        result = check_function(fn, lambda *a, e=expected: e, [c], name=name, compare=compare)
        if not result:
            return result
    return CheckResult(name, True, f"correct on all {len(cases)} cases")


# --------------------------------------------------------------------------- 5. make_windows
def _ref_make_windows(series, target, window: int, horizon: int):
    series, target = np.asarray(series), np.asarray(target)
    m = len(series) - window - horizon + 1
    x = np.stack([series[i : i + window] for i in range(m)])
    y = np.stack([target[i + window : i + window + horizon] for i in range(m)])
    return x, y


def check_make_windows(fn) -> CheckResult:
    """Exercise 5: (past ``window`` rows of every series -> next ``horizon`` target values) pairs."""
    rng = _rng(5)
    ramp = np.arange(10.0)
    cases = [
        case("a ramp 0..9 as the only series and target, window=3, horizon=2", ramp[:, None], ramp, 3, 2),
        case("L=20, K=4 random series, window=5, horizon=3",
             rng.standard_normal((20, 4)), rng.standard_normal(20), 5, 3),
        case("exactly one window: L = window + horizon", rng.standard_normal((6, 2)), rng.standard_normal(6), 4, 2),
        case("horizon=1, window=1", rng.standard_normal((5, 3)), rng.standard_normal(5), 1, 1),
        case("negative values, K=1, window=6, horizon=4", -rng.random((15, 1)), -rng.random(15), 6, 4),
    ]

    def compare(expected, got):
        got, problem = _pair(got, ("X", "Y"))
        if problem:
            return problem
        for what, e, g in zip(("X", "Y"), expected, got):
            g, problem = _as_float_array(g, what)
            if problem:
                return problem
            if g.shape != e.shape:
                m = e.shape[0]
                if g.ndim == e.ndim and g.shape[0] in (m - 1, m + 1):
                    return (f"{what} has {g.shape[0]} windows, expected {m} = L - window - horizon + 1: "
                            "the last window's target must end at the last row")
                if what == "X" and g.shape == (e.shape[0], e.shape[2], e.shape[1]):
                    return "X has shape (M, K, window): expected (M, window, K), time before series"
            problem = compare_values(e, g, rtol=0, atol=1e-12, what=what)
            if problem:
                if what == "Y" and "wrong value" in problem:
                    problem += ": Y[i] is target[i + window : i + window + horizon], the hours right after window i"
                return problem
        return None

    return check_function(fn, _ref_make_windows, cases, name="make_windows", compare=compare)


__all__ = [
    "check_masked_softmax",
    "check_dot_attention",
    "check_additive_scores",
    "check_dot_attention_backward",
    "check_make_windows",
]
