"""Chapter 05 checkers: the reference solutions pass, and plausible mistakes are caught with a useful message."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from common.checkers import ch05
from conftest import CHAPTERS, load_solutions

sol = load_solutions(CHAPTERS / "05_cnn")
KX = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])


def check(name, fn):
    return getattr(ch05, name).check(fn)


# --------------------------------------------------------------------------- plausible wrong answers
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


def _bwd_overwrites(x, W, dout, stride=1, pad=0):
    n, c, h, w = x.shape
    kh, kw = W.shape[2:]
    oh, ow = dout.shape[2:]
    _, dW, db = sol.conv2d_backward(x, W, dout, stride, pad)
    dxp = np.zeros((n, c, h + 2 * pad, w + 2 * pad))
    for i in range(kh):
        for j in range(kw):
            dxp[:, :, i : i + stride * oh : stride, j : j + stride * ow : stride] = np.einsum(
                "nfpq,fc->ncpq", dout, W[:, :, i, j])  # = instead of +=: the last window wins
    return dxp[:, :, pad : pad + h, pad : pad + w], dW, db


def _bwd_flipped(x, W, dout, stride=1, pad=0):
    dx, _, _ = sol.conv2d_backward(x, W[:, :, ::-1, ::-1], dout, stride, pad)
    return dx, *sol.conv2d_backward(x, W, dout, stride, pad)[1:]


def _bwd_db_batch_only(x, W, dout, stride=1, pad=0):
    dx, dW, _ = sol.conv2d_backward(x, W, dout, stride, pad)
    return dx, dW, dout.sum(axis=0)


def _bwd_padded_dx(x, W, dout, stride=1, pad=0):
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dx, dW, db = sol.conv2d_backward(xp, W, dout, stride, 0)  # dx of the padded image, never cropped
    return dx, dW, db


def _bwd_dW_swapped(x, W, dout, stride=1, pad=0):
    dx, dW, db = sol.conv2d_backward(x, W, dout, stride, pad)
    return dx, dW.transpose(1, 0, 2, 3), db


def _bwd_no_stride(x, W, dout, stride=1, pad=0):
    n, c, h, w = x.shape
    kh, kw = W.shape[2:]
    oh, ow = dout.shape[2:]
    xp = np.pad(x.astype(float), ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp, dW = np.zeros_like(xp), np.zeros(W.shape)
    for i in range(kh):
        for j in range(kw):  # windows one pixel apart, whatever the stride
            dW[:, :, i, j] = np.einsum("nfpq,ncpq->fc", dout, xp[:, :, i : i + oh, j : j + ow])
            dxp[:, :, i : i + oh, j : j + ow] += np.einsum("nfpq,fc->ncpq", dout, W[:, :, i, j])
    return dxp[:, :, pad : pad + h, pad : pad + w], dW, dout.sum(axis=(0, 2, 3))


def _bwd_dx_only(x, W, dout, stride=1, pad=0):
    return sol.conv2d_backward(x, W, dout, stride, pad)[0]


def _bwd_weight_from_dout_only(x, W, dout, stride=1, pad=0):
    dx, dW, db = sol.conv2d_backward(x, W, dout, stride, pad)
    return dx, dW / 2, db  # e.g. a mean instead of a sum over the batch


def _mlp_on_budget():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 3), nn.ReLU(), nn.Linear(3, 10))


def _mlp_over_budget():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))


def _cnn_without_classifier():
    return nn.Sequential(nn.Conv2d(1, 4, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(4, 8, 5), nn.Flatten())


def _cnn_class_not_instance():
    return nn.Conv2d


WRONG_PREDICTIONS = [
    (lambda: "a", "you chose 'a'"),
    (lambda: "c", "you chose 'c'"),
    (lambda: "shifted", "answer with one of 'a', 'b', 'c'"),
    (lambda: 3, "answer with one of"),
]


WRONG = [
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
    ("maxpool_backward", _maxpool_average, "average pooling"),
    ("maxpool_backward", _maxpool_zeros_like_dout, "wrong shape"),
    ("maxpool_backward", _maxpool_abs, "not the largest |value|"),
    ("maxpool_backward", _maxpool_cropped, "shape of x"),
    ("maxpool_backward", _maxpool_like_x, "integer dtype of x"),
    ("maxpool_backward", _maxpool_reuses_x, "changed its input `x` in place"),
    ("conv2d_backward", _bwd_overwrites, "add into dx (`+=`)"),
    ("conv2d_backward", _bwd_flipped, "do not flip W"),
    ("conv2d_backward", _bwd_db_batch_only, "wrong shape of the db"),
    ("conv2d_backward", _bwd_padded_dx, "wrong shape of the dx"),
    ("conv2d_backward", _bwd_dW_swapped, "wrong shape of the dW"),
    ("conv2d_backward", _bwd_no_stride, "move `stride` pixels at a time"),
    ("conv2d_backward", _bwd_dx_only, "expected a tuple (dx, dW, db)"),
    ("conv2d_backward", _bwd_weight_from_dout_only, "wrong value of the dW"),
]


@pytest.mark.parametrize("name, wrong, words", WRONG, ids=[f"{n}-{w.__name__.strip('_')}" for n, w, _ in WRONG])
def test_plausible_mistake_is_rejected(name, wrong, words):
    result = check(name, wrong)
    assert not result.passed, f"{wrong.__name__} was accepted"
    assert words in result.message, str(result)
    assert "case:" in result.message


@pytest.mark.parametrize(
    "name, wrong, hint",
    [("corr2d", _corr2d_flipped, "cross-correlation"), ("sobel_magnitude", _sobel_no_padding, "np.pad(image, 1)"),
     ("im2col_single", _im2col_channels_last, "channel first"), ("maxpool_backward", _maxpool_average, "maximum only"),
     ("conv2d_backward", _bwd_overwrites, "sum of their"), ("conv2d_backward", _bwd_flipped, "W[:, :, i, j]")],
)
def test_a_classic_mistake_is_named(name, wrong, hint):
    message = check(name, wrong).message
    assert "Hint:" in message and hint in message.split("Hint:", 1)[1], message


def test_integer_and_float32_answers_are_accepted():
    assert check("im2col_single", lambda *a, **k: sol.im2col_single(*a, **k).astype(np.float32))
    assert check("conv2d_backward", lambda *a, **k: tuple(g.astype(np.float32) for g in sol.conv2d_backward(*a, **k)))


def test_the_conv_backward_reference_equals_autograd():
    rng = np.random.default_rng(0)
    for shape, f, kernel, stride, pad in [((2, 3, 7, 6), 4, (3, 2), 2, 1), ((1, 2, 9, 8), 3, (4, 4), 3, 2)]:
        x = torch.tensor(rng.standard_normal(shape), requires_grad=True)
        W = torch.tensor(rng.standard_normal((f, shape[1], *kernel)), requires_grad=True)
        b = torch.zeros(f, dtype=torch.float64, requires_grad=True)
        out = F.conv2d(x, W, b, stride=stride, padding=pad)
        dout = torch.tensor(rng.standard_normal(out.shape))
        out.backward(dout)
        ours = sol.conv2d_backward(x.detach().numpy(), W.detach().numpy(), dout.numpy(), stride, pad)
        for mine, theirs in zip(ours, (x.grad, W.grad, b.grad)):
            np.testing.assert_allclose(mine, theirs.numpy(), atol=1e-12)


@pytest.mark.parametrize("wrong, words", WRONG_PREDICTIONS)
def test_a_wrong_prediction_is_rejected_and_says_why(wrong, words):
    result = check("predict_shifted_map", wrong)
    assert not result.passed and words in result.message, str(result)
    if "you chose" in words:
        assert "weight sharing" in result.message  # the why is shown either way


def test_the_right_prediction_says_why():
    result = check("predict_shifted_map", lambda: " B ")
    assert result.passed and "translation-equivariant" in result.message


def test_the_experiment_reports_what_the_run_reached():
    result = check("build_small_cnn", sol.build_small_cnn)
    assert result.passed and "parameters) reached" in result.message and "asked: at least 92%" in result.message
    again = check("build_small_cnn", sol.build_small_cnn)
    assert again.message == result.message, "the run is seeded: the same design reaches the same accuracy"


@pytest.mark.parametrize("wrong, words", [
    (_mlp_on_budget, "your network (2,395 parameters) reached"),
    (_mlp_over_budget, "your model has 101,770 parameters; asked: at most 3,000"),
    (_cnn_without_classifier, "returned (2, 512); expected 10 scores per digit"),
    (_cnn_class_not_instance, "return a torch.nn.Module"),
])
def test_an_experiment_that_misses_the_target_is_rejected(wrong, words):
    result = check("build_small_cnn", wrong)
    assert not result.passed and words in result.message, str(result)


# --------------------------------------------------------------------------- the Korean edition


KOREAN_WRONG = [
    ("corr2d", _corr2d_flipped, "커널을 뒤집었습니다: 그것은 수학에서 말하는 합성곱입니다"),
    ("corr2d", _corr2d_cropped, "결과의 모양(shape)이 틀렸습니다: 기대값 (3, 3), 받은 값 (2, 3)"),
    ("sobel_magnitude", _sobel_no_padding, "0으로 된 행/열을 하나씩 덧대세요"),
    ("im2col_single", _im2col_channels_last, "(채널, 행, 열) 순서로 늘어놓으세요"),
    ("maxpool_backward", _maxpool_average, "평균 풀링의 기울기입니다: dout 전부를 최댓값 위치에만 보내세요"),
    ("conv2d_backward", _bwd_overwrites, "덮어쓰지 말고 더하세요 (`+=`)"),
]


@pytest.mark.parametrize("name, wrong, words", KOREAN_WRONG, ids=[f"{w[0]}-{i}" for i, w in enumerate(KOREAN_WRONG)])
def test_a_wrong_answer_is_explained_in_korean(korean, name, wrong, words):
    result = check(name, wrong)
    assert not result.passed and str(result).startswith("실패"), str(result)
    assert words in result.message and "사례:" in result.message, str(result)


def test_a_wrong_prediction_is_explained_in_korean(korean):
    result = check("predict_shifted_map", lambda: "a")
    assert not result.passed and "'a'(이전과 같은 맵)를 골랐습니다" in result.message, str(result)
    assert "가중치 공유" in result.message and "이동 등변성" in result.message, str(result)


@pytest.mark.parametrize("wrong, words", [
    (_mlp_on_budget, "여러분의 신경망 (매개변수 2,395개)은 3에폭 후 검증용 숫자 500개에서 정확도"),
    (_mlp_over_budget, "모델의 매개변수가 101,770개입니다. 목표: 3,000개 이하"),
    (_cnn_without_classifier, "모델이 (2, 512)을(를) 반환했습니다. 숫자마다 점수 10개"),
])
def test_an_experiment_that_misses_the_target_is_told_in_korean(korean, wrong, words):
    result = check("build_small_cnn", wrong)
    assert not result.passed and words in result.message, str(result)
