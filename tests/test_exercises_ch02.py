"""Chapter 02 checkers: the reference solutions pass, and plausible mistakes are caught with a useful message."""

import warnings

import numpy as np
import pytest

from common.checkers import ch02
from conftest import CHAPTERS, load_solutions

solutions = load_solutions(CHAPTERS / "02_activations")


def check(name, fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # naive wrong answers overflow on purpose
        return getattr(ch02, name).check(fn)


# --------------------------------------------------------------------------- silu_with_grad
def _f(x):
    return np.asarray(x, dtype=np.float64)


def _sigma_naive(x):
    x = _f(x)
    return np.exp(x) / (1.0 + np.exp(x))  # inf / inf = nan for x = 1000


def _silu_no_product_rule(x):
    s = solutions._sigmoid(_f(x))
    return _f(x) * s, s


def _silu_sigmoid_grad(x):
    s = solutions._sigmoid(_f(x))
    return _f(x) * s, s * (1 - s)


def _silu_only_x_ds(x):
    s = solutions._sigmoid(_f(x))
    return _f(x) * s, _f(x) * s * (1 - s)


def _silu_returns_sigmoid(x):
    s = solutions._sigmoid(_f(x))
    return s, s * (1 + _f(x) * (1 - s))


def _silu_naive(x):
    s = _sigma_naive(x)
    return _f(x) * s, s * (1 + _f(x) * (1 - s))


def _silu_one_value(x):
    return solutions.silu_with_grad(x)[1]


def _silu_in_place(x):
    s = solutions._sigmoid(_f(x))
    d = s * (1 + _f(x) * (1 - s))
    if isinstance(x, np.ndarray) and x.dtype.kind == "f":
        x *= s  # changes the caller's array
        return x, d
    return _f(x) * s, d


# --------------------------------------------------------------------------- predict_sigmoid_chain
def _predict_a():
    return "a"


def _predict_c():
    return "C"


def _predict_number():
    return 0.00098


# --------------------------------------------------------------------------- temperature_cross_entropy
def _tce_no_t_in_grad(logits, labels, temperature):
    loss, d = solutions.temperature_cross_entropy(logits, labels, temperature)
    return loss, d * temperature  # (p - y) / N: the chain rule's 1/T is missing


def _tce_times_t(logits, labels, temperature):
    loss, d = solutions.temperature_cross_entropy(logits, labels, temperature)
    return loss, d * temperature**2


def _tce_ignores_t(logits, labels, temperature):
    return solutions.temperature_cross_entropy(logits, labels, 1.0)


def _tce_naive(logits, labels, temperature):
    u = _f(logits) / temperature
    n = len(u)
    p = np.exp(u) / np.exp(u).sum(axis=1, keepdims=True)
    return -np.log(p[np.arange(n), labels]).mean(), (p - np.eye(u.shape[1])[labels]) / (n * temperature)


def _tce_global_max(logits, labels, temperature):
    u = _f(logits) / temperature
    n = len(u)
    s = u - u.max()
    log_p = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
    return -log_p[np.arange(n), labels].mean(), (np.exp(log_p) - np.eye(u.shape[1])[labels]) / (n * temperature)


def _tce_sum_loss(logits, labels, temperature):
    loss, d = solutions.temperature_cross_entropy(logits, labels, temperature)
    return loss * len(labels), d


def _tce_in_place(logits, labels, temperature):
    result = solutions.temperature_cross_entropy(logits, labels, temperature)
    if isinstance(logits, np.ndarray) and logits.dtype.kind == "f":
        logits /= temperature  # changes the caller's logits
    return result


# --------------------------------------------------------------------------- activation_layer_backward
def _layer(mistake):
    return lambda x, W, b, grad_h, activation: ch02._layer_with(x, W, b, grad_h, activation, mistake=mistake)


def _layer_dW_transposed(x, W, b, grad_h, activation):
    dx, dW, db = solutions.activation_layer_backward(x, W, b, grad_h, activation)
    return dx, dW.T, db


def _layer_list(x, W, b, grad_h, activation):
    return list(solutions.activation_layer_backward(x, W, b, grad_h, activation))[:2]


# --------------------------------------------------------------------------- layer_gradient_norms
def _norms(mistake):
    return lambda x, Ws, bs, grad_out, activation: ch02._norms_with(x, Ws, bs, grad_out, activation, mistake=mistake)


def _norms_as_list_of_arrays(x, Ws, bs, grad_out, activation):
    return [np.array([n]) for n in solutions.layer_gradient_norms(x, Ws, bs, grad_out, activation)]


def _norms_squared(x, Ws, bs, grad_out, activation):
    return solutions.layer_gradient_norms(x, Ws, bs, grad_out, activation) ** 2


# --------------------------------------------------------------------------- activation_and_lr (experiment)
def _choice_sigmoid():
    return "sigmoid", 0.3


def _choice_tiny_rate():
    return "tanh", 0.001


def _choice_only_a_rate():
    return 0.3


def _choice_unknown_activation():
    return "gelu", 0.3


def _choice_negative_rate():
    return "relu", -0.1


WRONG = [
    ("silu_with_grad", _silu_no_product_rule, "not sigma(x) alone"),
    ("silu_with_grad", _silu_sigmoid_grad, "that is the sigmoid's derivative"),
    ("silu_with_grad", _silu_only_x_ds, "add the term sigma(x)"),
    ("silu_with_grad", _silu_returns_sigmoid, "not sigma(x)"),
    ("silu_with_grad", _silu_naive, "nan or inf"),
    ("silu_with_grad", _silu_one_value, "expected a tuple (y, dy_dx)"),
    ("silu_with_grad", _silu_in_place, "changed its input `x` in place"),
    ("predict_sigmoid_chain", _predict_a, "not what happens: you chose 'a'"),
    ("predict_sigmoid_chain", _predict_c, "not what happens: you chose 'c'"),
    ("predict_sigmoid_chain", _predict_number, "answer with one of"),
    ("temperature_cross_entropy", _tce_no_t_in_grad, "the chain rule adds a factor 1/T"),
    ("temperature_cross_entropy", _tce_times_t, "not multiplying"),
    ("temperature_cross_entropy", _tce_ignores_t, "the temperature is missing"),
    ("temperature_cross_entropy", _tce_naive, "nan or inf"),
    ("temperature_cross_entropy", _tce_global_max, "nan or inf"),
    ("temperature_cross_entropy", _tce_sum_loss, "wrong value of the loss"),
    ("temperature_cross_entropy", _tce_in_place, "changed its input `logits` in place"),
    ("activation_layer_backward", _layer("no_derivative"), "multiply grad_h by f'(z) first"),
    ("activation_layer_backward", _layer("derivative_at_output"), "not at the output h = f(z)"),
    ("activation_layer_backward", _layer("relu_one_at_zero"), "ReLU's slope is 0"),
    ("activation_layer_backward", _layer("db_mean"), "it does not average them"),
    ("activation_layer_backward", _layer_dW_transposed, "dW is transposed"),
    ("activation_layer_backward", _layer_list, "expected a tuple (dx, dW, db)"),
    ("layer_gradient_norms", _norms("reversed"), "first layer first"),
    ("layer_gradient_norms", _norms("no_derivative"), "passes through f'(z)"),
    ("layer_gradient_norms", _norms("dz_norm"), "that is the norm of dL/dz"),
    ("layer_gradient_norms", _norms_squared, "wrong value of the gradient norms"),
    ("layer_gradient_norms", _norms_as_list_of_arrays, "wrong shape"),
    ("activation_and_lr", _choice_sigmoid, "the gradient reaching the first sigmoid layers is tiny"),
    ("activation_and_lr", _choice_tiny_rate, "too small creeps"),
    ("activation_and_lr", _choice_only_a_rate, "return a pair (activation, learning_rate)"),
    ("activation_and_lr", _choice_unknown_activation, "one of 'sigmoid', 'tanh', 'relu'"),
    ("activation_and_lr", _choice_negative_rate, "positive, finite"),
]


@pytest.mark.parametrize("name, wrong, expected_words", WRONG, ids=[f"{w[0]}-{i}" for i, w in enumerate(WRONG)])
def test_wrong_answer_is_rejected_with_a_reason(name, wrong, expected_words):
    result = check(name, wrong)
    assert not result.passed, f"{name}: a wrong implementation passed"
    assert expected_words in result.message, str(result)


@pytest.mark.parametrize(
    "name, wrong, hint",
    [
        ("silu_with_grad", _silu_no_product_rule, "not sigma(x) alone"),
        ("temperature_cross_entropy", _tce_no_t_in_grad, "(p - y) / (N T)"),
        ("activation_layer_backward", _layer("derivative_at_output"), "pre-activation z = x W + b"),
        ("layer_gradient_norms", _norms("reversed"), "reverse your list"),
    ],
    ids=["silu", "temperature", "layer", "norms"],
)
def test_a_classic_mistake_is_named(name, wrong, hint):
    result = check(name, wrong)
    assert not result.passed and "Hint:" in result.message and hint in result.message, str(result)


def test_a_wrong_prediction_shows_why():
    result = check("predict_sigmoid_chain", _predict_a)
    assert "not centred on 0" in result.message and "0.00068" in result.message, str(result)


def test_the_experiment_says_what_was_reached_and_what_was_asked():
    result = check("activation_and_lr", _choice_sigmoid)
    assert "reached 53.5% training accuracy after 300 steps" in result.message, str(result)
    assert "asked: at least 95%" in result.message, str(result)


def test_the_gradient_norms_vanish_through_sigmoid_layers():
    """The sigmoid case of layer_gradient_norms shows what exercise 6 runs into: the first layer gets far less."""
    norms = solutions.layer_gradient_norms(*ch02._norms_cases()[0].args)
    assert norms[0] < norms[-1] / 50


# --------------------------------------------------------------------------- the Korean edition


KOREAN_WRONG = [
    ("silu_with_grad", _silu_no_product_rule, "sigma(x) 하나가 아니라 sigma(x) + x * sigma'(x)"),
    ("silu_with_grad", _silu_naive, "결과에 nan이나 inf가 있습니다"),
    ("predict_sigmoid_chain", _predict_a, "시그모이드는 0을 중심으로 하지 않습니다"),
    ("temperature_cross_entropy", _tce_no_t_in_grad, "연쇄 법칙에 따라 인자 1/T가 붙습니다"),
    ("activation_layer_backward", _layer("derivative_at_output"), "활성화 이전 값 z = x W + b에서 구합니다"),
    ("layer_gradient_norms", _norms("reversed"), "리스트를 뒤집으세요"),
    ("activation_and_lr", _choice_sigmoid, "300단계 후 학습 정확도 53.5%에 도달했습니다. 목표: 300단계 후 95% 이상"),
    ("activation_and_lr", _choice_negative_rate, "학습률은 유한한 양수 하나여야 합니다"),
]


@pytest.mark.parametrize("name, wrong, words", KOREAN_WRONG, ids=[f"{w[0]}-{i}" for i, w in enumerate(KOREAN_WRONG)])
def test_a_wrong_answer_is_explained_in_korean(korean, name, wrong, words):
    result = check(name, wrong)
    assert not result.passed and str(result).startswith("실패"), str(result)
    assert words in result.message, str(result)


def test_a_korean_success_says_what_was_reached(korean):
    result = check("activation_and_lr", solutions.activation_and_lr)
    assert result.passed and "도달했습니다 (목표: 300단계 후 95% 이상)" in result.message, str(result)
