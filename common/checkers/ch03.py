"""Exercises of chapter 03, gradient descent: ``checks.<name>.check(fn)``, ``.hint()``, ``.solution()``.

The reference answers are the chapter's ``solutions.py``; this module holds what is specific to each
exercise: its cases, the brief's worked example, classic mistakes and hints. The step functions
(``nesterov_step``, ``adamw_step``) are checked on states an optimiser meets after some steps
(non-zero velocity and moments, a late step t) and must return new arrays, not update their inputs.
The predict-first questions are answered by the solution's key; the experiment ``nesterov_lr`` is
judged by its outcome: the checker runs Nesterov momentum on the Rosenbrock function with the
learner's learning rate and says how far it got. ``rosenbrock`` and ``rosenbrock_grad`` are exported
for the notebook.
"""
from __future__ import annotations

import functools

import numpy as np

from common.checks import Chapter, Fail, call, case, example, named_parts, one_number, tr

CHAPTER = Chapter("03_gradient_descent")
__getattr__ = CHAPTER.legacy


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


# --------------------------------------------------------------------------- 1. predict_zigzag (predict first)
predict_zigzag = CHAPTER.predict(
    "predict_zigzag",
    why={"en": "One step gives theta - 0.4 * 4 theta = -0.6 theta: the factor 1 - lr * lambda is negative (lr > "
               "1/lambda), so the sign flips, and its size is below 1 (lr < 2/lambda), so the zig-zag shrinks.",
         "ko": "한 걸음이면 theta - 0.4 * 4 theta = -0.6 theta가 됩니다. 인수 1 - lr * lambda가 음수이므로(lr > "
               "1/lambda) 부호가 바뀌고, 그 크기가 1보다 작으므로(lr < 2/lambda) 지그재그가 줄어듭니다."},
    options={
        "a": {"en": "theta shrinks towards 0 and keeps its sign", "ko": "theta가 부호를 유지한 채 0을 향해 줄어듭니다"},
        "b": {"en": "theta shrinks towards 0 but flips its sign at every step",
              "ko": "theta가 0을 향해 줄어들지만 매 걸음 부호가 바뀝니다"},
        "c": {"en": "theta flips its sign and grows: gradient descent diverges",
              "ko": "theta가 부호를 바꾸며 커집니다: 경사 하강법이 발산합니다"},
        "d": {"en": "theta lands exactly on 0 after one step and stays there",
              "ko": "theta가 한 걸음 만에 정확히 0에 도착해 그대로 머뭅니다"},
    },
    hints=[
        {"en": "Write one step out: theta_new = theta - lr * f'(theta). What number multiplies theta?",
         "ko": "한 걸음을 직접 적어 보세요: theta_new = theta - lr * f'(theta). theta에 곱해지는 수는 무엇인가요?"},
        {"en": "Here f'(theta) = 4 theta, so theta_new = (1 - 0.4 * 4) theta. Is that factor positive or negative? Is "
               "its size below 1? The answer is one of 'a', 'b', 'c', 'd'. `checks.predict_zigzag.solution()` shows "
               "it.",
         "ko": "여기서 f'(theta) = 4 theta이므로 theta_new = (1 - 0.4 * 4) theta입니다. 이 인수는 양수인가요, "
               "음수인가요? 그 크기는 1보다 작은가요? 답은 'a', 'b', 'c', 'd' 중 하나입니다. "
               "`checks.predict_zigzag.solution()`이 답을 보여 줍니다."},
    ],
)


# --------------------------------------------------------------------------- 2. nesterov_step
def _nesterov_cases():
    r = _rng(303)
    return [
        case(tr("first step (v = 0)", "첫 걸음 (v = 0)"), r.normal(size=4), r.normal(size=4), np.zeros(4), 0.1, 0.9),
        case(tr("a step with a non-zero velocity", "속도가 0이 아닌 걸음"), r.normal(size=4), r.normal(size=4),
             r.normal(size=4), 0.05, 0.9),
        case(tr("momentum left at its default (0.9)", "momentum을 기본값(0.9)으로 둔 경우"), r.normal(size=4),
             r.normal(size=4), r.normal(size=4), 0.05),
        case(tr("momentum = 0 (plain SGD)", "momentum = 0 (평범한 SGD)"), r.normal(size=3), r.normal(size=3),
             r.normal(size=3), 0.1, 0.0),
        case(tr("a 3x5 weight matrix, momentum 0.5", "3x5 가중치 행렬, momentum 0.5"), r.normal(size=(3, 5)),
             r.normal(size=(3, 5)), r.normal(size=(3, 5)), 0.01, 0.5),
        case(tr("a large velocity after many steps, momentum 0.99", "여러 걸음 뒤의 큰 속도, momentum 0.99"),
             r.normal(size=6), r.normal(size=6), 50 * r.normal(size=6), 0.001, 0.99),
    ]


def _nesterov_plain(theta, grad, v, lr, momentum=0.9):
    v = momentum * v + grad
    return theta - lr * v, v


def _nesterov_old_v(theta, grad, v, lr, momentum=0.9):
    return theta - lr * (grad + momentum * v), momentum * v + grad


def _nesterov_scaled_v(theta, grad, v, lr, momentum=0.9):
    v = momentum * v - lr * grad
    return theta + momentum * v - lr * grad, v


nesterov_step = CHAPTER.exercise(
    "nesterov_step",
    examples=[example(
        (np.array([0.62]), np.array([2.0])),
        {"en": "the brief's example: theta = [1], grad = [2], v = [0], lr = 0.1, momentum = 0.9",
         "ko": "문제 설명의 예: theta = [1], grad = [2], v = [0], lr = 0.1, momentum = 0.9"},
        np.array([1.0]), np.array([2.0]), np.array([0.0]), 0.1, 0.9)],
    cases=_nesterov_cases,
    compare=named_parts("theta", "v"),
    mistakes=[
        (_nesterov_old_v, {"en": "update v first, then step with grad + momentum * v using that new v",
                           "ko": "먼저 v를 업데이트한 다음, 그 새 v로 grad + momentum * v만큼 걸음을 내디디세요"}),
        (_nesterov_plain, {"en": "that is plain momentum: Nesterov steps with grad + momentum * v, the look-ahead",
                           "ko": "그것은 평범한 모멘텀입니다: 네스테로프는 앞질러 보는 항을 더한 grad + momentum * v로 "
                                 "걸음을 내딛습니다"}),
        (_nesterov_scaled_v, {"en": "keep the velocity as torch does, v = momentum * v + grad (not scaled by -lr)",
                              "ko": "속도는 torch처럼 v = momentum * v + grad로 유지하세요(-lr을 곱하지 않습니다)"}),
    ],
    hints=[
        {"en": "Two lines: update the velocity first, then step with the gradient plus the look-ahead momentum * v, "
               "using the new velocity.",
         "ko": "두 줄이면 됩니다: 먼저 속도를 업데이트하고, 그 새 속도로 기울기에 앞질러 보는 항 momentum * v를 더한 "
               "만큼 걸음을 내디디세요."},
        {"en": "`v = momentum * v + grad` builds a new array (`v *= momentum` would change the caller's array). Then "
               "theta moves by -lr times (grad + momentum * v). Return both, each with the shape of theta.",
         "ko": "`v = momentum * v + grad`는 새 배열을 만듭니다(`v *= momentum`은 호출한 쪽의 배열을 바꿔 버립니다). "
               "그다음 theta는 -lr × (grad + momentum * v)만큼 움직입니다. 둘 다 theta와 같은 모양으로 반환하세요."},
        {"en": "`v = momentum * v + grad` and `return theta - lr * (grad + momentum * v), v`.",
         "ko": "`v = momentum * v + grad`, 그리고 `return theta - lr * (grad + momentum * v), v`."},
    ],
)


# --------------------------------------------------------------------------- 3. nesterov_lr (experiment)
ROSENBROCK_START = np.array([-1.2, 1.0])
ROSENBROCK_TARGET = 1e-3
NESTEROV_BUDGET = 500  # steps


def rosenbrock(p):
    """The Rosenbrock function (1 - x)^2 + 100 (y - x^2)^2 of a point p = (x, y); its minimum is 0 at (1, 1)."""
    return (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2


def rosenbrock_grad(p):
    """The gradient of :func:`rosenbrock` at p = (x, y), a NumPy array of shape (2,)."""
    x, y = p
    return np.array([-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)])


def _nesterov_run(lr: float, budget: int = NESTEROV_BUDGET):
    """Nesterov momentum 0.9 from (-1.2, 1): (step at which f < target or None, losses, diverged)."""
    theta, v, losses = ROSENBROCK_START.copy(), np.zeros(2), []
    with np.errstate(all="ignore"):
        for step in range(1, budget + 1):
            g = rosenbrock_grad(theta)
            v = 0.9 * v + g
            theta = theta - lr * (g + 0.9 * v)
            if not np.all(np.abs(theta) < 1e6):
                return None, losses, True
            losses.append(float(rosenbrock(theta)))
            if losses[-1] < ROSENBROCK_TARGET:
                return step, losses, False
    return None, losses, False


@functools.cache
def _finishing_rates() -> list[float]:
    """The learning rates of a fine sweep that finish within the budget (to tell too small from too large)."""
    return [lr for lr in np.geomspace(1e-4, 1e-2, 41) if _nesterov_run(lr)[0] is not None]


def _judge_nesterov_lr(fn) -> str:
    lr = one_number(call(fn, label=tr("your learning rate", "여러분의 학습률")), tr("learning rate", "학습률"))
    steps, losses, diverged = _nesterov_run(lr)
    asked = tr(f"asked: f below {ROSENBROCK_TARGET:g} within {NESTEROV_BUDGET} steps",
               f"요구 사항: {NESTEROV_BUDGET}걸음 안에 f를 {ROSENBROCK_TARGET:g} 아래로")
    if diverged:
        last = losses[-1] if losses else np.inf
        raise Fail(tr(f"with your learning rate {lr:.3g} the run diverged (f was {last:.3g} at step {len(losses)}, "
                      f"then overflowed); {asked}. Too large: try smaller rates",
                      f"학습률 {lr:.3g}에서 실행이 발산했습니다({len(losses)}번째 걸음에서 f = {last:.3g}였고, 그 뒤 "
                      f"오버플로). {asked}. 너무 큽니다: 더 작은 학습률을 시도하세요"))
    if steps is None:
        why = (tr("too large: it bounces across the valley without settling",
                  "너무 큽니다: 자리를 잡지 못하고 골짜기를 가로질러 튀어 다닙니다") if lr > _finishing_rates()[-1]
               else tr("too small: it is still creeping along the valley floor",
                       "너무 작습니다: 아직 골짜기 바닥을 따라 기어가고 있습니다"))
        raise Fail(tr(f"your learning rate {lr:.3g} reached f = {losses[-1]:.3g} after {NESTEROV_BUDGET} steps; "
                      f"{asked} ({why})",
                      f"학습률 {lr:.3g}은(는) {NESTEROV_BUDGET}걸음 뒤 f = {losses[-1]:.3g}에 이르렀습니다. {asked} "
                      f"({why})"))
    return tr(f"your learning rate {lr:.3g} took f below {ROSENBROCK_TARGET:g} at step {steps} ({asked})",
              f"학습률 {lr:.3g}로 {steps}번째 걸음에서 f가 {ROSENBROCK_TARGET:g} 아래로 내려갔습니다 ({asked})")


nesterov_lr = CHAPTER.exercise(
    "nesterov_lr",
    judge=_judge_nesterov_lr,
    hints=[
        {"en": "Do not guess: write a function that runs your nesterov_step from (-1.2, 1) and returns the step at "
               "which rosenbrock(theta) falls below 1e-3 (or None after 500 steps), then try many learning rates.",
         "ko": "어림짐작하지 마세요: 여러분의 nesterov_step을 (-1.2, 1)에서 실행해 rosenbrock(theta)가 1e-3 아래로 "
               "떨어지는 걸음을 반환하는(500걸음이 지나면 None) 함수를 작성한 다음, 여러 학습률을 시도해 보세요."},
        {"en": "Rates spaced by a constant factor cover the range evenly: `np.geomspace(1e-4, 1e-2, 41)`. Stop a run "
               "early when theta is no longer finite. Among the rates that finish, the fastest sits just below the "
               "rate where runs start to fail. Return it as a float; `checks.nesterov_lr.solution()` shows a sweep.",
         "ko": "일정한 배수 간격으로 놓은 학습률은 범위를 고르게 덮습니다: `np.geomspace(1e-4, 1e-2, 41)`. theta가 더 "
               "이상 유한하지 않으면 실행을 일찍 멈추세요. 끝까지 도달하는 학습률 가운데 가장 빠른 것은 실행이 "
               "실패하기 시작하는 학습률 바로 아래에 있습니다. 그 값을 float로 반환하세요. "
               "`checks.nesterov_lr.solution()`이 학습률 탐색의 예를 보여 줍니다."},
    ],
)


# --------------------------------------------------------------------------- 4. predict_adam_first_step (predict first)
predict_adam_first_step = CHAPTER.predict(
    "predict_adam_first_step",
    why={"en": "At t = 1, m_hat = g and v_hat = g^2, so the step is lr * g / (|g| + eps) = lr * sign(g): Adam's step "
               "is set by lr, not by the size of the gradient.",
         "ko": "t = 1에서 m_hat = g, v_hat = g^2이므로 걸음은 lr * g / (|g| + eps) = lr * sign(g)입니다. Adam의 걸음은 "
               "기울기의 크기가 아니라 lr이 정합니다."},
    options={
        "a": {"en": "about 1e-5 and 10: the step is proportional to the gradient, as with SGD",
              "ko": "약 1e-5와 10: SGD처럼 걸음이 기울기에 비례합니다"},
        "b": {"en": "both about 0.01, the learning rate", "ko": "둘 다 약 0.01, 곧 학습률입니다"},
        "c": {"en": "the parameter with the tiny gradient takes the larger step",
              "ko": "기울기가 아주 작은 매개변수가 더 큰 걸음을 내딛습니다"},
    },
    hints=[
        {"en": "Write out m, v, m_hat and v_hat after one step from m = v = 0, with t = 1.",
         "ko": "m = v = 0에서 t = 1로 한 걸음 간 뒤의 m, v, m_hat, v_hat을 직접 적어 보세요."},
        {"en": "With t = 1, m_hat = g and v_hat = g**2 exactly. What is g / sqrt(g**2)? Answer 'a', 'b' or 'c'; "
               "`checks.predict_adam_first_step.solution()` shows it.",
         "ko": "t = 1이면 정확히 m_hat = g, v_hat = g**2입니다. g / sqrt(g**2)는 무엇일까요? 'a', 'b', 'c' 중 하나로 "
               "답하세요. `checks.predict_adam_first_step.solution()`이 답을 보여 줍니다."},
    ],
)


# --------------------------------------------------------------------------- 5. adamw_step
def _adamw_cases():
    r = _rng(304)

    def state(*shape):
        return r.normal(size=shape), r.normal(size=shape), 0.1 * r.normal(size=shape), np.abs(r.normal(size=shape))

    theta, grad, _, _ = state(5)
    cases = [case(tr("first step (t = 1, m = v = 0), every other argument at its default",
                     "첫 걸음 (t = 1, m = v = 0), 나머지 인자는 모두 "
                     "기본값"), theta, grad, np.zeros(5), np.zeros(5), 1)]
    theta, grad, m, v = state(5)
    cases.append(case(tr("step t = 7 with non-zero m and v", "0이 아닌 m, v에서 걸음 t = 7"), theta, grad, m, v, 7))
    theta, grad, m, v = state(4)
    cases.append(case(tr("weight_decay = 0 (plain Adam)", "weight_decay = 0 (평범한 Adam)"), theta, grad, m, v, 3,
                      weight_decay=0.0))
    theta, grad, m, v = state(2, 3)
    cases.append(case(tr("a 2x3 matrix, lr 0.1, weight_decay 0.5, betas (0.8, 0.99), eps 1e-6",
                         "2x3 행렬, lr 0.1, weight_decay 0.5, betas (0.8, 0.99), eps 1e-6"), theta, grad, m, v, 4,
                      lr=0.1, beta1=0.8, beta2=0.99, eps=1e-6, weight_decay=0.5))
    theta, grad, m, v = state(4)
    cases.append(case(tr("a late step, t = 1000", "늦은 걸음, t = 1000"), theta, grad, m, v, 1000, lr=0.01))
    theta, _, _, _ = state(4)
    cases.append(case(tr("tiny gradients of 1e-9 at t = 1, lr 0.1 (where eps goes matters)",
                         "t = 1에서 1e-9 크기의 아주 작은 기울기, lr 0.1 (eps를 어디에 더하는지가 중요)"), theta,
                      1e-9 * r.normal(size=4), np.zeros(4), np.zeros(4), 1, lr=0.1))
    cases.append(case(tr("a zero gradient at t = 1 (eps keeps 0 / 0 away)", "t = 1에서 기울기 0 (eps가 0 / 0을 막음)"),
                      r.normal(size=3), np.zeros(3), np.zeros(3), np.zeros(3), 1, lr=0.1))
    return cases


def _adamw_with(theta, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2,
                correct=True, decay="before", eps_where="after sqrt"):
    if decay == "L2":
        grad = grad + weight_decay * theta
    elif decay == "before":
        theta = theta * (1 - lr * weight_decay)
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    c1, c2 = (1 - beta1**t, 1 - beta2**t) if correct else (1.0, 1.0)
    if eps_where == "inside sqrt":
        step = (m / c1) / np.sqrt(v / c2 + eps)
    elif eps_where == "none":
        step = (m / c1) / np.sqrt(v / c2)
    elif eps_where == "uncorrected":
        step = np.sqrt(c2) / c1 * m / (np.sqrt(v) + eps)
    else:
        step = (m / c1) / (np.sqrt(v / c2) + eps)
    theta = theta - lr * step
    if decay == "after":
        theta = theta * (1 - lr * weight_decay)
    return theta, m, v


def _adamw_mistake(**how):
    return lambda *args, **kwargs: _adamw_with(*args, **kwargs, **how)


adamw_step = CHAPTER.exercise(
    "adamw_step",
    examples=[example(
        (np.array([0.850000002]), np.array([0.05]), np.array([0.00025])),
        {"en": "the brief's example: t = 1, m = v = 0, grad = [0.5], theta = [1], lr = 0.1, weight_decay = 0.5",
         "ko": "문제 설명의 예: t = 1, m = v = 0, grad = [0.5], theta = [1], lr = 0.1, weight_decay = 0.5"},
        np.array([1.0]), np.array([0.5]), np.array([0.0]), np.array([0.0]), 1, lr=0.1, weight_decay=0.5)],
    cases=_adamw_cases,
    compare=named_parts("theta", "m", "v"),
    mistakes=[
        (_adamw_mistake(correct=False),
         {"en": "correct the bias of both averages: m / (1 - beta1**t) and v / (1 - beta2**t)",
          "ko": "두 평균의 편향을 모두 보정하세요: m / (1 - beta1**t)와 v / (1 - beta2**t)"}),
        (_adamw_mistake(decay="L2"),
         {"en": "AdamW shrinks theta directly; adding weight_decay * theta to the gradient is Adam's L2 penalty",
          "ko": "AdamW는 theta를 직접 줄입니다. 기울기에 weight_decay * theta를 더하는 것은 Adam의 L2 규제입니다"}),
        (_adamw_mistake(decay="after"),
         {"en": "shrink theta by (1 - lr * weight_decay) before the Adam step, not after",
          "ko": "theta에 (1 - lr * weight_decay)를 곱해 줄이는 것은 Adam 걸음 뒤가 아니라 앞에서 하세요"}),
        (lambda theta, grad, m, v, t, *a, **k: _adamw_with(theta, grad, m, v, t + 1, *a, **k),
         {"en": "t counts from 1: use beta1**t and beta2**t with the t you are given",
          "ko": "t는 1부터 셉니다: 주어진 t 그대로 beta1**t와 beta2**t를 쓰세요"}),
        (_adamw_mistake(eps_where="inside sqrt"),
         {"en": "eps is added after the square root: sqrt(v_hat) + eps",
          "ko": "eps는 제곱근 뒤에 더합니다: sqrt(v_hat) + eps"}),
        (_adamw_mistake(eps_where="uncorrected"),
         {"en": "add eps to the square root of the bias-corrected v_hat, as torch does",
          "ko": "torch처럼, 편향을 보정한 v_hat의 제곱근에 eps를 더하세요"}),
        (_adamw_mistake(eps_where="none"),
         {"en": "divide by sqrt(v_hat) + eps: without eps, tiny gradients take full-size steps and a zero gradient "
                "gives 0 / 0",
          "ko": "sqrt(v_hat) + eps로 나누세요: eps가 없으면 아주 작은 기울기도 온전한 크기의 걸음을 내딛고, "
                "기울기가 0이면 0 / 0이 됩니다"}),
    ],
    hints=[
        {"en": "Four moves in order: shrink theta by the weight decay, update the two moving averages, correct their "
               "bias, take the Adam step.",
         "ko": "순서대로 네 단계입니다: 가중치 감쇠로 theta를 줄이고, 두 이동 평균을 업데이트하고, 그 편향을 보정한 "
               "다음, Adam 걸음을 내디디세요."},
        {"en": "`theta * (1 - lr * weight_decay)` first. `m` and `v` average grad and grad**2 with beta1 and beta2; "
               "divide them by (1 - beta1**t) and (1 - beta2**t); eps goes after the square root. Build new arrays: no "
               "`*=` or `+=` on the arrays you were given.",
         "ko": "먼저 `theta * (1 - lr * weight_decay)`. `m`과 `v`는 beta1과 beta2로 grad와 grad**2를 평균합니다. 이를 "
               "(1 - beta1**t)와 (1 - beta2**t)로 나누고, eps는 제곱근 뒤에 더합니다. 새 배열을 만드세요: 받은 배열에 "
               "`*=`나 `+=`를 쓰지 마세요."},
        {"en": "`theta = theta * (1 - lr * weight_decay)`, `m = beta1 * m + (1 - beta1) * grad`, `v = beta2 * v + (1 - "
               "beta2) * grad**2`, `m_hat = m / (1 - beta1**t)`, `v_hat = v / (1 - beta2**t)`, then `return theta - lr "
               "* m_hat / (np.sqrt(v_hat) + eps), m, v`.",
         "ko": "`theta = theta * (1 - lr * weight_decay)`, `m = beta1 * m + (1 - beta1) * grad`, `v = beta2 * v + (1 - "
               "beta2) * grad**2`, `m_hat = m / (1 - beta1**t)`, `v_hat = v / (1 - beta2**t)`, 그다음 `return theta - "
               "lr * m_hat / (np.sqrt(v_hat) + eps), m, v`."},
    ],
)


# --------------------------------------------------------------------------- 6. cross_entropy
def _ce_cases():
    r = _rng(305)
    return [
        case(tr("5 examples, 3 classes", "예제 5개, 클래스 3개"), r.normal(size=(5, 3)), r.integers(0, 3, 5)),
        case(tr("batch of 1", "크기 1인 배치"), r.normal(size=(1, 4)), np.array([2])),
        case(tr("7 examples, 2 classes", "예제 7개, 클래스 2개"), 3 * r.normal(size=(7, 2)), r.integers(0, 2, 7)),
        case(tr("equal logits (the loss is log C)", "모두 같은 로짓 (손실은 log C)"), np.zeros((3, 10)),
             np.array([0, 5, 9])),
        case(tr("huge logits of +-1000 (subtract the row maximum first)",
                "+-1000의 아주 큰 로짓 (먼저 행의 최댓값을 빼세요)"), np.array([[1000.0, 0.0, -1000.0],
             [-1000.0, 1000.0, 0.0]]), np.array([1, 1])),
        case(tr("rows on very different scales (subtract each row's own maximum)",
                "규모가 매우 다른 행들 (각 행 자신의 최댓값을 빼세요)"),
             np.array([[1000.0, -1000.0, 500.0], [0.001, 0.002, -0.001]]), np.array([2, 0])),
        case(tr("integer logits", "정수 로짓"), np.array([[2, 0, -1], [0, 3, 3]]), np.array([0, 2])),
        case(tr("label_smoothing = 0.1 on 10 classes", "클래스 10개에 label_smoothing = 0.1"), r.normal(size=(6, 10)),
             r.integers(0, 10, 6), label_smoothing=0.1),
        case(tr("label_smoothing = 0.3 with huge logits", "아주 큰 로짓에 label_smoothing = 0.3"),
             np.array([[500.0, -500.0, 0.0]]), np.array([0]), label_smoothing=0.3),
    ]


def _ce_with(logits, labels, label_smoothing=0.0, shift="row", spread="all", reduce=np.mean, smooth=True):
    n, c = logits.shape
    z = logits - (logits.max(axis=1, keepdims=True) if shift == "row" else logits.max() if shift == "all" else 0)
    with np.errstate(all="ignore"):
        log_p = np.log(np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)) if shift == "none" else \
            z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    eps = label_smoothing if smooth else 0.0
    if spread == "all":
        target = np.full((n, c), eps / c)
        target[np.arange(n), labels] += 1.0 - eps
    else:
        target = np.full((n, c), eps / (c - 1))
        target[np.arange(n), labels] = 1.0 - eps
    return -reduce(np.sum(target * log_p, axis=1))


cross_entropy = CHAPTER.exercise(
    "cross_entropy",
    examples=[
        example(0.6931471805599453, {"en": "the brief's example: logits = [[0, 0]], labels = [1] (log 2)",
                                     "ko": "문제 설명의 예: logits = [[0, 0]], labels = [1] (log 2)"},
                np.array([[0.0, 0.0]]), np.array([1])),
        example(1000.0, {"en": "the brief's example: logits = [[1000, 0]], labels = [1]",
                         "ko": "문제 설명의 예: logits = [[1000, 0]], labels = [1]"}, np.array([[1000.0, 0.0]]),
                np.array([1])),
        example(900.0, "logits = [[1000, 0]], labels = [1], label_smoothing = 0.2", np.array([[1000.0, 0.0]]),
                np.array([1]), label_smoothing=0.2),
    ],
    cases=_ce_cases,
    returns=float,
    what="loss",
    mistakes=[
        (lambda *a, **k: _ce_with(*a, **k, shift="none"),
         {"en": "exp of a large logit overflows: subtract each row's maximum before np.exp",
          "ko": "큰 로짓의 exp는 오버플로합니다: np.exp 전에 각 행의 최댓값을 빼세요"}),
        (lambda *a, **k: _ce_with(*a, **k, shift="all"),
         {"en": "subtract each row's own maximum (`logits.max(axis=1, keepdims=True)`), not the batch's",
          "ko": "배치 전체의 최댓값이 아니라 각 행 자신의 최댓값(`logits.max(axis=1, keepdims=True)`)을 빼세요"}),
        (lambda *a, **k: _ce_with(*a, **k, reduce=np.sum),
         {"en": "average over the batch: the mean, not the sum",
          "ko": "배치에 대해 평균하세요: 합이 아니라 평균입니다"}),
        (lambda *a, **k: _ce_with(*a, **k, spread="others"),
         {"en": "spread label_smoothing over all C classes, the true one included: (1 - eps) * one_hot + eps / C",
          "ko": "label_smoothing을 정답 클래스를 포함한 C개 클래스 전체에 나누세요: (1 - eps) * one_hot + eps / C"}),
        (lambda *a, **k: _ce_with(*a, **k, smooth=False),
         {"en": "label_smoothing changes the target: (1 - eps) * one_hot + eps / C",
          "ko": "label_smoothing은 타깃을 바꿉니다: (1 - eps) * one_hot + eps / C"}),
    ],
    hints=[
        {"en": "Work with log-probabilities: a log-softmax computed from logits shifted by each row's maximum never "
               "overflows. Then average, over the rows, the target-weighted sum of the log-probabilities.",
         "ko": "로그 확률로 계산하세요: 각 행의 최댓값만큼 옮긴 로짓으로 계산한 log-softmax는 결코 오버플로하지 "
               "않습니다. 그다음 로그 확률을 타깃으로 가중해 더한 값을 행들에 대해 평균하세요."},
        {"en": "`z = logits - logits.max(axis=1, keepdims=True)`, `log_p = z - np.log(np.exp(z).sum(axis=1, "
               "keepdims=True))`, shape (N, C). The smoothed target is label_smoothing / C everywhere, plus 1 - "
               "label_smoothing at each row's label.",
         "ko": "`z = logits - logits.max(axis=1, keepdims=True)`, `log_p = z - np.log(np.exp(z).sum(axis=1, "
               "keepdims=True))`, 모양은 (N, C)입니다. 스무딩한 타깃은 모든 칸이 label_smoothing / C이고, 각 행의 "
               "레이블 칸에는 1 - label_smoothing이 더해집니다."},
        {"en": "`target = np.full((n, c), label_smoothing / c)`, `target[np.arange(n), labels] += 1 - "
               "label_smoothing`, then `return float(-np.mean(np.sum(target * log_p, axis=1)))`.",
         "ko": "`target = np.full((n, c), label_smoothing / c)`, `target[np.arange(n), labels] += 1 - "
               "label_smoothing`, 그다음 `return float(-np.mean(np.sum(target * log_p, axis=1)))`."},
    ],
)


# --------------------------------------------------------------------------- 7. minibatch_sgd
def _mb_data(rng, n, d):
    X = np.c_[rng.normal(size=(n, d - 1)), np.ones(n)]  # a column of ones carries the bias
    return X, X @ rng.normal(size=d) + 0.1 * rng.normal(size=n)


def _mb_cases():
    r = _rng(307)
    return [
        case(tr("N=40, D=3, batches of 8, 3 epochs", "N=40, D=3, 크기 8인 배치, 3 에폭"), *_mb_data(r, 40, 3), 0.05, 8,
             3),
        case(tr("N=37, batches of 8 (the last batch has 5), momentum 0.9, 2 epochs",
                "N=37, 크기 8인 배치 (마지막 배치는 5개), momentum 0.9, 2 에폭"), *_mb_data(r, 37, 2), 0.02, 8, 2,
             momentum=0.9),
        case(tr("batches of 1 (pure SGD), N=10, 2 epochs", "크기 1인 배치 (순수한 SGD), N=10, 2 에폭"),
             *_mb_data(r, 10, 2), 0.05, 1, 2),
        case(tr("one batch larger than N (batch gradient descent), 4 epochs",
                "N보다 큰 배치 하나 (배치 경사 하강법), 4 에폭"), *_mb_data(r, 20, 3), 0.1, 64, 4),
        case(tr("N=30, batches of 7, momentum 0.5, seed 7, 4 epochs",
                "N=30, 크기 7인 배치, momentum 0.5, seed 7, 4 에폭"),
             *_mb_data(r, 30, 4), 0.05, 7, 4, momentum=0.5, seed=7),
        case(tr("a single epoch, momentum and seed left at their defaults", "에폭 하나, momentum과 seed는 기본값"),
             *_mb_data(r, 25, 2), 0.05, 10, 1),
    ]


def _mb_with(X, y, lr, batch_size, epochs, momentum=0.0, seed=0, shuffle=True, rng_per_epoch=False,
             divide_by="actual", drop_last=False, loss_before=False, reset_v=False, factor=2.0):
    n, d = X.shape
    rng = np.random.default_rng(seed)
    theta, v, losses = np.zeros(d), np.zeros(d), []
    for _ in range(epochs):
        if rng_per_epoch:
            rng = np.random.default_rng(seed)
        if reset_v:
            v = np.zeros(d)
        if loss_before:
            losses.append(np.mean((X @ theta - y) ** 2))
        order = rng.permutation(n) if shuffle else np.arange(n)
        for start in range(0, n, batch_size):
            idx = order[start : start + batch_size]
            if drop_last and len(idx) < batch_size:
                continue
            b = len(idx) if divide_by == "actual" else batch_size
            g = factor / b * X[idx].T @ (X[idx] @ theta - y[idx])
            v = momentum * v + g
            theta = theta - lr * v
        if not loss_before:
            losses.append(np.mean((X @ theta - y) ** 2))
    return theta, np.array(losses)


def _mb_mistake(**how):
    return lambda *args, **kwargs: _mb_with(*args, **kwargs, **how)


minibatch_sgd = CHAPTER.exercise(
    "minibatch_sgd",
    examples=[example(
        (np.array([1.5]), np.array([2.5, 0.625])),
        {"en": "the brief's example: X = [[1], [2]], y = [2, 4], lr = 0.1, batch_size = 2, epochs = 2",
         "ko": "문제 설명의 예: X = [[1], [2]], y = [2, 4], lr = 0.1, batch_size = 2, epochs = 2"},
        np.array([[1.0], [2.0]]), np.array([2.0, 4.0]), 0.1, 2, 2)],
    cases=_mb_cases,
    compare=named_parts("theta", "losses"),
    mistakes=[
        (_mb_mistake(shuffle=False),
         {"en": "shuffle: draw a new order `rng.permutation(N)` at the start of every epoch",
          "ko": "데이터를 섞으세요: 에폭이 시작될 때마다 새 순서 `rng.permutation(N)`을 뽑습니다"}),
        (_mb_mistake(rng_per_epoch=True),
         {"en": "make the generator once, before the first epoch: a generator made anew in every epoch draws the same "
                "order every time",
          "ko": "생성기는 첫 에폭 전에 한 번만 만드세요: 에폭마다 새로 만든 생성기는 매번 같은 순서를 뽑습니다"}),
        (_mb_mistake(divide_by="batch_size"),
         {"en": "the last batch can be shorter: average over len(idx), the examples really in the batch, not "
                "batch_size",
          "ko": "마지막 배치는 더 짧을 수 있습니다: batch_size가 아니라 배치에 실제로 든 예제 수 "
                "len(idx)로 평균하세요"}),
        (_mb_mistake(drop_last=True),
         {"en": "keep the last, shorter batch: every example is used once per epoch",
          "ko": "더 짧은 마지막 배치도 버리지 마세요: 모든 예제는 에폭마다 한 번씩 쓰입니다"}),
        (_mb_mistake(loss_before=True),
         {"en": "record the loss after each epoch's updates, not before them",
          "ko": "손실은 각 에폭의 업데이트 전이 아니라 업데이트 뒤에 기록하세요"}),
        (_mb_mistake(reset_v=True),
         {"en": "the velocity carries over from one epoch to the next: set it to zero once, before the first epoch",
          "ko": "속도는 한 에폭에서 다음 에폭으로 이어집니다: 첫 에폭 전에 한 번만 0으로 두세요"}),
        (_mb_mistake(factor=1.0),
         {"en": "the gradient of the mean of r**2 carries the factor 2: 2 / B * X_b.T @ r_b",
          "ko": "r**2 평균의 기울기에는 인수 2가 붙습니다: 2 / B * X_b.T @ r_b"}),
    ],
    hints=[
        {"en": "Three nested levels: epochs; inside each, a fresh random order of the N examples cut into consecutive "
               "batches; inside each batch, one gradient and one momentum update. After the batch loop, the MSE on all "
               "of X goes into the list of losses.",
         "ko": "세 겹으로 중첩됩니다: 에폭, 그 안에서 N개 예제의 새 무작위 순서를 연속된 배치로 자르기, 각 배치 안에서 "
               "기울기 한 번과 모멘텀 업데이트 한 번. 배치 루프가 끝나면 X 전체에 대한 MSE를 손실 목록에 넣습니다."},
        {"en": "`rng = np.random.default_rng(seed)` once; per epoch `order = rng.permutation(n)`; `for start in "
               "range(0, n, batch_size): idx = order[start:start + batch_size]`. The gradient of the batch is `2 / "
               "len(idx) * xb.T @ (xb @ theta - yb)`; build new arrays (theta = theta - ..., never in place).",
         "ko": "`rng = np.random.default_rng(seed)`는 한 번만, 에폭마다 `order = rng.permutation(n)`, `for start in "
               "range(0, n, batch_size): idx = order[start:start + batch_size]`. 배치의 기울기는 `2 / len(idx) * xb.T "
               "@ (xb @ theta - yb)`입니다. 새 배열을 만드세요(theta = theta - ..., 제자리 연산은 쓰지 않습니다)."},
        {"en": "In the batch loop: `g = 2 / len(idx) * xb.T @ (xb @ theta - yb)`, `v = momentum * v + g`, `theta = "
               "theta - lr * v`; after it `losses.append(np.mean((X @ theta - y) ** 2))`; finally `return theta, "
               "np.array(losses)`. `checks.minibatch_sgd.solution()` shows the rest.",
         "ko": "배치 루프 안에서: `g = 2 / len(idx) * xb.T @ (xb @ theta - yb)`, `v = momentum * v + g`, `theta = "
               "theta - lr * v`. 루프 뒤에 `losses.append(np.mean((X @ theta - y) ** 2))`. 마지막으로 `return theta, "
               "np.array(losses)`. 나머지는 `checks.minibatch_sgd.solution()`이 보여 줍니다."},
    ],
)
