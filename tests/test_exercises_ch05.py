"""Chapter 05 checkers: the reference solutions pass, classic mistakes are rejected with a useful message."""

import numpy as np
import pytest

from common.checkers import ch05
from conftest import CHAPTERS, load_solutions

sol = load_solutions(CHAPTERS / "05_cnn")


def _sobel_x_only(image):
    kx = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])
    return np.abs(sol.corr2d(np.pad(image, 1), kx))


def _maxpool_backward_average(x, dout, size):
    return np.repeat(np.repeat(dout, size, axis=2), size, axis=3) / size**2


def _im2col_channels_last(x, kh, kw, stride=1, pad=0):
    col = sol.im2col_single(x, kh, kw, stride, pad)
    return col.reshape(len(col), x.shape[0], kh * kw).transpose(0, 2, 1).reshape(col.shape)


WRONG = [
    ("conv_output_size", lambda s, k, st=1, p=0: (s + 2 * p - k) // st, "Hint: count the first position"),
    ("conv_output_size", lambda s, k, st=1, p=0: (s + p - k) // st + 1, "both sides"),
    ("conv_output_size", lambda s, k, st=1, p=0: (s + 2 * p - k) / st + 1, "expected an int"),
    ("corr2d", lambda im, k: sol.corr2d(im, k[::-1, ::-1]), "flipped the kernel"),
    ("corr2d", lambda im, k: sol.corr2d(im, k)[:-1], "wrong shape"),
    ("sobel_magnitude", _sobel_x_only, "both gradients"),
    ("sobel_magnitude", lambda im: sol.sobel_magnitude(im) ** 2, "square root"),
    ("sobel_magnitude", lambda im: sol.sobel_magnitude(im)[1:-1, 1:-1], "wrong shape"),
    ("im2col_single", _im2col_channels_last, "channel first"),
    ("im2col_single", lambda x, kh, kw, stride=1, pad=0: sol.im2col_single(x, kh, kw, 1, pad), "wrong shape"),
    ("im2col_single", lambda x, kh, kw, stride=1, pad=0: sol.im2col_single(x, kh, kw, stride, pad).T, "wrong shape"),
    ("conv2d_forward", lambda x, W, b, stride=1, pad=0: sol.conv2d_forward(x, W, 0 * b, stride, pad), "bias"),
    ("conv2d_forward", lambda x, W, b, stride=1, pad=0: sol.conv2d_forward(x, W, b, stride, pad)
     .transpose(0, 2, 3, 1).reshape(sol.conv2d_forward(x, W, b, stride, pad).shape), "transpose"),
    ("conv2d_forward", lambda x, W, b, stride=1, pad=0: sol.conv2d_forward(x, W[:, :, ::-1, ::-1], b, stride, pad),
     "flip"),
    ("maxpool_backward", _maxpool_backward_average, "average pooling"),
    ("maxpool_backward", lambda x, dout, size: np.zeros_like(dout), "wrong shape"),
    ("maxpool_backward", lambda x, dout, size: sol.maxpool_backward(np.abs(x), dout, size), "all inputs negative"),
]


@pytest.mark.parametrize("name, wrong, words", WRONG, ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(WRONG)])
def test_wrong_answer_is_rejected(name, wrong, words):
    result = getattr(ch05, f"check_{name}")(wrong)
    assert not result.passed
    assert words in result.message, result.message


