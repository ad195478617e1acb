"""Chapter 03 exercises: plausible wrong answers are rejected with a useful message (and the classic mistakes
get their hint), and the solutions agree with PyTorch (autograd, torch.optim, nn.CrossEntropyLoss)."""

import numpy as np
import pytest
import torch

from common.checkers import ch03
from common.gradcheck import rel_error
from conftest import CHAPTERS, load_solutions

sol = load_solutions(CHAPTERS / "03_gradient_descent")


# --------------------------------------------------------------------------- plausible wrong answers


def mse_without_factor_2(X, y, w, b):
    r = X @ w + b - y
    return np.mean(r**2), X.T @ r / len(y), np.sum(r) / len(y)


def mse_summed(X, y, w, b):
    r = X @ w + b - y
    return np.sum(r**2), 2 * X.T @ r, 2 * np.sum(r)


def mse_without_bias(X, y, w, b):
    r = X @ w - y
    return np.mean(r**2), 2 / len(y) * X.T @ r, 2 / len(y) * np.sum(r)


def mse_returns_loss_only(X, y, w, b):
    return np.mean((X @ w + b - y) ** 2)


def lr_one_over_lambda(X):
    return 1.0 / np.linalg.eigvalsh(2 / len(X) * X.T @ X).max()


def lr_without_2_over_n(X):
    return 2.0 / np.linalg.eigvalsh(X.T @ X).max()


def lr_from_lambda_min(X):
    return 2.0 / np.linalg.eigvalsh(2 / len(X) * X.T @ X).min()


def lr_from_largest_diagonal(X):
    return 2.0 / np.max(np.diag(2 / len(X) * X.T @ X))


def nesterov_plain_momentum(theta, grad, v, lr, momentum=0.9):
    v = momentum * v + grad
    return theta - lr * v, v


def nesterov_lookahead_with_old_v(theta, grad, v, lr, momentum=0.9):
    new_v = momentum * v + grad
    return theta - lr * (grad + momentum * v), new_v


def nesterov_sutskever_velocity(theta, grad, v, lr, momentum=0.9):
    v = momentum * v - lr * grad  # a valid formulation, but not torch's: v is stored scaled by -lr
    return theta + momentum * v - lr * grad, v


def adamw_no_bias_correction(theta, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2):
    theta = theta * (1 - lr * weight_decay)
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    return theta - lr * m / (np.sqrt(v) + eps), m, v


def adamw_as_l2(theta, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2):
    grad = grad + weight_decay * theta  # torch.optim.Adam's weight decay, not AdamW's
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    return theta - lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps), m, v


def adamw_decay_after_step(theta, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    theta = theta - lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)
    return theta * (1 - lr * weight_decay), m, v


def adamw_t_off_by_one(theta, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2):
    return sol.adamw_step(theta, grad, m, v, t + 1, lr, beta1, beta2, eps, weight_decay)


def ce_unstable(logits, labels, label_smoothing=0.0):
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    n, c = logits.shape
    target = np.full((n, c), label_smoothing / c)
    target[np.arange(n), labels] += 1 - label_smoothing
    return -np.mean(np.sum(target * np.log(p), axis=1))


def ce_summed(logits, labels, label_smoothing=0.0):
    return len(labels) * sol.cross_entropy(logits, labels, label_smoothing)


def ce_smoothing_over_other_classes(logits, labels, label_smoothing=0.0):
    n, c = logits.shape
    z = logits - logits.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    target = np.full((n, c), label_smoothing / (c - 1))
    target[np.arange(n), labels] = 1 - label_smoothing
    return -np.mean(np.sum(target * log_p, axis=1))


def ce_ignores_smoothing(logits, labels, label_smoothing=0.0):
    return sol.cross_entropy(logits, labels)


def raises_value_error(*args, **kwargs):
    raise ValueError("shapes do not match")


# --------------------------------------------------------------------------- wrong answers for the hardened cases


def mse_divides_by_features(X, y, w, b):
    r = X @ w + b - y
    n = X.shape[1]  # D instead of N
    return np.sum(r**2) / n, 2 / n * X.T @ r, 2 / n * np.sum(r)


def mse_residual_flipped(X, y, w, b):
    r = y - X @ w - b  # the loss is the same, the gradients change sign
    return np.mean(r**2), 2 / len(y) * X.T @ r, 2 / len(y) * np.sum(r)


def mse_loss_as_array(X, y, w, b):
    loss, dw, db = sol.mse_and_grad(X, y, w, b)
    return np.atleast_1d(loss), dw, db


def lr_as_array(X):
    return 2.0 / np.linalg.eigvalsh(2 / len(X) * X.T @ X)[-1:]  # shape (1,), not a float


def nesterov_in_place(theta, grad, v, lr, momentum=0.9):
    v *= momentum  # changes the caller's velocity
    v += grad
    return theta - lr * (grad + momentum * v), v


def adamw_eps_inside_sqrt(theta, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2):
    theta = theta * (1 - lr * weight_decay)
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    return theta - lr * (m / (1 - beta1**t)) / np.sqrt(v / (1 - beta2**t) + eps), m, v


def adamw_eps_on_uncorrected_v(theta, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2):
    theta = theta * (1 - lr * weight_decay)
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    return theta - lr * np.sqrt(1 - beta2**t) / (1 - beta1**t) * m / (np.sqrt(v) + eps), m, v


def adamw_without_eps(theta, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2):
    return sol.adamw_step(theta, grad, m, v, t, lr, beta1, beta2, 0.0, weight_decay)


def adamw_in_place(theta, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2):
    m *= beta1  # an optimiser updates its state in place, but this function must return new arrays
    m += (1 - beta1) * grad
    v *= beta2
    v += (1 - beta2) * grad**2
    theta = theta * (1 - lr * weight_decay)
    return theta - lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps), m, v


def ce_global_max(logits, labels, label_smoothing=0.0):
    n, c = logits.shape
    z = logits - logits.max()  # the batch's maximum: a row of small logits underflows to log(0)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    target = np.full((n, c), label_smoothing / c)
    target[np.arange(n), labels] += 1 - label_smoothing
    return -np.mean(np.sum(target * log_p, axis=1))


def ce_in_place(logits, labels, label_smoothing=0.0):
    logits -= logits.max(axis=1, keepdims=True)  # changes the caller's logits
    return sol.cross_entropy(logits, labels, label_smoothing)


def ce_per_row(logits, labels, label_smoothing=0.0):
    z = logits - logits.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return -log_p[np.arange(len(labels)), labels]  # (N,) losses, not their mean


WRONG = [
    ("mse_and_grad", mse_without_factor_2, "wrong value of the dw"),
    ("mse_and_grad", mse_summed, "wrong value of the loss"),
    ("mse_and_grad", mse_without_bias, "wrong value of the loss"),
    ("mse_and_grad", mse_returns_loss_only, "expected a tuple (loss, dw, db)"),
    ("mse_and_grad", mse_divides_by_features, "not the number of features"),
    ("mse_and_grad", mse_residual_flipped, "prediction minus target"),
    ("mse_and_grad", mse_loss_as_array, "wrong shape of the loss"),
    ("max_stable_lr", lr_one_over_lambda, "wrong value of the learning rate"),
    ("max_stable_lr", lr_without_2_over_n, "wrong value of the learning rate"),
    ("max_stable_lr", lr_from_lambda_min, "wrong value of the learning rate"),
    ("max_stable_lr", lr_from_largest_diagonal, "largest diagonal entry"),
    ("max_stable_lr", lr_as_array, "return a Python float"),
    ("nesterov_step", nesterov_plain_momentum, "wrong value of the theta"),
    ("nesterov_step", nesterov_lookahead_with_old_v, "wrong value of the theta"),
    ("nesterov_step", nesterov_sutskever_velocity, "wrong value of the v"),
    ("nesterov_step", nesterov_in_place, "changed its input `v` in place"),
    ("adamw_step", adamw_no_bias_correction, "the brief's example"),
    ("adamw_step", adamw_as_l2, "wrong value of the theta"),
    ("adamw_step", adamw_decay_after_step, "before the Adam step"),
    ("adamw_step", adamw_t_off_by_one, "the brief's example"),
    ("adamw_step", adamw_eps_inside_sqrt, "where eps goes matters"),
    ("adamw_step", adamw_eps_on_uncorrected_v, "where eps goes matters"),
    ("adamw_step", adamw_without_eps, "where eps goes matters"),
    ("adamw_step", adamw_in_place, "changed its input `m` in place"),
    ("cross_entropy", ce_unstable, "got nan"),
    ("cross_entropy", ce_summed, "wrong value of the loss"),
    ("cross_entropy", ce_smoothing_over_other_classes, "label_smoothing"),
    ("cross_entropy", ce_ignores_smoothing, "label_smoothing"),
    ("cross_entropy", raises_value_error, "raised ValueError"),
    ("cross_entropy", ce_global_max, "very different scales"),
    ("cross_entropy", ce_in_place, "changed its input `logits` in place"),
    ("cross_entropy", ce_per_row, "return a Python float"),
]


@pytest.mark.parametrize("name, wrong, word", WRONG, ids=[w.__name__ for _, w, _ in WRONG])
def test_wrong_answer_is_rejected(name, wrong, word):
    with np.errstate(all="ignore"):
        result = getattr(ch03, name).check(wrong)
    assert not result.passed, f"{wrong.__name__} was accepted"
    assert word in result.message, result.message
    assert "case:" in result.message or "expected a tuple" in result.message


@pytest.mark.parametrize(
    "name, wrong, hint",
    [
        ("mse_and_grad", mse_without_factor_2, "carry the factor 2/N"),
        ("mse_and_grad", mse_summed, "not the sum"),
        ("mse_and_grad", mse_without_bias, "include the bias"),
        ("max_stable_lr", lr_one_over_lambda, "not 1 / lambda_max"),
        ("max_stable_lr", lr_without_2_over_n, "keep the 2/N"),
        ("max_stable_lr", lr_from_lambda_min, "largest eigenvalue sets the limit"),
        ("max_stable_lr", lr_from_largest_diagonal, "largest diagonal entry"),
        ("nesterov_step", nesterov_plain_momentum, "update v first"),
        ("nesterov_step", nesterov_sutskever_velocity, "not scaled by -lr"),
        ("adamw_step", adamw_no_bias_correction, "correct the bias"),
        ("adamw_step", adamw_as_l2, "Adam's L2 penalty"),
        ("adamw_step", adamw_decay_after_step, "before the Adam step"),
        ("adamw_step", adamw_t_off_by_one, "t counts from 1"),
        ("adamw_step", adamw_eps_inside_sqrt, "after the square root"),
        ("cross_entropy", ce_unstable, "subtract each row's maximum"),
        ("cross_entropy", ce_global_max, "each row's own maximum"),
        ("cross_entropy", ce_summed, "the mean, not the sum"),
        ("cross_entropy", ce_smoothing_over_other_classes, "the true one included"),
    ],
)
def test_a_classic_mistake_is_named(name, wrong, hint):
    with np.errstate(all="ignore"):
        message = getattr(ch03, name).check(wrong).message
    assert "Hint:" in message and hint in message.split("Hint:", 1)[1], message


# --------------------------------------------------------------------------- the solutions agree with PyTorch


@pytest.mark.parametrize("n, d", [(1, 1), (1, 4), (7, 3), (40, 9)])
def test_mse_and_grad_matches_autograd(n, d):
    rng = np.random.default_rng(n * 100 + d)
    X, y, w, b = rng.normal(size=(n, d)), rng.normal(size=n), rng.normal(size=d), float(rng.normal())
    loss, dw, db = sol.mse_and_grad(X, y, w, b)
    wt, bt = torch.tensor(w, requires_grad=True), torch.tensor(b, dtype=torch.float64, requires_grad=True)
    loss_t = torch.nn.functional.mse_loss(torch.tensor(X) @ wt + bt, torch.tensor(y))
    loss_t.backward()
    assert rel_error(loss, loss_t.item()) < 1e-12
    assert rel_error(dw, wt.grad.numpy()) < 1e-12 and rel_error(db, bt.grad.item()) < 1e-12


@pytest.mark.parametrize("n, d", [(50, 2), (3, 6), (20, 1)])
def test_max_stable_lr_matches_torch_hessian(n, d):
    X = np.random.default_rng(d).normal(size=(n, d))
    Xt, zeros = torch.tensor(X), torch.zeros(d, dtype=torch.float64)
    hessian = torch.autograd.functional.hessian(lambda w: ((Xt @ w) ** 2).mean(), zeros)  # the same for any y
    assert rel_error(sol.max_stable_lr(X), 2 / torch.linalg.eigvalsh(hessian).max().item()) < 1e-10


def _torch_path(optimizer_cls, grads, theta0, **hp):
    p = torch.tensor(theta0, requires_grad=True)
    opt = optimizer_cls([p], **hp)
    path = []
    for g in grads:
        p.grad = torch.tensor(g)
        opt.step()
        path.append(p.detach().numpy().copy())
    return np.array(path)


@pytest.mark.parametrize("shape", [(1,), (5,), (3, 4)])
@pytest.mark.parametrize("optimizer", ["nesterov", "adamw"])
def test_steps_match_torch_optim(optimizer, shape):
    rng = np.random.default_rng(len(shape))
    theta0, grads = rng.normal(size=shape), rng.normal(size=(20, *shape))
    theta, m, v, path = theta0.copy(), np.zeros(shape), np.zeros(shape), []
    for t, g in enumerate(grads, start=1):
        if optimizer == "nesterov":
            theta, v = sol.nesterov_step(theta, g, v, lr=0.05, momentum=0.8)
        else:
            theta, m, v = sol.adamw_step(theta, g, m, v, t, lr=0.05, beta1=0.8, beta2=0.99, eps=1e-6, weight_decay=0.3)
        path.append(theta)
    if optimizer == "nesterov":
        expected = _torch_path(torch.optim.SGD, grads, theta0, lr=0.05, momentum=0.8, nesterov=True)
    else:
        expected = _torch_path(torch.optim.AdamW, grads, theta0, lr=0.05, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.3)
    assert rel_error(np.array(path), expected) < 1e-12


@pytest.mark.parametrize("n, c, smoothing, scale", [(1, 1, 0.0, 1), (1, 5, 0.2, 1), (8, 3, 0.0, 1), (6, 10, 0.1, 1000)])
def test_cross_entropy_matches_torch(n, c, smoothing, scale):
    rng = np.random.default_rng(n + c)
    logits, labels = scale * rng.normal(size=(n, c)), rng.integers(0, c, n)
    expected = torch.nn.functional.cross_entropy(torch.tensor(logits), torch.tensor(labels), label_smoothing=smoothing)
    assert rel_error(sol.cross_entropy(logits, labels, smoothing), expected.item()) < 1e-12
