"""Exercises of chapter 05, convolutional neural networks: ``checks.<name>.check(fn)``, ``.hint()``, ``.solution()``.

The reference answers are the chapter's ``solutions.py``; this module holds what is specific to each
exercise: its cases, the brief's worked example, classic mistakes and hints; the predict-first question
(`predict_shifted_map`) and the experiment (`build_small_cnn`, judged by the accuracy its training reaches).
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from common.checks import Chapter, Fail, call, case, example, named_parts
from common.data import load_mnist5k

CHAPTER = Chapter("05_cnn")
__getattr__ = CHAPTER.legacy

SOBEL_X = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def _ref(name: str):
    """The solution ``name`` of solutions.py, looked up when a classic mistake is built from it."""
    return getattr(CHAPTER.solutions(), name)


# --------------------------------------------------------------------------- 1. corr2d
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


# --------------------------------------------------------------------------- 2. predict_shifted_map (predict)
predict_shifted_map = CHAPTER.predict(
    "predict_shifted_map",
    why="Every output pixel applies the same weights to the patch under it (weight sharing, 가중치 공유), so the "
        "same responses reappear 3 pixels further right: convolution is translation-equivariant. An MLP's weights "
        "each belong to one pixel position.",
    options={"a": "the same map as before",
             "b": "the old map shifted 3 pixels right",
             "c": "a different map with no simple relation to the old one"},
    hints=["Write one output pixel of the shifted digit's map as a sum over the kernel; which pixels of the "
           "original digit does that sum read?",
           "Output pixel (i, j) of the new map reads the patch at (i, j) of the shifted digit, which is the patch at "
           "(i, j - 3) of the original; the kernel's weights are the same at every position."],
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


# --------------------------------------------------------------------------- 5. maxpool_backward
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


# --------------------------------------------------------------------------- 6. conv2d_backward
def _conv_bwd(x, W, dout, stride=1, pad=0, accumulate=True, flip=False, db_axes=(0, 2, 3), crop=True, step=None):
    """The reference's computation with one classic mistake switched on."""
    n, c, h, w = x.shape
    kh, kw = W.shape[2:]
    oh, ow = dout.shape[2:]
    Wd = np.asarray(W, dtype=float)[:, :, ::-1, ::-1] if flip else np.asarray(W, dtype=float)
    xp = np.pad(np.asarray(x, dtype=float), ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp, dW = np.zeros_like(xp), np.zeros(W.shape)
    for i in range(kh):
        for j in range(kw):
            s = stride if step is None else step
            rows, cols = np.s_[i : i + s * oh : s], np.s_[j : j + s * ow : s]
            dW[:, :, i, j] = np.einsum("nfpq,ncpq->fc", dout, xp[:, :, rows, cols])
            contribution = np.einsum("nfpq,fc->ncpq", dout, Wd[:, :, i, j])
            if accumulate:
                dxp[:, :, rows, cols] += contribution
            else:
                dxp[:, :, rows, cols] = contribution
    dx = dxp[:, :, pad : pad + h, pad : pad + w] if crop else dxp
    return dx, dW, np.asarray(dout).sum(axis=db_axes)


def _conv_bwd_cases():
    rng = _rng(10)

    def c(label, n, ch, h, w, f, kh, kw, stride, pad):
        oh, ow = (h + 2 * pad - kh) // stride + 1, (w + 2 * pad - kw) // stride + 1
        return case(label, rng.standard_normal((n, ch, h, w)), rng.standard_normal((f, ch, kh, kw)),
                    rng.standard_normal((n, f, oh, ow)), stride, pad)

    return [
        c("batch of 2, 1 channel, 3 filters 3x3", 2, 1, 5, 5, 3, 3, 3, 1, 0),
        c("3 channels, 2 filters, padding 1", 2, 3, 5, 4, 2, 3, 3, 1, 1),
        c("stride 2, non-square 2x3 kernel, non-square image", 3, 2, 7, 6, 4, 2, 3, 2, 0),
        c("stride 2 with padding 2, 5x5 kernel", 1, 2, 6, 6, 3, 5, 5, 2, 2),
        c("stride 3 leaves the last rows and columns unused", 2, 1, 8, 8, 2, 2, 2, 3, 0),
        c("1x1 kernels (a per-pixel linear map of the channels)", 2, 4, 3, 3, 5, 1, 1, 1, 0),
        case("integer images and filters; stride and pad given by name", rng.integers(-3, 4, size=(2, 2, 5, 5)),
             rng.integers(-2, 3, size=(3, 2, 3, 3)), rng.standard_normal((2, 3, 3, 3)), stride=2, pad=1),
    ]


conv2d_backward = CHAPTER.exercise(
    "conv2d_backward",
    examples=[example((np.array([[[[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]]]),
                       np.array([[[[8.0, 12.0], [20.0, 24.0]]]]), np.array([4.0])),
                      "the brief's example: x = np.arange(9.).reshape(1, 1, 3, 3), one 2x2 filter of ones, "
                      "dout all ones (1, 1, 2, 2)",
                      np.arange(9.0).reshape(1, 1, 3, 3), np.ones((1, 1, 2, 2)), np.ones((1, 1, 2, 2)))],
    cases=_conv_bwd_cases,
    compare=named_parts("dx", "dW", "db"),
    rtol=1e-6,
    atol=1e-9,
    mistakes=[
        (lambda *a, **k: _conv_bwd(*a, **k, accumulate=False),
         "a pixel seen by several windows gets the sum of their gradients: add into dx (`+=`), do not overwrite"),
        (lambda *a, **k: _conv_bwd(*a, **k, flip=True),
         "do not flip W: at offset (i, j) every output pixel used the weights W[:, :, i, j]"),
        (lambda x, W, dout, stride=1, pad=0: _conv_bwd(x, W, dout, stride, pad, db_axes=(0,)),
         "db has one value per filter: sum dout over the batch and both spatial axes, (0, 2, 3)"),
        (lambda x, W, dout, stride=1, pad=0: _conv_bwd(x, W, dout, stride, pad, crop=False),
         "dx must have the shape of x: cut the padding off, dx_padded[:, :, pad:pad + H, pad:pad + W]"),
        (lambda x, W, dout, stride=1, pad=0: _conv_bwd(x, W, dout, stride, pad, step=1),
         "the windows move `stride` pixels at a time: output pixel p reads rows stride*p + i"),
    ],
    hints=[
        "Loop over the kernel's offsets (i, j), as in `corr2d`. At offset (i, j), output pixel (p, q) multiplied "
        "W[:, :, i, j] with the padded input pixel (stride*p + i, stride*q + j). Each such product sends gradient "
        "both ways: to that weight and to that pixel.",
        "Pad x first. At offset (i, j) the pixels used are `xp[:, :, i:i + stride*OH:stride, j:j + stride*OW:stride]` "
        "(N, C, OH, OW). dW[:, :, i, j] sums dout (N, F, OH, OW) times them over n, p, q (an F x C result); the same "
        "slice of dx_padded receives dout mixed back through W[:, :, i, j]. db sums dout over axes (0, 2, 3).",
        "`dW[:, :, i, j] = np.einsum('nfpq,ncpq->fc', dout, patch)`; `dxp[:, :, rows, cols] += "
        "np.einsum('nfpq,fc->ncpq', dout, W[:, :, i, j])`; finally crop the padding off dxp.",
    ],
)


# --------------------------------------------------------------------------- 7. build_small_cnn (experiment)
MAX_PARAMS, TARGET_ACC, EPOCHS, LR, BATCH = 3000, 0.92, 3, 1e-2, 64
N_FIT = 3500  # the first 3,500 training digits train; the last 500 judge. The test digits stay untouched
_DIGITS = {}


def _digits():
    """MNIST 5k's training digits as tensors (N, 1, 28, 28), split into 3,500 to train and 500 to validate."""
    if not _DIGITS:
        X_train, y_train, _, _ = load_mnist5k()
        X, y = torch.tensor(X_train[:, None]), torch.tensor(y_train)
        _DIGITS.update(X_train=X[:N_FIT], y_train=y[:N_FIT], X_val=X[N_FIT:], y_val=y[N_FIT:])
    return _DIGITS


def _judge_small_cnn(fn) -> str:
    with torch.random.fork_rng():
        torch.manual_seed(0)  # the same initial weights on every run
        model = call(fn, label="building the model")
        if not isinstance(model, nn.Module):
            raise Fail(f"return a torch.nn.Module (e.g. nn.Sequential(...)), not {type(model).__name__}")
        n_params = sum(p.numel() for p in model.parameters())
        if n_params == 0:
            raise Fail("your model has no parameters to train")
        if n_params > MAX_PARAMS:
            raise Fail(f"your model has {n_params:,} parameters; asked: at most {MAX_PARAMS:,}. Count them with "
                       "`sum(p.numel() for p in model.parameters())`: a Linear layer on many pixels costs the most")
        data = _digits()
        out = call(model, data["X_train"][:2], label="a batch of 2 digits, shape (2, 1, 28, 28)")
        if not isinstance(out, torch.Tensor) or tuple(out.shape) != (2, 10):
            shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            raise Fail(f"for a batch of 2 digits (2, 1, 28, 28) your model returned {shape}; "
                       "expected 10 scores per digit, (2, 10)")
        optimizer = torch.optim.Adam(model.parameters(), lr=LR)
        order = torch.Generator().manual_seed(0)
        n = len(data["y_train"])
        model.train()
        for _ in range(EPOCHS):
            perm = torch.randperm(n, generator=order)
            for start in range(0, n, BATCH):
                idx = perm[start : start + BATCH]
                loss = call(F.cross_entropy, call(model, data["X_train"][idx], label="training"),
                            data["y_train"][idx], label="training")
                optimizer.zero_grad()
                call(loss.backward, label="training")
                optimizer.step()
        model.eval()
        with torch.no_grad():
            acc = float((model(data["X_val"]).argmax(1) == data["y_val"]).float().mean())
    reached = (f"your network ({n_params:,} parameters) reached {acc:.1%} on 500 validation digits after {EPOCHS} "
               f"epochs; asked: at least {TARGET_ACC:.0%} with at most {MAX_PARAMS:,} parameters")
    if not acc >= TARGET_ACC:
        raise Fail(reached + ". Convolutions share their few weights across the image; pooling shrinks what the "
                             "final Linear layer must read")
    return reached


build_small_cnn = CHAPTER.exercise(
    "build_small_cnn",
    judge=_judge_small_cnn,
    hints=[
        "Parameters are spent where a layer connects many inputs to many outputs. A 5x5 filter costs 25 weights "
        "per input channel wherever it slides; a Linear layer reading every pixel of a map costs one weight per "
        "pixel and class. Shrink the maps with pooling before the classifier.",
        "Two stages of Conv2d -> ReLU -> MaxPool2d(2) with few filters (a handful, then about twice as many) and "
        "5x5 kernels take 28x28 down to 4x4; then `nn.Flatten()` and one `nn.Linear(channels * 4 * 4, 10)`. Count "
        "the parameters before you check.",
        "`nn.Sequential(nn.Conv2d(1, 4, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(4, 10, 5), nn.ReLU(), "
        "nn.MaxPool2d(2), nn.Flatten(), nn.Linear(10 * 4 * 4, 10))`.",
    ],
)
