"""Chapter 04 checkers: the reference solutions pass, plausible mistakes are caught with a useful message, wrong
predictions are told why, a weight decay that misses the target is told what it reached, and the solutions agree
with PyTorch (nn.BatchNorm1d in inference mode, F.layer_norm with autograd)."""


import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from common.checkers import ch04
from conftest import CHAPTERS, load_solutions

solutions = load_solutions(CHAPTERS / "04_training_deep_nets")


def check(name, fn):
    return getattr(ch04, name).check(fn)


# --------------------------------------------------------------------------- plausible wrong answers
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


def _early_stopping_delta_added(val_losses, patience, min_delta=0.0):
    best, best_epoch, waited = float("inf"), 0, 0
    for epoch, loss in enumerate(val_losses, start=1):
        if loss < best + min_delta:  # a small worsening counts as an improvement
            best, best_epoch, waited = loss, epoch, 0
        else:
            waited += 1
            if waited >= patience:
                return epoch, best_epoch
    return len(val_losses), best_epoch


def _early_stopping_equivalent_form(val_losses, patience, min_delta=0.0):
    best, best_epoch, waited = float("inf"), 0, 0
    for epoch, loss in enumerate(val_losses, start=1):
        if best - loss > min_delta:  # the same test written the other way round: must pass too
            best, best_epoch, waited = loss, epoch, 0
        else:
            waited += 1
            if waited >= patience:
                return epoch, best_epoch
    return len(val_losses), best_epoch


def _fold_rows(W, b, gamma, beta, running_mean, running_var, eps=1e-5):
    scale = gamma / np.sqrt(running_var + eps)
    return W * scale[:, None], (b - running_mean) * scale + beta  # scales the rows of W


def _fold_by_variance(W, b, gamma, beta, running_mean, running_var, eps=1e-5):
    scale = gamma / (running_var + eps)  # the variance, not the standard deviation
    return W * scale, (b - running_mean) * scale + beta


def _fold_without_eps(W, b, gamma, beta, running_mean, running_var, eps=1e-5):
    scale = gamma / np.sqrt(running_var)
    return W * scale, (b - running_mean) * scale + beta


def _fold_mean_not_scaled(W, b, gamma, beta, running_mean, running_var, eps=1e-5):
    scale = gamma / np.sqrt(running_var + eps)
    return W * scale, b * scale - running_mean + beta


def _fold_without_beta(W, b, gamma, beta, running_mean, running_var, eps=1e-5):
    scale = gamma / np.sqrt(running_var + eps)
    return W * scale, (b - running_mean) * scale


def _fold_bias_unchanged(W, b, gamma, beta, running_mean, running_var, eps=1e-5):
    return W * (gamma / np.sqrt(running_var + eps)), b


def _fold_in_place(W, b, gamma, beta, running_mean, running_var, eps=1e-5):
    scale = gamma / np.sqrt(running_var + eps)
    W *= scale  # changes the layer's weights
    return W, (b - running_mean) * scale + beta


def _ln_variant(axis=1, stats_constant=False, gamma_in_dx=True, param_axis=0, eps_inside=True):
    def layernorm_backward(dout, x, gamma, eps=1e-5):
        var = x.var(axis=axis, keepdims=True)
        s = 1.0 / (np.sqrt(var + eps) if eps_inside else np.sqrt(var) + eps)
        x_hat = (x - x.mean(axis=axis, keepdims=True)) * s
        g = dout * gamma if gamma_in_dx else dout
        if stats_constant:
            dx = g * s
        else:
            dx = s * (g - g.mean(axis=axis, keepdims=True) - x_hat * (g * x_hat).mean(axis=axis, keepdims=True))
        return dx, (dout * x_hat).sum(axis=param_axis), dout.sum(axis=param_axis)

    return layernorm_backward


def _ln_without_keepdims(dout, x, gamma, eps=1e-5):
    s = 1.0 / np.sqrt(x.var(axis=1) + eps)  # shape (N,): broadcasts against the features, not the rows
    x_hat = (x - x.mean(axis=1)) * s
    g = dout * gamma
    dx = s * (g - g.mean(axis=1) - x_hat * (g * x_hat).mean(axis=1))
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)


def _ln_in_place(dout, x, gamma, eps=1e-5):
    dx, dgamma, dbeta = solutions.layernorm_backward(dout, x, gamma, eps)
    dout *= gamma  # reuses the caller's array for g
    return dx, dgamma, dbeta


WRONG = [
    ("early_stopping", _early_stopping_variant(ties_improve=True), "equal losses"),
    ("early_stopping", _early_stopping_variant(reset=False), "resets"),
    ("early_stopping", _early_stopping_variant(zero_based=True), "expected 6, got 5"),
    ("early_stopping", _early_stopping_variant(fixed_stop=True), "never stops"),
    ("early_stopping", _early_stopping_float, "return an int, not float"),
    ("early_stopping", _early_stopping_one_late, "expected 6, got 7"),
    ("early_stopping", _early_stopping_ignores_min_delta, "min_delta=0.015"),
    ("early_stopping", _early_stopping_delta_added, "min_delta=0.015"),
    ("fold_batchnorm", _fold_rows, "wrong shape of the W_folded"),
    ("fold_batchnorm", _fold_by_variance, "wrong value of the W_folded"),
    ("fold_batchnorm", _fold_without_eps, "wrong value of the W_folded"),
    ("fold_batchnorm", _fold_mean_not_scaled, "wrong value of the b_folded"),
    ("fold_batchnorm", _fold_without_beta, "wrong value of the b_folded"),
    ("fold_batchnorm", _fold_bias_unchanged, "wrong value of the b_folded"),
    ("fold_batchnorm", _fold_in_place, "changed its input `W` in place"),
    ("layernorm_backward", _ln_variant(axis=0), "the brief's example"),
    ("layernorm_backward", _ln_variant(stats_constant=True), "wrong value of the dx"),
    ("layernorm_backward", _ln_variant(gamma_in_dx=False), "wrong value of the dx"),
    ("layernorm_backward", _ln_variant(param_axis=1), "dgamma"),
    ("layernorm_backward", _ln_variant(eps_inside=False), "wrong value of the dx"),
    ("layernorm_backward", _ln_without_keepdims, "dx"),
    ("layernorm_backward", _ln_in_place, "changed its input `dout` in place"),
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
        ("early_stopping", _early_stopping_variant(ties_improve=True), "not <="),
        ("early_stopping", _early_stopping_variant(reset=False), "resets the count"),
        ("early_stopping", _early_stopping_variant(zero_based=True), "count epochs from 1"),
        ("early_stopping", _early_stopping_one_late, "waited >= patience"),
        ("early_stopping", _early_stopping_ignores_min_delta, "more than min_delta"),
        ("early_stopping", _early_stopping_delta_added, "loss < best - min_delta"),
        ("fold_batchnorm", _fold_rows, "would scale the rows"),
        ("fold_batchnorm", _fold_by_variance, "not by the variance"),
        ("fold_batchnorm", _fold_without_eps, "keep eps"),
        ("fold_batchnorm", _fold_mean_not_scaled, "subtracted before the scaling"),
        ("fold_batchnorm", _fold_without_beta, "add it to the folded bias"),
        ("layernorm_backward", _ln_variant(axis=0), "along axis=1"),
        ("layernorm_backward", _ln_variant(stats_constant=True), "depend on x too"),
        ("layernorm_backward", _ln_variant(gamma_in_dx=False), "g = gamma * dout"),
        ("layernorm_backward", _ln_variant(param_axis=1), "sum over the batch, axis 0"),
        ("layernorm_backward", _ln_variant(eps_inside=False), "inside the square root"),
    ],
)
def test_a_classic_mistake_is_named(name, wrong, hint):
    with np.errstate(all="ignore"):
        message = check(name, wrong).message
    assert "Hint:" in message and hint in message.split("Hint:", 1)[1], message


def test_early_stopping_accepts_the_equivalent_form_of_the_min_delta_test():
    """The min_delta cases sit off floating-point ties: `best - loss > min_delta` is as right as `loss < best - ...`."""
    assert check("early_stopping", _early_stopping_equivalent_form).passed


# --------------------------------------------------------------------------- predictions and the experiment
WRONG_PREDICTIONS = [
    ("predict_initial_loss", 0.0, "you predicted 0"),  # "an untrained net has no loss yet"
    ("predict_initial_loss", 0.1, "log 10"),  # the probability 1/10, not its negative log
    ("predict_initial_loss", 1.0, "log 10"),
    ("predict_initial_loss", np.log2(10), "log 10"),  # log base 2
    ("predict_smallest_gradient", "c", "the first layer, farthest from the loss"),
    ("predict_smallest_gradient", "d", "sigma'(z) <= 1/4"),  # believes Xavier keeps the gradients equal
    ("predict_smallest_gradient", "b", "shrinks layer after layer"),
]


@pytest.mark.parametrize("name, answer, why", WRONG_PREDICTIONS)
def test_a_wrong_prediction_is_rejected_with_the_reason(name, answer, why):
    result = check(name, lambda: answer)
    assert not result.passed and "not what happens" in result.message, result.message
    assert why in result.message, result.message


def test_a_close_enough_number_is_a_right_prediction():
    assert check("predict_initial_loss", lambda: 2.3).passed
    assert "answer with one number" in check("predict_initial_loss", lambda: [2.3, 2.3]).message
    assert "answer with one of" in check("predict_smallest_gradient", lambda: "first").message


WRONG_DECAYS = [  # (weight decay, what the message says about it)
    (0.0, "too little"),  # the plain model memorises the 300 digits
    (1e-3, "too little"),
    (0.1, "too much"),
    (0.3, "too much"),  # nothing learnt at all
]


@pytest.mark.parametrize("wd, why", WRONG_DECAYS, ids=[str(wd) for wd, _ in WRONG_DECAYS])
def test_a_weight_decay_that_misses_the_target_says_what_it_reached(wd, why):
    result = check("choose_weight_decay", lambda: wd)
    run = ch04.train_small_mlp(wd)
    assert not result.passed and run["val_loss"] >= ch04.VAL_LOSS_TARGET, result.message
    assert f"your weight_decay {wd:g} ended at validation loss {run['val_loss']:.3f}" in result.message, result.message
    assert "asked: below 0.68" in result.message and why in result.message, result.message


@pytest.mark.parametrize("answer, word", [([0.01], "return one number"), (-0.01, ">= 0"),
                                          ("0.01", "return one number"), (float("inf"), ">= 0"),
                                          (torch.tensor(0.01), "ended at validation loss")])
def test_the_experiment_reads_one_number(answer, word):
    assert word in str(check("choose_weight_decay", lambda: answer))


def test_train_small_mlp_is_reproducible_and_leaves_the_random_state_alone():
    torch.manual_seed(123)
    before = torch.rand(3)
    torch.manual_seed(123)
    first = ch04._train_small_mlp.__wrapped__(0.01, 0)
    assert torch.equal(torch.rand(3), before)
    assert ch04._train_small_mlp.__wrapped__(0.01, 0) == first
    with pytest.raises(ValueError):
        ch04.train_small_mlp(-1.0)


# --------------------------------------------------------------------------- the solutions agree with PyTorch
def test_the_predictions_are_what_happens():
    from common.data import load_mnist5k

    X, y, _, _ = load_mnist5k(flatten=True)
    xb, yb = torch.as_tensor(X[:256]), torch.as_tensor(y[:256])
    with torch.random.fork_rng():
        torch.manual_seed(0)
        small = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
        with torch.no_grad():
            small[2].weight.mul_(0.01)
            small[2].bias.zero_()
        loss = F.cross_entropy(small(xb), yb).item()
        assert abs(loss - solutions.predict_initial_loss()) < 0.01 * np.log(10)
        layers, d = [], 784
        for _ in range(8):
            layers += [nn.Linear(d, 128), nn.Sigmoid()]
            d = 128
        deep = nn.Sequential(*layers, nn.Linear(d, 10))
        for m in deep.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_normal_(m.weight)
                nn.init.zeros_(m.bias)
        F.cross_entropy(deep(xb), yb).backward()
    rms = [m.weight.grad.pow(2).mean().sqrt().item() for m in deep.modules() if isinstance(m, nn.Linear)]
    assert solutions.predict_smallest_gradient() == "a" and np.argmin(rms) == 0
    assert all(a < b for a, b in zip(rms, rms[1:]))  # shrinking all the way back


@pytest.mark.parametrize("d_in, d_out", [(5, 3), (4, 4), (7, 1)])
def test_fold_batchnorm_matches_linear_then_batchnorm_in_eval_mode(d_in, d_out):
    torch.manual_seed(d_in)
    linear, bn = nn.Linear(d_in, d_out).double(), nn.BatchNorm1d(d_out, eps=1e-3).double()
    for _ in range(3):  # collect running statistics
        bn(linear(torch.randn(16, d_in, dtype=torch.float64) * 2 + 1))
    with torch.no_grad():
        bn.weight.uniform_(0.5, 2.0)
        bn.bias.normal_()
    bn.eval()
    W, b = solutions.fold_batchnorm(linear.weight.detach().numpy().T, linear.bias.detach().numpy(),
                                    bn.weight.detach().numpy(), bn.bias.detach().numpy(), bn.running_mean.numpy(),
                                    bn.running_var.numpy(), eps=1e-3)
    x = torch.randn(10, d_in, dtype=torch.float64)
    with torch.no_grad():
        expected = bn(linear(x)).numpy()
    np.testing.assert_allclose(x.numpy() @ W + b, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("n, d, eps", [(4, 6, 1e-5), (1, 5, 1e-5), (3, 7, 1e-3)])
def test_layernorm_backward_matches_autograd(n, d, eps):
    rng = np.random.default_rng(n * 10 + d)
    x, dout = rng.normal(size=(n, d)) * 2 + 1, rng.normal(size=(n, d))
    gamma, beta = rng.normal(size=d), rng.normal(size=d)
    xt, gt, bt = (torch.tensor(a, requires_grad=True) for a in (x, gamma, beta))
    (F.layer_norm(xt, (d,), gt, bt, eps) * torch.tensor(dout)).sum().backward()
    dx, dgamma, dbeta = solutions.layernorm_backward(dout, x, gamma, eps)
    for ours, theirs in [(dx, xt.grad), (dgamma, gt.grad), (dbeta, bt.grad)]:
        np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-9, atol=1e-12)


# --------------------------------------------------------------------------- the Korean edition


KOREAN_WRONG = [
    ("early_stopping", _early_stopping_variant(ties_improve=True), "<=가 아니라 <로 비교하세요"),
    ("early_stopping", _early_stopping_float, "stop_epoch은(는) 에폭 번호입니다: float이(가) 아니라 int를 반환하세요"),
    ("fold_batchnorm", _fold_by_variance, "분산이 아니라 표준편차 sqrt(running_var + eps)로 나누세요"),
    ("fold_batchnorm", _fold_without_beta, "합친 편향에 beta를 더하세요"),
    ("layernorm_backward", _ln_variant(axis=0), "평균과 분산을 배치 방향이 아니라 axis=1 방향으로 구하세요"),
    ("layernorm_backward", _ln_variant(eps_inside=False), "eps는 제곱근 안에 들어갑니다"),
]


@pytest.mark.parametrize("name, wrong, words", KOREAN_WRONG, ids=[f"{w[0]}-{i}" for i, w in enumerate(KOREAN_WRONG)])
def test_a_wrong_answer_is_explained_in_korean(korean, name, wrong, words):
    with np.errstate(all="ignore"):
        result = check(name, wrong)
    assert not result.passed and str(result).startswith("실패"), str(result)
    assert words in result.message and "사례:" in result.message, str(result)


@pytest.mark.parametrize("name, answer, words", [
    ("predict_initial_loss", 0.1, "소프트맥스는 클래스마다 1/10을 주므로"),
    ("predict_smallest_gradient", "c", "손실에서 가장 먼 첫 번째 층이 가장 작은 기울기를 받습니다"),
])
def test_a_wrong_prediction_is_explained_in_korean(korean, name, answer, words):
    result = check(name, lambda: answer)
    assert not result.passed and "실제로는 그렇게 되지 않습니다" in result.message, result.message
    assert words in result.message, result.message


@pytest.mark.parametrize("wd, why", [(0.0, "너무 작습니다"), (0.1, "너무 큽니다")])
def test_a_weight_decay_that_misses_the_target_is_told_in_korean(korean, wd, why):
    result = check("choose_weight_decay", lambda: wd)
    run = ch04.train_small_mlp(wd)
    assert not result.passed, result.message
    reached = f"weight_decay = {wd:g}일 때 30에폭 후 검증 손실은 {run['val_loss']:.3f}입니다"
    assert reached in result.message, result.message
    assert "목표: 0.68 미만" in result.message and why in result.message, result.message
