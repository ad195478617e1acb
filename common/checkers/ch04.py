"""Exercises of chapter 04, training deep networks: ``checks.<name>.check(fn)``, ``.hint()``, ``.solution()``.

The reference answers are the chapter's ``solutions.py``; this module holds what is specific to each
exercise: its cases, the brief's worked example, classic mistakes and hints. Dropout is random, so it
is judged by its properties (share dropped, scaling, inference mode, seeding) instead.
"""
from __future__ import annotations

import numbers

import numpy as np

from common.checks import Chapter, Fail, call, case, example, named_parts, say

CHAPTER = Chapter("04_training_deep_nets")
__getattr__ = CHAPTER.legacy


def _rng(seed: int = 4) -> np.random.Generator:
    return np.random.default_rng(seed)


# --------------------------------------------------------------------------- 1. init_scale
_METHODS = ("xavier_normal", "xavier_uniform", "he_normal", "he_uniform")


def _init_cases():
    return [case(f"fan_in={i}, fan_out={o}, method={m!r}", i, o, m)
            for i, o in [(784, 256), (3, 1000), (100, 100), (1, 1)] for m in _METHODS]


def _init_with(fan_in, fan_out, method, xavier=None, he=None, bound=True, root=True):
    xavier = xavier or (lambda i, o: 2.0 / (i + o))
    he = he or (lambda i, o: 2.0 / i)
    variance = (xavier if method.startswith("xavier") else he)(fan_in, fan_out)
    if method.endswith("uniform") and bound:
        variance = 3.0 * variance
    return float(np.sqrt(variance) if root else variance)


init_scale = CHAPTER.exercise(
    "init_scale",
    examples=[example(0.050507627227610534, "the brief's example: init_scale(784, 256, 'he_normal')",
                      784, 256, "he_normal"),
              example(0.17320508075688773, "the brief's example: init_scale(100, 100, 'xavier_uniform')",
                      100, 100, "xavier_uniform")],
    cases=_init_cases,
    returns=float,
    what="scale",
    rtol=1e-6,
    mistakes=[
        (lambda i, o, m: _init_with(i, o, m, root=False), "return the standard deviation (or the bound), the square "
                                                          "root of the variance"),
        (lambda i, o, m: _init_with(i, o, m, bound=False), "for U(-a, a) return the bound a = sqrt(3 * variance), "
                                                           "not the standard deviation"),
        (lambda i, o, m: _init_with(i, o, m, xavier=lambda i, o: 1.0 / i), "Xavier uses both fans: variance "
                                                                           "2 / (fan_in + fan_out)"),
        (lambda i, o, m: _init_with(i, o, m, he=lambda i, o: 2.0 / o), "He uses fan_in: variance 2 / fan_in"),
        (lambda i, o, m: _init_with(i, o, m, he=lambda i, o: 1.0 / i), "He doubles the variance for ReLU: "
                                                                       "2 / fan_in, not 1 / fan_in"),
    ],
    hints=[
        "First find the variance of the method (Xavier or He), then turn it into the number asked for: the standard "
        "deviation of a normal, or the bound a of a uniform U(-a, a).",
        "Xavier: variance 2 / (fan_in + fan_out); He: 2 / fan_in. `method.startswith('he')` and "
        "`method.endswith('uniform')` tell the cases apart. U(-a, a) has variance a**2 / 3, so a = sqrt(3 * variance).",
        "`variance = 2 / (fan_in + fan_out) if method.startswith('xavier') else 2 / fan_in`, then "
        "`return float(np.sqrt(3 * variance)) if method.endswith('uniform') else float(np.sqrt(variance))`.",
    ],
)


# --------------------------------------------------------------------------- 2. batchnorm_forward
def _bn_args(rng, n, d, scale=3.0, integer=False):
    x = rng.integers(-5, 6, size=(n, d)) if integer else scale * rng.standard_normal((n, d)) + rng.uniform(-2, 2, d)
    return x, rng.uniform(0.5, 1.5, d), rng.standard_normal(d), rng.standard_normal(d), rng.uniform(0.5, 2, d)


def _bn_forward_cases():
    rng = _rng()
    constant = _bn_args(rng, 6, 3)
    constant[0][:, 1] = 7.0  # a feature with zero variance: x_hat is 0, the output is beta
    return [
        case("x of shape (8, 3)", *_bn_args(rng, 8, 3)),
        case("a batch of 2 rows, shape (2, 4)", *_bn_args(rng, 2, 4)),
        case("one feature, shape (64, 1)", *_bn_args(rng, 64, 1)),
        case("features with tiny variance (std 0.003, so eps matters)", *_bn_args(rng, 10, 5, scale=0.003)),
        case("a constant feature (variance 0)", *constant),
        case("momentum=0.5, eps=1e-3, shape (5, 7)", *_bn_args(rng, 5, 7), momentum=0.5, eps=1e-3),
        case("integer x of shape (6, 2)", *_bn_args(rng, 6, 2, integer=True)),
    ]


def _bn_forward_with(x, gamma, beta, running_mean, running_var, momentum=0.1, eps=1e-5, axis=0, unbiased=True,
                     y_unbiased=False, eps_inside=True, swap=False):
    n = x.shape[0]
    mean, var = x.mean(axis=axis, keepdims=True), x.var(axis=axis, keepdims=True, ddof=1 if y_unbiased else 0)
    with np.errstate(all="ignore"):
        y = gamma * (x - mean) / (np.sqrt(var + eps) if eps_inside else np.sqrt(var) + eps) + beta
    mean, var = x.mean(axis=0), x.var(axis=0)
    batch_var = var * n / (n - 1) if unbiased else var
    m = 1 - momentum if swap else momentum
    return y, (1 - m) * running_mean + m * mean, (1 - m) * running_var + m * batch_var


def _bn_forward_mistake(**how):
    return lambda *args, **kwargs: _bn_forward_with(*args, **kwargs, **how)


batchnorm_forward = CHAPTER.exercise(
    "batchnorm_forward",
    examples=[example((np.array([[-0.9999950000374997], [0.9999950000374997]]), np.array([0.2]), np.array([1.1])),
                      "the brief's example: x = [[1], [3]], gamma = [1], beta = [0], running statistics 0 and 1",
                      np.array([[1.0], [3.0]]), np.array([1.0]), np.array([0.0]), np.array([0.0]), np.array([1.0]))],
    cases=_bn_forward_cases,
    compare=named_parts("y", "new_running_mean", "new_running_var"),
    mistakes=[
        (_bn_forward_mistake(axis=1), "normalise each column: the statistics are over the batch, axis=0"),
        (_bn_forward_mistake(unbiased=False), "the running variance uses the unbiased batch variance "
                                              "(times N / (N - 1))"),
        (_bn_forward_mistake(y_unbiased=True), "y uses the biased batch variance (np.var divides by N)"),
        (_bn_forward_mistake(eps_inside=False), "eps goes inside the square root: sqrt(var + eps)"),
        (_bn_forward_mistake(swap=True), "momentum weighs the batch value: (1 - momentum) * old + momentum * batch"),
    ],
    hints=[
        "Two separate jobs: normalise each column of x with the batch's own statistics, then move the running "
        "statistics a little towards them.",
        "`mean = x.mean(axis=0)` and `var = x.var(axis=0)` have shape (D,). y is gamma * (x - mean) / "
        "sqrt(var + eps) + beta. For the running variance, rescale var by N / (N - 1). Build new arrays: no `*=` "
        "on running_mean or running_var.",
        "`y = gamma * (x - mean) / np.sqrt(var + eps) + beta` and `return y, (1 - momentum) * running_mean + "
        "momentum * mean, (1 - momentum) * running_var + momentum * var * n / (n - 1)` with `n = x.shape[0]`.",
    ],
)


# --------------------------------------------------------------------------- 3. batchnorm_backward
def _bn_backward_cases():
    rng = _rng(5)

    def args(n, d, scale=2.0):
        return rng.standard_normal((n, d)), scale * rng.standard_normal((n, d)) + 1.0, rng.uniform(-1.5, 1.5, d)

    return [
        case("shapes (8, 3)", *args(8, 3)),
        case("a batch of 2 rows, shape (2, 4)", *args(2, 4)),
        case("one feature, shape (64, 1)", *args(64, 1)),
        case("shape (5, 7) with eps=1e-3", *args(5, 7), eps=1e-3),
        case("features with tiny variance (std 0.003, so eps matters)", *args(10, 4, scale=0.003)),
    ]


def _bn_backward_with(dout, x, gamma, eps=1e-5, stats_constant=False, gamma_in_dx=True, x_hat_in_dgamma=True,
                      dbeta_mean=False, eps_inside=True):
    s = 1.0 / (np.sqrt(x.var(axis=0) + eps) if eps_inside else np.sqrt(x.var(axis=0)) + eps)
    x_hat = (x - x.mean(axis=0)) * s
    g = dout * gamma if gamma_in_dx else dout
    dx = g * s if stats_constant else s * (g - g.mean(axis=0) - x_hat * (g * x_hat).mean(axis=0))
    dgamma = (dout * x_hat).sum(axis=0) if x_hat_in_dgamma else dout.sum(axis=0)
    return dx, dgamma, dout.mean(axis=0) if dbeta_mean else dout.sum(axis=0)


def _bn_backward_mistake(**how):
    return lambda *args, **kwargs: _bn_backward_with(*args, **kwargs, **how)


batchnorm_backward = CHAPTER.exercise(
    "batchnorm_backward",
    examples=[
        example((np.zeros((2, 2)), np.array([0.0, 0.0]), np.array([2.0, -2.0])),
                "the brief's example: dout constant along the batch gives dx = 0",
                np.array([[1.0, -1.0], [1.0, -1.0]]), np.array([[1.0, 0.0], [3.0, 4.0]]), np.array([1.0, 2.0])),
        example((np.array([[0.4581645834019362], [-0.6872400027372391], [0.2290754193353028]]),
                 np.array([-1.0690415314502977]), np.array([1.0])),
                "dout = [[1], [0], [0]], x = [[1], [2], [4]], gamma = [2]",
                np.array([[1.0], [0.0], [0.0]]), np.array([[1.0], [2.0], [4.0]]), np.array([2.0])),
    ],
    cases=_bn_backward_cases,
    compare=named_parts("dx", "dgamma", "dbeta"),
    mistakes=[
        (_bn_backward_mistake(stats_constant=True), "the batch mean and variance depend on x too: "
                                                    "dx = s * (g - mean(g) - x_hat * mean(g * x_hat))"),
        (_bn_backward_mistake(gamma_in_dx=False), "dx flows through y = gamma * x_hat + beta: use g = gamma * dout"),
        (_bn_backward_mistake(x_hat_in_dgamma=False), "dgamma sums dout * x_hat over the batch"),
        (_bn_backward_mistake(dbeta_mean=True), "dbeta sums dout over the batch (axis 0); it does not average"),
        (_bn_backward_mistake(eps_inside=False), "eps goes inside the square root: s = 1 / sqrt(var + eps)"),
    ],
    hints=[
        "Recompute the forward pass's x_hat and s = 1 / sqrt(var + eps) from x; then dbeta and dgamma are sums over "
        "the batch, and dx is the lesson's formula.",
        "Everything is per column (axis 0): dbeta = sum of dout, dgamma = sum of dout * x_hat, both of shape (D,). "
        "With g = gamma * dout, dx subtracts from g its batch mean and x_hat times the batch mean of g * x_hat, "
        "then scales by s.",
        "`g = dout * gamma`, `dx = s * (g - g.mean(axis=0) - x_hat * (g * x_hat).mean(axis=0))` and "
        "`return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)`.",
    ],
)


# --------------------------------------------------------------------------- 4. dropout (judged by its properties)
def _dropout_out(fn, x, p, training, seed, label):
    """The learner's dropout of a copy of ``x``: a float array of x's shape, with x itself left alone."""
    given = x.copy()
    out = call(fn, given, p, training, np.random.default_rng(seed), label=label)
    where = f" (case: {label})"
    if out is None:
        raise Fail(say("none", what="output") + where)
    if not isinstance(out, np.ndarray) or out.dtype.kind not in "fiu":
        raise Fail(f"return a NumPy array of numbers, not {type(out).__name__}{where}")
    if out.shape != x.shape:
        raise Fail(f"wrong shape of the output: expected {x.shape}, got {out.shape}{where}")
    if not np.array_equal(given, x):
        raise Fail(say("mutated", arg="x") + where)
    return out.astype(np.float64)


def _dropout_judge(fn) -> str:
    x = _rng(6).standard_normal((300, 400))  # no exact zeros, so a zero in the output means "dropped"
    for p in (0.3, 0.8):
        label = f"x of shape (300, 400), p={p}, training=True"
        out = _dropout_out(fn, x, p, True, 1, label)
        dropped = np.mean(out == 0)
        if abs(dropped - p) > 0.01:
            raise Fail(f"a share p = {p} of the elements should be zeroed, but {dropped:.3f} were (case: {label})")
        kept = out != 0
        ratio = out[kept] / x[kept]
        wrong = ~np.isclose(ratio, 1 / (1 - p), rtol=1e-6)
        if wrong.any():
            raise Fail(f"every kept element should be x / (1 - p) = {1 / (1 - p):.4g} x (inverted dropout), but one "
                       f"is {ratio[wrong][0]:.4g} x (case: {label})")
    for p, training in [(0.5, False), (0.0, True)]:
        label = f"x of shape (300, 400), p={p}, training={training}"
        if not np.array_equal(_dropout_out(fn, x, p, training, 2, label), x):
            raise Fail(f"dropout must return x unchanged here (the identity) (case: {label})")
    label = "x of shape (300, 400), p=0.5, training=True, generators seeded 3, 3 and 4"
    first, second, other = (_dropout_out(fn, x, 0.5, True, seed, label) for seed in (3, 3, 4))
    if not np.array_equal(first, second):
        raise Fail(f"two generators seeded alike gave different masks: draw the mask from `rng` (case: {label})")
    if np.array_equal(first, other):
        raise Fail(f"generators with different seeds gave the same mask: draw the mask from `rng` (case: {label})")
    cube = _rng(7).uniform(1.0, 2.0, (20, 30, 40))
    label = "a 3-d x of shape (20, 30, 40), p=0.5, training=True"
    out = _dropout_out(fn, cube, 0.5, True, 5, label)
    if not np.all(np.isclose(out, 0) | np.isclose(out, 2 * cube)) or not 0.45 < np.mean(out == 0) < 0.55:
        raise Fail(f"with p=0.5 every element should be 0 or 2 x, about half of each (case: {label})")
    return "drops a share p, scales the rest by 1/(1-p), draws from rng, identity in inference mode"


dropout = CHAPTER.exercise(
    "dropout",
    judge=_dropout_judge,
    hints=[
        "In training, draw one uniform random number per element from `rng`: the element survives when its number "
        "is at least p. Survivors are divided by 1 - p so that the expected value stays x; in inference nothing "
        "changes.",
        "`mask = rng.random(x.shape) >= p` is a boolean array of x's shape; `x * mask` zeroes the dropped elements "
        "and makes a new array (never `x *= ...`). Handle `training=False` first and return x as it is.",
        "`if not training: return x`, then `return x * (rng.random(x.shape) >= p) / (1 - p)`.",
    ],
)


# --------------------------------------------------------------------------- 5. l2_regularize
def _l2_cases():
    rng = _rng(7)
    shapes = [(4, 3), (3, 1), (1, 1)]
    weights = [rng.standard_normal(s) for s in shapes]
    grads = [rng.standard_normal(s) for s in shapes]
    return [
        case("one (4, 3) matrix, weight_decay=0.1", 1.5, weights[:1], grads[:1], 0.1),
        case("three matrices (4, 3), (3, 1), (1, 1), weight_decay=0.01", 0.25, weights, grads, 0.01),
        case("weight_decay=0 changes nothing", 2.0, weights, grads, 0.0),
        case("a large weight decay of 3.0", 0.0, [-2.0 * weights[0]], grads[:1], 3.0),
        case("integer weights, two matrices, weight_decay=0.5", 1.0, [np.array([[1, -2], [3, 0]]), np.array([[4]])],
             [np.ones((2, 2)), np.zeros((1, 1))], 0.5),
    ]


def _l2_with(loss, weights, grads, weight_decay, half=0.5, grad_factor=1.0, square=True, first_only=False):
    decayed = weights[:1] if first_only else weights
    penalty = half * weight_decay * sum(float(np.sum(w**2) if square else np.linalg.norm(w)) for w in decayed)
    new_grads = [g + grad_factor * weight_decay * w for w, g in zip(decayed, grads)]
    return loss + penalty, new_grads + list(grads[len(decayed):])


l2_regularize = CHAPTER.exercise(
    "l2_regularize",
    examples=[example((1.25, [np.array([[0.1, 0.2]])]), "the brief's example: l2_regularize(1.0, [[[1, 2]]], "
                      "[[[0, 0]]], 0.1)", 1.0, [np.array([[1.0, 2.0]])], [np.zeros((1, 2))], 0.1)],
    cases=_l2_cases,
    compare=named_parts("loss", "grads"),
    mistakes=[
        (lambda *a: _l2_with(*a, half=1.0), "the penalty is weight_decay / 2 times the sum of squares"),
        (lambda *a: _l2_with(*a, grad_factor=2.0), "the gradient of weight_decay / 2 * W**2 is weight_decay * W"),
        (lambda *a: _l2_with(*a, square=False), "square the weights: the penalty sums W**2 over every entry"),
        (lambda *a: _l2_with(*a, first_only=True), "every weight matrix is decayed: sum over all of them, and add to "
                                                   "every gradient"),
    ],
    hints=[
        "The penalty is one number for all the weights together; its gradient is one array per weight, added to "
        "the gradient of the same position in the list.",
        "Sum `np.sum(w**2)` over every w in weights, times weight_decay / 2, and add it to loss. For the gradients, "
        "`zip(weights, grads)` and build a new list: `g + weight_decay * w`, never `g += ...` on the arrays given.",
        "`penalty = weight_decay / 2 * sum(np.sum(w**2) for w in weights)` and `return loss + penalty, "
        "[g + weight_decay * w for w, g in zip(weights, grads)]`.",
    ],
)


# --------------------------------------------------------------------------- 6. early_stopping
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
        case("min_delta=0.01: tiny improvements do not count", [1.0, 0.995, 0.99, 0.98, 0.97], 3, 0.01),
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
