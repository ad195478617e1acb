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

from common.checks import Chapter, Fail, call, cap, case, compare_values, example, named_parts

CHAPTER = Chapter("07_seq2seq")
__getattr__ = CHAPTER.legacy


def _rng(offset: int = 0) -> np.random.Generator:
    return np.random.default_rng(7 + offset)


def _ids(rows) -> np.ndarray:
    return np.array(rows, dtype=np.int64)


def _int_array_problem(got, what: str = "result") -> tuple[np.ndarray | None, str | None]:
    """(array, None) when ``got`` is an integer array (or tensor), else (None, a sentence saying why not)."""
    if got is None:
        return None, f"the {what} is None: did you forget `return`?"
    if hasattr(got, "detach"):  # a torch tensor
        got = got.detach().cpu().numpy()
    if not isinstance(got, np.ndarray):
        return None, f"expected the {what} to be a NumPy array of ids, got {type(got).__name__}: use np.array / np.full"
    if not np.issubdtype(got.dtype, np.integer):
        return None, f"the {what} has dtype {got.dtype}: ids must be integers (e.g. dtype=np.int64) for nn.Embedding"
    return got, None


def _compare_ids(expected, got, what: str = "result") -> str | None:
    """Integer arrays compared exactly; a wrong value names the first wrong row in full."""
    got, problem = _int_array_problem(got, what)
    if problem:
        return problem
    problem = compare_values(expected, got, rtol=0, atol=0, what=what)
    if problem and "wrong value" in problem and expected.ndim == 2:
        row = next(i for i in range(len(expected)) if not np.array_equal(expected[i], got[i]))
        of = "" if what == "result" else f" of {what}"
        problem = f"wrong row {row}{of}: expected {expected[row].tolist()}, got {got[row].tolist()}"
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
        case("4 random sequences, length=7, pad_id=0",
             [list(map(int, rng.integers(3, 14, size=k))) for k in (3, 7, 1, 5)], 7, 0),
        case("a batch of 1 sequence that fills the length", [[3, 4, 5, 6]], 4, 0),
        case("an empty sequence in the batch", [[8, 9], []], 3, 0),
        case("pad_id=99 (not 0)", [[1, 2], [3, 4, 5]], 5, 99),
        case("the same list object twice in seqs (the lists must not change)", [shared, shared], 5, 0),
    ]


pad_and_reverse = CHAPTER.exercise(
    "pad_and_reverse",
    examples=[example(_ids([[0, 3, 7, 5], [0, 0, 0, 4]]), "the brief's example: [[5, 7, 3], [4]], length=4, pad_id=0",
                      [[5, 7, 3], [4]], 4, 0)],
    cases=_pad_cases,
    compare=_compare_ids,
    mistakes=[
        (lambda seqs, length, pad_id: _pad([s[::-1] for s in seqs], length, pad_id),
         "pad first, then flip the whole row: the padding must end up on the left"),
        (_pad, "after padding, flip every row in time: x[:, ::-1]"),
        (lambda seqs, length, pad_id: _pad(seqs, length, 0)[:, ::-1], "fill with `pad_id`, not with 0"),
        (lambda seqs, length, pad_id: _pad(seqs, max(map(len, seqs)), pad_id)[:, ::-1],
         "pad every row to `length`, not to the longest sequence"),
    ],
    hints=[
        "Two steps: first make a rectangle by right-padding every list to `length`, then flip the rectangle in time.",
        "Start from `np.full((len(seqs), length), pad_id, dtype=np.int64)` and copy each list into the start of "
        "its row; then reverse the column order. Do not change the lists in `seqs`.",
        "`out = np.full(...)`, then `for row, s in zip(out, seqs): row[:len(s)] = s`, and "
        "`return out[:, ::-1].copy()`.",
    ],
)


# --------------------------------------------------------------------------- 2. decoder_io
def _compare_decoder_io(expected, got) -> str | None:
    if got is None:
        return "the result is None: did you forget `return`?"
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        return f"expected a pair (tgt_in, tgt_out), got {type(got).__name__}"
    for name, e, g in zip(("tgt_in", "tgt_out"), expected, got):
        problem = _compare_ids(e, g, name)
        if problem:
            if problem.startswith("wrong row"):
                problem += " (tgt_in starts with SOS, tgt_out ends with EOS)"
            return problem
    return None


def _decoder_io_cases():
    rng = _rng(2)
    shared = [5, 6]
    return [
        case("4 random answers, sos=1, eos=2, pad=0, length=5",
             [list(map(int, rng.integers(3, 13, size=k))) for k in (1, 4, 2, 3)], 1, 2, 0, 5),
        case("an answer that fills length - 1", [[5, 6, 7]], 1, 2, 0, 4),
        case("an empty answer", [[], [9]], 1, 2, 0, 3),
        case("other special ids: sos=10, eos=11, pad=12", [[1, 2], [3]], 10, 11, 12, 4),
        case("the same list object twice in answers (the lists must not change)", [shared, shared], 1, 2, 0, 4),
    ]


def _io_with(answers, sos_id, eos_id, pad_id, length, sos=True, eos=True):
    tgt_in = _pad([[sos_id, *a] if sos else list(a) for a in answers], length, pad_id)
    tgt_out = _pad([[*a, eos_id] if eos else list(a) for a in answers], length, pad_id)
    return tgt_in, tgt_out


decoder_io = CHAPTER.exercise(
    "decoder_io",
    examples=[example((_ids([[1, 3, 4, 0]]), _ids([[3, 4, 2, 0]])),
                      "the brief's example: answers=[[3, 4]], sos=1, eos=2, pad=0, length=4", [[3, 4]], 1, 2, 0, 4)],
    cases=_decoder_io_cases,
    compare=_compare_decoder_io,
    mistakes=[
        (lambda *a: _io_with(*a)[::-1], "the pair is swapped: return (tgt_in, tgt_out), the input with SOS first"),
        (lambda *a: (_io_with(*a)[1], _io_with(*a)[1]),
         "tgt_in must be shifted right by one step (SOS first), or the decoder sees the token it must predict"),
        (lambda *a: _io_with(*a, eos=False), "tgt_out ends with EOS, right after the answer"),
        (lambda *a: (_io_with(*a)[0], _io_with(*a)[0]), "tgt_out is the answer followed by EOS, with no SOS"),
    ],
    hints=[
        "Both arrays hold the same answer, shifted by one step: the input starts with SOS, the target ends with EOS.",
        "Make two `(N, length)` arrays filled with `pad_id` (`np.full`, dtype int64); in row i, write `[sos_id] + "
        "answer` into the start of tgt_in and `answer + [eos_id]` into the start of tgt_out.",
        "`for i, a in enumerate(answers): tgt_in[i, :len(a) + 1] = [sos_id, *a]; "
        "tgt_out[i, :len(a) + 1] = [*a, eos_id]`, then `return tgt_in, tgt_out`.",
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
        _lstm_case("N=4, D=3, H=5 (random)", rng, 4, 3, 5),
        _lstm_case("a batch of 1, D=2, H=2", rng, 1, 2, 2),
        _lstm_case("D=6 larger than H=3", rng, 3, 6, 3),
        _lstm_case("all zeros: h = c = 0 after the step", rng, 2, 3, 4, zeros=True),
        _lstm_case("large values (saturated gates)", rng, 2, 3, 4, scale=4.0),
    ]


_Z = np.zeros
lstm_cell = CHAPTER.exercise(
    "lstm_cell",
    examples=[example((np.array([[0.3534092045709028]]), np.array([[0.8807970779778824]])),
                      "the brief's example: weights 0, x = h = 0, c = [[1]], b_ih = [0, 0, 1, 0]",
                      _Z((1, 1)), _Z((1, 1)), np.ones((1, 1)), _Z((4, 1)), _Z((4, 1)), np.array([0.0, 0.0, 1.0, 0.0]),
                      _Z(4))],
    cases=_lstm_cases,
    compare=named_parts("h_new", "c_new"),
    rtol=1e-6,
    atol=1e-9,
    mistakes=[
        (lambda *a: _lstm_with(*a, order="ifog"), "the four blocks of z are the gates i, f, g, o, in that order"),
        (lambda x, h, c, W_ih, W_hh, b_ih, b_hh: _lstm_with(x, h, c, W_ih, W_hh, b_ih, 0 * b_hh),
         "z adds both biases, b_ih and b_hh"),
        (lambda *a: _lstm_with(*a, tanh_c=False), "h_new = o * tanh(c_new): apply tanh to the new cell state"),
        (lambda *a: _lstm_with(*a, g_act=_sigmoid), "the candidate g goes through tanh, not sigmoid"),
        (lambda *a: _lstm_with(*a, new_c=False), "h_new uses the new cell state c_new, not the old c"),
    ],
    hints=[
        "One matrix product per input gives all four gates at once: z has 4H columns, the blocks i, f, g, o.",
        "`z = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh` has shape (N, 4H); slice it into four (N, H) blocks "
        "`z[:, :H]`, `z[:, H:2*H]`, ...; sigmoid for i, f and o, tanh for g.",
        "`c_new = f * c + i * g`, `h_new = o * np.tanh(c_new)`, `return h_new, c_new`.",
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
    ("N=5, V=7, H=6, max_len=4", 7, 6, 5, 1, 4, False),
    ("a batch of 1, max_len=6", 9, 4, 1, 1, 6, False),
    ("max_len=1 (one step)", 5, 3, 3, 1, 1, False),
    ("sos_id=0", 6, 5, 4, 0, 5, False),
    ("an LSTM-like state, a tuple (h, c): pass it along untouched", 8, 4, 3, 2, 5, True),
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
    (lambda *a: _greedy_with(*a, feed_back=False), "feed each step's argmax back in as the next tokens, not SOS again"),
    (lambda *a: _greedy_with(*a, new_state=False), "pass the new state returned by step() to the next step"),
]


def _greedy_runs():
    """(label, a new decoder, its initial state, (batch_size, sos_id, max_len), literal answer or None)."""
    runs = [("the brief's example: argmax [4, 7], then [2, 5], max_len=2", lambda: _Script([[4, 7], [2, 5]]), 0,
             (2, 1, 2), _ids([[4, 2], [7, 5]]))]
    for k, (label, vocab, hidden, n, sos, max_len, lstm) in enumerate(_GREEDY_CASES):
        rng = _rng(40 + k)
        h0 = rng.standard_normal((n, hidden))
        state = (h0, rng.standard_normal((n, hidden))) if lstm else h0
        runs.append((label, partial(_ToyDecoder, vocab, hidden, k, lstm), state, (n, sos, max_len), None))
    return runs


def _judge_greedy(fn) -> str:
    runs = _greedy_runs()
    for label, new_decoder, state, (n, sos, max_len), expected in runs:
        if expected is None:
            expected = CHAPTER.solutions().greedy_decode(new_decoder().step, copy.deepcopy(state), n, sos, max_len)
        decoder = new_decoder()
        got = call(fn, decoder.step, copy.deepcopy(state), n, sos, max_len, label=label)
        got, problem = _int_array_problem(got)
        if problem:
            raise Fail(f"{problem} (case: {label})")
        if decoder.first_tokens is not None and not np.all(decoder.first_tokens == sos):
            raise Fail(f"the first step must be fed sos_id={sos} for every row, got {decoder.first_tokens.tolist()} "
                       f"(case: {label})")
        if decoder.calls != max_len:
            times = "once" if decoder.calls == 1 else f"{decoder.calls} times"
            raise Fail(f"step() was called {times}, expected max_len={max_len} times: one call per output token "
                       f"(case: {label})")
        if got.shape == (n, max_len + 1) and np.all(got[:, 0] == sos):
            raise Fail(f"the output starts with the SOS column: return only the {max_len} predicted tokens, shape "
                       f"(N, max_len) (case: {label})")
        problem = compare_values(expected, got, rtol=0, atol=0, what="tokens")
        if problem:
            hint = _greedy_hint(new_decoder, state, (n, sos, max_len), expected, got)
            raise Fail(f"{problem}{hint} (case: {label})")
    return f"correct on all {len(runs)} cases"


def _greedy_hint(new_decoder, state, args, expected, got) -> str:
    for wrong, hint in _GREEDY_MISTAKES:
        answer = wrong(new_decoder().step, copy.deepcopy(state), *args)
        if not np.array_equal(answer, expected) and answer.shape == got.shape and np.array_equal(answer, got):
            return f". Hint: {hint}"
    return ": feed each step's argmax (over the vocabulary axis) back in, with the new state"


greedy_decode = CHAPTER.exercise(
    "greedy_decode",
    judge=_judge_greedy,
    hints=[
        "A loop of max_len steps: each step reads the previous step's prediction and the previous state.",
        "Start with `tokens = np.full(batch_size, sos_id)`; at each step call `logits, state = step(tokens, state)`, "
        "take `logits.argmax(axis=1)` (the vocabulary axis) as the new tokens and keep them in a list.",
        "Inside the loop: `logits, state = step(tokens, state)`, `tokens = logits.argmax(axis=1)`, "
        "`out.append(tokens)`; after it, `return np.stack(out, axis=1)`.",
    ],
)


# --------------------------------------------------------------------------- 5. predict_greedy_is_best
predict_greedy_is_best = CHAPTER.predict(
    "predict_greedy_is_best",
    why="p(answer) is a product, p(y1) p(y2 | y1) ...: a slightly less likely first token can make the next ones "
        "far more likely, and greedy decoding never looks back. The next cell shows such a case.",
    options={
        "a": "yes: the most likely token at every step gives the most likely answer",
        "b": "no: a less likely first token can lead to a more probable whole answer",
        "c": "yes, as long as every step's probabilities sum to 1",
    },
    hints=[
        "Write the probability of a two-token answer as a product of two factors, and ask what greedy decoding "
        "knows about the second factor when it picks the first token.",
        "Imagine a first token with probability 0.5 that is followed by an uncertain second token, and one with "
        "probability 0.4 that is followed by an almost certain one. Which answer has the larger product? "
        "`checks.predict_greedy_is_best.solution()` shows the answer.",
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
    (dict(log=False), "add log-probabilities (log-softmax of the logits), not raw logits: logits are not "
                      "normalised, so their sums do not rank whole answers"),
    (dict(reorder=False), "a kept extension must continue from its parent's state: states = new_states[parent rows]"),
    (dict(stop=False), "an extension that ends with EOS is finished: it leaves the beam and is not extended"),
]

# (label, vocab, hidden, beam_size, max_len, sos, eos)
_BEAM_CASES = [
    ("V=7, H=6, beam_size=3, max_len=5", 7, 6, 3, 5, 1, 2),
    ("beam_size=1 (greedy decoding with log-probabilities)", 6, 4, 1, 4, 1, 2),
    ("beam_size=2, max_len=6", 8, 5, 2, 6, 1, 2),
    ("a wide beam: beam_size=5, V=6", 6, 3, 5, 4, 0, 3),
    ("max_len=1 (one step)", 7, 4, 3, 1, 1, 2),
    ("V=9, H=8, beam_size=4, max_len=6, eos_id=5", 9, 8, 4, 6, 1, 5),
]


def _beam_runs():
    runs = [("the brief's example: beam_size=2, max_len=3", _Bigram, np.zeros((1, 1)), (1, 2, 2, 3),
             ([4, 2], math.log(0.36)))]
    for k, (label, vocab, hidden, beam, max_len, sos, eos) in enumerate(_BEAM_CASES):
        state = _rng(60 + k).standard_normal((1, hidden))
        runs.append((label, partial(_ToyDecoder, vocab, hidden, 100 + k), state, (sos, eos, beam, max_len), None))
    return runs


def _cap_repr(value) -> str:
    return cap(repr(value), 60)


def _beam_answer(got, label):
    if got is None:
        raise Fail(f"the result is None: did you forget `return`? Expected a pair (tokens, score) (case: {label})")
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        raise Fail(f"expected a pair (tokens, score), got {type(got).__name__} (case: {label})")
    tokens, score = got
    if np.ndim(tokens) == 0:
        raise Fail(f"expected a pair (tokens, score), got {_cap_repr(got)}: return the list of tokens and its "
                   f"log-probability (case: {label})")
    try:
        tokens = [int(t) for t in np.asarray(tokens).ravel()]
        if np.ndim(score) != 0:
            raise TypeError
        score = float(score)
    except (TypeError, ValueError):
        raise Fail(f"expected tokens as a list of ints and the score as one number (case: {label})") from None
    return tokens, score


def _judge_beam(fn) -> str:
    runs = _beam_runs()
    for label, new_decoder, state, (sos, eos, beam, max_len), expected in runs:
        if expected is None:
            expected = CHAPTER.solutions().beam_search(new_decoder().step, state.copy(), sos, eos, beam, max_len)
        decoder = new_decoder()
        got = call(fn, decoder.step, state.copy(), sos, eos, beam, max_len, label=label)
        tokens, score = _beam_answer(got, label)
        first = decoder.first_tokens
        if first is not None and len(first) > 1:
            raise Fail(f"the first step was fed {len(first)} tokens: start from one hypothesis, [SOS]; "
                       f"{len(first)} identical copies would fill the beam with duplicates (case: {label})")
        if first is not None and first[0] != sos:
            raise Fail(f"the first step must be fed sos_id={sos}, got {int(first[0])} (case: {label})")
        if tokens[:1] == [sos] and tokens[1:] == expected[0]:
            raise Fail(f"the tokens start with SOS: return only the generated tokens (case: {label})")
        if tokens != expected[0]:
            hint = _beam_hint(new_decoder, state, (sos, eos, beam, max_len), expected, (tokens, score))
            raise Fail(f"wrong tokens: expected {expected[0]}, got {tokens}{hint} (case: {label})")
        if not np.isclose(score, expected[1], rtol=1e-6, atol=1e-9):
            if np.isclose(score, math.exp(expected[1]), rtol=1e-6):
                raise Fail(f"the score {score:.6g} is the probability: return the log-probability, the sum of "
                           f"the log-softmax values (case: {label})")
            hint = _beam_hint(new_decoder, state, (sos, eos, beam, max_len), expected, (tokens, score))
            raise Fail(f"wrong score: expected the log-probability {expected[1]:.6g}, got {score:.6g}{hint} "
                       f"(case: {label})")
    return f"correct on all {len(runs)} cases"


def _beam_hint(new_decoder, state, args, expected, got) -> str:
    """The hint of the classic mistake that gives the learner's (tokens, score) where the right answer differs."""
    for switches, hint in _BEAM_MISTAKES:
        try:
            wrong = _beam_with(new_decoder().step, state.copy(), *args, **switches)
        except Exception:  # a mistake that cannot even run here explains nothing
            continue
        differs = wrong[0] != expected[0] or not np.isclose(wrong[1], expected[1], rtol=1e-6, atol=1e-9)
        if differs and wrong[0] == got[0] and np.isclose(wrong[1], got[1], rtol=1e-6, atol=1e-9):
            return f". Hint: {hint}"
    return ""


beam_search = CHAPTER.exercise(
    "beam_search",
    judge=_judge_beam,
    hints=[
        "Keep a list of hypotheses (tokens so far, total log-probability) and the decoder states of the live ones, "
        "one row per hypothesis. Each step extends all of them by every token at once.",
        "Per step: `logits, states = step(tokens, states)`; log-softmax each row; `total = scores[:, None] + logp`, "
        "shape (k, V); the best `beam_size` entries of the flattened `total` (`np.argsort(-total, axis=None)`, "
        "then `np.unravel_index`) give parent rows and tokens. EOS extensions go to a finished list.",
        "The live extensions continue with `states = states[parent_rows]` and their tokens; stop when none is live "
        "or after max_len steps, add the live ones to the finished list and return the one with the highest "
        "score. `checks.beam_search.solution()` shows the answer.",
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
    settings = call(fn, label="your settings")
    if not isinstance(settings, dict) or set(settings) != {"lr", "reverse", "peeky"}:
        keys = sorted(map(str, settings)) if isinstance(settings, dict) else type(settings).__name__
        raise Fail(f"return a dict with the keys 'lr', 'reverse' and 'peeky', got {_cap_repr(keys)}")
    lr, reverse, peeky = settings["lr"], settings["reverse"], settings["peeky"]
    if not isinstance(reverse, (bool, np.bool_)) or not isinstance(peeky, (bool, np.bool_)):
        raise Fail("'reverse' and 'peeky' are True or False")
    if isinstance(lr, bool) or not isinstance(lr, (int, float, np.integer, np.floating)) or not 0 < lr <= 1:
        raise Fail(f"'lr' is a learning rate for Adam, a number in (0, 1], got {_cap_repr(lr)}")
    accuracy = run_addition_experiment(lr, reverse, peeky)
    what = (f"your settings (lr={float(lr):g}, {'reversed' if reverse else 'question as written'}, "
            f"{'peeky' if peeky else 'plain'} decoder) reached {100 * accuracy:.1f}% exact match on 500 held-out "
            f"sums after {EXPERIMENT_STEPS} steps; asked: at least {100 * EXPERIMENT_TARGET:.0f}%")
    if accuracy < EXPERIMENT_TARGET:
        raise Fail(what)
    return what


addition_settings = CHAPTER.exercise(
    "addition_settings",
    judge=_judge_addition,
    hints=[
        "Each run takes a few seconds: change one setting at a time and watch the accuracy the check reports.",
        "The lesson changed two things about the model; both matter even more with a small budget. Adam's default "
        "learning rate, 1e-3, is slow for 300 steps; far above 1e-2 training becomes unstable.",
        "Try reversing the question, a peeky decoder and a learning rate between 3e-3 and 3e-2. "
        "`checks.addition_settings.solution()` shows the answer.",
    ],
)
