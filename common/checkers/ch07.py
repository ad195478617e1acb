"""Exercises of chapter 07, sequence to sequence: ``checks.<name>.check(fn)``, ``.hint()``, ``.solution()``.

The reference answers are the chapter's ``solutions.py``; this module holds what is specific to each
exercise: its cases, the brief's worked example, classic mistakes and hints. ``greedy_decode`` is
and ``beam_search`` are judged with toy decoders that count their calls and remember what they were fed;
``addition_settings`` (the experiment) is judged by training the lesson's model with the learner's settings.
"""
from __future__ import annotations

import copy
import math
from functools import partial

import numpy as np
import torch

from common.checks import Chapter, Fail, call, cap, case, compare_values, example, named_parts, tr

CHAPTER = Chapter("07_seq2seq")
__getattr__ = CHAPTER.legacy


def _rng(offset: int = 0) -> np.random.Generator:
    return np.random.default_rng(7 + offset)


_WHAT_KO = {"result": "결과", "tokens": "토큰"}


def _what(what: str) -> str:
    """The name of the checked value in the learner's language (identifiers such as tgt_in stay as they are)."""
    return tr(what, _WHAT_KO.get(what, what))


def _josa(word: str, with_final: str, without_final: str) -> str:
    """``word`` and the Korean particle that fits it (결과는, 토큰은); after Latin letters both forms, 은(는)."""
    last = word[-1:]
    if "가" <= last <= "힣":
        return word + (with_final if (ord(last) - ord("가")) % 28 else without_final)
    return f"{word}{with_final}({without_final})"


def _say(text: dict) -> str:
    """A message written as ``{"en": ..., "ko": ...}``, in the learner's language (called at check time)."""
    return tr(text["en"], text["ko"])


def _ids(rows) -> np.ndarray:
    return np.array(rows, dtype=np.int64)


def _int_array_problem(got, what: str = "result") -> tuple[np.ndarray | None, str | None]:
    """(array, None) when ``got`` is an integer array (or tensor), else (None, a sentence saying why not)."""
    ko = _WHAT_KO.get(what, what)
    if got is None:
        return None, tr(f"the {what} is None: did you forget `return`?",
                        f"{_josa(ko, '이', '가')} None입니다: `return`을 빠뜨렸나요?")
    if hasattr(got, "detach"):  # a torch tensor
        got = got.detach().cpu().numpy()
    if not isinstance(got, np.ndarray):
        kind = type(got).__name__
        return None, tr(f"expected the {what} to be a NumPy array of ids, got {kind}: use np.array / np.full",
                        f"{_josa(ko, '은', '는')} ID를 담은 NumPy 배열이어야 하는데 {kind}입니다: "
                        "np.array나 np.full을 쓰세요")
    if not np.issubdtype(got.dtype, np.integer):
        return None, tr(f"the {what} has dtype {got.dtype}: ids must be integers (e.g. dtype=np.int64) "
                        "for nn.Embedding",
                        f"{ko}의 dtype이 {got.dtype}입니다: nn.Embedding에 넣을 ID는 정수여야 합니다"
                        "(예: dtype=np.int64)")
    return got, None


def _compare_ids(expected, got, what: str = "result", *, row_note: str = "") -> str | None:
    """Integer arrays compared exactly; a wrong value names the first wrong row in full (and adds ``row_note``)."""
    got, problem = _int_array_problem(got, what)
    if problem:
        return problem
    problem = compare_values(expected, got, rtol=0, atol=0, what=_what(what))
    if problem and got.shape == expected.shape and expected.ndim == 2:  # same shape: a wrong value
        row = next(i for i in range(len(expected)) if not np.array_equal(expected[i], got[i]))
        of = "" if what == "result" else f" of {what}"
        of_ko = "" if what == "result" else f"{what}의 "
        e_row, g_row = expected[row].tolist(), got[row].tolist()
        problem = tr(f"wrong row {row}{of}: expected {e_row}, got {g_row}",
                     f"{of_ko}{row}번 행이 틀렸습니다: 기대값 {e_row}, 받은 값 {g_row}") + row_note
    return problem


def _pad(seqs, length, pad_id) -> np.ndarray:
    out = np.full((len(seqs), length), pad_id, dtype=np.int64)
    for row, s in zip(out, seqs):
        row[: len(s)] = s
    return out


# --------------------------------------------------------------------------- 1. pad_and_reverse
def _pad_cases():
    rng = _rng(1)
    shared = [6, 7, 8]
    return [
        case(tr("4 random sequences, length=7, pad_id=0", "무작위 시퀀스 4개, length=7, pad_id=0"),
             [list(map(int, rng.integers(3, 14, size=k))) for k in (3, 7, 1, 5)], 7, 0),
        case(tr("a batch of 1 sequence that fills the length", "길이를 꽉 채우는 시퀀스 1개짜리 배치"),
             [[3, 4, 5, 6]], 4, 0),
        case(tr("an empty sequence in the batch", "배치 안의 빈 시퀀스"), [[8, 9], []], 3, 0),
        case(tr("pad_id=99 (not 0)", "pad_id=99 (0이 아님)"), [[1, 2], [3, 4, 5]], 5, 99),
        case(tr("the same list object twice in seqs (the lists must not change)",
                "seqs에 같은 리스트 객체가 두 번 (리스트는 바뀌면 안 됨)"), [shared, shared], 5, 0),
    ]


pad_and_reverse = CHAPTER.exercise(
    "pad_and_reverse",
    examples=[example(_ids([[0, 3, 7, 5], [0, 0, 0, 4]]),
                      {"en": "the brief's example: [[5, 7, 3], [4]], length=4, pad_id=0",
                       "ko": "문제 설명의 예: [[5, 7, 3], [4]], length=4, pad_id=0"},
                      [[5, 7, 3], [4]], 4, 0)],
    cases=_pad_cases,
    compare=_compare_ids,
    mistakes=[
        (lambda seqs, length, pad_id: _pad([s[::-1] for s in seqs], length, pad_id),
         {"en": "pad first, then flip the whole row: the padding must end up on the left",
          "ko": "먼저 패딩하고, 그다음 행 전체를 뒤집으세요: 패딩이 왼쪽으로 가야 합니다"}),
        (_pad, {"en": "after padding, flip every row in time: x[:, ::-1]",
                "ko": "패딩한 뒤 모든 행을 시간 축을 따라 뒤집으세요: x[:, ::-1]"}),
        (lambda seqs, length, pad_id: _pad(seqs, length, 0)[:, ::-1],
         {"en": "fill with `pad_id`, not with 0", "ko": "0이 아니라 `pad_id`로 채우세요"}),
        (lambda seqs, length, pad_id: _pad(seqs, max(map(len, seqs)), pad_id)[:, ::-1],
         {"en": "pad every row to `length`, not to the longest sequence",
          "ko": "가장 긴 시퀀스가 아니라 `length`에 맞춰 모든 행을 패딩하세요"}),
    ],
    hints=[
        {"en": "Two steps: first make a rectangle by right-padding every list to `length`, then flip the rectangle "
               "in time.",
         "ko": "두 단계입니다. 먼저 모든 리스트의 오른쪽을 `length`까지 패딩해 직사각형을 만들고, 그다음 그 직사각형을 "
               "시간 축을 따라 뒤집으세요."},
        {"en": "Start from `np.full((len(seqs), length), pad_id, dtype=np.int64)` and copy each list into the start "
               "of its row; then reverse the column order. Do not change the lists in `seqs`.",
         "ko": "`np.full((len(seqs), length), pad_id, dtype=np.int64)`에서 시작해 각 리스트를 자기 행의 앞부분에 "
               "복사하고, 그다음 열의 순서를 뒤집으세요. `seqs`의 리스트는 바꾸지 마세요."},
        {"en": "`out = np.full(...)`, then `for row, s in zip(out, seqs): row[:len(s)] = s`, and "
               "`return out[:, ::-1].copy()`.",
         "ko": "`out = np.full(...)`, 그다음 `for row, s in zip(out, seqs): row[:len(s)] = s`, 그리고 `return out[:, "
               "::-1].copy()`."},
    ],
)


# --------------------------------------------------------------------------- 2. decoder_io
def _compare_decoder_io(expected, got) -> str | None:
    if got is None:
        return tr("the result is None: did you forget `return`?", "결과가 None입니다: `return`을 빠뜨렸나요?")
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        return tr(f"expected a pair (tgt_in, tgt_out), got {type(got).__name__}",
                  f"쌍 (tgt_in, tgt_out)을 반환해야 하는데 {type(got).__name__}입니다")
    row_note = tr(" (tgt_in starts with SOS, tgt_out ends with EOS)",
                  " (tgt_in은 SOS로 시작하고, tgt_out은 EOS로 끝납니다)")
    for name, e, g in zip(("tgt_in", "tgt_out"), expected, got):
        problem = _compare_ids(e, g, name, row_note=row_note)
        if problem:
            return problem
    return None


def _decoder_io_cases():
    rng = _rng(2)
    shared = [5, 6]
    return [
        case(tr("4 random answers, sos=1, eos=2, pad=0, length=5", "무작위 답 4개, sos=1, eos=2, pad=0, length=5"),
             [list(map(int, rng.integers(3, 13, size=k))) for k in (1, 4, 2, 3)], 1, 2, 0, 5),
        case(tr("an answer that fills length - 1", "length - 1을 꽉 채우는 답"), [[5, 6, 7]], 1, 2, 0, 4),
        case(tr("an empty answer", "빈 답"), [[], [9]], 1, 2, 0, 3),
        case(tr("other special ids: sos=10, eos=11, pad=12", "다른 특수 ID: sos=10, eos=11, pad=12"),
             [[1, 2], [3]], 10, 11, 12, 4),
        case(tr("the same list object twice in answers (the lists must not change)",
                "answers에 같은 리스트 객체가 두 번 (리스트는 바뀌면 안 됨)"), [shared, shared], 1, 2, 0, 4),
    ]


def _io_with(answers, sos_id, eos_id, pad_id, length, sos=True, eos=True):
    tgt_in = _pad([[sos_id, *a] if sos else list(a) for a in answers], length, pad_id)
    tgt_out = _pad([[*a, eos_id] if eos else list(a) for a in answers], length, pad_id)
    return tgt_in, tgt_out


decoder_io = CHAPTER.exercise(
    "decoder_io",
    examples=[example((_ids([[1, 3, 4, 0]]), _ids([[3, 4, 2, 0]])),
                      {"en": "the brief's example: answers=[[3, 4]], sos=1, eos=2, pad=0, length=4",
                       "ko": "문제 설명의 예: answers=[[3, 4]], sos=1, eos=2, pad=0, length=4"},
                      [[3, 4]], 1, 2, 0, 4)],
    cases=_decoder_io_cases,
    compare=_compare_decoder_io,
    mistakes=[
        (lambda *a: _io_with(*a)[::-1],
         {"en": "the pair is swapped: return (tgt_in, tgt_out), the input with SOS first",
          "ko": "쌍의 순서가 바뀌었습니다: SOS로 시작하는 입력을 먼저, (tgt_in, tgt_out)으로 반환하세요"}),
        (lambda *a: (_io_with(*a)[1], _io_with(*a)[1]),
         {"en": "tgt_in must be shifted right by one step (SOS first), or the decoder sees the token it must predict",
          "ko": "tgt_in은 오른쪽으로 한 단계 밀려 있어야 합니다(SOS가 맨 앞). 그렇지 않으면 디코더가 예측해야 할 "
                "토큰을 미리 보게 됩니다"}),
        (lambda *a: _io_with(*a, eos=False),
         {"en": "tgt_out ends with EOS, right after the answer", "ko": "tgt_out은 답 바로 뒤에 EOS로 끝납니다"}),
        (lambda *a: (_io_with(*a)[0], _io_with(*a)[0]),
         {"en": "tgt_out is the answer followed by EOS, with no SOS",
          "ko": "tgt_out은 SOS 없이 답 뒤에 EOS를 붙인 것입니다"}),
    ],
    hints=[
        {"en": "Both arrays hold the same answer, shifted by one step: the input starts with SOS, the target ends "
               "with EOS.",
         "ko": "두 배열에는 같은 답이 한 단계 밀려서 들어갑니다: 입력은 SOS로 시작하고, 목표는 EOS로 끝납니다."},
        {"en": "Make two `(N, length)` arrays filled with `pad_id` (`np.full`, dtype int64); in row i, write "
               "`[sos_id] + answer` into the start of tgt_in and `answer + [eos_id]` into the start of tgt_out.",
         "ko": "`pad_id`로 채운 `(N, length)` 배열 두 개를 만드세요(`np.full`, dtype int64). i번 행에서 tgt_in의 "
               "앞부분에는 `[sos_id] + answer`를, tgt_out의 앞부분에는 `answer + [eos_id]`를 쓰세요."},
        {"en": "`for i, a in enumerate(answers): tgt_in[i, :len(a) + 1] = [sos_id, *a]; "
               "tgt_out[i, :len(a) + 1] = [*a, eos_id]`, then `return tgt_in, tgt_out`.",
         "ko": "`for i, a in enumerate(answers): tgt_in[i, :len(a) + 1] = [sos_id, *a]; "
               "tgt_out[i, :len(a) + 1] = [*a, eos_id]`, 그다음 `return tgt_in, tgt_out`."},
    ],
)


# --------------------------------------------------------------------------- 3. lstm_cell
def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _lstm_with(x, h, c, W_ih, W_hh, b_ih, b_hh, order="ifgo", g_act=np.tanh, tanh_c=True, new_c=True):
    H = h.shape[-1]
    z = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    blocks = dict(zip(order, (z[:, k * H : (k + 1) * H] for k in range(4))))
    i, f, g, o = _sigmoid(blocks["i"]), _sigmoid(blocks["f"]), g_act(blocks["g"]), _sigmoid(blocks["o"])
    c_new = f * c + i * g
    c_out = c_new if new_c else c
    return o * (np.tanh(c_out) if tanh_c else c_out), c_new


def _lstm_case(label, rng, n, d, hidden, scale=1.0, zeros=False):
    def r(*shape):
        return np.zeros(shape) if zeros else scale * rng.standard_normal(shape)

    return case(label, r(n, d), r(n, hidden), r(n, hidden), r(4 * hidden, d), r(4 * hidden, hidden), r(4 * hidden),
                r(4 * hidden))


def _lstm_cases():
    rng = _rng(3)
    return [
        _lstm_case(tr("N=4, D=3, H=5 (random)", "N=4, D=3, H=5 (무작위)"), rng, 4, 3, 5),
        _lstm_case(tr("a batch of 1, D=2, H=2", "크기 1인 배치, D=2, H=2"), rng, 1, 2, 2),
        _lstm_case(tr("D=6 larger than H=3", "D=6이 H=3보다 큼"), rng, 3, 6, 3),
        _lstm_case(tr("all zeros: h = c = 0 after the step", "모두 0: 한 단계 뒤 h = c = 0"), rng, 2, 3, 4, zeros=True),
        _lstm_case(tr("large values (saturated gates)", "큰 값 (포화된 게이트)"), rng, 2, 3, 4, scale=4.0),
    ]


_Z = np.zeros
lstm_cell = CHAPTER.exercise(
    "lstm_cell",
    examples=[example((np.array([[0.3534092045709028]]), np.array([[0.8807970779778824]])),
                      {"en": "the brief's example: weights 0, x = h = 0, c = [[1]], b_ih = [0, 0, 1, 0]",
                       "ko": "문제 설명의 예: 가중치 0, x = h = 0, c = [[1]], b_ih = [0, 0, 1, 0]"},
                      _Z((1, 1)), _Z((1, 1)), np.ones((1, 1)), _Z((4, 1)), _Z((4, 1)), np.array([0.0, 0.0, 1.0, 0.0]),
                      _Z(4))],
    cases=_lstm_cases,
    compare=named_parts("h_new", "c_new"),
    rtol=1e-6,
    atol=1e-9,
    mistakes=[
        (lambda *a: _lstm_with(*a, order="ifog"),
         {"en": "the four blocks of z are the gates i, f, g, o, in that order",
          "ko": "z의 네 블록은 게이트 i, f, g, o이며, 이 순서입니다"}),
        (lambda x, h, c, W_ih, W_hh, b_ih, b_hh: _lstm_with(x, h, c, W_ih, W_hh, b_ih, 0 * b_hh),
         {"en": "z adds both biases, b_ih and b_hh", "ko": "z에는 편향 두 개, b_ih와 b_hh를 모두 더합니다"}),
        (lambda *a: _lstm_with(*a, tanh_c=False),
         {"en": "h_new = o * tanh(c_new): apply tanh to the new cell state",
          "ko": "h_new = o * tanh(c_new): 새 셀 상태에 tanh를 적용하세요"}),
        (lambda *a: _lstm_with(*a, g_act=_sigmoid),
         {"en": "the candidate g goes through tanh, not sigmoid",
          "ko": "후보 g는 시그모이드가 아니라 tanh를 거칩니다"}),
        (lambda *a: _lstm_with(*a, new_c=False),
         {"en": "h_new uses the new cell state c_new, not the old c",
          "ko": "h_new에는 이전 c가 아니라 새 셀 상태 c_new를 씁니다"}),
    ],
    hints=[
        {"en": "One matrix product per input gives all four gates at once: z has 4H columns, the blocks i, f, g, o.",
         "ko": "입력마다 행렬 곱 한 번으로 네 게이트를 한꺼번에 얻습니다: z의 4H개 열은 블록 i, f, g, o입니다."},
        {"en": "`z = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh` has shape (N, 4H); slice it into four (N, H) blocks "
               "`z[:, :H]`, `z[:, H:2*H]`, ...; sigmoid for i, f and o, tanh for g.",
         "ko": "`z = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh`의 모양은 (N, 4H)입니다. 이것을 (N, H) 블록 네 개 `z[:, "
               ":H]`, `z[:, H:2*H]`, ...로 자르고, i, f, o에는 시그모이드를, g에는 tanh를 적용하세요."},
        {"en": "`c_new = f * c + i * g`, `h_new = o * np.tanh(c_new)`, `return h_new, c_new`.",
         "ko": "남은 세 줄: `c_new = f * c + i * g`, `h_new = o * np.tanh(c_new)`, 그리고 `return h_new, c_new`."},
    ],
)


# --------------------------------------------------------------------------- 4. greedy_decode
class _Recorder:
    """Counts the calls of ``step`` and remembers the first tokens it was fed, to explain mistakes."""

    calls: int = 0
    first_tokens: np.ndarray | None = None

    def _record(self, tokens) -> np.ndarray:
        tokens = np.asarray(tokens)
        if tokens.ndim != 1:
            raise ValueError(f"step() takes the tokens as a 1-D array (N,), got shape {tokens.shape}")
        if self.first_tokens is None:
            self.first_tokens = tokens.copy()
        self.calls += 1
        return tokens


class _ToyDecoder(_Recorder):
    """A tiny deterministic NumPy RNN decoder: ``step(tokens (N,), state) -> (logits (N, V), state)``.

    With ``lstm=True`` its state is a tuple ``(h, c)``, as an LSTM's: the learner must pass it along untouched.
    """

    def __init__(self, vocab_size: int, hidden: int, seed: int, lstm: bool = False) -> None:
        rng = np.random.default_rng(seed)
        self.E = rng.standard_normal((vocab_size, hidden))
        self.W = rng.standard_normal((hidden, hidden)) / np.sqrt(hidden)
        self.U = rng.standard_normal((hidden, vocab_size)) * 2
        self.lstm = lstm

    def step(self, tokens, state):
        tokens = self._record(tokens)
        if self.lstm:
            h, c = state
            c = 0.5 * c + np.tanh(self.E[tokens] + h @ self.W)
            h = np.tanh(c)
            return h @ self.U, (h, c)
        h = np.tanh(self.E[tokens] + state @ self.W)
        return h @ self.U, h


class _Script(_Recorder):
    """A decoder whose argmax at step t is ``tokens[t]``; its state is the step number (the brief's example)."""

    def __init__(self, tokens, vocab_size: int = 9) -> None:
        self.tokens, self.vocab_size = tokens, vocab_size

    def step(self, tokens, state):
        self._record(tokens)
        logits = np.zeros((len(self.tokens[state]), self.vocab_size))
        logits[np.arange(len(logits)), self.tokens[state]] = 1.0
        return logits, state + 1


# (label, vocab, hidden, batch, sos, max_len, LSTM-like state)
_GREEDY_CASES = [
    ({"en": "N=5, V=7, H=6, max_len=4", "ko": "N=5, V=7, H=6, max_len=4"}, 7, 6, 5, 1, 4, False),
    ({"en": "a batch of 1, max_len=6", "ko": "크기 1인 배치, max_len=6"}, 9, 4, 1, 1, 6, False),
    ({"en": "max_len=1 (one step)", "ko": "max_len=1 (한 단계)"}, 5, 3, 3, 1, 1, False),
    ({"en": "sos_id=0", "ko": "sos_id=0"}, 6, 5, 4, 0, 5, False),
    ({"en": "an LSTM-like state, a tuple (h, c): pass it along untouched",
      "ko": "LSTM 같은 상태, 튜플 (h, c): 건드리지 말고 그대로 넘기세요"}, 8, 4, 3, 2, 5, True),
]


def _greedy_with(step, state, batch_size, sos_id, max_len, feed_back=True, new_state=True):
    tokens, out = np.full(batch_size, sos_id, dtype=np.int64), []
    for _ in range(max_len):
        logits, next_state = step(tokens, state)
        state = next_state if new_state else state
        out.append(np.asarray(logits).argmax(axis=1))
        tokens = out[-1] if feed_back else tokens
    return np.stack(out, axis=1)


_GREEDY_MISTAKES = [
    (lambda *a: _greedy_with(*a, feed_back=False),
     {"en": "feed each step's argmax back in as the next tokens, not SOS again",
      "ko": "SOS를 다시 넣지 말고, 각 단계의 argmax를 다음 토큰으로 다시 넣으세요"}),
    (lambda *a: _greedy_with(*a, new_state=False),
     {"en": "pass the new state returned by step() to the next step",
      "ko": "step()이 반환한 새 상태를 다음 단계에 넘기세요"}),
]


def _greedy_runs():
    """(label, a new decoder, its initial state, (batch_size, sos_id, max_len), literal answer or None)."""
    runs = [(tr("the brief's example: argmax [4, 7], then [2, 5], max_len=2",
                "문제 설명의 예: argmax [4, 7], 그다음 [2, 5], max_len=2"), lambda: _Script([[4, 7], [2, 5]]), 0,
             (2, 1, 2), _ids([[4, 2], [7, 5]]))]
    for k, (label, vocab, hidden, n, sos, max_len, lstm) in enumerate(_GREEDY_CASES):
        rng = _rng(40 + k)
        h0 = rng.standard_normal((n, hidden))
        state = (h0, rng.standard_normal((n, hidden))) if lstm else h0
        runs.append((_say(label), partial(_ToyDecoder, vocab, hidden, k, lstm), state, (n, sos, max_len), None))
    return runs


def _judge_greedy(fn) -> str:
    runs = _greedy_runs()
    for label, new_decoder, state, (n, sos, max_len), expected in runs:
        if expected is None:
            expected = CHAPTER.solutions().greedy_decode(new_decoder().step, copy.deepcopy(state), n, sos, max_len)
        decoder = new_decoder()
        got = call(fn, decoder.step, copy.deepcopy(state), n, sos, max_len, label=label)
        where = tr(f" (case: {label})", f" (사례: {label})")
        got, problem = _int_array_problem(got)
        if problem:
            raise Fail(f"{problem}{where}")
        if decoder.first_tokens is not None and not np.all(decoder.first_tokens == sos):
            first = decoder.first_tokens.tolist()
            raise Fail(tr(f"the first step must be fed sos_id={sos} for every row, got {first}",
                          f"첫 단계에는 모든 행에 SOS(sos_id={sos})를 넣어야 하는데, 받은 토큰은 {first}입니다")
                       + where)
        if decoder.calls != max_len:
            times = "once" if decoder.calls == 1 else f"{decoder.calls} times"
            times_ko = "한 번" if decoder.calls == 1 else f"{decoder.calls}번"
            raise Fail(tr(f"step() was called {times}, expected max_len={max_len} times: one call per output token",
                          f"step()이 {times_ko} 호출되었습니다. max_len={max_len}번 호출해야 합니다: 출력 토큰 하나에 "
                          "한 번씩") + where)
        if got.shape == (n, max_len + 1) and np.all(got[:, 0] == sos):
            raise Fail(tr(f"the output starts with the SOS column: return only the {max_len} predicted tokens, shape "
                          "(N, max_len)",
                          f"출력이 SOS 열로 시작합니다: 예측한 토큰 {max_len}개만 모양 (N, max_len)으로 반환하세요")
                       + where)
        problem = compare_values(expected, got, rtol=0, atol=0, what=_what("tokens"))
        if problem:
            hint = _greedy_hint(new_decoder, state, (n, sos, max_len), expected, got)
            raise Fail(f"{problem}{hint}{where}")
    return tr(f"correct on all {len(runs)} cases", f"{len(runs)}개 사례 모두 정답")


def _greedy_hint(new_decoder, state, args, expected, got) -> str:
    for wrong, hint in _GREEDY_MISTAKES:
        answer = wrong(new_decoder().step, copy.deepcopy(state), *args)
        if not np.array_equal(answer, expected) and answer.shape == got.shape and np.array_equal(answer, got):
            return tr(f". Hint: {hint['en']}", f". 힌트: {hint['ko']}")
    return tr(": feed each step's argmax (over the vocabulary axis) back in, with the new state",
              ": 단계마다 (어휘 축에 대한) argmax를 새 상태와 함께 다시 넣으세요")


greedy_decode = CHAPTER.exercise(
    "greedy_decode",
    judge=_judge_greedy,
    hints=[
        {"en": "A loop of max_len steps: each step reads the previous step's prediction and the previous state.",
         "ko": "max_len 단계의 루프입니다: 각 단계는 직전 단계의 예측과 직전 상태를 읽습니다."},
        {"en": "Start with `tokens = np.full(batch_size, sos_id)`; at each step call "
               "`logits, state = step(tokens, state)`, take `logits.argmax(axis=1)` (the vocabulary axis) as the new "
               "tokens and keep them in a list.",
         "ko": "`tokens = np.full(batch_size, sos_id)`로 시작하세요. 단계마다 `logits, state = step(tokens, state)`를 "
               "호출하고, `logits.argmax(axis=1)`(어휘 축)을 새 토큰으로 삼아 리스트에 모아 두세요."},
        {"en": "Inside the loop: `logits, state = step(tokens, state)`, `tokens = logits.argmax(axis=1)`, "
               "`out.append(tokens)`; after it, `return np.stack(out, axis=1)`.",
         "ko": "루프 안에서 `logits, state = step(tokens, state)`, `tokens = logits.argmax(axis=1)`, "
               "`out.append(tokens)`. 루프가 끝나면 `return np.stack(out, axis=1)`."},
    ],
)


# --------------------------------------------------------------------------- 5. predict_greedy_is_best
predict_greedy_is_best = CHAPTER.predict(
    "predict_greedy_is_best",
    why={"en": "p(answer) is a product, p(y1) p(y2 | y1) ...: a slightly less likely first token can make the next "
               "ones far more likely, and greedy decoding never looks back. The next cell shows such a case.",
         "ko": "p(답)은 곱 p(y1) p(y2 | y1) ...입니다: 조금 덜 그럴듯한 첫 토큰이 다음 토큰들을 훨씬 더 그럴듯하게 "
               "만들 수 있는데, 탐욕적 디코딩은 결코 뒤를 돌아보지 않습니다. 다음 셀이 그런 경우를 보여 줍니다."},
    options={
        "a": {"en": "yes: the most likely token at every step gives the most likely answer",
              "ko": "그렇다: 단계마다 가장 그럴듯한 토큰을 고르면 가장 그럴듯한 답이 된다"},
        "b": {"en": "no: a less likely first token can lead to a more probable whole answer",
              "ko": "아니다: 덜 그럴듯한 첫 토큰이 확률이 더 높은 답 전체로 이어질 수 있다"},
        "c": {"en": "yes, as long as every step's probabilities sum to 1",
              "ko": "그렇다, 각 단계의 확률의 합이 1이기만 하면"},
    },
    hints=[
        {"en": "Write the probability of a two-token answer as a product of two factors, and ask what greedy decoding "
               "knows about the second factor when it picks the first token.",
         "ko": "토큰 두 개짜리 답의 확률을 두 인수의 곱으로 써 보세요. 그리고 탐욕적 디코딩이 첫 토큰을 고를 때 두 "
               "번째 인수에 대해 무엇을 알고 있는지 생각해 보세요."},
        {"en": "Imagine a first token with probability 0.5 that is followed by an uncertain second token, and one "
               "with probability 0.4 that is followed by an almost certain one. Which answer has the larger product? "
               "`checks.predict_greedy_is_best.solution()` shows the answer.",
         "ko": "확률 0.5인 첫 토큰 뒤에는 불확실한 두 번째 토큰이, 확률 0.4인 첫 토큰 뒤에는 거의 확실한 두 번째 "
               "토큰이 온다고 상상해 보세요. 어느 답의 곱이 더 클까요? `checks.predict_greedy_is_best.solution()`이 "
               "답을 보여 줍니다."},
    ],
)


# --------------------------------------------------------------------------- 6. beam_search
class _Bigram(_Recorder):
    """The brief's decoder: the next token's probabilities depend only on the token it reads; the state is unused."""

    P = {1: [0.025, 0.025, 0.05, 0.5, 0.4], 3: [0.025, 0.025, 0.35, 0.3, 0.3], 4: [0.01, 0.01, 0.9, 0.04, 0.04],
         0: [0.2] * 5, 2: [0.2] * 5}  # rows for PAD and EOS, which a correct search never feeds

    def step(self, tokens, state):
        tokens = self._record(tokens)
        return np.log(np.array([self.P[int(t)] for t in tokens])), state


def _log_softmax(logits):
    z = np.asarray(logits, dtype=np.float64)
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def _beam_with(step, state, sos_id, eos_id, beam_size, max_len, log=True, reorder=True, stop=True):
    """The reference beam search with the classic mistakes as switches."""
    seqs, scores, done = [[]], np.zeros(1), []
    tokens, states = np.array([sos_id]), state
    for _ in range(max_len):
        logits, new_states = step(tokens, states)
        total = scores[:, None] + (_log_softmax(logits) if log else np.asarray(logits, dtype=np.float64))
        rows, cols = np.unravel_index(np.argsort(-total, axis=None, kind="stable")[:beam_size], total.shape)
        live = [(r, c) for r, c in zip(rows, cols) if not (stop and c == eos_id)]
        done += [(seqs[r] + [int(c)], float(total[r, c])) for r, c in zip(rows, cols) if stop and c == eos_id]
        if not live:
            return max(done, key=lambda item: item[1])
        keep = np.array([r for r, _ in live])
        seqs = [seqs[r] + [int(c)] for r, c in live]
        scores = np.array([total[r, c] for r, c in live])
        tokens = np.array([c for _, c in live])
        states = new_states[keep] if reorder else new_states[np.arange(len(keep)) % len(new_states)]
    done += [(s, float(v)) for s, v in zip(seqs, scores)]
    return max(done, key=lambda item: item[1])


_BEAM_MISTAKES = [
    (dict(log=False), {"en": "add log-probabilities (log-softmax of the logits), not raw logits: logits are not "
                             "normalised, so their sums do not rank whole answers",
                       "ko": "로짓 그대로가 아니라 로그 확률(로짓의 log-softmax)을 더하세요: 로짓은 정규화되어 있지 "
                             "않아서, 그 합으로는 답 전체의 순위를 매길 수 없습니다"}),
    (dict(reorder=False), {"en": "a kept extension must continue from its parent's state: "
                                 "states = new_states[parent rows]",
                           "ko": "남긴 확장은 부모의 상태에서 이어 가야 합니다: states = new_states[부모 행]"}),
    (dict(stop=False), {"en": "an extension that ends with EOS is finished: it leaves the beam and is not extended",
                        "ko": "EOS로 끝나는 확장은 끝난 것입니다: 빔을 떠나고 더는 확장하지 않습니다"}),
]

# (label, vocab, hidden, beam_size, max_len, sos, eos)
_BEAM_CASES = [
    ({"en": "V=7, H=6, beam_size=3, max_len=5", "ko": "V=7, H=6, beam_size=3, max_len=5"}, 7, 6, 3, 5, 1, 2),
    ({"en": "beam_size=1 (greedy decoding with log-probabilities)",
      "ko": "beam_size=1 (로그 확률을 쓰는 탐욕적 디코딩)"}, 6, 4, 1, 4, 1, 2),
    ({"en": "beam_size=2, max_len=6", "ko": "beam_size=2, max_len=6"}, 8, 5, 2, 6, 1, 2),
    ({"en": "a wide beam: beam_size=5, V=6", "ko": "넓은 빔: beam_size=5, V=6"}, 6, 3, 5, 4, 0, 3),
    ({"en": "max_len=1 (one step)", "ko": "max_len=1 (한 단계)"}, 7, 4, 3, 1, 1, 2),
    ({"en": "V=9, H=8, beam_size=4, max_len=6, eos_id=5", "ko": "V=9, H=8, beam_size=4, max_len=6, eos_id=5"},
     9, 8, 4, 6, 1, 5),
]


def _beam_runs():
    runs = [(tr("the brief's example: beam_size=2, max_len=3", "문제 설명의 예: beam_size=2, max_len=3"), _Bigram,
             np.zeros((1, 1)), (1, 2, 2, 3), ([4, 2], math.log(0.36)))]
    for k, (label, vocab, hidden, beam, max_len, sos, eos) in enumerate(_BEAM_CASES):
        state = _rng(60 + k).standard_normal((1, hidden))
        runs.append((_say(label), partial(_ToyDecoder, vocab, hidden, 100 + k), state, (sos, eos, beam, max_len),
                     None))
    return runs


def _cap_repr(value) -> str:
    return cap(repr(value), 60)


def _beam_answer(got, label):
    where = tr(f" (case: {label})", f" (사례: {label})")
    if got is None:
        raise Fail(tr("the result is None: did you forget `return`? Expected a pair (tokens, score)",
                      "결과가 None입니다: `return`을 빠뜨렸나요? 쌍 (tokens, score)를 반환해야 합니다") + where)
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        raise Fail(tr(f"expected a pair (tokens, score), got {type(got).__name__}",
                      f"쌍 (tokens, score)를 반환해야 하는데 {type(got).__name__}입니다") + where)
    tokens, score = got
    if np.ndim(tokens) == 0:
        raise Fail(tr(f"expected a pair (tokens, score), got {_cap_repr(got)}: return the list of tokens and its "
                      "log-probability",
                      f"쌍 (tokens, score)를 반환해야 하는데 {_cap_repr(got)}입니다: 토큰 리스트와 그 로그 확률을 "
                      "반환하세요") + where)
    try:
        tokens = [int(t) for t in np.asarray(tokens).ravel()]
        if np.ndim(score) != 0:
            raise TypeError
        score = float(score)
    except (TypeError, ValueError):
        raise Fail(tr("expected tokens as a list of ints and the score as one number",
                      "tokens는 int의 리스트로, score는 수 하나로 반환해야 합니다") + where) from None
    return tokens, score


def _judge_beam(fn) -> str:
    runs = _beam_runs()
    for label, new_decoder, state, (sos, eos, beam, max_len), expected in runs:
        if expected is None:
            expected = CHAPTER.solutions().beam_search(new_decoder().step, state.copy(), sos, eos, beam, max_len)
        decoder = new_decoder()
        got = call(fn, decoder.step, state.copy(), sos, eos, beam, max_len, label=label)
        tokens, score = _beam_answer(got, label)
        where = tr(f" (case: {label})", f" (사례: {label})")
        first = decoder.first_tokens
        if first is not None and len(first) > 1:
            raise Fail(tr(f"the first step was fed {len(first)} tokens: start from one hypothesis, [SOS]; "
                          f"{len(first)} identical copies would fill the beam with duplicates",
                          f"첫 단계에 토큰 {len(first)}개를 넣었습니다: 가설 하나, [SOS]에서 시작하세요. 똑같은 사본 "
                          f"{len(first)}개는 빔을 중복으로 채웁니다") + where)
        if first is not None and first[0] != sos:
            raise Fail(tr(f"the first step must be fed sos_id={sos}, got {int(first[0])}",
                          f"첫 단계에는 SOS(sos_id={sos})를 넣어야 하는데, 받은 토큰은 {int(first[0])}입니다") + where)
        if tokens[:1] == [sos] and tokens[1:] == expected[0]:
            raise Fail(tr("the tokens start with SOS: return only the generated tokens",
                          "tokens가 SOS로 시작합니다: 생성한 토큰만 반환하세요") + where)
        if tokens != expected[0]:
            hint = _beam_hint(new_decoder, state, (sos, eos, beam, max_len), expected, (tokens, score))
            raise Fail(tr(f"wrong tokens: expected {expected[0]}, got {tokens}{hint}",
                          f"토큰이 틀렸습니다: 기대값 {expected[0]}, 받은 값 {tokens}{hint}") + where)
        if not np.isclose(score, expected[1], rtol=1e-6, atol=1e-9):
            if np.isclose(score, math.exp(expected[1]), rtol=1e-6):
                raise Fail(tr(f"the score {score:.6g} is the probability: return the log-probability, the sum of "
                              "the log-softmax values",
                              f"점수({score:.6g})가 확률입니다: 로그 확률, 즉 log-softmax 값들의 합을 반환하세요")
                           + where)
            hint = _beam_hint(new_decoder, state, (sos, eos, beam, max_len), expected, (tokens, score))
            raise Fail(tr(f"wrong score: expected the log-probability {expected[1]:.6g}, got {score:.6g}{hint}",
                          f"점수가 틀렸습니다: 기대한 로그 확률 {expected[1]:.6g}, 받은 값 {score:.6g}{hint}") + where)
    return tr(f"correct on all {len(runs)} cases", f"{len(runs)}개 사례 모두 정답")


def _beam_hint(new_decoder, state, args, expected, got) -> str:
    """The hint of the classic mistake that gives the learner's (tokens, score) where the right answer differs."""
    for switches, hint in _BEAM_MISTAKES:
        try:
            wrong = _beam_with(new_decoder().step, state.copy(), *args, **switches)
        except Exception:  # a mistake that cannot even run here explains nothing
            continue
        differs = wrong[0] != expected[0] or not np.isclose(wrong[1], expected[1], rtol=1e-6, atol=1e-9)
        if differs and wrong[0] == got[0] and np.isclose(wrong[1], got[1], rtol=1e-6, atol=1e-9):
            return tr(f". Hint: {hint['en']}", f". 힌트: {hint['ko']}")
    return ""


beam_search = CHAPTER.exercise(
    "beam_search",
    judge=_judge_beam,
    hints=[
        {"en": "Keep a list of hypotheses (tokens so far, total log-probability) and the decoder states of the live "
               "ones, one row per hypothesis. Each step extends all of them by every token at once.",
         "ko": "가설(지금까지의 토큰, 전체 로그 확률)의 리스트와, 살아 있는 가설들의 디코더 상태를 가설 하나에 행 "
               "하나씩 유지하세요. 각 단계는 모든 가설을 모든 토큰으로 한꺼번에 확장합니다."},
        {"en": "Per step: `logits, states = step(tokens, states)`; log-softmax each row; "
               "`total = scores[:, None] + logp`, shape (k, V); the best `beam_size` entries of the flattened `total` "
               "(`np.argsort(-total, axis=None)`, then `np.unravel_index`) give parent rows and tokens. EOS extensions "
               "go to a finished list.",
         "ko": "단계마다 `logits, states = step(tokens, states)`를 호출하고 각 행에 log-softmax를 적용합니다. `total = "
               "scores[:, None] + logp`의 모양은 (k, V)이고, 펼친 `total`에서 가장 좋은 `beam_size`개 "
               "항목(`np.argsort(-total, axis=None)` 다음 `np.unravel_index`)이 부모 행과 토큰을 줍니다. EOS로 끝나는 "
               "확장은 끝난 리스트로 보내세요."},
        {"en": "The live extensions continue with `states = states[parent_rows]` and their tokens; stop when none is "
               "live or after max_len steps, add the live ones to the finished list and return the one with the "
               "highest score. `checks.beam_search.solution()` shows the answer.",
         "ko": "살아 있는 확장은 `states = states[parent_rows]`와 자신의 토큰으로 계속합니다. 살아 있는 가설이 없거나 "
               "max_len 단계가 지나면 멈추고, 살아 있는 가설을 끝난 리스트에 더한 뒤 점수가 가장 높은 것을 반환하세요. "
               "`checks.beam_search.solution()`이 답을 보여 줍니다."},
    ],
)


# --------------------------------------------------------------------------- 7. addition_settings (experiment)
EXPERIMENT_STEPS, EXPERIMENT_TARGET = 300, 0.5
_experiment_cache: dict = {}


def run_addition_experiment(lr: float, reverse: bool, peeky: bool) -> float:
    """Exact match on 500 held-out 2-digit sums of the lesson's model after 300 Adam steps (batch 128, fixed seed)."""
    key = (float(lr), bool(reverse), bool(peeky))
    if key in _experiment_cache:
        return _experiment_cache[key]
    import torch.nn.functional as F

    from common import seq2seq as s2s
    from common.data import CharVocab, make_addition_dataset

    questions, answers = make_addition_dataset(n=4000, max_digits=2, seed=0)
    vocab = CharVocab("0123456789+")
    src, tgt_in, tgt_out = s2s.prepare_pairs(questions, answers, vocab, reverse=reverse)
    n_train = 3500
    with torch.random.fork_rng():
        torch.manual_seed(0)
        model = s2s.Seq2Seq(len(vocab), len(vocab), embed_dim=16, hidden_size=64, peeky=peeky)
        optimizer = torch.optim.Adam(model.parameters(), lr=lr)
        batches = torch.Generator().manual_seed(0)
        for _ in range(EXPERIMENT_STEPS):
            rows = torch.randint(0, n_train, (128,), generator=batches)
            logits = model(src[rows], tgt_in[rows])
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tgt_out[rows].reshape(-1), ignore_index=0)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            optimizer.step()
        accuracy = s2s.exact_match_accuracy(model, src[n_train:], tgt_out[n_train:], vocab.sos_id, vocab.eos_id)
    _experiment_cache[key] = accuracy
    return accuracy


def _judge_addition(fn) -> str:
    settings = call(fn, label=tr("your settings", "여러분의 설정"))
    if not isinstance(settings, dict) or set(settings) != {"lr", "reverse", "peeky"}:
        keys = sorted(map(str, settings)) if isinstance(settings, dict) else type(settings).__name__
        raise Fail(tr(f"return a dict with the keys 'lr', 'reverse' and 'peeky', got {_cap_repr(keys)}",
                      f"키가 'lr', 'reverse', 'peeky'인 dict를 반환하세요. 받은 것: {_cap_repr(keys)}"))
    lr, reverse, peeky = settings["lr"], settings["reverse"], settings["peeky"]
    if not isinstance(reverse, (bool, np.bool_)) or not isinstance(peeky, (bool, np.bool_)):
        raise Fail(tr("'reverse' and 'peeky' are True or False", "'reverse'와 'peeky'는 True나 False입니다"))
    if isinstance(lr, bool) or not isinstance(lr, (int, float, np.integer, np.floating)) or not 0 < lr <= 1:
        raise Fail(tr(f"'lr' is a learning rate for Adam, a number in (0, 1], got {_cap_repr(lr)}",
                      f"'lr'은 Adam의 학습률로, (0, 1] 범위의 수입니다. 받은 값: {_cap_repr(lr)}"))
    accuracy = run_addition_experiment(lr, reverse, peeky)
    what = tr(f"your settings (lr={float(lr):g}, {'reversed' if reverse else 'question as written'}, "
              f"{'peeky' if peeky else 'plain'} decoder) reached {100 * accuracy:.1f}% exact match on 500 held-out "
              f"sums after {EXPERIMENT_STEPS} steps; asked: at least {100 * EXPERIMENT_TARGET:.0f}%",
              f"여러분의 설정(lr={float(lr):g}, {'질문 반전' if reverse else '질문을 쓰인 그대로'}, "
              f"{'엿보기' if peeky else '기본'} 디코더)은 {EXPERIMENT_STEPS}단계 뒤 학습에 쓰지 않은 덧셈 500개에서 "
              f"완전 일치 {100 * accuracy:.1f}%에 도달했습니다. 목표: {100 * EXPERIMENT_TARGET:.0f}% 이상")
    if accuracy < EXPERIMENT_TARGET:
        raise Fail(what)
    return what


addition_settings = CHAPTER.exercise(
    "addition_settings",
    judge=_judge_addition,
    hints=[
        {"en": "Each run takes a few seconds: change one setting at a time and watch the accuracy the check reports.",
         "ko": "한 번 돌리는 데 몇 초면 됩니다: 설정을 한 번에 하나씩 바꾸면서 채점기가 알려 주는 정확도를 "
               "지켜보세요."},
        {"en": "The lesson changed two things about the model; both matter even more with a small budget. Adam's "
               "default learning rate, 1e-3, is slow for 300 steps; far above 1e-2 training becomes unstable.",
         "ko": "본문은 모델에서 두 가지를 바꿨습니다. 예산이 작으면 둘 다 더욱 중요합니다. Adam의 기본 학습률 1e-3은 "
               "300단계에는 너무 느리고, 1e-2보다 훨씬 크면 학습이 불안정해집니다."},
        {"en": "Try reversing the question, a peeky decoder and a learning rate between 3e-3 and 3e-2. "
               "`checks.addition_settings.solution()` shows the answer.",
         "ko": "질문 반전, 엿보기 디코더, 그리고 3e-3과 3e-2 사이의 학습률을 시도해 보세요. "
               "`checks.addition_settings.solution()`이 답을 보여 줍니다."},
    ],
)
