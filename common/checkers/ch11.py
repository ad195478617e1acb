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

from common.checks import Chapter, Fail, call, cap, case, compare_values, example

CHAPTER = Chapter("11_keras_to_pytorch")
__getattr__ = CHAPTER.legacy


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
    ("loss_a = sum(w**2), loss_b = sum(w**3), w of shape (3,)", _quadratic),
    ("a shared layer and two heads: each loss ignores the other head's weights", _shared_trunk),
    ("two 0-d parameters a and b: loss_a = exp(a b), loss_b = a * a (b unused)", _scalar),
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
    for label, make in _GRAD_CASES:
        where = f" (case: {label})"
        f, params = make()
        calls = []

        def counted(f=f, calls=calls):
            calls.append(1)
            return f()

        got = call(fn, counted, list(params), label=label)
        if got is None:
            raise Fail("the result is None: did you forget `return`?" + where)
        if not calls:
            raise Fail("f was never called: call f() once to get (loss_a, loss_b)" + where)
        if len(calls) > 1:
            raise Fail(f"f was called {len(calls)} times: call it once, one forward pass, and take both gradients "
                       f"from that one graph (as one persistent tape does)" + where)
        if not isinstance(got, tuple | list) or len(got) != 2 or not all(isinstance(g, tuple | list) for g in got):
            raise Fail(f"return two lists, (gradients of loss_a, gradients of loss_b), not {cap(repr(got), 60)}"
                       + where)
        for k, grads in enumerate(got):
            name = "ab"[k]
            if len(grads) != len(params):
                raise Fail(f"{len(grads)} gradients of loss_{name} for {len(params)} tensors in params: one per "
                           f"tensor, in the same order" + where)
            for i, (g, p) in enumerate(zip(grads, params)):
                if g is None:
                    raise Fail(f"the gradient of loss_{name} for params[{i}] is None: loss_{name} does not use it, so "
                               f"its gradient is zeros (allow_unused=True, then zeros_like; or "
                               f"materialize_grads=True)" + where)
                if not isinstance(g, torch.Tensor) or tuple(g.shape) != tuple(p.shape):
                    shape = tuple(g.shape) if isinstance(g, torch.Tensor) else type(g).__name__
                    raise Fail(f"the gradient of loss_{name} for params[{i}] should be a tensor of shape "
                               f"{tuple(p.shape)}, got {shape}" + where)
        if any(p.grad is not None for p in params):
            raise Fail("your function left gradients in params' .grad: leave it as you found it (None); "
                       "torch.autograd.grad returns gradients without touching .grad" + where)
        ref_a, ref_b = _reference_grads(make)
        got_a, got_b = list(got[0]), list(got[1])
        if _close_list(got_a, ref_a) and _close_list(got_b, ref_b):
            continue
        if _close_list(got_a, ref_b) and _close_list(got_b, ref_a):
            raise Fail("the two lists are swapped: first the gradients of loss_a, then those of loss_b" + where)
        summed = [a + b for a, b in zip(ref_a, ref_b)]
        if _close_list(got_a, ref_a) and _close_list(got_b, summed):
            raise Fail("the gradients of loss_b include those of loss_a: .grad adds up over backward() calls; clear "
                       "it in between, or use torch.autograd.grad" + where)
        which = "loss_a" if not _close_list(got_a, ref_a) else "loss_b"
        raise Fail(f"wrong gradients of {which}: compare with torch.autograd.grad({which}, params)" + where)
    return (f"both gradients right from one forward pass on all {len(_GRAD_CASES)} cases, unused parameters and "
            f"0-d tensors included")


two_gradients = CHAPTER.exercise(
    "two_gradients",
    judge=_judge_two_gradients,
    hints=[
        "One call of f() records one graph. The first gradient computation must keep that graph for the second: "
        "that is retain_graph=True, PyTorch's persistent tape.",
        "`loss_a, loss_b = f()`; `torch.autograd.grad(loss_a, params, retain_graph=True, allow_unused=True, "
        "materialize_grads=True)` returns a tuple, one gradient per tensor, zeros for a tensor the loss does not "
        "use; then the same for loss_b (no retain_graph needed the last time).",
        "Return `list(grads_a), list(grads_b)`. `checks.two_gradients.solution()` shows the whole answer.",
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
        label = f"n_features={n_features}, hidden={hidden}, n_classes={n_classes}, input ({n}, {t}, {n_features})"
        where = f" (case: {label})"
        with torch.random.fork_rng():
            torch.manual_seed(0)
            model = call(fn, n_features, hidden, n_classes, label=label)
        if model is None:
            raise Fail("the result is None: did you forget `return`?" + where)
        if not isinstance(model, nn.Sequential):
            raise Fail(f"return an nn.Sequential, not {type(model).__name__}" + where)
        lstms = [m for m in model if isinstance(m, nn.LSTM)]
        linears = [m for m in model if isinstance(m, nn.Linear)]
        if len(lstms) != 1 or len(linears) != 1:
            raise Fail(f"the Sequential should hold one nn.LSTM and one nn.Linear, found {len(lstms)} and "
                       f"{len(linears)}" + where)
        lstm, linear = lstms[0], linears[0]
        if (lstm.input_size, lstm.hidden_size) != (n_features, hidden):
            raise Fail(f"nn.LSTM({lstm.input_size}, {lstm.hidden_size}): expected nn.LSTM({n_features}, {hidden}, "
                       f"batch_first=True)" + where)
        if not lstm.batch_first:
            raise Fail("the input is (N, T, features): create the LSTM with batch_first=True (without it PyTorch "
                       "reads (T, N, features))" + where)
        if (linear.in_features, linear.out_features) != (hidden, n_classes):
            raise Fail(f"nn.Linear({linear.in_features}, {linear.out_features}): expected nn.Linear({hidden}, "
                       f"{n_classes})" + where)
        if model[0] is not lstm or model[-1] is not linear:
            raise Fail("the LSTM comes first and the Linear layer last, with your module in between" + where)
        x = torch.randn(n, t, n_features, generator=torch.Generator().manual_seed(n * 100 + t))
        out = call(model, x, label=label)
        with torch.no_grad():
            outputs, (h_n, _) = lstm(x)
            expected = linear(outputs[:, -1])
            first = linear(outputs[:, 0])
        if not isinstance(out, torch.Tensor):
            raise Fail(f"the model returned {type(out).__name__}, not a tensor of class scores" + where)
        if tuple(out.shape) != (n, n_classes):
            if tuple(out.shape) == (1, n, n_classes):
                why = ": h_n has a layers axis in front; keep outputs[:, -1] (or h_n[-1])"
            elif tuple(out.shape) == (t, n_classes) and t != n:
                why = ": outputs[-1] is the last example of the batch; the last time step is outputs[:, -1]"
            elif tuple(out.shape) == (n, t, n_classes):
                why = ": that is a score for every time step; keep only the last one, outputs[:, -1]"
            else:
                why = ""
            raise Fail(f"the model's output has shape {tuple(out.shape)}, expected (N, n_classes) = "
                       f"{(n, n_classes)}{why}" + where)
        if not torch.allclose(out, expected, rtol=1e-5, atol=1e-6):
            why = ("that is the first time step, outputs[:, 0]; keep the last one" if t > 1 and
                   torch.allclose(out, first, rtol=1e-5, atol=1e-6) else
                   "expected the Linear layer applied to the LSTM's output at the last time step")
            raise Fail(f"wrong class scores: {why}" + where)
    return f"a working nn.Sequential with an nn.LSTM on all {len(_SEQ_CASES)} cases, one time step and one example too"


sequential_lstm_classifier = CHAPTER.exercise(
    "sequential_lstm_classifier",
    judge=_judge_sequential_lstm,
    hints=[
        "nn.Sequential passes one object from module to module. nn.LSTM hands on a tuple (outputs, (h_n, c_n)); "
        "the module you write between it and nn.Linear receives that tuple and returns one tensor.",
        "Write a tiny nn.Module subclass whose forward(self, lstm_result) unpacks `outputs, _ = lstm_result` and "
        "returns outputs[:, -1], shape (N, hidden); then nn.Sequential(nn.LSTM(n_features, hidden, "
        "batch_first=True), YourModule(), nn.Linear(hidden, n_classes)).",
        "A class defined inside the function works as well as one defined outside. "
        "`checks.sequential_lstm_classifier.solution()` shows the reference.",
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
    weights = call(fn, label="your loss weights")
    if weights is None:
        raise Fail("the result is None: did you forget `return`?")
    if not isinstance(weights, dict) or set(weights) != {"score", "label"}:
        raise Fail(f"return a dict with the keys 'score' and 'label', like Keras's loss_weights, not "
                   f"{cap(repr(weights), 60)}")
    values = {}
    for key, value in weights.items():
        if isinstance(value, torch.Tensor | np.ndarray) and np.size(value) == 1:
            value = value.item()
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) or value <= 0:
            raise Fail(f"the weight of '{key}' must be a positive number, not {cap(repr(value), 40)}")
        values[key] = float(value)
    w_score, w_label = values["score"], values["label"]
    asked = f"asked: score MSE below {MAX_SCORE_MSE:g} and label accuracy at least {MIN_LABEL_ACCURACY:.0%}"
    worst_mse, worst_acc = 0.0, 1.0
    with np.errstate(all="ignore"):
        for seed in LOSS_WEIGHT_SEEDS:
            mse, acc = _train_two_task(w_score, w_label, seed)
            worst_mse = mse if not math.isfinite(mse) else max(worst_mse, mse)
            worst_acc = min(worst_acc, acc)
            if not math.isfinite(worst_mse):
                break
    reached = (f"with weights score {w_score:g}, label {w_label:g} the worst of {len(LOSS_WEIGHT_SEEDS)} runs "
               f"reached validation score MSE {worst_mse:.3g} and label accuracy {worst_acc:.1%}")
    if not math.isfinite(worst_mse) or worst_mse > 1e3:
        raise Fail(f"{reached}; {asked}. The training diverged: a weight scales that loss's gradient like a "
                   f"learning rate, and this one is too large for SGD at lr {LOSS_WEIGHT_LR:g}")
    if worst_mse >= MAX_SCORE_MSE or worst_acc < MIN_LABEL_ACCURACY:
        why = []
        if worst_acc < MIN_LABEL_ACCURACY:
            why.append("the label head learns too slowly: its loss is small next to the score's, so give it a larger "
                       "weight")
        if worst_mse >= MAX_SCORE_MSE:
            why.append("the score is not learned well enough: its weight is too small, or the label term "
                       "dominates the shared layers")
        raise Fail(f"{reached}; {asked} ({'; '.join(why)})")
    return f"{reached} ({asked})"


choose_loss_weights = CHAPTER.exercise(
    "choose_loss_weights",
    judge=_judge_choose_loss_weights,
    hints=[
        "Write the brief's training as a function of the two weights that returns the validation MSE and "
        "accuracy. With plain SGD a loss weight multiplies that loss's gradients: it acts as a learning rate for "
        "that output. Start from score 1, label 1 and see which target fails.",
        "Try label weights spaced by a constant factor (1, 3, 10, 30, 100, 300, 1000) with score weights 0.3, 1 and "
        "3, and print both metrics for each pair: too small is slow, too large diverges. Pick a pair in the middle "
        "of the band that passes; `checks.choose_loss_weights.solution()` shows a sweep.",
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
        return "that is PyTorch's default; Keras's SGD learning_rate defaults to 0.01"
    if name == "RMSprop" and key == "lr" and "learning_rate" not in config and _same_value(got, 0.01):
        return "that is PyTorch's default; Keras's RMSprop learning_rate defaults to 0.001"
    if key == "eps" and _same_value(got, 1e-8):
        return "that is PyTorch's default; Keras's epsilon defaults to 1e-7"
    if key == "alpha":
        return "Keras's rho (default 0.9) is PyTorch's alpha (default 0.99)"
    if key == "betas":
        return "Keras's beta_1 and beta_2 go into one tuple, betas=(beta_1, beta_2), defaults 0.9 and 0.999"
    return f"map Keras's {dict(lr='learning_rate', eps='epsilon').get(key, key)} to PyTorch's {key}"


def _judge_keras_optimizer(fn) -> str:
    for name, config, cls, want in _OPT_CASES:
        label = f"{name} with {config or 'the defaults'}"
        where = f" (case: {label})"
        params = [torch.zeros(3, requires_grad=True), torch.zeros(2, 2, requires_grad=True)]
        optimizer = call(fn, params, name, dict(config), label=label)
        if optimizer is None:
            raise Fail("the result is None: did you forget `return`?" + where)
        if not isinstance(optimizer, cls):
            raise Fail(f"expected a torch.optim.{cls.__name__}, got {type(optimizer).__name__}" + where)
        group_params = [p for group in optimizer.param_groups for p in group["params"]]
        if len(group_params) != len(params) or any(a is not b for a, b in zip(group_params, params)):
            raise Fail("the optimizer must hold the tensors of `params` themselves, in their order" + where)
        group = optimizer.param_groups[0]
        for key, value in want.items():
            if not _same_value(group.get(key), value):
                why = _why_optimizer(name, key, group.get(key), value, config)
                raise Fail(f"{key} is {group.get(key)!r}, expected {value!r}: {why}" + where)
        if group.get("weight_decay", 0) != 0:
            raise Fail("weight_decay should stay 0: the Keras configs here have none" + where)
    return (f"the right PyTorch optimizer and arguments for all {len(_OPT_CASES)} Keras configurations, "
            f"defaults included")


keras_optimizer = CHAPTER.exercise(
    "keras_optimizer",
    judge=_judge_keras_optimizer,
    hints=[
        "Two steps: complete the config with Keras's defaults (the lesson's section 5 prints them; "
        "`keras.optimizers.Adam().get_config()` shows them too), then rename: learning_rate -> lr, "
        "beta_1, beta_2 -> betas, epsilon -> eps, rho -> alpha.",
        "A dict of Keras defaults per name, merged as `{**defaults[name], **config}`, then one constructor call per "
        "name, e.g. `torch.optim.Adam(params, lr=c['learning_rate'], betas=(c['beta_1'], c['beta_2']), "
        "eps=c['epsilon'])`. SGD's Keras default learning rate is not PyTorch's.",
        "`checks.keras_optimizer.solution()` shows the whole mapping.",
    ],
)


# --------------------------------------------------------------------------- 5. predict_gru_params (predict first)
predict_gru_params = CHAPTER.predict(
    "predict_gru_params",
    why="Keras's GRU defaults to reset_after=True (the cuDNN form), which keeps an input bias and a recurrent bias "
        "per gate, like PyTorch's b_ih and b_hh: 3 x (4*8 + 8*8 + 8 + 8) = 336 in both. With reset_after=False "
        "Keras keeps one bias: 312.",
    options={
        "a": "nn.GRU has more, as nn.LSTM does: two bias vectors instead of one",
        "b": "both have the same number",
        "c": "nn.GRU has fewer",
    },
    hints=[
        "Count a GRU's parameters: 3 gates (reset, update, candidate), each with an input matrix (4 x 8), a "
        "recurrent matrix (8 x 8) and bias vectors. The question is how many bias vectors per gate each library "
        "keeps.",
        "PyTorch keeps two per gate, as for the LSTM. Keras's GRU has an argument that decides it, reset_after; "
        "what is its default in Keras 3? Answer 'a', 'b' or 'c'; `checks.predict_gru_params.solution()` shows the "
        "answer.",
    ],
)


# --------------------------------------------------------------------------- 6. flatten_dense_to_torch
def _flatten_cases():
    rng = np.random.default_rng(6)
    return [
        case("H=3, W=4, C=2, 5 units", rng.standard_normal((24, 5)).astype(np.float32), 3, 4, 2),
        case("H=2, W=2, C=3, 4 units", rng.standard_normal((12, 4)).astype(np.float32), 2, 2, 3),
        case("H=W=1: 3 channels, 2 units (the order cannot change)", rng.standard_normal((3, 2)).astype(np.float32),
             1, 1, 3),
        case("C=1: a grey 4x3 map, 2 units", rng.standard_normal((12, 2)).astype(np.float32), 4, 3, 1),
        case("a float64 kernel, H=2, W=3, C=2, 1 unit", rng.standard_normal((12, 1)), 2, 3, 2),
    ]


def _compare_flatten(expected: torch.Tensor, got, rtol: float = 1e-6, atol: float = 1e-7) -> str | None:
    if got is None:
        return "the result is None: did you forget `return`?"
    if not isinstance(got, torch.Tensor):
        return f"expected a torch.Tensor (nn.Linear's weight), got {type(got).__name__}"
    if tuple(got.shape) != tuple(expected.shape):
        units, n_in = expected.shape
        why = ": that is Keras's layout (inputs, units); nn.Linear's weight is (units, inputs)" if tuple(
            got.shape) == (n_in, units) and units != n_in else ""
        return f"wrong shape: expected (units, C*H*W) = {tuple(expected.shape)}, got {tuple(got.shape)}{why}"
    if got.dtype != torch.float32:
        return f"wrong dtype: expected torch.float32, got {got.dtype}"
    return compare_values(expected, got, rtol, atol, what="weight")


flatten_dense_to_torch = CHAPTER.exercise(
    "flatten_dense_to_torch",
    examples=[example(torch.tensor([[1.0, 3.0, 2.0, 4.0]]),
                      "the brief's example: H=1, W=2, C=2, one unit, kernel rows 1, 2, 3, 4",
                      np.array([[1.0], [2.0], [3.0], [4.0]], dtype=np.float32), 1, 2, 2)],
    cases=_flatten_cases,
    compare=_compare_flatten,
    mistakes=[
        (lambda kernel, h, w, c: torch.as_tensor(np.asarray(kernel, dtype=np.float32)).T,
         "transposing is not enough: the rows are still in Keras's (h, w, c) order, while nn.Flatten on (C, H, W) "
         "maps gives (c, h, w)"),
        (lambda kernel, h, w, c: torch.as_tensor(np.asarray(kernel, dtype=np.float32)).reshape(
            h, w, c, -1).permute(2, 1, 0, 3).reshape(c * h * w, -1).T,
         "that is the order (c, w, h): nn.Flatten on (C, H, W) maps reads (c, h, w), so permute(2, 0, 1, 3)"),
    ],
    hints=[
        "Row r of the Keras kernel belongs to one input position (h, w, c), numbered in the order h, then w, then c "
        "(c fastest). In PyTorch, input j of the Linear layer is position (c, h, w) with w fastest. The weights stay, "
        "their order changes.",
        "torch.as_tensor(kernel).reshape(H, W, C, units) names the rows by (h, w, c); .permute(2, 0, 1, 3) puts "
        "them in (c, h, w) order; .reshape(C * H * W, units) and .T give nn.Linear's (units, inputs). Make it "
        "float32.",
        "`return k.reshape(height, width, channels, -1).permute(2, 0, 1, 3).reshape(channels * height * width, "
        "-1).T.float()`; `checks.flatten_dense_to_torch.solution()` shows it.",
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
        parity = "even" if (k - s) % 2 == 0 else "odd"
        out.append(case(f"kernel {k}, stride {s} (k - s {parity}), input (2, 2, 4, 3)", x, weight, bias, s))
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
                      "the brief's example: one pixel of value 1, a 3x3 kernel 0..8, stride 2",
                      torch.ones(1, 1, 1, 1), torch.arange(9.0).reshape(1, 1, 3, 3), torch.zeros(1), 2)],
    cases=_convt_cases,
    rtol=1e-5,
    atol=1e-5,
    what="output",
    mistakes=[
        (_convt_output_padding, "values shifted by a row: Keras drops (k - s) // 2 rows at the top and the odd one "
                                "at the bottom; padding with output_padding cannot do that"),
    ],
    hints=[
        "F.conv_transpose2d(x, weight, bias, stride=s) without padding computes the full output, (H - 1) s + k rows. "
        "Keras keeps s H of them. Which rows? The brief says how many go at the top.",
        "Crop the full output: start = (k - s) // 2, then out[..., start:start + s * H, start:start + s * W] "
        "(H, W: the input's height and width). No padding argument is needed at all.",
        "`full = F.conv_transpose2d(x, weight, bias, stride=stride)`, `top = (k - stride) // 2`, return the crop "
        "above; `checks.conv_transpose_same.solution()` shows it.",
    ],
)
