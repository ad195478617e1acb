"""Each layer of common.np_layers against torch.autograd in float64."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from common import np_layers as L
from common.gradcheck import compare_with_torch, numerical_gradient, rel_error

RNG = np.random.default_rng(0)
SHAPES = [(1, 3), (4, 5), (7, 2)]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize(
    "layer_cls, torch_fn",
    [(L.Sigmoid, torch.sigmoid), (L.Tanh, torch.tanh), (L.ReLU, torch.relu)],
    ids=["sigmoid", "tanh", "relu"],
)
def test_activation_layers_match_torch(layer_cls, torch_fn, shape):
    errors = compare_with_torch(layer_cls(), torch_fn, RNG.standard_normal(shape) * 3)
    assert max(errors.values()) < 1e-6, errors


@pytest.mark.parametrize("shape", [(1, 3, 2), (4, 5, 3), (8, 2, 6)])
def test_affine_matches_torch(shape):
    n, d_in, d_out = shape
    layer = L.Affine(RNG.standard_normal((d_in, d_out)), RNG.standard_normal(d_out))
    errors = compare_with_torch(layer, lambda x, W, b: x @ W + b, RNG.standard_normal((n, d_in)))
    assert set(errors) == {"out", "dx", "param0", "param1"}
    assert max(errors.values()) < 1e-6, errors


@pytest.mark.parametrize("n, c", [(1, 2), (5, 3), (16, 10)])
def test_softmax_cross_entropy_matches_torch(n, c):
    t = RNG.integers(0, c, n)
    errors = compare_with_torch(L.SoftmaxCrossEntropy(), F.cross_entropy, RNG.standard_normal((n, c)) * 4, t)
    assert max(errors.values()) < 1e-6, errors


@pytest.mark.parametrize("shape", [(1,), (6,), (3, 4)])
def test_sigmoid_bce_matches_torch(shape):
    t = RNG.integers(0, 2, shape).astype(np.float64)
    errors = compare_with_torch(L.SigmoidBCE(), F.binary_cross_entropy_with_logits, RNG.standard_normal(shape) * 5, t)
    assert max(errors.values()) < 1e-6, errors


@pytest.mark.parametrize("shape", [(1,), (5, 2)])
def test_mse_matches_torch(shape):
    t = RNG.standard_normal(shape)
    errors = compare_with_torch(L.MSE(), F.mse_loss, RNG.standard_normal(shape), t)
    assert max(errors.values()) < 1e-6, errors


def test_sigmoid_and_softmax_are_stable_for_huge_inputs():
    x = np.array([[-1000.0, 0.0, 1000.0]])
    assert np.all(np.isfinite(L.sigmoid(x)))
    assert np.allclose(L.sigmoid(x), [[0.0, 0.5, 1.0]])
    assert np.allclose(L.softmax(x), [[0.0, 0.0, 1.0]])
    assert np.allclose(L.softmax(RNG.standard_normal((3, 4))).sum(axis=1), 1.0)


def test_two_layer_net_gradients_match_numerical():
    """Chained layers back-propagate correctly: analytic gradient == central differences."""
    x, t = RNG.standard_normal((4, 3)), RNG.integers(0, 2, 4)
    layers = [
        L.Affine(RNG.standard_normal((3, 5)), np.zeros(5)),
        L.Tanh(),
        L.Affine(RNG.standard_normal((5, 2)), np.zeros(2)),
    ]
    loss_layer = L.SoftmaxCrossEntropy()

    def loss():
        h = x
        for layer in layers:
            h = layer.forward(h)
        return loss_layer.forward(h, t)

    loss()
    d = loss_layer.backward()
    for layer in reversed(layers):
        d = layer.backward(d)
    W1 = layers[0].params[0]
    assert rel_error(layers[0].grads[0].copy(), numerical_gradient(loss, W1)) < 1e-6
