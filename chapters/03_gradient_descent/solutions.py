"""Reference solutions for the exercises of chapter 03 (gradient descent and the learning rate)."""
import numpy as np


def mse_and_grad(X, y, w, b):
    """MSE of the linear model ``X @ w + b`` and its gradients.

    X: (N, D), y: (N,), w: (D,), b: float -> (loss: float, dw: (D,), db: float).
    With residuals r = X w + b - y:  loss = mean(r^2), dw = (2/N) X^T r, db = (2/N) sum(r).
    """
    r = X @ w + b - y
    n = len(y)
    return np.mean(r**2), 2.0 / n * X.T @ r, 2.0 / n * np.sum(r)


def max_stable_lr(X):
    """Largest stable learning rate 2 / lambda_max for gradient descent on the MSE of ``X @ w``.

    X: (N, D). The Hessian of the MSE is (2/N) X^T X whatever y is; eigvalsh suits a symmetric matrix.
    """
    hessian = 2.0 / len(X) * X.T @ X
    return 2.0 / np.linalg.eigvalsh(hessian).max()


def nesterov_step(theta, grad, v, lr, momentum=0.9):
    """One step of SGD with Nesterov momentum, as ``torch.optim.SGD(nesterov=True)``.

    v <- momentum * v + grad;  theta <- theta - lr * (grad + momentum * v).  Returns (theta, v), shapes of theta.
    """
    v = momentum * v + grad
    return theta - lr * (grad + momentum * v), v


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
