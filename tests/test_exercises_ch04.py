"""Chapter 04 checkers: the reference solutions pass, and plausible mistakes are caught with a useful message."""

import numpy as np
import pytest

from common.checkers import ch04
from conftest import CHAPTERS, load_solutions

solutions = load_solutions(CHAPTERS / "04_training_deep_nets")


def check(name, fn):
    return getattr(ch04, name).check(fn)


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


# --------------------------------------------------------------------------- wrong answers for the hardened cases
def _init_variance(fan_in, fan_out, method):
    return solutions.init_scale(fan_in, fan_out, method) ** 2  # the variance, not the std or the bound


def _init_he_lecun(fan_in, fan_out, method):
    if method.startswith("he"):
        std = np.sqrt(1.0 / fan_in)  # LeCun's variance, not He's
        return std * np.sqrt(3.0) if method.endswith("uniform") else std
    return solutions.init_scale(fan_in, fan_out, method)


def _init_as_array(fan_in, fan_out, method):
    return np.array([solutions.init_scale(fan_in, fan_out, method)])  # shape (1,), not a float


def _bn_forward_in_place(x, gamma, beta, running_mean, running_var, momentum=0.1, eps=1e-5):
    y, new_mean, new_var = solutions.batchnorm_forward(x, gamma, beta, running_mean, running_var, momentum, eps)
    running_mean *= 1 - momentum  # updates the caller's running statistics, as a layer would
    running_mean += momentum * x.mean(axis=0)
    return y, running_mean, new_var


def _bn_backward_in_place(dout, x, gamma, eps=1e-5):
    dx, dgamma, dbeta = solutions.batchnorm_backward(dout, x, gamma, eps)
    dout *= gamma  # reuses the caller's array for g
    return dx, dgamma, dbeta


def _dropout_as_list(x, p, training, rng):
    return solutions.dropout(x, p, training, rng).tolist()


def _dropout_fixed_seed(x, p, training, rng):
    return solutions.dropout(x, p, training, np.random.default_rng(0))  # ignores the rng it is given


def _dropout_2d_only(x, p, training, rng):
    if not training:
        return x
    return x * (rng.random((x.shape[0], x.shape[1])) >= p) / (1 - p)


def _l2_in_place(loss, weights, grads, weight_decay):
    for w, g in zip(weights, grads):
        g += weight_decay * w  # changes the caller's gradients
    return loss + 0.5 * weight_decay * sum(np.sum(w**2) for w in weights), grads


def _l2_norm_not_squared(loss, weights, grads, weight_decay):
    new_grads = [g + weight_decay * w for w, g in zip(weights, grads)]
    return loss + 0.5 * weight_decay * sum(np.linalg.norm(w) for w in weights), new_grads


def _early_stopping_float(val_losses, patience, min_delta=0.0):
    stop, best = solutions.early_stopping(val_losses, patience, min_delta)
    return float(stop), float(best)  # e.g. after np.argmin(...) + 1.0


def _early_stopping_one_late(val_losses, patience, min_delta=0.0):
    best, best_epoch, waited = float("inf"), 0, 0
    for epoch, loss in enumerate(val_losses, start=1):
        if loss < best - min_delta:
            best, best_epoch, waited = loss, epoch, 0
        else:
            waited += 1
            if waited > patience:  # one epoch too late
                return epoch, best_epoch
    return len(val_losses), best_epoch


def _early_stopping_ignores_min_delta(val_losses, patience, min_delta=0.0):
    return solutions.early_stopping(val_losses, patience)


WRONG = [
    ("init_scale", _init_xavier_fan_in_only, "xavier"),
    ("init_scale", _init_uniform_returns_std, "uniform"),
    ("init_scale", _init_he_fan_out, "he_"),
    ("init_scale", _init_variance, "wrong value of the scale"),
    ("init_scale", _init_he_lecun, "he_normal"),
    ("init_scale", _init_as_array, "return a Python float"),
    ("batchnorm_forward", _bn_forward_variant(axis=1), "wrong value of the y"),
    ("batchnorm_forward", _bn_forward_variant(unbiased=False), "new_running_var"),
    ("batchnorm_forward", _bn_forward_variant(eps_inside=False), "wrong value of the y"),
    ("batchnorm_forward", _bn_forward_variant(swap_momentum=True), "new_running_mean"),
    ("batchnorm_forward", _bn_forward_in_place, "changed its input `running_mean` in place"),
    ("batchnorm_backward", _bn_backward_variant(stats_constant=True), "dx"),
    ("batchnorm_backward", _bn_backward_variant(gamma_in_dx=False), "dx"),
    ("batchnorm_backward", _bn_backward_variant(x_hat_in_dgamma=False), "dgamma"),
    ("batchnorm_backward", _bn_backward_in_place, "changed its input `dout` in place"),
    ("dropout", _dropout_not_inverted, "inverted"),
    ("dropout", _dropout_keeps_share_p, "should be zeroed"),
    ("dropout", _dropout_also_in_eval, "identity"),
    ("dropout", _dropout_global_rng, "rng"),
    ("dropout", _dropout_in_place, "in place"),
    ("dropout", _dropout_as_list, "return a NumPy array"),
    ("dropout", _dropout_fixed_seed, "different seeds gave the same mask"),
    ("dropout", _dropout_2d_only, "a 3-d x"),
    ("l2_regularize", _l2_without_half, "loss"),
    ("l2_regularize", _l2_grad_doubled, "grads"),
    ("l2_regularize", _l2_first_matrix_only, "three matrices"),
    ("l2_regularize", _l2_in_place, "changed its input `grads` in place"),
    ("l2_regularize", _l2_norm_not_squared, "wrong value of the loss"),
    ("early_stopping", _early_stopping_variant(ties_improve=True), "equal losses"),
    ("early_stopping", _early_stopping_variant(reset=False), "resets"),
    ("early_stopping", _early_stopping_variant(zero_based=True), "expected 6, got 5"),
    ("early_stopping", _early_stopping_variant(fixed_stop=True), "never stops"),
    ("early_stopping", _early_stopping_float, "return an int, not float"),
    ("early_stopping", _early_stopping_one_late, "expected 6, got 7"),
    ("early_stopping", _early_stopping_ignores_min_delta, "min_delta=0.01"),
]


@pytest.mark.parametrize("name, wrong, word", WRONG, ids=[f"{n}-{getattr(w, '__name__', 'variant')}-{i}"
                                                          for i, (n, w, _) in enumerate(WRONG)])
def test_plausible_mistake_is_rejected(name, wrong, word):
    with np.errstate(all="ignore"):
        result = check(name, wrong)
    assert not result.passed, f"{name}: a wrong implementation passed"
    assert word in result.message, str(result)
    assert "case:" in result.message, str(result)


@pytest.mark.parametrize(
    "name, wrong, hint",
    [
        ("init_scale", _init_xavier_fan_in_only, "Xavier uses both fans"),
        ("init_scale", _init_uniform_returns_std, "return the bound"),
        ("init_scale", _init_he_fan_out, "He uses fan_in"),
        ("init_scale", _init_variance, "square root of the variance"),
        ("batchnorm_forward", _bn_forward_variant(axis=1), "axis=0"),
        ("batchnorm_forward", _bn_forward_variant(unbiased=False), "unbiased batch variance"),
        ("batchnorm_forward", _bn_forward_variant(eps_inside=False), "inside the square root"),
        ("batchnorm_forward", _bn_forward_variant(swap_momentum=True), "momentum weighs the batch value"),
        ("batchnorm_backward", _bn_backward_variant(stats_constant=True), "depend on x too"),
        ("batchnorm_backward", _bn_backward_variant(gamma_in_dx=False), "g = gamma * dout"),
        ("batchnorm_backward", _bn_backward_variant(x_hat_in_dgamma=False), "dgamma sums dout * x_hat"),
        ("l2_regularize", _l2_without_half, "weight_decay / 2"),
        ("l2_regularize", _l2_grad_doubled, "is weight_decay * W"),
        ("l2_regularize", _l2_first_matrix_only, "every weight matrix"),
        ("early_stopping", _early_stopping_variant(ties_improve=True), "not <="),
        ("early_stopping", _early_stopping_variant(reset=False), "resets the count"),
        ("early_stopping", _early_stopping_variant(zero_based=True), "count epochs from 1"),
        ("early_stopping", _early_stopping_one_late, "waited >= patience"),
        ("early_stopping", _early_stopping_ignores_min_delta, "more than min_delta"),
    ],
)
def test_a_classic_mistake_is_named(name, wrong, hint):
    message = check(name, wrong).message
    assert "Hint:" in message and hint in message.split("Hint:", 1)[1], message
