"""Chapter 06 checkers: the reference solutions pass, and plausible mistakes are caught with a useful message."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from common.checkers import ch06
from conftest import CHAPTERS, load_solutions

CHAPTER = CHAPTERS / "06_rnn_lstm"
solutions = load_solutions(CHAPTER)


def check(name, fn):
    return getattr(ch06, name).check(fn)


# --------------------------------------------------------------------------- plausible wrong answers
def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _rnn_no_tanh(x, h_prev, Wx, Wh, b):
    return x @ Wx + h_prev @ Wh + b


def _rnn_sigmoid(x, h_prev, Wx, Wh, b):
    return sigmoid(x @ Wx + h_prev @ Wh + b)


def _rnn_no_bias(x, h_prev, Wx, Wh, b):
    return np.tanh(x @ Wx + h_prev @ Wh)


def _rnn_transposed_wh(x, h_prev, Wx, Wh, b):
    return np.tanh(x @ Wx + h_prev @ Wh.T + b)


def _rnn_forgets_return(x, h_prev, Wx, Wh, b):
    np.tanh(x @ Wx + h_prev @ Wh + b)


def _bwd_no_tanh_derivative(dh_next, x, h_prev, h_next, Wx, Wh):
    return dh_next @ Wx.T, dh_next @ Wh.T, x.T @ dh_next, h_prev.T @ dh_next, dh_next.sum(axis=0)


def _bwd_derivative_at_h_prev(dh_next, x, h_prev, h_next, Wx, Wh):
    da = dh_next * (1 - h_prev**2)
    return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)


def _bwd_transposed_dWx(dh_next, x, h_prev, h_next, Wx, Wh):
    da = dh_next * (1 - h_next**2)
    return da @ Wx.T, da @ Wh.T, da.T @ x, h_prev.T @ da, da.sum(axis=0)


def _bwd_db_wrong_axis(dh_next, x, h_prev, h_next, Wx, Wh):
    da = dh_next * (1 - h_next**2)
    return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da.sum(axis=1)


def _bwd_forgets_db(dh_next, x, h_prev, h_next, Wx, Wh):
    da = dh_next * (1 - h_next**2)
    return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da


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


def _lstm(order="ifgo", tanh_c=True, input_gate=True):
    def step(x, h_prev, c_prev, Wx, Wh, b):
        H = h_prev.shape[1]
        A = x @ Wx + h_prev @ Wh + b
        s = {k: A[:, j * H : (j + 1) * H] for j, k in enumerate(order)}
        i, f, g, o = sigmoid(s["i"]), sigmoid(s["f"]), np.tanh(s["g"]), sigmoid(s["o"])
        c = f * c_prev + (i * g if input_gate else g)
        return o * (np.tanh(c) if tanh_c else c), c

    return step


def _lstm_all_sigmoid(x, h_prev, c_prev, Wx, Wh, b):
    H = h_prev.shape[1]
    A = sigmoid(x @ Wx + h_prev @ Wh + b)
    c = A[:, H : 2 * H] * c_prev + A[:, :H] * A[:, 2 * H : 3 * H]
    return A[:, 3 * H :] * np.tanh(c), c


def _lstm_returns_h_only(x, h_prev, c_prev, Wx, Wh, b):
    return _lstm()(x, h_prev, c_prev, Wx, Wh, b)[0]


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


def _bwd_double_tanh(dh_next, x, h_prev, h_next, Wx, Wh):
    da = dh_next * (1 - np.tanh(h_next) ** 2)  # h_next is already tanh(a)
    return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)


def _bwd_wh_not_transposed(dh_next, x, h_prev, h_next, Wx, Wh):
    da = dh_next * (1 - h_next**2)
    return da @ Wx.T, da @ Wh, x.T @ da, h_prev.T @ da, da.sum(axis=0)


def _bwd_in_place(dh_next, x, h_prev, h_next, Wx, Wh):
    dh_next *= 1 - h_next**2  # saves an array, but the caller's dh_next is gone
    return dh_next @ Wx.T, dh_next @ Wh.T, x.T @ dh_next, h_prev.T @ dh_next, dh_next.sum(axis=0)


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


def _lstm_c_prev_in_place(x, h_prev, c_prev, Wx, Wh, b):
    H = h_prev.shape[1]
    A = x @ Wx + h_prev @ Wh + b
    i, f, g, o = sigmoid(A[:, :H]), sigmoid(A[:, H : 2 * H]), np.tanh(A[:, 2 * H : 3 * H]), sigmoid(A[:, 3 * H :])
    c_prev *= f  # the caller's cell state changes
    c_prev += i * g
    return o * np.tanh(c_prev), c_prev


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


WRONG = [
    ("rnn_step", _rnn_no_tanh, "tanh is missing"),
    ("rnn_step", _rnn_sigmoid, "not the sigmoid"),
    ("rnn_step", _rnn_no_bias, "bias b is missing"),
    ("rnn_step", _rnn_transposed_wh, "Wh.T"),
    ("rnn_step", _rnn_forgets_return, "forget `return`"),
    ("rnn_step_backward", _bwd_no_tanh_derivative, "1 - h_next**2 first"),
    ("rnn_step_backward", _bwd_derivative_at_h_prev, "not h_prev"),
    ("rnn_step_backward", _bwd_transposed_dWx, "dWx is transposed"),
    ("rnn_step_backward", _bwd_db_wrong_axis, "wrong shape of the db"),
    ("rnn_step_backward", _bwd_forgets_db, "got a 4-item tuple"),
    ("rnn_step_backward", _bwd_double_tanh, "no second tanh"),
    ("rnn_step_backward", _bwd_wh_not_transposed, "dh_prev = da @ Wh.T"),
    ("rnn_step_backward", _bwd_in_place, "changed its input `dh_next` in place"),
    ("clip_grads_by_norm", _clip_per_array, "one global norm"),
    ("clip_grads_by_norm", _clip_always, "only when the norm is larger"),
    ("clip_grads_by_norm", _clip_by_value, "clip the norm instead"),
    ("clip_grads_by_norm", _clip_squared_norm, "square root of the sum"),
    ("clip_grads_by_norm", _clip_in_place, "changed its input `grads` in place"),
    ("clip_grads_by_norm", _clip_no_epsilon, "max_norm / (norm + 1e-6)"),
    ("clip_grads_by_norm", _clip_epsilon_outside, "max_norm / (norm + 1e-6)"),
    ("lstm_step", _lstm(order="fgio"), "sliced as f, g, i, o"),
    ("lstm_step", _lstm(order="ifog"), "sliced as i, f, o, g"),
    ("lstm_step", _lstm(tanh_c=False), "tanh of the cell state is missing"),
    ("lstm_step", _lstm(input_gate=False), "input gate i is missing"),
    ("lstm_step", _lstm(order="fiog"), "sliced as f, i, o, g"),
    ("lstm_step", _lstm_all_sigmoid, "candidate g uses tanh"),
    ("lstm_step", _lstm_returns_h_only, "expected a tuple (h_next, c_next), got ndarray"),
    ("lstm_step", _lstm_c_prev_in_place, "changed its input `c_prev` in place"),
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
    [("rnn_step", _rnn_no_tanh, "tanh is missing"), ("rnn_step_backward", _bwd_no_tanh_derivative, "1 - h_next**2"),
     ("clip_grads_by_norm", _clip_per_array, "one global norm"), ("clip_grads_by_norm", _clip_always, "only when"),
     ("lstm_step", _lstm(order="fgio"), "PyTorch's order is i, f, g, o"),
     ("lstm_step", _lstm(tanh_c=False), "tanh of the cell state"),
     ("softmax_with_temperature", _temp_unstable, "subtract each row's maximum"),
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


def test_solutions_agree_with_the_course_layers():
    """The exercise answers are the building blocks of common.np_rnn."""
    from common import np_rnn

    rng = np.random.default_rng(0)
    N, D, H = 3, 4, 5
    x, h, c = rng.standard_normal((N, D)), rng.standard_normal((N, H)), rng.standard_normal((N, H))
    Wx, Wh, b = rng.standard_normal((D, 4 * H)), rng.standard_normal((H, 4 * H)), rng.standard_normal(4 * H)
    h_next, c_next = np_rnn.LSTM(Wx, Wh, b).forward(x, h, c)
    ours = solutions.lstm_step(x, h, c, Wx, Wh, b)
    assert np.allclose(ours[0], h_next) and np.allclose(ours[1], c_next)
    cell = np_rnn.RNN(Wx[:, :H], Wh[:, :H], b[:H])
    h1 = cell.forward(x, h)
    dh = rng.standard_normal((N, H))
    dx, dh_prev = cell.backward(dh)
    got = solutions.rnn_step_backward(dh, x, h, h1, Wx[:, :H], Wh[:, :H])
    for a, e in zip(got, [dx, dh_prev, *cell.grads]):
        assert np.allclose(a, e)
    logits, targets = torch.randn(2, 3, 4, dtype=torch.float64), torch.tensor([[1, 2, 0], [3, 0, 0]])
    from common.charlm import sequence_loss

    assert abs(solutions.masked_nll(logits, targets, 0) - sequence_loss(logits, targets).item()) < 1e-12
