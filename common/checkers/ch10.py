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

from common.checks import Chapter, Fail, call, case, compare_values, example

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


# --------------------------------------------------------------------------- 2./3. GAN losses
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


def _generator_cases():
    return [
        case("8 fake logits, shape (8, 1)", _logits(7, 8, 1)),
        case("6 fake logits, shape (N,)", _logits(8, 6)),
        case("a batch of 1", _logits(9, 1, 1)),
        case("very negative logits (D rejects every fake), -200", _leaf([[-200.0], [-30.0], [-5.0]])),
        case("very positive logits (D is fooled), +200", _leaf([200.0, 30.0, 5.0])),
    ]


generator_loss = CHAPTER.exercise(
    "generator_loss",
    examples=[example(torch.tensor(0.6931471805599453), "the brief's example: torch.zeros(3, 1): log 2",
                      torch.zeros(3, 1, requires_grad=True))],
    cases=_generator_cases,
    compare=_compare_loss,
    differentiable=True,
    mistakes=[
        (lambda f: -_bce(f, 0),
         "that is the saturating loss mean(log(1 - D(G(z)))); the non-saturating one is -mean(log D(G(z)))"),
        (lambda f: _bce(f, 0), "the generator wants D to answer 'real': use the label 1 for its fakes, not 0"),
        (lambda f: _bce(f, 1, "sum"), "average over the batch (mean), don't sum"),
        (lambda f: _bce_of_probabilities(f, 1), _CLIPPED),
    ],
    hints=[
        "The generator wins when the discriminator calls its fakes real: it is a binary cross-entropy on the fake "
        "logits with the label 'real' (1).",
        "`F.binary_cross_entropy_with_logits` takes the logits and a target of the same shape (`torch.ones_like`) "
        "and averages over the batch; it stays finite for very negative logits, unlike `torch.log(torch.sigmoid(x))`.",
        "`return F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))`.",
    ],
)


# --------------------------------------------------------------------------- 4. dcgan_init
def _init_test_model() -> nn.Module:
    return nn.Sequential(
        nn.ConvTranspose2d(64, 32, 4, 2, 1, bias=False),
        nn.BatchNorm2d(512),
        nn.ReLU(),
        nn.Conv2d(16, 64, 4, 2, 1),
        nn.LeakyReLU(0.2),
        nn.Linear(10, 5),
        nn.ConvTranspose2d(8, 8, 3),  # a transposed convolution with a bias
    )


def _judge_init(fn) -> str:
    label = "model.apply(dcgan_init)"
    with torch.random.fork_rng():  # leave the learner's random state alone
        torch.manual_seed(0)
        model = _init_test_model()
        with torch.no_grad():  # non-zero biases and shifts, so that "set them to 0" is visible
            for m in model.modules():
                if getattr(m, "bias", None) is not None:
                    m.bias.fill_(0.5)
        before = copy.deepcopy(model)
        try:
            call(model.apply, fn, label=label)
        except Fail as verdict:
            if "NoneType" not in str(verdict):
                raise
            where = f" (case: {label})"
            raise Fail(str(verdict).replace(where, "") + ": a layer built with bias=False has `module.bias` None, "
                       "so test `module.bias is not None` before zeroing it" + where) from None
    convt, bn, conv, linear, convt_bias = model[0], model[1], model[3], model[5], model[6]
    for name, layer, old in (("ConvTranspose2d", convt, before[0]), ("Conv2d", conv, before[3])):
        w = layer.weight.detach()
        if torch.equal(w, old.weight):
            raise Fail(f"the {name} weights were not changed: treat nn.Conv2d and nn.ConvTranspose2d "
                       f"(isinstance of one does not cover the other) (case: {label})")
        mean, std = w.mean().item(), w.std().item()
        if abs(mean) > 0.003 or not 0.018 < std < 0.022:
            raise Fail(f"the {name} weights have mean {mean:.4f} and std {std:.4f}: draw them from a normal "
                       f"distribution N(0, 0.02) (std 0.02), e.g. nn.init.normal_(w, 0.0, 0.02) (case: {label})")
    for name, layer in (("Conv2d", conv), ("ConvTranspose2d", convt_bias)):
        if layer.bias is None or not torch.all(layer.bias == 0):
            raise Fail(f"the {name} bias must be set to 0 (nn.init.zeros_) (case: {label})")
    gamma, beta = bn.weight.detach(), bn.bias.detach()
    if torch.all(gamma == 1):
        raise Fail(f"the BatchNorm2d scale (weight, gamma) was left at 1: draw it from N(1, 0.02) (case: {label})")
    if abs(gamma.mean().item() - 1) > 0.005 or not 0.016 < gamma.std().item() < 0.024:
        raise Fail(f"the BatchNorm2d scale has mean {gamma.mean().item():.4f} and std {gamma.std().item():.4f}: draw "
                   f"it from N(1, 0.02) (mean 1, not 0) (case: {label})")
    if not torch.all(beta == 0):
        raise Fail(f"the BatchNorm2d shift (bias, beta) must be set to 0 (case: {label})")
    if not (torch.equal(linear.weight, before[5].weight) and torch.equal(linear.bias, before[5].bias)):
        raise Fail("the nn.Linear layer was changed: re-initialise only convolutions, transposed convolutions and "
                   f"batch norms (case: {label})")
    return "convolutions ~ N(0, 0.02), batch-norm scales ~ N(1, 0.02), biases 0, other layers untouched"


dcgan_init = CHAPTER.exercise(
    "dcgan_init",
    judge=_judge_init,
    hints=[
        "`model.apply` calls your function once per sub-module: look at the module's type and re-initialise only "
        "convolutions, transposed convolutions and batch norms, in place.",
        "`isinstance(module, nn.Conv2d | nn.ConvTranspose2d)` (two classes: neither is a subclass of the other), "
        "then `isinstance(module, nn.BatchNorm2d)`. `nn.init.normal_(t, mean, std)` and `nn.init.zeros_(t)` work in "
        "place; a convolution built with bias=False has `module.bias is None`.",
        "Convolutions: `nn.init.normal_(module.weight, 0.0, 0.02)` and, if `module.bias is not None`, "
        "`nn.init.zeros_(module.bias)`. Batch norms: `nn.init.normal_(module.weight, 1.0, 0.02)` and "
        "`nn.init.zeros_(module.bias)`.",
    ],
)


# --------------------------------------------------------------------------- 5. ema_update
def _ema_models(seed: int):
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))
    ema = copy.deepcopy(model)
    with torch.no_grad():
        for p in ema.parameters():
            p.normal_()
        model.train()
        for _ in range(3):  # give the live model's batch norm running statistics of its own
            model(torch.randn(8, 3))
    return ema, model


def _state(module: nn.Module) -> dict:
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def _judge_ema(fn) -> str:
    cases = [("decay 0.9", 0.9, 0), ("decay 0.999", 0.999, 1), ("decay 0 (a plain copy)", 0.0, 2),
             ("decay 0.5", 0.5, 3), ("decay 1 given as the integer 1 (nothing moves)", 1, 4)]
    for label, decay, seed in cases:
        with torch.random.fork_rng():
            ema, model = _ema_models(seed)
        ema_before, model_before = _state(ema), _state(model)
        try:
            call(fn, ema, model, decay, label=label)
        except Fail as verdict:
            if "in-place" not in str(verdict):
                raise
            where = f" (case: {label})"
            hint = ": wrap the update in `with torch.no_grad():`"
            raise Fail(str(verdict).replace(where, "") + hint + where) from None
        model_after = _state(model)
        if any(not torch.equal(v, model_after[k]) for k, v in model_before.items()):
            raise Fail(f"the live model was changed: update only ema_model (case: {label})")
        after = _state(ema)
        for k, p in model.named_parameters():
            expected = decay * ema_before[k] + (1 - decay) * p.detach()
            problem = compare_values(expected, after[k], rtol=1e-5, atol=1e-6, what=f"EMA parameter '{k}'")
            if problem:
                swapped = (1 - decay) * ema_before[k] + decay * p.detach()
                if compare_values(swapped, after[k], rtol=1e-5, atol=1e-6) is None:
                    problem += ": decay weighs the old average, (1 - decay) the new weights"
                raise Fail(f"{problem} (case: {label})")
        for k, b in model.named_buffers():
            if not torch.equal(after[k], b):
                raise Fail(f"the buffer '{k}' was not copied from the model: batch-norm running statistics are "
                           f"copied, not averaged (case: {label})")
    return f"correct on all {len(cases)} cases (parameters averaged, buffers copied, the live model untouched)"


ema_update = CHAPTER.exercise(
    "ema_update",
    judge=_judge_ema,
    hints=[
        "Walk through the two models' parameters side by side and move each EMA parameter a little towards the "
        "live one; the buffers are copied as they are. Everything happens in place, with gradients switched off.",
        "`zip(ema_model.parameters(), model.parameters())` pairs them up; inside `with torch.no_grad():`, "
        "`p_ema.mul_(decay).add_(p, alpha=1 - decay)` updates in place. Do the same zip over `.buffers()` with "
        "`copy_`.",
        "`with torch.no_grad():` then `for p_ema, p in zip(ema_model.parameters(), model.parameters()): "
        "p_ema.mul_(decay).add_(p, alpha=1 - decay)` and `for b_ema, b in zip(ema_model.buffers(), "
        "model.buffers()): b_ema.copy_(b)`.",
    ],
)


# --------------------------------------------------------------------------- 6. coverage
def _dirichlet(seed: int, n: int, c: int, alpha: float = 0.3) -> np.ndarray:
    return np.random.default_rng(seed).dirichlet(np.full(c, alpha), size=n)


def _compare_coverage(expected, got, rtol=1e-9, atol=1e-12) -> str | None:
    if got is None:
        return "the result is None: did you forget `return`?"
    if not isinstance(got, tuple | list) or len(got) != 2:
        return f"expected a pair (confident_share, class_shares), got {type(got).__name__}"
    confident, shares = got
    if isinstance(confident, bool | np.bool_) or not isinstance(confident, numbers.Real):
        return (f"the first item must be a Python float (the share of confident samples, e.g. float(share)), "
                f"got {type(confident).__name__}")
    problem = compare_values(expected[0], confident, rtol, atol, what="confident share")
    if problem:
        return problem
    problem = compare_values(expected[1], shares, rtol, atol, what="class shares")
    if problem and "wrong shape" in problem:
        problem += ": one share per class, zeros included (np.bincount(..., minlength=C))"
    return problem


def _coverage_with(probs, threshold=0.9, ge=False, counts=False):
    p, t = np.asarray(probs), threshold
    top = p.max(axis=1)
    confident = float(((top >= t) if ge else (top > t)).mean())
    shares = np.bincount(p.argmax(axis=1), minlength=p.shape[1]) / (1 if counts else len(p))
    return confident, shares


_HAND = np.array([[0.95, 0.03, 0.02], [0.10, 0.85, 0.05], [0.02, 0.02, 0.96], [0.90, 0.05, 0.05]])

coverage = CHAPTER.exercise(
    "coverage",
    examples=[example((0.5, np.array([1.0, 0.0])), "the brief's example: [[0.95, 0.05], [0.6, 0.4]], threshold 0.9",
                      np.array([[0.95, 0.05], [0.6, 0.4]]))],
    cases=[
        case("4 samples, 3 classes, threshold 0.9 (0.90 itself is not > 0.9)", _HAND, 0.9),
        case("200 random samples, 10 classes", _dirichlet(0, 200, 10), 0.9),
        case("the last classes are never predicted", np.tile([[0.7, 0.2, 0.05, 0.05]], (5, 1)), 0.5),
        case("a batch of 1", np.array([[0.05, 0.95]]), 0.9),
        case("threshold 0.5 given by name", _dirichlet(1, 50, 4), threshold=0.5),
        case("threshold 0.35, 7 classes", _dirichlet(2, 30, 7, alpha=1.0), 0.35),
    ],
    compare=_compare_coverage,
    rtol=1e-9,
    atol=1e-12,
    mistakes=[
        (lambda probs, threshold=0.9: _coverage_with(probs, threshold, ge=True),
         "a sample counts as confident when its largest probability is strictly greater than the threshold"),
        (lambda probs, threshold=0.9: _coverage_with(probs, threshold, counts=True),
         "return shares (counts divided by N), not counts"),
        (lambda probs, threshold=0.9: _coverage_with(probs), "use the threshold that is passed in, not a fixed 0.9"),
    ],
    hints=[
        "Two questions per sample (per row): how sure is the classifier (its largest probability), and which class "
        "does it pick (the position of that largest probability)?",
        "`probs.max(axis=1)` and `probs.argmax(axis=1)` answer them for all rows at once; the mean of a boolean "
        "array is a share; `np.bincount(..., minlength=C)` counts each class, zeros included.",
        "`confident = float((probs.max(axis=1) > threshold).mean())`, `shares = np.bincount(probs.argmax(axis=1), "
        "minlength=probs.shape[1]) / len(probs)` and `return confident, shares`.",
    ],
)
