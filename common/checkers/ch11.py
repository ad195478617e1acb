"""Exercises of the appendix, from Keras to PyTorch: ``checks.<name>.check(fn)``, ``.hint()``, ``.solution()``.

The reference answers are the chapter's ``solutions.py``; this module holds what is specific to each
exercise: its cases, the brief's worked example, classic mistakes, hints, and the judges of the exercises
that are checked by what they do: gradients of two losses from one forward pass (like a persistent
``GradientTape``), an ``nn.Sequential`` that holds an ``nn.LSTM``, the experiment ``choose_loss_weights``
(the checker trains the lesson's two-input, two-output model with the learner's loss weights and says what
both outputs reached on validation data) and the PyTorch optimizer for a Keras optimizer's arguments.
``TwoInTwoOut`` (the lesson's model) and ``two_task_data`` are exported for the notebook. Nothing here
imports Keras: the Keras facts the checks rely on are tested against Keras in tests/test_exercises_ch11.py.
"""
from __future__ import annotations

import math
import numbers

import numpy as np
import torch
from torch import nn

from common.checks import Chapter, Fail, call, cap, case, compare_values, example, tr

CHAPTER = Chapter("11_keras_to_pytorch")
__getattr__ = CHAPTER.legacy


def _t(text: dict) -> str:
    """A ``{"en": ..., "ko": ...}`` message in the learner's language, chosen when a check runs."""
    return tr(text["en"], text["ko"])


def _none() -> str:
    return tr("the result is None: did you forget `return`?", "결과가 None입니다: `return`을 빠뜨렸나요?")


# --------------------------------------------------------------------------- 1. two_gradients (judged)
def _quadratic():
    w = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64, requires_grad=True)
    return (lambda: ((w**2).sum(), (w**3).sum())), [w]


def _shared_trunk():
    g = torch.Generator().manual_seed(11)
    x = torch.randn(5, 3, generator=g, dtype=torch.float64)
    trunk, head_a, head_b = (torch.randn(*shape, generator=g, dtype=torch.float64).requires_grad_(True)
                             for shape in [(4, 3), (1, 4), (2, 4)])

    def f():
        h = torch.tanh(x @ trunk.T)
        return (h @ head_a.T).pow(2).mean(), torch.sin(h @ head_b.T).sum()

    return f, [trunk, head_a, head_b]


def _scalar():
    a = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(-1.2, dtype=torch.float64, requires_grad=True)
    return (lambda: (torch.exp(a * b), a * a)), [a, b]


_GRAD_CASES = [
    ({"en": "loss_a = sum(w**2), loss_b = sum(w**3), w of shape (3,)",
      "ko": "loss_a = sum(w**2), loss_b = sum(w**3), w의 모양은 (3,)"}, _quadratic),
    ({"en": "a shared layer and two heads: each loss ignores the other head's weights",
      "ko": "공유 층 하나와 헤드 두 개: 각 손실은 다른 헤드의 가중치를 쓰지 않음"}, _shared_trunk),
    ({"en": "two 0-d parameters a and b: loss_a = exp(a b), loss_b = a * a (b unused)",
      "ko": "0차원 매개변수 a와 b: loss_a = exp(a b), loss_b = a * a (b는 쓰이지 않음)"}, _scalar),
]


def _reference_grads(make) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    grads = []
    for k in range(2):
        f, params = make()
        loss = f()[k]
        got = torch.autograd.grad(loss, params, allow_unused=True)
        grads.append([torch.zeros_like(p) if g is None else g for g, p in zip(got, params)])
    return grads[0], grads[1]


def _close_list(a, b) -> bool:
    return all(torch.allclose(x.double(), y.double(), rtol=1e-7, atol=1e-10) for x, y in zip(a, b))


def _judge_two_gradients(fn) -> str:
    for label_text, make in _GRAD_CASES:
        label = _t(label_text)
        where = tr(f" (case: {label})", f" (사례: {label})")
        f, params = make()
        calls = []

        def counted(f=f, calls=calls):
            calls.append(1)
            return f()

        got = call(fn, counted, list(params), label=label)
        if got is None:
            raise Fail(_none() + where)
        if not calls:
            raise Fail(tr("f was never called: call f() once to get (loss_a, loss_b)",
                          "f가 한 번도 호출되지 않았습니다: f()를 한 번 호출해 (loss_a, loss_b)를 얻으세요") + where)
        if len(calls) > 1:
            n_calls = len(calls)
            raise Fail(tr(f"f was called {n_calls} times: call it once, one forward pass, and take both gradients "
                          f"from that one graph (as one persistent tape does)",
                          f"f가 {n_calls}번 호출되었습니다: 한 번만 호출해 순전파를 한 번 하고, 그 그래프 하나에서 두 "
                          f"기울기를 모두 구하세요(지속 테이프 하나가 하듯이)") + where)
        if not isinstance(got, tuple | list) or len(got) != 2 or not all(isinstance(g, tuple | list) for g in got):
            got_s = cap(repr(got), 60)
            raise Fail(tr(f"return two lists, (gradients of loss_a, gradients of loss_b), not {got_s}",
                          f"리스트 두 개, (loss_a의 기울기들, loss_b의 기울기들)을 반환하세요. {got_s}이(가) 아니라")
                       + where)
        for k, grads in enumerate(got):
            name = "ab"[k]
            if len(grads) != len(params):
                raise Fail(tr(f"{len(grads)} gradients of loss_{name} for {len(params)} tensors in params: one per "
                              f"tensor, in the same order",
                              f"params의 텐서는 {len(params)}개인데 loss_{name}의 기울기는 {len(grads)}개입니다: "
                              f"텐서마다 하나씩, 같은 순서로 반환하세요") + where)
            for i, (g, p) in enumerate(zip(grads, params)):
                if g is None:
                    raise Fail(tr(f"the gradient of loss_{name} for params[{i}] is None: loss_{name} does not use "
                                  f"it, so its gradient is zeros (allow_unused=True, then zeros_like; or "
                                  f"materialize_grads=True)",
                                  f"params[{i}]에 대한 loss_{name}의 기울기가 None입니다: loss_{name}이(가) 그 텐서를 "
                                  f"쓰지 않으므로 기울기는 0입니다(allow_unused=True 다음에 zeros_like, 또는 "
                                  f"materialize_grads=True)") + where)
                if not isinstance(g, torch.Tensor) or tuple(g.shape) != tuple(p.shape):
                    shape = tuple(g.shape) if isinstance(g, torch.Tensor) else type(g).__name__
                    raise Fail(tr(f"the gradient of loss_{name} for params[{i}] should be a tensor of shape "
                                  f"{tuple(p.shape)}, got {shape}",
                                  f"params[{i}]에 대한 loss_{name}의 기울기는 모양이 {tuple(p.shape)}인 텐서여야 "
                                  f"하는데 {shape}입니다") + where)
        if any(p.grad is not None for p in params):
            raise Fail(tr("your function left gradients in params' .grad: leave it as you found it (None); "
                          "torch.autograd.grad returns gradients without touching .grad",
                          "함수가 params의 .grad에 기울기를 남겼습니다: 처음 그대로(None) 두세요. "
                          "torch.autograd.grad는 .grad를 건드리지 않고 기울기를 반환합니다") + where)
        ref_a, ref_b = _reference_grads(make)
        got_a, got_b = list(got[0]), list(got[1])
        if _close_list(got_a, ref_a) and _close_list(got_b, ref_b):
            continue
        if _close_list(got_a, ref_b) and _close_list(got_b, ref_a):
            raise Fail(tr("the two lists are swapped: first the gradients of loss_a, then those of loss_b",
                          "두 리스트가 뒤바뀌었습니다: loss_a의 기울기가 먼저, 그다음이 loss_b의 기울기입니다") + where)
        summed = [a + b for a, b in zip(ref_a, ref_b)]
        if _close_list(got_a, ref_a) and _close_list(got_b, summed):
            raise Fail(tr("the gradients of loss_b include those of loss_a: .grad adds up over backward() calls; "
                          "clear it in between, or use torch.autograd.grad",
                          "loss_b의 기울기에 loss_a의 기울기가 섞여 있습니다: .grad는 backward() 호출마다 더해집니다. "
                          "그 사이에 지우거나 torch.autograd.grad를 쓰세요") + where)
        which = "loss_a" if not _close_list(got_a, ref_a) else "loss_b"
        raise Fail(tr(f"wrong gradients of {which}: compare with torch.autograd.grad({which}, params)",
                      f"{which}의 기울기가 틀렸습니다: torch.autograd.grad({which}, params)와 비교해 보세요") + where)
    n = len(_GRAD_CASES)
    return tr(f"both gradients right from one forward pass on all {n} cases, unused parameters and "
              f"0-d tensors included",
              f"쓰이지 않는 매개변수와 0차원 텐서를 포함한 {n}개 사례 모두에서 순전파 한 번으로 두 기울기를 바르게 "
              f"구했습니다")


two_gradients = CHAPTER.exercise(
    "two_gradients",
    judge=_judge_two_gradients,
    hints=[
        {"en": "One call of f() records one graph. The first gradient computation must keep that graph for the "
               "second: that is retain_graph=True, PyTorch's persistent tape.",
         "ko": "f()를 한 번 호출하면 그래프 하나가 기록됩니다. 첫 번째 기울기 계산은 두 번째 계산을 위해 그 그래프를 "
               "남겨 두어야 합니다: 그것이 PyTorch의 지속 테이프인 retain_graph=True입니다."},
        {"en": "`loss_a, loss_b = f()`; `torch.autograd.grad(loss_a, params, retain_graph=True, allow_unused=True, "
               "materialize_grads=True)` returns a tuple, one gradient per tensor, zeros for a tensor the loss does "
               "not use; then the same for loss_b (no retain_graph needed the last time).",
         "ko": "`loss_a, loss_b = f()`; `torch.autograd.grad(loss_a, params, retain_graph=True, allow_unused=True, "
               "materialize_grads=True)`는 텐서마다 기울기 하나씩을 담은 튜플을 반환하고, 손실이 쓰지 않는 텐서에는 "
               "0을 줍니다. 그다음 loss_b에도 같은 일을 합니다(마지막에는 retain_graph가 필요 없습니다)."},
        {"en": "Return `list(grads_a), list(grads_b)`. `checks.two_gradients.solution()` shows the whole answer.",
         "ko": "`list(grads_a), list(grads_b)`를 반환하세요. `checks.two_gradients.solution()`이 답 전체를 보여 "
               "줍니다."},
    ],
)


# --------------------------------------------------------------------------- 2. sequential_lstm_classifier (judged)
_SEQ_CASES = [  # n_features, hidden, n_classes, batch N, time steps T
    (4, 8, 3, 2, 5),
    (1, 3, 2, 1, 1),
    (6, 5, 4, 3, 7),
]


def _judge_sequential_lstm(fn) -> str:
    for n_features, hidden, n_classes, n, t in _SEQ_CASES:
        sizes = f"n_features={n_features}, hidden={hidden}, n_classes={n_classes}"
        label = tr(f"{sizes}, input ({n}, {t}, {n_features})", f"{sizes}, 입력 ({n}, {t}, {n_features})")
        where = tr(f" (case: {label})", f" (사례: {label})")
        with torch.random.fork_rng():
            torch.manual_seed(0)
            model = call(fn, n_features, hidden, n_classes, label=label)
        if model is None:
            raise Fail(_none() + where)
        if not isinstance(model, nn.Sequential):
            kind = type(model).__name__
            raise Fail(tr(f"return an nn.Sequential, not {kind}", f"nn.Sequential을 반환하세요. {kind}이(가) 아니라")
                       + where)
        lstms = [m for m in model if isinstance(m, nn.LSTM)]
        linears = [m for m in model if isinstance(m, nn.Linear)]
        if len(lstms) != 1 or len(linears) != 1:
            raise Fail(tr(f"the Sequential should hold one nn.LSTM and one nn.Linear, found {len(lstms)} and "
                          f"{len(linears)}",
                          f"Sequential에는 nn.LSTM 하나와 nn.Linear 하나가 있어야 하는데, 각각 {len(lstms)}개와 "
                          f"{len(linears)}개입니다") + where)
        lstm, linear = lstms[0], linears[0]
        if (lstm.input_size, lstm.hidden_size) != (n_features, hidden):
            got_lstm = f"nn.LSTM({lstm.input_size}, {lstm.hidden_size})"
            want_lstm = f"nn.LSTM({n_features}, {hidden}, batch_first=True)"
            raise Fail(tr(f"{got_lstm}: expected {want_lstm}", f"{got_lstm}: 기대값은 {want_lstm}입니다") + where)
        if not lstm.batch_first:
            raise Fail(tr("the input is (N, T, features): create the LSTM with batch_first=True (without it PyTorch "
                          "reads (T, N, features))",
                          "입력은 (N, T, features)입니다: LSTM을 batch_first=True로 만드세요(없으면 PyTorch는 "
                          "(T, N, features)로 읽습니다)") + where)
        if (linear.in_features, linear.out_features) != (hidden, n_classes):
            got_linear = f"nn.Linear({linear.in_features}, {linear.out_features})"
            want_linear = f"nn.Linear({hidden}, {n_classes})"
            raise Fail(tr(f"{got_linear}: expected {want_linear}", f"{got_linear}: 기대값은 {want_linear}입니다")
                       + where)
        if model[0] is not lstm or model[-1] is not linear:
            raise Fail(tr("the LSTM comes first and the Linear layer last, with your module in between",
                          "LSTM이 맨 앞, Linear 층이 맨 뒤에 오고, 직접 만든 모듈이 그 사이에 와야 합니다") + where)
        x = torch.randn(n, t, n_features, generator=torch.Generator().manual_seed(n * 100 + t))
        out = call(model, x, label=label)
        with torch.no_grad():
            outputs, (h_n, _) = lstm(x)
            expected = linear(outputs[:, -1])
            first = linear(outputs[:, 0])
        if not isinstance(out, torch.Tensor):
            kind = type(out).__name__
            raise Fail(tr(f"the model returned {kind}, not a tensor of class scores",
                          f"모델이 클래스 점수 텐서가 아니라 {kind}을(를) 반환했습니다") + where)
        if tuple(out.shape) != (n, n_classes):
            if tuple(out.shape) == (1, n, n_classes):
                why = tr(": h_n has a layers axis in front; keep outputs[:, -1] (or h_n[-1])",
                         ": h_n에는 맨 앞에 층 축이 있습니다. outputs[:, -1](또는 h_n[-1])을 남기세요")
            elif tuple(out.shape) == (t, n_classes) and t != n:
                why = tr(": outputs[-1] is the last example of the batch; the last time step is outputs[:, -1]",
                         ": outputs[-1]은 배치의 마지막 예제입니다. 마지막 타임 스텝은 outputs[:, -1]입니다")
            elif tuple(out.shape) == (n, t, n_classes):
                why = tr(": that is a score for every time step; keep only the last one, outputs[:, -1]",
                         ": 그것은 타임 스텝마다의 점수입니다. 마지막 것 outputs[:, -1]만 남기세요")
            else:
                why = ""
            raise Fail(tr(f"the model's output has shape {tuple(out.shape)}, expected (N, n_classes) = "
                          f"{(n, n_classes)}{why}",
                          f"모델 출력의 모양이 {tuple(out.shape)}입니다. 기대값은 (N, n_classes) = "
                          f"{(n, n_classes)}입니다{why}") + where)
        if not torch.allclose(out, expected, rtol=1e-5, atol=1e-6):
            if t > 1 and torch.allclose(out, first, rtol=1e-5, atol=1e-6):
                why = tr("that is the first time step, outputs[:, 0]; keep the last one",
                         "그것은 첫 번째 타임 스텝 outputs[:, 0]입니다. 마지막 것을 남기세요")
            else:
                why = tr("expected the Linear layer applied to the LSTM's output at the last time step",
                         "LSTM의 마지막 타임 스텝 출력에 Linear 층을 적용한 값이어야 합니다")
            raise Fail(tr(f"wrong class scores: {why}", f"클래스 점수가 틀렸습니다: {why}") + where)
    n = len(_SEQ_CASES)
    return tr(f"a working nn.Sequential with an nn.LSTM on all {n} cases, one time step and one example too",
              f"타임 스텝 하나, 예제 하나인 경우를 포함해 {n}개 사례 모두에서 nn.LSTM을 담은 nn.Sequential이 "
              f"동작합니다")


sequential_lstm_classifier = CHAPTER.exercise(
    "sequential_lstm_classifier",
    judge=_judge_sequential_lstm,
    hints=[
        {"en": "nn.Sequential passes one object from module to module. nn.LSTM hands on a tuple (outputs, (h_n, "
               "c_n)); the module you write between it and nn.Linear receives that tuple and returns one tensor.",
         "ko": "nn.Sequential은 모듈에서 모듈로 객체 하나를 넘깁니다. nn.LSTM은 튜플 (outputs, (h_n, c_n))을 넘기므로, "
               "그것과 nn.Linear 사이에 여러분이 작성할 모듈은 그 튜플을 받아 텐서 하나를 반환해야 합니다."},
        {"en": "Write a tiny nn.Module subclass whose forward(self, lstm_result) unpacks `outputs, _ = lstm_result` "
               "and returns outputs[:, -1], shape (N, hidden); then nn.Sequential(nn.LSTM(n_features, hidden, "
               "batch_first=True), YourModule(), nn.Linear(hidden, n_classes)).",
         "ko": "작은 nn.Module 서브클래스를 작성하세요. 그 forward(self, lstm_result)는 `outputs, _ = lstm_result`로 "
               "풀고 모양이 (N, hidden)인 outputs[:, -1]을 반환합니다. 그다음 nn.Sequential(nn.LSTM(n_features, "
               "hidden, batch_first=True), YourModule(), nn.Linear(hidden, n_classes))입니다."},
        {"en": "A class defined inside the function works as well as one defined outside. "
               "`checks.sequential_lstm_classifier.solution()` shows the reference.",
         "ko": "함수 안에 정의한 클래스도 밖에 정의한 클래스와 똑같이 동작합니다. "
               "`checks.sequential_lstm_classifier.solution()`이 모범 답안을 보여 줍니다."},
    ],
)


# --------------------------------------------------------------------------- 3. choose_loss_weights (experiment)
LOSS_WEIGHT_STEPS = 100
LOSS_WEIGHT_LR = 0.01
MAX_SCORE_MSE = 3.0
MIN_LABEL_ACCURACY = 0.95
LOSS_WEIGHT_SEEDS = (0, 1, 2)


class TwoInTwoOut(nn.Module):
    """The lesson's model. Inputs: numbers (N, 4) and category ids (N,). Outputs: a score (N, 1), 3 logits (N, 3)."""

    def __init__(self, n_categories=5, hidden=16, emb_dim=4):
        super().__init__()
        self.numbers = nn.Linear(4, hidden)
        self.category = nn.Embedding(n_categories, emb_dim)
        self.score = nn.Linear(hidden + emb_dim, 1)
        self.label = nn.Linear(hidden + emb_dim, 3)

    def forward(self, numbers, category):
        h = torch.cat([torch.relu(self.numbers(numbers)), self.category(category)], dim=1)
        return self.score(h), self.label(h)


def two_task_data(seed: int = 0, n: int = 512):
    """``numbers`` (n, 4), ``category`` (n,) ids 0-4, ``score`` (n, 1) on a scale of tens, ``label`` (n,) in 0-2.

    The lesson's two-task data with a score 10 times larger; seed 0 is the training set, seed 1 the validation set.
    """
    g = torch.Generator().manual_seed(seed)
    numbers = torch.randn(n, 4, generator=g)
    category = torch.randint(0, 5, (n,), generator=g)
    score = 10 * (numbers[:, :2].sum(1, keepdim=True) + 0.5 * category.unsqueeze(1).float())
    label = (numbers[:, 2] > 0).long() + (category >= 3).long()
    return numbers, category, score, label


def _train_two_task(w_score: float, w_label: float, seed: int) -> tuple[float, float]:
    """Validation score MSE and label accuracy after the brief's training with these loss weights."""
    numbers, category, score, label = two_task_data(0)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = TwoInTwoOut()
    optimizer = torch.optim.SGD(model.parameters(), lr=LOSS_WEIGHT_LR)
    for _ in range(LOSS_WEIGHT_STEPS):
        optimizer.zero_grad()
        score_pred, label_logits = model(numbers, category)
        loss = (w_score * nn.functional.mse_loss(score_pred, score)
                + w_label * nn.functional.cross_entropy(label_logits, label))
        loss.backward()
        optimizer.step()
    numbers, category, score, label = two_task_data(1)
    with torch.no_grad():
        score_pred, label_logits = model(numbers, category)
        mse = nn.functional.mse_loss(score_pred, score).item()
        accuracy = (label_logits.argmax(1) == label).float().mean().item()
    return mse, accuracy


def _judge_choose_loss_weights(fn) -> str:
    weights = call(fn, label=tr("your loss weights", "여러분의 손실 가중치"))
    if weights is None:
        raise Fail(_none())
    if not isinstance(weights, dict) or set(weights) != {"score", "label"}:
        got_s = cap(repr(weights), 60)
        raise Fail(tr(f"return a dict with the keys 'score' and 'label', like Keras's loss_weights, not {got_s}",
                      f"Keras의 loss_weights처럼 키가 'score'와 'label'인 dict를 반환하세요. {got_s}이(가) 아니라"))
    values = {}
    for key, value in weights.items():
        if isinstance(value, torch.Tensor | np.ndarray) and np.size(value) == 1:
            value = value.item()
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) or value <= 0:
            got_s = cap(repr(value), 40)
            raise Fail(tr(f"the weight of '{key}' must be a positive number, not {got_s}",
                          f"'{key}'의 가중치는 양수여야 합니다. {got_s}은(는) 안 됩니다"))
        values[key] = float(value)
    w_score, w_label = values["score"], values["label"]
    asked = tr(f"asked: score MSE below {MAX_SCORE_MSE:g} and label accuracy at least {MIN_LABEL_ACCURACY:.0%}",
               f"요구: 점수 MSE {MAX_SCORE_MSE:g} 미만, 레이블 정확도 {MIN_LABEL_ACCURACY:.0%} 이상")
    worst_mse, worst_acc = 0.0, 1.0
    with np.errstate(all="ignore"):
        for seed in LOSS_WEIGHT_SEEDS:
            mse, acc = _train_two_task(w_score, w_label, seed)
            worst_mse = mse if not math.isfinite(mse) else max(worst_mse, mse)
            worst_acc = min(worst_acc, acc)
            if not math.isfinite(worst_mse):
                break
    runs = len(LOSS_WEIGHT_SEEDS)
    reached = tr(f"with weights score {w_score:g}, label {w_label:g} the worst of {runs} runs "
                 f"reached validation score MSE {worst_mse:.3g} and label accuracy {worst_acc:.1%}",
                 f"가중치(score {w_score:g}, label {w_label:g})로 학습한 {runs}번 중 가장 나쁜 결과는 검증 점수 MSE "
                 f"{worst_mse:.3g}, 레이블 정확도 {worst_acc:.1%}입니다")
    if not math.isfinite(worst_mse) or worst_mse > 1e3:
        raise Fail(tr(f"{reached}; {asked}. The training diverged: a weight scales that loss's gradient like a "
                      f"learning rate, and this one is too large for SGD at lr {LOSS_WEIGHT_LR:g}",
                      f"{reached}. {asked}. 학습이 발산했습니다: 가중치는 학습률처럼 그 손실의 기울기를 스케일하는데, "
                      f"이 가중치는 lr {LOSS_WEIGHT_LR:g}인 SGD에 너무 큽니다"))
    if worst_mse >= MAX_SCORE_MSE or worst_acc < MIN_LABEL_ACCURACY:
        why = []
        if worst_acc < MIN_LABEL_ACCURACY:
            why.append(tr("the label head learns too slowly: its loss is small next to the score's, so give it a "
                          "larger weight",
                          "레이블 헤드가 너무 느리게 학습합니다: 그 손실이 점수의 손실에 비해 작으니 더 큰 가중치를 "
                          "주세요"))
        if worst_mse >= MAX_SCORE_MSE:
            why.append(tr("the score is not learned well enough: its weight is too small, or the label term "
                          "dominates the shared layers",
                          "점수가 충분히 학습되지 않습니다: 그 가중치가 너무 작거나, 레이블 항이 공유 층을 지배합니다"))
        raise Fail(tr(f"{reached}; {asked} ({'; '.join(why)})", f"{reached}. {asked} ({'; '.join(why)})"))
    return f"{reached} ({asked})"


choose_loss_weights = CHAPTER.exercise(
    "choose_loss_weights",
    judge=_judge_choose_loss_weights,
    hints=[
        {"en": "Write the brief's training as a function of the two weights that returns the validation MSE and "
               "accuracy. With plain SGD a loss weight multiplies that loss's gradients: it acts as a learning rate "
               "for that output. Start from score 1, label 1 and see which target fails.",
         "ko": "문제 설명의 학습을 두 가중치의 함수로 작성해 검증 MSE와 정확도를 반환하게 하세요. 평범한 SGD에서 손실 "
               "가중치는 그 손실의 기울기에 곱해지므로, 그 출력에 대한 학습률처럼 작용합니다. score 1, label 1에서 "
               "시작해 어느 목표가 실패하는지 보세요."},
        {"en": "Try label weights spaced by a constant factor (1, 3, 10, 30, 100, 300, 1000) with score weights 0.3, "
               "1 and 3, and print both metrics for each pair: too small is slow, too large diverges. Pick a pair in "
               "the middle of the band that passes; `checks.choose_loss_weights.solution()` shows a sweep.",
         "ko": "일정한 비율로 떨어진 label 가중치(1, 3, 10, 30, 100, 300, 1000)를 score 가중치 0.3, 1, 3과 함께 "
               "시도하고, 쌍마다 두 지표를 출력하세요. 너무 작으면 느리고, 너무 크면 발산합니다. 통과하는 구간의 "
               "가운데에서 한 쌍을 고르세요. `checks.choose_loss_weights.solution()`이 탐색 과정을 보여 줍니다."},
    ],
)


# --------------------------------------------------------------------------- 4. keras_optimizer (judged)
_OPT_CASES = [  # Keras name, config, the PyTorch class, the expected hyper-parameters
    ("SGD", {}, torch.optim.SGD, {"lr": 0.01, "momentum": 0.0, "nesterov": False}),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.9, "nesterov": True}, torch.optim.SGD,
     {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    ("Adam", {}, torch.optim.Adam, {"lr": 0.001, "betas": (0.9, 0.999), "eps": 1e-7}),
    ("Adam", {"learning_rate": 2e-4, "beta_1": 0.5}, torch.optim.Adam,
     {"lr": 2e-4, "betas": (0.5, 0.999), "eps": 1e-7}),
    ("Adam", {"beta_2": 0.98, "epsilon": 1e-9}, torch.optim.Adam, {"lr": 0.001, "betas": (0.9, 0.98), "eps": 1e-9}),
    ("RMSprop", {}, torch.optim.RMSprop, {"lr": 0.001, "alpha": 0.9, "eps": 1e-7, "momentum": 0.0, "centered": False}),
    ("RMSprop", {"rho": 0.95, "momentum": 0.5, "epsilon": 1e-6, "centered": True}, torch.optim.RMSprop,
     {"lr": 0.001, "alpha": 0.95, "eps": 1e-6, "momentum": 0.5, "centered": True}),
]


def _same_value(a, b) -> bool:
    if isinstance(b, tuple):
        return isinstance(a, tuple | list) and len(a) == len(b) and all(_same_value(x, y) for x, y in zip(a, b))
    if isinstance(b, bool):
        return a is b or (isinstance(a, bool | np.bool_) and bool(a) == b)
    return isinstance(a, numbers.Real) and not isinstance(a, bool) and math.isclose(float(a), b, rel_tol=1e-6)


def _why_optimizer(name: str, key: str, got, want, config: dict) -> str:
    if name == "SGD" and key == "lr" and "learning_rate" not in config and _same_value(got, 0.001):
        return tr("that is PyTorch's default; Keras's SGD learning_rate defaults to 0.01",
                  "그것은 PyTorch의 기본값입니다. Keras SGD의 learning_rate 기본값은 0.01입니다")
    if name == "RMSprop" and key == "lr" and "learning_rate" not in config and _same_value(got, 0.01):
        return tr("that is PyTorch's default; Keras's RMSprop learning_rate defaults to 0.001",
                  "그것은 PyTorch의 기본값입니다. Keras RMSprop의 learning_rate 기본값은 0.001입니다")
    if key == "eps" and _same_value(got, 1e-8):
        return tr("that is PyTorch's default; Keras's epsilon defaults to 1e-7",
                  "그것은 PyTorch의 기본값입니다. Keras의 epsilon 기본값은 1e-7입니다")
    if key == "alpha":
        return tr("Keras's rho (default 0.9) is PyTorch's alpha (default 0.99)",
                  "Keras의 rho(기본값 0.9)가 PyTorch의 alpha(기본값 0.99)입니다")
    if key == "betas":
        return tr("Keras's beta_1 and beta_2 go into one tuple, betas=(beta_1, beta_2), defaults 0.9 and 0.999",
                  "Keras의 beta_1과 beta_2는 튜플 하나 betas=(beta_1, beta_2)에 들어갑니다. 기본값은 0.9와 0.999입니다")
    keras_name = dict(lr="learning_rate", eps="epsilon").get(key, key)
    return tr(f"map Keras's {keras_name} to PyTorch's {key}",
              f"Keras의 {keras_name}을(를) PyTorch의 {key}(으)로 옮기세요")


def _judge_keras_optimizer(fn) -> str:
    for name, config, cls, want in _OPT_CASES:
        label = tr(f"{name} with {config or 'the defaults'}", f"{name}, {config or '기본값'}")
        where = tr(f" (case: {label})", f" (사례: {label})")
        params = [torch.zeros(3, requires_grad=True), torch.zeros(2, 2, requires_grad=True)]
        optimizer = call(fn, params, name, dict(config), label=label)
        if optimizer is None:
            raise Fail(_none() + where)
        if not isinstance(optimizer, cls):
            kind = type(optimizer).__name__
            raise Fail(tr(f"expected a torch.optim.{cls.__name__}, got {kind}",
                          f"torch.optim.{cls.__name__}을(를) 반환해야 하는데 {kind}입니다") + where)
        group_params = [p for group in optimizer.param_groups for p in group["params"]]
        if len(group_params) != len(params) or any(a is not b for a, b in zip(group_params, params)):
            raise Fail(tr("the optimizer must hold the tensors of `params` themselves, in their order",
                          "옵티마이저는 `params`의 텐서 자체를 그 순서대로 담고 있어야 합니다") + where)
        group = optimizer.param_groups[0]
        for key, value in want.items():
            if not _same_value(group.get(key), value):
                why = _why_optimizer(name, key, group.get(key), value, config)
                raise Fail(tr(f"{key} is {group.get(key)!r}, expected {value!r}: {why}",
                              f"{key}이(가) {group.get(key)!r}입니다. 기대값은 {value!r}입니다: {why}") + where)
        if group.get("weight_decay", 0) != 0:
            raise Fail(tr("weight_decay should stay 0: the Keras configs here have none",
                          "weight_decay는 0이어야 합니다: 여기 Keras 설정에는 가중치 감쇠가 없습니다") + where)
    n = len(_OPT_CASES)
    return tr(f"the right PyTorch optimizer and arguments for all {n} Keras configurations, defaults included",
              f"기본값을 포함한 Keras 설정 {n}개 모두에 대해 올바른 PyTorch 옵티마이저와 인자입니다")


keras_optimizer = CHAPTER.exercise(
    "keras_optimizer",
    judge=_judge_keras_optimizer,
    hints=[
        {"en": "Two steps: complete the config with Keras's defaults (the lesson's section 5 prints them; "
               "`keras.optimizers.Adam().get_config()` shows them too), then rename: learning_rate -> lr, "
               "beta_1, beta_2 -> betas, epsilon -> eps, rho -> alpha.",
         "ko": "두 단계입니다: Keras의 기본값으로 config를 채우고(이 장의 5절에서 출력했고, "
               "`keras.optimizers.Adam().get_config()`로도 볼 수 있습니다), 이름을 바꿉니다: learning_rate -> lr, "
               "beta_1, beta_2 -> betas, epsilon -> eps, rho -> alpha."},
        {"en": "A dict of Keras defaults per name, merged as `{**defaults[name], **config}`, then one constructor "
               "call per name, e.g. `torch.optim.Adam(params, lr=c['learning_rate'], betas=(c['beta_1'], "
               "c['beta_2']), eps=c['epsilon'])`. SGD's Keras default learning rate is not PyTorch's.",
         "ko": "이름마다 Keras 기본값을 담은 dict를 두고 `{**defaults[name], **config}`로 합친 다음, 이름마다 생성자를 "
               "한 번 호출합니다. 예: `torch.optim.Adam(params, lr=c['learning_rate'], betas=(c['beta_1'], "
               "c['beta_2']), eps=c['epsilon'])`. Keras SGD의 기본 학습률은 PyTorch의 기본 학습률과 다릅니다."},
        {"en": "`checks.keras_optimizer.solution()` shows the whole mapping.",
         "ko": "`checks.keras_optimizer.solution()`이 전체 대응 관계를 보여 줍니다."},
    ],
)


# --------------------------------------------------------------------------- 5. predict_gru_params (predict first)
predict_gru_params = CHAPTER.predict(
    "predict_gru_params",
    why={"en": "Keras's GRU defaults to reset_after=True (the cuDNN form), which keeps an input bias and a "
               "recurrent bias per gate, like PyTorch's b_ih and b_hh: 3 x (4*8 + 8*8 + 8 + 8) = 336 in both. With "
               "reset_after=False Keras keeps one bias: 312.",
         "ko": "Keras의 GRU는 기본값이 reset_after=True(cuDNN 형식)이고, 이때 PyTorch의 b_ih, b_hh처럼 게이트마다 입력 "
               "편향과 순환 편향을 하나씩 둡니다: 둘 다 3 x (4*8 + 8*8 + 8 + 8) = 336입니다. reset_after=False이면 "
               "Keras는 편향을 하나만 두어 312입니다."},
    options={
        "a": {"en": "nn.GRU has more, as nn.LSTM does: two bias vectors instead of one",
              "ko": "nn.LSTM처럼 nn.GRU가 더 많다: 편향 벡터가 하나가 아니라 두 개"},
        "b": {"en": "both have the same number", "ko": "둘의 개수가 같다"},
        "c": {"en": "nn.GRU has fewer", "ko": "nn.GRU가 더 적다"},
    },
    hints=[
        {"en": "Count a GRU's parameters: 3 gates (reset, update, candidate), each with an input matrix (4 x 8), a "
               "recurrent matrix (8 x 8) and bias vectors. The question is how many bias vectors per gate each "
               "library keeps.",
         "ko": "GRU의 매개변수를 세어 보세요: 게이트 3개(리셋, 업데이트, 후보)마다 입력 행렬(4 x 8), 순환 행렬(8 x 8), "
               "편향 벡터가 있습니다. 문제는 각 라이브러리가 게이트마다 편향 벡터를 몇 개 두느냐입니다."},
        {"en": "PyTorch keeps two per gate, as for the LSTM. Keras's GRU has an argument that decides it, "
               "reset_after; what is its default in Keras 3? Answer 'a', 'b' or 'c'; "
               "`checks.predict_gru_params.solution()` shows the answer.",
         "ko": "PyTorch는 LSTM과 마찬가지로 게이트마다 두 개를 둡니다. Keras의 GRU에는 이를 정하는 인자 reset_after가 "
               "있습니다. Keras 3에서 그 기본값은 무엇일까요? 'a', 'b', 'c' 중 하나로 답하세요. "
               "`checks.predict_gru_params.solution()`이 답을 보여 줍니다."},
    ],
)


# --------------------------------------------------------------------------- 6. flatten_dense_to_torch
def _flatten_cases():
    rng = np.random.default_rng(6)
    return [
        case({"en": "H=3, W=4, C=2, 5 units", "ko": "H=3, W=4, C=2, 유닛 5개"},
             rng.standard_normal((24, 5)).astype(np.float32), 3, 4, 2),
        case({"en": "H=2, W=2, C=3, 4 units", "ko": "H=2, W=2, C=3, 유닛 4개"},
             rng.standard_normal((12, 4)).astype(np.float32), 2, 2, 3),
        case({"en": "H=W=1: 3 channels, 2 units (the order cannot change)",
              "ko": "H=W=1: 채널 3개, 유닛 2개 (순서가 바뀔 수 없음)"}, rng.standard_normal((3, 2)).astype(np.float32),
             1, 1, 3),
        case({"en": "C=1: a grey 4x3 map, 2 units", "ko": "C=1: 회색조 4x3 맵, 유닛 2개"},
             rng.standard_normal((12, 2)).astype(np.float32), 4, 3, 1),
        case({"en": "a float64 kernel, H=2, W=3, C=2, 1 unit", "ko": "float64 커널, H=2, W=3, C=2, 유닛 1개"},
             rng.standard_normal((12, 1)), 2, 3, 2),
    ]


def _compare_flatten(expected: torch.Tensor, got, rtol: float = 1e-6, atol: float = 1e-7) -> str | None:
    if got is None:
        return _none()
    if not isinstance(got, torch.Tensor):
        kind = type(got).__name__
        return tr(f"expected a torch.Tensor (nn.Linear's weight), got {kind}",
                  f"torch.Tensor(nn.Linear의 가중치)를 반환해야 하는데 {kind}입니다")
    if tuple(got.shape) != tuple(expected.shape):
        units, n_in = expected.shape
        keras_layout = tuple(got.shape) == (n_in, units) and units != n_in
        why = tr(": that is Keras's layout (inputs, units); nn.Linear's weight is (units, inputs)",
                 ": 그것은 Keras의 배치 형식 (inputs, units)입니다. nn.Linear의 가중치는 (units, inputs)입니다"
                 ) if keras_layout else ""
        return tr(f"wrong shape: expected (units, C*H*W) = {tuple(expected.shape)}, got {tuple(got.shape)}{why}",
                  f"모양이 틀렸습니다: 기대값 (units, C*H*W) = {tuple(expected.shape)}, "
                  f"받은 값 {tuple(got.shape)}{why}")
    if got.dtype != torch.float32:
        return tr(f"wrong dtype: expected torch.float32, got {got.dtype}",
                  f"자료형이 틀렸습니다: 기대값 torch.float32, 받은 값 {got.dtype}")
    return compare_values(expected, got, rtol, atol, what=tr("weight", "가중치"))


flatten_dense_to_torch = CHAPTER.exercise(
    "flatten_dense_to_torch",
    examples=[example(torch.tensor([[1.0, 3.0, 2.0, 4.0]]),
                      {"en": "the brief's example: H=1, W=2, C=2, one unit, kernel rows 1, 2, 3, 4",
                       "ko": "문제 설명의 예: H=1, W=2, C=2, 유닛 하나, 커널 행 1, 2, 3, 4"},
                      np.array([[1.0], [2.0], [3.0], [4.0]], dtype=np.float32), 1, 2, 2)],
    cases=_flatten_cases,
    compare=_compare_flatten,
    mistakes=[
        (lambda kernel, h, w, c: torch.as_tensor(np.asarray(kernel, dtype=np.float32)).T,
         {"en": "transposing is not enough: the rows are still in Keras's (h, w, c) order, while nn.Flatten on "
                "(C, H, W) maps gives (c, h, w)",
          "ko": "전치만으로는 부족합니다: 행은 여전히 Keras의 (h, w, c) 순서인데, (C, H, W) 맵에 nn.Flatten을 쓰면 "
                "(c, h, w) 순서가 됩니다"}),
        (lambda kernel, h, w, c: torch.as_tensor(np.asarray(kernel, dtype=np.float32)).reshape(
            h, w, c, -1).permute(2, 1, 0, 3).reshape(c * h * w, -1).T,
         {"en": "that is the order (c, w, h): nn.Flatten on (C, H, W) maps reads (c, h, w), so permute(2, 0, 1, 3)",
          "ko": "그것은 (c, w, h) 순서입니다: (C, H, W) 맵에 쓴 nn.Flatten은 (c, h, w) 순으로 읽으므로 "
                "permute(2, 0, 1, 3)입니다"}),
    ],
    hints=[
        {"en": "Row r of the Keras kernel belongs to one input position (h, w, c), numbered in the order h, then w, "
               "then c (c fastest). In PyTorch, input j of the Linear layer is position (c, h, w) with w fastest. "
               "The weights stay, their order changes.",
         "ko": "Keras 커널의 행 r은 입력 위치 (h, w, c) 하나에 해당하고, 번호는 h, 그다음 w, 그다음 c 순(c가 가장 "
               "빠름)으로 매겨집니다. PyTorch에서 Linear 층의 입력 j는 w가 가장 빠른 위치 (c, h, w)입니다. "
               "가중치 값은 그대로이고 순서만 바뀝니다."},
        {"en": "torch.as_tensor(kernel).reshape(H, W, C, units) names the rows by (h, w, c); .permute(2, 0, 1, 3) "
               "puts them in (c, h, w) order; .reshape(C * H * W, units) and .T give nn.Linear's (units, inputs). "
               "Make it float32.",
         "ko": "torch.as_tensor(kernel).reshape(H, W, C, units)는 행에 (h, w, c) 이름을 붙이고, "
               ".permute(2, 0, 1, 3)은 그것을 (c, h, w) 순서로 놓으며, .reshape(C * H * W, units)와 .T가 "
               "nn.Linear의 (units, inputs)를 만듭니다. float32로 만드세요."},
        {"en": "`return k.reshape(height, width, channels, -1).permute(2, 0, 1, 3).reshape(channels * height * "
               "width, -1).T.float()`; `checks.flatten_dense_to_torch.solution()` shows it.",
         "ko": "`return k.reshape(height, width, channels, -1).permute(2, 0, 1, 3).reshape(channels * height * "
               "width, -1).T.float()`; `checks.flatten_dense_to_torch.solution()`이 이 코드를 보여 줍니다."},
    ],
)


# --------------------------------------------------------------------------- 7. conv_transpose_same
def _convt_cases():
    g = torch.Generator().manual_seed(7)
    out = []
    for k, s in [(4, 2), (3, 2), (5, 2), (2, 2), (3, 1), (4, 3), (5, 3)]:
        x = torch.randn(2, 2, 4, 3, generator=g)
        weight = torch.randn(2, 3, k, k, generator=g)
        bias = torch.randn(3, generator=g)
        even = (k - s) % 2 == 0
        label = {"en": f"kernel {k}, stride {s} (k - s {'even' if even else 'odd'}), input (2, 2, 4, 3)",
                 "ko": f"커널 {k}, 스트라이드 {s} (k - s는 {'짝수' if even else '홀수'}), 입력 (2, 2, 4, 3)"}
        out.append(case(label, x, weight, bias, s))
    return out


def _convt_output_padding(x, weight, bias, stride):  # the right shape, values shifted when k - s is odd
    # (the same as cropping the full output from ceil((k - s) / 2): the odd row dropped at the top)
    k = weight.shape[-1]
    pad = math.ceil((k - stride) / 2)
    return nn.functional.conv_transpose2d(x, weight, bias, stride=stride, padding=pad,
                                          output_padding=2 * pad - (k - stride))


conv_transpose_same = CHAPTER.exercise(
    "conv_transpose_same",
    examples=[example(torch.tensor([[[[0.0, 1.0], [3.0, 4.0]]]]),
                      {"en": "the brief's example: one pixel of value 1, a 3x3 kernel 0..8, stride 2",
                       "ko": "문제 설명의 예: 값이 1인 픽셀 하나, 3x3 커널 0..8, 스트라이드 2"},
                      torch.ones(1, 1, 1, 1), torch.arange(9.0).reshape(1, 1, 3, 3), torch.zeros(1), 2)],
    cases=_convt_cases,
    rtol=1e-5,
    atol=1e-5,
    compare=lambda expected, got, rtol, atol: compare_values(expected, got, rtol, atol, what=tr("output", "출력")),
    mistakes=[
        (_convt_output_padding,
         {"en": "values shifted by a row: Keras drops (k - s) // 2 rows at the top and the odd one at the bottom; "
                "padding with output_padding cannot do that",
          "ko": "값이 한 행 밀려 있습니다: Keras는 위쪽에서 (k - s) // 2개 행을 버리고 남는 한 행은 아래쪽에서 "
                "버립니다. output_padding을 곁들인 padding으로는 그렇게 할 수 없습니다"}),
    ],
    hints=[
        {"en": "F.conv_transpose2d(x, weight, bias, stride=s) without padding computes the full output, (H - 1) s + k "
               "rows. Keras keeps s H of them. Which rows? The brief says how many go at the top.",
         "ko": "패딩 없는 F.conv_transpose2d(x, weight, bias, stride=s)는 전체 출력, 즉 (H - 1) s + k개 행을 "
               "계산합니다. Keras는 그중 s H개를 남깁니다. 어느 행일까요? 위쪽에서 몇 개를 버리는지는 문제 설명에 "
               "있습니다."},
        {"en": "Crop the full output: start = (k - s) // 2, then out[..., start:start + s * H, start:start + s * W] "
               "(H, W: the input's height and width). No padding argument is needed at all.",
         "ko": "전체 출력을 잘라 내세요: start = (k - s) // 2, 그다음 out[..., start:start + s * H, "
               "start:start + s * W](H, W는 입력의 높이와 너비). padding 인자는 전혀 필요 없습니다."},
        {"en": "`full = F.conv_transpose2d(x, weight, bias, stride=stride)`, `top = (k - stride) // 2`, return the "
               "crop above; `checks.conv_transpose_same.solution()` shows it.",
         "ko": "`full = F.conv_transpose2d(x, weight, bias, stride=stride)`, `top = (k - stride) // 2` 다음에 위처럼 "
               "잘라 낸 것을 반환하세요. `checks.conv_transpose_same.solution()`이 이 코드를 보여 줍니다."},
    ],
)
