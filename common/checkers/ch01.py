"""Exercises of chapter 01, perceptron and MLP: ``checks.<name>.check(fn)``, ``.hint()``, ``.solution()``.

The reference answers are the chapter's ``solutions.py``; this module holds what is specific to each
exercise: its cases, the brief's worked example, classic mistakes and hints, the judges of the exercises
checked by their outcome (hand-picked weights, the learning-rate experiment), and two helpers the notebook
uses to let the learner see what happens: :func:`perceptron_run` and :func:`train_moons_mlp`.
"""
from __future__ import annotations

import itertools

import numpy as np
import torch

from common.checks import Chapter, Fail, call, cap, case, compare_values, example, named_parts, tr
from common.data import LOGIC_GATES, LOGIC_INPUTS, make_toy_2d
from common.np_layers import sigmoid

CHAPTER = Chapter("01_perceptron")
__getattr__ = CHAPTER.legacy


def _rng(seed: int = 1) -> np.random.Generator:
    return np.random.default_rng(seed)


def _numbers(value, what: str) -> np.ndarray:
    """``value`` as a float64 array, or a Fail that says what ``what`` should have been."""
    if value is None:
        raise Fail(tr(f"{what} is None: did you forget `return`?", f"{what}이(가) None입니다: `return`을 빠뜨렸나요?"))
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().double().numpy()
    kind = type(value).__name__
    if isinstance(value, (str, bytes, dict)):
        raise Fail(tr(f"{what} should be numbers, got {kind}", f"{what}은(는) 숫자여야 하는데 {kind}입니다"))
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise Fail(tr(f"{what} should be numbers, got {kind}", f"{what}은(는) 숫자여야 하는데 {kind}입니다")) from None
    if not np.all(np.isfinite(arr)):
        raise Fail(tr(f"{what} holds nan or inf", f"{what}에 nan이나 inf가 들어 있습니다"))
    return arr


def _shape(shape) -> str:
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


def _bits(x) -> str:
    return "(" + ", ".join(str(int(v)) for v in x) + ")"


def _step(z) -> np.ndarray:
    return (np.asarray(z) > 0).astype(np.int64)


# --------------------------------------------------------------------------- helpers for the notebook
def perceptron_run(X, t, lr, max_epochs=100):
    """The lesson's perceptron rule from zero weights: returns (w, b, mistakes made in each epoch)."""
    X = np.asarray(X, dtype=np.float64)
    w, b, mistakes = np.zeros(X.shape[1]), 0.0, []
    for _ in range(max_epochs):
        mistakes.append(0)
        for x, target in zip(X, t):
            y = int(x @ w + b > 0)
            w, b = w + lr * (target - y) * x, b + lr * (target - y)
            mistakes[-1] += int(y != target)
        if mistakes[-1] == 0:
            break
    return w, b, mistakes


_MOONS: dict = {}
MOONS_STEPS, MOONS_HIDDEN, MOONS_TARGET = 500, 4, 0.1


def _moons():
    if not _MOONS:
        X, y = make_toy_2d("moons", n=400, noise=0.2, seed=0)
        X_test, y_test = make_toy_2d("moons", n=400, noise=0.2, seed=1)
        _MOONS.update(X=X.astype(np.float64), t=y.reshape(-1, 1).astype(np.float64),
                      X_test=X_test.astype(np.float64), y_test=y_test)
    return _MOONS


def train_moons_mlp(lr, steps=MOONS_STEPS, hidden=MOONS_HIDDEN):
    """The lesson's 2-layer sigmoid MLP (weights N(0, 1) from seed 0) trained by full-batch gradient descent
    with learning rate ``lr`` on the 400 two-moons training points.

    Returns a dict: ``loss`` (the training BCE after the last step), ``losses`` (one per step, before it)
    and ``val_accuracy`` (on the lesson's 400 validation points, drawn with seed 1).
    """
    d = _moons()
    X, t = d["X"], d["t"]
    rng = np.random.default_rng(0)
    W1, b1 = rng.standard_normal((2, hidden)), np.zeros(hidden)
    W2, b2 = rng.standard_normal((hidden, 1)), np.zeros(1)

    def forward(inputs):
        H = sigmoid(inputs @ W1 + b1)
        return H, H @ W2 + b2

    def bce(Z):
        return float(np.mean(np.maximum(Z, 0) - t * Z + np.log1p(np.exp(-np.abs(Z)))))

    losses = []
    with np.errstate(all="ignore"):
        for _ in range(int(steps)):
            H, Z = forward(X)
            losses.append(bce(Z))
            dZ = (sigmoid(Z) - t) / len(X)
            dA1 = (dZ @ W2.T) * H * (1 - H)
            W1, b1 = W1 - lr * X.T @ dA1, b1 - lr * dA1.sum(axis=0)
            W2, b2 = W2 - lr * H.T @ dZ, b2 - lr * dZ.sum(axis=0)
        loss = bce(forward(X)[1])
        accuracy = float(((sigmoid(forward(d["X_test"])[1]).ravel() > 0.5) == d["y_test"]).mean())
    return {"loss": loss, "losses": losses, "val_accuracy": accuracy}


# --------------------------------------------------------------------------- 1. gate_weights (judged)
_GATES = {
    "NOR": (np.asarray(LOGIC_INPUTS, dtype=np.float64), 1 - LOGIC_GATES["OR"]),
    "A_AND_NOT_B": (np.asarray(LOGIC_INPUTS, dtype=np.float64), np.array([0, 0, 1, 0])),
    "MAJORITY": (np.array(list(itertools.product([0.0, 1.0], repeat=3))),
                 np.array([int(sum(bits) >= 2) for bits in itertools.product([0, 1], repeat=3)])),
}


def _judge_gate_weights(fn) -> str:
    got = call(fn, label=tr("your weights", "여러분의 가중치"))
    if got is None:
        raise Fail(tr("the result is None: did you forget `return`?", "결과가 None입니다: `return`을 빠뜨렸나요?"))
    if not isinstance(got, dict) or set(got) != set(_GATES):
        kind = f"keys {sorted(map(str, got))}" if isinstance(got, dict) else type(got).__name__
        kind_ko = f"키가 {sorted(map(str, got))}인 dict" if isinstance(got, dict) else type(got).__name__
        raise Fail(tr(f"return a dict with the keys {sorted(_GATES)}, each holding (w, b); got {kind}",
                      f"키가 {sorted(_GATES)}이고 키마다 (w, b)를 담은 dict를 반환하세요. 받은 것: {kind_ko}"))
    for name, (X, target) in _GATES.items():
        pair = got[name]
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise Fail(tr(f"{name}: give a pair (w, b), got {type(pair).__name__}",
                          f"{name}: (w, b) 한 쌍을 주세요. 받은 것: {type(pair).__name__}"))
        w = _numbers(pair[0], tr(f"{name}'s w", f"{name}의 w"))
        b = _numbers(pair[1], tr(f"{name}'s b", f"{name}의 b"))
        if w.shape != (X.shape[1],):
            raise Fail(tr(f"{name}: w should have one weight per input, shape {_shape((X.shape[1],))}; "
                          f"got {_shape(w.shape)}",
                          f"{name}: w에는 입력마다 가중치가 하나씩, 즉 모양 {_shape((X.shape[1],))}이어야 하는데 "
                          f"{_shape(w.shape)}입니다"))
        if b.size != 1:
            raise Fail(tr(f"{name}: b is one number, got shape {_shape(b.shape)}",
                          f"{name}: b는 숫자 하나여야 하는데 모양이 {_shape(b.shape)}입니다"))
        z = X @ w + float(b.reshape(()))
        out = _step(z)
        wrong = np.flatnonzero(out != target)
        if wrong.size:
            i = wrong[0]
            does = "fires (1)" if out[i] else "does not fire (0)"
            note = ": a sum of exactly 0 does not fire, step(0) = 0" if z[i] == 0 else ""
            does_ko = "발화하지만(1)" if out[i] else "발화하지 않지만(0)"
            note_ko = ": 합이 정확히 0이면 발화하지 않습니다, step(0) = 0" if z[i] == 0 else ""
            raise Fail(tr(f"{name} is wrong on {wrong.size} of {len(X)} inputs: for x = {_bits(X[i])} your perceptron "
                          f"{does}, {name} is {target[i]} (w . x + b = {z[i]:.3g}{note})",
                          f"{name}: 입력 {len(X)}개 중 {wrong.size}개에서 틀립니다. x = {_bits(X[i])}에서 여러분의 "
                          f"퍼셉트론은 {does_ko} {name}의 정답은 {target[i]}입니다 (w . x + b = {z[i]:.3g}{note_ko})"))
    return {"en": "all three gates are right on every input: NOR, A_AND_NOT_B (4 rows each) and MAJORITY (8 rows)",
            "ko": "세 게이트 모두 모든 입력에서 맞습니다: NOR, A_AND_NOT_B(각 4행), MAJORITY(8행)"}


gate_weights = CHAPTER.exercise(
    "gate_weights",
    judge=_judge_gate_weights,
    hints=[
        {"en": "Each gate is a line (for MAJORITY, a plane) with the firing inputs on its positive side. Write down "
               "the inequality each input must satisfy, as the lesson did for XOR, and find numbers that satisfy all "
               "of them.",
         "ko": "게이트마다 발화하는 입력을 양의 쪽에 두는 직선(MAJORITY는 평면)이 하나씩 있습니다. 본문에서 XOR에 "
               "했던 것처럼 입력마다 만족해야 할 부등식을 적고, 그 부등식을 모두 만족하는 숫자를 찾으세요."},
        {"en": "NOR is NOT OR: flip every sign of an OR perceptron. For A_AND_NOT_B, x1 must push towards firing and "
               "x2 against it. For MAJORITY, equal weights: the sum counts the inputs that are on, and b sets how "
               "many are needed (aim between one and two).",
         "ko": "NOR는 NOT OR입니다: OR 퍼셉트론의 부호를 모두 뒤집으세요. A_AND_NOT_B에서는 x1이 발화 쪽으로, x2가 "
               "그 반대쪽으로 밀어야 합니다. MAJORITY는 가중치를 모두 같게 하세요: 합은 켜진 입력의 개수를 세고, "
               "b는 몇 개가 켜져야 하는지를 정합니다(하나와 둘 사이를 노리세요)."},
        {"en": "NOR: OR's weights and bias times -1. A_AND_NOT_B: w = (+a, -a) with a bias that only (1, 0) "
               "overcomes. MAJORITY: w = (a, a, a) and -2a < b < -a.",
         "ko": "NOR: OR의 가중치와 편향에 -1을 곱합니다. A_AND_NOT_B: w = (+a, -a)에, (1, 0)만 넘을 수 있는 편향. "
               "MAJORITY: w = (a, a, a)이고 -2a < b < -a."},
    ],
)


# --------------------------------------------------------------------------- 2. predict_learning_rate
predict_learning_rate = CHAPTER.predict(
    "predict_learning_rate",
    why={"en": "From zero weights every update adds +-eta x, so w and b stay eta times those of the eta = 1 run. "
               "Scaling both by eta > 0 keeps the sign of w . x + b, all that the step looks at: same mistakes, "
               "same epochs.",
         "ko": "가중치 0에서 출발하면 업데이트마다 +-eta x를 더하므로, w와 b는 언제나 eta = 1 실행의 eta배입니다. "
               "둘에 같은 eta > 0을 곱해도 w . x + b의 부호는 그대로이고, 계단 함수가 보는 것은 그 부호뿐입니다. "
               "그래서 실수도 같고 에폭 수도 같습니다."},
    options={"a": {"en": "fewer epochs: bigger steps get there sooner",
                   "ko": "에폭이 줄어든다: 보폭이 크면 더 빨리 도달한다"},
             "b": {"en": "the same 6 epochs, with every weight 10 times larger",
                   "ko": "똑같이 6 에폭이 걸리고, 모든 가중치가 10배 커진다"},
             "c": {"en": "more epochs: the big steps overshoot",
                   "ko": "에폭이 늘어난다: 큰 보폭이 목표를 지나쳐 버린다"},
             "d": {"en": "it never converges", "ko": "끝내 수렴하지 않는다"}},
    hints=[
        {"en": "Write the weights after the first two updates of each run: what do they have in common?",
         "ko": "두 실행 각각에서 처음 두 번 업데이트한 뒤의 가중치를 적어 보세요. 어떤 공통점이 있나요?"},
        {"en": "Starting from zero, every weight is a sum of terms +-eta x. What does multiplying w and b by the same "
               "positive number do to the sign of w . x + b, which is all the step function looks at?",
         "ko": "0에서 출발하면 모든 가중치는 +-eta x 항들의 합입니다. w와 b에 같은 양수를 곱하면 w . x + b의 "
               "부호는 어떻게 될까요? 계단 함수가 보는 것은 그 부호뿐입니다."},
    ],
)


# --------------------------------------------------------------------------- 3. pocket_perceptron
def _pocket_with(X, t, lr, epochs, step=lambda s: s > 0, better=lambda e, best: e < best, per_update=True,
                 last=False, alias=False):
    """The pocket algorithm with one classic mistake switched on (for the mistakes' hints)."""
    X, t = np.asarray(X, dtype=np.float64), np.asarray(t)

    def errors(w, b):
        return int(np.sum(step(X @ w + b).astype(int) != t))

    w, b = np.zeros(X.shape[1]), 0.0
    best = (w, b, errors(w, b))
    for _ in range(epochs):
        mistakes = 0
        for x, target in zip(X, t):
            y = int(step(x @ w + b))
            if y == target:
                continue
            mistakes += 1
            if alias:
                w += lr * (target - y) * x  # changes the pocketed array too
            else:
                w = w + lr * (target - y) * x
            b = b + lr * (target - y)
            if per_update and better(errors(w, b), best[2]):
                best = (w, b, errors(w, b))
        if not per_update and better(errors(w, b), best[2]):
            best = (w, b, errors(w, b))
        if mistakes == 0:
            break
    return (w, b, errors(w, b)) if last else best


def _blobs(n, seed, spread):
    rng = np.random.default_rng(seed)
    t = np.arange(n) % 2
    X = np.where(t[:, None] == 1, 1.0, -1.0) * np.array([1.0, 0.5]) + spread * rng.standard_normal((n, 2))
    return np.round(X, 2), t


def _pocket_cases():
    rng = _rng()
    w_true = np.array([1.0, -2.0, 0.5])
    X_sep = np.round(rng.uniform(-1, 1, (20, 3)), 2)
    X_sep = X_sep[np.abs(X_sep @ w_true + 0.3) > 0.2]  # a margin, so that the rule converges quickly
    return [
        case({"en": "30 overlapping points in 2-D (not separable), lr 0.5, 20 epochs",
              "ko": "2차원에서 겹치는 점 30개(분리 불가능), lr 0.5, 20 에폭"}, *_blobs(30, 3, 0.9), 0.5, 20),
        case({"en": "XOR: the zero start is as good as any weights the rule visits",
              "ko": "XOR: 0에서 시작한 가중치가 규칙이 거쳐 가는 어떤 가중치에도 뒤지지 않음"}, LOGIC_INPUTS.copy(),
             LOGIC_GATES["XOR"].copy(), 0.1, 10),
        case({"en": "40 overlapping points in 2-D, lr 1, 3 epochs", "ko": "2차원에서 겹치는 점 40개, lr 1, 3 에폭"},
             *_blobs(40, 7, 1.0), 1.0, 3),
        case({"en": "separable points in 3-D, lr 1, 50 epochs: the pocket makes no errors",
              "ko": "3차원에서 분리 가능한 점들, lr 1, 50 에폭: 주머니 속 가중치의 오류는 0"}, X_sep,
             (X_sep @ w_true + 0.3 > 0).astype(np.int64), 1.0, 50),
        case({"en": "NAND with integer inputs, lr 1, 10 epochs", "ko": "정수 입력의 NAND, lr 1, 10 에폭"},
             LOGIC_INPUTS.astype(np.int64), LOGIC_GATES["NAND"].copy(), 1.0, 10),
    ]


pocket_perceptron = CHAPTER.exercise(
    "pocket_perceptron",
    examples=[example((np.array([0.2, 0.1]), -0.2, 0),
                      {"en": "the brief's AND example: it converges, so the pocket holds the final weights",
                       "ko": "문제 설명의 AND 예: 규칙이 수렴하므로 주머니에는 최종 가중치가 들어 있음"},
                      LOGIC_INPUTS, LOGIC_GATES["AND"], 0.1, 10)],
    cases=_pocket_cases,
    compare=lambda expected, got, rtol=1e-5, atol=1e-7: _compare_pocket(expected, got, rtol, atol),
    mistakes=[
        (lambda *a: _pocket_with(*a, alias=True),
         {"en": "the pocket holds the same array as w: `w += ...` changes both. Build a new array (w = w + ...) "
                "or pocket a copy (w.copy())",
          "ko": "주머니가 w와 같은 배열을 들고 있어서 `w += ...`가 둘 다 바꿉니다. 새 배열을 만들거나"
                "(w = w + ...) 사본을 주머니에 넣으세요(w.copy())"}),
        (lambda *a: _pocket_with(*a, last=True),
         {"en": "return the pocketed weights, not the last ones the rule reached",
          "ko": "규칙이 마지막에 도달한 가중치가 아니라 주머니 속 가중치를 반환하세요"}),
        (lambda *a: _pocket_with(*a, better=lambda e, best: e <= best),
         {"en": "pocket only strictly better weights (fewer errors, not as few): the first best ones stay",
          "ko": "엄격하게 더 좋은 가중치만 주머니에 넣으세요(오류가 같으면 안 되고 더 적어야 합니다): 처음 찾은 "
                "최선의 가중치가 남아야 합니다"}),
        (lambda *a: _pocket_with(*a, per_update=False),
         {"en": "count the errors after every update, not once per epoch: the best weights can appear mid-epoch",
          "ko": "에폭마다 한 번이 아니라 업데이트할 때마다 오류를 세세요: 최선의 가중치는 에폭 중간에 나올 수 "
                "있습니다"}),
        (lambda *a: _pocket_with(*a, step=lambda s: s >= 0),
         {"en": "a sum of exactly 0 gives 0: compare with > 0", "ko": "합이 정확히 0이면 0입니다: > 0으로 비교하세요"}),
    ],
    hints=[
        {"en": "Start from the lesson's training loop: zero weights, rows in order, the rule w + lr (t - y) x. Add a "
               "pocket (best w, best b, their error count) that starts with the zero weights, and update it only "
               "when the rule changes the weights and the new ones make strictly fewer errors on all of X.",
         "ko": "본문의 학습 루프에서 시작하세요: 가중치 0, 행은 차례대로, 규칙은 w + lr (t - y) x. 여기에 가중치 "
               "0으로 시작하는 주머니(최선의 w, 최선의 b, 그 오류 개수)를 더하고, 규칙이 가중치를 바꾸었고 새 "
               "가중치가 X 전체에서 엄격하게 더 적은 오류를 낼 때만 주머니를 갱신하세요."},
        {"en": "A helper `errors(w, b) = int(np.sum((X @ w + b > 0) != t))` counts mistakes on the whole set. Inside "
               "the loop, skip rows the weights already get right; after an update, compare errors(w, b) with the "
               "pocket's. Stop when an epoch needs no update.",
         "ko": "도우미 함수 `errors(w, b) = int(np.sum((X @ w + b > 0) != t))`는 전체 데이터에서 틀린 개수를 "
               "셉니다. 루프 안에서는 이미 맞히는 행을 건너뛰고, 업데이트한 뒤에는 errors(w, b)를 주머니의 오류 "
               "개수와 비교하세요. 업데이트가 필요 없는 에폭이 나오면 멈춥니다."},
        {"en": "`w = w + lr * (t_i - y) * x` makes a new array, so `best = (w, b, e)` is safe; `w += ...` would "
               "change the pocketed array too. Return `best`.",
         "ko": "`w = w + lr * (t_i - y) * x`는 새 배열을 만들므로 `best = (w, b, e)`는 안전합니다. `w += ...`였다면 "
               "주머니 속 배열까지 바뀌었을 것입니다. `best`를 반환하세요."},
    ],
)


def _compare_pocket(expected, got, rtol=1e-5, atol=1e-7) -> str | None:
    problem = named_parts("w", "b", "errors")(expected, got, rtol, atol)
    if problem is None and not isinstance(got[2], (int, np.integer)):
        return tr(f"errors counts inputs: return an int, not {type(got[2]).__name__}",
                  f"errors는 입력의 개수를 셉니다: {type(got[2]).__name__}이(가) 아니라 int를 반환하세요")
    return problem


# --------------------------------------------------------------------------- 4. parity3_weights (judged)
_CUBE = np.array(list(itertools.product([0.0, 1.0], repeat=3)))
_PARITY = (_CUBE.sum(axis=1) % 2).astype(np.int64)


def _judge_parity3(fn) -> str:
    got = call(fn, label=tr("your weights", "여러분의 가중치"))
    if got is None:
        raise Fail(tr("the result is None: did you forget `return`?", "결과가 None입니다: `return`을 빠뜨렸나요?"))
    if not isinstance(got, (tuple, list)) or len(got) != 4:
        kind = f"a {len(got)}-item {type(got).__name__}" if isinstance(got, (tuple, list)) else type(got).__name__
        kind_ko = (f"항목 {len(got)}개인 {type(got).__name__}" if isinstance(got, (tuple, list))
                   else type(got).__name__)
        raise Fail(tr(f"return a tuple (W1, b1, w2, b2), got {kind}",
                      f"튜플 (W1, b1, w2, b2)를 반환하세요. 받은 것: {kind_ko}"))
    W1, b1, w2, b2 = (_numbers(v, name) for v, name in zip(got, ("W1", "b1", "w2", "b2")))
    if W1.ndim != 2 or W1.shape[0] != 3:
        raise Fail(tr(f"W1 takes the 3 inputs to your hidden units: shape (3, H), got {_shape(W1.shape)}",
                      f"W1은 입력 3개를 은닉 유닛으로 보냅니다: 모양이 (3, H)여야 하는데 {_shape(W1.shape)}입니다"))
    hidden = W1.shape[1]
    if b1.shape != (hidden,):
        raise Fail(tr(f"b1 has one bias per hidden unit: shape {_shape((hidden,))}, got {_shape(b1.shape)}",
                      f"b1에는 은닉 유닛마다 편향이 하나씩 있습니다: 모양이 {_shape((hidden,))}여야 하는데 "
                      f"{_shape(b1.shape)}입니다"))
    if w2.shape != (hidden,):
        raise Fail(tr(f"w2 has one weight per hidden unit: shape {_shape((hidden,))}, got {_shape(w2.shape)}",
                      f"w2에는 은닉 유닛마다 가중치가 하나씩 있습니다: 모양이 {_shape((hidden,))}여야 하는데 "
                      f"{_shape(w2.shape)}입니다"))
    if b2.size != 1:
        raise Fail(tr(f"b2 is one number, got shape {_shape(b2.shape)}",
                      f"b2는 숫자 하나여야 하는데 모양이 {_shape(b2.shape)}입니다"))
    hidden_out = _step(_CUBE @ W1 + b1)
    out = _step(hidden_out @ w2 + float(b2.reshape(())))
    wrong = np.flatnonzero(out != _PARITY)
    if wrong.size:
        i = wrong[0]
        on = int(_CUBE[i].sum())
        raise Fail(tr(f"wrong on {wrong.size} of 8 inputs: for x = {_bits(_CUBE[i])} ({on} input{'s' * (on != 1)} on) "
                      f"your hidden layer gives {_bits(hidden_out[i])} and the output {out[i]}; the parity is "
                      f"{_PARITY[i]}",
                      f"입력 8개 중 {wrong.size}개에서 틀립니다: x = {_bits(_CUBE[i])}(켜진 입력 {on}개)에서 여러분의 "
                      f"은닉층 출력은 {_bits(hidden_out[i])}, 최종 출력은 {out[i]}인데 패리티는 {_PARITY[i]}입니다"))
    return tr(f"right on all 8 inputs, with {hidden} hidden unit{'s' * (hidden != 1)}",
              f"은닉 유닛 {hidden}개로 입력 8개 모두에서 맞습니다")


parity3_weights = CHAPTER.exercise(
    "parity3_weights",
    judge=_judge_parity3,
    hints=[
        {"en": "The parity depends only on how many inputs are on (0, 1, 2 or 3), and that count is x . (1, 1, 1). "
               "A step unit with weights (1, 1, 1) can answer 'are at least k inputs on?' for any k you choose.",
         "ko": "패리티는 켜진 입력의 개수(0, 1, 2, 3)에만 달려 있고, 그 개수는 x . (1, 1, 1)입니다. 가중치가 "
               "(1, 1, 1)인 계단 유닛은 여러분이 고른 어떤 k에 대해서든 '켜진 입력이 k개 이상인가?'에 답할 수 "
               "있습니다."},
        {"en": "Use three hidden units that answer 'at least 1 on?', 'at least 2?', 'at least 3?' (biases between "
               "the counts). For each count 0..3, write the hidden outputs, then find output weights (+1 or -1) and "
               "a bias that give 0, 1, 0, 1.",
         "ko": "'1개 이상 켜졌나?', '2개 이상?', '3개 이상?'에 답하는 은닉 유닛 세 개를 쓰세요(편향은 개수와 개수 "
               "사이에). 개수 0..3마다 은닉 출력을 적은 다음, 0, 1, 0, 1을 내는 출력 가중치(+1 또는 -1)와 편향을 "
               "찾으세요."},
        {"en": "W1 = np.ones((3, 3)), b1 puts each threshold halfway between two counts; the output is "
               "h1 - h2 + h3 minus a half.",
         "ko": "W1 = np.ones((3, 3))이고, b1은 각 임계값을 두 개수의 한가운데에 둡니다. 출력은 h1 - h2 + h3에서 "
               "0.5를 뺀 값입니다."},
    ],
)


# --------------------------------------------------------------------------- 5. mlp_backward_mse
def _backward_with(X, t, W1, b1, W2, b2, dz=None, hidden_slope=True, mean=True):
    N = len(X) if mean else 1
    H = sigmoid(X @ W1 + b1)
    p = sigmoid(H @ W2 + b2)
    dZ = dz(p, t, N) if dz else 2 * (p - t) / N * p * (1 - p)
    dH = dZ @ W2.T
    dA1 = dH * H * (1 - H) if hidden_slope else dH
    return {"W1": X.T @ dA1, "b1": dA1.sum(axis=0), "W2": H.T @ dZ, "b2": dZ.sum(axis=0)}


def _mlp_case(label: dict, n, d, h, rng, scale=1.0):
    return case(label, rng.standard_normal((n, d)), rng.integers(0, 2, (n, 1)).astype(np.float64),
                scale * rng.standard_normal((d, h)), rng.standard_normal(h), scale * rng.standard_normal((h, 1)),
                rng.standard_normal(1))


def _mlp_cases():
    rng = _rng()
    return [
        _mlp_case({"en": "batch of 6, 3 inputs, 5 hidden units", "ko": "배치 6, 입력 3개, 은닉 유닛 5개"},
                  6, 3, 5, rng),
        _mlp_case({"en": "a batch of one, 2 inputs, 4 hidden units", "ko": "배치 1, 입력 2개, 은닉 유닛 4개"},
                  1, 2, 4, rng),
        _mlp_case({"en": "batch of 8, 2 inputs, 3 hidden units, large weights (saturated sigmoids)",
                   "ko": "배치 8, 입력 2개, 은닉 유닛 3개, 큰 가중치(포화된 시그모이드)"}, 8, 2, 3, rng, 4.0),
    ]


_Z = np.zeros
mlp_backward_mse = CHAPTER.exercise(
    "mlp_backward_mse",
    examples=[example({"W1": _Z((2, 2)), "b1": _Z(2), "W2": np.full((2, 1), -0.125), "b2": np.array([-0.25])},
                      {"en": "the brief's example: every weight and bias 0, x = [[1, 2]], t = [[1]]",
                       "ko": "문제 설명의 예: 가중치와 편향이 모두 0, x = [[1, 2]], t = [[1]]"},
                      np.array([[1.0, 2.0]]), np.array([[1.0]]), _Z((2, 2)), _Z(2), _Z((2, 1)), _Z(1))],
    cases=_mlp_cases,
    what="gradient",
    # the default comparison, with "gradient" in the learner's language (chosen when the check runs)
    compare=lambda expected, got, rtol=1e-5, atol=1e-7: compare_values(expected, got, rtol, atol,
                                                                       tr("gradient", "기울기")),
    mistakes=[
        (lambda *a: _backward_with(*a, dz=lambda p, t, N: (p - t) / N),
         {"en": "(p - t) / N is the cross-entropy shortcut; for the squared error dL/dp = 2 (p - t) / N, times the "
                "sigmoid's slope p (1 - p)",
          "ko": "(p - t) / N은 교차 엔트로피에서만 통하는 지름길입니다. 제곱 오차에서는 dL/dp = 2 (p - t) / N이고, "
                "여기에 시그모이드의 기울기 p (1 - p)를 곱해야 합니다"}),
        (lambda *a: _backward_with(*a, dz=lambda p, t, N: (p - t) / N * p * (1 - p)),
         {"en": "the derivative of (p - t)^2 is 2 (p - t): keep the 2",
          "ko": "(p - t)^2의 도함수는 2 (p - t)입니다: 2를 빠뜨리지 마세요"}),
        (lambda *a: _backward_with(*a, dz=lambda p, t, N: 2 * (p - t) / N),
         {"en": "go back through the output sigmoid too: multiply dL/dp by p (1 - p)",
          "ko": "출력 시그모이드도 거슬러 지나가야 합니다: dL/dp에 p (1 - p)를 곱하세요"}),
        (lambda *a: _backward_with(*a, mean=False),
         {"en": "L is a mean over the batch: divide by N", "ko": "L은 배치에 대한 평균입니다: N으로 나누세요"}),
        (lambda *a: _backward_with(*a, hidden_slope=False),
         {"en": "go back through the hidden sigmoid: multiply dH by H (1 - H)",
          "ko": "은닉 시그모이드를 거슬러 지나가야 합니다: dH에 H (1 - H)를 곱하세요"}),
    ],
    hints=[
        {"en": "Run the forward pass and keep H and p. Then go backwards one operation at a time: the mean of "
               "squares, the output sigmoid, the second Affine, the hidden sigmoid, the first Affine. Each gradient "
               "has the shape of what it is the gradient of.",
         "ko": "순전파를 실행하고 H와 p를 저장해 두세요. 그런 다음 연산을 하나씩 거슬러 올라갑니다: 제곱의 평균, "
               "출력 시그모이드, 두 번째 Affine, 은닉 시그모이드, 첫 번째 Affine. 각 기울기는 미분하는 대상과 "
               "모양이 같습니다."},
        {"en": "dL/dp is the derivative of a mean of squares (mind the factor 2 and the 1/N); the output sigmoid "
               "multiplies it by its slope, which you can write with p alone: that is dZ. From dZ on it is the "
               "lesson's backward pass: dW2 = H^T dZ, db2 sums dZ over the batch, dH = dZ W2^T, dA1 = dH H (1 - H).",
         "ko": "dL/dp는 제곱의 평균의 도함수입니다(인수 2와 1/N에 주의하세요). 출력 시그모이드는 여기에 자신의 "
               "기울기를 곱하는데, 이 기울기는 p만으로 쓸 수 있습니다. 그것이 dZ입니다. dZ부터는 본문의 역전파와 "
               "같습니다: dW2 = H^T dZ, db2는 dZ를 배치에 걸쳐 합한 것, dH = dZ W2^T, dA1 = dH H (1 - H)."},
        {"en": "`dZ = 2 * (p - t) / N * p * (1 - p)`, then dW1 = X^T dA1 and db1 = dA1.sum(axis=0); return the four "
               "in a dict.",
         "ko": "`dZ = 2 * (p - t) / N * p * (1 - p)`, 그다음 dW1 = X^T dA1, db1 = dA1.sum(axis=0)입니다. 네 개를 "
               "dict에 담아 반환하세요."},
    ],
)


# --------------------------------------------------------------------------- 6. predict_saturated_gradient
predict_saturated_gradient = CHAPTER.predict(
    "predict_saturated_gradient",
    why={"en": "Cross-entropy: dL/dZ = p - t, about 1. Squared error: dL/dZ = 2 (p - t) p (1 - p), about 0.002: "
               "the sigmoid's flat tail all but erases the push from the network's most confident mistake.",
         "ko": "교차 엔트로피: dL/dZ = p - t, 약 1. 제곱 오차: dL/dZ = 2 (p - t) p (1 - p), 약 0.002. 시그모이드의 "
               "평평한 꼬리가, 신경망이 가장 확신하며 저지른 실수에서 나오는 힘을 거의 지워 버립니다."},
    options={"a": {"en": "the squared error (p - t)^2", "ko": "제곱 오차 (p - t)^2"},
             "b": {"en": "the cross-entropy -log(1 - p)", "ko": "교차 엔트로피 -log(1 - p)"},
             "c": {"en": "about the same: both measure the same mistake",
                   "ko": "거의 같다: 둘 다 같은 실수를 잰다"}},
    hints=[
        {"en": "Both gradients pass through the output sigmoid, whose slope p (1 - p) is tiny at p = 0.999. Does "
               "each loss keep that small factor, or cancel it?",
         "ko": "두 기울기 모두 출력 시그모이드를 지나는데, 그 기울기 p (1 - p)는 p = 0.999에서 아주 작습니다. "
               "각 손실은 이 작은 인수를 그대로 남길까요, 상쇄할까요?"},
        {"en": "Your mlp_backward_mse has dZ for the squared error; the lesson gives dZ = p - t for the "
               "cross-entropy. Put p = 0.999, t = 0 into both.",
         "ko": "여러분의 mlp_backward_mse에 제곱 오차의 dZ가 있고, 본문에는 교차 엔트로피의 dZ = p - t가 "
               "있습니다. 둘 다에 p = 0.999, t = 0을 넣어 보세요."},
    ],
)


# --------------------------------------------------------------------------- 7. moons_learning_rate (experiment)
def _judge_moons_learning_rate(fn) -> str:
    lr = call(fn, label=tr("your learning rate", "여러분의 학습률"))
    if lr is None:
        raise Fail(tr("the result is None: did you forget `return`?", "결과가 None입니다: `return`을 빠뜨렸나요?"))
    value = None if isinstance(lr, (bool, np.bool_, str, bytes)) else _numbers_or_fail(lr)
    if value is None or value.size != 1:
        raise Fail(_not_one_rate(lr))
    lr = float(value.reshape(()))
    if lr <= 0:
        raise Fail(tr(f"your learning rate {lr:.3g} is not positive: gradient descent steps against the gradient, "
                      "theta - lr * grad, with lr > 0",
                      f"학습률 {lr:.3g}은(는) 양수가 아닙니다: 경사 하강법은 기울기의 반대 방향으로 움직입니다"
                      "(theta - lr * grad, lr > 0)"))
    run = train_moons_mlp(lr)
    loss, losses = run["loss"], np.asarray(run["losses"])
    shown = f"{loss:.3f}" if abs(loss) < 1e3 else f"{loss:.3g}"
    reached = tr(f"your learning rate {lr:.3g} reached a training loss of {shown} after {MOONS_STEPS} steps "
                 f"(validation accuracy {run['val_accuracy']:.1%}); asked: below {MOONS_TARGET}",
                 f"학습률 {lr:.3g}에서 {MOONS_STEPS} 스텝 뒤 학습 손실 {shown}에 도달했습니다"
                 f"(검증 정확도 {run['val_accuracy']:.1%}). 목표: {MOONS_TARGET} 미만")
    if np.isfinite(loss) and loss < MOONS_TARGET:
        return reached
    with np.errstate(invalid="ignore"):
        rises = int(np.sum(np.diff(losses) > 1e-9))
    if not np.isfinite(loss) or rises > 20:
        raise Fail(tr(f"{reached}. The loss went up at {rises} of the {MOONS_STEPS} steps: the steps overshoot, "
                      "this learning rate is too large",
                      f"{reached}. {MOONS_STEPS} 스텝 중 {rises} 스텝에서 손실이 올라갔습니다: 보폭이 너무 커서 "
                      "지나쳐 버리니, 이 학습률은 너무 큽니다"))
    raise Fail(tr(f"{reached}. The loss fell at every step, but slowly: the net is still on the plateau of a nearly "
                  "straight boundary. Larger steps get it off sooner",
                  f"{reached}. 손실은 매 스텝 줄었지만 느렸습니다: 신경망이 아직 거의 직선인 경계의 평탄 구간에 "
                  "머물러 있습니다. 보폭을 키우면 더 빨리 벗어납니다"))


def _not_one_rate(value) -> str:
    return tr(f"return one learning rate, a positive number, not {cap(repr(value), 60)}",
              f"학습률 하나를 양수로 반환하세요. {cap(repr(value), 60)}은(는) 안 됩니다")


def _numbers_or_fail(value):
    try:
        return _numbers(value, tr("your learning rate", "여러분의 학습률"))
    except Fail:
        raise Fail(_not_one_rate(value)) from None


moons_learning_rate = CHAPTER.exercise(
    "moons_learning_rate",
    judge=_judge_moons_learning_rate,
    hints=[
        {"en": "Measure before you choose: `checks.train_moons_mlp(lr)['loss']` for learning rates a factor of 3 "
               "apart (0.3, 1, 3, ...) shows where the loss starts to drop below the plateau and where it breaks "
               "down.",
         "ko": "고르기 전에 측정하세요: 3배씩 차이 나는 학습률(0.3, 1, 3, ...)로 "
               "`checks.train_moons_mlp(lr)['loss']`를 보면, 손실이 어디서부터 평탄 구간 아래로 떨어지기 시작하고 "
               "어디서 망가지는지 알 수 있습니다."},
        {"en": "Plot `checks.train_moons_mlp(lr)['losses']` for a few of them: too small a rate leaves a flat curve "
               "near the plateau, too large a rate makes it jump up and down. Look between the two, then refine.",
         "ko": "그중 몇 개로 `checks.train_moons_mlp(lr)['losses']`를 그려 보세요: 학습률이 너무 작으면 곡선이 "
               "평탄 구간 근처에서 평평하게 머물고, 너무 크면 위아래로 튑니다. "
               "그 둘 사이를 살펴본 뒤 범위를 좁히세요."},
        {"en": "The lesson's rate 1.0 is far too small for 500 steps. Scan upwards from it in small factors (1.5x) "
               "and keep a rate whose final loss is below the target, away from both edges of the range that works.",
         "ko": "본문의 학습률 1.0은 500 스텝에는 너무 작습니다. 거기서부터 작은 배율(1.5배)로 올려 가며 훑어보고, "
               "최종 손실이 목표보다 낮으면서 통하는 범위의 양 끝에서 떨어진 학습률을 고르세요."},
    ],
)
