"""Chapter 06 checkers: the reference solutions pass, and plausible mistakes are caught with a useful message."""


import numpy as np
import pytest
import torch
import torch.nn.functional as F

from common.checkers import ch06
from conftest import CHAPTERS, HANGUL, load_solutions

CHAPTER = CHAPTERS / "06_rnn_lstm"
solutions = load_solutions(CHAPTER)


def check(name, fn):
    return getattr(ch06, name).check(fn)


# --------------------------------------------------------------------------- plausible wrong answers
def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _clip_per_array(grads, max_norm):
    return [g * min(1.0, max_norm / (np.linalg.norm(g) + 1e-6)) for g in grads]


def _clip_always(grads, max_norm):
    norm = np.sqrt(sum((g**2).sum() for g in grads))
    return [g * max_norm / (norm + 1e-6) for g in grads]


def _clip_by_value(grads, max_norm):
    return [np.clip(g, -max_norm, max_norm) for g in grads]


def _clip_squared_norm(grads, max_norm):
    norm = sum((g**2).sum() for g in grads)  # forgot the square root
    return [g * min(1.0, max_norm / (norm + 1e-6)) for g in grads]


def _temp_multiply(logits, temperature):
    return solutions.softmax_with_temperature(np.asarray(logits) * temperature**2, temperature)


def _temp_unstable(logits, temperature):
    e = np.exp(np.asarray(logits) / temperature)
    return e / e.sum(axis=-1, keepdims=True)


def _temp_whole_array(logits, temperature):
    z = np.asarray(logits) / temperature
    e = np.exp(z - z.max())
    return e / e.sum()


def _temp_ignores_temperature(logits, temperature):
    return solutions.softmax_with_temperature(logits, 1.0)


def _nll_counts_padding(logits, targets, pad_id):
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1)).item()


def _nll_divides_by_all(logits, targets, pad_id):
    nll = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), reduction="none")
    return (nll * (targets.reshape(-1) != pad_id)).mean().item()


def _nll_per_sequence(logits, targets, pad_id):
    nll = F.cross_entropy(logits.transpose(1, 2), targets, reduction="none")
    mask = (targets != pad_id).float()
    return ((nll * mask).sum(1) / mask.sum(1)).mean().item()


def _nll_raw_logits(logits, targets, pad_id):
    picked = logits.gather(-1, targets[..., None])[..., 0]
    return -picked[targets != pad_id].mean().item()


def _nll_per_position(logits, targets, pad_id):
    return F.cross_entropy(logits.transpose(1, 2), targets, ignore_index=pad_id, reduction="none")


def _nll_tensor(logits, targets, pad_id):
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=pad_id)


def _clip_in_place(grads, max_norm):
    norm = np.sqrt(sum((g**2).sum() for g in grads))
    if norm > max_norm:
        for g in grads:
            g *= max_norm / (norm + 1e-6)  # like torch's clip_grad_norm_, but the brief asks for new arrays
    return grads


def _clip_no_epsilon(grads, max_norm):
    norm = np.sqrt(sum((g**2).sum() for g in grads))
    return [g * (max_norm / norm) for g in grads] if norm > max_norm else [g.copy() for g in grads]


def _clip_epsilon_outside(grads, max_norm):
    norm = np.sqrt(sum((g**2).sum() for g in grads))
    return [g * (max_norm / norm + 1e-6) for g in grads] if norm > max_norm else [g.copy() for g in grads]


def _temp_global_max(logits, temperature):
    z = np.asarray(logits) / temperature
    e = np.exp(z - z.max())  # one max for the whole array: a row of small logits underflows to 0 / 0
    return e / e.sum(axis=-1, keepdims=True)


def _temp_in_place(logits, temperature):
    logits /= temperature  # changes the caller's logits (and fails on integer logits)
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _nll_pad_is_zero(logits, targets, pad_id):
    log_probs = F.log_softmax(logits.double(), dim=-1)
    picked = log_probs.gather(-1, targets.unsqueeze(-1)).squeeze(-1)
    return float(-picked[targets != 0].mean())


def _nll_log_of_softmax(logits, targets, pad_id):
    probs = F.softmax(logits.double(), dim=-1)
    picked = torch.log(probs).gather(-1, targets.unsqueeze(-1)).squeeze(-1)  # log(0) = -inf for a hopeless target
    return float(-picked[targets != pad_id].mean())


def _nll_shifts_logits_in_place(logits, targets, pad_id):
    logits -= logits.max(dim=-1, keepdim=True).values  # stable, but changes the caller's tensor
    return solutions.masked_nll(logits, targets, pad_id)


def _gates(x, h_prev, Wx, Wh, bx, bh):
    H = h_prev.shape[1]
    ax, ah = x @ Wx + bx, h_prev @ Wh + bh
    r, z = sigmoid(ax[:, :H] + ah[:, :H]), sigmoid(ax[:, H : 2 * H] + ah[:, H : 2 * H])
    return H, ax, ah, r, z


def _gru_z_swapped(x, h_prev, Wx, Wh, bx, bh):
    H, ax, ah, r, z = _gates(x, h_prev, Wx, Wh, bx, bh)
    n = np.tanh(ax[:, 2 * H :] + r * ah[:, 2 * H :])
    return z * n + (1 - z) * h_prev


def _gru_gates_zrn(x, h_prev, Wx, Wh, bx, bh):
    H, ax, ah, z, r = _gates(x, h_prev, Wx, Wh, bx, bh)  # the first block read as z, the second as r
    n = np.tanh(ax[:, 2 * H :] + r * ah[:, 2 * H :])
    return (1 - z) * n + z * h_prev


def _gru_bias_outside_reset(x, h_prev, Wx, Wh, bx, bh):
    H, ax, ah, r, z = _gates(x, h_prev, Wx, Wh, bx, bh)
    n = np.tanh(ax[:, 2 * H :] + r * (h_prev @ Wh[:, 2 * H :]) + bh[2 * H :])  # the usual paper form
    return (1 - z) * n + z * h_prev


def _gru_no_reset(x, h_prev, Wx, Wh, bx, bh):
    H, ax, ah, r, z = _gates(x, h_prev, Wx, Wh, bx, bh)
    n = np.tanh(ax[:, 2 * H :] + ah[:, 2 * H :])
    return (1 - z) * n + z * h_prev


def _gru_sigmoid_candidate(x, h_prev, Wx, Wh, bx, bh):
    H, ax, ah, r, z = _gates(x, h_prev, Wx, Wh, bx, bh)
    n = sigmoid(ax[:, 2 * H :] + r * ah[:, 2 * H :])
    return (1 - z) * n + z * h_prev


def _gru_one_bias(x, h_prev, Wx, Wh, bx, bh):
    return solutions.gru_step(x, h_prev, Wx, Wh, bx + bh, np.zeros_like(bh))  # biases merged outside r


def _gru_bwd_parts(dh_next, x, h_prev, Wx, Wh, bx, bh):
    H, ax, ah, r, z = _gates(x, h_prev, Wx, Wh, bx, bh)
    n = np.tanh(ax[:, 2 * H :] + r * ah[:, 2 * H :])
    dn = dh_next * (1 - z) * (1 - n**2)
    dz = dh_next * (h_prev - n) * z * (1 - z)
    dr = dn * ah[:, 2 * H :] * r * (1 - r)
    return H, r, z, n, dn, dz, dr


def _gru_bwd_no_direct_path(dh_next, x, h_prev, Wx, Wh, bx, bh):
    dx, dh_prev, *rest = solutions.gru_step_backward(dh_next, x, h_prev, Wx, Wh, bx, bh)
    H, r, z, *_ = _gru_bwd_parts(dh_next, x, h_prev, Wx, Wh, bx, bh)
    return (dx, dh_prev - dh_next * z, *rest)


def _gru_bwd_n_block_not_scaled(dh_next, x, h_prev, Wx, Wh, bx, bh):
    H, r, z, n, dn, dz, dr = _gru_bwd_parts(dh_next, x, h_prev, Wx, Wh, bx, bh)
    dax = np.concatenate([dr, dz, dn], axis=1)
    dah = np.concatenate([dr, dz, dn], axis=1)  # forgot that r scaled the n block
    return dax @ Wx.T, dah @ Wh.T + dh_next * z, x.T @ dax, h_prev.T @ dah, dax.sum(0), dah.sum(0)


def _gru_bwd_dz_sign(dh_next, x, h_prev, Wx, Wh, bx, bh):
    H, r, z, n, dn, dz, dr = _gru_bwd_parts(dh_next, x, h_prev, Wx, Wh, bx, bh)
    dax = np.concatenate([dr, -dz, dn], axis=1)
    dah = np.concatenate([dr, -dz, dn * r], axis=1)
    return dax @ Wx.T, dah @ Wh.T + dh_next * z, x.T @ dax, h_prev.T @ dah, dax.sum(0), dah.sum(0)


def _gru_bwd_dbh_like_dbx(dh_next, x, h_prev, Wx, Wh, bx, bh):
    dx, dh_prev, dWx, dWh, dbx, dbh = solutions.gru_step_backward(dh_next, x, h_prev, Wx, Wh, bx, bh)
    return dx, dh_prev, dWx, dWh, dbx, dbx.copy()


def _gru_bwd_dr_without_bias(dh_next, x, h_prev, Wx, Wh, bx, bh):
    H, r, z, n, dn, dz, _ = _gru_bwd_parts(dh_next, x, h_prev, Wx, Wh, bx, bh)
    dr = dn * (h_prev @ Wh[:, 2 * H :]) * r * (1 - r)
    dax = np.concatenate([dr, dz, dn], axis=1)
    dah = np.concatenate([dr, dz, dn * r], axis=1)
    return dax @ Wx.T, dah @ Wh.T + dh_next * z, x.T @ dax, h_prev.T @ dah, dax.sum(0), dah.sum(0)


def _gru_bwd_transposed_dWh(dh_next, x, h_prev, Wx, Wh, bx, bh):
    dx, dh_prev, dWx, dWh, dbx, dbh = solutions.gru_step_backward(dh_next, x, h_prev, Wx, Wh, bx, bh)
    return dx, dh_prev, dWx, dWh.T, dbx, dbh


def _gru_bwd_five(dh_next, x, h_prev, Wx, Wh, bx, bh):
    return solutions.gru_step_backward(dh_next, x, h_prev, Wx, Wh, bx, bh)[:5]


def _gru_bwd_in_place(dh_next, x, h_prev, Wx, Wh, bx, bh):
    grads = solutions.gru_step_backward(dh_next, x, h_prev, Wx, Wh, bx, bh)
    dh_next *= 0  # reuses the caller's array
    return grads


WRONG = [
    ("clip_grads_by_norm", _clip_per_array, "one global norm"),
    ("clip_grads_by_norm", _clip_always, "only when the norm is larger"),
    ("clip_grads_by_norm", _clip_by_value, "clip the norm instead"),
    ("clip_grads_by_norm", _clip_squared_norm, "square root of the sum"),
    ("clip_grads_by_norm", _clip_in_place, "changed its input `grads` in place"),
    ("clip_grads_by_norm", _clip_no_epsilon, "max_norm / (norm + 1e-6)"),
    ("clip_grads_by_norm", _clip_epsilon_outside, "max_norm / (norm + 1e-6)"),
    ("softmax_with_temperature", _temp_multiply, "do not multiply"),
    ("softmax_with_temperature", _temp_unstable, "Hint: exp overflowed"),
    ("softmax_with_temperature", _temp_whole_array, "normalise each row"),
    ("softmax_with_temperature", _temp_ignores_temperature, "divide the logits by the temperature first"),
    ("softmax_with_temperature", _temp_global_max, "each row's own maximum"),
    ("softmax_with_temperature", _temp_in_place, "changed its input `logits` in place"),
    ("masked_nll", _nll_counts_padding, "padding targets were counted"),
    ("masked_nll", _nll_divides_by_all, "not by every position"),
    ("masked_nll", _nll_per_sequence, "not per sequence"),
    ("masked_nll", _nll_raw_logits, "log_softmax"),
    ("masked_nll", _nll_per_position, "return a Python float"),
    ("masked_nll", _nll_tensor, "return a Python float"),
    ("masked_nll", _nll_pad_is_zero, "not always 0"),
    ("masked_nll", _nll_log_of_softmax, "use `F.log_softmax`"),
    ("masked_nll", _nll_shifts_logits_in_place, "changed its input `logits` in place"),
    ("gru_step", _gru_z_swapped, "z is the share of the old state kept"),
    ("gru_step", _gru_gates_zrn, "sliced as z, r, n"),
    ("gru_step", _gru_bias_outside_reset, "bias included"),
    ("gru_step", _gru_no_reset, "reset gate r is missing"),
    ("gru_step", _gru_sigmoid_candidate, "candidate n uses tanh"),
    ("gru_step", _gru_one_bias, "wrong value of the h_next"),
    ("gru_step_backward", _gru_bwd_no_direct_path, "misses the direct path"),
    ("gru_step_backward", _gru_bwd_n_block_not_scaled, "its gradient is dn * r"),
    ("gru_step_backward", _gru_bwd_dz_sign, "h_prev - n"),
    ("gru_step_backward", _gru_bwd_dbh_like_dbx, "dbh sums the gradient of the hidden part"),
    ("gru_step_backward", _gru_bwd_dr_without_bias, "bias included: dr = dn"),
    ("gru_step_backward", _gru_bwd_transposed_dWh, "wrong shape of the dWh"),
    ("gru_step_backward", _gru_bwd_five, "expected a tuple (dx, dh_prev, dWx, dWh, dbx, dbh)"),
    ("gru_step_backward", _gru_bwd_in_place, "changed its input `dh_next` in place"),
]


@pytest.mark.parametrize("name, fn, words", WRONG, ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(WRONG)])
def test_wrong_answer_is_rejected(name, fn, words):
    with np.errstate(over="ignore", invalid="ignore"):
        result = check(name, fn)
    assert not result.passed, f"{fn.__name__} should fail, got: {result}"
    assert words in str(result), str(result)
    assert "case:" in result.message


@pytest.mark.parametrize(
    "name, fn, hint",
    [("clip_grads_by_norm", _clip_per_array, "one global norm"), ("clip_grads_by_norm", _clip_always, "only when"),
     ("softmax_with_temperature", _temp_unstable, "subtract each row's maximum"),
     ("gru_step", _gru_z_swapped, "z is the share of the old state"),
     ("gru_step", _gru_bias_outside_reset, "bias included"),
     ("gru_step_backward", _gru_bwd_no_direct_path, "dh_next * z"),
     ("gru_step_backward", _gru_bwd_n_block_not_scaled, "dn * r"),
     ("masked_nll", _nll_counts_padding, "padding targets were counted"),
     ("masked_nll", _nll_divides_by_all, "number of real (non-padding) targets")],
)
def test_a_classic_mistake_is_named(name, fn, hint):
    with np.errstate(over="ignore", invalid="ignore"):
        message = check(name, fn).message
    assert "Hint:" in message and hint in message.split("Hint:", 1)[1], message


def test_equivalent_answers_are_accepted():
    """PyTorch's own cross-entropy (as a float), a NumPy float and float32 probabilities are all right."""
    assert check("masked_nll", lambda *a: _nll_tensor(*a).item())
    assert check("masked_nll", lambda *a: np.float64(solutions.masked_nll(*a)))
    assert check("softmax_with_temperature", lambda *a: solutions.softmax_with_temperature(*a).astype(np.float32))
    assert check("clip_grads_by_norm", lambda grads, m: tuple(solutions.clip_grads_by_norm(grads, m)))


# --------------------------------------------------------------------------- the exercise notebook's contract


def test_solutions_agree_with_the_course_layers_and_autograd():
    """The GRU answers are common.np_rnn.GRU, and its gradients are PyTorch's (float64)."""
    from common import np_rnn
    from common.charlm import sequence_loss

    rng = np.random.default_rng(0)
    N, D, H = 3, 4, 5
    x, h = rng.standard_normal((N, D)), rng.standard_normal((N, H))
    Wx, Wh = rng.standard_normal((D, 3 * H)), rng.standard_normal((H, 3 * H))
    bx, bh = rng.standard_normal(3 * H), rng.standard_normal(3 * H)
    cell = np_rnn.GRU(Wx, Wh, bx, bh)
    assert np.allclose(solutions.gru_step(x, h, Wx, Wh, bx, bh), cell.forward(x, h))
    dh = rng.standard_normal((N, H))
    dx, dh_prev = cell.backward(dh)
    got = solutions.gru_step_backward(dh, x, h, Wx, Wh, bx, bh)
    for a, e in zip(got, [dx, dh_prev, *cell.grads]):
        assert np.allclose(a, e)

    gru = torch.nn.GRU(D, H, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        for name, value in zip(["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"], [Wx, Wh, bx, bh]):
            getattr(gru, name).copy_(torch.tensor(value.T))
    xt, ht = torch.tensor(x[:, None], requires_grad=True), torch.tensor(h[None], requires_grad=True)
    out, _ = gru(xt, ht)
    assert np.allclose(out[:, 0].detach().numpy(), solutions.gru_step(x, h, Wx, Wh, bx, bh))
    (out[:, 0] * torch.tensor(dh)).sum().backward()
    expected = [xt.grad[:, 0], ht.grad[0], gru.weight_ih_l0.grad.T, gru.weight_hh_l0.grad.T, gru.bias_ih_l0.grad,
                gru.bias_hh_l0.grad]
    for a, e in zip(got, expected):
        np.testing.assert_allclose(a, e.numpy(), atol=1e-12)

    logits, targets = torch.randn(2, 3, 4, dtype=torch.float64), torch.tensor([[1, 2, 0], [3, 0, 0]])
    assert abs(solutions.masked_nll(logits, targets, 0) - sequence_loss(logits, targets).item()) < 1e-12


@pytest.mark.parametrize("wrong, words", [
    (lambda: "a", "you chose 'a'"), (lambda: "b", "you chose 'b' (only the LSTM)"), (lambda: "c", "you chose 'c'"),
    (lambda: "lstm", "answer with one of 'a', 'b', 'c', 'd'"),
])
def test_a_wrong_prediction_is_rejected_and_says_why(wrong, words):
    result = check("predict_first_bit", wrong)
    assert not result.passed and words in result.message, str(result)
    if "you chose" in words:
        assert "forget gate starts near sigmoid(0) = 0.5" in result.message


def test_the_experiment_reports_what_the_run_reached():
    result = check("choose_forget_bias", solutions.choose_forget_bias)
    assert result.passed, str(result)
    assert "forget-gate bias 4 (f starts near 0.982" in result.message and "asked: at least 95%" in result.message
    assert "recalled the first bit of" in result.message


@pytest.mark.parametrize("bias, words", [
    (0.0, "forget-gate bias 0 (f starts near 0.500, f**30 = 9.3e-10): the LSTM recalled the first bit of"),
    (1.0, "forget-gate bias 1 (f starts near 0.731"),  # Keras' default is not enough for 30 steps
    (float("nan"), "return a finite bias"),
    ("4", "return one number"),
])
def test_an_experiment_that_misses_the_target_is_rejected(bias, words):
    result = check("choose_forget_bias", lambda: bias)
    assert not result.passed and words in result.message, str(result)


# --------------------------------------------------------------------------- the Korean edition


KOREAN_WRONG = [
    ("clip_grads_by_norm", _clip_per_array, "모든 배열을 합쳐서 구한 전체 노름 하나"),
    ("clip_grads_by_norm", _clip_always, "노름이 max_norm보다 클 때만 줄이세요"),
    ("softmax_with_temperature", _temp_unstable, "각 행의 최댓값을 빼세요"),
    ("masked_nll", _nll_counts_padding, "패딩 정답까지 셌습니다"),
    ("masked_nll", _nll_pad_is_zero, "언제나 0인 것은 아닙니다"),
    ("gru_step", _gru_z_swapped, "z는 이전 상태 중에서 남기는 몫"),
    ("gru_step_backward", _gru_bwd_no_direct_path, "dh_prev에 직접 경로가 빠졌습니다"),
    ("gru_step_backward", _gru_bwd_dz_sign, "n - h_prev가 아니라 h_prev - n"),
]


@pytest.mark.parametrize("name, wrong, fact", KOREAN_WRONG, ids=[w.__name__ for _, w, _ in KOREAN_WRONG])
def test_a_wrong_answer_is_explained_in_korean(korean, name, wrong, fact):
    with np.errstate(all="ignore"):
        result = getattr(ch06, name).check(wrong)
    assert not result.passed and str(result).startswith(f"실패 {name}"), str(result)
    assert fact in result.message and "사례:" in result.message, result.message


def test_a_korean_verdict_names_the_value_and_the_case(korean):
    message = ch06.softmax_with_temperature.check(_temp_multiply).message
    assert "확률의 값이 틀렸습니다" in message and "문제 설명의 예: [0, log 3], 온도 0.5" in message, message


def test_predictions_and_the_experiment_are_explained_in_korean(korean):
    wrong = ch06.predict_first_bit.check(lambda: "b")
    assert not wrong and "'b'(LSTM만)" in wrong.message, wrong.message
    assert "망각 게이트가 sigmoid(0) = 0.5 근처에서 시작" in wrong.message, wrong.message
    right = ch06.predict_first_bit.check(solutions.predict_first_bit)
    assert right and "둘 다 우연 수준인 약 50%" in str(right), str(right)
    short = ch06.choose_forget_bias.check(lambda: 1.0)
    assert not short and "망각 게이트 편향 1 (f는 0.731 근처에서 시작" in short.message, short.message
    assert "첫 비트를 기억해 냈습니다. 목표: 95% 이상" in short.message, short.message
    assert "유한한 편향" in ch06.choose_forget_bias.check(lambda: float("nan")).message
    assert "숫자 하나로 반환하세요" in ch06.choose_forget_bias.check(lambda: "4").message


def test_the_language_is_english_again_after_the_korean_tests():
    message = ch06.clip_grads_by_norm.check(_clip_per_array).message
    assert "one global norm" in message and not HANGUL.search(message), message
