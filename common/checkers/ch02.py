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

from common.checks import Chapter, Fail, call, cap, case, compare_values, example, named_parts
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


def _overflow_check(compare, advice: str):
    """``compare`` preceded by one sentence for a result with nan or inf where the right answer is finite."""

    def checked(expected, got, rtol: float = 1e-5, atol: float = 1e-7) -> str | None:
        parts_e = expected if isinstance(expected, tuple) else (expected,)
        parts_g = got if isinstance(got, tuple | list) else (got,)
        if all(_finite(e) for e in parts_e) and not all(_finite(g) for g in parts_g):
            return f"the result contains nan or inf: {advice}"
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
        example((np.array([0.0]), np.array([0.5])), "the brief's example: x = [0]", np.array([0.0])),
        example((np.array([1.7615941559557646]), np.array([1.0907842487848955])), "the brief's example: x = [2]",
                np.array([2.0])),
        example((np.array([-0.0, 1000.0]), np.array([0.0, 1.0])), "huge inputs x = [-1000, 1000]",
                np.array([-1000.0, 1000.0])),
    ],
    cases=[
        case("x of shape (7,) in [-6, 6]", np.linspace(-6.0, 6.0, 7)),
        case("x of shape (3, 4), random", _rng(1).standard_normal((3, 4)) * 3),
        case("a batch of 1: x of shape (1, 5), negative values", -np.abs(_rng(2).standard_normal((1, 5))) - 0.5),
        case("saturated inputs x = [-800, -40, 40, 800]", np.array([-800.0, -40.0, 40.0, 800.0])),
        case("integer inputs x = [-3, 0, 2] (the answer is not an integer)", np.array([-3, 0, 2])),
    ],
    compare=_overflow_check(named_parts("y", "dy_dx"), "compute sigma(x) without overflow first (the lesson's "
                                                       "sigmoid, section 2)"),
    rtol=1e-6,
    atol=1e-12,
    mistakes=[
        (lambda x: _silu_with(x, "no_product_rule"), "y = x * sigma(x) is a product: its derivative is "
                                                     "sigma(x) + x * sigma'(x), not sigma(x) alone"),
        (lambda x: _silu_with(x, "only_x_ds"), "product rule: add the term sigma(x) from differentiating x"),
        (lambda x: _silu_with(x, "sigmoid_grad"), "that is the sigmoid's derivative; SiLU is x * sigma(x): use the "
                                                  "product rule"),
        (lambda x: _silu_with(x, value="sigmoid"), "y is x * sigma(x), not sigma(x)"),
    ],
    hints=[
        "SiLU is a product of two functions of x, x and sigma(x): differentiate it with the product rule, and write "
        "sigma'(x) with sigma itself, as the lesson does.",
        "With s = sigma(x) (computed as the lesson's stable sigmoid: e = np.exp(-np.abs(x)) and np.where), "
        "y = x * s and dy/dx = s + x * s * (1 - s). Convert x with np.asarray(x, dtype=float) first.",
        "`x = np.asarray(x, dtype=float)`, `e = np.exp(-np.abs(x))`, `s = np.where(x >= 0, 1 / (1 + e), e / (1 + e))`, "
        "`return x * s, s * (1 + x * (1 - s))`. `checks.silu_with_grad.solution()` shows it.",
    ],
)


# --------------------------------------------------------------------------- 2. predict_sigmoid_chain (predict first)
predict_sigmoid_chain = CHAPTER.predict(
    "predict_sigmoid_chain",
    why="Only the first unit sees z = 0, where sigma' = 1/4. Every later input is a sigmoid output, at least 0.5 "
        "(the sigmoid is not centred on 0), where sigma' < 1/4: the product is about 0.00068.",
    options={
        "a": "exactly (1/4)^5, about 0.00098",
        "b": "smaller than (1/4)^5",
        "c": "larger than (1/4)^5",
    },
    hints=[
        "By the chain rule dh/dx is the product of the five local derivatives sigma'(z_k), each taken at the input "
        "z_k of unit k. Which of these inputs is 0?",
        "The second unit's input is sigma(0) = 0.5. Is sigma'(0.5) above or below sigma'(0) = 1/4? And the inputs "
        "after it? Answer 'a', 'b' or 'c'; `checks.predict_sigmoid_chain.solution()` shows the answer.",
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
        case("logits (4, 5), random labels, T = 2", rng.standard_normal((4, 5)) * 2, rng.integers(0, 5, 4), 2.0),
        case("logits (3, 2), T = 0.5 (sharper than softmax)", rng.standard_normal((3, 2)), np.array([0, 1, 1]), 0.5),
        case("T = 1 is the plain softmax cross-entropy: logits (5, 4)", rng.standard_normal((5, 4)),
             rng.integers(0, 4, 5), 1.0),
        case("a high temperature T = 10: logits (2, 6)", rng.standard_normal((2, 6)) * 5, np.array([3, 0]), 10.0),
        case("a low temperature T = 0.01 makes the scaled logits huge: logits (3, 4)", rng.standard_normal((3, 4)),
             np.array([0, 1, 2]), 0.01),
        case("rows on very different scales: [[1000, 0, 999], [-1000, -1001, -1002]], T = 0.5",
             np.array([[1000.0, 0.0, 999.0], [-1000.0, -1001.0, -1002.0]]), np.array([2, 0]), 0.5),
        case("integer logits [[2, 0, 1], [0, 3, 3]] and an integer T = 2", np.array([[2, 0, 1], [0, 3, 3]]),
             np.array([0, 2]), 2),
    ]


temperature_cross_entropy = CHAPTER.exercise(
    "temperature_cross_entropy",
    examples=[
        example((0.4076059644443804, np.array([[0.09003057317038043, 0.24472847105479764, -0.3347590442251782]])),
                "the brief's example: logits [[1, 2, 3]], label 2, T = 1", np.array([[1.0, 2.0, 3.0]]), np.array([2]),
                1.0),
        example((0.6802696706417346, np.array([[0.09316186, 0.15359794, -0.2467598]])),
                "the brief's example: logits [[1, 2, 3]], label 2, T = 2", np.array([[1.0, 2.0, 3.0]]), np.array([2]),
                2.0),
    ],
    cases=_tce_cases,
    compare=_overflow_check(named_parts("loss", "gradient dlogits"),
                            "compute log p as u - m - log(sum(exp(u - m))) with u = logits / T and m its row maximum"),
    rtol=1e-6,
    atol=1e-9,
    mistakes=[
        (lambda lo, la, t: _tce_with(lo, la, t, "no_t"), "the logits are divided by T before the softmax, so the "
                                                          "chain rule adds a factor 1/T: (p - y) / (N T)"),
        (lambda lo, la, t: _tce_with(lo, la, t, "times_t"), "dividing by T in the forward pass means dividing by T "
                                                             "in the backward pass too, not multiplying"),
        (lambda lo, la, t: _tce_with(lo, la, t, "no_t", forward_t=False), "the temperature is missing: the softmax "
                                                                          "is taken of logits / T"),
        (_tce_naive, "np.exp of a large scaled logit is inf in float64, and inf / inf is nan"),
        (_tce_global_max, "one maximum for the whole batch is not enough when rows live on different scales"),
    ],
    hints=[
        "Two steps: u = logits / T, then the lesson's softmax cross-entropy of u. For the gradient, the chain rule "
        "through u = logits / T multiplies dL/du by du/dlogits.",
        "On u, the lesson gives dL/du = (p - y) / N with p = softmax(u) row by row, computed from log p = u - m - "
        "log(sum(exp(u - m))) with m the row maximum. du/dlogits is 1/T for every entry.",
        "`u = np.asarray(logits, dtype=float) / temperature`, `s = u - u.max(axis=1, keepdims=True)`, "
        "`log_p = s - np.log(np.exp(s).sum(axis=1, keepdims=True))`, loss `-log_p[np.arange(n), labels].mean()`, "
        "gradient `(np.exp(log_p) - one_hot) / (n * temperature)`. `checks.temperature_cross_entropy.solution()`.",
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
        case("relu with pre-activations exactly 0 (an input row of zeros and b = 0): slope 0 there, as in PyTorch",
             x0, np.array([[1.0, 1.0], [0.5, 1.0]]), np.zeros(2), np.ones((3, 2)), "relu"),
        case("a batch of 1: tanh, x (1, 3), W (3, 2)", r.normal(size=(1, 3)), r.normal(size=(3, 2)), r.normal(size=2),
             r.normal(size=(1, 2)), "tanh"),
        case("saturated sigmoid units: pre-activations in the hundreds", 100 * r.normal(size=(3, 2)),
             r.normal(size=(2, 2)), r.normal(size=2), r.normal(size=(3, 2)), "sigmoid"),
        case("integer x, W, b and grad_h, relu", np.array([[1, -2, 3]]), np.array([[1, 0], [0, 1], [1, 1]]),
             np.array([0, -1]), np.array([[2, 3]]), "relu"),
    ]


activation_layer_backward = CHAPTER.exercise(
    "activation_layer_backward",
    examples=[example(
        (np.array([[3.0, 1.0]]), np.array([[1.0, 0.0, 1.0], [-1.0, 0.0, -1.0]]), np.array([1.0, 0.0, 1.0])),
        "the brief's example: relu, x = [[1, -1]], W = [[1, 0, 2], [0, 1, 1]], b = 0, grad_h = [[1, 1, 1]]",
        np.array([[1.0, -1.0]]), np.array([[1.0, 0.0, 2.0], [0.0, 1.0, 1.0]]), np.zeros(3), np.ones((1, 3)), "relu")],
    cases=_layer_cases,
    compare=_overflow_check(named_parts("dx", "dW", "db"), "compute the sigmoid without overflow (np.exp of "
                                                           "-|z| only)"),
    rtol=1e-6,
    atol=1e-10,
    mistakes=[
        (lambda *a: _layer_with(*a, mistake="no_derivative"), "multiply grad_h by f'(z) first: the gradient "
                                                               "passes through the activation before the linear map"),
        (lambda *a: _layer_with(*a, mistake="derivative_at_output"), "f' is taken at the pre-activation z = x W + b, "
                                                                      "not at the output h = f(z)"),
        (lambda *a: _layer_with(*a, mistake="relu_one_at_zero"), "at z = 0 exactly, ReLU's slope is 0 (z > 0, "
                                                                  "not z >= 0), as in PyTorch"),
        (lambda *a: _layer_with(*a, mistake="db_mean"), "db adds up the contributions of the N examples "
                                                        "(sum over axis 0), it does not average them"),
    ],
    hints=[
        "Go backwards through h = f(z), z = x W + b. First through f: dL/dz = grad_h times f'(z), elementwise. Then "
        "through the linear map, exactly as for a layer without activation.",
        "Recompute z = x @ W + b. dz = grad_h * f'(z) with f' from the lesson's table (sigmoid s(1 - s), tanh "
        "1 - tanh^2, relu (z > 0)). Then dx = dz @ W.T (shape of x), dW = x.T @ dz (shape of W), db = dz summed "
        "over the batch axis.",
        "`z = x @ W + b`; `dz = grad_h * fprime(z)`; `return dz @ W.T, x.T @ dz, dz.sum(axis=0)`, with "
        "`fprime` chosen by the name in `activation`. `checks.activation_layer_backward.solution()`.",
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
        ("sigmoid, 6 layers of 16 units: watch the first ones", [3, 16, 16, 16, 16, 16, 16], "sigmoid", 8),
        ("tanh, 4 layers 2 -> 8 -> 8 -> 8 -> 4", [2, 8, 8, 8, 4], "tanh", 5),
        ("relu, 5 layers of 10 units", [4, 10, 10, 10, 10, 10], "relu", 6),
        ("a single layer, sigmoid", [3, 2], "sigmoid", 4),
        ("a batch of 1, tanh, 3 layers", [5, 4, 3, 2], "tanh", 1),
    ]:
        Ws, bs = _stack(r, sizes, 2.0 if act != "relu" else np.sqrt(2.0))
        out.append(case(label, r.normal(size=(n, sizes[0])), Ws, bs, r.normal(size=(n, sizes[-1])), act))
    out.append(case("integer inputs, relu, 2 layers", np.array([[1, 2], [-1, 0]]),
                    [np.array([[1, -1], [2, 0]]), np.array([[1], [1]])], [np.array([0, 1]), np.array([0])],
                    np.array([[1], [-2]]), "relu"))
    return out


layer_gradient_norms = CHAPTER.exercise(
    "layer_gradient_norms",
    examples=[example(np.array([1.4142135623730951]), "the brief's example: one relu layer, x = [[1, -1]], W = I, "
                                                      "b = 0, grad_out = [[1, 1]]",
                      np.array([[1.0, -1.0]]), [np.eye(2)], [np.zeros(2)], np.ones((1, 2)), "relu")],
    cases=_norms_cases,
    compare=_overflow_check(lambda e, g, rtol, atol: compare_values(e, g, rtol, atol, what="gradient norms"),
                            "compute the sigmoid without overflow"),
    rtol=1e-6,
    atol=1e-12,
    mistakes=[
        (lambda *a: _norms_with(*a, mistake="reversed"), "the backward pass meets the layers last to first; return "
                                                         "the norms first layer first (reverse your list)"),
        (lambda *a: _norms_with(*a, mistake="no_derivative"), "at every layer the gradient passes through f'(z) "
                                                              "before the weights: multiply by it"),
        (lambda *a: _norms_with(*a, mistake="dz_norm"), "that is the norm of dL/dz; the exercise asks for "
                                                        "dL/dW = h_prev.T @ dz"),
    ],
    hints=[
        "Two passes. Forward: keep every layer's input h_{k-1} and pre-activation z_k. Backward: start from grad_out "
        "and go from the last layer to the first, using exercise 4 at each layer; its dx is the next grad_h.",
        "Keep lists `hs` (inputs) and `zs` during the forward pass. Backward, for k from the last layer down: "
        "dz = g * f'(z_k), the norm of hs[k].T @ dz (np.linalg.norm) goes into the list, and g = dz @ W_k.T. "
        "Reverse the list at the end.",
        "Or call your `activation_layer_backward(hs[k], Ws[k], bs[k], g, activation)`: it returns (dx, dW, db); keep "
        "`np.linalg.norm(dW)` and set `g = dx`. `checks.layer_gradient_norms.solution()` shows it.",
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
        raise Fail("your choice is None: did you forget `return`?")
    if not isinstance(got, tuple | list) or len(got) != 2:
        raise Fail(f"return a pair (activation, learning_rate), e.g. ('relu', 0.5), not {cap(repr(got), 60)}")
    name, lr = got
    if not isinstance(name, str) or name.strip().lower() not in _ACTIVATION_MODULES:
        raise Fail(f"the activation is one of 'sigmoid', 'tanh', 'relu', not {cap(repr(name), 40)}")
    if isinstance(lr, torch.Tensor | np.ndarray) and np.size(lr) == 1:
        lr = lr.item()
    if isinstance(lr, bool | np.bool_) or not isinstance(lr, numbers.Real) or not np.isfinite(lr) or lr <= 0:
        raise Fail(f"the learning rate must be one positive, finite number, not {cap(repr(lr), 40)}")
    return name.strip().lower(), float(lr)


def _judge_activation_and_lr(fn) -> str:
    name, lr = _read_choice(call(fn, label="your choice"))
    with np.errstate(all="ignore"):
        accuracy = _xor_run(name, lr)
    asked = f"asked: at least {XOR_TARGET:.0%} after {XOR_STEPS} steps"
    if accuracy < XOR_TARGET:
        if name == "sigmoid":
            why = ("the gradient reaching the first sigmoid layers is tiny (exercise 5), so they hardly move, whatever "
                   "the rate: try another activation")
        else:
            why = "compare a few rates spaced by a factor of 3: too small creeps, too large overshoots"
        raise Fail(f"your choice ({name!r}, {lr:.3g}) reached {accuracy:.1%} training accuracy after {XOR_STEPS} "
                   f"steps; {asked}. {why}")
    return (f"your choice ({name!r}, {lr:.3g}) reached {accuracy:.1%} training accuracy after {XOR_STEPS} steps "
            f"({asked})")


activation_and_lr = CHAPTER.exercise(
    "activation_and_lr",
    judge=_judge_activation_and_lr,
    hints=[
        "Write a function `run(activation, lr)` that trains `deep_xor_net(activation)` on `xor_data()` for 300 steps "
        "(the loop of the lesson's section 1, with SGD and momentum 0.9) and returns the training accuracy.",
        "Try every activation with a few rates spaced by a factor of about 3, from 0.01 to 3, and print the accuracy "
        "of each. One activation fails at every rate: exercises 2 and 5 say why. Return the pair of a run that "
        "clears the bar with some margin; `checks.activation_and_lr.solution()` shows a sweep.",
    ],
)
