"""Reference solutions for chapter 04's exercises (same names and signatures as the stubs)."""
import numpy as np


def init_scale(fan_in, fan_out, method):
    """The std (``*_normal``) or the bound a of U(-a, a) (``*_uniform``) of Xavier or He initialisation.

    method: "xavier_normal", "xavier_uniform", "he_normal" or "he_uniform". Returns a float.
    """
    if method.startswith("xavier"):
        variance = 2.0 / (fan_in + fan_out)
    elif method.startswith("he"):
        variance = 2.0 / fan_in
    else:
        raise ValueError(f"unknown method {method!r}")
    if method.endswith("uniform"):
        return float(np.sqrt(3.0 * variance))  # U(-a, a) has variance a^2 / 3
    return float(np.sqrt(variance))


def batchnorm_forward(x, gamma, beta, running_mean, running_var, momentum=0.1, eps=1e-5):
    """Batch norm of x (N, D) in training mode.

    Returns ``(y, new_running_mean, new_running_var)``: y (N, D) and the running statistics (D,)
    updated as ``torch.nn.BatchNorm1d`` does (the running variance uses the unbiased batch variance).
    """
    n = x.shape[0]
    mean = x.mean(axis=0)
    var = x.var(axis=0)
    x_hat = (x - mean) / np.sqrt(var + eps)
    y = gamma * x_hat + beta
    new_running_mean = (1 - momentum) * running_mean + momentum * mean
    new_running_var = (1 - momentum) * running_var + momentum * var * n / (n - 1)
    return y, new_running_mean, new_running_var


def batchnorm_backward(dout, x, gamma, eps=1e-5):
    """Gradients of training-mode batch norm: ``(dx (N, D), dgamma (D,), dbeta (D,))`` from dL/dy = dout (N, D)."""
    s = 1.0 / np.sqrt(x.var(axis=0) + eps)
    x_hat = (x - x.mean(axis=0)) * s
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    g = dout * gamma
    dx = s * (g - g.mean(axis=0) - x_hat * (g * x_hat).mean(axis=0))
    return dx, dgamma, dbeta


def dropout(x, p, training, rng):
    """Inverted dropout: in training, zero each element with probability p and divide the rest by 1 - p.

    In inference mode (``training=False``) return x unchanged. Draw the mask from ``rng``.
    """
    if not training or p == 0:
        return x
    mask = rng.random(x.shape) >= p
    return x * mask / (1.0 - p)


def l2_regularize(loss, weights, grads, weight_decay):
    """Add the L2 penalty (weight_decay / 2) * sum ||W||^2 to ``loss`` and weight_decay * W to each gradient.

    Returns ``(new_loss, new_grads)`` with ``new_grads`` a list in the order of ``weights``.
    """
    penalty = 0.5 * weight_decay * sum(np.sum(w**2) for w in weights)
    new_grads = [g + weight_decay * w for w, g in zip(weights, grads)]
    return loss + penalty, new_grads


def early_stopping(val_losses, patience, min_delta=0.0):
    """Replay early stopping on a list of validation losses; epochs are counted from 1.

    An epoch improves when its loss is below (best so far - min_delta). Training stops at the
    epoch that makes ``patience`` epochs in a row without improvement, or after the last one.
    Returns ``(stop_epoch, best_epoch)``.
    """
    best, best_epoch, waited = float("inf"), 0, 0
    for epoch, loss in enumerate(val_losses, start=1):
        if loss < best - min_delta:
            best, best_epoch, waited = loss, epoch, 0
        else:
            waited += 1
            if waited >= patience:
                return epoch, best_epoch
    return len(val_losses), best_epoch
