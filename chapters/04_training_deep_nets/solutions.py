"""Reference solutions for chapter 04's exercises (same names and signatures as the stubs)."""
import numpy as np

from common.checkers.ch04 import train_small_mlp


def predict_initial_loss():
    """The cross-entropy of a 10-class classifier whose logits all start near 0: -log(1/10) = log 10."""
    return float(np.log(10))


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


def predict_smallest_gradient():
    """In a deep sigmoid MLP the gradient shrinks on its way back: the first layer's is the smallest."""
    return "a"


def fold_batchnorm(W, b, gamma, beta, running_mean, running_var, eps=1e-5):
    """Fold inference-mode batch norm into the layer ``x @ W + b`` before it.

    W: (D_in, D_out), the other arrays (D_out,). BN(x @ W + b) = (x @ W + b - mean) * scale + beta with
    scale = gamma / sqrt(running_var + eps), which is x @ (W * scale) + ((b - mean) * scale + beta).
    Returns ``(W_folded, b_folded)`` with the shapes of W and b.
    """
    scale = gamma / np.sqrt(running_var + eps)
    return W * scale, (b - running_mean) * scale + beta


def choose_weight_decay():
    """A weight decay with which the small MLP's validation loss ends below the target: found by a sweep."""
    sweep = {wd: train_small_mlp(wd)["val_loss"] for wd in (3e-3, 1e-2, 3e-2)}
    return min(sweep, key=sweep.get)


def layernorm_backward(dout, x, gamma, eps=1e-5):
    """Gradients ``(dx (N, D), dgamma (D,), dbeta (D,))`` of layer norm y = gamma * x_hat + beta.

    Layer norm normalises each row of x over its D features; gamma and beta have one entry per feature,
    so their gradients sum over the batch. dx is batch norm's formula with the means taken along each row.
    """
    s = 1.0 / np.sqrt(x.var(axis=1, keepdims=True) + eps)
    x_hat = (x - x.mean(axis=1, keepdims=True)) * s
    g = dout * gamma
    dx = s * (g - g.mean(axis=1, keepdims=True) - x_hat * (g * x_hat).mean(axis=1, keepdims=True))
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)
