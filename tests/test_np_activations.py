"""LeakyReLU and GELU of common.np_layers against torch.autograd in float64 (chapter 02)."""

import numpy as np
import pytest
import torch.nn.functional as F

from common import np_layers as L
from common.gradcheck import compare_with_torch

RNG = np.random.default_rng(2)
SHAPES = [(1, 1), (4, 5), (3, 2, 6)]


def _inputs(shape):
    """Random values on a wide range, with exact zeros and a few saturated entries mixed in."""
    x = RNG.standard_normal(shape) * 3
    x.flat[:: max(1, x.size // 3)] = 0.0
    x.flat[-1] = -40.0
    return x


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("alpha", [0.01, 0.2, 1.0])
def test_leaky_relu_matches_torch(shape, alpha):
    errors = compare_with_torch(L.LeakyReLU(alpha), lambda x: F.leaky_relu(x, alpha), _inputs(shape))
    assert max(errors.values()) < 1e-6, errors


@pytest.mark.parametrize("shape", SHAPES)
def test_gelu_matches_torch(shape):
    errors = compare_with_torch(L.GELU(), F.gelu, _inputs(shape))
    assert max(errors.values()) < 1e-6, errors


def test_leaky_relu_default_slope_and_dtype():
    layer = L.LeakyReLU()
    x32 = np.array([-2.0, 0.0, 3.0], dtype=np.float32)
    y = layer.forward(x32)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y, [-0.02, 0.0, 3.0], rtol=1e-6)
    np.testing.assert_allclose(layer.backward(np.ones(3, dtype=np.float32)), [0.01, 0.01, 1.0], rtol=1e-6)


def test_gelu_limits():
    """GELU is ~0 far on the left, ~x far on the right, and 0 at 0 with slope 1/2."""
    layer = L.GELU()
    y = layer.forward(np.array([-30.0, 0.0, 30.0]))
    np.testing.assert_allclose(y, [0.0, 0.0, 30.0], atol=1e-12)
    np.testing.assert_allclose(layer.backward(np.ones(3)), [0.0, 0.5, 1.0], atol=1e-12)
