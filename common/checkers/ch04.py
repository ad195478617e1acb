"""Checkers for chapter 04, training deep networks: one ``check_<name>(fn)`` per exercise.

Each checker calls the learner's function on fixed random and edge-case inputs and compares
it with the reference kept in this module (never the chapter's ``solutions.py``). Dropout is
random, so its checker tests properties (share dropped, scaling, modes, seeding) instead.
"""
from __future__ import annotations

import numpy as np

from common.checks import CheckResult, call_safely, case, check_function, named_parts


def _rng(seed: int = 4) -> np.random.Generator:
    return np.random.default_rng(seed)


# --------------------------------------------------------------------------- references
def _init_scale(fan_in, fan_out, method):
    fan = {"xavier": (fan_in + fan_out) / 2, "he": fan_in / 2}[method.split("_")[0]]
    std = np.sqrt(1.0 / fan)  # Xavier: 2 / (in + out); He: 2 / in
    return float(std * np.sqrt(3.0)) if method.endswith("uniform") else float(std)


def _batchnorm_forward(x, gamma, beta, running_mean, running_var, momentum=0.1, eps=1e-5):
    n = x.shape[0]
    mean, var = x.mean(axis=0), x.var(axis=0)
    y = gamma * (x - mean) / np.sqrt(var + eps) + beta
    new_mean = (1 - momentum) * running_mean + momentum * mean
    new_var = (1 - momentum) * running_var + momentum * var * n / (n - 1)
    return y, new_mean, new_var


def _batchnorm_backward(dout, x, gamma, eps=1e-5):
    s = 1.0 / np.sqrt(x.var(axis=0) + eps)
    x_hat = (x - x.mean(axis=0)) * s
    g = dout * gamma
    dx = s * (g - g.mean(axis=0) - x_hat * (g * x_hat).mean(axis=0))
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)


def _l2_regularize(loss, weights, grads, weight_decay):
    penalty = 0.5 * weight_decay * sum(float((w**2).sum()) for w in weights)
    return loss + penalty, [g + weight_decay * w for w, g in zip(weights, grads)]


def _early_stopping(val_losses, patience, min_delta=0.0):
    best, best_epoch, waited = float("inf"), 0, 0
    for epoch, loss in enumerate(val_losses, start=1):
        if loss < best - min_delta:
            best, best_epoch, waited = loss, epoch, 0
        else:
            waited += 1
            if waited >= patience:
                return epoch, best_epoch
    return len(val_losses), best_epoch


# --------------------------------------------------------------------------- checkers
def check_init_scale(fn) -> CheckResult:
    """``init_scale(fan_in, fan_out, method)``: the std (normal) or the bound a (uniform) of Xavier and He."""
    cases = [
        case(f"fan_in={i}, fan_out={o}, method={m!r}", i, o, m)
        for i, o in [(784, 256), (3, 1000), (100, 100), (1, 1)]
        for m in ("xavier_normal", "xavier_uniform", "he_normal", "he_uniform")
    ]
    return check_function(fn, _init_scale, cases, name="init_scale", rtol=1e-6)


def check_batchnorm_forward(fn) -> CheckResult:
    """``batchnorm_forward(x, gamma, beta, running_mean, running_var, momentum, eps)`` in training mode."""
    rng = _rng()

    def args(n, d, scale=3.0):
        x = scale * rng.standard_normal((n, d)) + rng.uniform(-2, 2, d)
        return x, rng.uniform(0.5, 1.5, d), rng.standard_normal(d), rng.standard_normal(d), rng.uniform(0.5, 2, d)

    constant = args(6, 3)
    constant[0][:, 1] = 7.0  # a feature with zero variance: x_hat is 0, the output is beta
    cases = [
        case("x of shape (8, 3)", *args(8, 3)),
        case("a batch of 2 rows, shape (2, 4)", *args(2, 4)),
        case("one feature, shape (64, 1)", *args(64, 1)),
        case("features with tiny variance (std 0.003, so eps matters)", *args(10, 5, scale=0.003)),
        case("a constant feature (variance 0)", *constant),
        case("momentum=0.5, eps=1e-3, shape (5, 7)", *args(5, 7), momentum=0.5, eps=1e-3),
    ]
    return check_function(fn, _batchnorm_forward, cases, name="batchnorm_forward",
                          compare=named_parts("y", "new_running_mean", "new_running_var"))


def check_batchnorm_backward(fn) -> CheckResult:
    """``batchnorm_backward(dout, x, gamma, eps)`` -> ``(dx, dgamma, dbeta)``."""
    rng = _rng(5)

    def args(n, d):
        return rng.standard_normal((n, d)), 2.0 * rng.standard_normal((n, d)) + 1.0, rng.uniform(-1.5, 1.5, d)

    cases = [
        case("shapes (8, 3)", *args(8, 3)),
        case("a batch of 2 rows, shape (2, 4)", *args(2, 4)),
        case("one feature, shape (64, 1)", *args(64, 1)),
        case("shape (5, 7) with eps=1e-3", *args(5, 7), eps=1e-3),
    ]
    return check_function(fn, _batchnorm_backward, cases, name="batchnorm_backward",
                          compare=named_parts("dx", "dgamma", "dbeta"))


def _dropout_problem(fn) -> str | None:
    """Property tests of ``dropout(x, p, training, rng)``; returns the first problem found, or None."""
    x = _rng(6).standard_normal((300, 400))  # no exact zeros, so a zero in the output means "dropped"

    def run(p, training, seed):
        label = f"x of shape (300, 400), p={p}, training={training}"
        out, problem = call_safely(fn, case(label, x, p, training, np.random.default_rng(seed)))
        if problem is None and out is None:
            problem = "the output is None: did you forget `return`?"
        elif problem is None:
            try:
                out = np.asarray(out, dtype=np.float64)
            except (TypeError, ValueError):
                return None, f"expected an array, got {type(out).__name__} (case: {label})"
            if out.shape != x.shape:
                problem = f"wrong shape of the output: expected (300, 400), got {out.shape} (case: {label})"
        return out, problem

    for p in (0.3, 0.8):
        out, problem = run(p, True, seed=1)
        if problem:
            return problem
        dropped = np.mean(out == 0)
        if abs(dropped - p) > 0.01:
            return f"with p={p} a share of {p} of the elements should be zeroed, but {dropped:.3f} were"
        kept = out != 0
        ratio = out[kept] / x[kept]
        wrong = ~np.isclose(ratio, 1 / (1 - p), rtol=1e-6)
        if wrong.any():
            return (f"with p={p} every kept element should be x / (1 - p) = {1 / (1 - p):.4g} x (inverted dropout), "
                    f"but one is {ratio[wrong][0]:.4g} x")
    for p, training in [(0.5, False), (0.0, True)]:
        out, problem = run(p, training, seed=2)
        if problem:
            return problem
        if not np.array_equal(out, x):
            return f"with p={p}, training={training} dropout must return x unchanged (the identity)"
    first, second, other = (run(0.5, True, seed)[0] for seed in (3, 3, 4))
    if not np.array_equal(first, second):
        return "two calls with generators seeded alike gave different masks: draw the mask from `rng`"
    if np.array_equal(first, other):
        return "generators with different seeds gave the same mask: draw the mask from `rng`"
    x_copy = x.copy()
    try:
        fn(x_copy, 0.5, True, np.random.default_rng(5))
    except Exception:  # the learner's bug was reported above if it matters
        pass
    if not np.array_equal(x_copy, x):
        return "dropout changed its input x in place: return a new array"
    return None


def check_dropout(fn) -> CheckResult:
    """``dropout(x, p, training, rng)``: inverted dropout, tested by its properties."""
    problem = _dropout_problem(fn)
    if problem:
        return CheckResult("dropout", False, problem)
    return CheckResult("dropout", True, "drops a share p, scales the rest by 1/(1-p), identity in inference mode")


def check_l2_regularize(fn) -> CheckResult:
    """``l2_regularize(loss, weights, grads, weight_decay)`` -> ``(loss + penalty, new_grads)``."""
    rng = _rng(7)
    shapes = [(4, 3), (3, 1), (1, 1)]
    weights = [rng.standard_normal(s) for s in shapes]
    grads = [rng.standard_normal(s) for s in shapes]
    cases = [
        case("one (4, 3) matrix, weight_decay=0.1", 1.5, weights[:1], grads[:1], 0.1),
        case("three matrices (4, 3), (3, 1), (1, 1), weight_decay=0.01", 0.25, weights, grads, 0.01),
        case("weight_decay=0 changes nothing", 2.0, weights, grads, 0.0),
        case("a large weight decay of 3.0", 0.0, [-2.0 * weights[0]], grads[:1], 3.0),
    ]
    return check_function(fn, _l2_regularize, cases, name="l2_regularize", compare=named_parts("loss", "grads"))


def check_early_stopping(fn) -> CheckResult:
    """``early_stopping(val_losses, patience, min_delta)`` -> ``(stop_epoch, best_epoch)``, epochs from 1."""
    cases = [
        case("[1.0, 0.8, 0.7, 0.75, 0.72, 0.71, 0.9], patience 3", [1.0, 0.8, 0.7, 0.75, 0.72, 0.71, 0.9], 3),
        case("always improving: never stops", [2.0, 1.5, 1.2, 1.1, 1.05], 2),
        case("a single epoch", [0.5], 3),
        case("equal losses are no improvement: [1, 1, 1, 1], patience 2", [1.0, 1.0, 1.0, 1.0], 2),
        case("an improvement resets the count", [1.0, 0.9, 0.95, 0.96, 0.85, 0.9, 0.91, 0.92, 0.8], 3),
        case("patience 1", [1.0, 0.9, 0.91, 0.5], 1),
        case("min_delta=0.01: tiny improvements do not count", [1.0, 0.995, 0.99, 0.98, 0.97], 3, 0.01),
    ]
    return check_function(fn, _early_stopping, cases, name="early_stopping",
                          compare=named_parts("stop_epoch", "best_epoch"))

