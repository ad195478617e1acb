"""Appendix (Keras to PyTorch) checkers: the reference solutions pass, plausible mistakes are caught with a useful
message, and the Keras facts the checkers rely on hold for the installed Keras (imported once, on its torch backend)."""

import math
import os

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from common import checks
from common.checkers import ch11
from conftest import CHAPTERS, load_solutions

solutions = load_solutions(CHAPTERS / "11_keras_to_pytorch")


def check(name, fn):
    return getattr(ch11, name).check(fn)


# --------------------------------------------------------------------------- two_gradients
def _grads_call_twice(f, params):
    grads_a = torch.autograd.grad(f()[0], params, allow_unused=True, materialize_grads=True)
    grads_b = torch.autograd.grad(f()[1], params, allow_unused=True, materialize_grads=True)
    return list(grads_a), list(grads_b)


def _grads_accumulate(f, params):
    loss_a, loss_b = f()
    loss_a.backward(retain_graph=True)
    grads_a = [p.grad.clone() if p.grad is not None else torch.zeros_like(p) for p in params]
    loss_b.backward()
    grads_b = [p.grad.clone() if p.grad is not None else torch.zeros_like(p) for p in params]
    for p in params:
        p.grad = None
    return grads_a, grads_b


def _grads_none_for_unused(f, params):
    loss_a, loss_b = f()
    return (list(torch.autograd.grad(loss_a, params, retain_graph=True, allow_unused=True)),
            list(torch.autograd.grad(loss_b, params, allow_unused=True)))


def _grads_leave_dot_grad(f, params):
    loss_a, loss_b = f()
    grads_a = torch.autograd.grad(loss_a, params, retain_graph=True, allow_unused=True, materialize_grads=True)
    grads_b = torch.autograd.grad(loss_b, params, retain_graph=True, allow_unused=True, materialize_grads=True)
    (loss_a + loss_b).backward()
    return list(grads_a), list(grads_b)


def _grads_swapped(f, params):
    grads_a, grads_b = solutions.two_gradients(f, params)
    return grads_b, grads_a


def _grads_no_retain(f, params):
    loss_a, loss_b = f()
    grads_a = torch.autograd.grad(loss_a, params, allow_unused=True, materialize_grads=True)
    grads_b = torch.autograd.grad(loss_b, params, allow_unused=True, materialize_grads=True)
    return list(grads_a), list(grads_b)


def _grads_one_list(f, params):
    return solutions.two_gradients(f, params)[0]


# --------------------------------------------------------------------------- sequential_lstm_classifier
class _First(nn.Module):
    def forward(self, result):
        return result[0][:, 0]


class _LastExample(nn.Module):
    def forward(self, result):
        return result[0][-1]


class _HiddenState(nn.Module):
    def forward(self, result):
        return result[1][0]  # h_n: (1, N, hidden)


class _AllSteps(nn.Module):
    def forward(self, result):
        return result[0]


def _seq_with(module_cls, batch_first=True):
    def build(n_features, hidden, n_classes):
        return nn.Sequential(nn.LSTM(n_features, hidden, batch_first=batch_first), module_cls(),
                             nn.Linear(hidden, n_classes))
    return build


class _Last(nn.Module):
    def forward(self, result):
        return result[0][:, -1]


def _seq_subclass(n_features, hidden, n_classes):
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm, self.out = nn.LSTM(n_features, hidden, batch_first=True), nn.Linear(hidden, n_classes)

        def forward(self, x):
            return self.out(self.lstm(x)[0][:, -1])
    return Net()


def _seq_bare(n_features, hidden, n_classes):
    return nn.Sequential(nn.LSTM(n_features, hidden, batch_first=True), nn.Linear(hidden, n_classes))


# --------------------------------------------------------------------------- choose_loss_weights
def _weights_default():
    return {"score": 1.0, "label": 1.0}


def _weights_diverge():
    return {"score": 1.0, "label": 1000.0}


def _weights_small_score():
    return {"score": 0.3, "label": 100.0}


def _weights_list():
    return [1.0, 100.0]


def _weights_negative():
    return {"score": 1.0, "label": -100.0}


# --------------------------------------------------------------------------- keras_optimizer
def _opt_torch_defaults(params, name, config):
    cls = getattr(torch.optim, name)
    kwargs = {}
    if "learning_rate" in config:
        kwargs["lr"] = config["learning_rate"]
    for key in ("momentum", "nesterov", "centered"):
        if key in config:
            kwargs[key] = config[key]
    if "epsilon" in config:
        kwargs["eps"] = config["epsilon"]
    if "beta_1" in config or "beta_2" in config:
        kwargs["betas"] = (config.get("beta_1", 0.9), config.get("beta_2", 0.999))
    if "rho" in config:
        kwargs["alpha"] = config["rho"]
    return cls(params, **kwargs)


def _opt_no_rho(params, name, config):
    if name == "RMSprop":
        c = {**solutions.KERAS_DEFAULTS["RMSprop"], **config}
        return torch.optim.RMSprop(params, lr=c["learning_rate"], momentum=c["momentum"], eps=c["epsilon"],
                                   centered=c["centered"])
    return solutions.keras_optimizer(params, name, config)


def _opt_beta_1_only(params, name, config):
    if name == "Adam":
        c = {**solutions.KERAS_DEFAULTS["Adam"], **config}
        return torch.optim.Adam(params, lr=c["learning_rate"], betas=(c["beta_1"], 0.999), eps=c["epsilon"])
    return solutions.keras_optimizer(params, name, config)


def _opt_always_adam(params, name, config):
    return solutions.keras_optimizer(params, "Adam", {})


def _opt_copies_params(params, name, config):
    return solutions.keras_optimizer([p.detach().clone().requires_grad_(True) for p in params], name, config)


# --------------------------------------------------------------------------- flatten_dense_to_torch
def _flatten_transpose(kernel, height, width, channels):
    return torch.as_tensor(np.asarray(kernel, dtype=np.float32)).T


def _flatten_cwh(kernel, height, width, channels):
    k = torch.as_tensor(np.asarray(kernel, dtype=np.float32))
    return k.reshape(height, width, channels, -1).permute(2, 1, 0, 3).reshape(channels * height * width, -1).T


def _flatten_keras_layout(kernel, height, width, channels):
    return solutions.flatten_dense_to_torch(kernel, height, width, channels).T


def _flatten_float64(kernel, height, width, channels):
    return solutions.flatten_dense_to_torch(kernel, height, width, channels).double()


def _flatten_numpy(kernel, height, width, channels):
    return solutions.flatten_dense_to_torch(kernel, height, width, channels).numpy()


# --------------------------------------------------------------------------- conv_transpose_same
def _convt_output_padding(x, weight, bias, stride):
    k = weight.shape[-1]
    pad = math.ceil((k - stride) / 2)
    return F.conv_transpose2d(x, weight, bias, stride=stride, padding=pad, output_padding=2 * pad - (k - stride))


def _convt_floor_padding(x, weight, bias, stride):
    return F.conv_transpose2d(x, weight, bias, stride=stride, padding=(weight.shape[-1] - stride) // 2)


def _convt_crop_top(x, weight, bias, stride):
    full = F.conv_transpose2d(x, weight, bias, stride=stride)
    start = math.ceil((weight.shape[-1] - stride) / 2)
    return full[..., start:start + x.shape[-2] * stride, start:start + x.shape[-1] * stride]


def _convt_no_bias(x, weight, bias, stride):
    return solutions.conv_transpose_same(x, weight, torch.zeros_like(bias), stride)


WRONG = [
    ("two_gradients", _grads_call_twice, "f was called 2 times"),
    ("two_gradients", _grads_accumulate, "include those of loss_a"),
    ("two_gradients", _grads_none_for_unused, "is None"),
    ("two_gradients", _grads_leave_dot_grad, "left gradients in params' .grad"),
    ("two_gradients", _grads_swapped, "swapped"),
    ("two_gradients", _grads_no_retain, "raised RuntimeError"),
    ("two_gradients", _grads_one_list, "return two lists"),
    ("sequential_lstm_classifier", _seq_with(_First), "first time step"),
    ("sequential_lstm_classifier", _seq_with(_LastExample), "last example of the batch"),
    ("sequential_lstm_classifier", _seq_with(_HiddenState), "layers axis in front"),
    ("sequential_lstm_classifier", _seq_with(_AllSteps), "score for every time step"),
    ("sequential_lstm_classifier", _seq_with(_Last, batch_first=False), "batch_first=True"),
    ("sequential_lstm_classifier", _seq_subclass, "return an nn.Sequential"),
    ("sequential_lstm_classifier", _seq_bare, "raised TypeError"),
    ("choose_loss_weights", _weights_default, "the label head learns too slowly"),
    ("choose_loss_weights", _weights_diverge, "diverged"),
    ("choose_loss_weights", _weights_small_score, "the score is not learned well enough"),
    ("choose_loss_weights", _weights_list, "keys 'score' and 'label'"),
    ("choose_loss_weights", _weights_negative, "positive number"),
    ("keras_optimizer", _opt_torch_defaults, "Keras's SGD learning_rate defaults to 0.01"),
    ("keras_optimizer", _opt_no_rho, "Keras's rho (default 0.9) is PyTorch's alpha"),
    ("keras_optimizer", _opt_beta_1_only, "betas=(beta_1, beta_2)"),
    ("keras_optimizer", _opt_always_adam, "expected a torch.optim.SGD"),
    ("keras_optimizer", _opt_copies_params, "the tensors of `params` themselves"),
    ("flatten_dense_to_torch", _flatten_transpose, "still in Keras's (h, w, c) order"),
    ("flatten_dense_to_torch", _flatten_cwh, "that is the order (c, w, h)"),
    ("flatten_dense_to_torch", _flatten_keras_layout, "nn.Linear's weight is (units, inputs)"),
    ("flatten_dense_to_torch", _flatten_float64, "wrong dtype"),
    ("flatten_dense_to_torch", _flatten_numpy, "expected a torch.Tensor"),
    ("conv_transpose_same", _convt_output_padding, "shifted by a row"),
    ("conv_transpose_same", _convt_floor_padding, "wrong shape"),
    ("conv_transpose_same", _convt_crop_top, "shifted by a row"),
    ("conv_transpose_same", _convt_no_bias, "wrong"),
]


@pytest.mark.parametrize("name, fn, words", WRONG, ids=[f"{n}-{getattr(f, '__name__', 'x').strip('_')}-{i}"
                                                         for i, (n, f, _) in enumerate(WRONG)])
def test_wrong_answer_is_rejected(name, fn, words):
    result = check(name, fn)
    assert not result.passed, f"{getattr(fn, '__name__', fn)} should fail, got: {result}"
    assert words in str(result), str(result)


def test_the_experiment_says_what_was_reached_and_what_was_asked():
    result = check("choose_loss_weights", _weights_default)
    assert "label accuracy" in result.message and "asked: score MSE below 3" in result.message, str(result)
    passed = check("choose_loss_weights", solutions.choose_loss_weights)
    assert passed.passed and "worst of 3 runs" in passed.message, str(passed)


def test_other_right_answers_pass():
    """A module defined outside the function, and h_n[-1] instead of outputs[:, -1], are right too."""

    class LastHidden(nn.Module):
        def forward(self, result):
            return result[1][0][-1]

    assert check("sequential_lstm_classifier", _seq_with(_Last)).passed
    assert check("sequential_lstm_classifier", _seq_with(LastHidden)).passed

    def by_backward(f, params):  # backward twice with retain_graph, .grad cleared in between and afterwards
        loss_a, loss_b = f()
        out = []
        for loss, retain in ((loss_a, True), (loss_b, False)):
            for p in params:
                p.grad = None
            loss.backward(retain_graph=retain)
            out.append([p.grad.clone() if p.grad is not None else torch.zeros_like(p) for p in params])
        for p in params:
            p.grad = None
        return out[0], out[1]

    assert check("two_gradients", by_backward).passed


# --------------------------------------------------------------------------- the Keras facts, against Keras itself
@pytest.fixture(scope="module")
def keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "torch":
        pytest.skip("Keras runs on another backend in this process")
    return keras


def test_keras_defaults_are_the_ones_the_solution_uses(keras):
    for name, defaults in solutions.KERAS_DEFAULTS.items():
        config = getattr(keras.optimizers, name)().get_config()
        for key, value in defaults.items():
            assert np.isclose(float(config[key]), float(value), rtol=1e-6), (name, key, config[key])


def test_keras_gru_has_as_many_parameters_as_torch_gru(keras):
    gru = keras.Sequential([keras.Input(shape=(5, 4)), keras.layers.GRU(8)])
    assert gru.count_params() == sum(p.numel() for p in nn.GRU(4, 8).parameters()) == 336
    assert solutions.predict_gru_params() == "b"


def test_flatten_dense_port_matches_keras(keras):
    keras.utils.set_random_seed(0)
    h, w, c, units = 3, 4, 2, 5
    model = keras.Sequential([keras.Input(shape=(h, w, c)), keras.layers.Flatten(), keras.layers.Dense(units)])
    kernel, bias = (v.numpy() for v in model.layers[-1].weights)
    x = np.random.default_rng(0).standard_normal((2, h, w, c)).astype(np.float32)
    linear = nn.Linear(c * h * w, units)
    with torch.no_grad():
        linear.weight.copy_(solutions.flatten_dense_to_torch(kernel, h, w, c))
        linear.bias.copy_(torch.from_numpy(bias))
        ours = linear(nn.Flatten()(torch.from_numpy(x).permute(0, 3, 1, 2))).numpy()
    np.testing.assert_allclose(ours, keras.ops.convert_to_numpy(model(x)), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("k, s", [(4, 2), (3, 2), (5, 2), (2, 2), (3, 1), (4, 3), (5, 3)])
def test_conv_transpose_same_matches_keras(keras, k, s):
    keras.utils.set_random_seed(0)
    layer = keras.layers.Conv2DTranspose(3, k, strides=s, padding="same")
    model = keras.Sequential([keras.Input(shape=(4, 3, 2)), layer])
    kernel, bias = (v.numpy() for v in layer.weights)
    x = np.random.default_rng(1).standard_normal((2, 4, 3, 2)).astype(np.float32)
    ours = solutions.conv_transpose_same(torch.from_numpy(x).permute(0, 3, 1, 2),
                                         torch.from_numpy(kernel).permute(3, 2, 0, 1), torch.from_numpy(bias), s)
    np.testing.assert_allclose(ours.permute(0, 2, 3, 1).numpy(), keras.ops.convert_to_numpy(model(x)),
                               rtol=1e-5, atol=1e-5)
    if (k - s) % 2:  # and the output_padding answer, of the right shape, is really wrong there
        wrong = _convt_output_padding(torch.from_numpy(x).permute(0, 3, 1, 2),
                                      torch.from_numpy(kernel).permute(3, 2, 0, 1), torch.from_numpy(bias), s)
        assert wrong.shape == ours.shape and not torch.allclose(wrong, ours, atol=1e-3)


# --------------------------------------------------------------------------- the Korean edition (한국어판)


def test_a_right_answer_is_told_in_korean(korean):
    passed = check("predict_gru_params", solutions.predict_gru_params)
    assert passed.passed and "둘의 개수가 같다" in passed.message and "336" in passed.message, str(passed)


KOREAN_WRONG = [
    ("two_gradients", _grads_call_twice, "f가 2번 호출되었습니다"),
    ("two_gradients", _grads_swapped, "두 리스트가 뒤바뀌었습니다"),
    ("sequential_lstm_classifier", _seq_with(_LastExample), "outputs[-1]은 배치의 마지막 예제입니다"),
    ("choose_loss_weights", _weights_default, "레이블 헤드가 너무 느리게 학습합니다"),
    ("keras_optimizer", _opt_torch_defaults, "Keras SGD의 learning_rate 기본값은 0.01입니다"),
    ("keras_optimizer", _opt_no_rho, "Keras의 rho(기본값 0.9)가 PyTorch의 alpha(기본값 0.99)입니다"),
    ("flatten_dense_to_torch", _flatten_transpose, "행은 여전히 Keras의 (h, w, c) 순서인데"),
    ("conv_transpose_same", _convt_output_padding, "값이 한 행 밀려 있습니다"),
]


@pytest.mark.parametrize("name, fn, words", KOREAN_WRONG,
                         ids=[f"{n}-{getattr(f, '__name__', 'x').strip('_')}-{i}"
                              for i, (n, f, _) in enumerate(KOREAN_WRONG)])
def test_a_wrong_answer_is_explained_in_korean(korean, name, fn, words):
    result = check(name, fn)
    assert not result.passed and str(result).startswith("실패"), str(result)
    assert words in result.message, str(result)


def test_the_language_goes_back_to_english():
    checks.set_language("ko")
    try:
        assert "뒤바뀌었습니다" in check("two_gradients", _grads_swapped).message
    finally:
        checks.set_language("en")
    assert "the two lists are swapped" in check("two_gradients", _grads_swapped).message
