"""Chapter 03 exercises: plausible wrong answers are rejected with a useful message (and the classic mistakes
get their hint), and the solutions agree with PyTorch (autograd, torch.optim, nn.CrossEntropyLoss)."""


import numpy as np
import pytest
import torch

from common.checkers import ch03
from common.gradcheck import rel_error
from conftest import CHAPTERS, HANGUL, load_solutions

sol = load_solutions(CHAPTERS / "03_gradient_descent")


# --------------------------------------------------------------------------- plausible wrong answers


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


def mb_no_shuffle(X, y, lr, batch_size, epochs, momentum=0.0, seed=0):
    theta, v, losses = np.zeros(X.shape[1]), np.zeros(X.shape[1]), []
    for _ in range(epochs):
        for start in range(0, len(y), batch_size):  # the same order in every epoch
            xb, yb = X[start : start + batch_size], y[start : start + batch_size]
            v = momentum * v + 2 / len(yb) * xb.T @ (xb @ theta - yb)
            theta = theta - lr * v
        losses.append(np.mean((X @ theta - y) ** 2))
    return theta, np.array(losses)


def mb_generator_per_epoch(X, y, lr, batch_size, epochs, momentum=0.0, seed=0):
    theta, v, losses = np.zeros(X.shape[1]), np.zeros(X.shape[1]), []
    for _ in range(epochs):
        order = np.random.default_rng(seed).permutation(len(y))  # the same permutation every epoch
        for start in range(0, len(y), batch_size):
            idx = order[start : start + batch_size]
            v = momentum * v + 2 / len(idx) * X[idx].T @ (X[idx] @ theta - y[idx])
            theta = theta - lr * v
        losses.append(np.mean((X @ theta - y) ** 2))
    return theta, np.array(losses)


def mb_divides_by_batch_size(X, y, lr, batch_size, epochs, momentum=0.0, seed=0):
    rng = np.random.default_rng(seed)
    theta, v, losses = np.zeros(X.shape[1]), np.zeros(X.shape[1]), []
    for _ in range(epochs):
        order = rng.permutation(len(y))
        for start in range(0, len(y), batch_size):
            idx = order[start : start + batch_size]
            v = momentum * v + 2 / batch_size * X[idx].T @ (X[idx] @ theta - y[idx])  # wrong for the last batch
            theta = theta - lr * v
        losses.append(np.mean((X @ theta - y) ** 2))
    return theta, np.array(losses)


def mb_drops_last_batch(X, y, lr, batch_size, epochs, momentum=0.0, seed=0):
    rng = np.random.default_rng(seed)
    theta, v, losses = np.zeros(X.shape[1]), np.zeros(X.shape[1]), []
    for _ in range(epochs):
        order = rng.permutation(len(y))
        for start in range(0, len(y) - batch_size + 1, batch_size):  # the last, shorter batch is skipped
            idx = order[start : start + batch_size]
            v = momentum * v + 2 / len(idx) * X[idx].T @ (X[idx] @ theta - y[idx])
            theta = theta - lr * v
        losses.append(np.mean((X @ theta - y) ** 2))
    return theta, np.array(losses)


def mb_loss_before_epoch(X, y, lr, batch_size, epochs, momentum=0.0, seed=0):
    rng = np.random.default_rng(seed)
    theta, v, losses = np.zeros(X.shape[1]), np.zeros(X.shape[1]), []
    for _ in range(epochs):
        losses.append(np.mean((X @ theta - y) ** 2))  # before the updates
        order = rng.permutation(len(y))
        for start in range(0, len(y), batch_size):
            idx = order[start : start + batch_size]
            v = momentum * v + 2 / len(idx) * X[idx].T @ (X[idx] @ theta - y[idx])
            theta = theta - lr * v
    return theta, np.array(losses)


def mb_velocity_reset_each_epoch(X, y, lr, batch_size, epochs, momentum=0.0, seed=0):
    rng = np.random.default_rng(seed)
    theta, losses = np.zeros(X.shape[1]), []
    for _ in range(epochs):
        v = np.zeros(X.shape[1])
        order = rng.permutation(len(y))
        for start in range(0, len(y), batch_size):
            idx = order[start : start + batch_size]
            v = momentum * v + 2 / len(idx) * X[idx].T @ (X[idx] @ theta - y[idx])
            theta = theta - lr * v
        losses.append(np.mean((X @ theta - y) ** 2))
    return theta, np.array(losses)


def mb_without_factor_2(X, y, lr, batch_size, epochs, momentum=0.0, seed=0):
    rng = np.random.default_rng(seed)
    theta, v, losses = np.zeros(X.shape[1]), np.zeros(X.shape[1]), []
    for _ in range(epochs):
        order = rng.permutation(len(y))
        for start in range(0, len(y), batch_size):
            idx = order[start : start + batch_size]
            v = momentum * v + X[idx].T @ (X[idx] @ theta - y[idx]) / len(idx)
            theta = theta - lr * v
        losses.append(np.mean((X @ theta - y) ** 2))
    return theta, np.array(losses)


def mb_theta_only(X, y, lr, batch_size, epochs, momentum=0.0, seed=0):
    return sol.minibatch_sgd(X, y, lr, batch_size, epochs, momentum, seed)[0]


def mb_shuffles_X_in_place(X, y, lr, batch_size, epochs, momentum=0.0, seed=0):
    theta, losses = sol.minibatch_sgd(X, y, lr, batch_size, epochs, momentum, seed)
    np.random.default_rng(seed).shuffle(X)  # reorders the caller's data
    return theta, losses


WRONG = [
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
    ("minibatch_sgd", mb_no_shuffle, "wrong value of the theta"),
    ("minibatch_sgd", mb_generator_per_epoch, "wrong value of the theta"),
    ("minibatch_sgd", mb_divides_by_batch_size, "the last batch has 5"),
    ("minibatch_sgd", mb_drops_last_batch, "the last batch has 5"),
    ("minibatch_sgd", mb_loss_before_epoch, "wrong value of the losses"),
    ("minibatch_sgd", mb_velocity_reset_each_epoch, "momentum 0.9"),
    ("minibatch_sgd", mb_without_factor_2, "wrong value of the theta"),
    ("minibatch_sgd", mb_theta_only, "expected a tuple (theta, losses)"),
    ("minibatch_sgd", mb_shuffles_X_in_place, "changed its input `X` in place"),
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
        ("minibatch_sgd", mb_no_shuffle, "draw a new order"),
        ("minibatch_sgd", mb_generator_per_epoch, "make the generator once"),
        ("minibatch_sgd", mb_divides_by_batch_size, "average over len(idx)"),
        ("minibatch_sgd", mb_drops_last_batch, "keep the last, shorter batch"),
        ("minibatch_sgd", mb_loss_before_epoch, "after each epoch's updates"),
        ("minibatch_sgd", mb_velocity_reset_each_epoch, "carries over from one epoch"),
        ("minibatch_sgd", mb_without_factor_2, "carries the factor 2"),
    ],
)
def test_a_classic_mistake_is_named(name, wrong, hint):
    with np.errstate(all="ignore"):
        message = getattr(ch03, name).check(wrong).message
    assert "Hint:" in message and hint in message.split("Hint:", 1)[1], message


# --------------------------------------------------------------------------- predictions and the experiment

WRONG_PREDICTIONS = [
    ("predict_zigzag", "a", "the sign flips"),  # forgets that lr > 1/lambda overshoots
    ("predict_zigzag", "c", "the zig-zag shrinks"),  # thinks overshooting means diverging
    ("predict_zigzag", "d", "the sign flips"),
    ("predict_adam_first_step", "a", "not by the size of the gradient"),  # SGD's intuition
    ("predict_adam_first_step", "c", "lr * sign(g)"),
]


@pytest.mark.parametrize("name, answer, why", WRONG_PREDICTIONS)
def test_a_wrong_prediction_is_rejected_with_the_reason(name, answer, why):
    result = getattr(ch03, name).check(lambda: answer)
    assert not result.passed and "not what happens" in result.message and f"you chose {answer!r}" in result.message
    assert why in result.message, result.message


@pytest.mark.parametrize("name", ["predict_zigzag", "predict_adam_first_step"])
def test_a_prediction_that_is_no_option_is_rejected(name):
    assert "answer with one of" in getattr(ch03, name).check(lambda: "yes").message


WRONG_RATES = [
    (1e-3, ["your learning rate 0.001 reached f = 0.00251 after 500 steps", "too small"]),  # the lesson's grid value
    (1e-4, ["reached f = 2.27", "too small"]),
    (2e-3, ["after 500 steps", "too large"]),  # bounces in the valley
    (5e-3, ["diverged", "Too large"]),
]


@pytest.mark.parametrize("lr, words", WRONG_RATES, ids=[str(lr) for lr, _ in WRONG_RATES])
def test_a_learning_rate_that_misses_the_target_says_what_it_reached(lr, words):
    result = ch03.nesterov_lr.check(lambda: lr)
    assert not result.passed and "asked: f below 0.001 within 500 steps" in result.message, result.message
    for word in words:
        assert word in result.message, result.message


@pytest.mark.parametrize("answer, word", [([1e-3, 2e-3], "return one number"), (0.0, "positive"), (-0.001, "positive"),
                                          ("0.0015", "return one number"), (np.array([0.0015]), "took f below")])
def test_the_experiment_reads_one_positive_number(answer, word):
    assert word in str(ch03.nesterov_lr.check(lambda: answer))


def test_the_experiments_solution_is_inside_the_window_that_works():
    lr = sol.nesterov_lr()
    rates = ch03._finishing_rates()
    assert rates[0] < lr <= rates[-1] and rates[-1] / rates[0] > 1.2  # a window, found by sweeping, not a point


# --------------------------------------------------------------------------- the solutions agree with PyTorch


def test_the_predictions_are_what_happens():
    theta = 1.0
    path = []
    for _ in range(6):
        theta = theta - 0.4 * 4 * theta
        path.append(theta)
    assert all(abs(b) < abs(a) and a * b < 0 for a, b in zip(path, path[1:]))  # 'b': shrinks, flips sign
    p = torch.zeros(2, requires_grad=True)
    opt = torch.optim.Adam([p], lr=0.01)
    p.grad = torch.tensor([1e-3, 1e3])
    opt.step()
    assert torch.allclose(-p.detach(), torch.tensor([0.01, 0.01]), rtol=1e-4)  # 'b': both about lr


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_minibatch_sgd_with_one_batch_matches_torch_sgd(momentum):
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(30, 4)), rng.normal(size=30)
    theta, losses = sol.minibatch_sgd(X, y, 0.05, 100, 5, momentum=momentum)
    w = torch.zeros(4, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([w], lr=0.05, momentum=momentum)
    expected = []
    for _ in range(5):
        opt.zero_grad()
        torch.nn.functional.mse_loss(torch.tensor(X) @ w, torch.tensor(y)).backward()
        opt.step()
        expected.append(torch.nn.functional.mse_loss(torch.tensor(X) @ w, torch.tensor(y)).item())
    assert rel_error(theta, w.detach().numpy()) < 1e-12 and rel_error(losses, np.array(expected)) < 1e-12


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


# --------------------------------------------------------------------------- the Korean edition


KOREAN_WRONG = [
    ("nesterov_step", nesterov_plain_momentum, "먼저 v를 업데이트한 다음"),
    ("adamw_step", adamw_as_l2, "Adam의 L2 규제"),
    ("adamw_step", adamw_eps_inside_sqrt, "eps를 어디에 더하는지가 중요"),
    ("cross_entropy", ce_summed, "합이 아니라 평균"),
    ("minibatch_sgd", mb_divides_by_batch_size, "마지막 배치는 5개"),
    ("minibatch_sgd", mb_velocity_reset_each_epoch, "다음 에폭으로 이어집니다"),
]


@pytest.mark.parametrize("name, wrong, fact", KOREAN_WRONG, ids=[w.__name__ for _, w, _ in KOREAN_WRONG])
def test_a_wrong_answer_is_explained_in_korean(korean, name, wrong, fact):
    with np.errstate(all="ignore"):
        result = getattr(ch03, name).check(wrong)
    assert not result.passed and str(result).startswith(f"실패 {name}")
    assert fact in result.message, result.message


def test_predictions_and_the_experiment_are_explained_in_korean(korean):
    zigzag = ch03.predict_zigzag.check(lambda: "c")
    assert not zigzag and "지그재그가 줄어듭니다" in zigzag.message, zigzag.message
    assert "둘 다 약 0.01" in ch03.predict_adam_first_step.check(lambda: "b").message
    small = ch03.nesterov_lr.check(lambda: 1e-3)
    assert not small and "f = 0.00251에 이르렀습니다" in small.message, small.message
    assert "너무 작습니다" in small.message, small.message
    assert "발산했습니다" in ch03.nesterov_lr.check(lambda: 5e-3).message
    assert "번째 걸음에서 f가 0.001 아래로" in ch03.nesterov_lr.check(lambda: 0.0015).message


def test_the_language_is_english_again_after_the_korean_tests():
    message = ch03.nesterov_step.check(nesterov_plain_momentum).message
    assert "update v first" in message and not HANGUL.search(message), message
