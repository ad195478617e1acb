"""Exercises of chapter 05, convolutional neural networks: ``checks.<name>.check(fn)``, ``.hint()``, ``.solution()``.

The reference answers are the chapter's ``solutions.py``; this module holds what is specific to each
exercise: its cases, the brief's worked example, classic mistakes and hints.
"""
from __future__ import annotations

import math

import numpy as np

from common.checks import Chapter, case, example

CHAPTER = Chapter("05_cnn")
__getattr__ = CHAPTER.legacy

SOBEL_X = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def _ref(name: str):
    """The solution ``name`` of solutions.py, looked up when a classic mistake is built from it."""
    return getattr(CHAPTER.solutions(), name)


# --------------------------------------------------------------------------- 1. conv_output_size
conv_output_size = CHAPTER.exercise(
    "conv_output_size",
    examples=[
        example(24, "conv_output_size(28, 5)", 28, 5),
        example(28, "conv_output_size(28, 5, 1, 2): 'same' padding", 28, 5, 1, 2),
        example(2, "conv_output_size(6, 3, 2): a third step would run off the image", 6, 3, 2),
    ],
    cases=[
        case("28 pixels, 5x5 kernel, stride 1, no padding", 28, 5, 1, 0),
        case("28 pixels, 3x3 kernel, stride 2, pad 1", 28, 3, 2, 1),
        case("7 pixels, 3x3 kernel, stride 2, no padding", 7, 3, 2, 0),
        case("kernel as large as the image", 5, 5, 1, 0),
        case("1 pixel, 1x1 kernel", 1, 1, 1, 0),
        case("32 pixels, 4x4 kernel, stride 4", 32, 4, 4, 0),
        case("10 pixels, 4x4 kernel, stride 3, pad 2 (the last step does not fit)", 10, 4, 3, 2),
        case("stride and pad given by name: size=9, kernel=3, stride=2, pad=1", 9, 3, stride=2, pad=1),
    ],
    returns=int,
    mistakes=[
        (lambda size, kernel, stride=1, pad=0: (size + pad - kernel) // stride + 1,
         "padding adds `pad` pixels on both sides: + 2 * pad"),
        (lambda size, kernel, stride=1, pad=0: (size + 2 * pad - kernel) // stride,
         "count the first position too: + 1"),
        (lambda size, kernel, stride=1, pad=0: math.ceil((size + 2 * pad - kernel) / stride) + 1,
         "round down (`//`): a step that would run off the padded image does not count"),
    ],
    hints=[
        "Pad the axis first, then count where the kernel's first pixel can sit: every `stride` pixels, "
        "as long as the whole kernel still fits.",
        "The padded axis has `size + 2 * pad` pixels; the kernel's first pixel can go as far as "
        "`size + 2 * pad - kernel`. Count the steps with integer division `//`, and add the starting position.",
        "`return (size + 2 * pad - kernel) // stride + 1`.",
    ],
)


# --------------------------------------------------------------------------- 2. corr2d
def _corr2d_cases():
    rng = _rng(5)
    return [
        case("random 6x7 image, 3x3 kernel", rng.standard_normal((6, 7)), rng.standard_normal((3, 3))),
        case("non-square 2x3 kernel", rng.standard_normal((5, 6)), rng.standard_normal((2, 3))),
        case("1x1 kernel (scales the image)", rng.standard_normal((3, 4)), np.array([[2.5]])),
        case("kernel as large as the image (one output)", rng.standard_normal((3, 3)), rng.standard_normal((3, 3))),
        case("negative values", -rng.random((5, 5)), -rng.random((3, 3))),
        case("an integer image (pixel values 0-255) with a float kernel",
             rng.integers(0, 256, size=(5, 6)), rng.standard_normal((3, 2))),
    ]


corr2d = CHAPTER.exercise(
    "corr2d",
    examples=[example(np.array([[34.0, 44.0, 54.0], [74.0, 84.0, 94.0], [114.0, 124.0, 134.0]]),
                      "the brief's example: 4x4 image np.arange(16.), kernel [[1, 2], [3, 4]]",
                      np.arange(16.0).reshape(4, 4), np.array([[1.0, 2.0], [3.0, 4.0]]))],
    cases=_corr2d_cases,
    mistakes=[
        (lambda im, k: _ref("corr2d")(im, np.asarray(k)[::-1, ::-1]),
         "you flipped the kernel: that is the mathematical convolution; deep-learning layers slide the kernel "
         "as it is (cross-correlation)"),
        (lambda im, k: _ref("corr2d")(im, k).astype(np.asarray(im).dtype),
         "the output got the integer dtype of the image and lost its fractions: start from a float array, "
         "e.g. `np.zeros((oh, ow))`"),
    ],
    hints=[
        "Each output pixel is the sum of a kernel-sized window of the image, multiplied elementwise by the kernel. "
        "Do not flip the kernel.",
        "The output has shape (H - KH + 1, W - KW + 1). Either loop over output pixels and sum "
        "`image[i:i + KH, j:j + KW] * kernel`, or loop over the KH x KW kernel offsets and add shifted slices "
        "of the image, each times one weight. Start from a float array of zeros.",
        "`out = np.zeros((oh, ow))`; `for i in range(kh): for j in range(kw): "
        "out += kernel[i, j] * image[i:i + oh, j:j + ow]`; `return out`.",
    ],
)


# --------------------------------------------------------------------------- 3. sobel_magnitude
def _sobel_parts(image):
    padded = np.pad(np.asarray(image, dtype=float), 1)
    corr2d_ = _ref("corr2d")
    return corr2d_(padded, SOBEL_X), corr2d_(padded, SOBEL_X.T)


def _sobel_cases():
    rng = _rng(6)
    step = np.zeros((6, 6))
    step[:, 3:] = 1.0
    return [
        case("horizontal step edge, 6x6", step.T.copy()),
        case("random 5x8 image", rng.random((5, 8))),
        case("constant image (edges only at the zero-padded border)", np.full((4, 4), 2.0)),
        case("1x1 image", np.array([[3.0]])),
        case("an 8-bit image (dtype uint8, values 0-255)", rng.integers(0, 256, size=(5, 5)).astype(np.uint8)),
    ]


_S10, _S18 = 10**0.5, 18**0.5  # |(gx, gy)| = |(3, 1)| and |(3, 3)| where the step meets the top and bottom border
_STEP_BORDER = [0.0, 0.0, _S10, _S18, 4.0, _S18]
_STEP_ROW = [0.0, 0.0, 4.0, 4.0, 0.0, 4.0]
_STEP = np.zeros((6, 6))
_STEP[:, 3:] = 1.0

sobel_magnitude = CHAPTER.exercise(
    "sobel_magnitude",
    examples=[example(np.array([_STEP_BORDER, *[_STEP_ROW] * 4, _STEP_BORDER]),
                      "the brief's example: 6x6 vertical step edge, 0 in columns 0-2 and 1 in columns 3-5", _STEP)],
    cases=_sobel_cases,
    mistakes=[
        (lambda im: np.abs(_sobel_parts(im)[0]), "use both gradients: sqrt(gx**2 + gy**2)"),
        (lambda im: _sobel_parts(im)[0] ** 2 + _sobel_parts(im)[1] ** 2, "take the square root of gx**2 + gy**2"),
        (lambda im: np.abs(_sobel_parts(im)[0]) + np.abs(_sobel_parts(im)[1]),
         "the magnitude is sqrt(gx**2 + gy**2), not |gx| + |gy|"),
        (lambda im: np.hypot(*_sobel_parts(im))[1:-1, 1:-1],
         "pad the image with one row/column of zeros on every side (`np.pad(image, 1)`) so the output keeps its size"),
        (lambda im: np.hypot(*_sobel_parts(im)).astype(np.asarray(im).dtype),
         "the result got the integer dtype of the image: compute in floats"),
    ],
    hints=[
        "Two cross-correlations of the zero-padded image, one with K_x (horizontal change) and one with "
        "K_y = K_x.T (vertical change), combined pixel by pixel into one length.",
        "`padded = np.pad(image, 1)` is (H + 2, W + 2), so a valid 3x3 cross-correlation of it is (H, W) again; "
        "your `corr2d` does it. Combine with `np.sqrt(gx**2 + gy**2)`.",
        "`kx = np.array([[-1.0, 0, 1], [-2, 0, 2], [-1, 0, 1]])`; `gx, gy = corr2d(padded, kx), "
        "corr2d(padded, kx.T)`; `return np.sqrt(gx**2 + gy**2)`.",
    ],
)


# --------------------------------------------------------------------------- 4. im2col_single
def _im2col_channels_last(x, kh, kw, stride=1, pad=0):
    cols = _ref("im2col_single")(x, kh, kw, stride, pad)
    return cols.reshape(len(cols), x.shape[0], kh * kw).transpose(0, 2, 1).reshape(cols.shape)


def _im2col_column_major(x, kh, kw, stride=1, pad=0):
    cols = _ref("im2col_single")(x, kh, kw, stride, pad)
    oh = (x.shape[1] + 2 * pad - kh) // stride + 1
    return cols.reshape(oh, -1, cols.shape[1]).transpose(1, 0, 2).reshape(cols.shape)


def _im2col_cases():
    rng = _rng(7)
    return [
        case("2 channels, 4x5 image, 3x3 kernel", rng.standard_normal((2, 4, 5)), 3, 3, 1, 0),
        case("3 channels, padding 1", rng.standard_normal((3, 4, 4)), 3, 3, 1, 1),
        case("stride 2, non-square 2x3 kernel, non-square image", rng.standard_normal((2, 7, 6)), 2, 3, 2, 0),
        case("1x1 kernel", rng.standard_normal((3, 2, 2)), 1, 1, 1, 0),
        case("stride 3 with padding 2", rng.standard_normal((1, 5, 5)), 3, 3, 3, 2),
        case("an integer image, stride and pad given by name", rng.integers(-5, 6, size=(2, 5, 4)), 2, 2,
             stride=2, pad=1),
    ]


im2col_single = CHAPTER.exercise(
    "im2col_single",
    examples=[example(np.array([[0.0, 1, 3, 4], [1, 2, 4, 5], [3, 4, 6, 7], [4, 5, 7, 8]]),
                      "the brief's example: x = np.arange(9.).reshape(1, 3, 3), 2x2 kernel",
                      np.arange(9.0).reshape(1, 3, 3), 2, 2)],
    cases=_im2col_cases,
    mistakes=[
        (_im2col_channels_last, "order each row channel first: (channel, row, column), like W.reshape(F, -1)"),
        (_im2col_column_major, "row i * OW + j is output pixel (i, j): go along each output row first"),
    ],
    hints=[
        "Output pixel (i, j) sees the patch `x[:, i*stride : i*stride + kh, j*stride : j*stride + kw]` of the "
        "zero-padded image; flatten each patch into one row.",
        "Pad only the two spatial axes: `np.pad(x, ((0, 0), (pad, pad), (pad, pad)))`. Compute OH and OW with the "
        "output-size formula, loop over i and j in that order, and `.ravel()` each (C, kh, kw) patch: "
        "that is the (channel, row, column) order.",
        "`rows = [xp[:, i*stride:i*stride + kh, j*stride:j*stride + kw].ravel() for i in range(oh) "
        "for j in range(ow)]`; `return np.array(rows, dtype=float)`.",
    ],
)


# --------------------------------------------------------------------------- 5. conv2d_forward
def _conv2d_cases():
    rng = _rng(8)

    def c(label, n, ch, h, w, f, kh, kw, stride, pad):
        return case(label, rng.standard_normal((n, ch, h, w)), rng.standard_normal((f, ch, kh, kw)),
                    rng.standard_normal(f), stride, pad)

    return [
        c("batch of 2, 1 channel, 3 filters 3x3", 2, 1, 5, 5, 3, 3, 3, 1, 0),
        c("batch of 1", 1, 2, 4, 6, 2, 3, 3, 1, 0),
        c("3 channels, padding 1", 2, 3, 5, 5, 4, 3, 3, 1, 1),
        c("stride 2, non-square 2x3 kernel, non-square image", 3, 2, 7, 6, 2, 2, 3, 2, 0),
        c("1x1 kernels (a per-pixel linear map of the channels)", 2, 4, 3, 3, 5, 1, 1, 1, 0),
        c("stride 2 with padding 2", 1, 1, 6, 6, 2, 5, 5, 2, 2),
        case("integer images, filters and bias; stride and pad given by name", rng.integers(-3, 4, size=(2, 2, 5, 5)),
             rng.integers(-2, 3, size=(3, 2, 2, 2)), np.array([1, -2, 0]), stride=3, pad=1),
    ]


def _conv2d_scrambled(x, W, b, stride=1, pad=0):
    out = _ref("conv2d_forward")(x, W, b, stride, pad)
    return out.transpose(0, 2, 3, 1).reshape(out.shape)  # (N, OH, OW, F) reshaped without a transpose


_CONV_X = np.arange(9.0).reshape(1, 1, 3, 3)
_CONV_W = np.array([[[[1.0, 2.0], [0.0, 0.0]]], [[[0.0, 0.0], [0.0, 1.0]]]])
_CONV_B = np.array([1.0, -1.0])

conv2d_forward = CHAPTER.exercise(
    "conv2d_forward",
    examples=[example(np.array([[[[3.0, 6.0], [12.0, 15.0]], [[3.0, 4.0], [6.0, 7.0]]]]),
                      "the brief's example: x = np.arange(9.).reshape(1, 1, 3, 3), two 2x2 filters, b = [1, -1]",
                      _CONV_X, _CONV_W, _CONV_B)],
    cases=_conv2d_cases,
    mistakes=[
        (lambda x, W, b, stride=1, pad=0: _ref("conv2d_forward")(x, W, np.zeros_like(b), stride, pad),
         "add the bias b[f] to every pixel of map f"),
        (_conv2d_scrambled, "the product gives rows (N, OH, OW) x columns F: reshape to (N, OH, OW, F), "
                            "then transpose to (N, F, OH, OW)"),
        (lambda x, W, b, stride=1, pad=0: _ref("conv2d_forward")(x, np.asarray(W)[:, :, ::-1, ::-1], b, stride, pad),
         "do not flip the kernel"),
    ],
    hints=[
        "im2col turns every patch into a row; then one matrix product with the flattened filters computes every "
        "output pixel of every filter at once. The work left is the bookkeeping of shapes.",
        "Stack `im2col_single(img, kh, kw, stride, pad)` of every image: (N*OH*OW, C*KH*KW). Multiply by "
        "`W.reshape(F, -1).T` and add `b`: (N*OH*OW, F). Its rows run over (n, i, j), its columns over f.",
        "`out = cols @ W.reshape(F, -1).T + b`; `return out.reshape(N, oh, ow, F).transpose(0, 3, 1, 2)`.",
    ],
)


# --------------------------------------------------------------------------- 6. maxpool_backward
def _maxpool_cases():
    rng = _rng(9)

    def c(label, shape, size, sign=1.0, dtype=float):
        n, ch, h, w = shape
        x = sign * rng.permutation(np.arange(1.0, n * ch * h * w + 1)).reshape(shape)  # no ties
        x = x.astype(dtype) if dtype is not float else x / 10
        return case(label, x, rng.standard_normal((n, ch, h // size, w // size)), size)

    return [
        c("one 4x4 channel, size 2", (1, 1, 4, 4), 2),
        c("batch 2, 3 channels, size 2", (2, 3, 4, 6), 2),
        c("size 3", (1, 2, 6, 6), 3),
        c("all inputs negative", (2, 1, 4, 4), 2, sign=-1.0),
        c("5x5 input: the last row and column are not pooled", (1, 2, 5, 5), 2),
        c("non-square 2x6 input", (1, 1, 2, 6), 2),
        c("integer x, float dout", (1, 2, 4, 4), 2, dtype=np.int64),
    ]


def _maxpool_average(x, dout, size):
    n, c, h, w = x.shape
    dx = np.zeros(x.shape)
    oh, ow = dout.shape[2:]
    dx[:, :, : oh * size, : ow * size] = np.repeat(np.repeat(dout, size, axis=2), size, axis=3) / size**2
    return dx


def _maxpool_cropped(x, dout, size):
    oh, ow = dout.shape[2:]
    return _ref("maxpool_backward")(x, dout, size)[:, :, : oh * size, : ow * size]


maxpool_backward = CHAPTER.exercise(
    "maxpool_backward",
    examples=[example(np.array([[[[0.0, 7.0], [0.0, 0.0]]]]), "the brief's example: x = [[1, 5], [3, 2]], dout = [[7]]",
                      np.array([[[[1.0, 5.0], [3.0, 2.0]]]]), np.array([[[[7.0]]]]), 2)],
    cases=_maxpool_cases,
    mistakes=[
        (_maxpool_average, "that is average pooling's gradient: send all of dout to the maximum only"),
        (_maxpool_cropped, "return dx with the shape of x: rows and columns that fill no window get 0"),
        (lambda x, dout, size: _ref("maxpool_backward")(np.abs(x), dout, size),
         "the maximum is the largest value, not the largest |value|"),
        (lambda x, dout, size: _ref("maxpool_backward")(x, dout, size).astype(np.asarray(x).dtype),
         "dx got the integer dtype of x and lost the fractions of dout: start from `np.zeros(x.shape)`"),
    ],
    hints=[
        "Pooling passes on only each window's maximum, so only that position receives the window's gradient; "
        "every other position of x gets 0.",
        "Start from `dx = np.zeros(x.shape)`. For each window (i, j), find where the maximum of "
        "`x[:, :, i*size:(i+1)*size, j*size:(j+1)*size]` is (a boolean mask `window == window.max(...)` over "
        "the last two axes, with keepdims=True) and put `dout[:, :, i, j]` there.",
        "`win = x[:, :, i*s:(i+1)*s, j*s:(j+1)*s]`; `mask = win == win.max(axis=(2, 3), keepdims=True)`; "
        "`dx[:, :, i*s:(i+1)*s, j*s:(j+1)*s] = mask * dout[:, :, i:i+1, j:j+1]`.",
    ],
)
