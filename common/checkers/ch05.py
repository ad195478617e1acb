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

from common.checks import Chapter, Fail, call, case, compare_values, example, named_parts, tr
from common.data import load_mnist5k

CHAPTER = Chapter("05_cnn")
__getattr__ = CHAPTER.legacy

SOBEL_X = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def _ref(name: str):
    """The solution ``name`` of solutions.py, looked up when a classic mistake is built from it."""
    return getattr(CHAPTER.solutions(), name)


def _compare_result(expected, got, rtol: float = 1e-5, atol: float = 1e-7) -> str | None:
    """The engine's comparison, with the answer called "result" in the learner's language (chosen at check time)."""
    return compare_values(expected, got, rtol, atol, what=tr("result", "결과"))


# --------------------------------------------------------------------------- 1. corr2d
def _corr2d_cases():
    rng = _rng(5)
    return [
        case({"en": "random 6x7 image, 3x3 kernel", "ko": "무작위 6x7 이미지, 3x3 커널"},
             rng.standard_normal((6, 7)), rng.standard_normal((3, 3))),
        case({"en": "non-square 2x3 kernel", "ko": "정사각형이 아닌 2x3 커널"},
             rng.standard_normal((5, 6)), rng.standard_normal((2, 3))),
        case({"en": "1x1 kernel (scales the image)", "ko": "1x1 커널 (이미지의 크기를 조정함)"},
             rng.standard_normal((3, 4)), np.array([[2.5]])),
        case({"en": "kernel as large as the image (one output)", "ko": "이미지만큼 큰 커널 (출력 하나)"},
             rng.standard_normal((3, 3)), rng.standard_normal((3, 3))),
        case({"en": "negative values", "ko": "음수 값"}, -rng.random((5, 5)), -rng.random((3, 3))),
        case({"en": "an integer image (pixel values 0-255) with a float kernel",
              "ko": "정수 이미지 (픽셀 값 0-255)와 실수 커널"},
             rng.integers(0, 256, size=(5, 6)), rng.standard_normal((3, 2))),
    ]


corr2d = CHAPTER.exercise(
    "corr2d",
    examples=[example(np.array([[34.0, 44.0, 54.0], [74.0, 84.0, 94.0], [114.0, 124.0, 134.0]]),
                      {"en": "the brief's example: 4x4 image np.arange(16.), kernel [[1, 2], [3, 4]]",
                       "ko": "문제 설명의 예: 4x4 이미지 np.arange(16.), 커널 [[1, 2], [3, 4]]"},
                      np.arange(16.0).reshape(4, 4), np.array([[1.0, 2.0], [3.0, 4.0]]))],
    cases=_corr2d_cases,
    compare=_compare_result,
    mistakes=[
        (lambda im, k: _ref("corr2d")(im, np.asarray(k)[::-1, ::-1]),
         {"en": "you flipped the kernel: that is the mathematical convolution; deep-learning layers slide the kernel "
                "as it is (cross-correlation)",
          "ko": "커널을 뒤집었습니다: 그것은 수학에서 말하는 합성곱입니다. 딥러닝의 층은 커널을 그대로 밀면서 "
                "계산합니다 (교차 상관)"}),
        (lambda im, k: _ref("corr2d")(im, k).astype(np.asarray(im).dtype),
         {"en": "the output got the integer dtype of the image and lost its fractions: start from a float array, "
                "e.g. `np.zeros((oh, ow))`",
          "ko": "출력이 이미지의 정수 자료형을 물려받아 소수 부분을 잃었습니다: 실수 배열에서 시작하세요. "
                "예: `np.zeros((oh, ow))`"}),
    ],
    hints=[
        {"en": "Each output pixel is the sum of a kernel-sized window of the image, multiplied elementwise by the "
               "kernel. Do not flip the kernel.",
         "ko": "출력 픽셀 하나는 이미지에서 커널 크기만 한 창을 커널과 원소별로 곱해 더한 값입니다. 커널을 "
               "뒤집지 마세요."},
        {"en": "The output has shape (H - KH + 1, W - KW + 1). Either loop over output pixels and sum "
               "`image[i:i + KH, j:j + KW] * kernel`, or loop over the KH x KW kernel offsets and add shifted slices "
               "of the image, each times one weight. Start from a float array of zeros.",
         "ko": "출력의 모양은 (H - KH + 1, W - KW + 1)입니다. 출력 픽셀을 돌며 `image[i:i + KH, j:j + KW] * kernel`을 "
               "더하거나, KH x KW개의 커널 오프셋을 돌며 이미지를 밀어 자른 조각에 가중치를 하나씩 곱해 더하세요. "
               "0으로 채운 실수 배열에서 시작하세요."},
        {"en": "`out = np.zeros((oh, ow))`; `for i in range(kh): for j in range(kw): "
               "out += kernel[i, j] * image[i:i + oh, j:j + ow]`; `return out`.",
         "ko": "코드로 쓰면: `out = np.zeros((oh, ow))`; `for i in range(kh): for j in range(kw): "
               "out += kernel[i, j] * image[i:i + oh, j:j + ow]`; `return out`."},
    ],
)


# --------------------------------------------------------------------------- 2. predict_shifted_map (predict)
predict_shifted_map = CHAPTER.predict(
    "predict_shifted_map",
    why={"en": "Every output pixel applies the same weights to the patch under it (weight sharing, 가중치 공유), so "
               "the same responses reappear 3 pixels further right: convolution is translation-equivariant. An MLP's "
               "weights each belong to one pixel position.",
         "ko": "모든 출력 픽셀은 자기 아래의 패치에 같은 가중치를 적용하므로 (가중치 공유, weight sharing) 같은 "
               "반응이 3픽셀 오른쪽에 다시 나타납니다: 합성곱은 이동 등변성을 가집니다 (translation-equivariant). "
               "MLP의 가중치는 저마다 한 픽셀 위치에만 속합니다."},
    options={"a": {"en": "the same map as before", "ko": "이전과 같은 맵"},
             "b": {"en": "the old map shifted 3 pixels right", "ko": "이전 맵을 오른쪽으로 3픽셀 옮긴 것"},
             "c": {"en": "a different map with no simple relation to the old one",
                   "ko": "이전 맵과 간단한 관계가 없는 다른 맵"}},
    hints=[{"en": "Write one output pixel of the shifted digit's map as a sum over the kernel; which pixels of the "
                  "original digit does that sum read?",
            "ko": "옮긴 숫자의 특징 맵에서 출력 픽셀 하나를 커널에 대한 합으로 써 보세요. 그 합은 원래 숫자의 어느 "
                  "픽셀들을 읽을까요?"},
           {"en": "Output pixel (i, j) of the new map reads the patch at (i, j) of the shifted digit, which is the "
                  "patch at (i, j - 3) of the original; the kernel's weights are the same at every position.",
            "ko": "새 맵의 출력 픽셀 (i, j)는 옮긴 숫자의 (i, j) 위치 패치를 읽는데, 그것은 원래 숫자의 (i, j - 3) "
                  "위치 패치입니다. 커널의 가중치는 모든 위치에서 같습니다."}],
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
        case({"en": "horizontal step edge, 6x6", "ko": "가로 방향 계단 에지, 6x6"}, step.T.copy()),
        case({"en": "random 5x8 image", "ko": "무작위 5x8 이미지"}, rng.random((5, 8))),
        case({"en": "constant image (edges only at the zero-padded border)",
              "ko": "일정한 이미지 (0으로 패딩한 경계에만 에지가 있음)"}, np.full((4, 4), 2.0)),
        case({"en": "1x1 image", "ko": "1x1 이미지"}, np.array([[3.0]])),
        case({"en": "an 8-bit image (dtype uint8, values 0-255)", "ko": "8비트 이미지 (dtype uint8, 값 0-255)"},
             rng.integers(0, 256, size=(5, 5)).astype(np.uint8)),
    ]


_S10, _S18 = 10**0.5, 18**0.5  # |(gx, gy)| = |(3, 1)| and |(3, 3)| where the step meets the top and bottom border
_STEP_BORDER = [0.0, 0.0, _S10, _S18, 4.0, _S18]
_STEP_ROW = [0.0, 0.0, 4.0, 4.0, 0.0, 4.0]
_STEP = np.zeros((6, 6))
_STEP[:, 3:] = 1.0

sobel_magnitude = CHAPTER.exercise(
    "sobel_magnitude",
    examples=[example(np.array([_STEP_BORDER, *[_STEP_ROW] * 4, _STEP_BORDER]),
                      {"en": "the brief's example: 6x6 vertical step edge, 0 in columns 0-2 and 1 in columns 3-5",
                       "ko": "문제 설명의 예: 6x6 세로 방향 계단 에지, 0-2열은 0이고 3-5열은 1"}, _STEP)],
    cases=_sobel_cases,
    compare=_compare_result,
    mistakes=[
        (lambda im: np.abs(_sobel_parts(im)[0]), {"en": "use both gradients: sqrt(gx**2 + gy**2)",
                                                  "ko": "두 기울기를 모두 쓰세요: sqrt(gx**2 + gy**2)"}),
        (lambda im: _sobel_parts(im)[0] ** 2 + _sobel_parts(im)[1] ** 2,
         {"en": "take the square root of gx**2 + gy**2", "ko": "gx**2 + gy**2의 제곱근을 구하세요"}),
        (lambda im: np.abs(_sobel_parts(im)[0]) + np.abs(_sobel_parts(im)[1]),
         {"en": "the magnitude is sqrt(gx**2 + gy**2), not |gx| + |gy|",
          "ko": "크기는 |gx| + |gy|가 아니라 sqrt(gx**2 + gy**2)입니다"}),
        (lambda im: np.hypot(*_sobel_parts(im))[1:-1, 1:-1],
         {"en": "pad the image with one row/column of zeros on every side (`np.pad(image, 1)`) so the output keeps "
                "its size",
          "ko": "출력이 크기를 유지하도록 이미지의 사방에 0으로 된 행/열을 하나씩 덧대세요 (`np.pad(image, 1)`)"}),
        (lambda im: np.hypot(*_sobel_parts(im)).astype(np.asarray(im).dtype),
         {"en": "the result got the integer dtype of the image: compute in floats",
          "ko": "결과가 이미지의 정수 자료형을 물려받았습니다: 실수로 계산하세요"}),
    ],
    hints=[
        {"en": "Two cross-correlations of the zero-padded image, one with K_x (horizontal change) and one with "
               "K_y = K_x.T (vertical change), combined pixel by pixel into one length.",
         "ko": "0으로 패딩한 이미지에 교차 상관을 두 번 적용합니다. 한 번은 K_x (가로 방향 변화), 한 번은 "
               "K_y = K_x.T (세로 방향 변화)로 하고, 픽셀마다 두 값을 하나의 길이로 합칩니다."},
        {"en": "`padded = np.pad(image, 1)` is (H + 2, W + 2), so a valid 3x3 cross-correlation of it is (H, W) "
               "again; your `corr2d` does it. Combine with `np.sqrt(gx**2 + gy**2)`.",
         "ko": "`padded = np.pad(image, 1)`은 (H + 2, W + 2)이므로, 여기에 3x3 valid 교차 상관을 하면 다시 (H, W)가 "
               "됩니다. 여러분의 `corr2d`가 이 일을 합니다. `np.sqrt(gx**2 + gy**2)`로 합치세요."},
        {"en": "`kx = np.array([[-1.0, 0, 1], [-2, 0, 2], [-1, 0, 1]])`; `gx, gy = corr2d(padded, kx), "
               "corr2d(padded, kx.T)`; `return np.sqrt(gx**2 + gy**2)`.",
         "ko": "코드로 쓰면: `kx = np.array([[-1.0, 0, 1], [-2, 0, 2], [-1, 0, 1]])`; `gx, gy = corr2d(padded, kx), "
               "corr2d(padded, kx.T)`; `return np.sqrt(gx**2 + gy**2)`."},
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
        case({"en": "2 channels, 4x5 image, 3x3 kernel", "ko": "채널 2개, 4x5 이미지, 3x3 커널"},
             rng.standard_normal((2, 4, 5)), 3, 3, 1, 0),
        case({"en": "3 channels, padding 1", "ko": "채널 3개, 패딩 1"}, rng.standard_normal((3, 4, 4)), 3, 3, 1, 1),
        case({"en": "stride 2, non-square 2x3 kernel, non-square image",
              "ko": "스트라이드 2, 정사각형이 아닌 2x3 커널과 이미지"}, rng.standard_normal((2, 7, 6)), 2, 3, 2, 0),
        case({"en": "1x1 kernel", "ko": "1x1 커널"}, rng.standard_normal((3, 2, 2)), 1, 1, 1, 0),
        case({"en": "stride 3 with padding 2", "ko": "스트라이드 3, 패딩 2"},
             rng.standard_normal((1, 5, 5)), 3, 3, 3, 2),
        case({"en": "an integer image, stride and pad given by name",
              "ko": "정수 이미지, stride와 pad를 이름으로 전달"},
             rng.integers(-5, 6, size=(2, 5, 4)), 2, 2, stride=2, pad=1),
    ]


im2col_single = CHAPTER.exercise(
    "im2col_single",
    examples=[example(np.array([[0.0, 1, 3, 4], [1, 2, 4, 5], [3, 4, 6, 7], [4, 5, 7, 8]]),
                      {"en": "the brief's example: x = np.arange(9.).reshape(1, 3, 3), 2x2 kernel",
                       "ko": "문제 설명의 예: x = np.arange(9.).reshape(1, 3, 3), 2x2 커널"},
                      np.arange(9.0).reshape(1, 3, 3), 2, 2)],
    cases=_im2col_cases,
    compare=_compare_result,
    mistakes=[
        (_im2col_channels_last,
         {"en": "order each row channel first: (channel, row, column), like W.reshape(F, -1)",
          "ko": "각 행은 채널이 먼저 오도록 (채널, 행, 열) 순서로 늘어놓으세요. W.reshape(F, -1)과 같은 순서입니다"}),
        (_im2col_column_major,
         {"en": "row i * OW + j is output pixel (i, j): go along each output row first",
          "ko": "행 i * OW + j가 출력 픽셀 (i, j)입니다: 출력의 한 행을 먼저 따라가세요"}),
    ],
    hints=[
        {"en": "Output pixel (i, j) sees the patch `x[:, i*stride : i*stride + kh, j*stride : j*stride + kw]` of the "
               "zero-padded image; flatten each patch into one row.",
         "ko": "출력 픽셀 (i, j)는 0으로 패딩한 이미지의 패치 "
               "`x[:, i*stride : i*stride + kh, j*stride : j*stride + kw]`를 봅니다. 패치마다 한 행으로 펼치세요."},
        {"en": "Pad only the two spatial axes: `np.pad(x, ((0, 0), (pad, pad), (pad, pad)))`. Compute OH and OW with "
               "the output-size formula, loop over i and j in that order, and `.ravel()` each (C, kh, kw) patch: "
               "that is the (channel, row, column) order.",
         "ko": "공간 축 두 개에만 패딩하세요: `np.pad(x, ((0, 0), (pad, pad), (pad, pad)))`. 출력 크기 공식으로 "
               "OH와 OW를 구하고, i와 j를 이 순서로 돌면서 (C, kh, kw) 패치마다 `.ravel()`하세요. 그것이 "
               "(채널, 행, 열) 순서입니다."},
        {"en": "`rows = [xp[:, i*stride:i*stride + kh, j*stride:j*stride + kw].ravel() for i in range(oh) "
               "for j in range(ow)]`; `return np.array(rows, dtype=float)`.",
         "ko": "코드로 쓰면: `rows = [xp[:, i*stride:i*stride + kh, j*stride:j*stride + kw].ravel() for i in range(oh) "
               "for j in range(ow)]`; `return np.array(rows, dtype=float)`."},
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
        c({"en": "one 4x4 channel, size 2", "ko": "4x4 채널 하나, size 2"}, (1, 1, 4, 4), 2),
        c({"en": "batch 2, 3 channels, size 2", "ko": "배치 2, 채널 3개, size 2"}, (2, 3, 4, 6), 2),
        c("size 3", (1, 2, 6, 6), 3),
        c({"en": "all inputs negative", "ko": "모든 입력이 음수"}, (2, 1, 4, 4), 2, sign=-1.0),
        c({"en": "5x5 input: the last row and column are not pooled", "ko": "5x5 입력: 마지막 행과 열은 풀링되지 않음"},
          (1, 2, 5, 5), 2),
        c({"en": "non-square 2x6 input", "ko": "정사각형이 아닌 2x6 입력"}, (1, 1, 2, 6), 2),
        c({"en": "integer x, float dout", "ko": "정수 x, 실수 dout"}, (1, 2, 4, 4), 2, dtype=np.int64),
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
    examples=[example(np.array([[[[0.0, 7.0], [0.0, 0.0]]]]),
                      {"en": "the brief's example: x = [[1, 5], [3, 2]], dout = [[7]]",
                       "ko": "문제 설명의 예: x = [[1, 5], [3, 2]], dout = [[7]]"},
                      np.array([[[[1.0, 5.0], [3.0, 2.0]]]]), np.array([[[[7.0]]]]), 2)],
    cases=_maxpool_cases,
    compare=_compare_result,
    mistakes=[
        (_maxpool_average, {"en": "that is average pooling's gradient: send all of dout to the maximum only",
                            "ko": "그것은 평균 풀링의 기울기입니다: dout 전부를 최댓값 위치에만 보내세요"}),
        (_maxpool_cropped, {"en": "return dx with the shape of x: rows and columns that fill no window get 0",
                            "ko": "dx는 x와 같은 모양으로 반환하세요: 창을 채우지 못하는 행과 열은 0을 받습니다"}),
        (lambda x, dout, size: _ref("maxpool_backward")(np.abs(x), dout, size),
         {"en": "the maximum is the largest value, not the largest |value|",
          "ko": "최댓값은 |값|이 가장 큰 것이 아니라 값이 가장 큰 것입니다"}),
        (lambda x, dout, size: _ref("maxpool_backward")(x, dout, size).astype(np.asarray(x).dtype),
         {"en": "dx got the integer dtype of x and lost the fractions of dout: start from `np.zeros(x.shape)`",
          "ko": "dx가 x의 정수 자료형을 물려받아 dout의 소수 부분을 잃었습니다: `np.zeros(x.shape)`에서 시작하세요"}),
    ],
    hints=[
        {"en": "Pooling passes on only each window's maximum, so only that position receives the window's gradient; "
               "every other position of x gets 0.",
         "ko": "풀링은 각 창의 최댓값만 다음으로 넘기므로, 그 창의 기울기도 그 위치만 받습니다. x의 나머지 위치는 "
               "모두 0을 받습니다."},
        {"en": "Start from `dx = np.zeros(x.shape)`. For each window (i, j), find where the maximum of "
               "`x[:, :, i*size:(i+1)*size, j*size:(j+1)*size]` is (a boolean mask `window == window.max(...)` over "
               "the last two axes, with keepdims=True) and put `dout[:, :, i, j]` there.",
         "ko": "`dx = np.zeros(x.shape)`에서 시작하세요. 각 창 (i, j)에서 "
               "`x[:, :, i*size:(i+1)*size, j*size:(j+1)*size]`의 최댓값이 어디 있는지 찾고 (마지막 두 축에 대해 "
               "keepdims=True로 구한 불리언 마스크 `window == window.max(...)`), 그 자리에 `dout[:, :, i, j]`를 "
               "넣으세요."},
        {"en": "`win = x[:, :, i*s:(i+1)*s, j*s:(j+1)*s]`; `mask = win == win.max(axis=(2, 3), keepdims=True)`; "
               "`dx[:, :, i*s:(i+1)*s, j*s:(j+1)*s] = mask * dout[:, :, i:i+1, j:j+1]`.",
         "ko": "코드로 쓰면: `win = x[:, :, i*s:(i+1)*s, j*s:(j+1)*s]`; "
               "`mask = win == win.max(axis=(2, 3), keepdims=True)`; "
               "`dx[:, :, i*s:(i+1)*s, j*s:(j+1)*s] = mask * dout[:, :, i:i+1, j:j+1]`."},
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
        c({"en": "batch of 2, 1 channel, 3 filters 3x3", "ko": "배치 2, 채널 1개, 3x3 필터 3개"},
          2, 1, 5, 5, 3, 3, 3, 1, 0),
        c({"en": "3 channels, 2 filters, padding 1", "ko": "채널 3개, 필터 2개, 패딩 1"}, 2, 3, 5, 4, 2, 3, 3, 1, 1),
        c({"en": "stride 2, non-square 2x3 kernel, non-square image",
           "ko": "스트라이드 2, 정사각형이 아닌 2x3 커널과 이미지"}, 3, 2, 7, 6, 4, 2, 3, 2, 0),
        c({"en": "stride 2 with padding 2, 5x5 kernel", "ko": "스트라이드 2, 패딩 2, 5x5 커널"},
          1, 2, 6, 6, 3, 5, 5, 2, 2),
        c({"en": "stride 3 leaves the last rows and columns unused",
           "ko": "스트라이드 3이라 마지막 행과 열은 쓰이지 않음"},
          2, 1, 8, 8, 2, 2, 2, 3, 0),
        c({"en": "1x1 kernels (a per-pixel linear map of the channels)",
           "ko": "1x1 커널 (픽셀마다 채널에 적용하는 선형 사상)"}, 2, 4, 3, 3, 5, 1, 1, 1, 0),
        case({"en": "integer images and filters; stride and pad given by name",
              "ko": "정수 이미지와 필터, stride와 pad를 이름으로 전달"}, rng.integers(-3, 4, size=(2, 2, 5, 5)),
             rng.integers(-2, 3, size=(3, 2, 3, 3)), rng.standard_normal((2, 3, 3, 3)), stride=2, pad=1),
    ]


conv2d_backward = CHAPTER.exercise(
    "conv2d_backward",
    examples=[example((np.array([[[[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]]]),
                       np.array([[[[8.0, 12.0], [20.0, 24.0]]]]), np.array([4.0])),
                      {"en": "the brief's example: x = np.arange(9.).reshape(1, 1, 3, 3), one 2x2 filter of ones, "
                             "dout all ones (1, 1, 2, 2)",
                       "ko": "문제 설명의 예: x = np.arange(9.).reshape(1, 1, 3, 3), 모든 원소가 1인 2x2 필터 하나, "
                             "모든 원소가 1인 dout (1, 1, 2, 2)"},
                      np.arange(9.0).reshape(1, 1, 3, 3), np.ones((1, 1, 2, 2)), np.ones((1, 1, 2, 2)))],
    cases=_conv_bwd_cases,
    compare=named_parts("dx", "dW", "db"),
    rtol=1e-6,
    atol=1e-9,
    mistakes=[
        (lambda *a, **k: _conv_bwd(*a, **k, accumulate=False),
         {"en": "a pixel seen by several windows gets the sum of their gradients: add into dx (`+=`), do not "
                "overwrite",
          "ko": "여러 창이 본 픽셀은 그 창들이 보낸 기울기의 합을 받습니다: dx에 덮어쓰지 말고 더하세요 (`+=`)"}),
        (lambda *a, **k: _conv_bwd(*a, **k, flip=True),
         {"en": "do not flip W: at offset (i, j) every output pixel used the weights W[:, :, i, j]",
          "ko": "W를 뒤집지 마세요: 오프셋 (i, j)에서 모든 출력 픽셀은 가중치 W[:, :, i, j]를 썼습니다"}),
        (lambda x, W, dout, stride=1, pad=0: _conv_bwd(x, W, dout, stride, pad, db_axes=(0,)),
         {"en": "db has one value per filter: sum dout over the batch and both spatial axes, (0, 2, 3)",
          "ko": "db는 필터마다 값이 하나입니다: dout을 배치 축과 두 공간 축 (0, 2, 3)에 대해 더하세요"}),
        (lambda x, W, dout, stride=1, pad=0: _conv_bwd(x, W, dout, stride, pad, crop=False),
         {"en": "dx must have the shape of x: cut the padding off, dx_padded[:, :, pad:pad + H, pad:pad + W]",
          "ko": "dx는 x와 모양이 같아야 합니다: 패딩을 잘라 내세요, dx_padded[:, :, pad:pad + H, pad:pad + W]"}),
        (lambda x, W, dout, stride=1, pad=0: _conv_bwd(x, W, dout, stride, pad, step=1),
         {"en": "the windows move `stride` pixels at a time: output pixel p reads rows stride*p + i",
          "ko": "창은 한 번에 `stride` 픽셀씩 움직입니다: 출력 픽셀 p는 행 stride*p + i를 읽습니다"}),
    ],
    hints=[
        {"en": "Loop over the kernel's offsets (i, j), as in `corr2d`. At offset (i, j), output pixel (p, q) "
               "multiplied W[:, :, i, j] with the padded input pixel (stride*p + i, stride*q + j). Each such product "
               "sends gradient both ways: to that weight and to that pixel.",
         "ko": "`corr2d`처럼 커널 오프셋 (i, j)를 도세요. 오프셋 (i, j)에서 출력 픽셀 (p, q)는 W[:, :, i, j]와 "
               "패딩된 입력 픽셀 (stride*p + i, stride*q + j)를 곱했습니다. 이런 곱 하나하나가 양쪽으로, 즉 그 "
               "가중치와 그 픽셀로 기울기를 보냅니다."},
        {"en": "Pad x first. At offset (i, j) the pixels used are "
               "`xp[:, :, i:i + stride*OH:stride, j:j + stride*OW:stride]` (N, C, OH, OW). dW[:, :, i, j] sums dout "
               "(N, F, OH, OW) times them over n, p, q (an F x C result); the same slice of dx_padded receives dout "
               "mixed back through W[:, :, i, j]. db sums dout over axes (0, 2, 3).",
         "ko": "먼저 x를 패딩하세요. 오프셋 (i, j)에서 쓰인 픽셀은 "
               "`xp[:, :, i:i + stride*OH:stride, j:j + stride*OW:stride]` (N, C, OH, OW)입니다. dW[:, :, i, j]는 "
               "dout (N, F, OH, OW)과 그 픽셀들의 곱을 n, p, q에 대해 더한 것 (F x C 결과)이고, dx_padded의 같은 "
               "슬라이스는 W[:, :, i, j]를 거쳐 되섞인 dout을 받습니다. db는 dout을 축 (0, 2, 3)에 대해 더합니다."},
        {"en": "`dW[:, :, i, j] = np.einsum('nfpq,ncpq->fc', dout, patch)`; `dxp[:, :, rows, cols] += "
               "np.einsum('nfpq,fc->ncpq', dout, W[:, :, i, j])`; finally crop the padding off dxp.",
         "ko": "코드로 쓰면: `dW[:, :, i, j] = np.einsum('nfpq,ncpq->fc', dout, patch)`; `dxp[:, :, rows, cols] += "
               "np.einsum('nfpq,fc->ncpq', dout, W[:, :, i, j])`. 마지막으로 dxp에서 패딩을 잘라 내세요."},
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
        model = call(fn, label=tr("building the model", "모델 만들기"))
        if not isinstance(model, nn.Module):
            raise Fail(tr(f"return a torch.nn.Module (e.g. nn.Sequential(...)), not {type(model).__name__}",
                          f"torch.nn.Module을 반환하세요 (예: nn.Sequential(...)). "
                          f"{type(model).__name__}이(가) 아니라"))
        n_params = sum(p.numel() for p in model.parameters())
        if n_params == 0:
            raise Fail(tr("your model has no parameters to train", "모델에 학습할 매개변수가 없습니다"))
        if n_params > MAX_PARAMS:
            raise Fail(tr(f"your model has {n_params:,} parameters; asked: at most {MAX_PARAMS:,}. Count them with "
                          "`sum(p.numel() for p in model.parameters())`: a Linear layer on many pixels costs the most",
                          f"모델의 매개변수가 {n_params:,}개입니다. 목표: {MAX_PARAMS:,}개 이하. "
                          "`sum(p.numel() for p in model.parameters())`로 세어 보세요: 많은 픽셀을 읽는 Linear 층이 "
                          "매개변수를 가장 많이 씁니다"))
        data = _digits()
        out = call(model, data["X_train"][:2], label=tr("a batch of 2 digits, shape (2, 1, 28, 28)",
                                                        "숫자 2개짜리 배치, 모양 (2, 1, 28, 28)"))
        if not isinstance(out, torch.Tensor) or tuple(out.shape) != (2, 10):
            shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            raise Fail(tr(f"for a batch of 2 digits (2, 1, 28, 28) your model returned {shape}; "
                          "expected 10 scores per digit, (2, 10)",
                          f"숫자 2개짜리 배치 (2, 1, 28, 28)에 대해 모델이 {shape}을(를) 반환했습니다. "
                          "숫자마다 점수 10개, 즉 (2, 10)이어야 합니다"))
        optimizer = torch.optim.Adam(model.parameters(), lr=LR)
        order = torch.Generator().manual_seed(0)
        n = len(data["y_train"])
        training = tr("training", "학습")
        model.train()
        for _ in range(EPOCHS):
            perm = torch.randperm(n, generator=order)
            for start in range(0, n, BATCH):
                idx = perm[start : start + BATCH]
                loss = call(F.cross_entropy, call(model, data["X_train"][idx], label=training),
                            data["y_train"][idx], label=training)
                optimizer.zero_grad()
                call(loss.backward, label=training)
                optimizer.step()
        model.eval()
        with torch.no_grad():
            acc = float((model(data["X_val"]).argmax(1) == data["y_val"]).float().mean())
    reached = tr(f"your network ({n_params:,} parameters) reached {acc:.1%} on 500 validation digits after {EPOCHS} "
                 f"epochs; asked: at least {TARGET_ACC:.0%} with at most {MAX_PARAMS:,} parameters",
                 f"여러분의 신경망 (매개변수 {n_params:,}개)은 {EPOCHS}에폭 후 검증용 숫자 500개에서 정확도 "
                 f"{acc:.1%}에 도달했습니다. 목표: 매개변수 {MAX_PARAMS:,}개 이하로 {TARGET_ACC:.0%} 이상")
    if not acc >= TARGET_ACC:
        raise Fail(reached + tr(". Convolutions share their few weights across the image; pooling shrinks what the "
                                "final Linear layer must read",
                                ". 합성곱은 적은 수의 가중치를 이미지 전체에서 공유합니다. 풀링은 마지막 Linear 층이 "
                                "읽어야 할 양을 줄여 줍니다"))
    return reached


build_small_cnn = CHAPTER.exercise(
    "build_small_cnn",
    judge=_judge_small_cnn,
    hints=[
        {"en": "Parameters are spent where a layer connects many inputs to many outputs. A 5x5 filter costs 25 "
               "weights per input channel wherever it slides; a Linear layer reading every pixel of a map costs one "
               "weight per pixel and class. Shrink the maps with pooling before the classifier.",
         "ko": "매개변수는 층이 많은 입력을 많은 출력에 연결하는 곳에서 쓰입니다. 5x5 필터는 어디로 밀리든 입력 "
               "채널마다 가중치 25개만 씁니다. 맵의 모든 픽셀을 읽는 Linear 층은 픽셀과 클래스마다 가중치를 하나씩 "
               "씁니다. 분류기 앞에서 풀링으로 맵을 줄이세요."},
        {"en": "Two stages of Conv2d -> ReLU -> MaxPool2d(2) with few filters (a handful, then about twice as many) "
               "and 5x5 kernels take 28x28 down to 4x4; then `nn.Flatten()` and one `nn.Linear(channels * 4 * 4, 10)`. "
               "Count the parameters before you check.",
         "ko": "필터 수가 적고 (몇 개, 그다음엔 그 두 배쯤) 커널이 5x5인 Conv2d -> ReLU -> MaxPool2d(2) 단계 두 "
               "개면 28x28이 4x4로 줄어듭니다. 그다음 `nn.Flatten()`과 `nn.Linear(channels * 4 * 4, 10)` 하나를 "
               "둡니다. 채점하기 전에 매개변수 수를 세어 보세요."},
        {"en": "`nn.Sequential(nn.Conv2d(1, 4, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(4, 10, 5), nn.ReLU(), "
               "nn.MaxPool2d(2), nn.Flatten(), nn.Linear(10 * 4 * 4, 10))`.",
         "ko": "코드로 쓰면: `nn.Sequential(nn.Conv2d(1, 4, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(4, 10, 5), "
               "nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(10 * 4 * 4, 10))`."},
    ],
)
