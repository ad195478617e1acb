"""Reference solutions to the chapter 05 exercises (합성곱 신경망 연습 문제 풀이).

Each function has the name and signature of a stub in ``exercises.ipynb``; NumPy only.
"""
from __future__ import annotations

import numpy as np


def conv_output_size(size, kernel, stride=1, pad=0):
    """Output length of a convolution or pooling along one axis, as an int."""
    return (size + 2 * pad - kernel) // stride + 1


def corr2d(image, kernel):
    """Valid 2-D cross-correlation: (H, W) and (KH, KW) -> (H - KH + 1, W - KW + 1)."""
    kh, kw = kernel.shape
    oh, ow = image.shape[0] - kh + 1, image.shape[1] - kw + 1
    out = np.zeros((oh, ow))
    for i in range(kh):  # loop over the kernel's offsets: each adds one shifted, scaled copy of the image
        for j in range(kw):
            out += kernel[i, j] * image[i : i + oh, j : j + ow]
    return out


def sobel_magnitude(image):
    """Edge strength sqrt(gx^2 + gy^2) with the 3x3 Sobel kernels and zero padding 1: (H, W) -> (H, W)."""
    kx = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])
    padded = np.pad(image, 1)
    gx, gy = corr2d(padded, kx), corr2d(padded, kx.T)
    return np.sqrt(gx**2 + gy**2)


def im2col_single(x, kh, kw, stride=1, pad=0):
    """Patches of one image as rows: (C, H, W) -> (OH * OW, C * KH * KW), each row in (channel, row, column) order."""
    c, h, w = x.shape
    x = np.pad(x, ((0, 0), (pad, pad), (pad, pad)))
    oh, ow = (h + 2 * pad - kh) // stride + 1, (w + 2 * pad - kw) // stride + 1
    cols = np.zeros((c, kh, kw, oh, ow))
    for i in range(kh):
        for j in range(kw):
            cols[:, i, j] = x[:, i : i + stride * oh : stride, j : j + stride * ow : stride]
    return cols.reshape(c * kh * kw, oh * ow).T


def conv2d_forward(x, W, b, stride=1, pad=0):
    """Batched convolution: x (N, C, H, W), W (F, C, KH, KW), b (F,) -> (N, F, OH, OW)."""
    n, _, h, w = x.shape
    f, _, kh, kw = W.shape
    oh, ow = (h + 2 * pad - kh) // stride + 1, (w + 2 * pad - kw) // stride + 1
    col = np.concatenate([im2col_single(img, kh, kw, stride, pad) for img in x])  # (N*OH*OW, C*KH*KW)
    out = col @ W.reshape(f, -1).T + b  # (N*OH*OW, F)
    return out.reshape(n, oh, ow, f).transpose(0, 3, 1, 2)


def maxpool_backward(x, dout, size):
    """Gradient of non-overlapping max pooling (stride = size): x (N, C, H, W), dout (N, C, OH, OW) -> dx like x."""
    n, c, h, w = x.shape
    oh, ow = h // size, w // size
    windows = x[:, :, : oh * size, : ow * size].reshape(n, c, oh, size, ow, size)
    windows = windows.transpose(0, 1, 2, 4, 3, 5).reshape(n, c, oh, ow, size * size)
    onehot = np.eye(size * size)[windows.argmax(axis=-1)]  # 1 at each window's maximum
    grad = (onehot * dout[..., None]).reshape(n, c, oh, ow, size, size).transpose(0, 1, 2, 4, 3, 5)
    dx = np.zeros_like(x, dtype=float)
    dx[:, :, : oh * size, : ow * size] = grad.reshape(n, c, oh * size, ow * size)
    return dx
