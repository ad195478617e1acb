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
    return getattr(ch06, f"check_{name}")(fn)


def _raises(*args, **kwargs):
    return args[99]


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
    ("rnn_step_backward", _bwd_forgets_db, "got tuple of 4 items"),
    ("clip_grads_by_norm", _clip_per_array, "one global norm"),
    ("clip_grads_by_norm", _clip_always, "only when the norm is larger"),
    ("clip_grads_by_norm", _clip_by_value, "clip the norm instead"),
    ("clip_grads_by_norm", _clip_squared_norm, "wrong value"),
    ("lstm_step", _lstm(order="fgio"), "sliced as f, g, i, o"),
    ("lstm_step", _lstm(order="ifog"), "sliced as i, f, o, g"),
    ("lstm_step", _lstm(tanh_c=False), "tanh of the cell state is missing"),
    ("lstm_step", _lstm(input_gate=False), "input gate i is missing"),
    ("lstm_step", _lstm_all_sigmoid, "wrong value"),
    ("lstm_step", _lstm_returns_h_only, "return the tuple (h_next, c_next), got ndarray"),
    ("softmax_with_temperature", _temp_multiply, "do not multiply"),
    ("softmax_with_temperature", _temp_unstable, "(overflow!)): exp overflowed"),
    ("softmax_with_temperature", _temp_whole_array, "normalise each row"),
    ("softmax_with_temperature", _temp_ignores_temperature, "temperature 0.5"),
    ("masked_nll", _nll_counts_padding, "padding targets were counted"),
    ("masked_nll", _nll_divides_by_all, "not by every position"),
    ("masked_nll", _nll_per_sequence, "not per sequence"),
    ("masked_nll", _nll_raw_logits, "log_softmax"),
    ("masked_nll", _nll_per_position, "expected one number"),
]


@pytest.mark.parametrize("name, fn, words", WRONG, ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(WRONG)])
def test_wrong_answer_is_rejected(name, fn, words):
    with np.errstate(over="ignore", invalid="ignore"):
        result = check(name, fn)
    assert not result.passed, f"{fn.__name__} should fail, got: {result}"
    assert words in str(result), str(result)


def test_a_scalar_tensor_is_accepted_as_the_nll():
    assert check("masked_nll", _nll_tensor).passed


def test_clipping_in_place_is_accepted():
    def in_place(grads, max_norm):
        norm = np.sqrt(sum((g**2).sum() for g in grads))
        if norm > max_norm:
            for g in grads:
                g *= max_norm / norm
        return grads

    assert check("clip_grads_by_norm", in_place).passed


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
