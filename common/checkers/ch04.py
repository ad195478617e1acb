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

from common.checks import Chapter, Fail, call, case, example, named_parts, one_number
from common.data import load_mnist5k

CHAPTER = Chapter("04_training_deep_nets")
__getattr__ = CHAPTER.legacy


def _rng(seed: int = 4) -> np.random.Generator:
    return np.random.default_rng(seed)


# --------------------------------------------------------------------------- 1. predict_initial_loss (predict)
predict_initial_loss = CHAPTER.predict(
    "predict_initial_loss",
    why="With every logit near 0 the softmax gives each class 1/10, so the loss is -log(1/10) = log 10 for every "
        "example. An initial loss far from log C is the first sign of a bug.",
    tolerance=0.02,
    hints=[
        "If all the logits are (nearly) equal, what probability does the softmax give the true class?",
        "With 10 equal logits every class gets 1/10, and the cross-entropy of one example is -log of the true "
        "class's probability. Return that number (a float; 2 decimals are enough). "
        "`checks.predict_initial_loss.solution()` shows it.",
    ],
)


# --------------------------------------------------------------------------- 2. early_stopping
def _early_cases():
    return [
        case("[1.0, 0.8, 0.7, 0.75, 0.72, 0.71, 0.9], patience 3", [1.0, 0.8, 0.7, 0.75, 0.72, 0.71, 0.9], 3),
        case("always improving: never stops", [2.0, 1.5, 1.2, 1.1, 1.05], 2),
        case("a single epoch", [0.5], 3),
        case("equal losses are no improvement: [1, 1, 1, 1], patience 2", [1.0, 1.0, 1.0, 1.0], 2),
        case("an improvement resets the count", [1.0, 0.9, 0.95, 0.96, 0.85, 0.9, 0.91, 0.92, 0.8], 3),
        case("the first epoch is the best: [0.5, 0.6, 0.7, 0.8], patience 2", [0.5, 0.6, 0.7, 0.8], 2),
        case("patience 1", [1.0, 0.9, 0.91, 0.5], 1),
        case("patience longer than the run", [1.0, 1.1, 1.2], 5),
        case("min_delta=0.015: improvements smaller than min_delta do not count",
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
            return f"the {name} is an epoch number: return an int, not {type(value).__name__}"
    return None


early_stopping = CHAPTER.exercise(
    "early_stopping",
    examples=[example((6, 3), "the brief's example: [1.0, 0.8, 0.7, 0.75, 0.72, 0.71, 0.9], patience 3",
                      [1.0, 0.8, 0.7, 0.75, 0.72, 0.71, 0.9], 3)],
    cases=_early_cases,
    compare=_epochs_compare,
    mistakes=[
        (_early_mistake(reset=False), "an improvement resets the count of epochs waited to 0"),
        (_early_mistake(start=0), "count epochs from 1: enumerate(val_losses, start=1)"),
        (_early_mistake(late=True), "stop at the epoch that completes patience epochs without improvement: "
                                    "waited >= patience"),
        (_early_mistake(fixed_stop=True), "if the patience never runs out, training stops after the last epoch"),
        (_early_mistake(delta_sign=1.0), "an improvement must beat the best by more than min_delta: "
                                         "loss < best - min_delta"),
        (lambda losses, patience, min_delta=0.0: _early_with(losses, patience), "an improvement must beat the best by "
                                                                                "more than min_delta"),
        (_early_mistake(ties=True), "an equal loss is not an improvement: compare with <, not <="),
    ],
    hints=[
        "Replay the epochs one by one, remembering the best loss so far, its epoch, and how many epochs in a row "
        "have not improved on it.",
        "`for epoch, loss in enumerate(val_losses, start=1)`: if `loss < best - min_delta` the epoch improves (new "
        "best, best_epoch = epoch, count back to 0); otherwise the count grows, and when it reaches patience you "
        "stop at this epoch. Start with `best = float('inf')`.",
        "In the loop: `if loss < best - min_delta: best, best_epoch, waited = loss, epoch, 0`, else `waited += 1` "
        "and `if waited >= patience: return epoch, best_epoch`; after the loop `return len(val_losses), best_epoch`.",
    ],
)


# --------------------------------------------------------------------------- 3. predict_smallest_gradient (predict)
predict_smallest_gradient = CHAPTER.predict(
    "predict_smallest_gradient",
    why="Each sigmoid on the way back multiplies the gradient by sigma'(z) <= 1/4, so it shrinks layer after layer: "
        "the first layer, farthest from the loss, gets the smallest (the vanishing gradient).",
    options={
        "a": "the first layer (784 -> 128, next to the input)",
        "b": "a middle layer (the 4th or 5th)",
        "c": "the output layer (128 -> 10, next to the loss)",
        "d": "all nine are about the same size: Xavier initialisation keeps them equal",
    },
    hints=[
        "Backpropagation multiplies the gradient by each layer's local derivative on its way from the loss to the "
        "input. How large can the derivative of the sigmoid be?",
        "sigma'(z) = sigma(z) (1 - sigma(z)) is at most 1/4, and the gradient passes through one sigmoid per layer on "
        "its way back. Which layer's gradient passed through the most of them? Answer 'a', 'b', 'c' or 'd'; "
        "`checks.predict_smallest_gradient.solution()` shows it.",
    ],
)


# --------------------------------------------------------------------------- 4. fold_batchnorm
def _fold_args(rng, d_in, d_out, var_scale=1.0):
    return (rng.standard_normal((d_in, d_out)), rng.standard_normal(d_out), rng.uniform(0.5, 2.0, d_out),
            rng.standard_normal(d_out), rng.standard_normal(d_out), var_scale * rng.uniform(0.2, 3.0, d_out))


def _fold_cases():
    rng = _rng(41)
    return [
        case("W of shape (5, 3)", *_fold_args(rng, 5, 3)),
        case("a square W of shape (4, 4) (rows and columns look alike)", *_fold_args(rng, 4, 4)),
        case("one output unit, W of shape (6, 1)", *_fold_args(rng, 6, 1)),
        case("eps = 1e-3", *_fold_args(rng, 3, 5), eps=1e-3),
        case("tiny running variances of about 1e-6 (eps matters)", *_fold_args(rng, 4, 3, var_scale=1e-6)),
        case("integer W and b", rng.integers(-3, 4, (3, 2)), rng.integers(-3, 4, 2), *_fold_args(rng, 3, 2)[2:]),
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
                      "the brief's example (eps = 0)",
                      np.array([[1.0, 2.0]]), np.array([0.0, 1.0]), np.array([2.0, 1.0]), np.array([0.5, -1.0]),
                      np.array([1.0, 1.0]), np.array([4.0, 0.25]), eps=0.0)],
    cases=_fold_cases,
    compare=named_parts("W_folded", "b_folded"),
    mistakes=[
        (_fold_mistake(rows=True), "each output unit, a column of W, has its own scale: W * scale scales the "
                                   "columns, scale[:, None] would scale the rows"),
        (_fold_mistake(root=False), "divide by the standard deviation sqrt(running_var + eps), not by the variance"),
        (_fold_mistake(use_eps=False), "inference-mode batch norm divides by sqrt(running_var + eps): keep eps"),
        (_fold_mistake(mean_scaled=False), "the mean is subtracted before the scaling: (b - running_mean) * scale "
                                           "+ beta"),
        (_fold_mistake(use_beta=False), "batch norm shifts by beta last: add it to the folded bias"),
    ],
    hints=[
        "Write batch norm in inference mode as an affine map of its input z: (z - mean) * scale + beta with "
        "scale = gamma / sqrt(running_var + eps). Put z = x @ W + b into it and collect what multiplies x and "
        "what does not.",
        "The x-term is x @ W * scale: multiplying column j of W by scale[j] is `W * scale` (broadcasting over the "
        "rows). The rest is a constant per output unit built from b, running_mean, scale and beta.",
        "`scale = gamma / np.sqrt(running_var + eps)` and `return W * scale, (b - running_mean) * scale + beta`. "
        "`checks.fold_batchnorm.solution()` shows the whole answer.",
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
    wd = one_number(call(fn, label="your weight decay"), "weight decay", inclusive=True)
    run = train_small_mlp(wd)
    reached = (f"your weight_decay {wd:g} ended at validation loss {run['val_loss']:.3f} after {SMALL_EPOCHS} epochs "
               f"(training loss {run['train_loss']:.3f}, validation accuracy {run['val_acc']:.1%}); asked: below "
               f"{VAL_LOSS_TARGET}")
    if run["val_loss"] >= VAL_LOSS_TARGET:
        why = ("too little: the net still memorises the 300 digits (training loss near 0) and grows overconfident "
               "on the validation digits" if run["train_loss"] < 0.05 else
               "too much: the net cannot even fit the training digits (under-fitting)" if run["train_loss"] > 0.15
               else "close: try a value a little larger or smaller")
        raise Fail(f"{reached} ({why})")
    return reached


choose_weight_decay = CHAPTER.exercise(
    "choose_weight_decay",
    judge=_judge_weight_decay,
    hints=[
        "Run `train_small_mlp(wd)` for a few values of wd spread over several orders of magnitude, including 0, and "
        "print the training and the validation loss of each.",
        "Values spaced by a factor of about 3 (0.001, 0.003, 0.01, ...) cover the range quickly. Too little decay "
        "leaves the training loss near 0 and the validation loss high; too much makes both high. Return the value "
        "with the lowest validation loss; `checks.choose_weight_decay.solution()` shows a sweep.",
    ],
)


# --------------------------------------------------------------------------- 6. layernorm_backward
def _ln_cases():
    rng = _rng(46)

    def args(n, d, scale=2.0):
        return rng.standard_normal((n, d)), scale * rng.standard_normal((n, d)) + 1.0, rng.uniform(-1.5, 1.5, d)

    return [
        case("shapes (4, 6)", *args(4, 6)),
        case("a batch of 1 row, shape (1, 5) (layer norm does not need a batch)", *args(1, 5)),
        case("two features, shape (8, 2)", *args(8, 2)),
        case("a square x of shape (5, 5) (rows and columns look alike)", *args(5, 5)),
        case("shape (3, 7) with eps=1e-3", *args(3, 7), eps=1e-3),
        case("rows with tiny variance (std 0.003, so eps matters)", *args(6, 4, scale=0.003)),
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
                      "the brief's example (eps = 0)",
                      np.array([[1.0, 1.0], [-2.0, -2.0]]), np.array([[1.0, 3.0], [0.0, 4.0]]), np.array([1.0, 1.0]),
                      eps=0.0)],
    cases=_ln_cases,
    compare=named_parts("dx", "dgamma", "dbeta"),
    mistakes=[
        (_ln_mistake(axis=0), "layer norm normalises each row over its features: take the means and the variance "
                              "along axis=1 (keepdims=True), not over the batch"),
        (_ln_mistake(stats_constant=True), "the row's mean and variance depend on x too: "
                                           "dx = s * (g - mean(g) - x_hat * mean(g * x_hat)), means along each row"),
        (_ln_mistake(gamma_in_dx=False), "dx flows through y = gamma * x_hat + beta: use g = gamma * dout"),
        (_ln_mistake(param_axis=1), "gamma and beta have one entry per feature: their gradients sum over the "
                                    "batch, axis 0"),
        (_ln_mistake(eps_inside=False), "eps goes inside the square root: s = 1 / sqrt(var + eps)"),
    ],
    hints=[
        "Batch norm and layer norm differ only in the axis of the statistics: batch norm normalises each column "
        "over the batch, layer norm each row over its features. Redo the lesson's backward pass with that in mind; "
        "gamma and beta still have one entry per feature.",
        "With `keepdims=True` the row statistics have shape (N, 1) and broadcast: s = 1 / sqrt(var + eps) and "
        "x_hat from x.mean(axis=1) and x.var(axis=1). dgamma and dbeta sum over axis 0. In dx, every batch mean "
        "of the lesson's formula becomes a mean along axis 1.",
        "`g = dout * gamma` and `dx = s * (g - g.mean(axis=1, keepdims=True) - x_hat * (g * x_hat).mean(axis=1, "
        "keepdims=True))`, then `return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)`. "
        "`checks.layernorm_backward.solution()` shows the whole answer.",
    ],
)
