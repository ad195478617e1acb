"""Checkers for chapter 06 (RNN and LSTM).

One ``check_<name>(fn)`` per exercise of ``chapters/06_rnn_lstm/exercises.ipynb``. The reference
answers live here, next to their checkers; each checker calls the learner's code on random and
edge-case inputs (a batch of 1, zeros, a hidden size of 1, non-square weights) and returns a
:class:`~common.checks.CheckResult`. When a wrong answer matches a known mistake (gates in the
wrong order, a missing tanh, padding counted...), the message names it.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from common.checks import NOT_IMPLEMENTED, CheckResult, call_safely, case, compare_values

_RNG_SEED = 6


def _rng(offset: int = 0) -> np.random.Generator:
    return np.random.default_rng(_RNG_SEED + offset)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _finite(value) -> bool:
    try:
        return bool(np.all(np.isfinite(np.asarray(value, dtype=np.float64))))
    except (TypeError, ValueError):
        return all(_finite(v) for v in value)


def _run(name, fn, reference, cases, rtol=1e-6, atol=1e-9, mistakes=None, what="result", compare=None) -> CheckResult:
    """Like ``check_function``, and when an answer is wrong, name the known mistake it matches.

    ``mistakes`` maps a hint to a wrong implementation; if the learner's answer equals that
    implementation's (finite) answer on the failing case, the hint is added to the message.
    ``compare(expected, got)`` replaces ``compare_values`` for the verdict itself.
    """
    for c in cases:
        expected = reference(*c.args, **c.kwargs)
        got, problem = call_safely(fn, c)
        if problem == NOT_IMPLEMENTED:
            return CheckResult(name, False, problem)
        if problem:
            return CheckResult(name, False, problem)
        problem = compare(expected, got) if compare else compare_values(expected, got, rtol, atol, what)
        if problem:
            for hint, wrong in (mistakes or {}).items():
                try:
                    with np.errstate(all="ignore"):
                        answer = wrong(*c.args, **c.kwargs)
                    if _finite(answer) and compare_values(answer, got, rtol, atol) is None:
                        problem += f": {hint}"
                        break
                except Exception:  # a hint that does not apply to this input is skipped
                    continue
            return CheckResult(name, False, f"{problem} (case: {c.label})")
    return CheckResult(name, True, f"correct on all {len(cases)} cases")


# --------------------------------------------------------------------------- 1. rnn_step
def _ref_rnn_step(x, h_prev, Wx, Wh, b):
    return np.tanh(x @ Wx + h_prev @ Wh + b)


def _rnn_cases(offset: int):
    rng = _rng(offset)

    def draw(N, D, H, zero_state=False):
        h = np.zeros((N, H)) if zero_state else np.tanh(rng.standard_normal((N, H)))
        return (rng.standard_normal((N, D)), h, rng.standard_normal((D, H)) * 0.5,
                rng.standard_normal((H, H)) * 0.5, rng.standard_normal(H) * 0.5)

    return [
        case("N=4, D=3, H=5", *draw(4, 3, 5)),
        case("a batch of 1: N=1, D=2, H=3", *draw(1, 2, 3)),
        case("h_prev all zeros (the first step), N=3, D=4, H=2", *draw(3, 4, 2, zero_state=True)),
        case("hidden size 1: N=2, D=3, H=1", *draw(2, 3, 1)),
        case("large inputs that saturate tanh, N=2, D=6, H=4", *[a * 4 for a in draw(2, 6, 4)]),
    ]


def check_rnn_step(fn) -> CheckResult:
    """Exercise 1: one forward step h_next = tanh(x Wx + h_prev Wh + b)."""
    mistakes = {
        "the tanh is missing": lambda x, h, Wx, Wh, b: x @ Wx + h @ Wh + b,
        "use tanh, not the sigmoid": lambda x, h, Wx, Wh, b: _sigmoid(x @ Wx + h @ Wh + b),
        "the bias b is missing": lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh),
        "the previous state enters as h_prev @ Wh, not h_prev @ Wh.T": lambda x, h, Wx, Wh, b: np.tanh(
            x @ Wx + h @ Wh.T + b
        ),
        "h_prev @ Wh is missing: the step forgets the past": lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + b),
    }
    return _run("rnn_step", fn, _ref_rnn_step, _rnn_cases(1), mistakes=mistakes, what="h_next")


# --------------------------------------------------------------------------- 2. rnn_step_backward
def _ref_rnn_step_backward(dh_next, x, h_prev, h_next, Wx, Wh):
    da = dh_next * (1.0 - h_next**2)
    return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)


def _rnn_backward_cases():
    cases = []
    rng = _rng(2)
    for c in _rnn_cases(2):
        x, h_prev, Wx, Wh, b = c.args
        h_next = _ref_rnn_step(x, h_prev, Wx, Wh, b)
        cases.append(case(c.label, rng.standard_normal(h_next.shape), x, h_prev, h_next, Wx, Wh))
    return cases


_BACKWARD_NAMES = ("dx", "dh_prev", "dWx", "dWh", "db")


def check_rnn_step_backward(fn) -> CheckResult:
    """Exercise 2: the gradients (dx, dh_prev, dWx, dWh, db) of one RNN step."""
    name = "rnn_step_backward"

    def no_tanh_derivative(dh, x, h_prev, h_next, Wx, Wh):
        return dh @ Wx.T, dh @ Wh.T, x.T @ dh, h_prev.T @ dh, dh.sum(axis=0)

    def derivative_at_h_prev(dh, x, h_prev, h_next, Wx, Wh):
        da = dh * (1.0 - h_prev**2)
        return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)

    hints = {
        "multiply dh_next by tanh'(a) = 1 - h_next**2 first": no_tanh_derivative,
        "tanh' uses the output of this step, 1 - h_next**2, not h_prev": derivative_at_h_prev,
    }
    for c in _rnn_backward_cases():
        expected = _ref_rnn_step_backward(*c.args)
        got, problem = call_safely(fn, c)
        if problem:
            return CheckResult(name, False, problem)
        if not isinstance(got, (tuple, list)) or len(got) != 5:
            return CheckResult(name, False, f"return the tuple (dx, dh_prev, dWx, dWh, db), got {type(got).__name__}"
                               f"{'' if not isinstance(got, (tuple, list)) else f' of {len(got)} items'}")
        for i, (label, e, g) in enumerate(zip(_BACKWARD_NAMES, expected, got)):
            problem = compare_values(e, g, 1e-6, 1e-9, label)
            if problem:
                if "shape" in problem and np.shape(g) == np.shape(e)[::-1]:
                    problem += f": {label} is transposed"
                for hint, wrong in hints.items():
                    if compare_values(wrong(*c.args)[i], g, 1e-6, 1e-9) is None:
                        problem += f": {hint}"
                        break
                return CheckResult(name, False, f"{problem} (case: {c.label})")
    return CheckResult(name, True, "all five gradients correct on all 5 cases")


# --------------------------------------------------------------------------- 3. clip_grads_by_norm
def _ref_clip(grads, max_norm):
    norm = np.sqrt(sum(float((g**2).sum()) for g in grads))
    scale = min(1.0, max_norm / (norm + 1e-6))
    return [g * scale for g in grads]


def _clip_cases():
    rng = _rng(3)
    big = [rng.standard_normal((3, 4)) * 5, rng.standard_normal(4) * 5]
    return [
        case("two arrays with total norm ~17, max_norm=1", big, 1.0),
        case("the same arrays, max_norm=100 (already small: unchanged)", big, 100.0),
        case("one (2, 3) array, max_norm=0.5", [rng.standard_normal((2, 3))], 0.5),
        case("three arrays of different shapes, max_norm=2",
             [rng.standard_normal(s) for s in [(5,), (2, 2), (1, 3, 2)]], 2.0),
        case("a single number 10.0 as a (1,) array, max_norm=3", [np.array([10.0])], 3.0),
        case("all-zero gradients (norm 0), max_norm=1", [np.zeros((2, 2)), np.zeros(3)], 1.0),
    ]


def check_clip_grads_by_norm(fn) -> CheckResult:
    """Exercise 3: scale every gradient by max_norm / global norm when the global norm is too large."""

    def per_array(grads, max_norm):
        return [g * min(1.0, max_norm / (np.linalg.norm(g) + 1e-6)) for g in grads]

    def always_scale(grads, max_norm):
        norm = np.sqrt(sum(float((g**2).sum()) for g in grads))
        return [g * max_norm / (norm + 1e-6) for g in grads]

    def by_value(grads, max_norm):
        return [np.clip(g, -max_norm, max_norm) for g in grads]

    mistakes = {
        "the norm is one global norm over all arrays together, not one per array": per_array,
        "scale only when the norm is larger than max_norm": always_scale,
        "that clips each value; clip the norm instead (it keeps the direction)": by_value,
    }
    return _run("clip_grads_by_norm", fn, _ref_clip, _clip_cases(), rtol=1e-5, atol=1e-8, mistakes=mistakes,
                what="clipped gradients")


# --------------------------------------------------------------------------- 4. lstm_step
def _lstm(x, h_prev, c_prev, Wx, Wh, b, order="ifgo"):
    H = h_prev.shape[1]
    A = x @ Wx + h_prev @ Wh + b
    gates = {k: A[:, j * H : (j + 1) * H] for j, k in enumerate(order)}
    i, f, o = _sigmoid(gates["i"]), _sigmoid(gates["f"]), _sigmoid(gates["o"])
    g = np.tanh(gates["g"])
    c_next = f * c_prev + i * g
    return o * np.tanh(c_next), c_next


def _ref_lstm_step(x, h_prev, c_prev, Wx, Wh, b):
    return _lstm(x, h_prev, c_prev, Wx, Wh, b)


def _lstm_cases():
    rng = _rng(4)

    def draw(N, D, H, zero_state=False):
        h = np.zeros((N, H)) if zero_state else np.tanh(rng.standard_normal((N, H)))
        c = np.zeros((N, H)) if zero_state else rng.standard_normal((N, H))
        return (rng.standard_normal((N, D)), h, c, rng.standard_normal((D, 4 * H)) * 0.7,
                rng.standard_normal((H, 4 * H)) * 0.7, rng.standard_normal(4 * H) * 0.5)

    return [
        case("N=3, D=4, H=5", *draw(3, 4, 5)),
        case("a batch of 1: N=1, D=2, H=3", *draw(1, 2, 3)),
        case("zero initial states, N=2, D=3, H=4", *draw(2, 3, 4, zero_state=True)),
        case("hidden size 1: N=4, D=2, H=1", *draw(4, 2, 1)),
        case("N=5, D=1, H=2", *draw(5, 1, 2)),
    ]


def check_lstm_step(fn) -> CheckResult:
    """Exercise 4: one LSTM step with the fused affine sliced into i, f, g, o; returns (h_next, c_next)."""

    def no_tanh_on_c(*args):
        h, c = _ref_lstm_step(*args)
        _, _, _, Wx, Wh, b = args
        o = _sigmoid((args[0] @ Wx + args[1] @ Wh + b)[:, 3 * args[1].shape[1] :])
        return o * c, c

    def without_input_gate(x, h_prev, c_prev, Wx, Wh, b):
        H = h_prev.shape[1]
        A = x @ Wx + h_prev @ Wh + b
        f, g, o = _sigmoid(A[:, H : 2 * H]), np.tanh(A[:, 2 * H : 3 * H]), _sigmoid(A[:, 3 * H :])
        c = f * c_prev + g
        return o * np.tanh(c), c

    mistakes = {
        "the gates are sliced as f, g, i, o; PyTorch's order is i, f, g, o": lambda *a: _lstm(*a, order="fgio"),
        "the gates are sliced as i, f, o, g; PyTorch's order is i, f, g, o": lambda *a: _lstm(*a, order="ifog"),
        "h_next = o * tanh(c_next): the tanh of the cell state is missing": no_tanh_on_c,
        "c_next = f * c_prev + i * g: the input gate i is missing": without_input_gate,
    }
    def compare(expected, got):
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            return f"return the tuple (h_next, c_next), got {type(got).__name__}"
        for label, e, g in zip(("h_next", "c_next"), expected, got):
            problem = compare_values(e, g, 1e-6, 1e-9, label)
            if problem:
                return problem
        return None

    return _run("lstm_step", fn, _ref_lstm_step, _lstm_cases(), mistakes=mistakes, compare=compare)


# --------------------------------------------------------------------------- 5. softmax_with_temperature
def _ref_temperature(logits, temperature):
    z = np.asarray(logits, dtype=np.float64) / temperature
    z = np.exp(z - z.max(axis=-1, keepdims=True))
    return z / z.sum(axis=-1, keepdims=True)


def _temperature_cases():
    rng = _rng(5)
    x = rng.standard_normal((3, 6)) * 2
    return [
        case("(3, 6) logits, temperature 1 (plain softmax)", x, 1.0),
        case("(3, 6) logits, temperature 0.5 (sharper)", x, 0.5),
        case("(3, 6) logits, temperature 2 (flatter)", x, 2.0),
        case("one row of 29 logits, shape (29,), temperature 0.8", rng.standard_normal(29), 0.8),
        case("a batch of 1, shape (1, 4), temperature 1.5", rng.standard_normal((1, 4)), 1.5),
        case("large logits [1000, 999, 990], temperature 1 (overflow!)", np.array([[1000.0, 999.0, 990.0]]), 1.0),
        case("temperature 0.01: almost one-hot", np.array([[1.0, 2.0, 3.0, 2.5]]), 0.01),
        case("all-equal logits, temperature 0.3: uniform", np.zeros((2, 5)), 0.3),
    ]


def check_softmax_with_temperature(fn) -> CheckResult:
    """Exercise 5: softmax(logits / temperature) along the last axis, stable for large logits."""
    name = "softmax_with_temperature"

    def times_temperature(logits, temperature):
        return _ref_temperature(np.asarray(logits) * temperature * temperature, temperature)

    def whole_array(logits, temperature):
        z = np.exp(np.asarray(logits) / temperature)
        return z / z.sum()

    mistakes = {
        "divide the logits by the temperature, do not multiply": times_temperature,
        "normalise each row (sum over the last axis), not the whole array": whole_array,
    }
    result = _run(name, fn, _ref_temperature, _temperature_cases(), rtol=1e-6, atol=1e-9, mistakes=mistakes,
                  what="probabilities")
    if not result.passed and "got nan" in result.message:
        result.message += ": exp overflowed; subtract the row's max before exp (it does not change the softmax)"
    return result


# --------------------------------------------------------------------------- 6. masked_nll
def _ref_masked_nll(logits, targets, pad_id):
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]).double(), targets.reshape(-1),
                           ignore_index=pad_id).item()


def _nll_cases():
    g = torch.Generator().manual_seed(_RNG_SEED)

    def draw(N, T, V, lengths):
        logits = torch.randn(N, T, V, generator=g, dtype=torch.float64) * 2
        targets = torch.randint(1, V, (N, T), generator=g)
        for row, n in enumerate(lengths):
            targets[row, n:] = 0
        return logits, targets

    return [
        case("N=3, T=5, V=7 with padding (lengths 5, 3, 1), pad_id=0", *draw(3, 5, 7, [5, 3, 1]), 0),
        case("no padding, N=2, T=4, V=6", *draw(2, 4, 6, [4, 4]), 0),
        case("a batch of 1 with T=1, V=3", *draw(1, 1, 3, [1]), 0),
        case("mostly padding: N=4, T=8, V=29 (lengths 8, 2, 1, 3)", *draw(4, 8, 29, [8, 2, 1, 3]), 0),
        case("float32 logits, N=2, T=6, V=5 (lengths 6, 2)", *[t.float() if t.is_floating_point() else t
                                                              for t in draw(2, 6, 5, [6, 2])], 0),
    ]


def check_masked_nll(fn) -> CheckResult:
    """Exercise 6: mean -log p(target) over the non-padding targets, as a Python float (nats)."""
    name = "masked_nll"

    def counts_padding(logits, targets, pad_id):
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]).double(), targets.reshape(-1)).item()

    def zeros_padding_but_divides_by_all(logits, targets, pad_id):
        nll = F.cross_entropy(logits.reshape(-1, logits.shape[-1]).double(), targets.reshape(-1), reduction="none")
        return (nll * (targets.reshape(-1) != pad_id)).mean().item()

    def mean_of_sequence_means(logits, targets, pad_id):
        nll = F.cross_entropy(logits.transpose(1, 2).double(), targets, reduction="none")
        mask = (targets != pad_id).double()
        return ((nll * mask).sum(1) / mask.sum(1)).mean().item()

    def no_log_softmax(logits, targets, pad_id):
        picked = logits.double().gather(-1, targets[..., None])[..., 0]
        return -picked[targets != pad_id].mean().item()

    hints = {
        "the padding targets were counted: leave out every target equal to pad_id": counts_padding,
        "divide by the number of real (non-padding) targets, not by every position": zeros_padding_but_divides_by_all,
        "average over all real targets at once, not per sequence and then over sequences": mean_of_sequence_means,
        "the logits are scores: turn them into log-probabilities with log_softmax first": no_log_softmax,
    }
    for c in _nll_cases():
        expected = _ref_masked_nll(*c.args)
        got, problem = call_safely(fn, c)
        if problem:
            return CheckResult(name, False, problem)
        if isinstance(got, torch.Tensor):
            if got.numel() != 1:
                return CheckResult(name, False, f"expected one number, got a tensor of shape {tuple(got.shape)}: "
                                   f"average over every real target (case: {c.label})")
            got = got.detach().item()
        problem = compare_values(expected, got, 1e-5, 1e-7, "NLL")
        if problem:
            for hint, wrong in hints.items():
                if compare_values(wrong(*c.args), got, 1e-5, 1e-7) is None:
                    problem += f": {hint}"
                    break
            return CheckResult(name, False, f"{problem} (case: {c.label})")
    return CheckResult(name, True, "correct on all 5 cases")


__all__ = [
    "check_rnn_step",
    "check_rnn_step_backward",
    "check_clip_grads_by_norm",
    "check_lstm_step",
    "check_softmax_with_temperature",
    "check_masked_nll",
]
