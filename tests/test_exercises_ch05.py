"""Chapter 05 checkers: the reference solutions pass, and plausible mistakes are caught with a useful message."""
import math

import numpy as np
import pytest

from common.checkers import ch05
from conftest import CHAPTERS, load_solutions

sol = load_solutions(CHAPTERS / "05_cnn")
KX = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])


def check(name, fn):
    return getattr(ch05, name).check(fn)


# --------------------------------------------------------------------------- plausible wrong answers
def _size_no_plus_one(size, kernel, stride=1, pad=0):
    return (size + 2 * pad - kernel) // stride


def _size_pad_once(size, kernel, stride=1, pad=0):
    return (size + pad - kernel) // stride + 1


def _size_true_division(size, kernel, stride=1, pad=0):
    return (size + 2 * pad - kernel) / stride + 1  # a float, and 24.0 is not an int


def _size_rounds_up(size, kernel, stride=1, pad=0):
    return math.ceil((size + 2 * pad - kernel) / stride) + 1


def _size_no_defaults(size, kernel, stride, pad):
    return (size + 2 * pad - kernel) // stride + 1


def _corr2d_flipped(image, kernel):
    return sol.corr2d(image, kernel[::-1, ::-1])


def _corr2d_cropped(image, kernel):
    return sol.corr2d(image, kernel)[:-1]


def _corr2d_like_image(image, kernel):
    kh, kw = kernel.shape
    out = np.zeros_like(image, shape=(image.shape[0] - kh + 1, image.shape[1] - kw + 1))  # the image's dtype
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = (image[i : i + kh, j : j + kw] * kernel).sum()
    return out


def _sobel_x_only(image):
    return np.abs(sol.corr2d(np.pad(image, 1), KX))


def _sobel_squared(image):
    return sol.sobel_magnitude(image) ** 2


def _sobel_abs_sum(image):
    padded = np.pad(image, 1)
    return np.abs(sol.corr2d(padded, KX)) + np.abs(sol.corr2d(padded, KX.T))


def _sobel_no_padding(image):
    return sol.sobel_magnitude(image)[1:-1, 1:-1]


def _sobel_keeps_dtype(image):
    out = np.zeros_like(image)
    out[...] = sol.sobel_magnitude(image)  # uint8 in, uint8 out: the magnitudes lose their fractions
    return out


def _im2col_channels_last(x, kh, kw, stride=1, pad=0):
    col = sol.im2col_single(x, kh, kw, stride, pad)
    return col.reshape(len(col), x.shape[0], kh * kw).transpose(0, 2, 1).reshape(col.shape)


def _im2col_column_major(x, kh, kw, stride=1, pad=0):
    c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad)))
    oh, ow = (h + 2 * pad - kh) // stride + 1, (w + 2 * pad - kw) // stride + 1
    rows = [xp[:, i * stride : i * stride + kh, j * stride : j * stride + kw].ravel()
            for j in range(ow) for i in range(oh)]  # down each column first
    return np.array(rows, dtype=float)


def _im2col_ignores_stride(x, kh, kw, stride=1, pad=0):
    return sol.im2col_single(x, kh, kw, 1, pad)


def _im2col_transposed(x, kh, kw, stride=1, pad=0):
    return sol.im2col_single(x, kh, kw, stride, pad).T


def _im2col_ignores_pad(x, kh, kw, stride=1, pad=0):
    return sol.im2col_single(x, kh, kw, stride, 0)


def _conv_no_bias(x, W, b, stride=1, pad=0):
    return sol.conv2d_forward(x, W, 0 * b, stride, pad)


def _conv_scrambled(x, W, b, stride=1, pad=0):
    out = sol.conv2d_forward(x, W, b, stride, pad)
    return out.transpose(0, 2, 3, 1).reshape(out.shape)


def _conv_flipped(x, W, b, stride=1, pad=0):
    return sol.conv2d_forward(x, W[:, :, ::-1, ::-1], b, stride, pad)


def _maxpool_average(x, dout, size):
    return np.repeat(np.repeat(dout, size, axis=2), size, axis=3) / size**2


def _maxpool_zeros_like_dout(x, dout, size):
    return np.zeros_like(dout)


def _maxpool_abs(x, dout, size):
    return sol.maxpool_backward(np.abs(x), dout, size)


def _maxpool_cropped(x, dout, size):
    oh, ow = dout.shape[2:]
    return sol.maxpool_backward(x, dout, size)[:, :, : oh * size, : ow * size]


def _maxpool_like_x(x, dout, size):
    dx = np.zeros_like(x)  # integer x: dx is integer too and dout loses its fractions
    dx[...] = sol.maxpool_backward(x, dout, size)
    return dx


def _maxpool_reuses_x(x, dout, size):
    grad = sol.maxpool_backward(x, dout, size)
    dx = x  # not a copy: the caller's x is overwritten
    dx[...] = grad
    return dx


WRONG = [
    ("conv_output_size", _size_no_plus_one, "Hint: count the first position"),
    ("conv_output_size", _size_pad_once, "both sides"),
    ("conv_output_size", _size_true_division, "return a Python int"),
    ("conv_output_size", _size_rounds_up, "round down"),
    ("conv_output_size", _size_no_defaults, "raised TypeError"),
    ("corr2d", _corr2d_flipped, "flipped the kernel"),
    ("corr2d", _corr2d_cropped, "wrong shape"),
    ("corr2d", _corr2d_like_image, "integer dtype of the image"),
    ("sobel_magnitude", _sobel_x_only, "both gradients"),
    ("sobel_magnitude", _sobel_squared, "square root"),
    ("sobel_magnitude", _sobel_abs_sum, "not |gx| + |gy|"),
    ("sobel_magnitude", _sobel_no_padding, "wrong shape"),
    ("sobel_magnitude", _sobel_keeps_dtype, "integer dtype"),
    ("im2col_single", _im2col_channels_last, "channel first"),
    ("im2col_single", _im2col_column_major, "along each output row first"),
    ("im2col_single", _im2col_ignores_stride, "wrong shape"),
    ("im2col_single", _im2col_transposed, "wrong shape"),
    ("im2col_single", _im2col_ignores_pad, "wrong shape"),
    ("conv2d_forward", _conv_no_bias, "bias"),
    ("conv2d_forward", _conv_scrambled, "transpose"),
    ("conv2d_forward", _conv_flipped, "flip"),
    ("maxpool_backward", _maxpool_average, "average pooling"),
    ("maxpool_backward", _maxpool_zeros_like_dout, "wrong shape"),
    ("maxpool_backward", _maxpool_abs, "not the largest |value|"),
    ("maxpool_backward", _maxpool_cropped, "shape of x"),
    ("maxpool_backward", _maxpool_like_x, "integer dtype of x"),
    ("maxpool_backward", _maxpool_reuses_x, "changed its input `x` in place"),
]


@pytest.mark.parametrize("name, wrong, words", WRONG, ids=[f"{n}-{w.__name__.strip('_')}" for n, w, _ in WRONG])
def test_plausible_mistake_is_rejected(name, wrong, words):
    result = check(name, wrong)
    assert not result.passed, f"{wrong.__name__} was accepted"
    assert words in result.message, str(result)
    assert "case:" in result.message


@pytest.mark.parametrize(
    "name, wrong, hint",
    [("conv_output_size", _size_pad_once, "on both sides"), ("corr2d", _corr2d_flipped, "cross-correlation"),
     ("sobel_magnitude", _sobel_no_padding, "np.pad(image, 1)"),
     ("im2col_single", _im2col_channels_last, "channel first"),
     ("conv2d_forward", _conv_scrambled, "then transpose"), ("maxpool_backward", _maxpool_average, "maximum only")],
)
def test_a_classic_mistake_is_named(name, wrong, hint):
    message = check(name, wrong).message
    assert "Hint:" in message and hint in message.split("Hint:", 1)[1], message


def test_integer_and_named_arguments_are_accepted():
    def conv_output_size(size, kernel, stride=1, pad=0):
        return int((size + 2 * pad - kernel) / stride) + 1  # int() rounds down for these positive sizes

    assert check("conv_output_size", conv_output_size)
    assert check("conv_output_size", lambda *a, **k: np.int64(sol.conv_output_size(*a, **k)))
    assert check("im2col_single", lambda *a, **k: sol.im2col_single(*a, **k).astype(np.float32))
