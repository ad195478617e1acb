"""Reference solutions for chapters/10_dcgan/exercises.ipynb (try the exercises first!)."""
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


def conv_transpose_output_size(size, kernel, stride=1, padding=0, output_padding=0):
    """Output length of a transposed convolution along one axis.

    (size - 1) * stride - 2 * padding + kernel + output_padding, as nn.ConvTranspose2d computes it.
    """
    return (size - 1) * stride - 2 * padding + kernel + output_padding


def discriminator_loss(real_logits, fake_logits):
    """BCE with label 1 on the real logits plus BCE with label 0 on the fake logits, each averaged over its batch.

    Written with log-sigmoid, which is stable for any logit:
    -log sigmoid(a) for the real ones and -log(1 - sigmoid(a)) = -log sigmoid(-a) for the fakes.
    Returns a 0-dim tensor.
    """
    return -F.logsigmoid(real_logits).mean() - F.logsigmoid(-fake_logits).mean()


def generator_loss(fake_logits):
    """Non-saturating generator loss -mean(log D(G(z))) from the discriminator's logits on fakes (0-dim tensor)."""
    return F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))


def dcgan_init(module):
    """DCGAN initialisation for ``model.apply``: conv / transposed-conv weights ~ N(0, 0.02) and biases 0;
    batch-norm scales ~ N(1, 0.02) and shifts 0; every other module untouched."""
    if isinstance(module, nn.Conv2d | nn.ConvTranspose2d):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


@torch.no_grad()
def ema_update(ema_model, model, decay):
    """In place: every parameter of ``ema_model`` <- decay * itself + (1 - decay) * the same parameter of ``model``;
    buffers (batch-norm running statistics) are copied from ``model``."""
    for p_ema, p in zip(ema_model.parameters(), model.parameters()):
        p_ema.mul_(decay).add_(p, alpha=1.0 - decay)
    for b_ema, b in zip(ema_model.buffers(), model.buffers()):
        b_ema.copy_(b)


def coverage(probs, threshold=0.9):
    """probs: (N, C) class probabilities -> (share of rows whose largest probability is > threshold,
    (C,) share of rows predicted as each class)."""
    probs = np.asarray(probs)
    confident = float((probs.max(axis=1) > threshold).mean())
    shares = np.bincount(probs.argmax(axis=1), minlength=probs.shape[1]) / len(probs)
    return confident, shares
