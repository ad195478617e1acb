"""Exercises of chapter 04, training deep networks: ``checks.<name>.check(fn)``, ``.hint()``, ``.solution()``.

The reference answers are the chapter's ``solutions.py``; this module holds what is specific to each
exercise: its cases, the brief's worked example, classic mistakes and hints. The predict-first
questions are answered by the solution's value; the experiment ``choose_weight_decay`` is judged by
its outcome: the checker trains the small MLP of :func:`train_small_mlp` with the learner's weight
decay and says what validation loss it reached. ``train_small_mlp`` is exported for the notebook.
"""
from __future__ import annotations

import functools
import numbers

import numpy as np
import torch
from torch import nn

from common.checks import Chapter, Fail, call, case, example, named_parts, one_number, tr
from common.data import load_mnist5k

CHAPTER = Chapter("04_training_deep_nets")
__getattr__ = CHAPTER.legacy


def _rng(seed: int = 4) -> np.random.Generator:
    return np.random.default_rng(seed)


# --------------------------------------------------------------------------- 1. predict_initial_loss (predict)
predict_initial_loss = CHAPTER.predict(
    "predict_initial_loss",
    why={"en": "With every logit near 0 the softmax gives each class 1/10, so the loss is -log(1/10) = log 10 for "
               "every example. An initial loss far from log C is the first sign of a bug.",
         "ko": "로짓이 모두 0 근처이면 소프트맥스는 클래스마다 1/10을 주므로, 모든 샘플의 손실이 "
               "-log(1/10) = log 10입니다. 초기 손실이 log C와 크게 다르면 그것이 버그의 첫 신호입니다."},
    tolerance=0.02,
    hints=[
        {"en": "If all the logits are (nearly) equal, what probability does the softmax give the true class?",
         "ko": "로짓이 모두 (거의) 같다면 소프트맥스는 정답 클래스에 어떤 확률을 줄까요?"},
        {"en": "With 10 equal logits every class gets 1/10, and the cross-entropy of one example is -log of the true "
               "class's probability. Return that number (a float; 2 decimals are enough). "
               "`checks.predict_initial_loss.solution()` shows it.",
         "ko": "같은 로짓이 10개라면 모든 클래스가 1/10을 받고, 샘플 하나의 교차 엔트로피는 정답 클래스 확률의 "
               "-log입니다. 그 숫자를 반환하세요 (float, 소수점 아래 2자리면 충분합니다). "
               "`checks.predict_initial_loss.solution()`으로 볼 수 있습니다."},
    ],
)


# --------------------------------------------------------------------------- 2. early_stopping
def _early_cases():
    return [
        case("[1.0, 0.8, 0.7, 0.75, 0.72, 0.71, 0.9], patience 3", [1.0, 0.8, 0.7, 0.75, 0.72, 0.71, 0.9], 3),
        case({"en": "always improving: never stops", "ko": "계속 개선됨: 멈추지 않음"}, [2.0, 1.5, 1.2, 1.1, 1.05], 2),
        case({"en": "a single epoch", "ko": "에폭 하나"}, [0.5], 3),
        case({"en": "equal losses are no improvement: [1, 1, 1, 1], patience 2",
              "ko": "같은 손실은 개선이 아님: [1, 1, 1, 1], patience 2"}, [1.0, 1.0, 1.0, 1.0], 2),
        case({"en": "an improvement resets the count", "ko": "개선되면 센 에폭 수가 초기화됨"},
             [1.0, 0.9, 0.95, 0.96, 0.85, 0.9, 0.91, 0.92, 0.8], 3),
        case({"en": "the first epoch is the best: [0.5, 0.6, 0.7, 0.8], patience 2",
              "ko": "첫 에폭이 최고: [0.5, 0.6, 0.7, 0.8], patience 2"}, [0.5, 0.6, 0.7, 0.8], 2),
        case("patience 1", [1.0, 0.9, 0.91, 0.5], 1),
        case({"en": "patience longer than the run", "ko": "patience가 학습 길이보다 김"}, [1.0, 1.1, 1.2], 5),
        case({"en": "min_delta=0.015: improvements smaller than min_delta do not count",
              "ko": "min_delta=0.015: min_delta보다 작은 개선은 세지 않음"},
             [1.0, 0.99, 0.988, 0.99, 0.97, 0.975], 2, 0.015),
        case("min_delta=0.05, patience 2", [1.0, 0.9, 0.88, 0.8, 0.79, 0.78, 0.77], 2, 0.05),
    ]


def _early_with(val_losses, patience, min_delta=0.0, ties=False, reset=True, start=1, fixed_stop=False,
                late=False, delta_sign=-1.0):
    best, best_epoch, waited = float("inf"), 0, 0
    for epoch, loss in enumerate(val_losses, start=start):
        bar = best + delta_sign * min_delta
        if loss <= bar if ties else loss < bar:
            best, best_epoch, waited = loss, epoch, 0 if reset else waited
        else:
            waited += 1
            if waited > patience if late else waited >= patience:
                return epoch, best_epoch
    return (best_epoch + patience if fixed_stop else len(val_losses)), best_epoch


def _early_mistake(**how):
    return lambda *args, **kwargs: _early_with(*args, **kwargs, **how)


_EPOCHS = named_parts("stop_epoch", "best_epoch")


def _epochs_compare(expected, got, rtol, atol) -> str | None:
    """Both epochs right, and given as whole numbers (an epoch is an int, not a float)."""
    problem = _EPOCHS(expected, got, rtol, atol)
    if problem:
        return problem
    for name, value in zip(("stop_epoch", "best_epoch"), got):
        if not isinstance(value, numbers.Integral) or isinstance(value, (bool, np.bool_)):
            return tr(f"the {name} is an epoch number: return an int, not {type(value).__name__}",
                      f"{name}은(는) 에폭 번호입니다: {type(value).__name__}이(가) 아니라 int를 반환하세요")
    return None


early_stopping = CHAPTER.exercise(
    "early_stopping",
    examples=[example((6, 3), {"en": "the brief's example: [1.0, 0.8, 0.7, 0.75, 0.72, 0.71, 0.9], patience 3",
                               "ko": "문제 설명의 예: [1.0, 0.8, 0.7, 0.75, 0.72, 0.71, 0.9], patience 3"},
                      [1.0, 0.8, 0.7, 0.75, 0.72, 0.71, 0.9], 3)],
    cases=_early_cases,
    compare=_epochs_compare,
    mistakes=[
        (_early_mistake(reset=False), {"en": "an improvement resets the count of epochs waited to 0",
                                       "ko": "개선이 일어나면 기다린 에폭 수를 0으로 되돌립니다"}),
        (_early_mistake(start=0), {"en": "count epochs from 1: enumerate(val_losses, start=1)",
                                   "ko": "에폭은 1부터 셉니다: enumerate(val_losses, start=1)"}),
        (_early_mistake(late=True),
         {"en": "stop at the epoch that completes patience epochs without improvement: waited >= patience",
          "ko": "개선 없는 에폭이 patience개 채워지는 바로 그 에폭에서 멈추세요: waited >= patience"}),
        (_early_mistake(fixed_stop=True),
         {"en": "if the patience never runs out, training stops after the last epoch",
          "ko": "patience가 끝내 소진되지 않으면 학습은 마지막 에폭 뒤에 멈춥니다"}),
        (_early_mistake(delta_sign=1.0),
         {"en": "an improvement must beat the best by more than min_delta: loss < best - min_delta",
          "ko": "개선이 되려면 최고 기록보다 min_delta 넘게 나아져야 합니다: loss < best - min_delta"}),
        (lambda losses, patience, min_delta=0.0: _early_with(losses, patience),
         {"en": "an improvement must beat the best by more than min_delta",
          "ko": "개선이 되려면 최고 기록보다 min_delta 넘게 나아져야 합니다"}),
        (_early_mistake(ties=True), {"en": "an equal loss is not an improvement: compare with <, not <=",
                                     "ko": "같은 손실은 개선이 아닙니다: <=가 아니라 <로 비교하세요"}),
    ],
    hints=[
        {"en": "Replay the epochs one by one, remembering the best loss so far, its epoch, and how many epochs in a "
               "row have not improved on it.",
         "ko": "에폭을 하나씩 재현하면서 지금까지의 최저 손실, 그 에폭, 그리고 그 뒤로 몇 에폭 연속으로 개선되지 "
               "않았는지를 기억하세요."},
        {"en": "`for epoch, loss in enumerate(val_losses, start=1)`: if `loss < best - min_delta` the epoch improves "
               "(new best, best_epoch = epoch, count back to 0); otherwise the count grows, and when it reaches "
               "patience you stop at this epoch. Start with `best = float('inf')`.",
         "ko": "`for epoch, loss in enumerate(val_losses, start=1)`: `loss < best - min_delta`이면 그 에폭은 개선된 "
               "것입니다 (새 최고 기록, best_epoch = epoch, 센 수는 0으로). 아니면 센 수가 늘어나고, 그 수가 "
               "patience에 도달하면 이 에폭에서 멈춥니다. `best = float('inf')`로 시작하세요."},
        {"en": "In the loop: `if loss < best - min_delta: best, best_epoch, waited = loss, epoch, 0`, else "
               "`waited += 1` and `if waited >= patience: return epoch, best_epoch`; after the loop "
               "`return len(val_losses), best_epoch`.",
         "ko": "루프 안에서: `if loss < best - min_delta: best, best_epoch, waited = loss, epoch, 0`, 아니면 "
               "`waited += 1`과 `if waited >= patience: return epoch, best_epoch`. 루프가 끝나면 "
               "`return len(val_losses), best_epoch`."},
    ],
)


# --------------------------------------------------------------------------- 3. predict_smallest_gradient (predict)
predict_smallest_gradient = CHAPTER.predict(
    "predict_smallest_gradient",
    why={"en": "Each sigmoid on the way back multiplies the gradient by sigma'(z) <= 1/4, so it shrinks layer after "
               "layer: the first layer, farthest from the loss, gets the smallest (the vanishing gradient).",
         "ko": "거꾸로 돌아가는 길에 시그모이드를 하나 지날 때마다 기울기에 sigma'(z) <= 1/4가 곱해지므로 기울기는 "
               "층을 지날수록 줄어듭니다. 손실에서 가장 먼 첫 번째 층이 가장 작은 기울기를 받습니다 (기울기 소실)."},
    options={
        "a": {"en": "the first layer (784 -> 128, next to the input)", "ko": "첫 번째 층 (784 -> 128, 입력 바로 옆)"},
        "b": {"en": "a middle layer (the 4th or 5th)", "ko": "가운데 층 (4번째나 5번째)"},
        "c": {"en": "the output layer (128 -> 10, next to the loss)", "ko": "출력층 (128 -> 10, 손실 바로 옆)"},
        "d": {"en": "all nine are about the same size: Xavier initialisation keeps them equal",
              "ko": "아홉 개 모두 크기가 비슷함: 자비에 초기화가 크기를 같게 유지함"},
    },
    hints=[
        {"en": "Backpropagation multiplies the gradient by each layer's local derivative on its way from the loss to "
               "the input. How large can the derivative of the sigmoid be?",
         "ko": "역전파는 손실에서 입력으로 가는 길에 층마다 국소 도함수를 기울기에 곱합니다. 시그모이드의 도함수는 "
               "최대 얼마일까요?"},
        {"en": "sigma'(z) = sigma(z) (1 - sigma(z)) is at most 1/4, and the gradient passes through one sigmoid per "
               "layer on its way back. Which layer's gradient passed through the most of them? Answer 'a', 'b', 'c' "
               "or 'd'; `checks.predict_smallest_gradient.solution()` shows it.",
         "ko": "sigma'(z) = sigma(z) (1 - sigma(z))는 최대 1/4이고, 기울기는 거꾸로 돌아가며 층마다 시그모이드를 "
               "하나씩 지납니다. 어느 층의 기울기가 시그모이드를 가장 많이 지났을까요? 'a', 'b', 'c', 'd' 중 "
               "하나로 답하세요. `checks.predict_smallest_gradient.solution()`으로 볼 수 있습니다."},
    ],
)


# --------------------------------------------------------------------------- 4. fold_batchnorm
def _fold_args(rng, d_in, d_out, var_scale=1.0):
    return (rng.standard_normal((d_in, d_out)), rng.standard_normal(d_out), rng.uniform(0.5, 2.0, d_out),
            rng.standard_normal(d_out), rng.standard_normal(d_out), var_scale * rng.uniform(0.2, 3.0, d_out))


def _fold_cases():
    rng = _rng(41)
    return [
        case({"en": "W of shape (5, 3)", "ko": "모양이 (5, 3)인 W"}, *_fold_args(rng, 5, 3)),
        case({"en": "a square W of shape (4, 4) (rows and columns look alike)",
              "ko": "모양이 (4, 4)인 정사각 W (행과 열이 구별되지 않음)"}, *_fold_args(rng, 4, 4)),
        case({"en": "one output unit, W of shape (6, 1)", "ko": "출력 유닛 하나, 모양이 (6, 1)인 W"},
             *_fold_args(rng, 6, 1)),
        case("eps = 1e-3", *_fold_args(rng, 3, 5), eps=1e-3),
        case({"en": "tiny running variances of about 1e-6 (eps matters)",
              "ko": "약 1e-6의 아주 작은 이동 분산 (eps가 중요함)"}, *_fold_args(rng, 4, 3, var_scale=1e-6)),
        case({"en": "integer W and b", "ko": "정수 W와 b"}, rng.integers(-3, 4, (3, 2)), rng.integers(-3, 4, 2),
             *_fold_args(rng, 3, 2)[2:]),
    ]


def _fold_with(W, b, gamma, beta, running_mean, running_var, eps=1e-5, root=True, use_eps=True, mean_scaled=True,
               use_beta=True, rows=False):
    var = running_var + (eps if use_eps else 0.0)
    scale = gamma / (np.sqrt(var) if root else var)
    W_f = W * scale[:, None] if rows else W * scale
    b_f = (b - running_mean) * scale if mean_scaled else b * scale - running_mean
    return W_f, b_f + (beta if use_beta else 0.0)


def _fold_mistake(**how):
    return lambda *args, **kwargs: _fold_with(*args, **kwargs, **how)


fold_batchnorm = CHAPTER.exercise(
    "fold_batchnorm",
    examples=[example((np.array([[1.0, 4.0]]), np.array([-0.5, -1.0])),
                      {"en": "the brief's example (eps = 0)", "ko": "문제 설명의 예 (eps = 0)"},
                      np.array([[1.0, 2.0]]), np.array([0.0, 1.0]), np.array([2.0, 1.0]), np.array([0.5, -1.0]),
                      np.array([1.0, 1.0]), np.array([4.0, 0.25]), eps=0.0)],
    cases=_fold_cases,
    compare=named_parts("W_folded", "b_folded"),
    mistakes=[
        (_fold_mistake(rows=True),
         {"en": "each output unit, a column of W, has its own scale: W * scale scales the columns, scale[:, None] "
                "would scale the rows",
          "ko": "출력 유닛, 즉 W의 열마다 배율이 따로 있습니다: W * scale은 열의 크기를 바꾸고, scale[:, None]은 "
                "행의 크기를 바꿉니다"}),
        (_fold_mistake(root=False),
         {"en": "divide by the standard deviation sqrt(running_var + eps), not by the variance",
          "ko": "분산이 아니라 표준편차 sqrt(running_var + eps)로 나누세요"}),
        (_fold_mistake(use_eps=False),
         {"en": "inference-mode batch norm divides by sqrt(running_var + eps): keep eps",
          "ko": "추론 모드의 배치 정규화는 sqrt(running_var + eps)로 나눕니다: eps를 빼지 마세요"}),
        (_fold_mistake(mean_scaled=False),
         {"en": "the mean is subtracted before the scaling: (b - running_mean) * scale + beta",
          "ko": "평균은 배율을 곱하기 전에 뺍니다: (b - running_mean) * scale + beta"}),
        (_fold_mistake(use_beta=False),
         {"en": "batch norm shifts by beta last: add it to the folded bias",
          "ko": "배치 정규화는 마지막에 beta만큼 이동합니다: 합친 편향에 beta를 더하세요"}),
    ],
    hints=[
        {"en": "Write batch norm in inference mode as an affine map of its input z: (z - mean) * scale + beta with "
               "scale = gamma / sqrt(running_var + eps). Put z = x @ W + b into it and collect what multiplies x and "
               "what does not.",
         "ko": "추론 모드의 배치 정규화를 입력 z의 아핀 사상으로 쓰세요: scale = gamma / sqrt(running_var + eps)일 때 "
               "(z - mean) * scale + beta입니다. 여기에 z = x @ W + b를 넣고 x에 곱해지는 부분과 그렇지 않은 "
               "부분을 모으세요."},
        {"en": "The x-term is x @ W * scale: multiplying column j of W by scale[j] is `W * scale` (broadcasting over "
               "the rows). The rest is a constant per output unit built from b, running_mean, scale and beta.",
         "ko": "x가 들어간 항은 x @ W * scale입니다: W의 열 j에 scale[j]를 곱하는 것이 `W * scale`입니다 (행 "
               "방향으로 브로드캐스팅). 나머지는 b, running_mean, scale, beta로 만든, 출력 유닛마다 하나인 "
               "상수입니다."},
        {"en": "`scale = gamma / np.sqrt(running_var + eps)` and `return W * scale, (b - running_mean) * scale + "
               "beta`. `checks.fold_batchnorm.solution()` shows the whole answer.",
         "ko": "`scale = gamma / np.sqrt(running_var + eps)`, 그리고 `return W * scale, (b - running_mean) * scale + "
               "beta`. `checks.fold_batchnorm.solution()`이 답 전체를 보여 줍니다."},
    ],
)


# --------------------------------------------------------------------------- 5. choose_weight_decay (experiment)
SMALL_TRAIN, SMALL_EPOCHS, SMALL_HIDDEN = 300, 30, 128
VAL_LOSS_TARGET = 0.68


@functools.cache
def _small_mnist():
    X_train, y_train, _, _ = load_mnist5k(flatten=True)
    return (torch.as_tensor(X_train[:SMALL_TRAIN]), torch.as_tensor(y_train[:SMALL_TRAIN]),
            torch.as_tensor(X_train[3500:]), torch.as_tensor(y_train[3500:]))


def train_small_mlp(weight_decay: float, seed: int = 0) -> dict:
    """Train a 784-128-128-10 ReLU MLP on 300 MNIST digits: 30 epochs of SGD (lr 0.1, momentum 0.9, batches of 50).

    ``weight_decay`` goes to ``torch.optim.SGD`` (an L2 penalty). The run is seeded and leaves the global random
    state as it was. Returns ``{"train_loss", "val_loss", "val_acc"}`` after the last epoch, on the 300 training
    digits and on the 500 validation digits of the lesson. Runs are remembered: the same call twice trains once.
    """
    weight_decay = float(weight_decay)
    if not np.isfinite(weight_decay) or weight_decay < 0:
        raise ValueError(f"weight_decay must be a finite number >= 0, got {weight_decay}")
    return dict(_train_small_mlp(weight_decay, int(seed)))


@functools.cache
def _train_small_mlp(weight_decay: float, seed: int) -> dict:
    X, y, X_val, y_val = _small_mnist()
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = nn.Sequential(nn.Linear(784, SMALL_HIDDEN), nn.ReLU(), nn.Linear(SMALL_HIDDEN, SMALL_HIDDEN),
                              nn.ReLU(), nn.Linear(SMALL_HIDDEN, 10))
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=weight_decay)
        order = torch.Generator().manual_seed(seed)
        for _ in range(SMALL_EPOCHS):
            perm = torch.randperm(len(y), generator=order)
            for start in range(0, len(y), 50):
                idx = perm[start : start + 50]
                optimizer.zero_grad()
                nn.functional.cross_entropy(model(X[idx]), y[idx]).backward()
                optimizer.step()
        with torch.no_grad():
            logits = model(X_val)
            return {"train_loss": nn.functional.cross_entropy(model(X), y).item(),
                    "val_loss": nn.functional.cross_entropy(logits, y_val).item(),
                    "val_acc": (logits.argmax(dim=1) == y_val).float().mean().item()}


def _judge_weight_decay(fn) -> str:
    wd = one_number(call(fn, label=tr("your weight decay", "여러분의 가중치 감쇠")),
                    tr("weight decay", "가중치 감쇠"), inclusive=True)
    run = train_small_mlp(wd)
    reached = tr(f"your weight_decay {wd:g} ended at validation loss {run['val_loss']:.3f} after {SMALL_EPOCHS} "
                 f"epochs (training loss {run['train_loss']:.3f}, validation accuracy {run['val_acc']:.1%}); asked: "
                 f"below {VAL_LOSS_TARGET}",
                 f"여러분의 weight_decay = {wd:g}일 때 {SMALL_EPOCHS}에폭 후 검증 손실은 {run['val_loss']:.3f}입니다 "
                 f"(학습 손실 {run['train_loss']:.3f}, 검증 정확도 {run['val_acc']:.1%}). 목표: {VAL_LOSS_TARGET} 미만")
    if run["val_loss"] >= VAL_LOSS_TARGET:
        if run["train_loss"] < 0.05:
            why = tr("too little: the net still memorises the 300 digits (training loss near 0) and grows "
                     "overconfident on the validation digits",
                     "너무 작습니다: 신경망이 여전히 숫자 300개를 암기하고 (학습 손실이 0 근처) 검증용 숫자에 대해 "
                     "지나치게 확신하게 됩니다")
        elif run["train_loss"] > 0.15:
            why = tr("too much: the net cannot even fit the training digits (under-fitting)",
                     "너무 큽니다: 신경망이 학습용 숫자조차 맞추지 못합니다 (과소적합)")
        else:
            why = tr("close: try a value a little larger or smaller",
                     "거의 다 왔습니다: 조금 더 크거나 작은 값을 써 보세요")
        raise Fail(f"{reached} ({why})")
    return reached


choose_weight_decay = CHAPTER.exercise(
    "choose_weight_decay",
    judge=_judge_weight_decay,
    hints=[
        {"en": "Run `train_small_mlp(wd)` for a few values of wd spread over several orders of magnitude, including 0, "
               "and print the training and the validation loss of each.",
         "ko": "0을 포함해 여러 자릿수에 걸친 wd 값 몇 개로 `train_small_mlp(wd)`를 실행하고, 각각의 학습 손실과 "
               "검증 손실을 출력하세요."},
        {"en": "Values spaced by a factor of about 3 (0.001, 0.003, 0.01, ...) cover the range quickly. Too little "
               "decay leaves the training loss near 0 and the validation loss high; too much makes both high. Return "
               "the value with the lowest validation loss; `checks.choose_weight_decay.solution()` shows a sweep.",
         "ko": "약 3배 간격의 값 (0.001, 0.003, 0.01, ...)이면 범위를 빠르게 훑을 수 있습니다. 감쇠가 너무 작으면 "
               "학습 손실은 0 근처에 머물고 검증 손실은 높습니다. 너무 크면 둘 다 높습니다. 검증 손실이 가장 낮은 "
               "값을 반환하세요. `checks.choose_weight_decay.solution()`이 탐색 과정을 보여 줍니다."},
    ],
)


# --------------------------------------------------------------------------- 6. layernorm_backward
def _ln_cases():
    rng = _rng(46)

    def args(n, d, scale=2.0):
        return rng.standard_normal((n, d)), scale * rng.standard_normal((n, d)) + 1.0, rng.uniform(-1.5, 1.5, d)

    return [
        case({"en": "shapes (4, 6)", "ko": "모양 (4, 6)"}, *args(4, 6)),
        case({"en": "a batch of 1 row, shape (1, 5) (layer norm does not need a batch)",
              "ko": "행 하나짜리 배치, 모양 (1, 5) (층 정규화에는 배치가 필요 없음)"}, *args(1, 5)),
        case({"en": "two features, shape (8, 2)", "ko": "특징 두 개, 모양 (8, 2)"}, *args(8, 2)),
        case({"en": "a square x of shape (5, 5) (rows and columns look alike)",
              "ko": "모양이 (5, 5)인 정사각 x (행과 열이 구별되지 않음)"}, *args(5, 5)),
        case({"en": "shape (3, 7) with eps=1e-3", "ko": "모양 (3, 7), eps=1e-3"}, *args(3, 7), eps=1e-3),
        case({"en": "rows with tiny variance (std 0.003, so eps matters)",
              "ko": "분산이 아주 작은 행 (표준편차 0.003이라 eps가 중요함)"}, *args(6, 4, scale=0.003)),
    ]


def _ln_backward_with(dout, x, gamma, eps=1e-5, axis=1, stats_constant=False, gamma_in_dx=True, param_axis=0,
                      eps_inside=True):
    var = x.var(axis=axis, keepdims=True)
    s = 1.0 / (np.sqrt(var + eps) if eps_inside else np.sqrt(var) + eps)
    x_hat = (x - x.mean(axis=axis, keepdims=True)) * s
    g = dout * gamma if gamma_in_dx else dout
    dx = g * s if stats_constant else s * (g - g.mean(axis=axis, keepdims=True)
                                           - x_hat * (g * x_hat).mean(axis=axis, keepdims=True))
    return dx, (dout * x_hat).sum(axis=param_axis), dout.sum(axis=param_axis)


def _ln_mistake(**how):
    return lambda *args, **kwargs: _ln_backward_with(*args, **kwargs, **how)


layernorm_backward = CHAPTER.exercise(
    "layernorm_backward",
    examples=[example((np.zeros((2, 2)), np.array([1.0, -1.0]), np.array([-1.0, -1.0])),
                      {"en": "the brief's example (eps = 0)", "ko": "문제 설명의 예 (eps = 0)"},
                      np.array([[1.0, 1.0], [-2.0, -2.0]]), np.array([[1.0, 3.0], [0.0, 4.0]]), np.array([1.0, 1.0]),
                      eps=0.0)],
    cases=_ln_cases,
    compare=named_parts("dx", "dgamma", "dbeta"),
    mistakes=[
        (_ln_mistake(axis=0),
         {"en": "layer norm normalises each row over its features: take the means and the variance along axis=1 "
                "(keepdims=True), not over the batch",
          "ko": "층 정규화는 각 행을 그 행의 특징에 걸쳐 정규화합니다: 평균과 분산을 배치 방향이 아니라 axis=1 "
                "방향으로 구하세요 (keepdims=True)"}),
        (_ln_mistake(stats_constant=True),
         {"en": "the row's mean and variance depend on x too: dx = s * (g - mean(g) - x_hat * mean(g * x_hat)), means "
                "along each row",
          "ko": "행의 평균과 분산도 x에 의존합니다: dx = s * (g - mean(g) - x_hat * mean(g * x_hat)), 평균은 "
                "행마다 구합니다"}),
        (_ln_mistake(gamma_in_dx=False),
         {"en": "dx flows through y = gamma * x_hat + beta: use g = gamma * dout",
          "ko": "dx는 y = gamma * x_hat + beta를 거쳐 흐릅니다: g = gamma * dout을 쓰세요"}),
        (_ln_mistake(param_axis=1),
         {"en": "gamma and beta have one entry per feature: their gradients sum over the batch, axis 0",
          "ko": "gamma와 beta는 특징마다 원소가 하나입니다: 그 기울기는 배치 방향, 즉 axis 0으로 더합니다"}),
        (_ln_mistake(eps_inside=False), {"en": "eps goes inside the square root: s = 1 / sqrt(var + eps)",
                                         "ko": "eps는 제곱근 안에 들어갑니다: s = 1 / sqrt(var + eps)"}),
    ],
    hints=[
        {"en": "Batch norm and layer norm differ only in the axis of the statistics: batch norm normalises each column "
               "over the batch, layer norm each row over its features. Redo the lesson's backward pass with that in "
               "mind; gamma and beta still have one entry per feature.",
         "ko": "배치 정규화와 층 정규화는 통계를 구하는 축만 다릅니다: 배치 정규화는 각 열을 배치에 걸쳐, 층 "
               "정규화는 각 행을 그 행의 특징에 걸쳐 정규화합니다. 이 점을 생각하며 본문의 역전파를 다시 해 "
               "보세요. gamma와 beta는 여전히 특징마다 원소가 하나입니다."},
        {"en": "With `keepdims=True` the row statistics have shape (N, 1) and broadcast: s = 1 / sqrt(var + eps) and "
               "x_hat from x.mean(axis=1) and x.var(axis=1). dgamma and dbeta sum over axis 0. In dx, every batch "
               "mean of the lesson's formula becomes a mean along axis 1.",
         "ko": "`keepdims=True`를 쓰면 행 통계의 모양이 (N, 1)이 되어 브로드캐스팅됩니다: s = 1 / sqrt(var + eps)이고 "
               "x_hat은 x.mean(axis=1)과 x.var(axis=1)로 구합니다. dgamma와 dbeta는 axis 0으로 더합니다. dx에서는 "
               "본문 식의 배치 평균이 모두 axis 1 방향의 평균이 됩니다."},
        {"en": "`g = dout * gamma` and `dx = s * (g - g.mean(axis=1, keepdims=True) - x_hat * (g * x_hat).mean(axis=1, "
               "keepdims=True))`, then `return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)`. "
               "`checks.layernorm_backward.solution()` shows the whole answer.",
         "ko": "`g = dout * gamma`, `dx = s * (g - g.mean(axis=1, keepdims=True) - x_hat * (g * x_hat).mean(axis=1, "
               "keepdims=True))`, 그다음 `return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)`. "
               "`checks.layernorm_backward.solution()`이 답 전체를 보여 줍니다."},
    ],
)
