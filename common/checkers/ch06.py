"""Exercises of chapter 06, RNN and LSTM: ``checks.<name>.check(fn)``, ``.hint()``, ``.solution()``.

The reference answers are the chapter's ``solutions.py``; this module holds what is specific to each
exercise: its cases, the brief's worked example, classic mistakes and hints; the predict-first question
(`predict_first_bit`) and the experiment (`choose_forget_bias`) run the first-bit memory task of
:func:`first_bit_accuracy`.
"""
from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from common.checks import Chapter, Fail, call, case, example, named_parts

CHAPTER = Chapter("06_rnn_lstm")
__getattr__ = CHAPTER.legacy


def _rng(offset: int = 0) -> np.random.Generator:
    return np.random.default_rng(6 + offset)


def _ref(name: str):
    """The solution ``name`` of solutions.py, looked up when a classic mistake is built from it."""
    return getattr(CHAPTER.solutions(), name)


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


# --------------------------------------------------------------------------- 1. clip_grads_by_norm
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


# --------------------------------------------------------------------------- 2. softmax_with_temperature
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


# --------------------------------------------------------------------------- 3. masked_nll
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


# --------------------------------------------------------------------------- 4. gru_step
def _gru_parts(x, h_prev, Wx, Wh, bx, bh, order="rzn", bias_outside_r=False):
    H = h_prev.shape[1]
    ax, ah = x @ Wx + bx, h_prev @ Wh + bh
    blocks = {k: j for j, k in enumerate(order)}

    def part(a, k):
        return a[:, blocks[k] * H : (blocks[k] + 1) * H]

    r = _sigmoid(part(ax, "r") + part(ah, "r"))
    z = _sigmoid(part(ax, "z") + part(ah, "z"))
    ah_n = part(ah, "n")
    if bias_outside_r:
        ah_n = ah_n - part(np.broadcast_to(bh, ah.shape), "n")
        n = np.tanh(part(ax, "n") + r * ah_n + part(np.broadcast_to(bh, ah.shape), "n"))
    else:
        n = np.tanh(part(ax, "n") + r * ah_n)
    return r, z, n, ah_n


def _gru(x, h_prev, Wx, Wh, bx, bh, swap_z=False, no_reset=False, n_act=np.tanh, **parts):
    r, z, n, ah_n = _gru_parts(x, h_prev, Wx, Wh, bx, bh, **parts)
    if no_reset or n_act is not np.tanh:
        H = h_prev.shape[1]
        pre = (x @ Wx + bx)[:, 2 * H :] + (1.0 if no_reset else r) * ah_n
        n = n_act(pre)
    return z * n + (1 - z) * h_prev if swap_z else (1 - z) * n + z * h_prev


def _gru_args(rng, N, D, H, zero_state=False, scale=1.0):
    h = np.zeros((N, H)) if zero_state else np.tanh(rng.standard_normal((N, H)))
    return (rng.standard_normal((N, D)) * scale, h, rng.standard_normal((D, 3 * H)) * 0.6 * scale,
            rng.standard_normal((H, 3 * H)) * 0.6 * scale, rng.standard_normal(3 * H) * 0.5,
            rng.standard_normal(3 * H) * 0.5)


def _gru_cases(offset: int = 7):
    rng = _rng(offset)
    return [
        case("N=3, D=4, H=5", *_gru_args(rng, 3, 4, 5)),
        case("a batch of 1: N=1, D=2, H=3", *_gru_args(rng, 1, 2, 3)),
        case("h_prev all zeros (the first step), N=2, D=3, H=4", *_gru_args(rng, 2, 3, 4, zero_state=True)),
        case("hidden size 1: N=4, D=2, H=1", *_gru_args(rng, 4, 2, 1)),
        case("large inputs that saturate the gates, N=2, D=3, H=2", *_gru_args(rng, 2, 3, 2, scale=4.0)),
    ]


_GRU_EX = (np.zeros((1, 1)), np.ones((1, 1)), np.zeros((1, 3)), np.zeros((1, 3)), np.zeros(3))

gru_step = CHAPTER.exercise(
    "gru_step",
    examples=[
        example(np.array([[0.5]]), "the brief's example: all weights and biases 0, h_prev = [[1]]",
                *_GRU_EX, np.zeros(3)),
        example(np.array([[0.8807970779778823]]),
                "the brief's second example: as the first, but Wh = [[0, 0, 1]] and bh = [0, 0, 1] (the n blocks)",
                np.zeros((1, 1)), np.ones((1, 1)), np.zeros((1, 3)), np.array([[0.0, 0.0, 1.0]]), np.zeros(3),
                np.array([0.0, 0.0, 1.0])),
    ],
    cases=_gru_cases,
    rtol=1e-6,
    atol=1e-9,
    what="h_next",
    mistakes=[
        (lambda *a: _gru(*a, swap_z=True), "h_next = (1 - z) * n + z * h_prev: z is the share of the old state kept"),
        (lambda *a: _gru(*a, order="zrn"), "the gates are sliced as z, r, n; PyTorch's order is r, z, n"),
        (lambda *a: _gru(*a, bias_outside_r=True),
         "the reset gate multiplies the whole hidden part, r * (h_prev @ Wh_n + bh_n), bias included"),
        (lambda *a: _gru(*a, no_reset=True), "the reset gate r is missing: n = tanh(ax_n + r * ah_n)"),
        (lambda *a: _gru(*a, n_act=_sigmoid), "the candidate n uses tanh, not the sigmoid"),
    ],
    hints=[
        "Two affine maps, one of the input (x Wx + bx) and one of the state (h_prev Wh + bh), each (N, 3H) and sliced "
        "r, z, n. The gates add their two parts; the candidate n adds the input part to the state part scaled by r.",
        "`ax, ah = x @ Wx + bx, h_prev @ Wh + bh`; with `H = h_prev.shape[1]`, columns `:H` are r, `H:2*H` are z, "
        "`2*H:` are n. r and z are sigmoids of `ax + ah` on their block; keep `ah`'s n block apart until r has "
        "scaled it.",
        "`n = np.tanh(ax[:, 2*H:] + r * ah[:, 2*H:])`; `return (1 - z) * n + z * h_prev`.",
    ],
)


# --------------------------------------------------------------------------- 5. gru_step_backward
def _gru_bwd(dh_next, x, h_prev, Wx, Wh, bx, bh, direct=True, scale_n_by_r=True, dz_sign=1.0, bias_in_dr=True,
             dbh_like_dbx=False):
    r, z, n, ah_n = _gru_parts(x, h_prev, Wx, Wh, bx, bh)
    H = h_prev.shape[1]
    dn = dh_next * (1 - z) * (1 - n**2)
    dz = dz_sign * dh_next * (h_prev - n) * z * (1 - z)
    dr = dn * (ah_n if bias_in_dr else ah_n - bh[2 * H :]) * r * (1 - r)
    dax = np.concatenate([dr, dz, dn], axis=1)
    dah = np.concatenate([dr, dz, dn * r if scale_n_by_r else dn], axis=1)
    dh_prev = dah @ Wh.T + (dh_next * z if direct else 0.0)
    return dax @ Wx.T, dh_prev, x.T @ dax, h_prev.T @ dah, dax.sum(axis=0), (dax if dbh_like_dbx else dah).sum(axis=0)


def _gru_backward_cases():
    rng = _rng(8)
    cases = []
    for c in _gru_cases(9):
        x, h_prev = c.args[:2]
        cases.append(case(c.label, rng.standard_normal(h_prev.shape), *c.args))
    return cases


gru_step_backward = CHAPTER.exercise(
    "gru_step_backward",
    examples=[example((np.array([[0.0]]), np.array([[0.5]]), np.array([[0.0, 0.5, 1.0]]), np.array([[0.0, 0.25, 0.25]]),
                       np.array([0.0, 0.25, 0.5]), np.array([0.0, 0.25, 0.25])),
                      "the brief's example: x = [[2]], h_prev = [[1]], all weights and biases 0, dh_next = [[1]]",
                      np.ones((1, 1)), np.full((1, 1), 2.0), np.ones((1, 1)), np.zeros((1, 3)), np.zeros((1, 3)),
                      np.zeros(3), np.zeros(3))],
    cases=_gru_backward_cases,
    compare=named_parts("dx", "dh_prev", "dWx", "dWh", "dbx", "dbh"),
    rtol=1e-6,
    atol=1e-9,
    mistakes=[
        (lambda *a: _gru_bwd(*a, direct=False),
         "dh_prev misses the direct path: h_next contains z * h_prev, so add dh_next * z"),
        (lambda *a: _gru_bwd(*a, scale_n_by_r=False),
         "the n block of the hidden part was scaled by r in the forward pass: its gradient is dn * r"),
        (lambda *a: _gru_bwd(*a, dz_sign=-1.0),
         "d h_next / d z = h_prev - n (h_next = (1 - z) n + z h_prev), not n - h_prev"),
        (lambda *a: _gru_bwd(*a, bias_in_dr=False),
         "r multiplied h_prev @ Wh_n + bh_n, bias included: dr = dn * (that whole hidden part)"),
        (lambda *a: _gru_bwd(*a, dbh_like_dbx=True),
         "dbh sums the gradient of the hidden part (dah, whose n block is dn * r), not the input part's"),
    ],
    hints=[
        "Run the forward pass again to get r, z, n and the hidden part of n's pre-activation. Then go back through "
        "h_next = (1 - z) n + z h_prev: three paths (through n, through z, and straight to h_prev), and from n on to "
        "r. Each pre-activation gradient then flows through two affine maps, as in chapter 01.",
        "`dn = dh_next * (1 - z) * (1 - n**2)`, `dz = dh_next * (h_prev - n) * z * (1 - z)`, "
        "`dr = dn * ah_n * r * (1 - r)` (ah_n: the n block of `h_prev @ Wh + bh`). Input side: "
        "`dax = [dr, dz, dn]`; hidden side: `dah = [dr, dz, dn * r]` (np.concatenate along axis 1).",
        "`dx = dax @ Wx.T`; `dh_prev = dah @ Wh.T + dh_next * z`; `dWx, dWh = x.T @ dax, h_prev.T @ dah`; "
        "`dbx, dbh = dax.sum(axis=0), dah.sum(axis=0)`.",
    ],
)


# --------------------------------------------------------------------------- the first-bit memory task
MEMORY_T, MEMORY_STEPS, MEMORY_HIDDEN, MEMORY_TARGET, MEMORY_CLIP = 30, 300, 16, 0.95, 1.0


class _FirstBitNet(nn.Module):
    def __init__(self, cell, hidden, forget_bias=None):
        super().__init__()
        self.rnn = getattr(nn, cell)(2, hidden, batch_first=True)
        self.head = nn.Linear(hidden, 2)
        if forget_bias is not None:  # PyTorch's LSTM bias blocks: i, f, g, o; the two biases add up
            with torch.no_grad():
                self.rnn.bias_ih_l0[hidden : 2 * hidden] = forget_bias
                self.rnn.bias_hh_l0[hidden : 2 * hidden] = 0.0

    def forward(self, x):
        return self.head(self.rnn(x)[0][:, -1])


def _bits(generator, n, T):
    bits = torch.randint(0, 2, (n, T), generator=generator)
    return F.one_hot(bits, 2).float(), bits[:, 0]


def first_bit_accuracy(cell="LSTM", forget_bias=None, T=MEMORY_T, steps=MEMORY_STEPS, hidden=MEMORY_HIDDEN) -> float:
    """Train a 1-layer ``cell`` ("RNN", "GRU" or "LSTM") to output the first of T random bits; return its accuracy.

    Adam (lr 0.01), batches of 64 fresh sequences, gradients clipped to global norm 1, ``steps`` steps, seed 0;
    the accuracy is measured on 1,000
    new sequences. ``forget_bias`` (LSTM only) sets the forget gate's bias; None keeps PyTorch's initialisation.
    """
    with torch.random.fork_rng():
        torch.manual_seed(0)
        model = _FirstBitNet(cell, hidden, forget_bias)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
        data = torch.Generator().manual_seed(0)
        for _ in range(steps):
            x, y = _bits(data, 64, T)
            loss = F.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), MEMORY_CLIP)
            optimizer.step()
        x, y = _bits(torch.Generator().manual_seed(1), 1000, T)
        with torch.no_grad():
            return float((model(x).argmax(1) == y).float().mean())


# --------------------------------------------------------------------------- 6. predict_first_bit (predict)
predict_first_bit = CHAPTER.predict(
    "predict_first_bit",
    why="With PyTorch's initialisation the forget gate starts near sigmoid(0) = 0.5, so the cell path halves the "
        "gradient at each step, and the RNN's tanh and Wh shrink it too: 30 steps back almost nothing is left. "
        "Both stay at chance, about 50%.",
    options={"a": "only the tanh RNN", "b": "only the LSTM", "c": "both", "d": "neither"},
    hints=["Think of the gradient that must reach step 1 from the loss at step 30, as in the lesson's plots: what "
           "does each step back multiply it by, for the RNN and for an LSTM whose forget gate starts near 0.5?",
           "The lesson's forget-bias experiment: bias 0 makes f about 0.5, and the cell path multiplies the "
           "gradient by f once per step. Compare 0.5**30 with the RNN's decay."],
)


# --------------------------------------------------------------------------- 7. choose_forget_bias (experiment)
def _judge_forget_bias(fn) -> str:
    bias = call(fn, label="your forget-gate bias")
    if isinstance(bias, (bool, np.bool_)) or not isinstance(bias, (int, float, np.integer, np.floating)):
        raise Fail(f"return one number, the forget-gate bias (e.g. 1.0), not {type(bias).__name__}")
    bias = float(bias)
    if not math.isfinite(bias) or abs(bias) > 50:
        raise Fail(f"return a finite bias between -50 and 50, not {bias}")
    acc = first_bit_accuracy("LSTM", forget_bias=bias)
    f0 = 1 / (1 + math.exp(-bias))
    reached = (f"forget-gate bias {bias:g} (f starts near {f0:.3f}, f**{MEMORY_T} = {f0**MEMORY_T:.2g}): the LSTM "
               f"recalled the first bit of {acc:.1%} of 1,000 new sequences after {MEMORY_STEPS} steps; asked: at "
               f"least {MEMORY_TARGET:.0%}")
    if acc < MEMORY_TARGET:
        raise Fail(reached)
    return reached


choose_forget_bias = CHAPTER.exercise(
    "choose_forget_bias",
    judge=_judge_forget_bias,
    hints=[
        "Along the cell state, one step back multiplies the gradient by f. Over 30 steps it is multiplied by about "
        "f**30: choose a bias that keeps a good part of it, and try a few values with "
        "`checks.first_bit_accuracy('LSTM', forget_bias=b)`.",
        "f starts near sigmoid(bias). A bias of 0 gives f = 0.5, and 0.5**30 is about 1e-9; a bias a few units above 0 "
        "gives f close to 1, and f**30 stays a sizeable fraction. Keras' default of 1 is not enough for 30 steps.",
        "Any bias from about 2 upwards works here, e.g. `return 4.0`.",
    ],
)
