"""Checkers for chapter 05, convolutional neural networks (합성곱 신경망).

The references are computed with PyTorch (``F.conv2d``, ``F.unfold``, autograd through
``F.max_pool2d``) in float64, independently of the chapter's NumPy code. When a wrong answer
matches a classic mistake (a flipped kernel, a missing bias...), the verdict says so.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from common.checks import CheckResult, case, check_function, compare_values

SOBEL_X = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])
SOBEL_Y = SOBEL_X.T


def _t(a) -> torch.Tensor:
    return torch.as_tensor(np.ascontiguousarray(a, dtype=np.float64))


# --------------------------------------------------------------------------- 1. output size
def _output_size(size, kernel, stride=1, pad=0):
    return (size + 2 * pad - kernel) // stride + 1


def _compare_int(expected, got):
    if isinstance(got, bool) or not isinstance(got, (int, np.integer)):
        return f"expected an int, got {type(got).__name__} {got!r} (a size counts pixels: use // to round down)"
    return compare_values(expected, got)


def check_conv_output_size(fn) -> CheckResult:
    """``conv_output_size(size, kernel, stride, pad)`` -> int, on LeNet's layers and tricky strides."""
    cases = [
        case("28 pixels, 5x5 kernel, stride 1, no padding", 28, 5, 1, 0),
        case("28 pixels, 5x5 kernel, stride 1, pad 2 ('same')", 28, 5, 1, 2),
        case("28 pixels, 3x3 kernel, stride 2, pad 1", 28, 3, 2, 1),
        case("7 pixels, 3x3 kernel, stride 2, no padding", 7, 3, 2, 0),
        case("6 pixels, 3x3 kernel, stride 2 (the last step does not fit)", 6, 3, 2, 0),
        case("kernel as large as the image", 5, 5, 1, 0),
        case("1 pixel, 1x1 kernel", 1, 1, 1, 0),
        case("32 pixels, 4x4 kernel, stride 4", 32, 4, 4, 0),
        case("10 pixels, 4x4 kernel, stride 3, pad 2", 10, 4, 3, 2),
    ]
    mistakes = [
        (lambda s, k, st, p: (s + p - k) // st + 1, "padding adds `pad` pixels on both sides"),
        (lambda s, k, st, p: (s + 2 * p - k) // st, "count the first position too: + 1"),
    ]
    return check_function(fn, _output_size, cases, "conv_output_size", compare=_compare_int, mistakes=mistakes)


# --------------------------------------------------------------------------- 2. cross-correlation
def _corr2d(image, kernel, pad=0):
    return F.conv2d(_t(image)[None, None], _t(kernel)[None, None], padding=pad)[0, 0].numpy()


def _flipped(image, kernel):
    return _corr2d(image, np.asarray(kernel)[::-1, ::-1])


def check_corr2d(fn) -> CheckResult:
    """``corr2d(image, kernel)``: valid 2-D cross-correlation, (H, W) and (KH, KW) -> (H-KH+1, W-KW+1)."""
    rng = np.random.default_rng(5)
    cases = [
        case("4x4 image, 2x2 kernel", np.arange(16.0).reshape(4, 4), np.array([[1.0, 2.0], [3.0, 4.0]])),
        case("random 6x7 image, 3x3 kernel", rng.standard_normal((6, 7)), rng.standard_normal((3, 3))),
        case("non-square 2x3 kernel", rng.standard_normal((5, 6)), rng.standard_normal((2, 3))),
        case("1x1 kernel (scales the image)", rng.standard_normal((3, 4)), np.array([[2.5]])),
        case("kernel as large as the image (one output)", rng.standard_normal((3, 3)), rng.standard_normal((3, 3))),
        case("negative values", -rng.random((5, 5)), -rng.random((3, 3))),
    ]
    mistakes = [(_flipped, "you flipped the kernel: that is the mathematical convolution; deep-learning "
                           "layers slide the kernel as it is (cross-correlation)")]
    return check_function(fn, _corr2d, cases, "corr2d", mistakes=mistakes)


# --------------------------------------------------------------------------- 3. Sobel edges
def _sobel(image):
    return np.hypot(_corr2d(image, SOBEL_X, pad=1), _corr2d(image, SOBEL_Y, pad=1))


def check_sobel_magnitude(fn) -> CheckResult:
    """``sobel_magnitude(image)``: sqrt(gx^2 + gy^2) with the 3x3 Sobel kernels and zero padding 1, (H, W) -> (H, W)."""
    rng = np.random.default_rng(6)
    step = np.zeros((6, 6))
    step[:, 3:] = 1.0
    cases = [
        case("vertical step edge, 6x6", step),
        case("horizontal step edge, 6x6", step.T.copy()),
        case("random 5x8 image", rng.random((5, 8))),
        case("constant image (edges only at the zero-padded border)", np.full((4, 4), 2.0)),
        case("1x1 image", np.array([[3.0]])),
    ]
    mistakes = [
        (lambda im: np.abs(_corr2d(im, SOBEL_X, pad=1)), "use both gradients: sqrt(gx**2 + gy**2)"),
        (lambda im: _sobel(im) ** 2, "take the square root of gx**2 + gy**2"),
        (lambda im: np.abs(_corr2d(im, SOBEL_X, pad=1)) + np.abs(_corr2d(im, SOBEL_Y, pad=1)),
         "the magnitude is sqrt(gx**2 + gy**2), not |gx| + |gy|"),
        (lambda im: _sobel(im)[1:-1, 1:-1], "pad the image with one row/column of zeros so the output keeps its size"),
    ]
    return check_function(fn, _sobel, cases, "sobel_magnitude", mistakes=mistakes)


# --------------------------------------------------------------------------- 4. im2col for one image
def _im2col_single(x, kh, kw, stride=1, pad=0):
    return F.unfold(_t(x)[None], (kh, kw), padding=pad, stride=stride)[0].T.numpy()


def _im2col_channels_last(x, kh, kw, stride=1, pad=0):
    c = x.shape[0]
    cols = _im2col_single(x, kh, kw, stride, pad)
    return cols.reshape(len(cols), c, kh * kw).transpose(0, 2, 1).reshape(len(cols), -1)


def check_im2col_single(fn) -> CheckResult:
    """``im2col_single(x, kh, kw, stride, pad)``: (C, H, W) -> (OH*OW, C*KH*KW), one patch per row."""
    rng = np.random.default_rng(7)
    cases = [
        case("1x3x3 image, 2x2 kernel", np.arange(9.0).reshape(1, 3, 3), 2, 2, 1, 0),
        case("2 channels, 4x5 image, 3x3 kernel", rng.standard_normal((2, 4, 5)), 3, 3, 1, 0),
        case("3 channels, padding 1", rng.standard_normal((3, 4, 4)), 3, 3, 1, 1),
        case("stride 2, non-square 2x3 kernel", rng.standard_normal((2, 7, 6)), 2, 3, 2, 0),
        case("1x1 kernel", rng.standard_normal((3, 2, 2)), 1, 1, 1, 0),
        case("stride 3 with padding 2", rng.standard_normal((1, 5, 5)), 3, 3, 3, 2),
    ]
    mistakes = [(_im2col_channels_last, "order each row channel first: (channel, row, column), like W.reshape(F, -1)")]
    return check_function(fn, _im2col_single, cases, "im2col_single", mistakes=mistakes)


# --------------------------------------------------------------------------- 5. batched convolution
def _conv2d(x, W, b, stride=1, pad=0):
    return F.conv2d(_t(x), _t(W), _t(b), stride=stride, padding=pad).numpy()


def _conv2d_scrambled(x, W, b, stride=1, pad=0):
    out = _conv2d(x, W, b, stride, pad)
    return out.transpose(0, 2, 3, 1).reshape(out.shape)  # (N, OH, OW, F) reshaped without a transpose


def check_conv2d_forward(fn) -> CheckResult:
    """``conv2d_forward(x, W, b, stride, pad)``: (N, C, H, W), (F, C, KH, KW), (F,) -> (N, F, OH, OW)."""
    rng = np.random.default_rng(8)

    def c(label, n, ch, h, w, f, kh, kw, stride, pad):
        return case(label, rng.standard_normal((n, ch, h, w)), rng.standard_normal((f, ch, kh, kw)),
                    rng.standard_normal(f), stride, pad)

    cases = [
        c("batch of 2, 1 channel, 3 filters 3x3", 2, 1, 5, 5, 3, 3, 3, 1, 0),
        c("batch of 1", 1, 2, 4, 6, 2, 3, 3, 1, 0),
        c("3 channels, padding 1", 2, 3, 5, 5, 4, 3, 3, 1, 1),
        c("stride 2, non-square 2x3 kernel, non-square image", 3, 2, 7, 6, 2, 2, 3, 2, 0),
        c("1x1 kernels (a per-pixel linear map of the channels)", 2, 4, 3, 3, 5, 1, 1, 1, 0),
        c("stride 2 with padding 2", 1, 1, 6, 6, 2, 5, 5, 2, 2),
    ]
    mistakes = [
        (lambda x, W, b, s, p: _conv2d(x, W, np.zeros_like(b), s, p), "add the bias b[f] to every pixel of map f"),
        (_conv2d_scrambled, "the product gives rows (N, OH, OW) x columns F: reshape to (N, OH, OW, F), "
                            "then transpose to (N, F, OH, OW)"),
        (lambda x, W, b, s, p: _conv2d(x, W[:, :, ::-1, ::-1], b, s, p), "do not flip the kernel"),
    ]
    return check_function(fn, _conv2d, cases, "conv2d_forward", mistakes=mistakes)


# --------------------------------------------------------------------------- 6. max-pool backward
def _maxpool_backward(x, dout, size):
    xt = _t(x).requires_grad_(True)
    F.max_pool2d(xt, size).backward(_t(dout))
    return xt.grad.numpy()


def _avgpool_backward(x, dout, size):
    xt = _t(x).requires_grad_(True)
    F.avg_pool2d(xt, size).backward(_t(dout))
    return xt.grad.numpy()


def check_maxpool_backward(fn) -> CheckResult:
    """``maxpool_backward(x, dout, size)``: dL/dx (N, C, H, W) of non-overlapping max pooling, stride = size."""
    rng = np.random.default_rng(9)

    def c(label, shape, size, sign=1.0):
        n, ch, h, w = shape
        x = sign * rng.permutation(np.arange(1.0, n * ch * h * w + 1)).reshape(shape) / 10  # no ties
        return case(label, x, rng.standard_normal((n, ch, h // size, w // size)), size)

    cases = [
        c("one 4x4 channel, size 2", (1, 1, 4, 4), 2),
        c("batch 2, 3 channels, size 2", (2, 3, 4, 6), 2),
        c("size 3", (1, 2, 6, 6), 3),
        c("all inputs negative", (2, 1, 4, 4), 2, sign=-1.0),
        c("5x5 input: the last row and column are not pooled", (1, 2, 5, 5), 2),
        c("non-square 2x6 input", (1, 1, 2, 6), 2),
    ]
    mistakes = [(_avgpool_backward, "that is average pooling's gradient: send all of dout to the maximum only")]
    return check_function(fn, _maxpool_backward, cases, "maxpool_backward", mistakes=mistakes)
