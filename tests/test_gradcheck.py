"""The gradient-check helpers themselves: they must find errors, not only agreements."""
import numpy as np
import pytest
import torch

from common import np_layers as L
from common.gradcheck import compare_with_torch, numerical_gradient, rel_error


def test_rel_error_is_zero_for_equal_and_scale_free():
    a = np.array([1.0, -2.0, 3.0])
    assert rel_error(a, a.copy()) == 0.0
    assert rel_error(a * 1e6, a * 1e6 * (1 + 1e-9)) < 1e-8
    assert rel_error(a, -a) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="shapes differ"):
        rel_error(a, a[:2])


def test_numerical_gradient_of_known_function():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    grad = numerical_gradient(lambda: float((x**3).sum()), x)
    np.testing.assert_allclose(grad, 3 * x**2, rtol=1e-7)
    assert x.tolist() == [[1.0, -2.0], [0.5, 3.0]]  # restored after perturbation


class _WrongSigmoid(L.Sigmoid):
    def backward(self, dout):
        return dout * self.y  # forgot the (1 - y) factor


def test_compare_with_torch_detects_a_wrong_backward():
    x = np.random.default_rng(0).standard_normal((3, 4))
    assert compare_with_torch(L.Sigmoid(), torch.sigmoid, x)["dx"] < 1e-10
    assert compare_with_torch(_WrongSigmoid(), torch.sigmoid, x)["dx"] > 0.1
