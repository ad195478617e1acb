"""Checkers for chapter 03, gradient descent and the learning rate.

Each ``check_<name>(fn)`` calls the learner's ``fn`` on random and edge-case inputs,
compares with the reference kept in this module, and returns a :class:`CheckResult`.
The step functions (``nesterov_step``, ``adamw_step``) are also run for many steps in a
row, each step fed the state the learner's function returned, as an optimiser would be.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from common.checks import CheckResult, case, check_function, compare_values

# --------------------------------------------------------------------------- references


def _mse_and_grad(X, y, w, b):
    r = X @ w + b - y
    n = len(y)
    return np.mean(r**2), 2.0 / n * X.T @ r, 2.0 / n * np.sum(r)


def _max_stable_lr(X):
    hessian = 2.0 / len(X) * X.T @ X
    return 2.0 / np.linalg.eigvalsh(hessian).max()


def _nesterov_step(theta, grad, v, lr, momentum=0.9):
    v = momentum * v + grad
    return theta - lr * (grad + momentum * v), v


def _adamw_step(theta, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2):
    theta = theta * (1 - lr * weight_decay)
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def _cross_entropy(logits, labels, label_smoothing=0.0):
    n, c = logits.shape
    z = logits - logits.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    target = np.full((n, c), label_smoothing / c)
    target[np.arange(n), labels] += 1.0 - label_smoothing
    return -np.mean(np.sum(target * log_p, axis=1))


# --------------------------------------------------------------------------- helpers


def _parts(names: tuple[str, ...], rtol: float, atol: float) -> Callable:
    """A ``compare`` for functions that return a tuple: names each part in the message."""

    def compare(expected, got):
        if not isinstance(got, (tuple, list)) or len(got) != len(names):
            kind = f"{len(got)} values" if isinstance(got, (tuple, list)) else type(got).__name__
            return f"expected a tuple of {len(names)} values ({', '.join(names)}), got {kind}"
        for name, e, g in zip(names, expected, got):
            problem = compare_values(e, g, rtol, atol, what=f"`{name}`")
            if problem:
                return problem
        return None

    return compare


def _check(name, fn, reference, cases, parts=None, chained=None, rtol=1e-6, atol=1e-9) -> CheckResult:
    """Run ``cases``; then, for step functions, ``chained = (runner, label, *args)`` where
    ``runner(step_fn, *args)`` applies a step function many times in a row."""
    compare = _parts(parts, rtol, atol) if parts else None
    result = check_function(fn, reference, cases, name=name, rtol=rtol, atol=atol, compare=compare)
    if not result or chained is None:
        return result
    runner, label, *args = chained
    result = check_function(
        lambda *a: runner(fn, *a), lambda *a: runner(reference, *a), [case(label, *args)],
        name=name, rtol=rtol, atol=atol, compare=compare,
    )
    if not result:
        return result
    return CheckResult(name, True, f"correct on all {len(cases) + 1} cases, including {label}")


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


# --------------------------------------------------------------------------- exercise 1


def check_mse_and_grad(fn) -> CheckResult:
    """``mse_and_grad(X, y, w, b) -> (loss, dw, db)`` for the linear model ``X @ w + b``."""
    r = _rng(301)
    cases = [
        case("N=8 examples, D=3 features", r.normal(size=(8, 3)), r.normal(size=8), r.normal(size=3), 0.5),
        case("batch of 1 (N=1, D=4)", r.normal(size=(1, 4)), r.normal(size=1), r.normal(size=4), -1.0),
        case("a single feature (D=1)", r.normal(size=(5, 1)), r.normal(size=5), np.array([2.0]), 1.0),
        case("w = 0 and b = 0", r.normal(size=(6, 2)), r.normal(size=6), np.zeros(2), 0.0),
        case("N=50, D=7, large values", 10 * r.normal(size=(50, 7)), 100 * r.normal(size=50), r.normal(size=7), 3.0),
    ]
    return _check("mse_and_grad", fn, _mse_and_grad, cases, parts=("loss", "dw", "db"))


# --------------------------------------------------------------------------- exercise 2


def check_max_stable_lr(fn) -> CheckResult:
    """``max_stable_lr(X) -> 2 / lambda_max`` of the Hessian (2/N) X^T X of the MSE."""
    r = _rng(302)
    rotated = r.normal(size=(40, 3)) @ np.array([[1.0, 0.9, 0.0], [0.0, 1.0, 0.9], [0.0, 0.0, 1.0]])
    cases = [
        case("X with 50 rows and 3 columns", r.normal(size=(50, 3))),
        case("X = [x, 1] (a column of ones for the bias)", np.c_[r.uniform(0, 2, 30), np.ones(30)]),
        case("correlated columns (the largest diagonal entry of X^T X is not lambda_max)", rotated),
        case("a single column", r.normal(size=(20, 1))),
        case("fewer rows than columns (N=3, D=6)", r.normal(size=(3, 6))),
        case("X scaled by 10 (the rate shrinks 100 times)", 10 * r.normal(size=(25, 2))),
    ]
    return _check("max_stable_lr", fn, _max_stable_lr, cases)


# --------------------------------------------------------------------------- exercise 3


def _chain(step, steps, n_state):
    """Apply ``step(theta, grad, *state, t)`` ``steps`` times on a 3-D quadratic, feeding back the state it returns."""
    A = np.array([[3.0, 1.0, 0.0], [1.0, 2.0, 0.5], [0.0, 0.5, 1.0]])
    theta = np.array([1.0, -2.0, 0.5])
    state = [np.zeros(3) for _ in range(n_state)]
    for t in range(1, steps + 1):
        theta, *state = step(theta, A @ theta, *state, t)
    return (theta, *state)


def _nesterov_run(step, steps):
    return _chain(lambda theta, grad, v, t: step(theta, grad, v, 0.05, 0.9), steps, 1)


def check_nesterov_step(fn) -> CheckResult:
    """``nesterov_step(theta, grad, v, lr, momentum) -> (theta, v)`` as in torch.optim.SGD(nesterov=True)."""
    r = _rng(303)
    cases = [
        case("first step (v = 0)", r.normal(size=4), r.normal(size=4), np.zeros(4), 0.1, 0.9),
        case("a step with a non-zero velocity", r.normal(size=4), r.normal(size=4), r.normal(size=4), 0.05, 0.9),
        case("momentum = 0 (plain SGD)", r.normal(size=3), r.normal(size=3), r.normal(size=3), 0.1, 0.0),
        case("a 3x5 weight matrix, momentum 0.5", r.normal(size=(3, 5)), r.normal(size=(3, 5)), r.normal(size=(3, 5)),
             0.01, 0.5),
    ]
    chained = (_nesterov_run, "30 chained steps on a quadratic", 30)
    return _check("nesterov_step", fn, _nesterov_step, cases, parts=("theta", "v"), chained=chained)


# --------------------------------------------------------------------------- exercise 4


def _adamw_run(step, steps):
    def adamw(theta, grad, m, v, t):
        return step(theta, grad, m, v, t, lr=0.05, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.1)

    return _chain(adamw, steps, 2)


def check_adamw_step(fn) -> CheckResult:
    """``adamw_step(theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay) -> (theta, m, v)``, as torch AdamW."""
    r = _rng(304)

    def state(*shape):
        return r.normal(size=shape), r.normal(size=shape), np.abs(r.normal(size=shape))

    theta, grad, v = state(5)
    cases = [case("first step (t = 1, m = v = 0)", theta, grad, np.zeros(5), np.zeros(5), 1)]
    theta, grad, v = state(5)
    cases.append(case("step t = 7 with non-zero m and v", theta, grad, 0.1 * r.normal(size=5), v, 7))
    theta, grad, v = state(4)
    cases.append(case("weight_decay = 0 (plain Adam)", theta, grad, 0.1 * r.normal(size=4), v, 3, weight_decay=0.0))
    theta, grad, v = state(2, 3)
    cases.append(case("a 2x3 matrix, lr 0.1, weight_decay 0.5, betas (0.8, 0.99), eps 1e-6", theta, grad,
                      0.1 * r.normal(size=(2, 3)), v, 4, lr=0.1, beta1=0.8, beta2=0.99, eps=1e-6, weight_decay=0.5))
    chained = (_adamw_run, "50 chained steps on a quadratic", 50)
    return _check("adamw_step", fn, _adamw_step, cases, parts=("theta", "m", "v"), chained=chained)


# --------------------------------------------------------------------------- exercise 5


def check_cross_entropy(fn) -> CheckResult:
    """``cross_entropy(logits, labels, label_smoothing=0.0) -> float``, as nn.CrossEntropyLoss."""
    r = _rng(305)
    cases = [
        case("5 examples, 3 classes", r.normal(size=(5, 3)), r.integers(0, 3, 5)),
        case("batch of 1", r.normal(size=(1, 4)), np.array([2])),
        case("7 examples, 2 classes", 3 * r.normal(size=(7, 2)), r.integers(0, 2, 7)),
        case("equal logits (the loss is log C)", np.zeros((3, 10)), np.array([0, 5, 9])),
        case("huge logits of +-1000 (subtract the row maximum first)", np.array([[1000.0, 0.0, -1000.0],
             [-1000.0, 1000.0, 0.0]]), np.array([1, 1])),
        case("label_smoothing = 0.1 on 10 classes", r.normal(size=(6, 10)), r.integers(0, 10, 6), label_smoothing=0.1),
        case("label_smoothing = 0.3 with huge logits", np.array([[500.0, -500.0, 0.0]]), np.array([0]),
             label_smoothing=0.3),
    ]
    return _check("cross_entropy", fn, _cross_entropy, cases)
