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

from common.checks import Chapter, Fail, call, cap, case, example, named_parts
from common.data import LOGIC_GATES, LOGIC_INPUTS, make_toy_2d
from common.np_layers import sigmoid

CHAPTER = Chapter("01_perceptron")
__getattr__ = CHAPTER.legacy


def _rng(seed: int = 1) -> np.random.Generator:
    return np.random.default_rng(seed)


def _numbers(value, what: str) -> np.ndarray:
    """``value`` as a float64 array, or a Fail that says what ``what`` should have been."""
    if value is None:
        raise Fail(f"{what} is None: did you forget `return`?")
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().double().numpy()
    if isinstance(value, (str, bytes, dict)):
        raise Fail(f"{what} should be numbers, got {type(value).__name__}")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise Fail(f"{what} should be numbers, got {type(value).__name__}") from None
    if not np.all(np.isfinite(arr)):
        raise Fail(f"{what} holds nan or inf")
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
    got = call(fn, label="your weights")
    if got is None:
        raise Fail("the result is None: did you forget `return`?")
    if not isinstance(got, dict) or set(got) != set(_GATES):
        kind = f"keys {sorted(map(str, got))}" if isinstance(got, dict) else type(got).__name__
        raise Fail(f"return a dict with the keys {sorted(_GATES)}, each holding (w, b); got {kind}")
    for name, (X, target) in _GATES.items():
        pair = got[name]
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise Fail(f"{name}: give a pair (w, b), got {type(pair).__name__}")
        w, b = _numbers(pair[0], f"{name}'s w"), _numbers(pair[1], f"{name}'s b")
        if w.shape != (X.shape[1],):
            raise Fail(f"{name}: w should have one weight per input, shape {_shape((X.shape[1],))}; "
                       f"got {_shape(w.shape)}")
        if b.size != 1:
            raise Fail(f"{name}: b is one number, got shape {_shape(b.shape)}")
        z = X @ w + float(b.reshape(()))
        out = _step(z)
        wrong = np.flatnonzero(out != target)
        if wrong.size:
            i = wrong[0]
            does = "fires (1)" if out[i] else "does not fire (0)"
            note = ": a sum of exactly 0 does not fire, step(0) = 0" if z[i] == 0 else ""
            raise Fail(f"{name} is wrong on {wrong.size} of {len(X)} inputs: for x = {_bits(X[i])} your perceptron "
                       f"{does}, {name} is {target[i]} (w . x + b = {z[i]:.3g}{note})")
    return "all three gates are right on every input: NOR, A_AND_NOT_B (4 rows each) and MAJORITY (8 rows)"


gate_weights = CHAPTER.exercise(
    "gate_weights",
    judge=_judge_gate_weights,
    hints=[
        "Each gate is a line (for MAJORITY, a plane) with the firing inputs on its positive side. Write down the "
        "inequality each input must satisfy, as the lesson did for XOR, and find numbers that satisfy all of them.",
        "NOR is NOT OR: flip every sign of an OR perceptron. For A_AND_NOT_B, x1 must push towards firing and x2 "
        "against it. For MAJORITY, equal weights: the sum counts the inputs that are on, and b sets how many are "
        "needed (aim between one and two).",
        "NOR: OR's weights and bias times -1. A_AND_NOT_B: w = (+a, -a) with a bias that only (1, 0) overcomes. "
        "MAJORITY: w = (a, a, a) and -2a < b < -a.",
    ],
)


# --------------------------------------------------------------------------- 2. predict_learning_rate
predict_learning_rate = CHAPTER.predict(
    "predict_learning_rate",
    why="From zero weights every update adds +-eta x, so w and b stay eta times those of the eta = 1 run. Scaling "
        "both by eta > 0 keeps the sign of w . x + b, all that the step looks at: same mistakes, same epochs.",
    options={"a": "fewer epochs: bigger steps get there sooner",
             "b": "the same 6 epochs, with every weight 10 times larger",
             "c": "more epochs: the big steps overshoot",
             "d": "it never converges"},
    hints=[
        "Write the weights after the first two updates of each run: what do they have in common?",
        "Starting from zero, every weight is a sum of terms +-eta x. What does multiplying w and b by the same "
        "positive number do to the sign of w . x + b, which is all the step function looks at?",
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
        case("30 overlapping points in 2-D (not separable), lr 0.5, 20 epochs", *_blobs(30, 3, 0.9), 0.5, 20),
        case("XOR: the zero start is as good as any weights the rule visits", LOGIC_INPUTS.copy(),
             LOGIC_GATES["XOR"].copy(), 0.1, 10),
        case("40 overlapping points in 2-D, lr 1, 3 epochs", *_blobs(40, 7, 1.0), 1.0, 3),
        case("separable points in 3-D, lr 1, 50 epochs: the pocket makes no errors", X_sep,
             (X_sep @ w_true + 0.3 > 0).astype(np.int64), 1.0, 50),
        case("NAND with integer inputs, lr 1, 10 epochs", LOGIC_INPUTS.astype(np.int64), LOGIC_GATES["NAND"].copy(),
             1.0, 10),
    ]


pocket_perceptron = CHAPTER.exercise(
    "pocket_perceptron",
    examples=[example((np.array([0.2, 0.1]), -0.2, 0), "the brief's AND example: it converges, so the pocket "
                      "holds the final weights", LOGIC_INPUTS, LOGIC_GATES["AND"], 0.1, 10)],
    cases=_pocket_cases,
    compare=lambda expected, got, rtol=1e-5, atol=1e-7: _compare_pocket(expected, got, rtol, atol),
    mistakes=[
        (lambda *a: _pocket_with(*a, alias=True),
         "the pocket holds the same array as w: `w += ...` changes both. Build a new array (w = w + ...) "
         "or pocket a copy (w.copy())"),
        (lambda *a: _pocket_with(*a, last=True), "return the pocketed weights, not the last ones the rule reached"),
        (lambda *a: _pocket_with(*a, better=lambda e, best: e <= best),
         "pocket only strictly better weights (fewer errors, not as few): the first best ones stay"),
        (lambda *a: _pocket_with(*a, per_update=False),
         "count the errors after every update, not once per epoch: the best weights can appear mid-epoch"),
        (lambda *a: _pocket_with(*a, step=lambda s: s >= 0), "a sum of exactly 0 gives 0: compare with > 0"),
    ],
    hints=[
        "Start from the lesson's training loop: zero weights, rows in order, the rule w + lr (t - y) x. Add a pocket "
        "(best w, best b, their error count) that starts with the zero weights, and update it only when the rule "
        "changes the weights and the new ones make strictly fewer errors on all of X.",
        "A helper `errors(w, b) = int(np.sum((X @ w + b > 0) != t))` counts mistakes on the whole set. Inside the "
        "loop, skip rows the weights already get right; after an update, compare errors(w, b) with the pocket's. "
        "Stop when an epoch needs no update.",
        "`w = w + lr * (t_i - y) * x` makes a new array, so `best = (w, b, e)` is safe; `w += ...` would change the "
        "pocketed array too. Return `best`.",
    ],
)


def _compare_pocket(expected, got, rtol=1e-5, atol=1e-7) -> str | None:
    problem = named_parts("w", "b", "errors")(expected, got, rtol, atol)
    if problem is None and not isinstance(got[2], (int, np.integer)):
        return f"errors counts inputs: return an int, not {type(got[2]).__name__}"
    return problem


# --------------------------------------------------------------------------- 4. parity3_weights (judged)
_CUBE = np.array(list(itertools.product([0.0, 1.0], repeat=3)))
_PARITY = (_CUBE.sum(axis=1) % 2).astype(np.int64)


def _judge_parity3(fn) -> str:
    got = call(fn, label="your weights")
    if got is None:
        raise Fail("the result is None: did you forget `return`?")
    if not isinstance(got, (tuple, list)) or len(got) != 4:
        kind = f"a {len(got)}-item {type(got).__name__}" if isinstance(got, (tuple, list)) else type(got).__name__
        raise Fail(f"return a tuple (W1, b1, w2, b2), got {kind}")
    W1, b1, w2, b2 = (_numbers(v, name) for v, name in zip(got, ("W1", "b1", "w2", "b2")))
    if W1.ndim != 2 or W1.shape[0] != 3:
        raise Fail(f"W1 takes the 3 inputs to your hidden units: shape (3, H), got {_shape(W1.shape)}")
    hidden = W1.shape[1]
    if b1.shape != (hidden,):
        raise Fail(f"b1 has one bias per hidden unit: shape {_shape((hidden,))}, got {_shape(b1.shape)}")
    if w2.shape != (hidden,):
        raise Fail(f"w2 has one weight per hidden unit: shape {_shape((hidden,))}, got {_shape(w2.shape)}")
    if b2.size != 1:
        raise Fail(f"b2 is one number, got shape {_shape(b2.shape)}")
    hidden_out = _step(_CUBE @ W1 + b1)
    out = _step(hidden_out @ w2 + float(b2.reshape(())))
    wrong = np.flatnonzero(out != _PARITY)
    if wrong.size:
        i = wrong[0]
        on = int(_CUBE[i].sum())
        raise Fail(f"wrong on {wrong.size} of 8 inputs: for x = {_bits(_CUBE[i])} ({on} input{'s' * (on != 1)} on) "
                   f"your hidden layer gives {_bits(hidden_out[i])} and the output {out[i]}; the parity is "
                   f"{_PARITY[i]}")
    return f"right on all 8 inputs, with {hidden} hidden unit{'s' * (hidden != 1)}"


parity3_weights = CHAPTER.exercise(
    "parity3_weights",
    judge=_judge_parity3,
    hints=[
        "The parity depends only on how many inputs are on (0, 1, 2 or 3), and that count is x . (1, 1, 1). "
        "A step unit with weights (1, 1, 1) can answer 'are at least k inputs on?' for any k you choose.",
        "Use three hidden units that answer 'at least 1 on?', 'at least 2?', 'at least 3?' (biases between the "
        "counts). For each count 0..3, write the hidden outputs, then find output weights (+1 or -1) and a bias "
        "that give 0, 1, 0, 1.",
        "W1 = np.ones((3, 3)), b1 puts each threshold halfway between two counts; the output is "
        "h1 - h2 + h3 minus a half.",
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


def _mlp_case(label, n, d, h, rng, scale=1.0):
    return case(label, rng.standard_normal((n, d)), rng.integers(0, 2, (n, 1)).astype(np.float64),
                scale * rng.standard_normal((d, h)), rng.standard_normal(h), scale * rng.standard_normal((h, 1)),
                rng.standard_normal(1))


def _mlp_cases():
    rng = _rng()
    return [
        _mlp_case("batch of 6, 3 inputs, 5 hidden units", 6, 3, 5, rng),
        _mlp_case("a batch of one, 2 inputs, 4 hidden units", 1, 2, 4, rng),
        _mlp_case("batch of 8, 2 inputs, 3 hidden units, large weights (saturated sigmoids)", 8, 2, 3, rng, 4.0),
    ]


_Z = np.zeros
mlp_backward_mse = CHAPTER.exercise(
    "mlp_backward_mse",
    examples=[example({"W1": _Z((2, 2)), "b1": _Z(2), "W2": np.full((2, 1), -0.125), "b2": np.array([-0.25])},
                      "the brief's example: every weight and bias 0, x = [[1, 2]], t = [[1]]",
                      np.array([[1.0, 2.0]]), np.array([[1.0]]), _Z((2, 2)), _Z(2), _Z((2, 1)), _Z(1))],
    cases=_mlp_cases,
    what="gradient",
    mistakes=[
        (lambda *a: _backward_with(*a, dz=lambda p, t, N: (p - t) / N),
         "(p - t) / N is the cross-entropy shortcut; for the squared error dL/dp = 2 (p - t) / N, times the "
         "sigmoid's slope p (1 - p)"),
        (lambda *a: _backward_with(*a, dz=lambda p, t, N: (p - t) / N * p * (1 - p)),
         "the derivative of (p - t)^2 is 2 (p - t): keep the 2"),
        (lambda *a: _backward_with(*a, dz=lambda p, t, N: 2 * (p - t) / N),
         "go back through the output sigmoid too: multiply dL/dp by p (1 - p)"),
        (lambda *a: _backward_with(*a, mean=False), "L is a mean over the batch: divide by N"),
        (lambda *a: _backward_with(*a, hidden_slope=False),
         "go back through the hidden sigmoid: multiply dH by H (1 - H)"),
    ],
    hints=[
        "Run the forward pass and keep H and p. Then go backwards one operation at a time: the mean of squares, "
        "the output sigmoid, the second Affine, the hidden sigmoid, the first Affine. Each gradient has the shape "
        "of what it is the gradient of.",
        "dL/dp is the derivative of a mean of squares (mind the factor 2 and the 1/N); the output sigmoid multiplies "
        "it by its slope, which you can write with p alone: that is dZ. From dZ on it is the lesson's backward pass: "
        "dW2 = H^T dZ, db2 sums dZ over the batch, dH = dZ W2^T, dA1 = dH H (1 - H).",
        "`dZ = 2 * (p - t) / N * p * (1 - p)`, then dW1 = X^T dA1 and db1 = dA1.sum(axis=0); return the four in a "
        "dict.",
    ],
)


# --------------------------------------------------------------------------- 6. predict_saturated_gradient
predict_saturated_gradient = CHAPTER.predict(
    "predict_saturated_gradient",
    why="Cross-entropy: dL/dZ = p - t, about 1. Squared error: dL/dZ = 2 (p - t) p (1 - p), about 0.002: the "
        "sigmoid's flat tail all but erases the push from the network's most confident mistake.",
    options={"a": "the squared error (p - t)^2",
             "b": "the cross-entropy -log(1 - p)",
             "c": "about the same: both measure the same mistake"},
    hints=[
        "Both gradients pass through the output sigmoid, whose slope p (1 - p) is tiny at p = 0.999. Does each loss "
        "keep that small factor, or cancel it?",
        "Your mlp_backward_mse has dZ for the squared error; the lesson gives dZ = p - t for the cross-entropy. "
        "Put p = 0.999, t = 0 into both.",
    ],
)


# --------------------------------------------------------------------------- 7. moons_learning_rate (experiment)
def _judge_moons_learning_rate(fn) -> str:
    lr = call(fn, label="your learning rate")
    if lr is None:
        raise Fail("the result is None: did you forget `return`?")
    value = None if isinstance(lr, (bool, np.bool_, str, bytes)) else _numbers_or_fail(lr)
    if value is None or value.size != 1:
        raise Fail(f"return one learning rate, a positive number, not {cap(repr(lr), 60)}")
    lr = float(value.reshape(()))
    if lr <= 0:
        raise Fail(f"your learning rate {lr:.3g} is not positive: gradient descent steps against the gradient, "
                   "theta - lr * grad, with lr > 0")
    run = train_moons_mlp(lr)
    loss, losses = run["loss"], np.asarray(run["losses"])
    shown = f"{loss:.3f}" if abs(loss) < 1e3 else f"{loss:.3g}"
    reached = (f"your learning rate {lr:.3g} reached a training loss of {shown} after {MOONS_STEPS} steps "
               f"(validation accuracy {run['val_accuracy']:.1%}); asked: below {MOONS_TARGET}")
    if np.isfinite(loss) and loss < MOONS_TARGET:
        return reached
    with np.errstate(invalid="ignore"):
        rises = int(np.sum(np.diff(losses) > 1e-9))
    if not np.isfinite(loss) or rises > 20:
        raise Fail(f"{reached}. The loss went up at {rises} of the {MOONS_STEPS} steps: the steps overshoot, "
                   "this learning rate is too large")
    raise Fail(f"{reached}. The loss fell at every step, but slowly: the net is still on the plateau of a nearly "
               "straight boundary. Larger steps get it off sooner")


def _numbers_or_fail(value):
    try:
        return _numbers(value, "your learning rate")
    except Fail:
        raise Fail(f"return one learning rate, a positive number, not {cap(repr(value), 60)}") from None


moons_learning_rate = CHAPTER.exercise(
    "moons_learning_rate",
    judge=_judge_moons_learning_rate,
    hints=[
        "Measure before you choose: `checks.train_moons_mlp(lr)['loss']` for learning rates a factor of 3 apart "
        "(0.3, 1, 3, ...) shows where the loss starts to drop below the plateau and where it breaks down.",
        "Plot `checks.train_moons_mlp(lr)['losses']` for a few of them: too small a rate leaves a flat curve near "
        "the plateau, too large a rate makes it jump up and down. Look between the two, then refine.",
        "The lesson's rate 1.0 is far too small for 500 steps. Scan upwards from it in small factors (1.5x) and "
        "keep a rate whose final loss is below the target, away from both edges of the range that works.",
    ],
)
