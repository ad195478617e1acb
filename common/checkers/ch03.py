"""Exercises of chapter 03, gradient descent: ``checks.<name>.check(fn)``, ``.hint()``, ``.solution()``.

The reference answers are the chapter's ``solutions.py``; this module holds what is specific to each
exercise: its cases, the brief's worked example, classic mistakes and hints. The step functions
(``nesterov_step``, ``adamw_step``) are checked on states an optimiser meets after some steps
(non-zero velocity and moments, a late step t) and must return new arrays, not update their inputs.
"""
from __future__ import annotations

import numpy as np

from common.checks import Chapter, case, example, named_parts

CHAPTER = Chapter("03_gradient_descent")
__getattr__ = CHAPTER.legacy


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


# --------------------------------------------------------------------------- 1. mse_and_grad
def _mse_cases():
    r = _rng(301)
    return [
        case("N=8 examples, D=3 features", r.normal(size=(8, 3)), r.normal(size=8), r.normal(size=3), 0.5),
        case("batch of 1 (N=1, D=4)", r.normal(size=(1, 4)), r.normal(size=1), r.normal(size=4), -1.0),
        case("a single feature (D=1)", r.normal(size=(5, 1)), r.normal(size=5), np.array([2.0]), 1.0),
        case("w = 0 and b = 0", r.normal(size=(6, 2)), r.normal(size=6), np.zeros(2), 0.0),
        case("more features than examples (N=3, D=5)", r.normal(size=(3, 5)), r.normal(size=3), r.normal(size=5), 0.2),
        case("N=50, D=7, large values", 10 * r.normal(size=(50, 7)), 100 * r.normal(size=50), r.normal(size=7), 3.0),
        case("integer X, y, w and b", r.integers(-3, 4, size=(4, 2)), r.integers(-3, 4, size=4), np.array([1, -2]), 1),
    ]


def _mse_with(X, y, w, b, factor=2.0, n=None, bias=True, sign=1.0):
    r = sign * (X @ w + (b if bias else 0) - y)
    n = len(y) if n is None else n
    return np.sum(r**2) / n, factor / n * X.T @ r, factor / n * np.sum(r)


mse_and_grad = CHAPTER.exercise(
    "mse_and_grad",
    examples=[example((2.5, np.array([-7.0, -10.0]), -3.0), "the brief's example: X = [[1, 2], [3, 4]], y = [1, 2], "
                      "w = [0, 0], b = 0", np.array([[1, 2], [3, 4]]), np.array([1, 2]), np.array([0, 0]), 0)],
    cases=_mse_cases,
    compare=named_parts("loss", "dw", "db"),
    mistakes=[
        (lambda X, y, w, b: _mse_with(X, y, w, b, factor=1.0), "the derivative of r**2 is 2 r: both gradients "
                                                               "carry the factor 2/N"),
        (lambda X, y, w, b: _mse_with(X, y, w, b, n=1), "the loss is the mean over the N examples, not the sum "
                                                        "(and so are the gradients: 2/N)"),
        (lambda X, y, w, b: _mse_with(X, y, w, b, bias=False), "the residuals include the bias: r = X @ w + b - y"),
        (lambda X, y, w, b: _mse_with(X, y, w, b, sign=-1.0), "with r = X @ w + b - y (prediction minus target) the "
                                                              "gradients are +2/N X^T r and +2/N sum(r)"),
        (lambda X, y, w, b: _mse_with(X, y, w, b, n=X.shape[1]), "N is the number of examples, len(y), not the "
                                                                 "number of features"),
    ],
    hints=[
        "Compute the residuals once: the loss and both gradients are short expressions of them.",
        "`r = X @ w + b - y` has shape (N,). The loss is the mean of `r**2`; `X.T @ r` has the shape (D,) of w; "
        "db adds up r. Both gradients carry the factor 2/N, with N = len(y).",
        "`r = X @ w + b - y`, `n = len(y)`, then `return np.mean(r**2), 2 / n * X.T @ r, 2 / n * np.sum(r)`.",
    ],
)


# --------------------------------------------------------------------------- 2. max_stable_lr
def _lr_cases():
    r = _rng(302)
    rotated = r.normal(size=(40, 3)) @ np.array([[1.0, 0.9, 0.0], [0.0, 1.0, 0.9], [0.0, 0.0, 1.0]])
    return [
        case("X with 50 rows and 3 columns", r.normal(size=(50, 3))),
        case("X = [x, 1] (a column of ones for the bias)", np.c_[r.uniform(0, 2, 30), np.ones(30)]),
        case("correlated columns (the largest diagonal entry of X^T X is not lambda_max)", rotated),
        case("a single column", r.normal(size=(20, 1))),
        case("fewer rows than columns (N=3, D=6)", r.normal(size=(3, 6))),
        case("X scaled by 10 (the rate shrinks 100 times)", 10 * r.normal(size=(25, 2))),
        case("integer X", r.integers(-2, 3, size=(6, 3))),
    ]


def _hessian(X, factor=2.0):
    return factor / len(X) * X.T @ X


max_stable_lr = CHAPTER.exercise(
    "max_stable_lr",
    examples=[example(0.5, "the brief's example: X = [[1, 0], [0, 2]]", np.array([[1, 0], [0, 2]]))],
    cases=_lr_cases,
    returns=float,
    what="learning rate",
    mistakes=[
        (lambda X: 1.0 / np.linalg.eigvalsh(_hessian(X)).max(), "the threshold is 2 / lambda_max, not 1 / lambda_max"),
        (lambda X: 2.0 / np.linalg.eigvalsh(X.T @ X).max(), "the Hessian of the mean squared error is (2/N) X^T X: "
                                                            "keep the 2/N"),
        (lambda X: 2.0 / np.linalg.eigvalsh(_hessian(X)).min(), "the largest eigenvalue sets the limit: eigvalsh sorts "
                                                                "them in ascending order, so take the last"),
        (lambda X: 2.0 / np.diag(_hessian(X)).max(), "the largest diagonal entry is not the largest eigenvalue when "
                                                     "the columns are correlated: use np.linalg.eigvalsh"),
    ],
    hints=[
        "The Hessian of the MSE depends neither on w nor on y: build it from X alone, then find its largest "
        "eigenvalue.",
        "`H = 2 / N * X.T @ X` is a symmetric (D, D) matrix. `np.linalg.eigvalsh(H)` returns its eigenvalues in "
        "ascending order: the largest is the last one.",
        "`H = 2 / len(X) * X.T @ X` and `return float(2 / np.linalg.eigvalsh(H)[-1])`.",
    ],
)


# --------------------------------------------------------------------------- 3. nesterov_step
def _nesterov_cases():
    r = _rng(303)
    return [
        case("first step (v = 0)", r.normal(size=4), r.normal(size=4), np.zeros(4), 0.1, 0.9),
        case("a step with a non-zero velocity", r.normal(size=4), r.normal(size=4), r.normal(size=4), 0.05, 0.9),
        case("momentum left at its default (0.9)", r.normal(size=4), r.normal(size=4), r.normal(size=4), 0.05),
        case("momentum = 0 (plain SGD)", r.normal(size=3), r.normal(size=3), r.normal(size=3), 0.1, 0.0),
        case("a 3x5 weight matrix, momentum 0.5", r.normal(size=(3, 5)), r.normal(size=(3, 5)), r.normal(size=(3, 5)),
             0.01, 0.5),
        case("a large velocity after many steps, momentum 0.99", r.normal(size=6), r.normal(size=6),
             50 * r.normal(size=6), 0.001, 0.99),
    ]


def _nesterov_plain(theta, grad, v, lr, momentum=0.9):
    v = momentum * v + grad
    return theta - lr * v, v


def _nesterov_old_v(theta, grad, v, lr, momentum=0.9):
    return theta - lr * (grad + momentum * v), momentum * v + grad


def _nesterov_scaled_v(theta, grad, v, lr, momentum=0.9):
    v = momentum * v - lr * grad
    return theta + momentum * v - lr * grad, v


nesterov_step = CHAPTER.exercise(
    "nesterov_step",
    examples=[example((np.array([0.62]), np.array([2.0])), "the brief's example: theta = [1], grad = [2], v = [0], "
                      "lr = 0.1, momentum = 0.9", np.array([1.0]), np.array([2.0]), np.array([0.0]), 0.1, 0.9)],
    cases=_nesterov_cases,
    compare=named_parts("theta", "v"),
    mistakes=[
        (_nesterov_old_v, "update v first, then step with grad + momentum * v using that new v"),
        (_nesterov_plain, "that is plain momentum: Nesterov steps with grad + momentum * v, the look-ahead"),
        (_nesterov_scaled_v, "keep the velocity as torch does, v = momentum * v + grad (not scaled by -lr)"),
    ],
    hints=[
        "Two lines: update the velocity first, then step with the gradient plus the look-ahead momentum * v, "
        "using the new velocity.",
        "`v = momentum * v + grad` builds a new array (`v *= momentum` would change the caller's array). Then theta "
        "moves by -lr times (grad + momentum * v). Return both, each with the shape of theta.",
        "`v = momentum * v + grad` and `return theta - lr * (grad + momentum * v), v`.",
    ],
)


# --------------------------------------------------------------------------- 4. adamw_step
def _adamw_cases():
    r = _rng(304)

    def state(*shape):
        return r.normal(size=shape), r.normal(size=shape), 0.1 * r.normal(size=shape), np.abs(r.normal(size=shape))

    theta, grad, _, _ = state(5)
    cases = [case("first step (t = 1, m = v = 0), every other argument at its default", theta, grad, np.zeros(5),
                  np.zeros(5), 1)]
    theta, grad, m, v = state(5)
    cases.append(case("step t = 7 with non-zero m and v", theta, grad, m, v, 7))
    theta, grad, m, v = state(4)
    cases.append(case("weight_decay = 0 (plain Adam)", theta, grad, m, v, 3, weight_decay=0.0))
    theta, grad, m, v = state(2, 3)
    cases.append(case("a 2x3 matrix, lr 0.1, weight_decay 0.5, betas (0.8, 0.99), eps 1e-6", theta, grad, m, v, 4,
                      lr=0.1, beta1=0.8, beta2=0.99, eps=1e-6, weight_decay=0.5))
    theta, grad, m, v = state(4)
    cases.append(case("a late step, t = 1000", theta, grad, m, v, 1000, lr=0.01))
    theta, _, _, _ = state(4)
    cases.append(case("tiny gradients of 1e-9 at t = 1, lr 0.1 (where eps goes matters)", theta,
                      1e-9 * r.normal(size=4), np.zeros(4), np.zeros(4), 1, lr=0.1))
    cases.append(case("a zero gradient at t = 1 (eps keeps 0 / 0 away)", r.normal(size=3), np.zeros(3), np.zeros(3),
                      np.zeros(3), 1, lr=0.1))
    return cases


def _adamw_with(theta, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2,
                correct=True, decay="before", eps_where="after sqrt"):
    if decay == "L2":
        grad = grad + weight_decay * theta
    elif decay == "before":
        theta = theta * (1 - lr * weight_decay)
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    c1, c2 = (1 - beta1**t, 1 - beta2**t) if correct else (1.0, 1.0)
    if eps_where == "inside sqrt":
        step = (m / c1) / np.sqrt(v / c2 + eps)
    elif eps_where == "none":
        step = (m / c1) / np.sqrt(v / c2)
    elif eps_where == "uncorrected":
        step = np.sqrt(c2) / c1 * m / (np.sqrt(v) + eps)
    else:
        step = (m / c1) / (np.sqrt(v / c2) + eps)
    theta = theta - lr * step
    if decay == "after":
        theta = theta * (1 - lr * weight_decay)
    return theta, m, v


def _adamw_mistake(**how):
    return lambda *args, **kwargs: _adamw_with(*args, **kwargs, **how)


adamw_step = CHAPTER.exercise(
    "adamw_step",
    examples=[example((np.array([0.850000002]), np.array([0.05]), np.array([0.00025])),
                      "the brief's example: t = 1, m = v = 0, grad = [0.5], theta = [1], lr = 0.1, weight_decay = 0.5",
                      np.array([1.0]), np.array([0.5]), np.array([0.0]), np.array([0.0]), 1, lr=0.1,
                      weight_decay=0.5)],
    cases=_adamw_cases,
    compare=named_parts("theta", "m", "v"),
    mistakes=[
        (_adamw_mistake(correct=False), "correct the bias of both averages: m / (1 - beta1**t) and "
                                        "v / (1 - beta2**t)"),
        (_adamw_mistake(decay="L2"), "AdamW shrinks theta directly; adding weight_decay * theta to the gradient is "
                                     "Adam's L2 penalty"),
        (_adamw_mistake(decay="after"), "shrink theta by (1 - lr * weight_decay) before the Adam step, not after"),
        (lambda theta, grad, m, v, t, *a, **k: _adamw_with(theta, grad, m, v, t + 1, *a, **k),
         "t counts from 1: use beta1**t and beta2**t with the t you are given"),
        (_adamw_mistake(eps_where="inside sqrt"), "eps is added after the square root: sqrt(v_hat) + eps"),
        (_adamw_mistake(eps_where="uncorrected"), "add eps to the square root of the bias-corrected v_hat, as torch "
                                                  "does"),
        (_adamw_mistake(eps_where="none"), "divide by sqrt(v_hat) + eps: without eps, tiny gradients take "
                                           "full-size steps and a zero gradient gives 0 / 0"),
    ],
    hints=[
        "Four moves in order: shrink theta by the weight decay, update the two moving averages, correct their "
        "bias, take the Adam step.",
        "`theta * (1 - lr * weight_decay)` first. `m` and `v` average grad and grad**2 with beta1 and beta2; "
        "divide them by (1 - beta1**t) and (1 - beta2**t); eps goes after the square root. Build new arrays: "
        "no `*=` or `+=` on the arrays you were given.",
        "`theta = theta * (1 - lr * weight_decay)`, `m = beta1 * m + (1 - beta1) * grad`, "
        "`v = beta2 * v + (1 - beta2) * grad**2`, `m_hat = m / (1 - beta1**t)`, `v_hat = v / (1 - beta2**t)`, "
        "then `return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v`.",
    ],
)


# --------------------------------------------------------------------------- 5. cross_entropy
def _ce_cases():
    r = _rng(305)
    return [
        case("5 examples, 3 classes", r.normal(size=(5, 3)), r.integers(0, 3, 5)),
        case("batch of 1", r.normal(size=(1, 4)), np.array([2])),
        case("7 examples, 2 classes", 3 * r.normal(size=(7, 2)), r.integers(0, 2, 7)),
        case("equal logits (the loss is log C)", np.zeros((3, 10)), np.array([0, 5, 9])),
        case("huge logits of +-1000 (subtract the row maximum first)", np.array([[1000.0, 0.0, -1000.0],
             [-1000.0, 1000.0, 0.0]]), np.array([1, 1])),
        case("rows on very different scales (subtract each row's own maximum)",
             np.array([[1000.0, -1000.0, 500.0], [0.001, 0.002, -0.001]]), np.array([2, 0])),
        case("integer logits", np.array([[2, 0, -1], [0, 3, 3]]), np.array([0, 2])),
        case("label_smoothing = 0.1 on 10 classes", r.normal(size=(6, 10)), r.integers(0, 10, 6), label_smoothing=0.1),
        case("label_smoothing = 0.3 with huge logits", np.array([[500.0, -500.0, 0.0]]), np.array([0]),
             label_smoothing=0.3),
    ]


def _ce_with(logits, labels, label_smoothing=0.0, shift="row", spread="all", reduce=np.mean, smooth=True):
    n, c = logits.shape
    z = logits - (logits.max(axis=1, keepdims=True) if shift == "row" else logits.max() if shift == "all" else 0)
    with np.errstate(all="ignore"):
        log_p = np.log(np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)) if shift == "none" else \
            z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    eps = label_smoothing if smooth else 0.0
    if spread == "all":
        target = np.full((n, c), eps / c)
        target[np.arange(n), labels] += 1.0 - eps
    else:
        target = np.full((n, c), eps / (c - 1))
        target[np.arange(n), labels] = 1.0 - eps
    return -reduce(np.sum(target * log_p, axis=1))


cross_entropy = CHAPTER.exercise(
    "cross_entropy",
    examples=[
        example(0.6931471805599453, "the brief's example: logits = [[0, 0]], labels = [1] (log 2)",
                np.array([[0.0, 0.0]]), np.array([1])),
        example(1000.0, "the brief's example: logits = [[1000, 0]], labels = [1]", np.array([[1000.0, 0.0]]),
                np.array([1])),
        example(900.0, "logits = [[1000, 0]], labels = [1], label_smoothing = 0.2", np.array([[1000.0, 0.0]]),
                np.array([1]), label_smoothing=0.2),
    ],
    cases=_ce_cases,
    returns=float,
    what="loss",
    mistakes=[
        (lambda *a, **k: _ce_with(*a, **k, shift="none"), "exp of a large logit overflows: subtract each row's "
                                                          "maximum before np.exp"),
        (lambda *a, **k: _ce_with(*a, **k, shift="all"), "subtract each row's own maximum "
                                                         "(`logits.max(axis=1, keepdims=True)`), not the batch's"),
        (lambda *a, **k: _ce_with(*a, **k, reduce=np.sum), "average over the batch: the mean, not the sum"),
        (lambda *a, **k: _ce_with(*a, **k, spread="others"), "spread label_smoothing over all C classes, the true "
                                                             "one included: (1 - eps) * one_hot + eps / C"),
        (lambda *a, **k: _ce_with(*a, **k, smooth=False), "label_smoothing changes the target: "
                                                          "(1 - eps) * one_hot + eps / C"),
    ],
    hints=[
        "Work with log-probabilities: a log-softmax computed from logits shifted by each row's maximum never "
        "overflows. Then average, over the rows, the target-weighted sum of the log-probabilities.",
        "`z = logits - logits.max(axis=1, keepdims=True)`, `log_p = z - np.log(np.exp(z).sum(axis=1, "
        "keepdims=True))`, shape (N, C). The smoothed target is label_smoothing / C everywhere, plus "
        "1 - label_smoothing at each row's label.",
        "`target = np.full((n, c), label_smoothing / c)`, `target[np.arange(n), labels] += 1 - label_smoothing`, "
        "then `return float(-np.mean(np.sum(target * log_p, axis=1)))`.",
    ],
)
