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

from common.checks import Chapter, Fail, call, case, compare_values, example, named_parts, tr

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
        case(tr("two arrays with total norm ~17, max_norm=1", "전체 노름이 ~17인 배열 두 개, max_norm=1"), big, 1.0),
        case(tr("the same arrays, max_norm=100 (already small: unchanged)",
                "같은 배열, max_norm=100 (이미 작으므로 그대로)"), big, 100.0),
        case(tr("one (2, 3) array, max_norm=0.5", "(2, 3) 배열 하나, max_norm=0.5"),
             [rng.standard_normal((2, 3))], 0.5),
        case(tr("three arrays of different shapes, max_norm=2", "모양이 서로 다른 배열 세 개, max_norm=2"),
             [rng.standard_normal(s) for s in [(5,), (2, 2), (1, 3, 2)]], 2.0),
        case(tr("a single number 10.0 as a (1,) array, max_norm=3", "(1,) 배열에 담긴 숫자 하나 10.0, max_norm=3"),
             [np.array([10.0])], 3.0),
        case(tr("all-zero gradients (norm 0), max_norm=1", "모두 0인 기울기(노름 0), max_norm=1"),
             [np.zeros((2, 2)), np.zeros(3)], 1.0),
        case(tr("tiny gradients: norm 2e-6, max_norm=1e-6 (where the 1e-6 goes matters)",
                "아주 작은 기울기: 노름 2e-6, max_norm=1e-6 (1e-6을 어디에 더하는지가 중요)"),
             [np.array([1.2e-6]), np.array([[0.0, 1.6e-6]])], 1e-6),
        case(tr("integer gradients [3, 4], max_norm=1", "정수 기울기 [3, 4], max_norm=1"), [np.array([3, 4])], 1.0),
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
                      {"en": "the brief's example: [np.array([3.0, 4.0])] has norm 5, max_norm=1",
                       "ko": "문제 설명의 예: [np.array([3.0, 4.0])]의 노름은 5, max_norm=1"},
                      [np.array([3.0, 4.0])], 1)],
    cases=_clip_cases,
    rtol=1e-5,
    atol=1e-12,
    what="clipped gradients",
    compare=lambda e, g, rtol, atol: compare_values(e, g, rtol, atol, what=tr("clipped gradients", "클리핑한 기울기")),
    mistakes=[
        (lambda grads, m: [g * min(1.0, m / (np.linalg.norm(g) + 1e-6)) for g in grads],
         {"en": "the norm is one global norm over all arrays together, not one per array",
          "ko": "노름은 배열마다 하나씩이 아니라, 모든 배열을 합쳐서 구한 전체 노름 하나입니다"}),
        (lambda grads, m: [g * (m / (_global_norm(grads) + 1e-6)) for g in grads],
         {"en": "scale only when the norm is larger than max_norm",
          "ko": "노름이 max_norm보다 클 때만 줄이세요"}),
        (lambda grads, m: [np.clip(g, -m, m) for g in grads],
         {"en": "that clips each value; clip the norm instead (it keeps the direction)",
          "ko": "그것은 값을 하나하나 자릅니다. 대신 노름을 클리핑하세요(그래야 방향이 유지됩니다)"}),
        (lambda grads, m: _clip_with(grads, m, scale=lambda n: m / n if n else 1.0),
         {"en": "put the 1e-6 in the denominator: scale by max_norm / (norm + 1e-6)",
          "ko": "1e-6은 분모에 넣으세요: max_norm / (norm + 1e-6)을 곱합니다"}),
        (lambda grads, m: _clip_with(grads, m, scale=lambda n: m / n + 1e-6 if n else 1.0),
         {"en": "put the 1e-6 in the denominator: scale by max_norm / (norm + 1e-6), not max_norm / norm + 1e-6",
          "ko": "1e-6은 분모에 넣으세요: max_norm / norm + 1e-6이 아니라 max_norm / (norm + 1e-6)을 곱합니다"}),
        (lambda grads, m: _clip_with(grads, m, norm=_global_norm(grads) ** 2),
         {"en": "the norm is the square root of the sum of all squares",
          "ko": "노름은 모든 값의 제곱을 더한 합의 제곱근입니다"}),
    ],
    hints=[
        {"en": "One number measures all gradients together: the square root of the sum of every squared entry of every "
               "array. If it is too large, every array is multiplied by the same factor, so the direction is kept.",
         "ko": "숫자 하나가 모든 기울기를 한꺼번에 잽니다: 모든 배열의 모든 원소를 제곱해 더한 합의 제곱근입니다. 이 "
               "값이 너무 크면 모든 배열에 같은 인수를 곱하므로 방향은 그대로 유지됩니다."},
        {"en": "`norm = np.sqrt(sum(np.sum(g**2) for g in grads))`. The factor is `max_norm / (norm + 1e-6)`; use it "
               "only when the norm is above `max_norm`. Build new arrays (`g * scale`): do not change the ones in "
               "`grads`.",
         "ko": "`norm = np.sqrt(sum(np.sum(g**2) for g in grads))`. 인수는 `max_norm / (norm + 1e-6)`이고, 노름이 "
               "`max_norm`보다 클 때만 씁니다. 새 배열을 만드세요(`g * scale`): `grads` 안의 배열은 바꾸지 마세요."},
        {"en": "`scale = max_norm / (norm + 1e-6)`; `return [g * scale for g in grads] if norm > max_norm else "
               "[g.copy() for g in grads]`.",
         "ko": "`scale = max_norm / (norm + 1e-6)`, 그리고 `return [g * scale for g in grads] if norm > max_norm else "
               "[g.copy() for g in grads]`."},
    ],
)


# --------------------------------------------------------------------------- 2. softmax_with_temperature
def _temperature_cases():
    rng = _rng(5)
    x = rng.standard_normal((3, 6)) * 2
    return [
        case(tr("(3, 6) logits, temperature 1 (plain softmax)", "(3, 6) 로짓, 온도 1 (평범한 소프트맥스)"), x, 1.0),
        case(tr("(3, 6) logits, temperature 0.5 (sharper)", "(3, 6) 로짓, 온도 0.5 (더 뾰족하게)"), x, 0.5),
        case(tr("(3, 6) logits, temperature 2 (flatter)", "(3, 6) 로짓, 온도 2 (더 평평하게)"), x, 2.0),
        case(tr("one row of 29 logits, shape (29,), temperature 0.8", "로짓 29개짜리 행 하나, 모양 (29,), 온도 0.8"),
             rng.standard_normal(29), 0.8),
        case(tr("a batch of 1, shape (1, 4), temperature 1.5", "크기 1인 배치, 모양 (1, 4), 온도 1.5"),
             rng.standard_normal((1, 4)), 1.5),
        case(tr("large logits [1000, 999, 990], temperature 1 (overflow!)",
                "큰 로짓 [1000, 999, 990], 온도 1 (오버플로!)"), np.array([[1000.0, 999.0, 990.0]]), 1.0),
        case(tr("rows on very different scales: [1000, 999, 990] and [0.1, 0.2, 0.3]",
                "규모가 아주 다른 행들: [1000, 999, 990]과 [0.1, 0.2, 0.3]"),
             np.array([[1000.0, 999.0, 990.0], [0.1, 0.2, 0.3]]), 1.0),
        case(tr("temperature 0.01: almost one-hot", "온도 0.01: 거의 원-핫"), np.array([[1.0, 2.0, 3.0, 2.5]]), 0.01),
        case(tr("all-equal logits, temperature 0.3: uniform", "모두 같은 로짓, 온도 0.3: 균등 분포"),
             np.zeros((2, 5)), 0.3),
        case(tr("integer logits and an integer temperature 2", "정수 로짓과 정수 온도 2"),
             np.array([[1, 2, 3], [3, 3, 0]]), 2),
    ]


def _softmax_rows(z, shift):
    e = np.exp(z - shift)
    return e / e.sum(axis=-1, keepdims=True)


softmax_with_temperature = CHAPTER.exercise(
    "softmax_with_temperature",
    examples=[
        example(np.array([0.25, 0.75]), {"en": "the brief's example: [0, log 3], temperature 1",
                                         "ko": "문제 설명의 예: [0, log 3], 온도 1"},
                np.array([0.0, math.log(3)]), 1.0),
        example(np.array([0.1, 0.9]), {"en": "the brief's example: [0, log 3], temperature 0.5",
                                       "ko": "문제 설명의 예: [0, log 3], 온도 0.5"},
                np.array([0.0, math.log(3)]), 0.5),
    ],
    cases=_temperature_cases,
    rtol=1e-6,
    atol=1e-9,
    what="probabilities",
    compare=lambda e, g, rtol, atol: compare_values(e, g, rtol, atol, what=tr("probabilities", "확률")),
    mistakes=[
        (lambda z, t: _ref("softmax_with_temperature")(np.asarray(z) * t * t, t),
         {"en": "divide the logits by the temperature, do not multiply",
          "ko": "로짓을 온도로 나누세요. 곱하면 안 됩니다"}),
        (lambda z, t: _softmax_rows(np.asarray(z, dtype=float) / t, 0.0),
         {"en": "exp overflowed: subtract each row's maximum before `np.exp` (it does not change the softmax)",
          "ko": "exp가 오버플로했습니다: `np.exp` 전에 각 행의 최댓값을 빼세요(소프트맥스 값은 바뀌지 않습니다)"}),
        (lambda z, t: _softmax_rows(np.asarray(z, dtype=float) / t, np.max(np.asarray(z, dtype=float) / t)),
         {"en": "subtract each row's own maximum (`axis=-1, keepdims=True`), not the maximum of the whole array",
          "ko": "배열 전체의 최댓값이 아니라 각 행 자신의 최댓값(`axis=-1, keepdims=True`)을 빼세요"}),
        (lambda z, t: np.exp(np.asarray(z, dtype=float) / t) / np.exp(np.asarray(z, dtype=float) / t).sum(),
         {"en": "normalise each row (sum over the last axis), not the whole array",
          "ko": "배열 전체가 아니라 각 행을 정규화하세요(마지막 축을 따라 더합니다)"}),
        (lambda z, t: _ref("softmax_with_temperature")(z, 1.0),
         {"en": "divide the logits by the temperature first", "ko": "먼저 로짓을 온도로 나누세요"}),
    ],
    hints=[
        {"en": "Scale the logits by 1 / temperature, then take an ordinary softmax along the last axis. Subtracting a "
               "row's maximum first changes nothing mathematically and keeps `np.exp` from overflowing.",
         "ko": "로짓에 1 / 온도를 곱한 다음, 마지막 축을 따라 평범한 소프트맥스를 취하세요. 먼저 각 행의 최댓값을 빼도 "
               "수학적으로는 아무것도 바뀌지 않으며, `np.exp`가 오버플로하지 않게 막아 줍니다."},
        {"en": "`z = logits / temperature` (a new array: do not change `logits`); subtract "
               "`z.max(axis=-1, keepdims=True)`, exponentiate, divide by the sum over `axis=-1, keepdims=True`.",
         "ko": "`z = logits / temperature`(새 배열입니다: `logits`는 바꾸지 마세요). `z.max(axis=-1, keepdims=True)`를 "
               "빼고, 지수를 취하고, `axis=-1, keepdims=True`로 구한 합으로 나누세요."},
        {"en": "`z = logits / temperature`; `e = np.exp(z - z.max(axis=-1, keepdims=True))`; "
               "`return e / e.sum(axis=-1, keepdims=True)`.",
         "ko": "`z = logits / temperature`, `e = np.exp(z - z.max(axis=-1, keepdims=True))`, 그리고 `return e / "
               "e.sum(axis=-1, keepdims=True)`."},
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
        case(tr("N=3, T=5, V=7 with padding (lengths 5, 3, 1), pad_id=0",
                "패딩이 있는 N=3, T=5, V=7 (길이 5, 3, 1), pad_id=0"),
             *_nll_draw(g, 3, 5, 7, [5, 3, 1]), 0),
        case(tr("no padding, N=2, T=4, V=6", "패딩 없음, N=2, T=4, V=6"), *_nll_draw(g, 2, 4, 6, [4, 4]), 0),
        case(tr("a batch of 1 with T=1, V=3", "크기 1인 배치, T=1, V=3"), *_nll_draw(g, 1, 1, 3, [1]), 0),
        case(tr("mostly padding: N=4, T=8, V=29 (lengths 8, 2, 1, 3)", "대부분 패딩: N=4, T=8, V=29 (길이 8, 2, 1, 3)"),
             *_nll_draw(g, 4, 8, 29, [8, 2, 1, 3]), 0),
        case(tr("float32 logits, N=2, T=6, V=5 (lengths 6, 2)", "float32 로짓, N=2, T=6, V=5 (길이 6, 2)"),
             float32[0].float(), float32[1], 0),
        case(tr("pad_id=3, and 0 is a real character here: N=3, T=5, V=6 (lengths 5, 2, 4)",
                "pad_id=3이고 여기서는 0이 진짜 문자: N=3, T=5, V=6 (길이 5, 2, 4)"),
             *_nll_draw(g, 3, 5, 6, [5, 2, 4], pad_id=3), 3),
        case(tr("a confident, wrong prediction: one real target scores 1000 below the others",
                "자신 있게 틀린 예측: 진짜 정답 하나의 점수가 다른 점수보다 1000 낮음"), *confident, 0),
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
                      {"en": "the brief's example: probabilities 1/2 and 3/4 for the two real targets, the third is "
                             "padding",
                       "ko": "문제 설명의 예: 진짜 정답 두 개의 확률은 1/2과 3/4, 세 번째는 패딩"},
                      torch.tensor([[[0.0, 0.0], [0.0, math.log(3)], [5.0, -5.0]]]), torch.tensor([[1, 1, 0]]), 0)],
    cases=_nll_cases,
    rtol=1e-5,
    atol=1e-7,
    what="NLL",
    returns=float,
    mistakes=[
        (lambda lg, t, p: _nll_reduce(lg, t, p + 1000),
         {"en": "the padding targets were counted: leave out every target equal to pad_id",
          "ko": "패딩 정답까지 셌습니다: pad_id와 같은 정답은 모두 빼세요"}),
        (lambda lg, t, p: _nll_reduce(lg, t, p, count_all=True),
         {"en": "divide by the number of real (non-padding) targets, not by every position",
          "ko": "모든 위치의 수가 아니라 진짜(패딩이 아닌) 정답의 수로 나누세요"}),
        (lambda lg, t, p: _nll_reduce(lg, t, p, per_sequence=True),
         {"en": "average over all real targets at once, not per sequence and then over sequences",
          "ko": "시퀀스마다 평균한 뒤 다시 시퀀스에 걸쳐 평균하지 말고, 모든 진짜 정답에 대해 한 번에 평균하세요"}),
        (lambda lg, t, p: _nll_reduce(lg, t, p, log_probs=lg.double()),
         {"en": "the logits are scores: turn them into log-probabilities with `F.log_softmax` first",
          "ko": "로짓은 점수입니다: 먼저 `F.log_softmax`로 로그 확률로 바꾸세요"}),
        (lambda lg, t, p: _nll_reduce(lg, t, 0),
         {"en": "padding is `pad_id`, which is not always 0: mask `targets != pad_id`",
          "ko": "패딩은 `pad_id`이고, 언제나 0인 것은 아닙니다: `targets != pad_id`로 마스크를 만드세요"}),
        (lambda lg, t, p: _nll_reduce(lg, t, p, log_probs=torch.log(F.softmax(lg.double(), dim=-1))),
         {"en": "log(softmax) underflows to log(0) = -inf for a very unlikely target: use `F.log_softmax`",
          "ko": "가능성이 아주 낮은 정답에서는 log(softmax)가 언더플로해 log(0) = -inf가 됩니다: `F.log_softmax`를 "
                "쓰세요"}),
    ],
    hints=[
        {"en": "Turn each position's scores into log-probabilities, pick the log-probability of that position's "
               "target, and average minus it over the positions whose target is not padding.",
         "ko": "위치마다 점수를 로그 확률로 바꾸고, 그 위치의 정답에 해당하는 로그 확률을 고른 다음, 정답이 패딩이 "
               "아닌 위치들에 대해 그 값에 마이너스를 붙여 평균하세요."},
        {"en": "`log_probs = F.log_softmax(logits, dim=-1)` is (N, T, V); `log_probs.gather(-1, "
               "targets.unsqueeze(-1))` "
               "picks (N, T, 1). The mask `targets != pad_id` selects the real targets; return `float(...)`.",
         "ko": "`log_probs = F.log_softmax(logits, dim=-1)`는 (N, T, V)이고, `log_probs.gather(-1, "
               "targets.unsqueeze(-1))`는 (N, T, 1)을 고릅니다. 마스크 `targets != pad_id`가 진짜 정답을 고릅니다. "
               "`float(...)`를 반환하세요."},
        {"en": "`picked = log_probs.gather(-1, targets.unsqueeze(-1)).squeeze(-1)`; `mask = targets != pad_id`; "
               "`return float(-picked[mask].mean())`.",
         "ko": "`picked = log_probs.gather(-1, targets.unsqueeze(-1)).squeeze(-1)`, `mask = targets != pad_id`, 그리고 "
               "`return float(-picked[mask].mean())`."},
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
        case(tr("a batch of 1: N=1, D=2, H=3", "크기 1인 배치: N=1, D=2, H=3"), *_gru_args(rng, 1, 2, 3)),
        case(tr("h_prev all zeros (the first step), N=2, D=3, H=4", "h_prev가 모두 0 (첫 스텝), N=2, D=3, H=4"),
             *_gru_args(rng, 2, 3, 4, zero_state=True)),
        case(tr("hidden size 1: N=4, D=2, H=1", "은닉 크기 1: N=4, D=2, H=1"), *_gru_args(rng, 4, 2, 1)),
        case(tr("large inputs that saturate the gates, N=2, D=3, H=2", "게이트를 포화시키는 큰 입력, N=2, D=3, H=2"),
             *_gru_args(rng, 2, 3, 2, scale=4.0)),
    ]


_GRU_EX = (np.zeros((1, 1)), np.ones((1, 1)), np.zeros((1, 3)), np.zeros((1, 3)), np.zeros(3))

gru_step = CHAPTER.exercise(
    "gru_step",
    examples=[
        example(np.array([[0.5]]), {"en": "the brief's example: all weights and biases 0, h_prev = [[1]]",
                                    "ko": "문제 설명의 예: 모든 가중치와 편향이 0, h_prev = [[1]]"},
                *_GRU_EX, np.zeros(3)),
        example(np.array([[0.8807970779778823]]),
                {"en": "the brief's second example: as the first, but Wh = [[0, 0, 1]] and bh = [0, 0, 1] (the n "
                       "blocks)",
                 "ko": "문제 설명의 두 번째 예: 첫 번째와 같지만 Wh = [[0, 0, 1]], bh = [0, 0, 1] (n 블록)"},
                np.zeros((1, 1)), np.ones((1, 1)), np.zeros((1, 3)), np.array([[0.0, 0.0, 1.0]]), np.zeros(3),
                np.array([0.0, 0.0, 1.0])),
    ],
    cases=_gru_cases,
    rtol=1e-6,
    atol=1e-9,
    what="h_next",
    mistakes=[
        (lambda *a: _gru(*a, swap_z=True),
         {"en": "h_next = (1 - z) * n + z * h_prev: z is the share of the old state kept",
          "ko": "h_next = (1 - z) * n + z * h_prev: z는 이전 상태 중에서 남기는 몫입니다"}),
        (lambda *a: _gru(*a, order="zrn"),
         {"en": "the gates are sliced as z, r, n; PyTorch's order is r, z, n",
          "ko": "게이트를 z, r, n 순서로 잘랐습니다. PyTorch의 순서는 r, z, n입니다"}),
        (lambda *a: _gru(*a, bias_outside_r=True),
         {"en": "the reset gate multiplies the whole hidden part, r * (h_prev @ Wh_n + bh_n), bias included",
          "ko": "리셋 게이트는 편향까지 포함한 은닉 쪽 부분 전체에 곱해집니다: r * (h_prev @ Wh_n + bh_n)"}),
        (lambda *a: _gru(*a, no_reset=True),
         {"en": "the reset gate r is missing: n = tanh(ax_n + r * ah_n)",
          "ko": "리셋 게이트 r이 빠졌습니다: n = tanh(ax_n + r * ah_n)"}),
        (lambda *a: _gru(*a, n_act=_sigmoid),
         {"en": "the candidate n uses tanh, not the sigmoid", "ko": "후보 n에는 시그모이드가 아니라 tanh를 씁니다"}),
    ],
    hints=[
        {"en": "Two affine maps, one of the input (x Wx + bx) and one of the state (h_prev Wh + bh), each (N, 3H) and "
               "sliced r, z, n. The gates add their two parts; the candidate n adds the input part to the state part "
               "scaled by r.",
         "ko": "아핀 변환이 두 개입니다. 입력의 것(x Wx + bx)과 상태의 것(h_prev Wh + bh)으로, 둘 다 (N, 3H)이고 r, z, "
               "n 순서로 자릅니다. 게이트는 두 부분을 더하고, 후보 n은 입력 쪽 부분에 r을 곱한 상태 쪽 부분을 "
               "더합니다."},
        {"en": "`ax, ah = x @ Wx + bx, h_prev @ Wh + bh`; with `H = h_prev.shape[1]`, columns `:H` are r, `H:2*H` are "
               "z, `2*H:` are n. r and z are sigmoids of `ax + ah` on their block; keep `ah`'s n block apart until r "
               "has scaled it.",
         "ko": "`ax, ah = x @ Wx + bx, h_prev @ Wh + bh`. `H = h_prev.shape[1]`일 때 열 `:H`가 r, `H:2*H`가 z, "
               "`2*H:`가 n입니다. r과 z는 자기 블록에서 `ax + ah`의 시그모이드입니다. `ah`의 n 블록은 r을 곱할 때까지 "
               "따로 두세요."},
        {"en": "`n = np.tanh(ax[:, 2*H:] + r * ah[:, 2*H:])`; `return (1 - z) * n + z * h_prev`.",
         "ko": "`n = np.tanh(ax[:, 2*H:] + r * ah[:, 2*H:])`, 그리고 `return (1 - z) * n + z * h_prev`."},
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
                      {"en": "the brief's example: x = [[2]], h_prev = [[1]], all weights and biases 0, "
                             "dh_next = [[1]]",
                       "ko": "문제 설명의 예: x = [[2]], h_prev = [[1]], 모든 가중치와 편향이 0, dh_next = [[1]]"},
                      np.ones((1, 1)), np.full((1, 1), 2.0), np.ones((1, 1)), np.zeros((1, 3)), np.zeros((1, 3)),
                      np.zeros(3), np.zeros(3))],
    cases=_gru_backward_cases,
    compare=named_parts("dx", "dh_prev", "dWx", "dWh", "dbx", "dbh"),
    rtol=1e-6,
    atol=1e-9,
    mistakes=[
        (lambda *a: _gru_bwd(*a, direct=False),
         {"en": "dh_prev misses the direct path: h_next contains z * h_prev, so add dh_next * z",
          "ko": "dh_prev에 직접 경로가 빠졌습니다: h_next에는 z * h_prev가 들어 있으므로 dh_next * z를 더하세요"}),
        (lambda *a: _gru_bwd(*a, scale_n_by_r=False),
         {"en": "the n block of the hidden part was scaled by r in the forward pass: its gradient is dn * r",
          "ko": "은닉 쪽 부분의 n 블록은 순전파에서 r이 곱해졌습니다: 그 기울기는 dn * r입니다"}),
        (lambda *a: _gru_bwd(*a, dz_sign=-1.0),
         {"en": "d h_next / d z = h_prev - n (h_next = (1 - z) n + z h_prev), not n - h_prev",
          "ko": "d h_next / d z는 n - h_prev가 아니라 h_prev - n입니다(h_next = (1 - z) n + z h_prev)"}),
        (lambda *a: _gru_bwd(*a, bias_in_dr=False),
         {"en": "r multiplied h_prev @ Wh_n + bh_n, bias included: dr = dn * (that whole hidden part)",
          "ko": "r은 편향까지 포함한 h_prev @ Wh_n + bh_n에 곱해졌습니다: dr = dn * (그 은닉 쪽 부분 전체)"}),
        (lambda *a: _gru_bwd(*a, dbh_like_dbx=True),
         {"en": "dbh sums the gradient of the hidden part (dah, whose n block is dn * r), not the input part's",
          "ko": "dbh는 입력 쪽이 아니라 은닉 쪽 부분의 기울기(n 블록이 dn * r인 dah)를 더한 것입니다"}),
    ],
    hints=[
        {"en": "Run the forward pass again to get r, z, n and the hidden part of n's pre-activation. Then go back "
               "through h_next = (1 - z) n + z h_prev: three paths (through n, through z, and straight to h_prev), and "
               "from n on to r. Each pre-activation gradient then flows through two affine maps, as in chapter 01.",
         "ko": "순전파를 다시 실행해 r, z, n과 n의 활성화 이전 값 중 은닉 쪽 부분을 구하세요. 그다음 h_next = (1 - z) "
               "n + z h_prev를 거슬러 갑니다: 경로가 세 개(n을 거치는 것, z를 거치는 것, h_prev로 곧장 가는 것)이고, "
               "n에서 다시 r로 이어집니다. 그러면 활성화 이전 값의 기울기가 01장에서처럼 두 아핀 변환을 거쳐 "
               "흐릅니다."},
        {"en": "`dn = dh_next * (1 - z) * (1 - n**2)`, `dz = dh_next * (h_prev - n) * z * (1 - z)`, "
               "`dr = dn * ah_n * r * (1 - r)` (ah_n: the n block of `h_prev @ Wh + bh`). Input side: "
               "`dax = [dr, dz, dn]`; hidden side: `dah = [dr, dz, dn * r]` (np.concatenate along axis 1).",
         "ko": "`dn = dh_next * (1 - z) * (1 - n**2)`, `dz = dh_next * (h_prev - n) * z * (1 - z)`, `dr = dn * ah_n * "
               "r * (1 - r)`(ah_n: `h_prev @ Wh + bh`의 n 블록). 입력 쪽: `dax = [dr, dz, dn]`, 은닉 쪽: `dah = [dr, "
               "dz, dn * r]`(축 1을 따라 np.concatenate)."},
        {"en": "`dx = dax @ Wx.T`; `dh_prev = dah @ Wh.T + dh_next * z`; `dWx, dWh = x.T @ dax, h_prev.T @ dah`; "
               "`dbx, dbh = dax.sum(axis=0), dah.sum(axis=0)`.",
         "ko": "두 아핀 변환을 거꾸로 지나가면 끝입니다: `dx = dax @ Wx.T`, `dh_prev = dah @ Wh.T + dh_next * z`, "
               "`dWx, dWh = x.T @ dax, h_prev.T @ dah`, 그리고 `dbx, dbh = dax.sum(axis=0), dah.sum(axis=0)`."},
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
    why={"en": "With PyTorch's initialisation the forget gate starts near sigmoid(0) = 0.5, so the cell path halves "
               "the gradient at each step, and the RNN's tanh and Wh shrink it too: 30 steps back almost nothing is "
               "left. Both stay at chance, about 50%.",
         "ko": "PyTorch의 초기화에서는 망각 게이트가 sigmoid(0) = 0.5 근처에서 시작하므로 셀 경로가 스텝마다 기울기를 "
               "절반으로 줄이고, RNN에서도 tanh와 Wh가 기울기를 줄입니다: 30 스텝을 거슬러 가면 거의 아무것도 남지 "
               "않습니다. 둘 다 우연 수준인 약 50%에 머뭅니다."},
    options={"a": {"en": "only the tanh RNN", "ko": "tanh RNN만"}, "b": {"en": "only the LSTM", "ko": "LSTM만"},
             "c": {"en": "both", "ko": "둘 다"}, "d": {"en": "neither", "ko": "둘 다 못 한다"}},
    hints=[{"en": "Think of the gradient that must reach step 1 from the loss at step 30, as in the lesson's plots: "
                  "what does each step back multiply it by, for the RNN and for an LSTM whose forget gate starts near "
                  "0.5?",
            "ko": "본문의 그래프처럼, 스텝 30의 손실에서 스텝 1까지 닿아야 하는 기울기를 생각해 보세요: RNN에서, "
                  "그리고 망각 게이트가 0.5 근처에서 시작하는 LSTM에서, 한 스텝 거슬러 갈 때마다 기울기에 무엇이 "
                  "곱해지나요?"},
           {"en": "The lesson's forget-bias experiment: bias 0 makes f about 0.5, and the cell path multiplies the "
                  "gradient by f once per step. Compare 0.5**30 with the RNN's decay.",
            "ko": "본문의 망각 편향 실험을 떠올리세요: 편향이 0이면 f는 약 0.5이고, 셀 경로는 스텝마다 기울기에 f를 한 "
                  "번씩 곱합니다. 0.5**30을 RNN의 감쇠와 비교해 보세요."}],
)


# --------------------------------------------------------------------------- 7. choose_forget_bias (experiment)
def _judge_forget_bias(fn) -> str:
    bias = call(fn, label=tr("your forget-gate bias", "여러분의 망각 게이트 편향"))
    if isinstance(bias, (bool, np.bool_)) or not isinstance(bias, (int, float, np.integer, np.floating)):
        raise Fail(tr(f"return one number, the forget-gate bias (e.g. 1.0), not {type(bias).__name__}",
                      f"망각 게이트 편향을 숫자 하나로 반환하세요(예: 1.0). {type(bias).__name__}이(가) 아니라"))
    bias = float(bias)
    if not math.isfinite(bias) or abs(bias) > 50:
        raise Fail(tr(f"return a finite bias between -50 and 50, not {bias}",
                      f"-50과 50 사이의 유한한 편향을 반환하세요. {bias}은(는) 안 됩니다"))
    acc = first_bit_accuracy("LSTM", forget_bias=bias)
    f0 = 1 / (1 + math.exp(-bias))
    reached = tr(f"forget-gate bias {bias:g} (f starts near {f0:.3f}, f**{MEMORY_T} = {f0**MEMORY_T:.2g}): the LSTM "
                 f"recalled the first bit of {acc:.1%} of 1,000 new sequences after {MEMORY_STEPS} steps; asked: at "
                 f"least {MEMORY_TARGET:.0%}",
                 f"망각 게이트 편향 {bias:g} (f는 {f0:.3f} 근처에서 시작, f**{MEMORY_T} = {f0**MEMORY_T:.2g}): "
                 f"{MEMORY_STEPS} 스텝 학습한 LSTM이 새 시퀀스 1,000개 중 {acc:.1%}에서 첫 비트를 기억해 냈습니다. "
                 f"목표: {MEMORY_TARGET:.0%} 이상")
    if acc < MEMORY_TARGET:
        raise Fail(reached)
    return reached


choose_forget_bias = CHAPTER.exercise(
    "choose_forget_bias",
    judge=_judge_forget_bias,
    hints=[
        {"en": "Along the cell state, one step back multiplies the gradient by f. Over 30 steps it is multiplied by "
               "about f**30: choose a bias that keeps a good part of it, and try a few values with "
               "`checks.first_bit_accuracy('LSTM', forget_bias=b)`.",
         "ko": "셀 상태를 따라 한 스텝 거슬러 갈 때마다 기울기에 f가 곱해집니다. 30 스텝이면 약 f**30이 곱해집니다: "
               "그중 상당 부분을 남기는 편향을 고르고, `checks.first_bit_accuracy('LSTM', forget_bias=b)`로 몇 가지 "
               "값을 시험해 보세요."},
        {"en": "f starts near sigmoid(bias). A bias of 0 gives f = 0.5, and 0.5**30 is about 1e-9; a bias a few units "
               "above 0 gives f close to 1, and f**30 stays a sizeable fraction. Keras' default of 1 is not enough for "
               "30 steps.",
         "ko": "f는 sigmoid(bias) 근처에서 시작합니다. 편향이 0이면 f = 0.5이고 0.5**30은 약 1e-9입니다. 편향이 0보다 "
               "몇 단위 크면 f가 1에 가까워지고 f**30도 꽤 큰 비율로 남습니다. Keras의 기본값 1로는 30 스텝에 "
               "모자랍니다."},
        {"en": "Any bias from about 2 upwards works here, e.g. `return 4.0`.",
         "ko": "여기서는 약 2 이상의 편향이면 무엇이든 통합니다. 예: `return 4.0`."},
    ],
)
