"""Chapter 08 checkers: plausible mistakes are caught with a useful message.

The shared contract (the solution passes, a stub is "not implemented", broken code becomes a
verdict, signatures match) is tested for every chapter in tests/test_exercises.py.
"""

import numpy as np
import pytest
import torch

from common.checkers import ch08
from conftest import CHAPTERS, HANGUL, load_solutions

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


def _bw_unstable(q, hs, dcontext):
    scores = np.einsum("nd,nsd->ns", q, hs)
    w = np.exp(scores) / np.exp(scores).sum(axis=-1, keepdims=True)  # overflows for large scores
    dw = np.einsum("nd,nsd->ns", dcontext, hs)
    dscores = w * (dw - (dw * w).sum(axis=-1, keepdims=True))
    dhs = w[:, :, None] * dcontext[:, None, :] + dscores[:, :, None] * q[:, None, :]
    return np.einsum("ns,nsd->nd", dscores, hs), dhs


# --------------------------------------------------------------------------- predict, input attention, experiment
def _ia(h, s, x, W_e, b_e, U_e, v_e, order="hs", keys_by_hour=False, bias=True, tanh=True, normalise=True,
        axis=-1, stable=True):
    query = np.concatenate([h, s] if order == "hs" else [s, h], axis=-1) @ W_e + (b_e if bias else 0.0)
    keys = (x if keys_by_hour else np.transpose(x, (0, 2, 1))) @ U_e
    z = query[:, None, :] + keys
    scores = (np.tanh(z) if tanh else z) @ v_e
    if not normalise:
        return scores
    e = np.exp(scores - scores.max(axis=axis, keepdims=True)) if stable else np.exp(scores)
    return e / e.sum(axis=axis, keepdims=True)


def _ia_keys_by_hour(h, s, x, W_e, b_e, U_e, v_e):
    return _ia(h, s, x, W_e, b_e, U_e, v_e, keys_by_hour=True)  # runs only when T == K


def _ia_state_order(h, s, x, W_e, b_e, U_e, v_e):
    return _ia(h, s, x, W_e, b_e, U_e, v_e, order="sh")


def _ia_no_bias(h, s, x, W_e, b_e, U_e, v_e):
    return _ia(h, s, x, W_e, b_e, U_e, v_e, bias=False)


def _ia_no_tanh(h, s, x, W_e, b_e, U_e, v_e):
    return _ia(h, s, x, W_e, b_e, U_e, v_e, tanh=False)


def _ia_scores(h, s, x, W_e, b_e, U_e, v_e):
    return _ia(h, s, x, W_e, b_e, U_e, v_e, normalise=False)


def _ia_batch_axis(h, s, x, W_e, b_e, U_e, v_e):
    return _ia(h, s, x, W_e, b_e, U_e, v_e, axis=0)


def _ia_unstable(h, s, x, W_e, b_e, U_e, v_e):
    return _ia(h, s, x, W_e, b_e, U_e, v_e, stable=False)


def _ia_query_h_only(h, s, x, W_e, b_e, U_e, v_e):
    return _ia(h, np.zeros_like(s), x, W_e, b_e, U_e, v_e)  # drops the cell state


def _ia_returns_weighted_inputs(h, s, x, W_e, b_e, U_e, v_e):
    return solutions.input_attention(h, s, x, W_e, b_e, U_e, v_e) * x[:, -1]  # alpha * x_t, not alpha


def _predict_a():
    return "a"


def _predict_c():
    return "c"


def _predict_number():
    return 2


def _lr_too_small():
    return 1e-4


def _lr_too_large():
    return 0.1


def _lr_text():
    return "0.01"


def _lr_negative():
    return -0.01


def _lr_list():
    return [0.01, 0.003]


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
    ("dot_attention_backward", _bw_value_path_only, "key path"),
    ("dot_attention_backward", _bw_key_path_only, "value path"),
    ("dot_attention_backward", _bw_no_jacobian, "Jacobian"),
    ("dot_attention_backward", _bw_dq_zero, "dq"),
    ("input_attention", _ia_keys_by_hour, "transpose x to (N, K, T)"),
    ("input_attention", _ia_state_order, "h first"),
    ("input_attention", _ia_no_bias, "b_e"),
    ("input_attention", _ia_no_tanh, "tanh"),
    ("input_attention", _ia_scores, "sum to 1"),
    ("input_attention", _ia_batch_axis, "sum to 1"),
    ("input_attention", _ia_unstable, "NaN"),
    ("input_attention", _ia_query_h_only, "wrong value of the weights"),
    ("input_attention", _ia_returns_weighted_inputs, "sum to 1"),
    # hardening: numerical stability, inputs that must not change, the default mask
    ("masked_softmax", _sm_global_max, "NaN"),
    ("masked_softmax", _sm_max_before_mask, "NaN"),
    ("masked_softmax", _sm_mutates_scores, "changed its input `scores` in place"),
    ("masked_softmax", _sm_mask_required, "raised TypeError"),
    ("dot_attention", _att_unstable, "NaN"),
    ("dot_attention", _att_zeroes_padded_states, "changed its input `hs` in place"),
    ("dot_attention_backward", _bw_unstable, "got nan"),
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
        ("dot_attention_backward", _bw_value_path_only, "add the key path"),
        ("dot_attention_backward", _bw_no_jacobian, "Jacobian is missing"),
        ("input_attention", _ia_state_order, "the query is [h; s]"),
        ("input_attention", _ia_no_bias, "add the bias b_e"),
        ("input_attention", _ia_no_tanh, "apply tanh before the dot product"),
    ],
    ids=lambda v: v.__name__.strip("_") if callable(v) else None,
)
def test_a_classic_mistake_is_named(name, wrong, hint):
    result = check(name, wrong)
    assert not result and hint in result.message, str(result)


def test_input_attention_solution_matches_the_lessons_pytorch_layers():
    """The lesson's DARNN computes e = v_e(tanh(W_e([h, s]) + U_e(x^T))) with nn.Linear layers."""
    torch.manual_seed(0)
    N, H, T, K, A = 3, 4, 5, 6, 4
    W_e, U_e, v_e = torch.nn.Linear(2 * H, A).double(), torch.nn.Linear(T, A, bias=False).double(), \
        torch.nn.Linear(A, 1, bias=False).double()
    h, s, x = torch.randn(N, H).double(), torch.randn(N, H).double(), torch.randn(N, T, K).double()
    e = v_e(torch.tanh(W_e(torch.cat([h, s], dim=-1)).unsqueeze(1) + U_e(x.transpose(1, 2)))).squeeze(-1)
    alpha = torch.softmax(e, dim=-1).detach().numpy()
    ours = solutions.input_attention(h.numpy(), s.numpy(), x.numpy(), W_e.weight.detach().numpy().T,
                                     W_e.bias.detach().numpy(), U_e.weight.detach().numpy().T,
                                     v_e.weight.detach().numpy()[0])
    np.testing.assert_allclose(ours, alpha, rtol=1e-10)


PREDICTIONS = [(_predict_a, "not what happens: you chose 'a'"), (_predict_c, "not what happens: you chose 'c'"),
               (_predict_number, "answer with one of 'a', 'b', 'c'")]


@pytest.mark.parametrize("fn, words", PREDICTIONS, ids=[fn.__name__.strip("_") for fn, _ in PREDICTIONS])
def test_a_wrong_prediction_is_rejected_and_told_why(fn, words):
    result = check("predict_shuffled_keys", fn)
    assert not result and words in result.message, str(result)
    if "not what happens" in words:
        assert "a sum does not depend on the order of its terms" in result.message, "the verdict says why"


def test_the_predicted_invariance_is_real():
    rng = np.random.default_rng(1)
    q, hs = rng.normal(size=(2, 3)), rng.normal(size=(2, 6, 3))
    mask = np.array([[True] * 4 + [False] * 2, [True] * 6])
    order = rng.permutation(6)
    context, w = solutions.dot_attention(q, hs, mask)
    context_shuffled, w_shuffled = solutions.dot_attention(q, hs[:, order], mask[:, order])
    np.testing.assert_allclose(context_shuffled, context, rtol=1e-12)
    np.testing.assert_allclose(w_shuffled, w[:, order], rtol=1e-12)


LEARNING_RATES = [
    (_lr_too_small, "reached"),
    (_lr_too_large, "reached"),
    (_lr_text, "one number"),
    (_lr_negative, "(0, 1]"),
    (_lr_list, "one number"),
]


@pytest.mark.parametrize("fn, words", LEARNING_RATES, ids=[fn.__name__.strip("_") for fn, _ in LEARNING_RATES])
def test_a_learning_rate_that_misses_the_target_is_rejected_with_the_accuracy_reached(fn, words):
    result = check("copy_learning_rate", fn)
    assert not result and words in result.message, str(result)
    if words == "reached":
        asked = "exact match on 500 held-out strings of 8-12 digits after 200 steps; asked: at least 90%"
        assert asked in result.message
        assert float(result.message.split("reached ")[1].split("%")[0]) < 90


def test_the_experiment_reaches_its_target_with_a_margin():
    assert ch08.run_copy_experiment(solutions.copy_learning_rate()) >= 0.93


def test_the_legacy_call_still_works():
    assert ch08.check_input_attention(solutions.input_attention)


# --------------------------------------------------------------------------- the Korean edition


KOREAN_WRONG = [
    ("masked_softmax", _sm_ignores_mask, "패딩 위치(mask가 False)에 0이 아닌 가중치가 붙었습니다"),
    ("masked_softmax", _sm_no_max_shift, "np.exp 전에 각 행에서 실제 키들 가운데 최댓값을 빼세요"),
    ("masked_softmax", _sm_global_max, "배열 전체의 최댓값이 아니라 각 행 자신의 최댓값"),
    ("dot_attention", _att_swapped, "context를 먼저, (context, weights) 순서로 반환하세요"),
    ("dot_attention", _att_mean_context, "문맥 벡터는 인코더 상태들의 가중합"),
    ("dot_attention", _att_context_wrong_axis, "문맥 벡터(context)의 모양(shape)이 틀렸습니다"),
    ("dot_attention_backward", _bw_value_path_only, "키 경로 dscores[n, s] * q[n]을 더하세요"),
    ("dot_attention_backward", _bw_no_jacobian, "소프트맥스의 야코비 행렬이 빠졌습니다"),
    ("input_attention", _ia_keys_by_hour, "x를 (N, K, T)로 전치하세요"),
    ("input_attention", _ia_query_h_only, "가중치(weights)의 값이 틀렸습니다"),
]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("name, wrong, fact", KOREAN_WRONG, ids=[w.__name__.lstrip("_") for _, w, _ in KOREAN_WRONG])
def test_a_wrong_answer_is_explained_in_korean(korean, name, wrong, fact):
    result = check(name, wrong)
    assert not result.passed and str(result).startswith(f"실패 {name}")
    assert fact in result.message, result.message
    assert "(사례: " in result.message and HANGUL.search(result.message.split("(사례: ")[1]), "the case is Korean"


def test_the_prediction_and_the_experiment_are_explained_in_korean(korean):
    wrong = check("predict_shuffled_keys", _predict_a)
    assert not wrong and "합은 항의 순서에 좌우되지 않습니다" in wrong.message, wrong.message
    assert "'a'(문맥 벡터가 바뀐다" in wrong.message
    right = check("predict_shuffled_keys", solutions.predict_shuffled_keys)
    assert right and "문맥 벡터는 그대로이고" in right.message, right.message
    assert "학습률을 숫자 하나로 반환하세요" in check("copy_learning_rate", _lr_text).message
    assert "(0, 1] 범위의 수여야 하는데 -0.01입니다" in check("copy_learning_rate", _lr_negative).message
    small = check("copy_learning_rate", _lr_too_small)  # trained once: the English test cached the accuracy
    assert not small and "떼어 둔 8~12자리 숫자열 500개에서 완전 일치" in small.message, small.message
    assert "목표: 최소 90%" in small.message


def test_the_language_is_english_again_after_the_korean_tests():
    assert "padded position (mask False)" in check("masked_softmax", _sm_ignores_mask).message
