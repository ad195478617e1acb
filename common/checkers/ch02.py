"""Exercises of chapter 02, activation functions: ``checks.<name>.check(fn)``, ``.hint()``, ``.solution()``.

The reference answers are the chapter's ``solutions.py``; this module holds what is specific to each
exercise: its cases, the brief's worked example, classic mistakes (naive overflowing formulas and derivatives
taken at the wrong place among them) and hints. The predict-first question is answered by the solution's key;
the experiment ``activation_and_lr`` is judged by its outcome: the checker trains the deep MLP of the brief with
the learner's activation and learning rate and says what accuracy it reached. ``xor_data`` and ``deep_xor_net``
are exported for the notebook.
"""
from __future__ import annotations

import numbers

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from common.checks import Chapter, Fail, call, cap, case, compare_values, example, named_parts, tr
from common.data import make_toy_2d
from common.np_layers import sigmoid, softmax

CHAPTER = Chapter("02_activations")
__getattr__ = CHAPTER.legacy


def _rng(offset: int = 0) -> np.random.Generator:
    return np.random.default_rng(2 + offset)


def _f64(x) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


def _finite(value) -> bool:
    """True when ``value`` is numeric and has no nan or inf (anything that is not numeric counts as finite)."""
    try:
        return bool(np.all(np.isfinite(np.asarray(value, dtype=np.float64))))
    except Exception:
        return True


def _overflow_check(compare, advice: dict):
    """``compare`` preceded by one sentence for a result with nan or inf where the right answer is finite.

    ``advice`` is ``{"en": ..., "ko": ...}``; the language is chosen when the check runs."""

    def checked(expected, got, rtol: float = 1e-5, atol: float = 1e-7) -> str | None:
        parts_e = expected if isinstance(expected, tuple) else (expected,)
        parts_g = got if isinstance(got, tuple | list) else (got,)
        if all(_finite(e) for e in parts_e) and not all(_finite(g) for g in parts_g):
            return tr(f"the result contains nan or inf: {advice['en']}",
                      f"결과에 nan이나 inf가 있습니다: {advice['ko']}")
        return compare(expected, got, rtol, atol)

    return checked


# --------------------------------------------------------------------------- 1. silu_with_grad
def _silu_with(x, grad="right", value="right"):
    x = _f64(x)
    s = sigmoid(x)
    y = s if value == "sigmoid" else x * s
    d = {"right": s * (1 + x * (1 - s)), "no_product_rule": s, "only_x_ds": x * s * (1 - s),
         "sigmoid_grad": s * (1 - s)}[grad]
    return y, d


silu_with_grad = CHAPTER.exercise(
    "silu_with_grad",
    examples=[
        example((np.array([0.0]), np.array([0.5])), {"en": "the brief's example: x = [0]",
                                                     "ko": "문제 설명의 예: x = [0]"}, np.array([0.0])),
        example((np.array([1.7615941559557646]), np.array([1.0907842487848955])),
                {"en": "the brief's example: x = [2]", "ko": "문제 설명의 예: x = [2]"}, np.array([2.0])),
        example((np.array([-0.0, 1000.0]), np.array([0.0, 1.0])),
                {"en": "huge inputs x = [-1000, 1000]", "ko": "아주 큰 입력 x = [-1000, 1000]"},
                np.array([-1000.0, 1000.0])),
    ],
    cases=[
        case({"en": "x of shape (7,) in [-6, 6]", "ko": "[-6, 6] 범위에서 모양이 (7,)인 x"},
             np.linspace(-6.0, 6.0, 7)),
        case({"en": "x of shape (3, 4), random", "ko": "모양이 (3, 4)인 무작위 x"},
             _rng(1).standard_normal((3, 4)) * 3),
        case({"en": "a batch of 1: x of shape (1, 5), negative values",
              "ko": "배치 크기 1: 모양이 (1, 5)인 x, 음수 값"},
             -np.abs(_rng(2).standard_normal((1, 5))) - 0.5),
        case({"en": "saturated inputs x = [-800, -40, 40, 800]", "ko": "포화된 입력 x = [-800, -40, 40, 800]"},
             np.array([-800.0, -40.0, 40.0, 800.0])),
        case({"en": "integer inputs x = [-3, 0, 2] (the answer is not an integer)",
              "ko": "정수 입력 x = [-3, 0, 2] (답은 정수가 아님)"}, np.array([-3, 0, 2])),
    ],
    compare=_overflow_check(named_parts("y", "dy_dx"),
                            {"en": "compute sigma(x) without overflow first (the lesson's sigmoid, section 2)",
                             "ko": "먼저 sigma(x)를 오버플로 없이 계산하세요 (본문 2절의 시그모이드)"}),
    rtol=1e-6,
    atol=1e-12,
    mistakes=[
        (lambda x: _silu_with(x, "no_product_rule"),
         {"en": "y = x * sigma(x) is a product: its derivative is sigma(x) + x * sigma'(x), not sigma(x) alone",
          "ko": "y = x * sigma(x)는 곱이므로 도함수는 sigma(x) 하나가 아니라 sigma(x) + x * sigma'(x)입니다"}),
        (lambda x: _silu_with(x, "only_x_ds"),
         {"en": "product rule: add the term sigma(x) from differentiating x",
          "ko": "곱의 미분법: x를 미분해서 나오는 항 sigma(x)를 더하세요"}),
        (lambda x: _silu_with(x, "sigmoid_grad"),
         {"en": "that is the sigmoid's derivative; SiLU is x * sigma(x): use the product rule",
          "ko": "그것은 시그모이드의 도함수입니다. SiLU는 x * sigma(x)이므로 곱의 미분법을 쓰세요"}),
        (lambda x: _silu_with(x, value="sigmoid"),
         {"en": "y is x * sigma(x), not sigma(x)", "ko": "y는 sigma(x)가 아니라 x * sigma(x)입니다"}),
    ],
    hints=[
        {"en": "SiLU is a product of two functions of x, x and sigma(x): differentiate it with the product rule, and "
               "write sigma'(x) with sigma itself, as the lesson does.",
         "ko": "SiLU는 x의 두 함수 x와 sigma(x)의 곱입니다. 곱의 미분법으로 미분하고, 본문에서처럼 sigma'(x)를 "
               "sigma 자신으로 나타내세요."},
        {"en": "With s = sigma(x) (computed as the lesson's stable sigmoid: e = np.exp(-np.abs(x)) and np.where), "
               "y = x * s and dy/dx = s + x * s * (1 - s). Convert x with np.asarray(x, dtype=float) first.",
         "ko": "s = sigma(x)라고 하면(본문의 안정적인 시그모이드처럼 e = np.exp(-np.abs(x))와 np.where로 계산), "
               "y = x * s이고 dy/dx = s + x * s * (1 - s)입니다. 먼저 np.asarray(x, dtype=float)로 x를 변환하세요."},
        {"en": "`x = np.asarray(x, dtype=float)`, `e = np.exp(-np.abs(x))`, "
               "`s = np.where(x >= 0, 1 / (1 + e), e / (1 + e))`, "
               "`return x * s, s * (1 + x * (1 - s))`. `checks.silu_with_grad.solution()` shows it.",
         "ko": "`x = np.asarray(x, dtype=float)`, `e = np.exp(-np.abs(x))`, "
               "`s = np.where(x >= 0, 1 / (1 + e), e / (1 + e))`, "
               "`return x * s, s * (1 + x * (1 - s))`. `checks.silu_with_grad.solution()`으로 볼 수 있습니다."},
    ],
)


# --------------------------------------------------------------------------- 2. predict_sigmoid_chain (predict first)
predict_sigmoid_chain = CHAPTER.predict(
    "predict_sigmoid_chain",
    why={"en": "Only the first unit sees z = 0, where sigma' = 1/4. Every later input is a sigmoid output, at least "
               "0.5 (the sigmoid is not centred on 0), where sigma' < 1/4: the product is about 0.00068.",
         "ko": "z = 0을 입력으로 받는 것은 첫 번째 유닛뿐이고, 거기서 sigma' = 1/4입니다. 그 뒤의 입력은 모두 "
               "시그모이드의 출력이라 0.5 이상이고(시그모이드는 0을 중심으로 하지 않습니다), 거기서는 "
               "sigma' < 1/4입니다. 그래서 곱은 약 0.00068입니다."},
    options={
        "a": {"en": "exactly (1/4)^5, about 0.00098", "ko": "정확히 (1/4)^5, 약 0.00098"},
        "b": {"en": "smaller than (1/4)^5", "ko": "(1/4)^5보다 작음"},
        "c": {"en": "larger than (1/4)^5", "ko": "(1/4)^5보다 큼"},
    },
    hints=[
        {"en": "By the chain rule dh/dx is the product of the five local derivatives sigma'(z_k), each taken at the "
               "input z_k of unit k. Which of these inputs is 0?",
         "ko": "연쇄 법칙에 따라 dh/dx는 국소 도함수 다섯 개 sigma'(z_k)의 곱이고, 각각은 유닛 k의 입력 z_k에서 "
               "구한 값입니다. 이 입력들 중 0인 것은 어느 것일까요?"},
        {"en": "The second unit's input is sigma(0) = 0.5. Is sigma'(0.5) above or below sigma'(0) = 1/4? And the "
               "inputs after it? Answer 'a', 'b' or 'c'; `checks.predict_sigmoid_chain.solution()` shows the answer.",
         "ko": "두 번째 유닛의 입력은 sigma(0) = 0.5입니다. sigma'(0.5)는 sigma'(0) = 1/4보다 클까요, 작을까요? "
               "그 뒤의 입력들은요? 'a', 'b', 'c' 중 하나로 답하세요. "
               "`checks.predict_sigmoid_chain.solution()`이 답을 보여 줍니다."},
    ],
)


# --------------------------------------------------------------------------- 3. temperature_cross_entropy
def _tce_parts(logits, labels, temperature):
    z = _f64(logits) / temperature
    with np.errstate(all="ignore"):
        p = softmax(z, axis=1)
        n = z.shape[0]
        loss = -np.log(p[np.arange(n), labels]).mean()
    return p, np.eye(z.shape[1])[labels], n, loss


def _tce_with(logits, labels, temperature, grad_scale="right", forward_t=True):
    p, y, n, loss = _tce_parts(logits, labels, temperature if forward_t else 1.0)
    scale = {"right": 1 / (n * temperature), "no_t": 1 / n, "times_t": temperature / n}[grad_scale]
    return loss, (p - y) * scale


def _tce_naive(logits, labels, temperature):
    z = _f64(logits) / temperature
    n = z.shape[0]
    with np.errstate(all="ignore"):
        p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
        return -np.log(p[np.arange(n), labels]).mean(), (p - np.eye(z.shape[1])[labels]) / (n * temperature)


def _tce_global_max(logits, labels, temperature):
    z = _f64(logits) / temperature
    n = z.shape[0]
    with np.errstate(all="ignore"):
        s = z - z.max()
        log_p = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
        return (-log_p[np.arange(n), labels].mean(),
                (np.exp(log_p) - np.eye(z.shape[1])[labels]) / (n * temperature))


def _tce_cases():
    rng = _rng(3)
    return [
        case({"en": "logits (4, 5), random labels, T = 2", "ko": "logits (4, 5), 무작위 레이블, T = 2"},
             rng.standard_normal((4, 5)) * 2, rng.integers(0, 5, 4), 2.0),
        case({"en": "logits (3, 2), T = 0.5 (sharper than softmax)",
              "ko": "logits (3, 2), T = 0.5 (소프트맥스보다 뾰족함)"},
             rng.standard_normal((3, 2)), np.array([0, 1, 1]), 0.5),
        case({"en": "T = 1 is the plain softmax cross-entropy: logits (5, 4)",
              "ko": "T = 1은 보통의 소프트맥스 교차 엔트로피: logits (5, 4)"}, rng.standard_normal((5, 4)),
             rng.integers(0, 4, 5), 1.0),
        case({"en": "a high temperature T = 10: logits (2, 6)", "ko": "높은 온도 T = 10: logits (2, 6)"},
             rng.standard_normal((2, 6)) * 5, np.array([3, 0]), 10.0),
        case({"en": "a low temperature T = 0.01 makes the scaled logits huge: logits (3, 4)",
              "ko": "낮은 온도 T = 0.01이면 나눈 로짓이 아주 커짐: logits (3, 4)"}, rng.standard_normal((3, 4)),
             np.array([0, 1, 2]), 0.01),
        case({"en": "rows on very different scales: [[1000, 0, 999], [-1000, -1001, -1002]], T = 0.5",
              "ko": "행마다 크기가 전혀 다름: [[1000, 0, 999], [-1000, -1001, -1002]], T = 0.5"},
             np.array([[1000.0, 0.0, 999.0], [-1000.0, -1001.0, -1002.0]]), np.array([2, 0]), 0.5),
        case({"en": "integer logits [[2, 0, 1], [0, 3, 3]] and an integer T = 2",
              "ko": "정수 logits [[2, 0, 1], [0, 3, 3]]와 정수 T = 2"}, np.array([[2, 0, 1], [0, 3, 3]]),
             np.array([0, 2]), 2),
    ]


temperature_cross_entropy = CHAPTER.exercise(
    "temperature_cross_entropy",
    examples=[
        example((0.4076059644443804, np.array([[0.09003057317038043, 0.24472847105479764, -0.3347590442251782]])),
                {"en": "the brief's example: logits [[1, 2, 3]], label 2, T = 1",
                 "ko": "문제 설명의 예: logits [[1, 2, 3]], 레이블 2, T = 1"}, np.array([[1.0, 2.0, 3.0]]),
                np.array([2]), 1.0),
        example((0.6802696706417346, np.array([[0.09316186, 0.15359794, -0.2467598]])),
                {"en": "the brief's example: logits [[1, 2, 3]], label 2, T = 2",
                 "ko": "문제 설명의 예: logits [[1, 2, 3]], 레이블 2, T = 2"}, np.array([[1.0, 2.0, 3.0]]),
                np.array([2]), 2.0),
    ],
    cases=_tce_cases,
    compare=_overflow_check(
        lambda e, g, rtol, atol: named_parts("loss", tr("gradient dlogits", "기울기 dlogits"))(e, g, rtol, atol),
        {"en": "compute log p as u - m - log(sum(exp(u - m))) with u = logits / T and m its row maximum",
         "ko": "u = logits / T, m을 그 행의 최댓값으로 두고 log p를 u - m - log(sum(exp(u - m)))로 계산하세요"}),
    rtol=1e-6,
    atol=1e-9,
    mistakes=[
        (lambda lo, la, t: _tce_with(lo, la, t, "no_t"),
         {"en": "the logits are divided by T before the softmax, so the chain rule adds a factor 1/T: (p - y) / (N T)",
          "ko": "로짓을 소프트맥스에 넣기 전에 T로 나누므로 연쇄 법칙에 따라 인자 1/T가 붙습니다: (p - y) / (N T)"}),
        (lambda lo, la, t: _tce_with(lo, la, t, "times_t"),
         {"en": "dividing by T in the forward pass means dividing by T in the backward pass too, not multiplying",
          "ko": "순전파에서 T로 나누었으면 역전파에서도 T로 나누어야 합니다. 곱하는 것이 아닙니다"}),
        (lambda lo, la, t: _tce_with(lo, la, t, "no_t", forward_t=False),
         {"en": "the temperature is missing: the softmax is taken of logits / T",
          "ko": "온도가 빠졌습니다: 소프트맥스는 logits / T에 적용합니다"}),
        (_tce_naive, {"en": "np.exp of a large scaled logit is inf in float64, and inf / inf is nan",
                      "ko": "T로 나눈 로짓이 크면 float64에서 np.exp가 inf가 되고, inf / inf는 nan입니다"}),
        (_tce_global_max, {"en": "one maximum for the whole batch is not enough when rows live on different scales",
                           "ko": "행마다 크기가 전혀 다를 때는 배치 전체의 최댓값 하나로는 부족합니다"}),
    ],
    hints=[
        {"en": "Two steps: u = logits / T, then the lesson's softmax cross-entropy of u. For the gradient, the chain "
               "rule through u = logits / T multiplies dL/du by du/dlogits.",
         "ko": "두 단계입니다: u = logits / T를 구한 다음, u에 본문의 소프트맥스 교차 엔트로피를 적용합니다. "
               "기울기는 u = logits / T를 거치는 연쇄 법칙에 따라 dL/du에 du/dlogits를 곱한 것입니다."},
        {"en": "On u, the lesson gives dL/du = (p - y) / N with p = softmax(u) row by row, computed from "
               "log p = u - m - log(sum(exp(u - m))) with m the row maximum. du/dlogits is 1/T for every entry.",
         "ko": "u에 대해 본문은 dL/du = (p - y) / N을 줍니다. 여기서 p = softmax(u)는 행마다 계산하며, m을 행의 "
               "최댓값으로 두고 log p = u - m - log(sum(exp(u - m)))로부터 구합니다. du/dlogits는 모든 원소에서 "
               "1/T입니다."},
        {"en": "`u = np.asarray(logits, dtype=float) / temperature`, `s = u - u.max(axis=1, keepdims=True)`, "
               "`log_p = s - np.log(np.exp(s).sum(axis=1, keepdims=True))`, loss "
               "`-log_p[np.arange(n), labels].mean()`, gradient `(np.exp(log_p) - one_hot) / (n * temperature)`. "
               "`checks.temperature_cross_entropy.solution()`.",
         "ko": "`u = np.asarray(logits, dtype=float) / temperature`, `s = u - u.max(axis=1, keepdims=True)`, "
               "`log_p = s - np.log(np.exp(s).sum(axis=1, keepdims=True))`, 손실은 "
               "`-log_p[np.arange(n), labels].mean()`, 기울기는 `(np.exp(log_p) - one_hot) / (n * temperature)`입니다. "
               "`checks.temperature_cross_entropy.solution()`으로 볼 수 있습니다."},
    ],
)


# --------------------------------------------------------------------------- 4. activation_layer_backward
_ACTS = {
    "sigmoid": (sigmoid, lambda z: sigmoid(z) * (1 - sigmoid(z))),
    "tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2),
    "relu": (lambda z: np.maximum(z, 0.0), lambda z: (z > 0).astype(np.float64)),
}


def _layer_with(x, W, b, grad_h, activation, mistake=""):
    x, W, b, grad_h = _f64(x), _f64(W), _f64(b), _f64(grad_h)
    f, f_grad = _ACTS[activation]
    z = x @ W + b
    with np.errstate(all="ignore"):
        if mistake == "no_derivative":
            dz = grad_h
        elif mistake == "derivative_at_output":
            dz = grad_h * f_grad(f(z))
        elif mistake == "relu_one_at_zero" and activation == "relu":
            dz = grad_h * (z >= 0)
        else:
            dz = grad_h * f_grad(z)
    dx, dW, db = dz @ W.T, x.T @ dz, dz.sum(axis=0)
    if mistake == "db_mean":
        db = dz.mean(axis=0)
    return dx, dW, db


def _layer_cases():
    r = _rng(4)
    x0 = np.array([[0.0, 0.0], [1.0, -2.0], [0.5, 0.25]])
    return [
        case("sigmoid: x (4, 3), W (3, 5)", r.normal(size=(4, 3)), r.normal(size=(3, 5)), r.normal(size=5),
             r.normal(size=(4, 5)), "sigmoid"),
        case("tanh: x (6, 2), W (2, 3)", r.normal(size=(6, 2)), r.normal(size=(2, 3)), r.normal(size=3),
             r.normal(size=(6, 3)), "tanh"),
        case("relu: x (5, 4), W (4, 4)", r.normal(size=(5, 4)), r.normal(size=(4, 4)), r.normal(size=4),
             r.normal(size=(5, 4)), "relu"),
        case({"en": "relu with pre-activations exactly 0 (an input row of zeros and b = 0): slope 0 there, as in "
                    "PyTorch",
              "ko": "활성화 이전 값이 정확히 0인 relu (입력 행이 모두 0이고 b = 0): PyTorch처럼 그곳의 경사는 0"},
             x0, np.array([[1.0, 1.0], [0.5, 1.0]]), np.zeros(2), np.ones((3, 2)), "relu"),
        case({"en": "a batch of 1: tanh, x (1, 3), W (3, 2)", "ko": "배치 크기 1: tanh, x (1, 3), W (3, 2)"},
             r.normal(size=(1, 3)), r.normal(size=(3, 2)), r.normal(size=2), r.normal(size=(1, 2)), "tanh"),
        case({"en": "saturated sigmoid units: pre-activations in the hundreds",
              "ko": "포화된 시그모이드 유닛: 활성화 이전 값이 수백"}, 100 * r.normal(size=(3, 2)),
             r.normal(size=(2, 2)), r.normal(size=2), r.normal(size=(3, 2)), "sigmoid"),
        case({"en": "integer x, W, b and grad_h, relu", "ko": "정수 x, W, b, grad_h, relu"}, np.array([[1, -2, 3]]),
             np.array([[1, 0], [0, 1], [1, 1]]), np.array([0, -1]), np.array([[2, 3]]), "relu"),
    ]


activation_layer_backward = CHAPTER.exercise(
    "activation_layer_backward",
    examples=[example(
        (np.array([[3.0, 1.0]]), np.array([[1.0, 0.0, 1.0], [-1.0, 0.0, -1.0]]), np.array([1.0, 0.0, 1.0])),
        {"en": "the brief's example: relu, x = [[1, -1]], W = [[1, 0, 2], [0, 1, 1]], b = 0, grad_h = [[1, 1, 1]]",
         "ko": "문제 설명의 예: relu, x = [[1, -1]], W = [[1, 0, 2], [0, 1, 1]], b = 0, grad_h = [[1, 1, 1]]"},
        np.array([[1.0, -1.0]]), np.array([[1.0, 0.0, 2.0], [0.0, 1.0, 1.0]]), np.zeros(3), np.ones((1, 3)), "relu")],
    cases=_layer_cases,
    compare=_overflow_check(named_parts("dx", "dW", "db"),
                            {"en": "compute the sigmoid without overflow (np.exp of -|z| only)",
                             "ko": "시그모이드를 오버플로 없이 계산하세요 (np.exp에는 -|z|만 넣기)"}),
    rtol=1e-6,
    atol=1e-10,
    mistakes=[
        (lambda *a: _layer_with(*a, mistake="no_derivative"),
         {"en": "multiply grad_h by f'(z) first: the gradient passes through the activation before the linear map",
          "ko": "먼저 grad_h에 f'(z)를 곱하세요: 기울기는 선형 사상보다 활성화 함수를 먼저 지나갑니다"}),
        (lambda *a: _layer_with(*a, mistake="derivative_at_output"),
         {"en": "f' is taken at the pre-activation z = x W + b, not at the output h = f(z)",
          "ko": "f'은 출력 h = f(z)가 아니라 활성화 이전 값 z = x W + b에서 구합니다"}),
        (lambda *a: _layer_with(*a, mistake="relu_one_at_zero"),
         {"en": "at z = 0 exactly, ReLU's slope is 0 (z > 0, not z >= 0), as in PyTorch",
          "ko": "정확히 z = 0에서 ReLU의 경사는 PyTorch와 마찬가지로 0입니다 (z >= 0이 아니라 z > 0)"}),
        (lambda *a: _layer_with(*a, mistake="db_mean"),
         {"en": "db adds up the contributions of the N examples (sum over axis 0), it does not average them",
          "ko": "db는 N개 샘플의 기여를 평균하지 않고 더합니다 (축 0에 대한 합)"}),
    ],
    hints=[
        {"en": "Go backwards through h = f(z), z = x W + b. First through f: dL/dz = grad_h times f'(z), elementwise. "
               "Then through the linear map, exactly as for a layer without activation.",
         "ko": "h = f(z), z = x W + b를 거꾸로 지나가세요. 먼저 f를 지나갑니다: dL/dz = grad_h 곱하기 f'(z) "
               "(원소별). 그다음 선형 사상을 지나가는데, 활성화 함수가 없는 층과 똑같습니다."},
        {"en": "Recompute z = x @ W + b. dz = grad_h * f'(z) with f' from the lesson's table (sigmoid s(1 - s), tanh "
               "1 - tanh^2, relu (z > 0)). Then dx = dz @ W.T (shape of x), dW = x.T @ dz (shape of W), db = dz "
               "summed over the batch axis.",
         "ko": "z = x @ W + b를 다시 계산합니다. dz = grad_h * f'(z)이고, f'은 본문의 표에서 가져옵니다 "
               "(sigmoid s(1 - s), tanh 1 - tanh^2, relu (z > 0)). 그다음 dx = dz @ W.T (x의 모양), "
               "dW = x.T @ dz (W의 모양), db는 dz를 배치 축으로 더한 것입니다."},
        {"en": "`z = x @ W + b`; `dz = grad_h * fprime(z)`; `return dz @ W.T, x.T @ dz, dz.sum(axis=0)`, with "
               "`fprime` chosen by the name in `activation`. `checks.activation_layer_backward.solution()`.",
         "ko": "`z = x @ W + b`; `dz = grad_h * fprime(z)`; `return dz @ W.T, x.T @ dz, dz.sum(axis=0)`. 여기서 "
               "`fprime`은 `activation`에 담긴 이름으로 고릅니다. "
               "`checks.activation_layer_backward.solution()`으로 볼 수 있습니다."},
    ],
)


# --------------------------------------------------------------------------- 5. layer_gradient_norms
def _norms_with(x, Ws, bs, grad_out, activation, mistake=""):
    f, f_grad = _ACTS[activation]
    hs, zs = [_f64(x)], []
    for W, b in zip(Ws, bs):
        zs.append(hs[-1] @ _f64(W) + _f64(b))
        hs.append(f(zs[-1]))
    g, norms = _f64(grad_out), []
    for k in reversed(range(len(Ws))):
        dz = g if mistake == "no_derivative" else g * f_grad(zs[k])
        norms.append(np.linalg.norm(dz if mistake == "dz_norm" else hs[k].T @ dz))
        g = dz @ _f64(Ws[k]).T
    return np.array(norms if mistake == "reversed" else norms[::-1])


def _stack(r, sizes, scale=1.0):
    Ws = [r.normal(size=(a, b)) * scale / np.sqrt(a) for a, b in zip(sizes[:-1], sizes[1:])]
    return Ws, [r.normal(size=b) * 0.1 for b in sizes[1:]]


def _norms_cases():
    r = _rng(5)
    out = []
    for label, sizes, act, n in [
        ({"en": "sigmoid, 6 layers of 16 units: watch the first ones",
          "ko": "sigmoid, 유닛 16개짜리 층 6개: 앞쪽 층을 눈여겨보세요"}, [3, 16, 16, 16, 16, 16, 16], "sigmoid", 8),
        ({"en": "tanh, 4 layers 2 -> 8 -> 8 -> 8 -> 4", "ko": "tanh, 층 4개 2 -> 8 -> 8 -> 8 -> 4"},
         [2, 8, 8, 8, 4], "tanh", 5),
        ({"en": "relu, 5 layers of 10 units", "ko": "relu, 유닛 10개짜리 층 5개"}, [4, 10, 10, 10, 10, 10], "relu", 6),
        ({"en": "a single layer, sigmoid", "ko": "층 하나, sigmoid"}, [3, 2], "sigmoid", 4),
        ({"en": "a batch of 1, tanh, 3 layers", "ko": "배치 크기 1, tanh, 층 3개"}, [5, 4, 3, 2], "tanh", 1),
    ]:
        Ws, bs = _stack(r, sizes, 2.0 if act != "relu" else np.sqrt(2.0))
        out.append(case(label, r.normal(size=(n, sizes[0])), Ws, bs, r.normal(size=(n, sizes[-1])), act))
    out.append(case({"en": "integer inputs, relu, 2 layers", "ko": "정수 입력, relu, 층 2개"},
                    np.array([[1, 2], [-1, 0]]),
                    [np.array([[1, -1], [2, 0]]), np.array([[1], [1]])], [np.array([0, 1]), np.array([0])],
                    np.array([[1], [-2]]), "relu"))
    return out


layer_gradient_norms = CHAPTER.exercise(
    "layer_gradient_norms",
    examples=[example(np.array([1.4142135623730951]),
                      {"en": "the brief's example: one relu layer, x = [[1, -1]], W = I, b = 0, grad_out = [[1, 1]]",
                       "ko": "문제 설명의 예: relu 층 하나, x = [[1, -1]], W = I, b = 0, grad_out = [[1, 1]]"},
                      np.array([[1.0, -1.0]]), [np.eye(2)], [np.zeros(2)], np.ones((1, 2)), "relu")],
    cases=_norms_cases,
    compare=_overflow_check(
        lambda e, g, rtol, atol: compare_values(e, g, rtol, atol, what=tr("gradient norms", "기울기 노름")),
        {"en": "compute the sigmoid without overflow", "ko": "시그모이드를 오버플로 없이 계산하세요"}),
    rtol=1e-6,
    atol=1e-12,
    mistakes=[
        (lambda *a: _norms_with(*a, mistake="reversed"),
         {"en": "the backward pass meets the layers last to first; return the norms first layer first (reverse your "
                "list)",
          "ko": "역전파는 층을 마지막 층부터 첫 번째 층 순서로 만납니다. 노름은 첫 번째 층부터 반환하세요 "
                "(리스트를 뒤집으세요)"}),
        (lambda *a: _norms_with(*a, mistake="no_derivative"),
         {"en": "at every layer the gradient passes through f'(z) before the weights: multiply by it",
          "ko": "모든 층에서 기울기는 가중치보다 f'(z)를 먼저 지나갑니다: f'(z)를 곱하세요"}),
        (lambda *a: _norms_with(*a, mistake="dz_norm"),
         {"en": "that is the norm of dL/dz; the exercise asks for dL/dW = h_prev.T @ dz",
          "ko": "그것은 dL/dz의 노름입니다. 문제가 요구하는 것은 dL/dW = h_prev.T @ dz입니다"}),
    ],
    hints=[
        {"en": "Two passes. Forward: keep every layer's input h_{k-1} and pre-activation z_k. Backward: start from "
               "grad_out and go from the last layer to the first, using exercise 4 at each layer; its dx is the next "
               "grad_h.",
         "ko": "두 번 지나갑니다. 순방향: 층마다 입력 h_{k-1}과 활성화 이전 값 z_k를 저장합니다. 역방향: grad_out에서 "
               "시작해 마지막 층부터 첫 번째 층까지 내려가며 층마다 연습 문제 4를 씁니다. 그 dx가 다음 grad_h입니다."},
        {"en": "Keep lists `hs` (inputs) and `zs` during the forward pass. Backward, for k from the last layer down: "
               "dz = g * f'(z_k), the norm of hs[k].T @ dz (np.linalg.norm) goes into the list, and g = dz @ W_k.T. "
               "Reverse the list at the end.",
         "ko": "순전파 동안 리스트 `hs`(입력)와 `zs`를 유지합니다. 역방향으로 k를 마지막 층부터 내려가며 "
               "dz = g * f'(z_k)를 구하고, hs[k].T @ dz의 노름(np.linalg.norm)을 리스트에 넣고, g = dz @ W_k.T로 "
               "둡니다. 마지막에 리스트를 뒤집습니다."},
        {"en": "Or call your `activation_layer_backward(hs[k], Ws[k], bs[k], g, activation)`: it returns (dx, dW, db); "
               "keep `np.linalg.norm(dW)` and set `g = dx`. `checks.layer_gradient_norms.solution()` shows it.",
         "ko": "또는 직접 짠 `activation_layer_backward(hs[k], Ws[k], bs[k], g, activation)`를 호출하세요: "
               "(dx, dW, db)를 반환하므로 `np.linalg.norm(dW)`를 저장하고 `g = dx`로 둡니다. "
               "`checks.layer_gradient_norms.solution()`으로 볼 수 있습니다."},
    ],
)


# --------------------------------------------------------------------------- 6. activation_and_lr (experiment)
XOR_STEPS = 300
XOR_TARGET = 0.95
XOR_DEPTH, XOR_WIDTH = 4, 16
_ACTIVATION_MODULES = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU}


def xor_data() -> tuple[torch.Tensor, torch.Tensor]:
    """200 points of the lesson's noisy XOR cloud: X float32 (200, 2) and labels y float32 (200,) in {0, 1}."""
    X, y = make_toy_2d("xor", n=200, noise=0.05, seed=0)
    return torch.from_numpy(X), torch.from_numpy(y).float()


def deep_xor_net(activation: str) -> nn.Sequential:
    """The experiment's MLP, 2 -> 16 -> 16 -> 16 -> 16 -> 1 with ``activation`` after every hidden layer.

    Its weights are the same on every call (seed 0), whatever the global random state.
    """
    with torch.random.fork_rng():
        torch.manual_seed(0)
        layers, n_in = [], 2
        for _ in range(XOR_DEPTH):
            layers += [nn.Linear(n_in, XOR_WIDTH), _ACTIVATION_MODULES[activation]()]
            n_in = XOR_WIDTH
        return nn.Sequential(*layers, nn.Linear(n_in, 1))


def _xor_run(activation: str, lr: float) -> float:
    """Training accuracy after XOR_STEPS full-batch steps of SGD (momentum 0.9) with BCE on logits."""
    X, y = xor_data()
    model = deep_xor_net(activation)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    for _ in range(XOR_STEPS):
        optimizer.zero_grad()
        F.binary_cross_entropy_with_logits(model(X).squeeze(1), y).backward()
        optimizer.step()
    with torch.no_grad():
        return float(((model(X).squeeze(1) > 0).float() == y).float().mean())


def _read_choice(got) -> tuple[str, float]:
    if got is None:
        raise Fail(tr("your choice is None: did you forget `return`?", "선택이 None입니다: `return`을 빠뜨렸나요?"))
    if not isinstance(got, tuple | list) or len(got) != 2:
        raise Fail(tr(f"return a pair (activation, learning_rate), e.g. ('relu', 0.5), not {cap(repr(got), 60)}",
                      f"(activation, learning_rate) 쌍을 반환하세요 (예: ('relu', 0.5)). "
                      f"{cap(repr(got), 60)}은(는) 안 됩니다"))
    name, lr = got
    if not isinstance(name, str) or name.strip().lower() not in _ACTIVATION_MODULES:
        raise Fail(tr(f"the activation is one of 'sigmoid', 'tanh', 'relu', not {cap(repr(name), 40)}",
                      f"활성화 함수는 'sigmoid', 'tanh', 'relu' 중 하나여야 합니다. "
                      f"{cap(repr(name), 40)}은(는) 안 됩니다"))
    if isinstance(lr, torch.Tensor | np.ndarray) and np.size(lr) == 1:
        lr = lr.item()
    if isinstance(lr, bool | np.bool_) or not isinstance(lr, numbers.Real) or not np.isfinite(lr) or lr <= 0:
        raise Fail(tr(f"the learning rate must be one positive, finite number, not {cap(repr(lr), 40)}",
                      f"학습률은 유한한 양수 하나여야 합니다. {cap(repr(lr), 40)}은(는) 안 됩니다"))
    return name.strip().lower(), float(lr)


def _judge_activation_and_lr(fn) -> str:
    name, lr = _read_choice(call(fn, label=tr("your choice", "여러분의 선택")))
    with np.errstate(all="ignore"):
        accuracy = _xor_run(name, lr)
    asked = tr(f"asked: at least {XOR_TARGET:.0%} after {XOR_STEPS} steps",
               f"목표: {XOR_STEPS}단계 후 {XOR_TARGET:.0%} 이상")
    if accuracy < XOR_TARGET:
        if name == "sigmoid":
            why = tr("the gradient reaching the first sigmoid layers is tiny (exercise 5), so they hardly move, "
                     "whatever the rate: try another activation",
                     "앞쪽 시그모이드 층에 도달하는 기울기가 아주 작아서(연습 문제 5) 학습률이 얼마든 그 층들은 거의 "
                     "움직이지 않습니다: 다른 활성화 함수를 써 보세요")
        else:
            why = tr("compare a few rates spaced by a factor of 3: too small creeps, too large overshoots",
                     "3배 간격의 학습률 몇 개를 비교해 보세요: 너무 작으면 느릿느릿 기어가고, "
                     "너무 크면 지나쳐 버립니다")
        raise Fail(tr(f"your choice ({name!r}, {lr:.3g}) reached {accuracy:.1%} training accuracy after {XOR_STEPS} "
                      f"steps; {asked}. {why}",
                      f"여러분의 선택 ({name!r}, {lr:.3g})은(는) {XOR_STEPS}단계 후 학습 정확도 {accuracy:.1%}에 "
                      f"도달했습니다. {asked}. {why}"))
    return tr(f"your choice ({name!r}, {lr:.3g}) reached {accuracy:.1%} training accuracy after {XOR_STEPS} steps "
              f"({asked})",
              f"여러분의 선택 ({name!r}, {lr:.3g})은(는) {XOR_STEPS}단계 후 학습 정확도 {accuracy:.1%}에 "
              f"도달했습니다 ({asked})")


activation_and_lr = CHAPTER.exercise(
    "activation_and_lr",
    judge=_judge_activation_and_lr,
    hints=[
        {"en": "Write a function `run(activation, lr)` that trains `deep_xor_net(activation)` on `xor_data()` for 300 "
               "steps (the loop of the lesson's section 1, with SGD and momentum 0.9) and returns the training "
               "accuracy.",
         "ko": "`deep_xor_net(activation)`을 `xor_data()`로 300단계 학습시키고(본문 1절의 루프에 SGD와 모멘텀 0.9) "
               "학습 정확도를 반환하는 함수 `run(activation, lr)`을 작성하세요."},
        {"en": "Try every activation with a few rates spaced by a factor of about 3, from 0.01 to 3, and print the "
               "accuracy of each. One activation fails at every rate: exercises 2 and 5 say why. Return the pair of a "
               "run that clears the bar with some margin; `checks.activation_and_lr.solution()` shows a sweep.",
         "ko": "모든 활성화 함수를 0.01부터 3까지 약 3배 간격의 학습률 몇 개로 시험해 보고 각각의 정확도를 "
               "출력하세요. 한 활성화 함수는 어떤 학습률에서도 실패하는데, 그 이유는 연습 문제 2와 5에 있습니다. "
               "기준을 여유 있게 넘는 실행의 쌍을 반환하세요. `checks.activation_and_lr.solution()`이 학습률 "
               "탐색을 보여 줍니다."},
    ],
)
