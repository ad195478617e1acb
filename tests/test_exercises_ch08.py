"""Chapter 08 checkers: plausible mistakes are caught with a useful message.

The shared contract (the solution passes, a stub is "not implemented", broken code becomes a
verdict, signatures match) is tested for every chapter in tests/test_exercises.py.
"""
import numpy as np
import pytest
import torch

from common.checkers import ch08
from conftest import CHAPTERS, load_solutions

solutions = load_solutions(CHAPTERS / "08_attention")


def check(name, fn):
    return getattr(ch08, name).check(fn)


def test_dot_attention_backward_solution_matches_autograd():
    rng = np.random.default_rng(0)
    q, hs, dcontext = rng.normal(size=(3, 4)), rng.normal(size=(3, 5, 4)), rng.normal(size=(3, 4))
    q_t, hs_t = torch.tensor(q, requires_grad=True), torch.tensor(hs, requires_grad=True)
    w = torch.softmax(torch.einsum("nd,nsd->ns", q_t, hs_t), dim=-1)
    (torch.einsum("ns,nsd->nd", w, hs_t) * torch.tensor(dcontext)).sum().backward()
    dq, dhs = solutions.dot_attention_backward(q, hs, dcontext)
    np.testing.assert_allclose(dq, q_t.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dhs, hs_t.grad.numpy(), rtol=1e-10, atol=1e-12)


# --------------------------------------------------------------------------- plausible wrong answers
def _softmax_plain(x, axis=-1):
    z = np.exp(x - x.max(axis=axis, keepdims=True))
    return z / z.sum(axis=axis, keepdims=True)


def _sm_ignores_mask(scores, mask=None):
    return _softmax_plain(np.asarray(scores, dtype=float))


def _sm_mask_after_softmax(scores, mask=None):
    w = _softmax_plain(np.asarray(scores, dtype=float))
    return w if mask is None else w * mask  # zeroes padding but forgets to renormalise


def _sm_mask_with_zero(scores, mask=None):
    scores = np.asarray(scores, dtype=float)
    return _softmax_plain(scores if mask is None else np.where(mask, scores, 0.0))  # exp(0) = 1, not 0


def _sm_no_max_shift(scores, mask=None):
    scores = np.asarray(scores, dtype=float)
    z = np.exp(scores) if mask is None else np.exp(scores) * mask
    return z / z.sum(axis=-1, keepdims=True)  # overflows for scores near 1000


def _sm_wrong_axis(scores, mask=None):
    scores = np.asarray(scores, dtype=float)
    return _softmax_plain(scores if mask is None else np.where(mask, scores, -np.inf), axis=0)


def _att_no_mask(q, hs, mask=None):
    return solutions.dot_attention(q, hs, None)


def _att_scaled(q, hs, mask=None):
    w = solutions.masked_softmax(np.einsum("nd,nsd->ns", q, hs) / np.sqrt(q.shape[-1]), mask)
    return np.einsum("ns,nsd->nd", w, hs), w


def _att_swapped(q, hs, mask=None):
    context, w = solutions.dot_attention(q, hs, mask)
    return w, context


def _att_mean_context(q, hs, mask=None):
    _, w = solutions.dot_attention(q, hs, mask)
    return hs.mean(axis=1), w  # forgets to weight the sum


def _att_context_wrong_axis(q, hs, mask=None):
    _, w = solutions.dot_attention(q, hs, mask)
    return (w[:, :, None] * hs).sum(axis=2), w  # sums over the features instead of the keys


def _add_no_tanh(q, hs, Wq, Wk, v):
    return ((q @ Wq)[:, None, :] + hs @ Wk) @ v


def _add_swapped_weights(q, hs, Wq, Wk, v):
    return np.tanh((q @ Wk)[:, None, :] + hs @ Wq) @ v


def _add_tanh_after_v(q, hs, Wq, Wk, v):
    return np.tanh(((q @ Wq)[:, None, :] + hs @ Wk) @ v)


def _add_sum_not_v(q, hs, Wq, Wk, v):
    return np.tanh((q @ Wq)[:, None, :] + hs @ Wk).sum(axis=-1)


def _bw_value_path_only(q, hs, dcontext):
    dq, _ = solutions.dot_attention_backward(q, hs, dcontext)
    _, w = solutions.dot_attention(q, hs)
    return dq, w[:, :, None] * dcontext[:, None, :]


def _bw_key_path_only(q, hs, dcontext):
    dq, dhs = solutions.dot_attention_backward(q, hs, dcontext)
    _, w = solutions.dot_attention(q, hs)
    return dq, dhs - w[:, :, None] * dcontext[:, None, :]


def _bw_no_jacobian(q, hs, dcontext):
    _, w = solutions.dot_attention(q, hs)
    dscores = w * np.einsum("nd,nsd->ns", dcontext, hs)  # forgets the "- sum(w * dw)" term
    dhs = w[:, :, None] * dcontext[:, None, :] + dscores[:, :, None] * q[:, None, :]
    return np.einsum("ns,nsd->nd", dscores, hs), dhs


def _bw_dq_zero(q, hs, dcontext):
    _, dhs = solutions.dot_attention_backward(q, hs, dcontext)
    return np.zeros_like(q), dhs


def _win_target_overlaps(series, target, window, horizon):
    X, _ = solutions.make_windows(series, target, window, horizon)
    Y = np.stack([target[i + window - 1 : i + window - 1 + horizon] for i in range(len(X))])  # off by one
    return X, Y


def _win_one_short(series, target, window, horizon):
    X, Y = solutions.make_windows(series, target, window, horizon)
    return X[:-1], Y[:-1]


def _win_transposed(series, target, window, horizon):
    X, Y = solutions.make_windows(series, target, window, horizon)
    return X.transpose(0, 2, 1), Y


def _win_swapped(series, target, window, horizon):
    X, Y = solutions.make_windows(series, target, window, horizon)
    return Y, X


def _sm_global_max(scores, mask=None):
    scores = np.asarray(scores, dtype=float)
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    z = np.exp(scores - scores.max())  # one maximum for the whole array: small rows underflow to 0 / 0
    return z / z.sum(axis=-1, keepdims=True)


def _sm_max_before_mask(scores, mask=None):
    scores = np.asarray(scores, dtype=float)
    z = np.exp(scores - scores.max(axis=-1, keepdims=True))  # a huge padded score sets the maximum
    if mask is not None:
        z = np.where(mask, z, 0.0)
    return z / z.sum(axis=-1, keepdims=True)


def _sm_mutates_scores(scores, mask=None):
    if mask is not None:
        scores[~mask] = -np.inf  # writes into the caller's scores
    z = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return z / z.sum(axis=-1, keepdims=True)


def _sm_mask_required(scores, mask):  # no default: masked_softmax(scores) fails
    return solutions.masked_softmax(scores, mask)


def _att_unstable(q, hs, mask=None):
    scores = np.einsum("nd,nsd->ns", q, hs)
    z = np.exp(scores) if mask is None else np.exp(scores) * mask  # overflows before the mask can help
    w = z / z.sum(axis=-1, keepdims=True)
    return np.einsum("ns,nsd->nd", w, hs), w


def _att_zeroes_padded_states(q, hs, mask=None):
    if mask is not None:
        hs[~mask] = 0.0  # the answer is right, but the caller's encoder states are changed
    return solutions.dot_attention(q, hs, mask)


def _add_missing_key_axis(q, hs, Wq, Wk, v):
    return np.tanh(q @ Wq + hs @ Wk) @ v  # (N, A) + (N, S, A) only broadcasts by accident


def _bw_unstable(q, hs, dcontext):
    scores = np.einsum("nd,nsd->ns", q, hs)
    w = np.exp(scores) / np.exp(scores).sum(axis=-1, keepdims=True)  # overflows for large scores
    dw = np.einsum("nd,nsd->ns", dcontext, hs)
    dscores = w * (dw - (dw * w).sum(axis=-1, keepdims=True))
    dhs = w[:, :, None] * dcontext[:, None, :] + dscores[:, :, None] * q[:, None, :]
    return np.einsum("ns,nsd->nd", dscores, hs), dhs


def _win_series_as_target(series, target, window, horizon):
    return solutions.make_windows(series, np.asarray(series)[:, 0], window, horizon)  # forecasts series 0


WRONG = [
    ("masked_softmax", _sm_ignores_mask, "padded position"),
    ("masked_softmax", _sm_mask_after_softmax, "sum to 1"),
    ("masked_softmax", _sm_mask_with_zero, "padded position"),
    ("masked_softmax", _sm_no_max_shift, "NaN"),
    ("masked_softmax", _sm_wrong_axis, "the last axis (the keys)"),
    ("dot_attention", _att_no_mask, "padded position"),
    ("dot_attention", _att_scaled, "sqrt(D)"),
    ("dot_attention", _att_swapped, "swapped"),
    ("dot_attention", _att_mean_context, "weighted sum"),
    ("dot_attention", _att_context_wrong_axis, "wrong shape of the context"),
    ("additive_scores", _add_no_tanh, "tanh"),
    ("additive_scores", _add_swapped_weights, "case"),
    ("additive_scores", _add_tanh_after_v, "tanh"),
    ("additive_scores", _add_sum_not_v, "wrong value"),
    ("dot_attention_backward", _bw_value_path_only, "key path"),
    ("dot_attention_backward", _bw_key_path_only, "value path"),
    ("dot_attention_backward", _bw_no_jacobian, "Jacobian"),
    ("dot_attention_backward", _bw_dq_zero, "dq"),
    ("make_windows", _win_target_overlaps, "right after window"),
    ("make_windows", _win_one_short, "windows"),
    ("make_windows", _win_transposed, "(M, window, K)"),
    ("make_windows", _win_swapped, "shape"),
    # hardening: numerical stability, inputs that must not change, the default mask, broadcasting, new data
    ("masked_softmax", _sm_global_max, "NaN"),
    ("masked_softmax", _sm_max_before_mask, "NaN"),
    ("masked_softmax", _sm_mutates_scores, "changed its input `scores` in place"),
    ("masked_softmax", _sm_mask_required, "raised TypeError"),
    ("dot_attention", _att_unstable, "NaN"),
    ("dot_attention", _att_zeroes_padded_states, "changed its input `hs` in place"),
    ("additive_scores", _add_missing_key_axis, "raised ValueError"),
    ("dot_attention_backward", _bw_unstable, "got nan"),
    ("make_windows", _win_series_as_target, "right after window"),
]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # a wrong softmax may overflow on purpose
@pytest.mark.parametrize("name, wrong, words", WRONG, ids=[w.__name__.lstrip("_") for _, w, _ in WRONG])
def test_wrong_answer_is_rejected(name, wrong, words):
    result = check(name, wrong)
    assert not result.passed
    assert words in result.message, result.message
    assert "case:" in result.message, "the verdict names the case"


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize(
    "name, wrong, hint",
    [
        ("masked_softmax", _sm_ignores_mask, "mask the scores with -inf first"),
        ("masked_softmax", _sm_mask_after_softmax, "mask the scores before"),
        ("masked_softmax", _sm_mask_with_zero, "exp(0) = 1"),
        ("masked_softmax", _sm_no_max_shift, "subtract each row's maximum first"),
        ("masked_softmax", _sm_global_max, "not the maximum of the whole array"),
        ("masked_softmax", _sm_max_before_mask, "over the real keys only"),
        ("dot_attention", _att_scaled, "1/sqrt(D)"),
        ("dot_attention", _att_no_mask, "pass the mask on"),
        ("additive_scores", _add_no_tanh, "apply tanh"),
        ("additive_scores", _add_tanh_after_v, "before the dot with v"),
        ("dot_attention_backward", _bw_value_path_only, "add the key path"),
        ("dot_attention_backward", _bw_no_jacobian, "Jacobian is missing"),
        ("make_windows", _win_target_overlaps, "starts at target[i + window]"),
    ],
    ids=lambda v: v.__name__.strip("_") if callable(v) else None,
)
def test_a_classic_mistake_is_named(name, wrong, hint):
    result = check(name, wrong)
    assert not result and hint in result.message, str(result)


def test_the_legacy_call_still_works():
    assert ch08.check_make_windows(solutions.make_windows)

