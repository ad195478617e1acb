"""Exercises of chapter 10, DCGAN: ``checks.<name>.check(fn)``, ``.hint()``, ``.solution()``.

The reference answers are the chapter's ``solutions.py``; this module holds what is specific to each
exercise: its cases, the brief's worked example, classic mistakes, judges and hints.
"""
from __future__ import annotations

import copy
import numbers

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from common.checks import Chapter, Fail, call, case, compare_values, example, one_number

CHAPTER = Chapter("10_dcgan")
__getattr__ = CHAPTER.legacy


# --------------------------------------------------------------------------- 1. conv_transpose_output_size
def _size_with(size, kernel, stride=1, padding=0, output_padding=0, formula="right"):
    s, k, st, p, op = size, kernel, stride, padding, output_padding
    return {
        "right": (s - 1) * st - 2 * p + k + op,
        "conv": (s + 2 * p - k) // st + 1,
        "no minus one": s * st - 2 * p + k + op,
        "plus padding": (s - 1) * st + 2 * p + k + op,
        "no output_padding": (s - 1) * st - 2 * p + k,
    }[formula]


conv_transpose_output_size = CHAPTER.exercise(
    "conv_transpose_output_size",
    examples=[
        example(14, "the brief's example: 7 pixels, kernel 4, stride 2, padding 1", 7, 4, 2, 1),
        example(7, "the brief's example: 1 pixel, kernel 7, the other arguments left at their defaults", 1, 7),
    ],
    cases=[
        case("the DCGAN layer 14 -> ?: kernel 4, stride 2, padding 1", 14, 4, 2, 1),
        case("3 pixels, kernel 3, stride 2, no padding", 3, 3, 2, 0),
        case("5 pixels, kernel 5, stride 3, padding 2", 5, 5, 3, 2),
        case("5 pixels, kernel 3, stride 2, padding 1, output_padding 1", 5, 3, 2, 1, 1),
        case("4 pixels, kernel 2, stride 3, output_padding 2 given by name", 4, 2, 3, output_padding=2),
        case("1 pixel, kernel 1, stride 1 (the identity)", 1, 1, 1, 0),
    ],
    returns=int,
    rtol=0,
    atol=0,
    what="output size",
    mistakes=[
        (lambda *a, **k: _size_with(*a, **k, formula="conv"),
         "that is the formula of an ordinary convolution; the transposed one runs it backwards: "
         "(size-1)*stride - 2*padding + kernel"),
        (lambda *a, **k: _size_with(*a, **k, formula="no minus one"),
         "the input's size minus one is multiplied by the stride"),
        (lambda *a, **k: _size_with(*a, **k, formula="plus padding"),
         "padding crops the output of a transposed convolution: subtract 2*padding"),
        (lambda *a, **k: _size_with(*a, **k, formula="no output_padding"),
         "output_padding adds that many pixels at the end"),
    ],
    hints=[
        "Run an ordinary convolution backwards: the kernel is stamped once per input pixel, `stride` pixels apart, "
        "then `padding` pixels are cropped from each border and `output_padding` pixels are added at the end.",
        "The stamps start `stride` apart, so the first and the last start (size - 1) * stride pixels apart; the "
        "last stamp adds `kernel` pixels. Then subtract the padding of both borders.",
        "`return (size - 1) * stride - 2 * padding + kernel + output_padding` (integers in, an int out).",
    ],
)


# --------------------------------------------------------------------------- 2. predict_border_stamps (predict)
predict_border_stamps = CHAPTER.predict(
    "predict_border_stamps",
    why="Inside, each pixel is under 2 stamps per axis: 2 x 2 = 4. Along an axis the full output's 2 outermost "
        "pixels at each end get 1 stamp; padding=1 crops only one of them, so the border keeps 1 per axis: 2 on the "
        "edges, 1 in the corners.",
    options={"a": "4 everywhere", "b": "a checkerboard, as with kernel 3",
             "c": "4 inside, less on the border"},
    hints=["Work along one axis first: with kernel 4 and stride 2, which input pixels' stamps cover output pixel 0 "
           "of the full (uncropped) output, pixel 1, pixel 2? Then remember that padding=1 crops one pixel from "
           "each end.",
           "Along one axis, the uncropped pixels get 1, 1, 2, 2, ..., 2, 1, 1 stamps; the cropping removes the first "
           "and the last. A 2-D pixel gets the product of its two axes' counts. Answer with the key."],
)


# --------------------------------------------------------------------------- 3. discriminator_loss
def _bce(logits, label, reduction="mean"):
    return F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, float(label)), reduction=reduction)


def _bce_of_probabilities(logits, label):
    return F.binary_cross_entropy(torch.sigmoid(logits), torch.full_like(logits, float(label)))


_CLIPPED = ("F.binary_cross_entropy on sigmoid outputs cuts log(0) off at -100, so very confident logits give a "
            "wrong loss: pass the logits to F.binary_cross_entropy_with_logits")


def _compare_loss(expected, got, rtol=1e-5, atol=1e-6) -> str | None:
    if isinstance(got, torch.Tensor) and got.ndim > 0:
        fix = "average with .mean()" if got.numel() == 1 else "average over the batch"
        return f"expected a 0-dim tensor (one number), got shape {tuple(got.shape)}: {fix}"
    if isinstance(got, numbers.Number | np.ndarray):
        return f"expected a torch.Tensor, got {type(got).__name__}: keep the loss a tensor so .backward() works"
    if isinstance(got, torch.Tensor) and got.is_floating_point() and not torch.isfinite(got).all():
        return (f"the loss is {got.item()} on large logits: log(sigmoid(x)) under/overflows, use the stable "
                "F.binary_cross_entropy_with_logits or F.logsigmoid")
    return compare_values(expected, got, rtol, atol, what="loss")


def _logits(seed: int, *shape, scale: float = 2.0) -> torch.Tensor:
    """Random logits that require grad (a leaf, like a discriminator's output would be part of a graph)."""
    return (scale * torch.randn(*shape, generator=torch.Generator().manual_seed(seed))).requires_grad_()


def _leaf(values) -> torch.Tensor:
    return torch.tensor(values, requires_grad=True)


def _discriminator_cases():
    return [
        case("8 real and 8 fake logits, shape (8, 1)", _logits(1, 8, 1), _logits(2, 8, 1)),
        case("5 real and 3 fake logits, shape (N,)", _logits(3, 5), _logits(4, 3)),
        case("a batch of 1", _logits(5, 1, 1), _logits(6, 1, 1)),
        case("2 real logits and 6 fake ones: each half is a mean over its own batch", _logits(11, 2, 1),
             _logits(12, 6, 1)),
        case("large logits +-300 (needs a stable formula)", _leaf([[300.0], [-300.0], [3.0]]),
             _leaf([[-300.0], [300.0], [-1.0]])),
    ]


discriminator_loss = CHAPTER.exercise(
    "discriminator_loss",
    examples=[
        example(torch.tensor(0.9808292530117262),
                "the brief's example: one real logit log 3 (D says 3/4) and one fake logit 0: log(4/3) + log 2",
                _leaf([[1.0986122886681098]]), _leaf([[0.0]])),
        example(torch.tensor(1.3862943611198906), "the brief's example: all logits 0 (D says 1/2): 2 log 2",
                torch.zeros(4, 1, requires_grad=True), torch.zeros(4, 1, requires_grad=True)),
    ],
    cases=_discriminator_cases,
    compare=_compare_loss,
    differentiable=True,
    mistakes=[
        (lambda r, f: _bce(r, 0) + _bce(f, 1), "the labels are swapped: real images are labelled 1, fakes 0"),
        (lambda r, f: (_bce(r, 1) + _bce(f, 0)) / 2,
         "add the two batch means; don't average them, nor take one mean over both batches put together"),
        (lambda r, f: _bce(r, 1), "the fake half is missing: D must also push D(G(z)) towards 0"),
        (lambda r, f: _bce(r, 1, "sum") + _bce(f, 0, "sum"), "average over the batch (mean), don't sum"),
        (lambda r, f: _bce_of_probabilities(r, 1) + _bce_of_probabilities(f, 0), _CLIPPED),
    ],
    hints=[
        "Two binary cross-entropies, one per batch: the real logits with the label 1, the fake ones with the label "
        "0. Work on the logits (before the sigmoid), which is stable.",
        "`F.binary_cross_entropy_with_logits(logits, target)` averages over the batch; `torch.ones_like` and "
        "`torch.zeros_like` make the targets. Add the two losses.",
        "`return F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits)) + "
        "F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))`.",
    ],
)


# --------------------------------------------------------------------------- 4./5. the DCGAN rules, on a forward pass
_POOLING = (nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d, nn.LPPool2d, nn.FractionalMaxPool2d)
_UPSAMPLING = (nn.Upsample, nn.UpsamplingNearest2d, nn.UpsamplingBilinear2d, nn.PixelShuffle)


def _build(fn, *args, label: str) -> nn.Module:
    model = call(fn, *args, label=label)
    if not isinstance(model, nn.Module):
        raise Fail(f"return an nn.Module (for example nn.Sequential(...)), not {type(model).__name__} (case: {label})")
    return model


def _trace(model: nn.Module, x: torch.Tensor, label: str):
    """Run ``model`` on ``x`` in training mode: the leaf modules in the order they ran, and the output."""
    order: list[nn.Module] = []
    leaves = [m for m in model.modules() if not list(m.children())]
    hooks = [m.register_forward_hook(lambda module, inputs, output: order.append(module)) for m in leaves]
    try:
        model.train()
        out = call(model, x, label=label)
    finally:
        for hook in hooks:
            hook.remove()
    if not isinstance(out, torch.Tensor):
        raise Fail(f"the network returned {type(out).__name__}, not a tensor (case: {label})")
    return order, out


def _count(order, kind) -> int:
    return sum(isinstance(m, kind) for m in order)


def _common_rules(order, net: str) -> str | None:
    if any(isinstance(m, _POOLING) for m in order):
        return "rule 1: no pooling; let stride-2 convolutions do the resampling"
    if any(isinstance(m, nn.Linear) for m in order):
        return (f"rule 3: no fully connected layer in the {net}: "
                + ("a transposed convolution on the 1x1 input projects z" if net == "generator"
                   else "a last convolution over the whole 4x4 map gives the logit"))
    if not any(isinstance(m, nn.BatchNorm2d) for m in order):
        return f"rule 2: batch normalisation (nn.BatchNorm2d) after the {net}'s hidden convolutions"
    return None


def _discriminator_rules(order, out, channels, width, n) -> str | None:
    problem = _common_rules(order, "discriminator")
    if problem:
        return problem
    convs = [m for m in order if isinstance(m, nn.Conv2d)]
    if not convs or order[0] is not convs[0]:
        return "the first layer must be a convolution of the image (nn.Conv2d)"
    if len(order) > 1 and isinstance(order[1], nn.BatchNorm2d):
        return ("rule 2: no batch norm on the discriminator's input layer: the first convolution goes straight to "
                "LeakyReLU")
    if convs[0].out_channels != width:
        return f"the first convolution should have `width` = {width} output channels, not {convs[0].out_channels}"
    if any(type(m) is nn.ReLU for m in order) or not any(isinstance(m, nn.LeakyReLU) for m in order):
        return "rule 5: the discriminator uses LeakyReLU(0.2), not ReLU"
    slopes = {m.negative_slope for m in order if isinstance(m, nn.LeakyReLU)}
    if slopes != {0.2}:
        return f"rule 5: LeakyReLU with slope 0.2 (the paper's), not {sorted(slopes)}"
    if any(isinstance(m, nn.Sigmoid) for m in order):
        return "return logits, no Sigmoid at the end: discriminator_loss works on logits, which is stable"
    if sum(m.stride == (2, 2) for m in convs) < 3:
        return "rule 1: downsample step by step with stride-2 convolutions, 32 -> 16 -> 8 -> 4, then one logit"
    if tuple(out.shape) != (n,):
        hint = "flatten the (N, 1, 1, 1) output" if out.numel() == n else (
            "the last convolution must cover the whole 4x4 map (kernel 4, no padding)")
        return f"expected logits of shape ({n},), one per image, got {tuple(out.shape)}: {hint}"
    return None


def _judge_discriminator(fn) -> str:
    for channels, width in ((3, 8), (1, 16)):
        label = f"dcgan_discriminator({channels}, {width}) on a batch (4, {channels}, 32, 32)"
        with torch.random.fork_rng():
            torch.manual_seed(0)
            model = _build(fn, channels, width, label=label)
            order, out = _trace(model, torch.randn(4, channels, 32, 32), label)
        problem = _discriminator_rules(order, out, channels, width, 4)
        if problem:
            raise Fail(f"{problem} (case: {label})")
    n_params = sum(p.numel() for p in model.parameters())
    return (f"follows the DCGAN rules: (N, {channels}, 32, 32) -> (N,) logits through {_count(order, nn.Conv2d)} "
            f"convolutions; {n_params:,} parameters at width {width}")


def _generator_rules(order, out, nz, channels, width, n) -> str | None:
    if any(isinstance(m, _UPSAMPLING) for m in order):
        return "rule 1: no nn.Upsample; transposed convolutions (nn.ConvTranspose2d) learn their own upsampling"
    problem = _common_rules(order, "generator")
    if problem:
        return problem
    ups = [m for m in order if isinstance(m, nn.ConvTranspose2d)]
    if not ups or order[0] is not ups[0]:
        return "the first layer must be a transposed convolution that projects z (N, nz, 1, 1) to a 4x4 map"
    if any(isinstance(m, nn.LeakyReLU) for m in order):
        return "rule 4: ReLU inside the generator (LeakyReLU belongs to the discriminator)"
    if not isinstance(order[-1], nn.Tanh):
        return "rule 4: end with Tanh, so that the images lie in [-1, 1] like the real ones"
    if len(order) > 1 and isinstance(order[-2], nn.BatchNorm2d):
        return "rule 2: no batch norm on the generator's output layer: the last transposed convolution goes to Tanh"
    if ups[-1].out_channels != channels:
        return f"the last transposed convolution must give `channels` = {channels} channels, not {ups[-1].out_channels}"
    if sum(m.stride == (2, 2) for m in ups) < 3:
        return "rule 1: upsample step by step with stride-2 transposed convolutions, 4 -> 8 -> 16 -> 32"
    if tuple(out.shape) != (n, channels, 32, 32):
        return (f"expected images of shape ({n}, {channels}, 32, 32), got {tuple(out.shape)}: follow the sizes with "
                "conv_transpose_output_size, layer by layer")
    return None


def _judge_generator(fn) -> str:
    for nz, channels, width in ((16, 3, 8), (10, 1, 4)):
        label = f"dcgan_generator({nz}, {channels}, {width}) on z of shape (4, {nz}, 1, 1)"
        with torch.random.fork_rng():
            torch.manual_seed(0)
            model = _build(fn, nz, channels, width, label=label)
            order, out = _trace(model, torch.randn(4, nz, 1, 1), label)
        problem = _generator_rules(order, out, nz, channels, width, 4)
        if problem:
            raise Fail(f"{problem} (case: {label})")
    n_params = sum(p.numel() for p in model.parameters())
    return (f"follows the DCGAN rules: z (N, {nz}, 1, 1) -> (N, {channels}, 32, 32) in [-1, 1] through "
            f"{_count(order, nn.ConvTranspose2d)} transposed convolutions; {n_params:,} parameters at width {width}")


dcgan_discriminator = CHAPTER.exercise(
    "dcgan_discriminator",
    judge=_judge_discriminator,
    hints=["Halve the size three times, 32 -> 16 -> 8 -> 4, with the lesson's down-sampling convolution (kernel 4, "
           "stride 2, padding 1), doubling the channels each time; then one convolution that covers the whole 4x4 "
           "map leaves one number per image.",
           "Conv2d(channels, w) -> LeakyReLU(0.2) -> Conv2d(w, 2w) -> BatchNorm2d -> LeakyReLU -> Conv2d(2w, 4w) -> "
           "BatchNorm2d -> LeakyReLU -> Conv2d(4w, 1, kernel_size=4) -> flatten. Convolutions followed by batch "
           "norm need no bias.",
           "`nn.Sequential(...)` of those layers, with `nn.Flatten(0)` last to turn (N, 1, 1, 1) into (N,)."],
)

dcgan_generator = CHAPTER.exercise(
    "dcgan_generator",
    judge=_judge_generator,
    hints=["Run the discriminator backwards: project z (1x1) to a 4x4 map with a transposed convolution, then double "
           "the size three times, 4 -> 8 -> 16 -> 32, halving the channels; `conv_transpose_output_size` tells you "
           "which kernel, stride and padding give each size.",
           "A kernel-4 transposed convolution with stride 1 and no padding turns 1x1 into 4x4; kernel 4, stride 2, "
           "padding 1 doubles a size. BatchNorm2d and ReLU after each hidden layer; the last one goes straight to "
           "Tanh.",
           "ConvTranspose2d(nz, 4w, 4, 1, 0) -> BN -> ReLU -> ConvTranspose2d(4w, 2w, 4, 2, 1) -> BN -> ReLU -> "
           "ConvTranspose2d(2w, w, 4, 2, 1) -> BN -> ReLU -> ConvTranspose2d(w, channels, 4, 2, 1) -> Tanh."],
)


# --------------------------------------------------------------------------- 6. gan_learning_rate (experiment)
GAN_STEPS, GAN_BATCH, GAN_NZ, GAN_EMA = 300, 64, 4, 0.95
TARGET_DISTANCE, MODE_SHARE = 0.4, (0.3, 0.7)


def _mlp(sizes) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            layers.append(nn.LeakyReLU(0.2))
    return nn.Sequential(*layers)


def gan_1d(lr: float, steps: int = GAN_STEPS, seed: int = 0) -> dict:
    """Train the lesson's 1-D GAN (data: 1/2 N(-2, 0.5^2) + 1/2 N(2, 0.5^2)) in PyTorch with Adam(lr, betas=(0.5,
    0.999)) for both players, ``steps`` steps of 64 samples, and score the moving average of the generator's weights
    (decay 0.95): its distance to the data (1-D Wasserstein, the mean gap between sorted samples) and the share of
    its samples in the left mode (x < 0)."""
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        G, D = _mlp([GAN_NZ, 32, 32, 1]), _mlp([1, 32, 32, 1])
        G_ema = copy.deepcopy(G)
        opt_G = torch.optim.Adam(G.parameters(), lr=lr, betas=(0.5, 0.999))
        opt_D = torch.optim.Adam(D.parameters(), lr=lr, betas=(0.5, 0.999))
        gen = torch.Generator().manual_seed(seed)
        for step in range(steps):
            real = torch.where(torch.rand(GAN_BATCH, 1, generator=gen) < 0.5, -2.0, 2.0)
            real = real + 0.5 * torch.randn(GAN_BATCH, 1, generator=gen)
            fake = G(torch.randn(GAN_BATCH, GAN_NZ, generator=gen))
            logit_real, logit_fake = D(real), D(fake.detach())
            loss_D = (F.binary_cross_entropy_with_logits(logit_real, torch.ones_like(logit_real))
                      + F.binary_cross_entropy_with_logits(logit_fake, torch.zeros_like(logit_fake)))
            opt_D.zero_grad()
            loss_D.backward()
            opt_D.step()
            logit = D(fake)
            loss_G = F.binary_cross_entropy_with_logits(logit, torch.ones_like(logit))
            opt_G.zero_grad()
            loss_G.backward()
            opt_G.step()
            with torch.no_grad():
                for p_ema, p in zip(G_ema.parameters(), G.parameters()):
                    p_ema.lerp_(p, 1.0 - min(GAN_EMA, (1 + step) / (10 + step)))
        with torch.no_grad():
            samples = G_ema(torch.randn(4000, GAN_NZ, generator=torch.Generator().manual_seed(99)))[:, 0].numpy()
    rng = np.random.default_rng(99)
    data = np.sort(np.where(rng.random(4000) < 0.5, -2.0, 2.0) + 0.5 * rng.standard_normal(4000))
    return {"distance": float(np.abs(np.sort(samples) - data).mean()), "left_share": float((samples < 0).mean())}


def _judge_learning_rate(fn) -> str:
    lr = one_number(call(fn, label="your learning rate"), "learning rate")
    with np.errstate(all="ignore"):
        result = gan_1d(lr)
    distance, left = result["distance"], result["left_share"]
    low, high = MODE_SHARE
    reached = (f"your learning rate {lr:g}: after {GAN_STEPS} steps the averaged generator is {distance:.2f} from "
               f"the data, with {left:.0%} of its samples in the left mode; asked: below {TARGET_DISTANCE} and "
               f"{low:.0%} to {high:.0%} in each mode")
    if np.isfinite(distance) and distance < TARGET_DISTANCE and low <= left <= high:
        return reached
    if not np.isfinite(distance):
        why = "Training diverged (nan): the steps are far too large"
    elif left < 0.1 or left > 0.9:
        why = "Mode collapse: nearly every sample lands in one mode, the game swings too hard at this rate"
    else:
        why = "Both modes are there, but the samples have not settled on them within the budget"
    raise Fail(f"{reached}. {why}.")


gan_learning_rate = CHAPTER.exercise(
    "gan_learning_rate",
    judge=_judge_learning_rate,
    hints=["Scan before you choose: `for lr in [1e-4, 1e-3, 1e-2, 1e-1]: print(lr, checks.gan_1d(lr))`. Which rates "
           "are too slow for 300 steps, which ones make the game collapse?",
           "The good rates form a band between 'still on its way' and 'mode collapse'; refine your scan inside the "
           "decade where the distance is smallest, and prefer the middle of the band to its edge."],
)
