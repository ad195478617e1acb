"""Reference solutions for the exercises of chapter 03 (gradient descent and the learning rate)."""
import numpy as np

from common.checkers.ch03 import ROSENBROCK_START, rosenbrock, rosenbrock_grad


def predict_zigzag():
    """Gradient descent on f(theta) = 2 theta^2 (curvature 4) with lr 0.4: each step multiplies theta by 1 - 0.4 * 4."""
    return "b"  # the factor is -0.6: |-0.6| < 1 shrinks theta, the minus sign flips it at every step


def nesterov_step(theta, grad, v, lr, momentum=0.9):
    """One step of SGD with Nesterov momentum, as ``torch.optim.SGD(nesterov=True)``.

    v <- momentum * v + grad;  theta <- theta - lr * (grad + momentum * v).  Returns (theta, v), shapes of theta.
    """
    v = momentum * v + grad
    return theta - lr * (grad + momentum * v), v


def nesterov_lr():
    """A learning rate with which Nesterov momentum (0.9) takes the Rosenbrock function below 1e-3 in 500 steps.

    Found by a sweep: for each rate, count the steps until f < 1e-3 (None if not within 500), keep the fastest.
    """

    def steps_to_target(lr, budget=500):
        theta, v = ROSENBROCK_START.copy(), np.zeros(2)
        for step in range(1, budget + 1):
            theta, v = nesterov_step(theta, rosenbrock_grad(theta), v, lr, momentum=0.9)
            if not np.all(np.abs(theta) < 1e6):  # diverged
                return None
            if rosenbrock(theta) < 1e-3:
                return step
        return None

    results = {lr: steps_to_target(lr) for lr in np.geomspace(3e-4, 3e-3, 21)}
    finished = {lr: steps for lr, steps in results.items() if steps is not None}
    return float(min(finished, key=finished.get))


def predict_adam_first_step():
    """Adam's first step (t = 1) is lr * g / |g| per parameter: about lr for a tiny and a huge gradient alike."""
    return "b"


def adamw_step(theta, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2):
    """One step of AdamW (Adam with decoupled weight decay), as ``torch.optim.AdamW``.

    The weights shrink by (1 - lr * weight_decay) first; then the Adam step with bias correction
    (t counts from 1). Returns (theta, m, v), each with the shape of theta.
    """
    theta = theta * (1 - lr * weight_decay)
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def cross_entropy(logits, labels, label_smoothing=0.0):
    """Mean cross-entropy of (N, C) ``logits`` and (N,) integer ``labels``, as ``nn.CrossEntropyLoss``.

    With label smoothing eps the target of each row is (1 - eps) * one_hot + eps / C.
    The row maximum is subtracted before exp, so huge logits do not overflow.
    """
    n, c = logits.shape
    z = logits - logits.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    target = np.full((n, c), label_smoothing / c)
    target[np.arange(n), labels] += 1.0 - label_smoothing
    return -np.mean(np.sum(target * log_p, axis=1))


def minibatch_sgd(X, y, lr, batch_size, epochs, momentum=0.0, seed=0):
    """Fit ``X @ theta`` to ``y`` (mean squared error) by minibatch SGD with (heavy-ball) momentum.

    theta and the velocity start at zero; one generator ``np.random.default_rng(seed)`` draws a new
    order of the N examples at the start of every epoch; each batch (the last one may be shorter)
    gives the gradient 2/B X_b^T (X_b theta - y_b) with B its own size, then v <- momentum * v + g and
    theta <- theta - lr * v. Returns (theta (D,), losses (epochs,)): the MSE on all of X after each epoch.
    """
    n, d = X.shape
    rng = np.random.default_rng(seed)
    theta, v = np.zeros(d), np.zeros(d)
    losses = []
    for _ in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            idx = order[start : start + batch_size]
            xb, yb = X[idx], y[idx]
            g = 2.0 / len(idx) * xb.T @ (xb @ theta - yb)
            v = momentum * v + g
            theta = theta - lr * v
        losses.append(np.mean((X @ theta - y) ** 2))
    return theta, np.array(losses)
