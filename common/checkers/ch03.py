"""Exercises of chapter 03, gradient descent: ``checks.<name>.check(fn)``, ``.hint()``, ``.solution()``.

The reference answers are the chapter's ``solutions.py``; this module holds what is specific to each
exercise: its cases, the brief's worked example, classic mistakes and hints. The step functions
(``nesterov_step``, ``adamw_step``) are checked on states an optimiser meets after some steps
(non-zero velocity and moments, a late step t) and must return new arrays, not update their inputs.
The predict-first questions are answered by the solution's key; the experiment ``nesterov_lr`` is
judged by its outcome: the checker runs Nesterov momentum on the Rosenbrock function with the
learner's learning rate and says how far it got. ``rosenbrock`` and ``rosenbrock_grad`` are exported
for the notebook.
"""
from __future__ import annotations

import functools

import numpy as np

from common.checks import Chapter, Fail, call, case, example, named_parts, one_number

CHAPTER = Chapter("03_gradient_descent")
__getattr__ = CHAPTER.legacy


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


# --------------------------------------------------------------------------- 1. predict_zigzag (predict first)
predict_zigzag = CHAPTER.predict(
    "predict_zigzag",
    why="One step gives theta - 0.4 * 4 theta = -0.6 theta: the factor 1 - lr * lambda is negative (lr > 1/lambda), "
        "so the sign flips, and its size is below 1 (lr < 2/lambda), so the zig-zag shrinks.",
    options={
        "a": "theta shrinks towards 0 and keeps its sign",
        "b": "theta shrinks towards 0 but flips its sign at every step",
        "c": "theta flips its sign and grows: gradient descent diverges",
        "d": "theta lands exactly on 0 after one step and stays there",
    },
    hints=[
        "Write one step out: theta_new = theta - lr * f'(theta). What number multiplies theta?",
        "Here f'(theta) = 4 theta, so theta_new = (1 - 0.4 * 4) theta. Is that factor positive or negative? Is its "
        "size below 1? The answer is one of 'a', 'b', 'c', 'd'. `checks.predict_zigzag.solution()` shows it.",
    ],
)


# --------------------------------------------------------------------------- 2. nesterov_step
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


# --------------------------------------------------------------------------- 3. nesterov_lr (experiment)
ROSENBROCK_START = np.array([-1.2, 1.0])
ROSENBROCK_TARGET = 1e-3
NESTEROV_BUDGET = 500  # steps


def rosenbrock(p):
    """The Rosenbrock function (1 - x)^2 + 100 (y - x^2)^2 of a point p = (x, y); its minimum is 0 at (1, 1)."""
    return (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2


def rosenbrock_grad(p):
    """The gradient of :func:`rosenbrock` at p = (x, y), a NumPy array of shape (2,)."""
    x, y = p
    return np.array([-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)])


def _nesterov_run(lr: float, budget: int = NESTEROV_BUDGET):
    """Nesterov momentum 0.9 from (-1.2, 1): (step at which f < target or None, losses, diverged)."""
    theta, v, losses = ROSENBROCK_START.copy(), np.zeros(2), []
    with np.errstate(all="ignore"):
        for step in range(1, budget + 1):
            g = rosenbrock_grad(theta)
            v = 0.9 * v + g
            theta = theta - lr * (g + 0.9 * v)
            if not np.all(np.abs(theta) < 1e6):
                return None, losses, True
            losses.append(float(rosenbrock(theta)))
            if losses[-1] < ROSENBROCK_TARGET:
                return step, losses, False
    return None, losses, False


@functools.cache
def _finishing_rates() -> list[float]:
    """The learning rates of a fine sweep that finish within the budget (to tell too small from too large)."""
    return [lr for lr in np.geomspace(1e-4, 1e-2, 41) if _nesterov_run(lr)[0] is not None]


def _judge_nesterov_lr(fn) -> str:
    lr = one_number(call(fn, label="your learning rate"), "learning rate")
    steps, losses, diverged = _nesterov_run(lr)
    asked = f"asked: f below {ROSENBROCK_TARGET:g} within {NESTEROV_BUDGET} steps"
    if diverged:
        raise Fail(f"with your learning rate {lr:.3g} the run diverged (f was {losses[-1] if losses else np.inf:.3g} "
                   f"at step {len(losses)}, then overflowed); {asked}. Too large: try smaller rates")
    if steps is None:
        why = ("too large: it bounces across the valley without settling" if lr > _finishing_rates()[-1]
               else "too small: it is still creeping along the valley floor")
        raise Fail(f"your learning rate {lr:.3g} reached f = {losses[-1]:.3g} after {NESTEROV_BUDGET} steps; {asked} "
                   f"({why})")
    return f"your learning rate {lr:.3g} took f below {ROSENBROCK_TARGET:g} at step {steps} ({asked})"


nesterov_lr = CHAPTER.exercise(
    "nesterov_lr",
    judge=_judge_nesterov_lr,
    hints=[
        "Do not guess: write a function that runs your nesterov_step from (-1.2, 1) and returns the step at which "
        "rosenbrock(theta) falls below 1e-3 (or None after 500 steps), then try many learning rates.",
        "Rates spaced by a constant factor cover the range evenly: `np.geomspace(1e-4, 1e-2, 41)`. Stop a run early "
        "when theta is no longer finite. Among the rates that finish, the fastest sits just below the rate where "
        "runs start to fail. Return it as a float; `checks.nesterov_lr.solution()` shows a sweep.",
    ],
)


# --------------------------------------------------------------------------- 4. predict_adam_first_step (predict first)
predict_adam_first_step = CHAPTER.predict(
    "predict_adam_first_step",
    why="At t = 1, m_hat = g and v_hat = g^2, so the step is lr * g / (|g| + eps) = lr * sign(g): Adam's step "
        "is set by lr, not by the size of the gradient.",
    options={
        "a": "about 1e-5 and 10: the step is proportional to the gradient, as with SGD",
        "b": "both about 0.01, the learning rate",
        "c": "the parameter with the tiny gradient takes the larger step",
    },
    hints=[
        "Write out m, v, m_hat and v_hat after one step from m = v = 0, with t = 1.",
        "With t = 1, m_hat = g and v_hat = g**2 exactly. What is g / sqrt(g**2)? Answer 'a', 'b' or 'c'; "
        "`checks.predict_adam_first_step.solution()` shows it.",
    ],
)


# --------------------------------------------------------------------------- 5. adamw_step
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


# --------------------------------------------------------------------------- 6. cross_entropy
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


# --------------------------------------------------------------------------- 7. minibatch_sgd
def _mb_data(rng, n, d):
    X = np.c_[rng.normal(size=(n, d - 1)), np.ones(n)]  # a column of ones carries the bias
    return X, X @ rng.normal(size=d) + 0.1 * rng.normal(size=n)


def _mb_cases():
    r = _rng(307)
    return [
        case("N=40, D=3, batches of 8, 3 epochs", *_mb_data(r, 40, 3), 0.05, 8, 3),
        case("N=37, batches of 8 (the last batch has 5), momentum 0.9, 2 epochs", *_mb_data(r, 37, 2), 0.02, 8, 2,
             momentum=0.9),
        case("batches of 1 (pure SGD), N=10, 2 epochs", *_mb_data(r, 10, 2), 0.05, 1, 2),
        case("one batch larger than N (batch gradient descent), 4 epochs", *_mb_data(r, 20, 3), 0.1, 64, 4),
        case("N=30, batches of 7, momentum 0.5, seed 7, 4 epochs", *_mb_data(r, 30, 4), 0.05, 7, 4, momentum=0.5,
             seed=7),
        case("a single epoch, momentum and seed left at their defaults", *_mb_data(r, 25, 2), 0.05, 10, 1),
    ]


def _mb_with(X, y, lr, batch_size, epochs, momentum=0.0, seed=0, shuffle=True, rng_per_epoch=False,
             divide_by="actual", drop_last=False, loss_before=False, reset_v=False, factor=2.0):
    n, d = X.shape
    rng = np.random.default_rng(seed)
    theta, v, losses = np.zeros(d), np.zeros(d), []
    for _ in range(epochs):
        if rng_per_epoch:
            rng = np.random.default_rng(seed)
        if reset_v:
            v = np.zeros(d)
        if loss_before:
            losses.append(np.mean((X @ theta - y) ** 2))
        order = rng.permutation(n) if shuffle else np.arange(n)
        for start in range(0, n, batch_size):
            idx = order[start : start + batch_size]
            if drop_last and len(idx) < batch_size:
                continue
            b = len(idx) if divide_by == "actual" else batch_size
            g = factor / b * X[idx].T @ (X[idx] @ theta - y[idx])
            v = momentum * v + g
            theta = theta - lr * v
        if not loss_before:
            losses.append(np.mean((X @ theta - y) ** 2))
    return theta, np.array(losses)


def _mb_mistake(**how):
    return lambda *args, **kwargs: _mb_with(*args, **kwargs, **how)


minibatch_sgd = CHAPTER.exercise(
    "minibatch_sgd",
    examples=[example((np.array([1.5]), np.array([2.5, 0.625])), "the brief's example: X = [[1], [2]], y = [2, 4], "
                      "lr = 0.1, batch_size = 2, epochs = 2",
                      np.array([[1.0], [2.0]]), np.array([2.0, 4.0]), 0.1, 2, 2)],
    cases=_mb_cases,
    compare=named_parts("theta", "losses"),
    mistakes=[
        (_mb_mistake(shuffle=False), "shuffle: draw a new order `rng.permutation(N)` at the start of every epoch"),
        (_mb_mistake(rng_per_epoch=True), "make the generator once, before the first epoch: a generator made anew "
                                          "in every epoch draws the same order every time"),
        (_mb_mistake(divide_by="batch_size"), "the last batch can be shorter: average over len(idx), the examples "
                                              "really in the batch, not batch_size"),
        (_mb_mistake(drop_last=True), "keep the last, shorter batch: every example is used once per epoch"),
        (_mb_mistake(loss_before=True), "record the loss after each epoch's updates, not before them"),
        (_mb_mistake(reset_v=True), "the velocity carries over from one epoch to the next: set it to zero once, "
                                    "before the first epoch"),
        (_mb_mistake(factor=1.0), "the gradient of the mean of r**2 carries the factor 2: 2 / B * X_b.T @ r_b"),
    ],
    hints=[
        "Three nested levels: epochs; inside each, a fresh random order of the N examples cut into consecutive "
        "batches; inside each batch, one gradient and one momentum update. After the batch loop, the MSE on all "
        "of X goes into the list of losses.",
        "`rng = np.random.default_rng(seed)` once; per epoch `order = rng.permutation(n)`; "
        "`for start in range(0, n, batch_size): idx = order[start:start + batch_size]`. The gradient of the batch "
        "is `2 / len(idx) * xb.T @ (xb @ theta - yb)`; build new arrays (theta = theta - ..., never in place).",
        "In the batch loop: `g = 2 / len(idx) * xb.T @ (xb @ theta - yb)`, `v = momentum * v + g`, "
        "`theta = theta - lr * v`; after it `losses.append(np.mean((X @ theta - y) ** 2))`; finally "
        "`return theta, np.array(losses)`. `checks.minibatch_sgd.solution()` shows the rest.",
    ],
)
