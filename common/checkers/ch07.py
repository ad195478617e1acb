"""Exercises of chapter 07, sequence to sequence: ``checks.<name>.check(fn)``, ``.hint()``, ``.solution()``.

The reference answers are the chapter's ``solutions.py``; this module holds what is specific to each
exercise: its cases, the brief's worked example, classic mistakes and hints. ``greedy_decode`` is
judged with toy decoders that count their calls and remember what they were fed.
"""
from __future__ import annotations

import copy
from functools import partial

import numpy as np

from common.checks import Chapter, Fail, call, case, compare_values, example, named_parts

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


# --------------------------------------------------------------------------- 5. exact_match
def _compare_share(expected, got, rtol=1e-9, atol=1e-12) -> str | None:
    if isinstance(got, (int, float)) and got > 1:
        return f"got {got:.6g}, more than 1: return the share of rows (correct / N), not the count"
    return compare_values(expected, got, rtol, atol, what="share of exact matches")


def _em_cases():
    pad, eos = 0, 2
    target = _ids([[4, 5, 2, 0], [6, 2, 0, 0], [3, 4, 5, 2], [7, 8, 2, 0]])
    # right; right but garbage after EOS; one digit wrong; answer too long (no EOS where it should be)
    pred = _ids([[4, 5, 2, 0], [6, 2, 9, 9], [3, 4, 6, 2], [7, 8, 8, 2]])
    rng = _rng(5)
    big_t = rng.integers(3, 13, size=(50, 5))
    lengths = rng.integers(1, 5, size=50)
    for row, k in zip(big_t, lengths):
        row[k] = eos
        row[k + 1 :] = pad
    big_p = big_t.copy()
    flip = rng.random(50) < 0.4
    big_p[flip, 0] = (big_p[flip, 0] + 1 - 3) % 10 + 3
    for row, k, t in zip(big_p, lengths, rng.random(50) < 0.5):
        if t and k + 1 < row.size:
            row[k + 1 :] = rng.integers(3, 13, size=row.size - k - 1)
    return [
        case("4 answers: right / garbage after EOS / a wrong digit / too long", pred, target, eos),
        case("all rows identical", target.copy(), target.copy(), eos),
        case("a batch of 1 with a wrong last digit", _ids([[5, 6, 2]]), _ids([[5, 7, 2]]), eos),
        case("a target row without EOS (compared in full)", _ids([[3, 4, 5], [3, 4, 6]]), _ids([[3, 4, 5], [3, 4, 5]]),
             eos),
        case("50 random answers, eos_id=2", big_p, big_t, eos),
        case("eos_id=13 (not 2)", _ids([[4, 13, 1], [4, 13, 13]]), _ids([[4, 13, 0], [4, 4, 13]]), 13),
        case("an empty answer (EOS first) and a second EOS later in the target: only the first counts",
             _ids([[2, 5, 5, 5], [3, 2, 7, 7], [3, 2, 2, 0]]), _ids([[2, 0, 0, 0], [3, 2, 0, 2], [3, 2, 0, 2]]), eos),
    ]


def _em_upto(pred, target, eos_id, include_eos=True, whole=False):
    pred, target = np.asarray(pred), np.asarray(target)
    is_eos = target == eos_id
    before = np.cumsum(is_eos, axis=1) - (is_eos if include_eos else 0) == 0
    compared = np.ones_like(before) if whole else before
    return float(np.mean(np.all((pred == target) | ~compared, axis=1)))


_EM_PRED = _ids([[4, 5, 2, 9], [4, 5, 5, 2], [3, 2, 0, 0]])
_EM_TARGET = _ids([[4, 5, 2, 0], [4, 5, 2, 0], [3, 2, 0, 0]])
exact_match = CHAPTER.exercise(
    "exact_match",
    examples=[example(2 / 3, f"the brief's example: pred {_EM_PRED.tolist()}, target {_EM_TARGET.tolist()}",
                      _EM_PRED, _EM_TARGET, 2)],
    cases=_em_cases,
    returns=float,
    compare=_compare_share,
    rtol=1e-9,
    atol=1e-12,
    mistakes=[
        (lambda p, t, e: _em_upto(p, t, e, whole=True),
         "compare each row only up to and including the target's first EOS; ignore what follows"),
        (lambda p, t, e: float(np.mean(np.asarray(p) == np.asarray(t))),
         "a row counts only when all its positions are right: the share of rows, not of tokens"),
        (lambda p, t, e: _em_upto(p, t, e, include_eos=False),
         "compare the EOS position too, up to and including the target's first EOS: an answer must stop there"),
        (lambda p, t, e: _em_upto(p, t, e) * len(t), "return the share of rows (correct / N), not the count"),
    ],
    hints=[
        "Decide for every row whether it is right, then take the mean of those yes/no answers.",
        "Only the positions up to and including the target's first EOS count. A boolean (N, T) array of the "
        "positions to compare can be built from `np.cumsum(target == eos_id, axis=1)`; then `np.all(..., axis=1)`.",
        "`is_eos = target == eos_id`; `compared = np.cumsum(is_eos, axis=1) - is_eos == 0`; "
        "`return float(np.mean(np.all((pred == target) | ~compared, axis=1)))`.",
    ],
)
