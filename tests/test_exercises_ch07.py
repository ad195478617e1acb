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


# --------------------------------------------------------------------------- predict, beam search, experiment
def _log_softmax(logits):
    z = np.asarray(logits, dtype=float)
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def _beam(step, state, sos_id, eos_id, beam_size, max_len, score_of=_log_softmax, parent_state=True,
          finish_at_eos=True, start=1):
    """A beam search with switches for the classic mistakes."""
    seqs, scores, done = [[]] * start, np.zeros(start), []
    tokens, states = np.full(start, sos_id), np.repeat(state, start, axis=0)
    for _ in range(max_len):
        logits, new_states = step(tokens, states)
        total = scores[:, None] + score_of(logits)
        rows, cols = np.unravel_index(np.argsort(-total, axis=None, kind="stable")[:beam_size], total.shape)
        live = [(r, c) for r, c in zip(rows, cols) if not (finish_at_eos and c == eos_id)]
        done += [(seqs[r] + [int(c)], float(total[r, c])) for r, c in zip(rows, cols) if finish_at_eos and c == eos_id]
        if not live:
            break
        seqs = [seqs[r] + [int(c)] for r, c in live]
        scores = np.array([total[r, c] for r, c in live])
        tokens = np.array([c for _, c in live])
        parents = np.array([r for r, _ in live]) if parent_state else np.arange(len(live)) % len(new_states)
        states = new_states[parents]
    else:
        done += list(zip(seqs, map(float, scores)))
    return max(done, key=lambda item: item[1])


def _beam_raw_logits(step, state, sos_id, eos_id, beam_size, max_len):
    return _beam(step, state, sos_id, eos_id, beam_size, max_len, score_of=lambda x: np.asarray(x, dtype=float))


def _beam_keeps_row_states(step, state, sos_id, eos_id, beam_size, max_len):
    return _beam(step, state, sos_id, eos_id, beam_size, max_len, parent_state=False)


def _beam_extends_finished(step, state, sos_id, eos_id, beam_size, max_len):
    return _beam(step, state, sos_id, eos_id, beam_size, max_len, finish_at_eos=False)


def _beam_starts_with_copies(step, state, sos_id, eos_id, beam_size, max_len):
    return _beam(step, state, sos_id, eos_id, beam_size, max_len, start=beam_size)


def _beam_probability(step, state, sos_id, eos_id, beam_size, max_len):
    tokens, score = solutions.beam_search(step, state, sos_id, eos_id, beam_size, max_len)
    return tokens, float(np.exp(score))


def _beam_with_sos(step, state, sos_id, eos_id, beam_size, max_len):
    tokens, score = solutions.beam_search(step, state, sos_id, eos_id, beam_size, max_len)
    return [sos_id, *tokens], score


def _beam_is_greedy(step, state, sos_id, eos_id, beam_size, max_len):
    return solutions.beam_search(step, state, sos_id, eos_id, 1, max_len)


def _beam_tokens_only(step, state, sos_id, eos_id, beam_size, max_len):
    return solutions.beam_search(step, state, sos_id, eos_id, beam_size, max_len)[0]


def _predict_a():
    return "a"


def _predict_c():
    return "c"


def _predict_yes():
    return "yes"


def _settings_default_lr():
    return {"lr": 1e-3, "reverse": False, "peeky": False}


def _settings_no_peeking():
    return {"lr": 1e-2, "reverse": True, "peeky": False}


def _settings_missing_key():
    return {"lr": 1e-2, "reverse": True}


def _settings_lr_too_big():
    return {"lr": 5, "reverse": True, "peeky": True}


def _settings_words():
    return {"lr": 1e-2, "reverse": "yes", "peeky": "yes"}


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
    # hardening: inputs that must not change, a state to pass along untouched
    ("pad_and_reverse", _pad_reverses_lists_in_place, "changed its input `seqs` in place"),
    ("pad_and_reverse", _pad_extends_lists, "changed its input `seqs` in place"),
    ("decoder_io", _io_inserts_sos, "changed its input `answers` in place"),
    ("lstm_cell", _lstm_updates_c_in_place, "changed its input `c` in place"),
    ("lstm_cell", _lstm_sigmoid_candidate, "tanh, not sigmoid"),
    ("greedy_decode", _greedy_copies_state, "raised AttributeError"),
    ("beam_search", _beam_raw_logits, "log-softmax"),
    ("beam_search", _beam_keeps_row_states, "parent's state"),
    ("beam_search", _beam_extends_finished, "is finished"),
    ("beam_search", _beam_starts_with_copies, "identical copies"),
    ("beam_search", _beam_probability, "is the probability"),
    ("beam_search", _beam_with_sos, "start with SOS"),
    ("beam_search", _beam_is_greedy, "wrong tokens"),
    ("beam_search", _beam_tokens_only, "expected a pair (tokens, score)"),
]


@pytest.mark.parametrize("name, fn, words", WRONG, ids=[fn.__name__.strip("_") for _, fn, _ in WRONG])
def test_wrong_answer_is_rejected(name, fn, words):
    result = check(name, fn)
    assert not result.passed, f"{fn.__name__} should fail, got: {result}"
    assert words in str(result), str(result)
    assert "case:" in result.message, "the verdict names the case"


PREDICTIONS = [(_predict_a, "not what happens: you chose 'a'"), (_predict_c, "not what happens: you chose 'c'"),
               (_predict_yes, "answer with one of 'a', 'b', 'c'")]


@pytest.mark.parametrize("fn, words", PREDICTIONS, ids=[fn.__name__.strip("_") for fn, _ in PREDICTIONS])
def test_a_wrong_prediction_is_rejected_and_told_why(fn, words):
    result = check("predict_greedy_is_best", fn)
    assert not result and words in result.message, str(result)
    if "not what happens" in words:
        assert "greedy decoding never looks back" in result.message, "the verdict says why"


def test_the_right_prediction_is_accepted_in_capitals():
    assert check("predict_greedy_is_best", lambda: " B ")


SETTINGS = [
    (_settings_default_lr, "reached"),
    (_settings_no_peeking, "reached"),
    (_settings_missing_key, "keys 'lr', 'reverse' and 'peeky'"),
    (_settings_lr_too_big, "a number in (0, 1]"),
    (_settings_words, "True or False"),
]


@pytest.mark.parametrize("fn, words", SETTINGS, ids=[fn.__name__.strip("_") for fn, _ in SETTINGS])
def test_settings_that_miss_the_target_are_rejected_with_the_accuracy_reached(fn, words):
    result = check("addition_settings", fn)
    assert not result and words in result.message, str(result)
    if words == "reached":
        assert "exact match on 500 held-out sums after 300 steps; asked: at least 50%" in result.message
        reached = float(result.message.split("reached ")[1].split("%")[0])
        assert reached < 50


def test_the_experiment_reaches_its_target_with_a_margin():
    assert ch07.run_addition_experiment(**solutions.addition_settings()) >= 0.55


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
        ("beam_search", _beam_raw_logits, "log-probabilities (log-softmax of the logits)"),
        ("beam_search", _beam_keeps_row_states, "continue from its parent's state"),
        ("beam_search", _beam_extends_finished, "leaves the beam"),
    ],
    ids=lambda v: v.__name__.strip("_") if callable(v) else None,
)
def test_a_classic_mistake_is_named(name, fn, hint):
    result = check(name, fn)
    assert not result and hint in result.message, str(result)


def test_the_legacy_call_still_works():
    assert ch07.check_lstm_cell(solutions.lstm_cell)


# --------------------------------------------------------------------------- the Korean edition


KOREAN_WRONG = [
    ("pad_and_reverse", _reverse_then_pad, "0번 행이 틀렸습니다", "패딩이 왼쪽으로 가야 합니다"),
    ("decoder_io", _io_swapped, "tgt_in의 0번 행이 틀렸습니다", "쌍의 순서가 바뀌었습니다"),
    ("lstm_cell", _lstm_keras_order, "h_new의 값이 틀렸습니다", "게이트 i, f, g, o이며, 이 순서입니다"),
    ("greedy_decode", _greedy_one_step_short, "step()이 한 번 호출되었습니다", "max_len=2번 호출해야 합니다"),
    ("greedy_decode", _greedy_keeps_first_state, "토큰의 값이 틀렸습니다", "새 상태를 다음 단계에 넘기세요"),
    ("beam_search", _beam_probability, "점수(0.36)가 확률입니다", "로그 확률"),
    ("beam_search", _beam_keeps_row_states, "점수가 틀렸습니다", "부모의 상태에서 이어 가야 합니다"),
    ("predict_greedy_is_best", _predict_a, "실제로는 그렇게 되지 않습니다",
     "탐욕적 디코딩은 결코 뒤를 돌아보지 않습니다"),
    ("addition_settings", _settings_lr_too_big, "Adam의 학습률", "(0, 1] 범위의 수"),
]


@pytest.mark.parametrize("name, fn, fact, more", KOREAN_WRONG,
                         ids=[fn.__name__.strip("_") for _, fn, _, _ in KOREAN_WRONG])
def test_wrong_answer_is_explained_in_korean(korean, name, fn, fact, more):
    result = check(name, fn)
    assert not result and str(result).startswith("실패"), str(result)
    assert fact in result.message and more in result.message, str(result)
    if name not in ("predict_greedy_is_best", "addition_settings"):
        assert "(사례: " in result.message and "case:" not in result.message, "the case is named in Korean"


def test_the_experiment_reports_in_korean(korean):
    result = check("addition_settings", _settings_default_lr)
    assert not result and "질문을 쓰인 그대로, 기본 디코더" in result.message, str(result)
    assert "300단계 뒤 학습에 쓰지 않은 덧셈 500개에서 완전 일치" in result.message
    assert "목표: 50% 이상" in result.message
