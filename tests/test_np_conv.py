"""common/np_conv.py against PyTorch in float64: forward values and every gradient."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from common.gradcheck import compare_with_torch, rel_error
from common.np_conv import Conv2d, Flatten, MaxPool2d, col2im, conv_output_size, im2col

# (N, C_in, H, W), (C_out, KH, KW), stride, pad
CONV_SHAPES = [
    ((1, 1, 5, 5), (1, 3, 3), 1, 0),  # batch of 1, one channel
    ((2, 3, 7, 6), (4, 3, 3), 1, 1),  # several channels, 'same' padding, non-square image
    ((3, 2, 9, 8), (5, 4, 4), 3, 2),  # stride > 1 with padding
    ((2, 1, 6, 6), (2, 3, 3), 2, 0),  # stride 2: the last step does not fit
    ((1, 3, 6, 6), (2, 1, 1), 1, 0),  # 1x1 kernel
    ((2, 2, 7, 9), (3, 2, 3), 2, 1),  # non-square kernel
    ((4, 1, 28, 28), (6, 5, 5), 1, 2),  # LeNet's first layer
]


@pytest.mark.parametrize("x_shape, w_shape, stride, pad", CONV_SHAPES)
def test_conv2d_matches_torch(x_shape, w_shape, stride, pad):
    rng = np.random.default_rng(0)
    c_out, kh, kw = w_shape
    W = rng.standard_normal((c_out, x_shape[1], kh, kw))
    b = rng.standard_normal(c_out)
    layer = Conv2d(W, b, stride=stride, pad=pad)
    errors = compare_with_torch(
        layer, lambda x, W, b: F.conv2d(x, W, b, stride=stride, padding=pad), rng.standard_normal(x_shape)
    )
    assert set(errors) == {"out", "dx", "param0", "param1"}
    assert max(errors.values()) < 1e-6, errors


@pytest.mark.parametrize(
    "x_shape, size, stride",
    [
        ((1, 1, 4, 4), 2, None),  # batch of 1
        ((2, 3, 8, 6), 2, None),  # several channels, non-square
        ((2, 2, 5, 5), 2, None),  # odd size: the last row and column are dropped
        ((1, 2, 7, 7), 3, 2),  # overlapping windows: gradients add up
        ((3, 4, 9, 9), 3, 3),
    ],
)
def test_maxpool_matches_torch(x_shape, size, stride):
    rng = np.random.default_rng(1)
    x = rng.standard_normal(x_shape)
    errors = compare_with_torch(MaxPool2d(size, stride), lambda x: F.max_pool2d(x, size, stride), x)
    assert max(errors.values()) < 1e-6, errors


def test_maxpool_sends_the_gradient_to_the_maximum_only():
    x = np.array([[[[1.0, 5.0], [3.0, 2.0]]]])
    pool = MaxPool2d(2)
    assert pool.forward(x).item() == 5.0
    np.testing.assert_array_equal(pool.backward(np.array([[[[7.0]]]])), [[[[0.0, 7.0], [0.0, 0.0]]]])


@pytest.mark.parametrize(
    "shape, k, stride, pad", [((2, 3, 5, 6), 3, 1, 1), ((1, 2, 7, 7), 2, 2, 0), ((3, 1, 6, 5), 3, 2, 2)]
)
def test_im2col_matches_unfold_and_col2im_is_its_adjoint(shape, k, stride, pad):
    rng = np.random.default_rng(2)
    x = rng.standard_normal(shape)
    col = im2col(x, k, k, stride, pad)
    unfold = F.unfold(torch.tensor(x), k, padding=pad, stride=stride)  # (N, C*K*K, L)
    assert rel_error(col, unfold.transpose(1, 2).reshape(col.shape).numpy()) < 1e-12
    y = rng.standard_normal(col.shape)  # <im2col(x), y> == <x, col2im(y)>
    assert abs((col * y).sum() - (x * col2im(y, shape, k, k, stride, pad)).sum()) < 1e-9


def test_flatten_round_trip():
    x = np.arange(24.0).reshape(2, 3, 2, 2)
    layer = Flatten()
    assert layer.forward(x).shape == (2, 12)
    np.testing.assert_array_equal(layer.backward(layer.forward(x)), x)


@pytest.mark.parametrize(
    "size, kernel, stride, pad, expected", [(28, 5, 1, 0, 24), (28, 5, 1, 2, 28), (6, 3, 2, 0, 2), (28, 3, 2, 1, 14)]
)
def test_conv_output_size(size, kernel, stride, pad, expected):
    assert conv_output_size(size, kernel, stride, pad) == expected
