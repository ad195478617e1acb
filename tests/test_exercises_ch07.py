"""Chapter 07 checkers: the reference solutions pass, and plausible mistakes are caught with a useful message."""

import numpy as np
import pytest
import torch

from common.checkers import ch07
from conftest import CHAPTERS, load_solutions

solutions = load_solutions(CHAPTERS / "07_seq2seq")


def check(name, fn):
    return getattr(ch07, name).check(fn)


def test_lstm_cell_solution_matches_torch():
    """The reference layout (i, f, g, o) is PyTorch's: compare with nn.LSTMCell in float64."""
    torch.manual_seed(0)
    cell = torch.nn.LSTMCell(3, 5).double()
    x, h, c = torch.randn(4, 3, dtype=torch.float64), torch.randn(4, 5, dtype=torch.float64), torch.randn(4, 5).double()
    h_t, c_t = cell(x, (h, c))
    weights = [p.detach().numpy() for p in (cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)]
    h_np, c_np = solutions.lstm_cell(x.numpy(), h.numpy(), c.numpy(), *weights)
    np.testing.assert_allclose(h_np, h_t.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(c_np, c_t.detach().numpy(), rtol=1e-10)


# --------------------------------------------------------------------------- plausible wrong answers
def _pad(seqs, length, pad_id):
    out = np.full((len(seqs), length), pad_id, dtype=np.int64)
    for row, s in zip(out, seqs):
        row[: len(s)] = s
    return out


def _reverse_then_pad(seqs, length, pad_id):
    return _pad([s[::-1] for s in seqs], length, pad_id)  # padding stays on the right


def _pad_without_reverse(seqs, length, pad_id):
    return _pad(seqs, length, pad_id)


def _pad_to_longest(seqs, length, pad_id):
    return _pad(seqs, max(map(len, seqs)), pad_id)[:, ::-1]


def _pad_with_zeros(seqs, length, pad_id):
    return _pad(seqs, length, 0)[:, ::-1]


def _pad_float(seqs, length, pad_id):
    return _pad(seqs, length, pad_id)[:, ::-1].astype(np.float32)


def _pad_as_list(seqs, length, pad_id):
    return _pad(seqs, length, pad_id)[:, ::-1].tolist()


def _io_swapped(answers, sos_id, eos_id, pad_id, length):
    tgt_in, tgt_out = solutions.decoder_io(answers, sos_id, eos_id, pad_id, length)
    return tgt_out, tgt_in


def _io_no_shift(answers, sos_id, eos_id, pad_id, length):
    _, tgt_out = solutions.decoder_io(answers, sos_id, eos_id, pad_id, length)
    return tgt_out, tgt_out.copy()  # the decoder would see the character it must predict


def _io_no_eos(answers, sos_id, eos_id, pad_id, length):
    tgt_in, _ = solutions.decoder_io(answers, sos_id, eos_id, pad_id, length)
    return tgt_in, _pad(answers, length, pad_id)


def _io_sos_in_both(answers, sos_id, eos_id, pad_id, length):
    tgt_in, _ = solutions.decoder_io(answers, sos_id, eos_id, pad_id, length)
    return tgt_in, tgt_in.copy()


def _io_single_array(answers, sos_id, eos_id, pad_id, length):
    return solutions.decoder_io(answers, sos_id, eos_id, pad_id, length)[0]


def _lstm_keras_order(x, h, c, W_ih, W_hh, b_ih, b_hh):
    H = h.shape[-1]
    perm = np.r_[0:H, H : 2 * H, 3 * H : 4 * H, 2 * H : 3 * H]  # reads the gates as i, f, o, g
    return solutions.lstm_cell(x, h, c, W_ih[perm], W_hh[perm], b_ih[perm], b_hh[perm])


def _lstm_no_hidden_bias(x, h, c, W_ih, W_hh, b_ih, b_hh):
    return solutions.lstm_cell(x, h, c, W_ih, W_hh, b_ih, np.zeros_like(b_hh))


def _lstm_no_tanh_on_c(x, h, c, W_ih, W_hh, b_ih, b_hh):
    H = h.shape[-1]
    z = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    s = 1 / (1 + np.exp(-z))
    c_new = s[:, H : 2 * H] * c + s[:, :H] * np.tanh(z[:, 2 * H : 3 * H])
    return s[:, 3 * H :] * c_new, c_new


def _lstm_untransposed(x, h, c, W_ih, W_hh, b_ih, b_hh):
    return solutions.lstm_cell(x, h, c, W_ih.T, W_hh.T, b_ih, b_hh)


def _lstm_returns_h_only(x, h, c, W_ih, W_hh, b_ih, b_hh):
    return solutions.lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh)[0]


def _greedy_always_sos(step, state, batch_size, sos_id, max_len):
    tokens = np.full(batch_size, sos_id)
    out = []
    for _ in range(max_len):
        logits, state = step(tokens, state)
        out.append(logits.argmax(axis=1))  # never feeds its prediction back
    return np.stack(out, axis=1)


def _greedy_keeps_first_state(step, state, batch_size, sos_id, max_len):
    tokens, out = np.full(batch_size, sos_id), []
    for _ in range(max_len):
        logits, _ = step(tokens, state)  # throws the new state away
        tokens = logits.argmax(axis=1)
        out.append(tokens)
    return np.stack(out, axis=1)


def _greedy_keeps_sos(step, state, batch_size, sos_id, max_len):
    tokens, out = np.full(batch_size, sos_id), [np.full(batch_size, sos_id)]
    for _ in range(max_len):
        logits, state = step(tokens, state)
        tokens = logits.argmax(axis=1)
        out.append(tokens)
    return np.stack(out, axis=1)


def _greedy_wrong_axis(step, state, batch_size, sos_id, max_len):
    tokens, out = np.full(batch_size, sos_id), []
    for _ in range(max_len):
        logits, state = step(tokens, state)
        tokens = logits.argmax(axis=0)[:batch_size] % logits.shape[1]
        tokens = np.resize(tokens, batch_size)
        out.append(tokens)
    return np.stack(out, axis=1)


def _greedy_starts_with_zero(step, state, batch_size, sos_id, max_len):
    return solutions.greedy_decode(step, state, batch_size, 0, max_len)


def _greedy_one_step_short(step, state, batch_size, sos_id, max_len):
    out = np.full((batch_size, max_len), sos_id)
    out[:, 1:] = solutions.greedy_decode(step, state, batch_size, sos_id, max_len - 1)
    return out


def _greedy_float(step, state, batch_size, sos_id, max_len):
    return solutions.greedy_decode(step, state, batch_size, sos_id, max_len).astype(float)


def _em_whole_rows(pred, target, eos_id):
    return float(np.mean(np.all(np.asarray(pred) == np.asarray(target), axis=1)))


def _em_per_token(pred, target, eos_id):
    return float(np.mean(np.asarray(pred) == np.asarray(target)))


def _em_stops_before_eos(pred, target, eos_id):
    pred, target = np.asarray(pred), np.asarray(target)
    is_eos = target == eos_id
    compared = np.cumsum(is_eos, axis=1) == 0  # forgets to compare the EOS position itself
    return float(np.mean(np.all((pred == target) | ~compared, axis=1)))


def _em_count(pred, target, eos_id):
    return solutions.exact_match(pred, target, eos_id) * len(target)


def _em_per_row(pred, target, eos_id):
    pred, target = np.asarray(pred), np.asarray(target)
    return np.array([solutions.exact_match(p[None], t[None], eos_id) for p, t in zip(pred, target)])


def _pad_reverses_lists_in_place(seqs, length, pad_id):
    out = np.full((len(seqs), length), pad_id, dtype=np.int64)
    for row, s in zip(out, seqs):
        s.reverse()  # right for every distinct list, but the caller's lists are now reversed
        row[length - len(s) :] = s
    return out


def _pad_extends_lists(seqs, length, pad_id):
    for s in seqs:
        s += [pad_id] * (length - len(s))  # pads the caller's lists in place
    return np.array(seqs, dtype=np.int64)[:, ::-1]


def _io_inserts_sos(answers, sos_id, eos_id, pad_id, length):
    for a in answers:
        a.insert(0, sos_id)  # the caller's answers now start with SOS
    tgt_in = _pad(answers, length, pad_id)
    tgt_out = _pad([[*a[1:], eos_id] for a in answers], length, pad_id)
    return tgt_in, tgt_out


def _lstm_updates_c_in_place(x, h, c, W_ih, W_hh, b_ih, b_hh):
    H = h.shape[-1]
    z = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    s = 1 / (1 + np.exp(-z))
    c *= s[:, H : 2 * H]  # changes the caller's c
    c += s[:, :H] * np.tanh(z[:, 2 * H : 3 * H])
    return s[:, 3 * H :] * np.tanh(c), c.copy()


def _lstm_sigmoid_candidate(x, h, c, W_ih, W_hh, b_ih, b_hh):
    H = h.shape[-1]
    z = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    s = 1 / (1 + np.exp(-z))  # sigmoid for g too
    c_new = s[:, H : 2 * H] * c + s[:, :H] * s[:, 2 * H : 3 * H]
    return s[:, 3 * H :] * np.tanh(c_new), c_new


def _greedy_copies_state(step, state, batch_size, sos_id, max_len):
    state = state.copy()  # looks inside the state: an LSTM's (h, c) tuple has no .copy()
    return solutions.greedy_decode(step, state, batch_size, sos_id, max_len)


def _em_tensor(pred, target, eos_id):
    return torch.tensor(solutions.exact_match(pred, target, eos_id))


def _em_last_eos(pred, target, eos_id):
    pred, target = np.asarray(pred), np.asarray(target)
    correct = 0
    for p, t in zip(pred, target):
        hits = np.flatnonzero(t == eos_id)
        end = hits[-1] + 1 if len(hits) else len(t)  # the last EOS, not the first
        correct += bool(np.array_equal(p[:end], t[:end]))
    return correct / len(target)


def _em_fills_pred_in_place(pred, target, eos_id):
    is_eos = target == eos_id
    ignored = np.cumsum(is_eos, axis=1) - is_eos > 0
    pred[ignored] = target[ignored]  # changes the caller's pred
    return float(np.mean(np.all(pred == target, axis=1)))


WRONG = [
    ("pad_and_reverse", _reverse_then_pad, "wrong row"),
    ("pad_and_reverse", _pad_without_reverse, "wrong row"),
    ("pad_and_reverse", _pad_to_longest, "wrong shape"),
    ("pad_and_reverse", _pad_with_zeros, "pad_id=99"),
    ("pad_and_reverse", _pad_float, "must be integers"),
    ("pad_and_reverse", _pad_as_list, "NumPy array"),
    ("decoder_io", _io_swapped, "wrong row 0 of tgt_in"),
    ("decoder_io", _io_no_shift, "starts with SOS"),
    ("decoder_io", _io_no_eos, "of tgt_out"),
    ("decoder_io", _io_sos_in_both, "of tgt_out"),
    ("decoder_io", _io_single_array, "pair"),
    ("lstm_cell", _lstm_keras_order, "i, f, g, o"),
    ("lstm_cell", _lstm_no_hidden_bias, "wrong value"),
    ("lstm_cell", _lstm_no_tanh_on_c, "wrong value"),
    ("lstm_cell", _lstm_untransposed, "raised ValueError"),
    ("lstm_cell", _lstm_returns_h_only, "expected a tuple (h_new, c_new)"),
    ("greedy_decode", _greedy_always_sos, "argmax"),
    ("greedy_decode", _greedy_keeps_first_state, "new state"),
    ("greedy_decode", _greedy_keeps_sos, "SOS column"),
    ("greedy_decode", _greedy_wrong_axis, "wrong value"),
    ("greedy_decode", _greedy_starts_with_zero, "sos_id=1"),
    ("greedy_decode", _greedy_one_step_short, "called once, expected max_len=2 times"),
    ("greedy_decode", _greedy_float, "integers"),
    ("exact_match", _em_whole_rows, "ignore what follows"),
    ("exact_match", _em_per_token, "not of tokens"),
    ("exact_match", _em_stops_before_eos, "including the target's first EOS"),
    ("exact_match", _em_count, "not the count"),
    ("exact_match", _em_per_row, "return a Python float"),
    # hardening: inputs that must not change, a state to pass along untouched, the return type, the first EOS
    ("pad_and_reverse", _pad_reverses_lists_in_place, "wrong row 1"),
    ("pad_and_reverse", _pad_extends_lists, "changed its input `seqs` in place"),
    ("decoder_io", _io_inserts_sos, "changed its input `answers` in place"),
    ("lstm_cell", _lstm_updates_c_in_place, "changed its input `c` in place"),
    ("lstm_cell", _lstm_sigmoid_candidate, "tanh, not sigmoid"),
    ("greedy_decode", _greedy_copies_state, "raised AttributeError"),
    ("exact_match", _em_tensor, "return a Python float"),
    ("exact_match", _em_last_eos, "only the first counts"),
    ("exact_match", _em_fills_pred_in_place, "changed its input `pred` in place"),
]


@pytest.mark.parametrize("name, fn, words", WRONG, ids=[fn.__name__.strip("_") for _, fn, _ in WRONG])
def test_wrong_answer_is_rejected(name, fn, words):
    result = check(name, fn)
    assert not result.passed, f"{fn.__name__} should fail, got: {result}"
    assert words in str(result), str(result)
    assert "case:" in result.message, "the verdict names the case"


@pytest.mark.parametrize(
    "name, fn, hint",
    [
        ("pad_and_reverse", _reverse_then_pad, "padding must end up on the left"),
        ("pad_and_reverse", _pad_with_zeros, "not with 0"),
        ("decoder_io", _io_swapped, "the pair is swapped"),
        ("decoder_io", _io_no_eos, "tgt_out ends with EOS"),
        ("lstm_cell", _lstm_keras_order, "gates i, f, g, o, in that order"),
        ("lstm_cell", _lstm_no_tanh_on_c, "apply tanh to the new cell state"),
        ("greedy_decode", _greedy_always_sos, "not SOS again"),
        ("greedy_decode", _greedy_keeps_first_state, "new state returned by step()"),
        ("exact_match", _em_whole_rows, "ignore what follows"),
        ("exact_match", _em_per_token, "not of tokens"),
        ("exact_match", _em_count, "not the count"),
    ],
    ids=lambda v: v.__name__.strip("_") if callable(v) else None,
)
def test_a_classic_mistake_is_named(name, fn, hint):
    result = check(name, fn)
    assert not result and hint in result.message, str(result)


def test_the_legacy_call_still_works():
    assert ch07.check_exact_match(solutions.exact_match)
