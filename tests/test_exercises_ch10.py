"""Chapter 10 checkers: the reference solutions pass, and plausible mistakes are caught with a useful message."""
import copy

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from common.checkers import ch10
from conftest import CHAPTERS, load_solutions

solutions = load_solutions(CHAPTERS / "10_dcgan")


def check(name, fn):
    return getattr(ch10, name).check(fn)


@pytest.mark.parametrize("args", [(7, 4, 2, 1), (1, 7, 1, 0), (5, 3, 2, 1, 1), (4, 5, 3, 2), (3, 3, 2, 0, 1)])
def test_output_size_solution_matches_torch(args):
    size, kernel, stride, padding, *extra = args
    layer = nn.ConvTranspose2d(1, 1, kernel, stride, padding, output_padding=extra[0] if extra else 0)
    assert layer(torch.zeros(1, 1, size, size)).shape[-1] == solutions.conv_transpose_output_size(*args)


def test_ema_solution_with_decay_one_keeps_the_average():
    torch.manual_seed(0)
    model, ema = nn.Linear(3, 2), nn.Linear(3, 2)
    before = copy.deepcopy(ema.state_dict())
    solutions.ema_update(ema, model, 1.0)
    assert all(torch.equal(before[k], v) for k, v in ema.state_dict().items())


# --------------------------------------------------------------------------- plausible wrong answers
def _bce(logits, label):
    return F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, float(label)))


def _bce_of_sigmoid(logits, label):  # PyTorch clips log(0) at -100
    return F.binary_cross_entropy(torch.sigmoid(logits), torch.full_like(logits, float(label)))


def _d_one_mean_over_both(r, f):  # one mean over the concatenated batches
    logits = torch.cat([r.flatten(), f.flatten()])
    return F.binary_cross_entropy_with_logits(logits, torch.cat([torch.ones(r.numel()), torch.zeros(f.numel())]))


def _init_conv2d_only(m):  # forgets that ConvTranspose2d is not a Conv2d
    if isinstance(m, nn.Conv2d):
        nn.init.normal_(m.weight, 0.0, 0.02)
        if m.bias is not None:
            nn.init.zeros_(m.bias)
    elif isinstance(m, nn.BatchNorm2d):
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


def _init_bn_mean_zero(m):
    if isinstance(m, nn.Conv2d | nn.ConvTranspose2d):
        nn.init.normal_(m.weight, 0.0, 0.02)
        if m.bias is not None:
            nn.init.zeros_(m.bias)
    elif isinstance(m, nn.BatchNorm2d):
        nn.init.normal_(m.weight, 0.0, 0.02)
        nn.init.zeros_(m.bias)


def _init_std_as_variance(m):  # N(0, 0.02) read as variance 0.02
    if isinstance(m, nn.Conv2d | nn.ConvTranspose2d | nn.BatchNorm2d):
        nn.init.normal_(m.weight, 1.0 if isinstance(m, nn.BatchNorm2d) else 0.0, 0.02**0.5)
        if m.bias is not None:
            nn.init.zeros_(m.bias)


def _init_everything(m):  # also re-initialises the Linear layer
    if isinstance(m, nn.Conv2d | nn.ConvTranspose2d | nn.Linear):
        nn.init.normal_(m.weight, 0.0, 0.02)
        if m.bias is not None:
            nn.init.zeros_(m.bias)
    elif isinstance(m, nn.BatchNorm2d):
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


def _init_keeps_bias(m):
    if isinstance(m, nn.Conv2d | nn.ConvTranspose2d):
        nn.init.normal_(m.weight, 0.0, 0.02)
    elif isinstance(m, nn.BatchNorm2d):
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


def _init_zeros_every_bias(m):  # a convolution built with bias=False has no bias to zero
    if isinstance(m, nn.Conv2d | nn.ConvTranspose2d):
        nn.init.normal_(m.weight, 0.0, 0.02)
        nn.init.zeros_(m.bias)
    elif isinstance(m, nn.BatchNorm2d):
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


def _init_forgets_bias_of_transposed(m):  # zeroes the bias of Conv2d only
    if isinstance(m, nn.Conv2d | nn.ConvTranspose2d):
        nn.init.normal_(m.weight, 0.0, 0.02)
        if isinstance(m, nn.Conv2d) and m.bias is not None:
            nn.init.zeros_(m.bias)
    elif isinstance(m, nn.BatchNorm2d):
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


@torch.no_grad()
def _ema_swapped(ema_model, model, decay):
    for p_ema, p in zip(ema_model.parameters(), model.parameters()):
        p_ema.copy_((1 - decay) * p_ema + decay * p)
    for b_ema, b in zip(ema_model.buffers(), model.buffers()):
        b_ema.copy_(b)


@torch.no_grad()
def _ema_no_buffers(ema_model, model, decay):
    for p_ema, p in zip(ema_model.parameters(), model.parameters()):
        p_ema.mul_(decay).add_(p, alpha=1 - decay)


@torch.no_grad()
def _ema_averages_float_buffers(ema_model, model, decay):  # running statistics averaged instead of copied
    for p_ema, p in zip(ema_model.parameters(), model.parameters()):
        p_ema.mul_(decay).add_(p, alpha=1 - decay)
    for b_ema, b in zip(ema_model.buffers(), model.buffers()):
        if b.is_floating_point():
            b_ema.mul_(decay).add_(b, alpha=1 - decay)
        else:
            b_ema.copy_(b)


@torch.no_grad()
def _ema_averages_the_state_dict(ema_model, model, decay):  # the integer batch counter cannot be averaged
    for v_ema, v in zip(ema_model.state_dict().values(), model.state_dict().values()):
        v_ema.mul_(decay).add_(v, alpha=1 - decay)


def _ema_without_no_grad(ema_model, model, decay):
    for p_ema, p in zip(ema_model.parameters(), model.parameters()):
        p_ema.mul_(decay).add_(p, alpha=1 - decay)


@torch.no_grad()
def _ema_updates_the_model(ema_model, model, decay):
    for p_ema, p in zip(ema_model.parameters(), model.parameters()):
        p.mul_(decay).add_(p_ema, alpha=1 - decay)
        p_ema.copy_(p)


def _ema_rebinds_names(ema_model, model, decay):  # assigns to a loop variable: nothing changes
    for p_ema, p in zip(ema_model.parameters(), model.parameters()):
        p_ema = decay * p_ema + (1 - decay) * p  # noqa: F841


def _shares(p):
    return np.bincount(p.argmax(axis=1), minlength=p.shape[1]) / len(p)


def _coverage_sorts_probs(probs, threshold=0.9):  # right numbers, but the caller's array is sorted
    classes = probs.argmax(axis=1)
    probs.sort(axis=1)
    return float((probs[:, -1] > threshold).mean()), np.bincount(classes, minlength=probs.shape[1]) / len(probs)


WRONG = [
    # conv_transpose_output_size
    ("conv_transpose_output_size", lambda s, k, st=1, p=0, op=0: (s + 2 * p - k) // st + 1, "ordinary convolution"),
    ("conv_transpose_output_size", lambda s, k, st=1, p=0, op=0: s * st - 2 * p + k + op, "minus one"),
    ("conv_transpose_output_size", lambda s, k, st=1, p=0, op=0: (s - 1) * st + 2 * p + k + op, "subtract 2*padding"),
    ("conv_transpose_output_size", lambda s, k, st=1, p=0, op=0: (s - 1) * st - 2 * p + k, "output_padding"),
    ("conv_transpose_output_size", lambda s, k, st=1, p=0, op=0: float((s - 1) * st - 2 * p + k + op), "Python int"),
    ("conv_transpose_output_size", lambda s, k, st=1, p=0, op=0: torch.tensor((s - 1) * st - 2 * p + k + op),
     "Python int"),
    ("conv_transpose_output_size", lambda s, k, st=1, p=1, op=0: (s - 1) * st - 2 * p + k + op,
     "left at their defaults"),
    # discriminator_loss
    ("discriminator_loss", lambda r, f: _bce(r, 0) + _bce(f, 1), "swapped"),
    ("discriminator_loss", lambda r, f: (_bce(r, 1) + _bce(f, 0)) / 2, "don't average"),
    ("discriminator_loss", _d_one_mean_over_both, "don't average"),
    ("discriminator_loss", lambda r, f: _bce(r, 1), "fake half is missing"),
    ("discriminator_loss", lambda r, f: -torch.log(torch.sigmoid(r)).mean() - torch.log(1 - torch.sigmoid(f)).mean(),
     "stable"),
    ("discriminator_loss", lambda r, f: _bce_of_sigmoid(r, 1) + _bce_of_sigmoid(f, 0), "with_logits"),
    ("discriminator_loss", lambda r, f: (_bce(r, 1) + _bce(f, 0)).item(), "keep the loss a tensor"),
    ("discriminator_loss", lambda r, f: torch.tensor((_bce(r, 1) + _bce(f, 0)).item()), "does not carry gradients"),
    ("discriminator_loss", lambda r, f: (_bce(r, 1) + _bce(f, 0)).detach().numpy(), "torch.Tensor"),
    ("discriminator_loss", lambda r, f: (_bce(r, 1) + _bce(f, 0)).reshape(1), "0-dim"),
    # generator_loss
    ("generator_loss", lambda f: -_bce(f, 0), "saturating"),
    ("generator_loss", lambda f: _bce(f, 0), "label 1"),
    ("generator_loss", lambda f: -torch.log(torch.sigmoid(f)).mean(), "stable"),
    ("generator_loss", lambda f: torch.log(1 + torch.exp(-f)).mean(), "stable"),
    ("generator_loss", lambda f: _bce_of_sigmoid(f, 1), "with_logits"),
    ("generator_loss", lambda f: F.binary_cross_entropy_with_logits(f, torch.ones_like(f), reduction="sum"), "mean"),
    ("generator_loss", lambda f: _bce(f, 1).detach(), "does not carry gradients"),
    # dcgan_init
    ("dcgan_init", _init_conv2d_only, "ConvTranspose2d"),
    ("dcgan_init", _init_bn_mean_zero, "mean 1"),
    ("dcgan_init", _init_std_as_variance, "std 0.02"),
    ("dcgan_init", _init_everything, "nn.Linear"),
    ("dcgan_init", _init_keeps_bias, "bias must be set to 0"),
    ("dcgan_init", _init_zeros_every_bias, "bias=False"),
    ("dcgan_init", _init_forgets_bias_of_transposed, "ConvTranspose2d bias must be set to 0"),
    # ema_update
    ("ema_update", _ema_swapped, "decay weighs the old average"),
    ("ema_update", _ema_no_buffers, "buffer"),
    ("ema_update", _ema_averages_float_buffers, "copied, not averaged"),
    ("ema_update", _ema_averages_the_state_dict, "raised RuntimeError"),
    ("ema_update", _ema_without_no_grad, "torch.no_grad"),
    ("ema_update", _ema_updates_the_model, "live model was changed"),
    ("ema_update", _ema_rebinds_names, "wrong value"),
    # coverage
    ("coverage", lambda p, t=0.9: ((p.max(axis=1) >= t).mean(), _shares(p)), "strictly greater"),
    ("coverage", lambda p, t=0.9: ((p.max(axis=1) > t).mean(), _shares(p) * len(p)), "not counts"),
    ("coverage", lambda p, t=0.9: ((p.max(axis=1) > t).mean(), np.bincount(p.argmax(axis=1)) / len(p)), "minlength"),
    ("coverage", lambda p, t=0.9: ((p.max(axis=0) > t).mean(), _shares(p)), "confident share"),
    ("coverage", lambda p, t=0.9: (p.max(axis=1) > t).mean(), "pair"),
    ("coverage", lambda p, t=0.9: ((p.max(axis=1) > 0.9).mean(), _shares(p)), "threshold that is passed in"),
    ("coverage", lambda p, t=0.9: (np.mean(p.max(axis=1) > t, keepdims=True), _shares(p)), "Python float"),
    ("coverage", lambda p, t=0.9: (torch.tensor(p).max(1).values.gt(t).double().mean(), _shares(p)), "Python float"),
    ("coverage", _coverage_sorts_probs, "changed its input `probs` in place"),
]


@pytest.mark.parametrize("name, wrong, words", WRONG, ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(WRONG)])
def test_wrong_answer_is_rejected_with_a_useful_message(name, wrong, words):
    result = check(name, wrong)
    assert not result.passed, f"{name} accepted a wrong implementation"
    assert words in str(result), str(result)
    assert "case:" in result.message or "pair" in result.message


@pytest.mark.parametrize(
    "name, wrong, hint",
    [
        ("conv_transpose_output_size", lambda s, k, st=1, p=0, op=0: (s + 2 * p - k) // st + 1,
         "Hint: that is the formula of an ordinary convolution"),
        ("discriminator_loss", lambda r, f: _bce(r, 0) + _bce(f, 1), "Hint: the labels are swapped"),
        ("discriminator_loss", lambda r, f: _bce_of_sigmoid(r, 1) + _bce_of_sigmoid(f, 0), "Hint: F.binary_cross"),
        ("generator_loss", lambda f: -_bce(f, 0), "Hint: that is the saturating loss"),
        ("generator_loss", lambda f: _bce(f, 0), "Hint: the generator wants D to answer 'real'"),
        ("coverage", lambda p, t=0.9: ((p.max(axis=1) >= t).mean(), _shares(p)), "Hint: a sample counts as confident"),
        ("coverage", lambda p, t=0.9: ((p.max(axis=1) > t).mean(), _shares(p) * len(p)), "Hint: return shares"),
    ],
    ids=["size-conv-formula", "d-swapped", "d-clipped", "g-saturating", "g-label-0", "coverage-ge", "coverage-counts"],
)
def test_a_classic_mistake_is_named(name, wrong, hint):
    assert hint in check(name, wrong).message


@pytest.mark.parametrize("name", ["discriminator_loss", "generator_loss", "coverage", "conv_transpose_output_size"])
def test_none_return_is_reported(name):
    result = check(name, lambda *args: None)
    assert not result.passed and ("None" in str(result) or "expected" in str(result))


def test_learner_random_state_and_legacy_calls():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    assert check("dcgan_init", solutions.dcgan_init) and check("ema_update", solutions.ema_update)
    assert torch.equal(torch.rand(3), expected), "the checks leave the learner's random state alone"
    assert ch10.check_coverage(solutions.coverage), "the first edition's checks.check_<name>(fn) still works"
