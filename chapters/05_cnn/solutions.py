"""Reference solutions to the chapter 05 exercises (합성곱 신경망 연습 문제 풀이).

Each function has the name and signature of a stub in ``exercises.ipynb``: NumPy for the layers, PyTorch for
the experiment.
"""
from __future__ import annotations

import numpy as np
from torch import nn


def corr2d(image, kernel):
    """Valid 2-D cross-correlation: (H, W) and (KH, KW) -> (H - KH + 1, W - KW + 1)."""
    kh, kw = kernel.shape
    oh, ow = image.shape[0] - kh + 1, image.shape[1] - kw + 1
    out = np.zeros((oh, ow))
    for i in range(kh):  # loop over the kernel's offsets: each adds one shifted, scaled copy of the image
        for j in range(kw):
            out += kernel[i, j] * image[i : i + oh, j : j + ow]
    return out


def predict_shifted_map():
    """Shift the digit 3 pixels right: its feature map shifts 3 pixels right too (translation equivariance)."""
    return "b"


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


def conv2d_backward(x, W, dout, stride=1, pad=0):
    """Gradients of out = conv2d(x, W, b, stride, pad): dout (N, F, OH, OW) -> (dx like x, dW like W, db (F,)).

    One loop over the kernel's offsets (i, j): at that offset every output pixel (p, q) multiplied
    W[:, :, i, j] with the input pixel (stride*p + i, stride*q + j) of the padded image.
    """
    n, c, h, w = x.shape
    kh, kw = W.shape[2:]
    oh, ow = dout.shape[2:]
    xp = np.pad(np.asarray(x, dtype=float), ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp = np.zeros_like(xp)
    dW = np.zeros(W.shape)
    for i in range(kh):
        for j in range(kw):
            rows, cols = np.s_[i : i + stride * oh : stride], np.s_[j : j + stride * ow : stride]
            dW[:, :, i, j] = np.einsum("nfpq,ncpq->fc", dout, xp[:, :, rows, cols])
            dxp[:, :, rows, cols] += np.einsum("nfpq,fc->ncpq", dout, W[:, :, i, j])  # overlapping windows add up
    db = dout.sum(axis=(0, 2, 3))
    return dxp[:, :, pad : pad + h, pad : pad + w], dW, db


def build_small_cnn():
    """A CNN for 28x28 digits with at most 3,000 parameters (this one: 2,724) for the 92% validation target."""
    return nn.Sequential(
        nn.Conv2d(1, 4, kernel_size=5), nn.ReLU(), nn.MaxPool2d(2),  # (N, 4, 12, 12)
        nn.Conv2d(4, 10, kernel_size=5), nn.ReLU(), nn.MaxPool2d(2),  # (N, 10, 4, 4)
        nn.Flatten(), nn.Linear(10 * 4 * 4, 10),
    )
