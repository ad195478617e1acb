"""Exercises of chapter 08, attention: ``checks.<name>.check(fn)``, ``.hint()``, ``.solution()``.

The reference answers are the chapter's ``solutions.py``; this module holds what is specific to each
exercise: its cases (a batch of 1, one key, zeros, huge scores, padding that dominates a row,
non-square shapes), the brief's worked example, classic mistakes and hints.
"""
from __future__ import annotations

import numpy as np

from common.checks import Chapter, case, compare_values, example, named_parts

CHAPTER = Chapter("08_attention")
__getattr__ = CHAPTER.legacy


def _rng(offset: int = 0) -> np.random.Generator:
    return np.random.default_rng(8 + offset)


def _floats(got) -> np.ndarray:
    """The learner's numeric answer as a float64 array (it was already found numeric by compare_values)."""
    if hasattr(got, "detach"):  # a torch tensor
        got = got.detach().cpu().numpy()
    return np.asarray(got, dtype=np.float64)


def _shape(value) -> tuple:
    """The shape of a learner's answer, or () when it has none (a ragged list, an object)."""
    try:
        return np.shape(value)
    except ValueError:
        return ()


def _padding_mask(rng, n: int, s: int) -> np.ndarray:
    """(n, s) bool, True for real tokens: row i keeps its first length_i >= 1 positions."""
    lengths = rng.integers(1, s + 1, size=n)
    lengths[0] = max(1, s - 1)  # at least one row really is padded
    return np.arange(s)[None, :] < lengths[:, None]


def _softmax(scores, mask=None, shift="row", axis=-1):
    """A softmax with the classic variants of where the maximum is taken (for the mistakes)."""
    scores = np.asarray(scores, dtype=np.float64)
    if mask is not None and shift != "before-mask":
        scores = np.where(mask, scores, -np.inf)
    if shift in ("row", "before-mask"):
        scores = scores - scores.max(axis=axis, keepdims=True)
    elif shift == "global":
        scores = scores - scores.max()
    z = np.exp(scores)
    if mask is not None and shift == "before-mask":
        z = np.where(mask, z, 0.0)
    return z / z.sum(axis=axis, keepdims=True)


# --------------------------------------------------------------------------- 1. masked_softmax
def _compare_weights(expected, got, rtol=1e-6, atol=1e-9, what="weights") -> str | None:
    """Weights compared with the reference; a wrong one is explained (NaN, padding, rows that do not sum to 1).

    The padded positions are where the reference weight is exactly 0: no case lets a real key underflow.
    """
    problem = compare_values(expected, got, rtol, atol, what=what)
    if problem is None or not problem.startswith(f"wrong value of the {what}"):
        return problem
    g = _floats(got)
    if np.isnan(g).any():
        return (f"the {what} contain NaN: did exp overflow, or a row's sum come out 0 (0 / 0)? Subtract each row's "
                "maximum over its real keys before np.exp")
    padded = expected == 0
    if np.abs(g[padded]).max(initial=0.0) > 1e-12:
        return "a padded position (mask False) got a nonzero weight: give it the score -inf before the softmax"
    if not np.allclose(g.sum(axis=-1), 1.0, atol=1e-6):
        return f"the {what} of a row do not sum to 1: normalise over the last axis (the keys), after masking"
    return problem


def _masked_softmax_cases():
    rng = _rng(1)
    m35 = _padding_mask(rng, 3, 5)
    mask3d = rng.random((2, 3, 4)) < 0.7
    mask3d[..., 0] = True  # keep at least one key per row
    return [
        case("scores (3, 5), mask=None", rng.standard_normal((3, 5)), None),
        case("scores (3, 5) with a padding mask", rng.standard_normal((3, 5)), m35),
        case("a batch of 1, scores [[1, 2, 3]], called without a mask", np.array([[1.0, 2.0, 3.0]])),
        case("huge scores [[1000, 1001, 999]] (overflow test)", np.array([[1000.0, 1001.0, 999.0]]), None),
        case("rows on very different scales: [0.001, 0.002, 0] and [1000, 990, 1010]",
             np.array([[0.001, 0.002, 0.0], [1000.0, 990.0, 1010.0]]), None),
        case("a padded key with a huge score dominates its row", np.array([[0.5, 1.0, 1000.0], [2.0, 800.0, 1.0]]),
             np.array([[True, True, False], [True, False, True]])),
        case("negative scores, one kept position per row", -5 * rng.random((2, 4)),
             np.array([[True, False, False, False], [False, False, True, False]])),
        case("a single key: shape (4, 1)", rng.standard_normal((4, 1)), None),
        case("all-zero scores (2, 6) with a mask: uniform over the real keys", np.zeros((2, 6)),
             np.array([[True] * 4 + [False] * 2, [True] * 6])),
        case("3-D scores (2, 3, 4) with a mask of the same shape", rng.standard_normal((2, 3, 4)), mask3d),
    ]


masked_softmax = CHAPTER.exercise(
    "masked_softmax",
    examples=[example(np.array([[0.2689414213699951, 0.7310585786300049, 0.0]]),
                      "the brief's example: scores [[1, 2, 50]], mask [[True, True, False]]",
                      np.array([[1.0, 2.0, 50.0]]), np.array([[True, True, False]]))],
    cases=_masked_softmax_cases,
    compare=_compare_weights,
    rtol=1e-6,
    atol=1e-9,
    mistakes=[
        (lambda s, m=None: _softmax(s), "padded keys must get weight exactly 0: mask the scores with -inf first"),
        (lambda s, m=None: _softmax(s) if m is None else _softmax(s) * m,
         "zeroing padded weights after the softmax leaves rows that do not sum to 1: mask the scores before"),
        (lambda s, m=None: _softmax(s if m is None else np.where(m, s, 0.0)),
         "a masked score of 0 still gets exp(0) = 1: use -np.inf (np.where(mask, scores, -np.inf))"),
        (lambda s, m=None: _softmax(s, m, shift="none"),
         "exp overflows for large scores: subtract each row's maximum first"),
        (lambda s, m=None: _softmax(s, m, shift="before-mask"),
         "take the maximum over the real keys only: mask with -inf first, then subtract the row maximum"),
        (lambda s, m=None: _softmax(s, m, shift="global"),
         "subtract each row's own maximum (axis=-1, keepdims=True), not the maximum of the whole array"),
        (lambda s, m=None: _softmax(s, m, axis=0), "normalise over the last axis (the keys): axis=-1"),
    ],
    hints=[
        "Three steps: hide the padded keys, make the scores safe to exponentiate, then normalise each row.",
        "`np.where(mask, scores, -np.inf)` hides the padding (exp(-inf) = 0); then subtract "
        "`scores.max(axis=-1, keepdims=True)` so the largest exponent is 0; divide by the row sums (axis=-1).",
        "`if mask is not None: scores = np.where(mask, scores, -np.inf)`, then "
        "`z = np.exp(scores - scores.max(axis=-1, keepdims=True))` and `return z / z.sum(axis=-1, keepdims=True)`.",
    ],
)


# --------------------------------------------------------------------------- 2. dot_attention
def _compare_dot_attention(expected, got, rtol=1e-6, atol=1e-9) -> str | None:
    if got is None:
        return "the result is None: did you forget `return`? Expected a pair (context, weights)"
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        return f"expected a pair (context, weights), got {type(got).__name__}"
    (e_ctx, e_w), (g_ctx, g_w) = expected, got
    if e_ctx.shape != e_w.shape and _shape(g_w) == e_ctx.shape and _shape(g_ctx) == e_w.shape:
        return "the pair looks swapped: return (context, weights), context first"
    problem = _compare_weights(e_w, g_w, rtol, atol)
    if problem:
        return problem
    problem = compare_values(e_ctx, g_ctx, rtol, atol, what="context")
    if problem and problem.startswith("wrong value"):
        problem += ": the context is the weighted sum of the encoder states, sum_s w[n, s] * hs[n, s]"
    return problem


def _attention(q, hs, mask=None, scale=1.0, use_mask=True):
    w = _softmax(np.einsum("nd,nsd->ns", q, hs) * scale, mask if use_mask else None)
    return np.einsum("ns,nsd->nd", w, hs), w


def _dot_attention_cases():
    rng = _rng(2)
    hs_padded = rng.standard_normal((2, 4, 3))
    hs_padded[0, 3] = 500.0  # a padded key whose score would swamp the real ones
    q_padded = np.abs(rng.standard_normal((2, 3))) + 0.5
    mask_padded = np.array([[True, True, True, False], [True, True, False, False]])
    hs_padded[1, 2:] = 300.0
    return [
        case("N=3, S=5, D=4, mask=None", rng.standard_normal((3, 4)), rng.standard_normal((3, 5, 4)), None),
        case("N=3, S=5, D=4 with a padding mask", rng.standard_normal((3, 4)), rng.standard_normal((3, 5, 4)),
             _padding_mask(rng, 3, 5)),
        case("a batch of 1, S=2, D=3, called without a mask", rng.standard_normal((1, 3)),
             rng.standard_normal((1, 2, 3))),
        case("a single key S=1: the context is that key", rng.standard_normal((2, 3)),
             rng.standard_normal((2, 1, 3)), None),
        case("a zero query: uniform weights over the real keys", np.zeros((2, 4)), rng.standard_normal((2, 6, 4)),
             _padding_mask(rng, 2, 6)),
        case("D=1, S=7, large values (scores in the hundreds)", 10 * rng.standard_normal((4, 1)),
             10 * rng.standard_normal((4, 7, 1)), None),
        case("padded keys with huge scores", q_padded, hs_padded, mask_padded),
    ]


dot_attention = CHAPTER.exercise(
    "dot_attention",
    examples=[example((np.array([[1.9926004268859265, 1.9926004268859265]]),
                       np.array([[0.0024665243713577517, 0.0024665243713577517, 0.9950669512572844]])),
                      "the brief's example: q = [[2, 2]], hs = [[[1, 0], [0, 1], [2, 2]]]",
                      np.array([[2.0, 2.0]]), np.array([[[1.0, 0.0], [0.0, 1.0], [2.0, 2.0]]]))],
    cases=_dot_attention_cases,
    compare=_compare_dot_attention,
    rtol=1e-6,
    atol=1e-9,
    mistakes=[
        (lambda q, hs, mask=None: _attention(q, hs, mask, use_mask=False),
         "pass the mask on to the softmax: padded keys get weight 0"),
        (lambda q, hs, mask=None: _attention(q, hs, mask, scale=1 / np.sqrt(q.shape[-1])),
         "do not scale by 1/sqrt(D): that is chapter 09's scaled attention, here the score is q . h_s"),
        (lambda q, hs, mask=None: (hs.mean(axis=1), _attention(q, hs, mask)[1]),
         "weight each encoder state by its attention weight, not a plain mean"),
    ],
    hints=[
        "Score every encoder state against the query, turn the scores into weights, then average the states "
        "with those weights.",
        "`np.einsum(\"nd,nsd->ns\", q, hs)` gives the (N, S) scores; your `masked_softmax(scores, mask)` gives the "
        "weights; the context sums weights[n, s] * hs[n, s] over s, shape (N, D).",
        "`weights = masked_softmax(np.einsum(\"nd,nsd->ns\", q, hs), mask)`, "
        "`context = np.einsum(\"ns,nsd->nd\", weights, hs)`, `return context, weights`.",
    ],
)


# --------------------------------------------------------------------------- 3. additive_scores
def _additive_cases():
    rng = _rng(3)

    def args(n, s, dq, dk, a, scale=1.0, zero_q=False):
        q = np.zeros((n, dq)) if zero_q else scale * rng.standard_normal((n, dq))
        return (q, scale * rng.standard_normal((n, s, dk)), rng.standard_normal((dq, a)),
                rng.standard_normal((dk, a)), rng.standard_normal(a))

    return [
        case("N=3, S=5, Dq=Dk=4, A=6", *args(3, 5, 4, 4, 6)),
        case("query and keys of different sizes: Dq=2, Dk=5, A=3", *args(2, 4, 2, 5, 3)),
        case("a batch of 1 and a single key", *args(1, 1, 3, 3, 2)),
        case("a zero query", *args(2, 3, 4, 3, 5, zero_q=True)),
        case("large inputs (tanh saturates)", *args(3, 4, 3, 2, 4, scale=5.0)),
    ]


def _additive_with(q, hs, Wq, Wk, v, act=np.tanh, after_v=False):
    hidden = (q @ Wq)[:, None, :] + hs @ Wk
    return act(hidden @ v) if after_v else act(hidden) @ v


additive_scores = CHAPTER.exercise(
    "additive_scores",
    examples=[example(np.array([[1.5231883119115297, 1.9280551601516338]]),
                      "the brief's example: q = [[1]], hs = [[[0], [1]]], Wq = Wk = [[1]], v = [2]",
                      np.array([[1.0]]), np.array([[[0.0], [1.0]]]), np.array([[1.0]]), np.array([[1.0]]),
                      np.array([2.0]))],
    cases=_additive_cases,
    what="scores",
    rtol=1e-6,
    atol=1e-9,
    mistakes=[
        (lambda *a: _additive_with(*a, act=lambda x: x), "apply tanh to q Wq + h_s Wk before the dot with v"),
        (lambda *a: _additive_with(*a, after_v=True), "tanh comes before the dot with v, not after it"),
        (lambda q, hs, Wq, Wk, v: _additive_with(q, hs, Wk, Wq, v), "the query goes through Wq, the keys through Wk"),
        (lambda q, hs, Wq, Wk, v: np.tanh((q @ Wq)[:, None, :] + hs @ Wk).sum(axis=-1),
         "take the dot product with v, not a plain sum over the A units"),
    ],
    hints=[
        "A tiny network per (query, key) pair: project both to size A, add, squash with tanh, then score with v.",
        "`q @ Wq` is (N, A) and `hs @ Wk` is (N, S, A): add a key axis to the first with `[:, None, :]` so they "
        "broadcast; after `np.tanh`, a matrix product with `v` turns (N, S, A) into (N, S).",
        "`return np.tanh((q @ Wq)[:, None, :] + hs @ Wk) @ v`.",
    ],
)


# --------------------------------------------------------------------------- 4. dot_attention_backward
def _backward_with(q, hs, dcontext, value=True, key=True, jacobian=True):
    w = _softmax(np.einsum("nd,nsd->ns", q, hs))
    dw = np.einsum("nd,nsd->ns", dcontext, hs)
    dscores = w * (dw - (dw * w).sum(axis=-1, keepdims=True)) if jacobian else w * dw
    dq = np.einsum("ns,nsd->nd", dscores, hs)
    dhs = np.zeros_like(hs)
    if value:
        dhs = dhs + w[:, :, None] * dcontext[:, None, :]
    if key:
        dhs = dhs + dscores[:, :, None] * q[:, None, :]
    return dq, dhs


def _backward_cases():
    rng = _rng(4)

    def args(n, s, d, scale=1.0):
        return scale * rng.standard_normal((n, d)), scale * rng.standard_normal((n, s, d)), rng.standard_normal((n, d))

    return [
        case("N=3, S=5, D=4", *args(3, 5, 4)),
        case("a batch of 1, S=3, D=2", *args(1, 3, 2)),
        case("S=6 keys, more than D=2", *args(2, 6, 2)),
        case("a single key S=1 (the weights are constant: dq = 0)", *args(2, 1, 3)),
        case("small values (almost uniform weights)", *args(3, 4, 5, scale=0.1)),
        case("large scores, in the thousands (a softmax without the max shift overflows)", *args(2, 4, 3, scale=30.0)),
    ]


dot_attention_backward = CHAPTER.exercise(
    "dot_attention_backward",
    examples=[example((np.array([[0.19661193324148185]]), np.array([[[0.07232948812851325], [0.9276705118714869]]])),
                      "the brief's example: q = [[1]], hs = [[[0], [1]]], dcontext = [[1]]",
                      np.array([[1.0]]), np.array([[[0.0], [1.0]]]), np.array([[1.0]]))],
    cases=_backward_cases,
    compare=named_parts("dq", "dhs"),
    rtol=1e-6,
    atol=1e-9,
    mistakes=[
        (lambda *a: _backward_with(*a, key=False),
         "dhs has only the value path (w * dcontext): add the key path dscores[n, s] * q[n]"),
        (lambda *a: _backward_with(*a, value=False),
         "dhs has only the key path (dscores * q): add the value path w[n, s] * dcontext[n]"),
        (lambda *a: _backward_with(*a, jacobian=False),
         "the softmax Jacobian is missing: dscores = w * (dw - sum_s(w * dw)), not w * dw"),
    ],
    hints=[
        "Follow the forward pass backwards: context <- weights <- scores <- (q, hs). The encoder states are used "
        "twice (as keys in the scores, as values in the context), so dhs has two terms.",
        "Recompute the weights w (N, S); `dw = np.einsum(\"nd,nsd->ns\", dcontext, hs)`; the softmax Jacobian gives "
        "`dscores = w * (dw - (dw * w).sum(axis=-1, keepdims=True))`; then dq and dhs with einsum.",
        "`dq = np.einsum(\"ns,nsd->nd\", dscores, hs)` and "
        "`dhs = w[:, :, None] * dcontext[:, None, :] + dscores[:, :, None] * q[:, None, :]`; `return dq, dhs`.",
    ],
)


# --------------------------------------------------------------------------- 5. make_windows
def _compare_windows(expected, got, rtol=0.0, atol=1e-12) -> str | None:
    if got is None:
        return "the result is None: did you forget `return`? Expected a pair (X, Y)"
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        return f"expected a pair (X, Y), got {type(got).__name__}"
    for what, e, g in zip(("X", "Y"), expected, got):
        problem = compare_values(e, g, rtol, atol, what=what)
        if problem and problem.startswith("wrong shape"):
            shape, m = _shape(g), e.shape[0]
            if len(shape) == e.ndim and shape[0] in (m - 1, m + 1):
                windows = f"{shape[0]} window{'s' * (shape[0] != 1)}"
                return (f"{what} has {windows}, expected {m} = L - window - horizon + 1: "
                        "the last window's target must end at the last row")
            if what == "X" and e.ndim == 3 and shape == (m, e.shape[2], e.shape[1]):
                return "X has shape (M, K, window): expected (M, window, K), time before series"
        if problem and what == "Y" and problem.startswith("wrong value"):
            problem += ": Y[i] is target[i + window : i + window + horizon], right after window i"
        if problem:
            return problem
    return None


def _windows_cases():
    rng = _rng(5)
    ramp = np.arange(10.0)
    return [
        case("a ramp 0..9 as the only series and target, window=3, horizon=2", ramp[:, None], ramp, 3, 2),
        case("L=20, K=4 random series, window=5, horizon=3", rng.standard_normal((20, 4)), rng.standard_normal(20),
             5, 3),
        case("exactly one window: L = window + horizon", rng.standard_normal((6, 2)), rng.standard_normal(6), 4, 2),
        case("horizon=1, window=1", rng.standard_normal((5, 3)), rng.standard_normal(5), 1, 1),
        case("negative values, K=1, window=6, horizon=4", -rng.random((15, 1)), -rng.random(15), 6, 4),
        case("integer counts (hourly riders), K=2, window=4, horizon=3", rng.integers(0, 500, size=(12, 2)),
             rng.integers(0, 500, size=12), 4, 3),
    ]


def _windows_with(series, target, window, horizon, shift=0):
    series, target = np.asarray(series), np.asarray(target)
    m = len(series) - window - horizon + 1
    X = np.stack([series[i : i + window] for i in range(m)])
    Y = np.stack([target[i + window + shift : i + window + shift + horizon] for i in range(m)])
    return X, Y


make_windows = CHAPTER.exercise(
    "make_windows",
    examples=[example((np.array([[[0.0], [1.0], [2.0]], [[1.0], [2.0], [3.0]]]), np.array([[3.0, 4.0], [4.0, 5.0]])),
                      "the brief's example: a ramp 0..5, window=3, horizon=2",
                      np.arange(6.0)[:, None], np.arange(6.0), 3, 2)],
    cases=_windows_cases,
    compare=_compare_windows,
    rtol=0.0,
    atol=1e-12,
    mistakes=[
        (lambda *a: _windows_with(*a, shift=-1),
         "Y[i] starts at target[i + window]: the last row of window i is not a target"),
        (lambda *a: _windows_with(*a)[::-1], "return the pair (X, Y), the inputs first"),
    ],
    hints=[
        "Slide a window along time: window i covers rows i .. i + window - 1, and its target is the horizon rows "
        "right after it. Count how many windows fit.",
        "M = L - window - horizon + 1; for i in range(M), take `series[i : i + window]` and "
        "`target[i + window : i + window + horizon]`, and stack each list with `np.stack`.",
        "`X = np.stack([series[i : i + window] for i in range(m)])` and "
        "`Y = np.stack([target[i + window : i + window + horizon] for i in range(m)])`; `return X, Y`.",
    ],
)
