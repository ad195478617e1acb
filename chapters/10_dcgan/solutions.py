"""Reference solutions for chapters/10_dcgan/exercises.ipynb (try the exercises first!)."""
import torch.nn.functional as F
from torch import nn


def conv_transpose_output_size(size, kernel, stride=1, padding=0, output_padding=0):
    """Output length of a transposed convolution along one axis.

    (size - 1) * stride - 2 * padding + kernel + output_padding, as nn.ConvTranspose2d computes it.
    """
    return (size - 1) * stride - 2 * padding + kernel + output_padding


def predict_border_stamps():
    """Ones through a transposed conv (kernel of ones, 4x4, stride 2, padding 1): 4 inside, 2 on the edges, 1 in the
    corners; the border pixels lost their second stamp to the cropping."""
    return "c"


def discriminator_loss(real_logits, fake_logits):
    """BCE with label 1 on the real logits plus BCE with label 0 on the fake logits, each averaged over its batch.

    Written with log-sigmoid, which is stable for any logit:
    -log sigmoid(a) for the real ones and -log(1 - sigmoid(a)) = -log sigmoid(-a) for the fakes.
    Returns a 0-dim tensor.
    """
    return -F.logsigmoid(real_logits).mean() - F.logsigmoid(-fake_logits).mean()


def dcgan_discriminator(channels, width):
    """A DCGAN discriminator for (N, channels, 32, 32) images -> logits (N,).

    32 -> 16 -> 8 -> 4 with stride-2 convolutions (no pooling), no batch norm on the first layer, LeakyReLU(0.2),
    and a 4x4 convolution over the whole map for the single logit (no fully connected layer, no sigmoid).
    """
    return nn.Sequential(
        nn.Conv2d(channels, width, kernel_size=4, stride=2, padding=1),  # (N, w, 16, 16), no BN on the input layer
        nn.LeakyReLU(0.2),
        nn.Conv2d(width, 2 * width, kernel_size=4, stride=2, padding=1, bias=False),  # (N, 2w, 8, 8)
        nn.BatchNorm2d(2 * width),
        nn.LeakyReLU(0.2),
        nn.Conv2d(2 * width, 4 * width, kernel_size=4, stride=2, padding=1, bias=False),  # (N, 4w, 4, 4)
        nn.BatchNorm2d(4 * width),
        nn.LeakyReLU(0.2),
        nn.Conv2d(4 * width, 1, kernel_size=4),  # (N, 1, 1, 1): the whole 4x4 map gives one logit
        nn.Flatten(0),  # (N,): one logit per image
    )


def dcgan_generator(nz, channels, width):
    """A DCGAN generator: z (N, nz, 1, 1) -> images (N, channels, 32, 32) in [-1, 1].

    A 4x4 transposed convolution projects z to 4x4 (no fully connected layer), then 4 -> 8 -> 16 -> 32 with
    kernel 4, stride 2, padding 1; batch norm and ReLU inside, no batch norm on the output, Tanh at the end.
    """
    return nn.Sequential(
        nn.ConvTranspose2d(nz, 4 * width, kernel_size=4, stride=1, padding=0, bias=False),  # (N, 4w, 4, 4)
        nn.BatchNorm2d(4 * width),
        nn.ReLU(),
        nn.ConvTranspose2d(4 * width, 2 * width, kernel_size=4, stride=2, padding=1, bias=False),  # (N, 2w, 8, 8)
        nn.BatchNorm2d(2 * width),
        nn.ReLU(),
        nn.ConvTranspose2d(2 * width, width, kernel_size=4, stride=2, padding=1, bias=False),  # (N, w, 16, 16)
        nn.BatchNorm2d(width),
        nn.ReLU(),
        nn.ConvTranspose2d(width, channels, kernel_size=4, stride=2, padding=1),  # (N, channels, 32, 32)
        nn.Tanh(),
    )


def gan_learning_rate():
    """A learning rate with which the 1-D GAN covers both modes within 300 steps: 1e-2 (the band is about 5e-3
    to 3e-2; 1e-3 is too slow for the budget, 0.05 and above collapse onto one mode)."""
    return 1e-2
