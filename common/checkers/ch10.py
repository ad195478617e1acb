"""Checkers for chapter 10, DCGAN (심층 합성곱 생성적 적대 신경망).

One ``check_<name>(fn)`` per exercise of ``chapters/10_dcgan/exercises.ipynb``. The reference
answers live here, next to their checkers (computed with PyTorch's own functions where one
exists). When a wrong answer matches a classic mistake (the convolution formula instead of the
transposed one, the saturating generator loss, swapped labels...), the verdict says so.
"""
from __future__ import annotations

import copy

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from common.checks import NOT_IMPLEMENTED, CheckResult, call_safely, case, check_function, compare_values


# --------------------------------------------------------------------------- 1. transposed-conv output size
def _ref_output_size(size, kernel, stride=1, padding=0, output_padding=0):
    return (size - 1) * stride - 2 * padding + kernel + output_padding


def _compare_int(expected, got):
    if isinstance(got, bool) or not isinstance(got, (int, np.integer)):
        return f"expected an int, got {type(got).__name__} {got!r}"
    return compare_values(expected, got, rtol=0, atol=0)


def check_conv_transpose_output_size(fn) -> CheckResult:
    """``conv_transpose_output_size(size, kernel, stride, padding, output_padding)`` -> int."""
    cases = [
        case("the DCGAN layer 7 -> ?: kernel 4, stride 2, padding 1", 7, 4, 2, 1),
        case("the DCGAN layer 14 -> ?: kernel 4, stride 2, padding 1", 14, 4, 2, 1),
        case("the projection 1 -> ?: kernel 7, stride 1, padding 0", 1, 7, 1, 0),
        case("3 pixels, kernel 3, stride 2, no padding", 3, 3, 2, 0),
        case("5 pixels, kernel 5, stride 3, padding 2", 5, 5, 3, 2),
        case("5 pixels, kernel 3, stride 2, padding 1, output_padding 1", 5, 3, 2, 1, 1),
        case("1 pixel, kernel 1, stride 1 (the identity)", 1, 1, 1, 0),
    ]
    mistakes = [
        (lambda s, k, st=1, p=0, op=0: (s + 2 * p - k) // st + 1,
         "that is the formula of an ordinary convolution; the transposed one runs it backwards: "
         "(size-1)*stride - 2*padding + kernel"),
        (lambda s, k, st=1, p=0, op=0: s * st - 2 * p + k + op,
         "the input's size minus one is multiplied by the stride"),
        (lambda s, k, st=1, p=0, op=0: (s - 1) * st + 2 * p + k + op,
         "padding crops the output of a transposed convolution: subtract 2*padding"),
        (lambda s, k, st=1, p=0, op=0: (s - 1) * st - 2 * p + k, "output_padding adds that many pixels at the end"),
    ]
    return check_function(
        fn, _ref_output_size, cases, "conv_transpose_output_size", compare=_compare_int, mistakes=mistakes
    )


# --------------------------------------------------------------------------- 2./3. GAN losses
def _ref_discriminator_loss(real_logits, fake_logits):
    real = F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
    fake = F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
    return real + fake


def _ref_generator_loss(fake_logits):
    return F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))


def _compare_loss(expected, got):
    if isinstance(got, torch.Tensor) and got.ndim > 0 and got.numel() == 1:
        return f"expected a 0-dim tensor (one number), got shape {tuple(got.shape)}: average with .mean()"
    if isinstance(got, torch.Tensor) and got.ndim > 0:
        return f"expected a 0-dim tensor (one number), got shape {tuple(got.shape)}: average over the batch"
    if isinstance(got, float | int | np.floating):
        return f"expected a torch.Tensor, got {type(got).__name__}: keep the loss a tensor so .backward() works"
    if isinstance(got, torch.Tensor) and not torch.isfinite(got).all():
        return (f"the loss is {got.item()} on large logits: log(sigmoid(x)) under/overflows, use the stable "
                "F.binary_cross_entropy_with_logits or F.logsigmoid")
    return compare_values(expected, got, rtol=1e-5, atol=1e-6, what="loss")


def _logits(seed: int, *shape, scale: float = 2.0) -> torch.Tensor:
    return scale * torch.randn(*shape, generator=torch.Generator().manual_seed(seed))


def check_discriminator_loss(fn) -> CheckResult:
    """``discriminator_loss(real_logits, fake_logits)``: BCE(real, 1) + BCE(fake, 0), each a batch mean."""
    cases = [
        case("8 real and 8 fake logits, shape (8, 1)", _logits(1, 8, 1), _logits(2, 8, 1)),
        case("5 real and 3 fake logits, shape (N,)", _logits(3, 5), _logits(4, 3)),
        case("a batch of 1", _logits(5, 1, 1), _logits(6, 1, 1)),
        case("all logits 0 (D says 1/2 everywhere): 2 log 2", torch.zeros(4, 1), torch.zeros(4, 1)),
        case("large logits +-200 (needs a stable formula)", torch.tensor([[200.0], [-200.0], [3.0]]),
             torch.tensor([[-200.0], [200.0], [-1.0]])),
    ]
    mistakes = [
        (lambda r, f: _ref_discriminator_loss(f, r), "the labels are swapped: real images are labelled 1, fakes 0"),
        (lambda r, f: _ref_discriminator_loss(r, f) / 2, "add the two batch means; don't average them"),
        (lambda r, f: F.binary_cross_entropy_with_logits(r, torch.ones_like(r)),
         "the fake half is missing: D must also push D(G(z)) towards 0"),
        (lambda r, f: F.binary_cross_entropy_with_logits(r, torch.ones_like(r), reduction="sum")
         + F.binary_cross_entropy_with_logits(f, torch.zeros_like(f), reduction="sum"),
         "average over the batch (mean), don't sum"),
    ]
    return check_function(
        fn, _ref_discriminator_loss, cases, "discriminator_loss", compare=_compare_loss, mistakes=mistakes
    )


def check_generator_loss(fn) -> CheckResult:
    """``generator_loss(fake_logits)``: the non-saturating loss  -mean(log D(G(z)))."""
    cases = [
        case("8 fake logits, shape (8, 1)", _logits(7, 8, 1)),
        case("6 fake logits, shape (N,)", _logits(8, 6)),
        case("a batch of 1", _logits(9, 1, 1)),
        case("all logits 0 (D says 1/2): log 2", torch.zeros(3, 1)),
        case("very negative logits (D rejects every fake), -200", torch.tensor([[-200.0], [-30.0], [-5.0]])),
    ]
    mistakes = [
        (lambda f: -F.binary_cross_entropy_with_logits(f, torch.zeros_like(f)),
         "that is the saturating loss mean(log(1 - D(G(z)))); the non-saturating one is -mean(log D(G(z)))"),
        (lambda f: F.binary_cross_entropy_with_logits(f, torch.zeros_like(f)),
         "the generator wants D to answer 'real': use the label 1 for its fakes, not 0"),
        (lambda f: F.binary_cross_entropy_with_logits(f, torch.ones_like(f), reduction="sum"),
         "average over the batch (mean), don't sum"),
    ]
    return check_function(fn, _ref_generator_loss, cases, "generator_loss", compare=_compare_loss, mistakes=mistakes)


# --------------------------------------------------------------------------- 4. weight init
def _init_test_model() -> nn.Module:
    return nn.Sequential(
        nn.ConvTranspose2d(64, 32, 4, 2, 1, bias=False),
        nn.BatchNorm2d(512),
        nn.ReLU(),
        nn.Conv2d(16, 64, 4, 2, 1),
        nn.LeakyReLU(0.2),
        nn.Linear(10, 5),
    )


def check_dcgan_init(fn) -> CheckResult:
    """``dcgan_init(module)`` used as ``model.apply(dcgan_init)``: N(0, 0.02) conv weights, N(1, 0.02) BN scales."""
    name = "dcgan_init"
    model = _init_test_model()
    with torch.no_grad():  # non-zero biases, so that "set the bias to 0" is visible
        for m in model.modules():
            if getattr(m, "bias", None) is not None:
                m.bias.fill_(0.5)
    before = copy.deepcopy(model)
    with torch.random.fork_rng():  # leave the learner's random state alone
        torch.manual_seed(0)
        _, problem = call_safely(model.apply, case("model.apply(dcgan_init)", fn))
    if problem == NOT_IMPLEMENTED:
        return CheckResult(name, False, problem)
    if problem:
        return CheckResult(name, False, problem.replace("raised", "model.apply(dcgan_init) raised"))
    convt, bn, conv, linear = model[0], model[1], model[3], model[5]
    for label, w in (("ConvTranspose2d", convt.weight), ("Conv2d", conv.weight)):
        w = w.detach()
        if torch.equal(w, before[0 if label == "ConvTranspose2d" else 3].weight):
            return CheckResult(name, False, f"the {label} weights were not changed: treat nn.Conv2d and "
                               "nn.ConvTranspose2d (isinstance of one does not cover the other)")
        mean, std = w.mean().item(), w.std().item()
        if abs(mean) > 0.003 or not 0.018 < std < 0.022:
            return CheckResult(name, False, f"the {label} weights have mean {mean:.4f} and std {std:.4f}: draw them "
                               "from a normal distribution N(0, 0.02) (std 0.02), e.g. nn.init.normal_(w, 0.0, 0.02)")
    if conv.bias is None or not torch.all(conv.bias == 0):
        return CheckResult(name, False, "the Conv2d bias must be set to 0 (nn.init.zeros_)")
    gamma, beta = bn.weight.detach(), bn.bias.detach()
    if torch.all(gamma == 1):
        return CheckResult(name, False, "the BatchNorm2d scale (weight, gamma) was left at 1: draw it from N(1, 0.02)")
    if abs(gamma.mean().item() - 1) > 0.005 or not 0.016 < gamma.std().item() < 0.024:
        return CheckResult(name, False, f"the BatchNorm2d scale has mean {gamma.mean().item():.4f} and std "
                           f"{gamma.std().item():.4f}: draw it from N(1, 0.02) (mean 1, not 0)")
    if not torch.all(beta == 0):
        return CheckResult(name, False, "the BatchNorm2d shift (bias, beta) must be set to 0")
    if not (torch.equal(linear.weight, before[5].weight) and torch.equal(linear.bias, before[5].bias)):
        return CheckResult(name, False, "the nn.Linear layer was changed: re-initialise only convolutions, "
                           "transposed convolutions and batch norms")
    return CheckResult(name, True, "convolutions ~ N(0, 0.02), batch-norm scales ~ N(1, 0.02), biases 0, "
                       "other layers untouched")


# --------------------------------------------------------------------------- 5. EMA of the weights
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


def check_ema_update(fn) -> CheckResult:
    """``ema_update(ema_model, model, decay)`` in place: ema <- decay*ema + (1-decay)*param; buffers copied."""
    name = "ema_update"
    for label, decay, seed in (("decay 0.9", 0.9, 0), ("decay 0.999", 0.999, 1), ("decay 0 (a plain copy)", 0.0, 2),
                               ("decay 0.5", 0.5, 3)):
        with torch.random.fork_rng():
            ema, model = _ema_models(seed)
        ema_before, model_before = _state(ema), _state(model)
        try:
            fn(ema, model, decay)
        except NotImplementedError:
            return CheckResult(name, False, NOT_IMPLEMENTED)
        except Exception as err:
            hint = " (wrap the update in `with torch.no_grad():`)" if "in-place" in str(err) else ""
            return CheckResult(name, False, f"raised {type(err).__name__}: {err}{hint} (case: {label})")
        if any(not torch.equal(v, _state(model)[k]) for k, v in model_before.items()):
            return CheckResult(name, False, f"the live model was changed: update only ema_model (case: {label})")
        after = _state(ema)
        for k, p in model.named_parameters():
            expected = decay * ema_before[k] + (1 - decay) * p.detach()
            problem = compare_values(expected, after[k], rtol=1e-5, atol=1e-6, what=f"EMA parameter '{k}'")
            if problem:
                swapped = (1 - decay) * ema_before[k] + decay * p.detach()
                if compare_values(swapped, after[k], rtol=1e-5, atol=1e-6) is None:
                    problem += ": decay weighs the old average, (1 - decay) the new weights"
                return CheckResult(name, False, f"{problem} (case: {label})")
        for k, b in model.named_buffers():
            if not torch.equal(after[k], b):
                return CheckResult(name, False, f"the buffer '{k}' was not copied from the model: batch-norm running "
                                   f"statistics are copied, not averaged (case: {label})")
    return CheckResult(name, True, "correct on all 4 cases (parameters averaged, buffers copied)")


# --------------------------------------------------------------------------- 6. confidence and class coverage
def _ref_coverage(probs, threshold=0.9):
    probs = np.asarray(probs)
    confident = float((probs.max(axis=1) > threshold).mean())
    shares = np.bincount(probs.argmax(axis=1), minlength=probs.shape[1]) / len(probs)
    return confident, shares


def _dirichlet(seed: int, n: int, c: int, alpha: float = 0.3) -> np.ndarray:
    return np.random.default_rng(seed).dirichlet(np.full(c, alpha), size=n)


def _compare_coverage(expected, got):
    if got is None:
        return "the result is None: did you forget `return`?"
    if not isinstance(got, tuple | list) or len(got) != 2:
        return f"expected a pair (confident_share, class_shares), got {type(got).__name__}"
    confident, shares = got
    if isinstance(confident, torch.Tensor):
        confident = confident.detach().cpu().numpy()
    try:
        confident = np.asarray(confident, dtype=np.float64)
    except (TypeError, ValueError):
        return f"the first item must be a number (the share of confident samples), got {type(confident).__name__}"
    if confident.size != 1:
        return f"the first item must be one number (the share of confident samples), got shape {confident.shape}"
    confident = confident.reshape(())
    problem = compare_values(expected[0], confident, rtol=1e-9, atol=1e-12, what="confident share")
    if problem:
        return problem
    problem = compare_values(expected[1], shares, rtol=1e-9, atol=1e-12, what="class shares")
    if problem and "wrong shape" in problem:
        problem += ": one share per class, zeros included (np.bincount(..., minlength=C))"
    return problem


def check_coverage(fn) -> CheckResult:
    """``coverage(probs, threshold)`` -> (share with max prob > threshold, (C,) share of each predicted class)."""
    hand = np.array([[0.95, 0.03, 0.02], [0.10, 0.85, 0.05], [0.02, 0.02, 0.96], [0.90, 0.05, 0.05]])
    cases = [
        case("4 samples, 3 classes, threshold 0.9 (0.90 itself is not > 0.9)", hand, 0.9),
        case("200 random samples, 10 classes", _dirichlet(0, 200, 10), 0.9),
        case("the last classes are never predicted", np.tile([[0.7, 0.2, 0.05, 0.05]], (5, 1)), 0.5),
        case("a batch of 1", np.array([[0.05, 0.95]]), 0.9),
        case("threshold 0.5", _dirichlet(1, 50, 4), 0.5),
    ]
    mistakes = [
        (lambda p, t=0.9: ((np.asarray(p).max(axis=1) >= t).mean(), _ref_coverage(p, t)[1]),
         "a sample counts as confident when its largest probability is strictly greater than the threshold"),
        (lambda p, t=0.9: (_ref_coverage(p, t)[0], _ref_coverage(p, t)[1] * len(p)),
         "return shares (counts divided by N), not counts"),
    ]
    return check_function(fn, _ref_coverage, cases, "coverage", compare=_compare_coverage, mistakes=mistakes)


__all__ = [
    "check_conv_transpose_output_size",
    "check_discriminator_loss",
    "check_generator_loss",
    "check_dcgan_init",
    "check_ema_update",
    "check_coverage",
]
