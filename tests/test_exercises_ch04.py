"""Chapter 04 checkers: the reference solutions pass, and plausible mistakes are caught with a useful message."""

import numpy as np
import pytest

from common.checkers import ch04
from conftest import CHAPTERS, load_solutions

solutions = load_solutions(CHAPTERS / "04_training_deep_nets")


def check(name, fn):
    return getattr(ch04, f"check_{name}")(fn)


# --------------------------------------------------------------------------- plausible wrong answers
def _init_xavier_fan_in_only(fan_in, fan_out, method):
    std = np.sqrt(2.0 / fan_in) if method.startswith("he") else np.sqrt(1.0 / fan_in)
    return std * np.sqrt(3.0) if method.endswith("uniform") else std


def _init_uniform_returns_std(fan_in, fan_out, method):
    return np.sqrt(2.0 / (fan_in + fan_out)) if method.startswith("xavier") else np.sqrt(2.0 / fan_in)


def _init_he_fan_out(fan_in, fan_out, method):
    if method.startswith("he"):
        std = np.sqrt(2.0 / fan_out)
        return std * np.sqrt(3.0) if method.endswith("uniform") else std
    return solutions.init_scale(fan_in, fan_out, method)


def _bn_forward_variant(axis=0, unbiased=True, eps_inside=True, swap_momentum=False):
    def bn(x, gamma, beta, running_mean, running_var, momentum=0.1, eps=1e-5):
        n = x.shape[0]
        mean, var = x.mean(axis=axis, keepdims=True), x.var(axis=axis, keepdims=True)
        scale = np.sqrt(var + eps) if eps_inside else np.sqrt(var) + eps
        y = gamma * (x - mean) / scale + beta
        mean, var = x.mean(axis=0), x.var(axis=0)
        batch_var = var * n / (n - 1) if unbiased else var
        m = 1 - momentum if swap_momentum else momentum
        return y, (1 - m) * running_mean + m * mean, (1 - m) * running_var + m * batch_var

    return bn


def _bn_backward_variant(stats_constant=False, gamma_in_dx=True, x_hat_in_dgamma=True):
    def bn_backward(dout, x, gamma, eps=1e-5):
        s = 1.0 / np.sqrt(x.var(axis=0) + eps)
        x_hat = (x - x.mean(axis=0)) * s
        g = dout * gamma if gamma_in_dx else dout
        dx = g * s if stats_constant else s * (g - g.mean(axis=0) - x_hat * (g * x_hat).mean(axis=0))
        dgamma = (dout * x_hat).sum(axis=0) if x_hat_in_dgamma else dout.sum(axis=0)
        return dx, dgamma, dout.sum(axis=0)

    return bn_backward


def _dropout_not_inverted(x, p, training, rng):
    return x * (rng.random(x.shape) >= p) if training else x


def _dropout_keeps_share_p(x, p, training, rng):
    return x * (rng.random(x.shape) < p) / (1 - p) if training else x


def _dropout_also_in_eval(x, p, training, rng):
    return x * (rng.random(x.shape) >= p) / (1 - p)


def _dropout_global_rng(x, p, training, rng):
    return x * (np.random.random(x.shape) >= p) / (1 - p) if training else x


def _dropout_in_place(x, p, training, rng):
    if training:
        x *= (rng.random(x.shape) >= p) / (1 - p)
    return x


def _l2_without_half(loss, weights, grads, weight_decay):
    new_grads = [g + weight_decay * w for w, g in zip(weights, grads)]
    return loss + weight_decay * sum(np.sum(w**2) for w in weights), new_grads


def _l2_grad_doubled(loss, weights, grads, weight_decay):
    new_loss, _ = solutions.l2_regularize(loss, weights, grads, weight_decay)
    return new_loss, [g + 2 * weight_decay * w for w, g in zip(weights, grads)]


def _l2_first_matrix_only(loss, weights, grads, weight_decay):
    new_loss, new_grads = solutions.l2_regularize(loss, weights[:1], grads[:1], weight_decay)
    return new_loss, new_grads + list(grads[1:])


def _early_stopping_variant(ties_improve=False, reset=True, zero_based=False, fixed_stop=False):
    def early_stopping(val_losses, patience, min_delta=0.0):
        best, best_epoch, waited = float("inf"), 0, 0
        for epoch, loss in enumerate(val_losses, start=0 if zero_based else 1):
            improved = loss <= best - min_delta if ties_improve else loss < best - min_delta
            if improved:
                best, best_epoch = loss, epoch
                waited = 0 if reset else waited
            else:
                waited += 1
                if waited >= patience:
                    return epoch, best_epoch
        return (best_epoch + patience if fixed_stop else len(val_losses)), best_epoch

    return early_stopping


@pytest.mark.parametrize(
    "name, wrong, word",
    [
        ("init_scale", _init_xavier_fan_in_only, "xavier"),
        ("init_scale", _init_uniform_returns_std, "uniform"),
        ("init_scale", _init_he_fan_out, "he_"),
        ("batchnorm_forward", _bn_forward_variant(axis=1), "wrong value of the y"),
        ("batchnorm_forward", _bn_forward_variant(unbiased=False), "new_running_var"),
        ("batchnorm_forward", _bn_forward_variant(eps_inside=False), "wrong value of the y"),
        ("batchnorm_forward", _bn_forward_variant(swap_momentum=True), "new_running_mean"),
        ("batchnorm_backward", _bn_backward_variant(stats_constant=True), "dx"),
        ("batchnorm_backward", _bn_backward_variant(gamma_in_dx=False), "dx"),
        ("batchnorm_backward", _bn_backward_variant(x_hat_in_dgamma=False), "dgamma"),
        ("dropout", _dropout_not_inverted, "inverted"),
        ("dropout", _dropout_keeps_share_p, "should be zeroed"),
        ("dropout", _dropout_also_in_eval, "identity"),
        ("dropout", _dropout_global_rng, "rng"),
        ("dropout", _dropout_in_place, "in place"),
        ("l2_regularize", _l2_without_half, "loss"),
        ("l2_regularize", _l2_grad_doubled, "grads"),
        ("l2_regularize", _l2_first_matrix_only, "three matrices"),
        ("early_stopping", _early_stopping_variant(ties_improve=True), "equal losses"),
        ("early_stopping", _early_stopping_variant(reset=False), "resets"),
        ("early_stopping", _early_stopping_variant(zero_based=True), "expected 6, got 5"),
        ("early_stopping", _early_stopping_variant(fixed_stop=True), "never stops"),
    ],
)
def test_plausible_mistake_is_rejected(name, wrong, word):
    result = check(name, wrong)
    assert not result.passed, f"{name}: a wrong implementation passed"
    assert word in result.message, str(result)
