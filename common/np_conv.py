"""Convolution and pooling layers in NumPy, vectorised with im2col / col2im.

``im2col`` copies every receptive field (the patch a filter sees) into one row of a
matrix, so a whole convolution becomes a single matrix product; ``col2im`` is its
adjoint: it adds the rows back onto the image, summing where patches overlap, which
is what the backward pass needs. No Python loop runs over pixels or batch items; the
only loops run over the KH x KW offsets inside a filter.

Layers follow the protocol of :mod:`common.np_layers` (``forward``, ``backward``,
``params``, ``grads``) and use PyTorch's layout: images (N, C, H, W), filters
(C_out, C_in, KH, KW). ``tests/test_np_conv.py`` checks them against ``F.conv2d`` and
``F.max_pool2d`` in float64.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from common.np_layers import Layer


def conv_output_size(size: int, kernel: int, stride: int = 1, pad: int = 0) -> int:
    """Output length along one axis: floor((size + 2 pad - kernel) / stride) + 1."""
    return (size + 2 * pad - kernel) // stride + 1


def im2col(x: np.ndarray, kh: int, kw: int, stride: int = 1, pad: int = 0) -> np.ndarray:
    """Unfold the receptive fields of ``x`` (N, C, H, W) into rows.

    Returns (N * OH * OW, C * KH * KW): row ``(n * OH + i) * OW + j`` holds the patch under
    output pixel (i, j) of image n, flattened in (channel, row, column) order, the order
    of ``W.reshape(C_out, -1)`` for filters W (C_out, C, KH, KW).
    """
    n, c = x.shape[:2]
    x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad))) if pad else x
    windows = sliding_window_view(x, (kh, kw), axis=(2, 3))[:, :, ::stride, ::stride]  # (N, C, OH, OW, KH, KW)
    oh, ow = windows.shape[2:4]
    return windows.transpose(0, 2, 3, 1, 4, 5).reshape(n * oh * ow, c * kh * kw)


def col2im(col: np.ndarray, x_shape, kh: int, kw: int, stride: int = 1, pad: int = 0) -> np.ndarray:
    """Fold rows (N * OH * OW, C * KH * KW) back into an image of ``x_shape`` (N, C, H, W).

    Values that came from the same pixel (overlapping patches) are summed: this is the
    transpose of :func:`im2col`, so it maps d(col) to d(x).
    """
    n, c, h, w = x_shape
    oh, ow = conv_output_size(h, kh, stride, pad), conv_output_size(w, kw, stride, pad)
    col = col.reshape(n, oh, ow, c, kh, kw).transpose(0, 3, 4, 5, 1, 2)  # (N, C, KH, KW, OH, OW)
    img = np.zeros((n, c, h + 2 * pad, w + 2 * pad), dtype=col.dtype)
    for i in range(kh):  # loops over the filter's offsets only
        for j in range(kw):
            img[:, :, i : i + stride * oh : stride, j : j + stride * ow : stride] += col[:, :, i, j]
    return img[:, :, pad : pad + h, pad : pad + w]


class Conv2d(Layer):
    """2-D convolution (cross-correlation, as in every deep-learning library).

    W: (C_out, C_in, KH, KW), b: (C_out,); x: (N, C_in, H, W) -> (N, C_out, OH, OW) with
    OH = floor((H + 2 pad - KH) / stride) + 1 (the same for OW).
    """

    def __init__(self, W: np.ndarray, b: np.ndarray, stride: int = 1, pad: int = 0) -> None:
        super().__init__()
        self.params = [W, b]
        self.grads = [np.zeros_like(W), np.zeros_like(b)]
        self.stride, self.pad = stride, pad

    def forward(self, x):
        W, b = self.params
        c_out, _, kh, kw = W.shape
        n, _, h, w = x.shape
        oh, ow = conv_output_size(h, kh, self.stride, self.pad), conv_output_size(w, kw, self.stride, self.pad)
        self.x_shape = x.shape
        self.col = im2col(x, kh, kw, self.stride, self.pad)  # (N*OH*OW, C_in*KH*KW)
        out = self.col @ W.reshape(c_out, -1).T + b  # one matrix product does every dot product
        return out.reshape(n, oh, ow, c_out).transpose(0, 3, 1, 2)

    def backward(self, dout):
        W, _ = self.params
        c_out, _, kh, kw = W.shape
        dout = dout.transpose(0, 2, 3, 1).reshape(-1, c_out)  # (N*OH*OW, C_out), rows as in col
        self.grads[0][...] = (dout.T @ self.col).reshape(W.shape)
        self.grads[1][...] = dout.sum(axis=0)
        dcol = dout @ W.reshape(c_out, -1)
        return col2im(dcol, self.x_shape, kh, kw, self.stride, self.pad)


class MaxPool2d(Layer):
    """Max pooling over ``size`` x ``size`` windows (stride defaults to ``size``), channel by channel.

    x: (N, C, H, W) -> (N, C, OH, OW). The gradient flows only to the maximum of each window
    (the first one if several are equal).
    """

    def __init__(self, size: int = 2, stride: int | None = None) -> None:
        super().__init__()
        self.size, self.stride = size, stride or size

    def forward(self, x):
        n, c, h, w = x.shape
        k, s = self.size, self.stride
        oh, ow = conv_output_size(h, k, s), conv_output_size(w, k, s)
        col = im2col(x.reshape(n * c, 1, h, w), k, k, s)  # channels pooled separately: (N*C*OH*OW, K*K)
        self.x_shape, self.argmax = x.shape, col.argmax(axis=1)
        return col[np.arange(len(col)), self.argmax].reshape(n, c, oh, ow)

    def backward(self, dout):
        n, c, h, w = self.x_shape
        k = self.size
        dcol = np.zeros((dout.size, k * k), dtype=dout.dtype)
        dcol[np.arange(dout.size), self.argmax] = dout.ravel()
        return col2im(dcol, (n * c, 1, h, w), k, k, self.stride).reshape(self.x_shape)


class Flatten(Layer):
    """(N, C, H, W) -> (N, C*H*W), as Keras' ``Flatten`` and ``nn.Flatten``; backward restores the shape."""

    def forward(self, x):
        self.x_shape = x.shape
        return x.reshape(len(x), -1)

    def backward(self, dout):
        return dout.reshape(self.x_shape)
