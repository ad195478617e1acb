"""Checkers for chapter 07 (sequence to sequence).

One ``check_<name>(fn)`` per exercise of ``chapters/07_seq2seq/exercises.ipynb``. The reference
answers live here, next to their checkers; each checker calls the learner's code on random and
edge-case inputs and returns a :class:`~common.checks.CheckResult`.
"""
from __future__ import annotations

import numbers
from functools import partial

import numpy as np

from common.checks import NOT_IMPLEMENTED, CheckResult, call_safely, case, check_function, compare_values

_RNG_SEED = 7


def _rng(offset: int = 0) -> np.random.Generator:
    return np.random.default_rng(_RNG_SEED + offset)


def _as_int_array(got, what: str = "result"):
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


# --------------------------------------------------------------------------- 1. pad_and_reverse
def _ref_pad_and_reverse(seqs, length: int, pad_id: int) -> np.ndarray:
    out = np.full((len(seqs), length), pad_id, dtype=np.int64)
    for row, s in zip(out, seqs):
        row[: len(s)] = s
    return out[:, ::-1].copy()


def _compare_int_arrays(expected, got) -> str | None:
    got, problem = _as_int_array(got)
    if problem:
        return problem
    problem = compare_values(expected, got, rtol=0, atol=0)
    if problem and "wrong value" in problem and expected.ndim == 2:
        row = next(i for i in range(len(expected)) if not np.array_equal(expected[i], got[i]))
        problem = f"wrong row {row}: expected {expected[row].tolist()}, got {got[row].tolist()}"
    return problem


def check_pad_and_reverse(fn) -> CheckResult:
    """Exercise 1: right-pad id lists to ``length``, then flip each row in time (x[:, ::-1])."""
    rng = _rng(1)
    random_seqs = [list(map(int, rng.integers(3, 14, size=k))) for k in (3, 7, 1, 5)]
    cases = [
        case("seqs=[[5, 7, 3], [4]], length=4, pad_id=0", [[5, 7, 3], [4]], 4, 0),
        case("4 random sequences, length=7, pad_id=0", random_seqs, 7, 0),
        case("a batch of 1 sequence that fills the length", [[3, 4, 5, 6]], 4, 0),
        case("an empty sequence in the batch", [[8, 9], []], 3, 0),
        case("pad_id=99 (not 0)", [[1, 2], [3, 4, 5]], 5, 99),
    ]
    return check_function(fn, _ref_pad_and_reverse, cases, name="pad_and_reverse", compare=_compare_int_arrays)


# --------------------------------------------------------------------------- 2. decoder_io
def _ref_decoder_io(answers, sos_id: int, eos_id: int, pad_id: int, length: int):
    tgt_in = np.full((len(answers), length), pad_id, dtype=np.int64)
    tgt_out = np.full((len(answers), length), pad_id, dtype=np.int64)
    for i, a in enumerate(answers):
        tgt_in[i, : len(a) + 1] = [sos_id, *a]
        tgt_out[i, : len(a) + 1] = [*a, eos_id]
    return tgt_in, tgt_out


def _compare_decoder_io(expected, got) -> str | None:
    if got is None:
        return "the result is None: did you forget `return`?"
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        return f"expected a pair (tgt_in, tgt_out), got {type(got).__name__}"
    for name, e, g in zip(("tgt_in", "tgt_out"), expected, got):
        g, problem = _as_int_array(g, name)
        if problem:
            return problem
        problem = compare_values(e, g, rtol=0, atol=0, what=name)
        if problem:
            if "wrong value" in problem:
                row = next(i for i in range(len(e)) if not np.array_equal(e[i], g[i]))
                problem = f"wrong row {row} of {name}: expected {e[row].tolist()}, got {g[row].tolist()}"
                problem += (
                    " (tgt_in starts with SOS, tgt_out ends with EOS: the same answer shifted by one step)"
                )
            return problem
    return None


def check_decoder_io(fn) -> CheckResult:
    """Exercise 2: the decoder's input (SOS + answer) and target (answer + EOS) for teacher forcing."""
    rng = _rng(2)
    answers = [list(map(int, rng.integers(3, 13, size=k))) for k in (1, 4, 2, 3)]
    cases = [
        case("answers=[[3, 4]], sos=1, eos=2, pad=0, length=4", [[3, 4]], 1, 2, 0, 4),
        case("4 random answers, sos=1, eos=2, pad=0, length=5", answers, 1, 2, 0, 5),
        case("an answer that fills length - 1", [[5, 6, 7]], 1, 2, 0, 4),
        case("an empty answer", [[], [9]], 1, 2, 0, 3),
        case("other special ids: sos=10, eos=11, pad=12", [[1, 2], [3]], 10, 11, 12, 4),
    ]
    return check_function(fn, _ref_decoder_io, cases, name="decoder_io", compare=_compare_decoder_io)


# --------------------------------------------------------------------------- 3. lstm_cell
def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _ref_lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    H = h.shape[-1]
    z = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = _sigmoid(z[:, :H]), _sigmoid(z[:, H : 2 * H]), np.tanh(z[:, 2 * H : 3 * H]), _sigmoid(z[:, 3 * H :])
    c_new = f * c + i * g
    return o * np.tanh(c_new), c_new


def _lstm_case(rng, n, d, hidden, scale=1.0, zeros=False):
    def r(*shape):
        return np.zeros(shape) if zeros else scale * rng.standard_normal(shape)

    return (r(n, d), r(n, hidden), r(n, hidden), r(4 * hidden, d), r(4 * hidden, hidden), r(4 * hidden), r(4 * hidden))


def check_lstm_cell(fn) -> CheckResult:
    """Exercise 3: one LSTM step in NumPy with PyTorch's weight layout (gates i, f, g, o)."""
    rng = _rng(3)
    cases = [
        case("N=4, D=3, H=5 (random)", *_lstm_case(rng, 4, 3, 5)),
        case("a batch of 1, D=2, H=2", *_lstm_case(rng, 1, 2, 2)),
        case("D=6 larger than H=3", *_lstm_case(rng, 3, 6, 3)),
        case("all zeros: h = c = 0 after the step", *_lstm_case(rng, 2, 3, 4, zeros=True)),
        case("large values (saturated gates)", *_lstm_case(rng, 2, 3, 4, scale=4.0)),
    ]

    def compare(expected, got):
        problem = compare_values(expected, got, rtol=1e-6, atol=1e-9, what="(h_new, c_new)")
        if problem and "wrong value" in problem:
            problem += (
                ": z = x W_ih^T + b_ih + h W_hh^T + b_hh; its four blocks are the gates i, f, g, o in that order "
                "(sigmoid, sigmoid, tanh, sigmoid); c_new = f*c + i*g and h_new = o*tanh(c_new)"
            )
        return problem

    return check_function(fn, _ref_lstm_cell, cases, name="lstm_cell", compare=compare)


# --------------------------------------------------------------------------- 4. greedy_decode
class _ToyDecoder:
    """A tiny deterministic NumPy RNN decoder: ``step(tokens (N,), h (N, H)) -> (logits (N, V), h)``.

    It counts its calls and remembers the first tokens it was given, to explain mistakes.
    """

    def __init__(self, vocab_size: int, hidden: int, seed: int) -> None:
        rng = np.random.default_rng(seed)
        self.E = rng.standard_normal((vocab_size, hidden))
        self.W = rng.standard_normal((hidden, hidden)) / np.sqrt(hidden)
        self.U = rng.standard_normal((hidden, vocab_size)) * 2
        self.calls, self.first_tokens = 0, None

    def step(self, tokens, h):
        tokens = np.asarray(tokens)
        if tokens.ndim != 1:
            raise ValueError(f"step() takes the tokens as a 1-D array (N,), got shape {tokens.shape}")
        if self.first_tokens is None:
            self.first_tokens = tokens.copy()
        self.calls += 1
        h = np.tanh(self.E[tokens] + h @ self.W)
        return h @ self.U, h


def _ref_greedy_decode(step, state, batch_size: int, sos_id: int, max_len: int) -> np.ndarray:
    token = np.full(batch_size, sos_id, dtype=np.int64)
    out = np.zeros((batch_size, max_len), dtype=np.int64)
    for t in range(max_len):
        logits, state = step(token, state)
        token = logits.argmax(axis=1)
        out[:, t] = token
    return out


_GREEDY_CASES = [
    # (label, vocab, hidden, batch, sos, max_len)
    ("N=5, V=7, H=6, max_len=4", 7, 6, 5, 1, 4),
    ("a batch of 1, max_len=6", 9, 4, 1, 1, 6),
    ("max_len=1 (one step)", 5, 3, 3, 1, 1),
    ("sos_id=0", 6, 5, 4, 0, 5),
]


def check_greedy_decode(fn) -> CheckResult:
    """Exercise 4: greedy decoding with a step function: feed SOS, then each step's argmax, max_len times."""
    name = "greedy_decode"
    for k, (label, vocab, hidden, n, sos, max_len) in enumerate(_GREEDY_CASES):
        rng = _rng(40 + k)
        h0 = rng.standard_normal((n, hidden))
        expected = _ref_greedy_decode(_ToyDecoder(vocab, hidden, seed=k).step, h0.copy(), n, sos, max_len)
        toy = _ToyDecoder(vocab, hidden, seed=k)
        # call_safely deep-copies a case's arguments: bind ours with partial so we can count the calls
        got, problem = call_safely(partial(fn, toy.step, h0.copy(), n, sos, max_len), case(label))
        if problem == NOT_IMPLEMENTED:
            return CheckResult(name, False, problem)
        if problem:
            return CheckResult(name, False, problem)
        got, problem = _as_int_array(got)
        if problem:
            return CheckResult(name, False, f"{problem} (case: {label})")
        if toy.first_tokens is not None and not np.all(toy.first_tokens == sos):
            return CheckResult(
                name, False, f"the first step must be fed sos_id={sos} for every row, got {toy.first_tokens.tolist()} "
                f"(case: {label})",
            )
        if toy.calls != max_len:
            return CheckResult(
                name, False, f"step() was called {toy.calls} times, expected max_len={max_len}: one call per "
                f"output token (case: {label})",
            )
        if got.shape == (n, max_len + 1) and np.all(got[:, 0] == sos):
            return CheckResult(name, False, f"the output starts with the SOS column: return only the {max_len} "
                               f"predicted tokens, shape (N, max_len) (case: {label})")
        problem = compare_values(expected, got, rtol=0, atol=0, what="tokens")
        if problem:
            if "wrong value" in problem:
                problem += ": feed each step's argmax (over the vocabulary axis) back in, with the new state"
            return CheckResult(name, False, f"{problem} (case: {label})")
    return CheckResult(name, True, f"correct on all {len(_GREEDY_CASES)} cases")


# --------------------------------------------------------------------------- 5. exact_match
def _ref_exact_match(pred, target, eos_id: int) -> float:
    correct = 0
    for p, t in zip(np.asarray(pred), np.asarray(target)):
        hits = np.flatnonzero(t == eos_id)
        end = hits[0] + 1 if len(hits) else len(t)
        correct += bool(np.array_equal(p[:end], t[:end]))
    return correct / len(target)


def _compare_share(expected: float, got) -> str | None:
    if got is None:
        return "the result is None: did you forget `return`?"
    if isinstance(got, np.ndarray) and got.size == 1 or hasattr(got, "numel") and got.numel() == 1:
        got = got.item()  # a 0-d array or a one-element tensor
    if not isinstance(got, numbers.Real):
        return f"expected one number (the share of exact matches), got {type(got).__name__}"
    if got > 1:
        return f"got {got:.6g}, more than 1: return the share of rows (correct / N), not the count"
    if not np.isclose(got, expected, rtol=1e-9, atol=1e-12):
        return f"expected the share {expected:.6g}, got {float(got):.6g}"
    return None


def _em_cases():
    pad, eos = 0, 2
    target = np.array([[4, 5, 2, 0], [6, 2, 0, 0], [3, 4, 5, 2], [7, 8, 2, 0]])
    # right; right but garbage after EOS; one digit wrong; answer too long (no EOS where it should be)
    pred = np.array([[4, 5, 2, 0], [6, 2, 9, 9], [3, 4, 6, 2], [7, 8, 8, 2]])
    rng = _rng(5)
    big_t = rng.integers(3, 13, size=(50, 5))
    lengths = rng.integers(1, 5, size=50)
    for row, k in zip(big_t, lengths):
        row[k] = eos
        row[k + 1 :] = pad
    big_p = big_t.copy()
    flip = rng.random(50) < 0.4
    big_p[flip, 0] = (big_p[flip, 0] + 1 - 3) % 10 + 3
    tail = rng.random(50) < 0.5
    for row, k, t in zip(big_p, lengths, tail):
        if t and k + 1 < row.size:
            row[k + 1 :] = rng.integers(3, 13, size=row.size - k - 1)
    return [
        case("4 answers: right / garbage after EOS / a wrong digit / too long", pred, target, eos),
        case("all rows identical", target.copy(), target.copy(), eos),
        case("a batch of 1 with a wrong last digit", np.array([[5, 6, 2]]), np.array([[5, 7, 2]]), eos),
        case("a target row without EOS (compared in full)", np.array([[3, 4, 5], [3, 4, 6]]),
             np.array([[3, 4, 5], [3, 4, 5]]), eos),
        case("50 random answers, eos_id=2", big_p, big_t, eos),
        case("eos_id=13 (not 2)", np.array([[4, 13, 1], [4, 13, 13]]), np.array([[4, 13, 0], [4, 4, 13]]), 13),
    ]


def check_exact_match(fn) -> CheckResult:
    """Exercise 5: the share of rows whose prediction equals the target up to and including its first EOS."""
    cases = _em_cases()

    def compare(expected, got):
        problem = _compare_share(expected, got)
        if problem and problem.startswith("expected the share"):
            problem += ": compare each row up to and including the target's first EOS; ignore what follows"
        return problem

    return check_function(fn, _ref_exact_match, cases, name="exact_match", compare=compare)


__all__ = [
    "check_pad_and_reverse",
    "check_decoder_io",
    "check_lstm_cell",
    "check_greedy_decode",
    "check_exact_match",
]
