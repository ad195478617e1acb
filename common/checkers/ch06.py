"""Exercises of chapter 06, RNN and LSTM: ``checks.<name>.check(fn)``, ``.hint()``, ``.solution()``.

The reference answers are the chapter's ``solutions.py``; this module holds what is specific to each
exercise: its cases, the brief's worked example, classic mistakes and hints.
"""
from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from common.checks import Chapter, case, example, named_parts

CHAPTER = Chapter("06_rnn_lstm")
__getattr__ = CHAPTER.legacy


def _rng(offset: int = 0) -> np.random.Generator:
    return np.random.default_rng(6 + offset)


def _ref(name: str):
    """The solution ``name`` of solutions.py, looked up when a classic mistake is built from it."""
    return getattr(CHAPTER.solutions(), name)


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


# --------------------------------------------------------------------------- 1. rnn_step
def _rnn_args(rng, N, D, H, zero_state=False, scale=1.0):
    h = np.zeros((N, H)) if zero_state else np.tanh(rng.standard_normal((N, H)))
    x, Wx = rng.standard_normal((N, D)) * scale, rng.standard_normal((D, H)) * 0.5 * scale
    Wh, b = rng.standard_normal((H, H)) * 0.5 * scale, rng.standard_normal(H) * 0.5 * scale
    return x, h, Wx, Wh, b


def _rnn_cases(offset: int = 1):
    rng = _rng(offset)
    return [
        case("N=4, D=3, H=5", *_rnn_args(rng, 4, 3, 5)),
        case("a batch of 1: N=1, D=2, H=3", *_rnn_args(rng, 1, 2, 3)),
        case("h_prev all zeros (the first step), N=3, D=4, H=2", *_rnn_args(rng, 3, 4, 2, zero_state=True)),
        case("hidden size 1: N=2, D=3, H=1", *_rnn_args(rng, 2, 3, 1)),
        case("large inputs that saturate tanh, N=2, D=6, H=4", *_rnn_args(rng, 2, 6, 4, scale=4.0)),
    ]


rnn_step = CHAPTER.exercise(
    "rnn_step",
    examples=[example(np.array([[0.7615941559557649]]),
                      "the brief's example: x = [[1, 0]], h_prev = [[0.5]], Wx = [[1], [2]], Wh = [[2]], b = [-1]",
                      np.array([[1.0, 0.0]]), np.array([[0.5]]), np.array([[1.0], [2.0]]), np.array([[2.0]]),
                      np.array([-1.0]))],
    cases=_rnn_cases,
    rtol=1e-6,
    atol=1e-9,
    what="h_next",
    mistakes=[
        (lambda x, h, Wx, Wh, b: x @ Wx + h @ Wh + b, "the tanh is missing"),
        (lambda x, h, Wx, Wh, b: _sigmoid(x @ Wx + h @ Wh + b), "use tanh, not the sigmoid"),
        (lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh), "the bias b is missing"),
        (lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh.T + b),
         "the previous state enters as h_prev @ Wh, not h_prev @ Wh.T"),
        (lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + b), "h_prev @ Wh is missing: the step forgets the past"),
    ],
    hints=[
        "The new state mixes the input and the previous state, each through its own weight matrix, adds the bias "
        "and squashes the sum with tanh.",
        "`x @ Wx` is (N, H) and `h_prev @ Wh` is (N, H); `b` (H,) broadcasts over the batch. Apply `np.tanh` "
        "to the sum: no loop over the batch.",
        "`return np.tanh(x @ Wx + h_prev @ Wh + b)`.",
    ],
)


# --------------------------------------------------------------------------- 2. rnn_step_backward
def _rnn_backward_cases():
    rng = _rng(2)
    cases = []
    for c in _rnn_cases(2):
        x, h_prev, Wx, Wh, b = c.args
        h_next = np.tanh(x @ Wx + h_prev @ Wh + b)
        cases.append(case(c.label, rng.standard_normal(h_next.shape), x, h_prev, h_next, Wx, Wh))
    return cases


def _rnn_backward_from(da, x, h_prev, Wx, Wh, wh_t=True, db_axis=0):
    return da @ Wx.T, da @ (Wh.T if wh_t else Wh), x.T @ da, h_prev.T @ da, da.sum(axis=db_axis)


rnn_step_backward = CHAPTER.exercise(
    "rnn_step_backward",
    examples=[example((np.array([[3.0, 9.0]]), np.array([[6.0]]), np.array([[3.0], [6.0]]), np.array([[1.5]]),
                       np.array([3.0])),
                      "the brief's example: dh_next = [[4]], h_next = [[0.5]], so da = 4 * (1 - 0.25) = 3",
                      np.array([[4.0]]), np.array([[1.0, 2.0]]), np.array([[0.5]]), np.array([[0.5]]),
                      np.array([[1.0], [3.0]]), np.array([[2.0]]))],
    cases=_rnn_backward_cases,
    compare=named_parts("dx", "dh_prev", "dWx", "dWh", "db"),
    rtol=1e-6,
    atol=1e-9,
    mistakes=[
        (lambda dh, x, hp, hn, Wx, Wh: _rnn_backward_from(dh, x, hp, Wx, Wh),
         "multiply dh_next by tanh'(a) = 1 - h_next**2 first"),
        (lambda dh, x, hp, hn, Wx, Wh: _rnn_backward_from(dh * (1 - hp**2), x, hp, Wx, Wh),
         "tanh' uses the output of this step, 1 - h_next**2, not h_prev"),
        (lambda dh, x, hp, hn, Wx, Wh: _rnn_backward_from(dh * (1 - np.tanh(hn) ** 2), x, hp, Wx, Wh),
         "h_next is already tanh(a): tanh'(a) = 1 - h_next**2, with no second tanh"),
        (lambda dh, x, hp, hn, Wx, Wh: _rnn_backward_from(dh * (1 - hn**2), x, hp, Wx, Wh, wh_t=False),
         "dh_prev = da @ Wh.T (transpose Wh, as for dx)"),
        (lambda dh, x, hp, hn, Wx, Wh: _rnn_backward_from(dh * (1 - hn**2), x, hp, Wx, Wh, db_axis=1),
         "db sums da over the batch (axis=0): one value per hidden unit"),
    ],
    hints=[
        "Go back through the tanh first: that gives da, the gradient of the pre-activation a. Then a = x Wx + "
        "h_prev Wh + b is an affine map, whose gradients you know from chapter 01.",
        "`da = dh_next * (1 - h_next**2)` is (N, H). Each gradient is a product of da with the other factor, "
        "transposed so that the shape matches: dx like x (N, D), dWx like Wx (D, H), and so on; "
        "db sums over the batch.",
        "`dx, dh_prev = da @ Wx.T, da @ Wh.T`; `dWx, dWh = x.T @ da, h_prev.T @ da`; `db = da.sum(axis=0)`; "
        "return the five in that order.",
    ],
)


# --------------------------------------------------------------------------- 3. clip_grads_by_norm
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
        case("tiny gradients: norm 2e-6, max_norm=1e-6 (where the 1e-6 goes matters)",
             [np.array([1.2e-6]), np.array([[0.0, 1.6e-6]])], 1e-6),
        case("integer gradients [3, 4], max_norm=1", [np.array([3, 4])], 1.0),
    ]


def _global_norm(grads):
    return math.sqrt(sum(float((np.asarray(g, dtype=float) ** 2).sum()) for g in grads))


def _clip_with(grads, max_norm, norm=None, scale=None):
    norm = _global_norm(grads) if norm is None else norm
    scale = max_norm / (norm + 1e-6) if scale is None else scale(norm)
    return [g * min(1.0, scale) for g in grads]


clip_grads_by_norm = CHAPTER.exercise(
    "clip_grads_by_norm",
    examples=[example([np.array([0.599999880000024, 0.799999840000032])],
                      "the brief's example: [np.array([3.0, 4.0])] has norm 5, max_norm=1", [np.array([3.0, 4.0])], 1)],
    cases=_clip_cases,
    rtol=1e-5,
    atol=1e-12,
    what="clipped gradients",
    mistakes=[
        (lambda grads, m: [g * min(1.0, m / (np.linalg.norm(g) + 1e-6)) for g in grads],
         "the norm is one global norm over all arrays together, not one per array"),
        (lambda grads, m: [g * (m / (_global_norm(grads) + 1e-6)) for g in grads],
         "scale only when the norm is larger than max_norm"),
        (lambda grads, m: [np.clip(g, -m, m) for g in grads],
         "that clips each value; clip the norm instead (it keeps the direction)"),
        (lambda grads, m: _clip_with(grads, m, scale=lambda n: m / n if n else 1.0),
         "put the 1e-6 in the denominator: scale by max_norm / (norm + 1e-6)"),
        (lambda grads, m: _clip_with(grads, m, scale=lambda n: m / n + 1e-6 if n else 1.0),
         "put the 1e-6 in the denominator: scale by max_norm / (norm + 1e-6), not max_norm / norm + 1e-6"),
        (lambda grads, m: _clip_with(grads, m, norm=_global_norm(grads) ** 2),
         "the norm is the square root of the sum of all squares"),
    ],
    hints=[
        "One number measures all gradients together: the square root of the sum of every squared entry of every "
        "array. If it is too large, every array is multiplied by the same factor, so the direction is kept.",
        "`norm = np.sqrt(sum(np.sum(g**2) for g in grads))`. The factor is `max_norm / (norm + 1e-6)`; use it only "
        "when the norm is above `max_norm`. Build new arrays (`g * scale`): do not change the ones in `grads`.",
        "`scale = max_norm / (norm + 1e-6)`; `return [g * scale for g in grads] if norm > max_norm else "
        "[g.copy() for g in grads]`.",
    ],
)


# --------------------------------------------------------------------------- 4. lstm_step
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


def _lstm(x, h_prev, c_prev, Wx, Wh, b, order="ifgo", tanh_c=True, input_gate=True, g_act=np.tanh):
    H = h_prev.shape[1]
    A = x @ Wx + h_prev @ Wh + b
    s = {k: A[:, j * H : (j + 1) * H] for j, k in enumerate(order)}
    i, f, g, o = _sigmoid(s["i"]), _sigmoid(s["f"]), g_act(s["g"]), _sigmoid(s["o"])
    c_next = f * c_prev + (i * g if input_gate else g)
    return o * (np.tanh(c_next) if tanh_c else c_next), c_next


_Z4 = np.zeros((1, 4))
lstm_step = CHAPTER.exercise(
    "lstm_step",
    examples=[
        example((np.array([[0.23105857863000487]]), np.array([[0.5]])),
                "the brief's example: all weights and biases 0, c_prev = [[1]]",
                np.zeros((1, 1)), np.zeros((1, 1)), np.ones((1, 1)), _Z4, _Z4, np.zeros(4)),
        example((np.array([[0.47726320530733723]]), np.array([[0.6067761335170363]])),
                "weights 0, b = [1, -1, 0.5, 2] (one value per gate i, f, g, o), c_prev = [[1]]",
                np.zeros((1, 1)), np.zeros((1, 1)), np.ones((1, 1)), _Z4, _Z4, np.array([1.0, -1.0, 0.5, 2.0])),
    ],
    cases=_lstm_cases,
    compare=named_parts("h_next", "c_next"),
    rtol=1e-6,
    atol=1e-9,
    mistakes=[
        (lambda *a: _lstm(*a, order="fgio"), "the gates are sliced as f, g, i, o; PyTorch's order is i, f, g, o"),
        (lambda *a: _lstm(*a, order="ifog"), "the gates are sliced as i, f, o, g; PyTorch's order is i, f, g, o"),
        (lambda *a: _lstm(*a, order="fiog"), "the gates are sliced as f, i, o, g; PyTorch's order is i, f, g, o"),
        (lambda *a: _lstm(*a, tanh_c=False), "h_next = o * tanh(c_next): the tanh of the cell state is missing"),
        (lambda *a: _lstm(*a, input_gate=False), "c_next = f * c_prev + i * g: the input gate i is missing"),
        (lambda *a: _lstm(*a, g_act=_sigmoid), "the candidate g uses tanh, not the sigmoid"),
    ],
    hints=[
        "One matrix product gives all four gate pre-activations side by side; slice them in the order i, f, g, o. "
        "The cell state forgets part of the old one and adds part of the candidate; the hidden state is a gated "
        "view of the cell state.",
        "`A = x @ Wx + h_prev @ Wh + b` is (N, 4H) with `H = h_prev.shape[1]`: `A[:, :H]` is i, `A[:, H:2*H]` is f, "
        "then g, then o. Sigmoid for i, f, o; tanh for g. Build new arrays: do not change `c_prev` in place.",
        "`c_next = f * c_prev + i * g`; `h_next = o * np.tanh(c_next)`; `return h_next, c_next`.",
    ],
)


# --------------------------------------------------------------------------- 5. softmax_with_temperature
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
        case("rows on very different scales: [1000, 999, 990] and [0.1, 0.2, 0.3]",
             np.array([[1000.0, 999.0, 990.0], [0.1, 0.2, 0.3]]), 1.0),
        case("temperature 0.01: almost one-hot", np.array([[1.0, 2.0, 3.0, 2.5]]), 0.01),
        case("all-equal logits, temperature 0.3: uniform", np.zeros((2, 5)), 0.3),
        case("integer logits and an integer temperature 2", np.array([[1, 2, 3], [3, 3, 0]]), 2),
    ]


def _softmax_rows(z, shift):
    e = np.exp(z - shift)
    return e / e.sum(axis=-1, keepdims=True)


softmax_with_temperature = CHAPTER.exercise(
    "softmax_with_temperature",
    examples=[
        example(np.array([0.25, 0.75]), "the brief's example: [0, log 3], temperature 1", np.array([0.0, math.log(3)]),
                1.0),
        example(np.array([0.1, 0.9]), "the brief's example: [0, log 3], temperature 0.5", np.array([0.0, math.log(3)]),
                0.5),
    ],
    cases=_temperature_cases,
    rtol=1e-6,
    atol=1e-9,
    what="probabilities",
    mistakes=[
        (lambda z, t: _ref("softmax_with_temperature")(np.asarray(z) * t * t, t),
         "divide the logits by the temperature, do not multiply"),
        (lambda z, t: _softmax_rows(np.asarray(z, dtype=float) / t, 0.0),
         "exp overflowed: subtract each row's maximum before `np.exp` (it does not change the softmax)"),
        (lambda z, t: _softmax_rows(np.asarray(z, dtype=float) / t, np.max(np.asarray(z, dtype=float) / t)),
         "subtract each row's own maximum (`axis=-1, keepdims=True`), not the maximum of the whole array"),
        (lambda z, t: np.exp(np.asarray(z, dtype=float) / t) / np.exp(np.asarray(z, dtype=float) / t).sum(),
         "normalise each row (sum over the last axis), not the whole array"),
        (lambda z, t: _ref("softmax_with_temperature")(z, 1.0), "divide the logits by the temperature first"),
    ],
    hints=[
        "Scale the logits by 1 / temperature, then take an ordinary softmax along the last axis. Subtracting a "
        "row's maximum first changes nothing mathematically and keeps `np.exp` from overflowing.",
        "`z = logits / temperature` (a new array: do not change `logits`); subtract "
        "`z.max(axis=-1, keepdims=True)`, exponentiate, divide by the sum over `axis=-1, keepdims=True`.",
        "`z = logits / temperature`; `e = np.exp(z - z.max(axis=-1, keepdims=True))`; "
        "`return e / e.sum(axis=-1, keepdims=True)`.",
    ],
)


# --------------------------------------------------------------------------- 6. masked_nll
def _nll_draw(g, N, T, V, lengths, pad_id=0):
    logits = torch.randn(N, T, V, generator=g, dtype=torch.float64) * 2
    real = [v for v in range(V) if v != pad_id]
    targets = torch.tensor(real)[torch.randint(0, len(real), (N, T), generator=g)]
    for row, n in enumerate(lengths):
        targets[row, n:] = pad_id
    return logits, targets


def _nll_cases():
    g = torch.Generator().manual_seed(6)
    confident = _nll_draw(g, 2, 4, 5, [4, 2])
    confident[0][0, 1, confident[1][0, 1]] = -1000.0  # one real target is 1000 below the other scores
    float32 = _nll_draw(g, 2, 6, 5, [6, 2])
    return [
        case("N=3, T=5, V=7 with padding (lengths 5, 3, 1), pad_id=0", *_nll_draw(g, 3, 5, 7, [5, 3, 1]), 0),
        case("no padding, N=2, T=4, V=6", *_nll_draw(g, 2, 4, 6, [4, 4]), 0),
        case("a batch of 1 with T=1, V=3", *_nll_draw(g, 1, 1, 3, [1]), 0),
        case("mostly padding: N=4, T=8, V=29 (lengths 8, 2, 1, 3)", *_nll_draw(g, 4, 8, 29, [8, 2, 1, 3]), 0),
        case("float32 logits, N=2, T=6, V=5 (lengths 6, 2)", float32[0].float(), float32[1], 0),
        case("pad_id=3, and 0 is a real character here: N=3, T=5, V=6 (lengths 5, 2, 4)",
             *_nll_draw(g, 3, 5, 6, [5, 2, 4], pad_id=3), 3),
        case("a confident, wrong prediction: one real target scores 1000 below the others", *confident, 0),
    ]


def _nll_reduce(logits, targets, pad_id, log_probs=None, per_sequence=False, count_all=False):
    log_probs = F.log_softmax(logits.double(), dim=-1) if log_probs is None else log_probs
    nll = -log_probs.gather(-1, targets.unsqueeze(-1)).squeeze(-1)
    mask = (targets != pad_id).double()
    if per_sequence:
        return float(((nll * mask).sum(1) / mask.sum(1)).mean())
    return float((nll * mask).sum() / (mask.numel() if count_all else mask.sum()))


masked_nll = CHAPTER.exercise(
    "masked_nll",
    examples=[example(0.4904146265058631,
                      "the brief's example: probabilities 1/2 and 3/4 for the two real targets, the third is padding",
                      torch.tensor([[[0.0, 0.0], [0.0, math.log(3)], [5.0, -5.0]]]), torch.tensor([[1, 1, 0]]), 0)],
    cases=_nll_cases,
    rtol=1e-5,
    atol=1e-7,
    what="NLL",
    returns=float,
    mistakes=[
        (lambda lg, t, p: _nll_reduce(lg, t, p + 1000),
         "the padding targets were counted: leave out every target equal to pad_id"),
        (lambda lg, t, p: _nll_reduce(lg, t, p, count_all=True),
         "divide by the number of real (non-padding) targets, not by every position"),
        (lambda lg, t, p: _nll_reduce(lg, t, p, per_sequence=True),
         "average over all real targets at once, not per sequence and then over sequences"),
        (lambda lg, t, p: _nll_reduce(lg, t, p, log_probs=lg.double()),
         "the logits are scores: turn them into log-probabilities with `F.log_softmax` first"),
        (lambda lg, t, p: _nll_reduce(lg, t, 0),
         "padding is `pad_id`, which is not always 0: mask `targets != pad_id`"),
        (lambda lg, t, p: _nll_reduce(lg, t, p, log_probs=torch.log(F.softmax(lg.double(), dim=-1))),
         "log(softmax) underflows to log(0) = -inf for a very unlikely target: use `F.log_softmax`"),
    ],
    hints=[
        "Turn each position's scores into log-probabilities, pick the log-probability of that position's target, "
        "and average minus it over the positions whose target is not padding.",
        "`log_probs = F.log_softmax(logits, dim=-1)` is (N, T, V); `log_probs.gather(-1, targets.unsqueeze(-1))` "
        "picks (N, T, 1). The mask `targets != pad_id` selects the real targets; return `float(...)`.",
        "`picked = log_probs.gather(-1, targets.unsqueeze(-1)).squeeze(-1)`; `mask = targets != pad_id`; "
        "`return float(-picked[mask].mean())`.",
    ],
)
