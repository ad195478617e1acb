"""Chapter 10 checkers: the reference solutions pass, and plausible mistakes are caught with a useful message."""
import re

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


def test_the_prediction_is_what_the_next_cell_shows():
    stamps = F.conv_transpose2d(torch.ones(1, 1, 4, 4), torch.ones(1, 1, 4, 4), stride=2, padding=1)[0, 0]
    assert torch.all(stamps[1:-1, 1:-1] == 4) and stamps[0, 0] == 1 and torch.all(stamps[0, 1:-1] == 2)
    assert solutions.predict_border_stamps() == "c"


def test_the_solution_networks_have_the_lessons_shapes_and_train():
    D, G = solutions.dcgan_discriminator(3, 8), solutions.dcgan_generator(16, 3, 8)
    fake = G(torch.randn(5, 16, 1, 1))
    assert fake.shape == (5, 3, 32, 32) and fake.abs().max() <= 1
    loss = solutions.discriminator_loss(D(torch.rand(5, 3, 32, 32) * 2 - 1), D(fake))
    loss.backward()
    assert all(p.grad is not None for p in [*D.parameters(), *G.parameters()])


# --------------------------------------------------------------------------- plausible wrong answers
def _bce(logits, label):
    return F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, float(label)))


def _bce_of_sigmoid(logits, label):  # PyTorch clips log(0) at -100
    return F.binary_cross_entropy(torch.sigmoid(logits), torch.full_like(logits, float(label)))


def _d_one_mean_over_both(r, f):  # one mean over the concatenated batches
    logits = torch.cat([r.flatten(), f.flatten()])
    return F.binary_cross_entropy_with_logits(logits, torch.cat([torch.ones(r.numel()), torch.zeros(f.numel())]))


def _disc(channels, width, pool=False, first_bn=False, act=None, sigmoid=False, linear=False, no_bn=False,
          last_kernel=4, flatten=True, first_width=None, one_big_conv=False):
    """The right discriminator, or one that breaks one rule."""
    w = first_width or width
    act = act or (lambda: nn.LeakyReLU(0.2))

    def down(c_in, c_out):
        if pool:
            return [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.MaxPool2d(2)]
        return [nn.Conv2d(c_in, c_out, 4, 2, 1, bias=False)]

    def bn(c):
        return [] if no_bn else [nn.BatchNorm2d(c)]

    layers = [*down(channels, w), *([nn.BatchNorm2d(w)] if first_bn else []), act()]
    if one_big_conv:
        layers += [nn.Conv2d(w, 4 * w, 16, bias=False), *bn(4 * w), act()]  # 16 -> 1 in one go
        last_kernel = 1
    else:
        layers += [*down(w, 2 * w), *bn(2 * w), act(), *down(2 * w, 4 * w), *bn(4 * w), act()]
    if linear:
        layers += [nn.Flatten(), nn.Linear(4 * w * 16, 1), nn.Flatten(0)]
    else:
        layers += [nn.Conv2d(4 * w, 1, last_kernel)] + ([nn.Flatten(0)] if flatten else [])
    if sigmoid:
        layers.append(nn.Sigmoid())
    return nn.Sequential(*layers)


def _gen(nz, channels, width, linear=False, upsample=False, bn_out=False, act=None, out_act=None, no_bn=False,
         kernel=4, first_kernel=4, last_channels=None):
    """The right generator, or one that breaks one rule."""
    act = act or nn.ReLU
    w = width

    def up(c_in, c_out):
        if upsample:
            return [nn.Upsample(scale_factor=2), nn.Conv2d(c_in, c_out, 3, padding=1, bias=False)]
        return [nn.ConvTranspose2d(c_in, c_out, kernel, 2, 1, bias=False)]

    def bn(c):
        return [] if no_bn else [nn.BatchNorm2d(c)]

    if linear:
        layers = [nn.Flatten(), nn.Linear(nz, 4 * w * 16), nn.Unflatten(1, (4 * w, 4, 4)), *bn(4 * w), act()]
    else:
        layers = [nn.ConvTranspose2d(nz, 4 * w, first_kernel, 1, 0, bias=False), *bn(4 * w), act()]
    layers += [*up(4 * w, 2 * w), *bn(2 * w), act(), *up(2 * w, w), *bn(w), act()]
    c_out = last_channels(channels, w) if last_channels else channels
    layers += up(w, c_out) + ([nn.BatchNorm2d(c_out)] if bn_out else []) + [(out_act or nn.Tanh)()]
    return nn.Sequential(*layers)


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
    # predict_border_stamps
    ("predict_border_stamps", lambda: "a", "2 on the edges, 1 in the corners"),
    ("predict_border_stamps", lambda: "b", "you chose 'b'"),
    ("predict_border_stamps", lambda: 4, "answer with one of"),
    # dcgan_discriminator
    ("dcgan_discriminator", lambda c, w: _disc(c, w, pool=True), "rule 1: no pooling"),
    ("dcgan_discriminator", lambda c, w: _disc(c, w, first_bn=True), "no batch norm on the discriminator's input"),
    ("dcgan_discriminator", lambda c, w: _disc(c, w, act=nn.ReLU), "rule 5"),
    ("dcgan_discriminator", lambda c, w: _disc(c, w, act=nn.LeakyReLU), "slope 0.2"),
    ("dcgan_discriminator", lambda c, w: _disc(c, w, sigmoid=True), "no Sigmoid"),
    ("dcgan_discriminator", lambda c, w: _disc(c, w, linear=True), "rule 3: no fully connected layer"),
    ("dcgan_discriminator", lambda c, w: _disc(c, w, no_bn=True), "rule 2: batch normalisation"),
    ("dcgan_discriminator", lambda c, w: _disc(c, w, last_kernel=3), "cover the whole 4x4 map"),
    ("dcgan_discriminator", lambda c, w: _disc(c, w, flatten=False), "flatten the (N, 1, 1, 1) output"),
    ("dcgan_discriminator", lambda c, w: _disc(c, w, first_width=2 * w), "`width` = 8 output channels"),
    ("dcgan_discriminator", lambda c, w: _disc(c, w, one_big_conv=True), "step by step with stride-2"),
    ("dcgan_discriminator", lambda c, w: _disc(3, w), "case: dcgan_discriminator(1, 16)"),
    ("dcgan_discriminator", lambda c, w: nn.Sequential, "return an nn.Module"),
    ("dcgan_discriminator", lambda c, w: (lambda x: x.mean(dim=(1, 2, 3))), "return an nn.Module"),
    # dcgan_generator
    ("dcgan_generator", lambda nz, c, w: _gen(nz, c, w, linear=True), "rule 3: no fully connected layer"),
    ("dcgan_generator", lambda nz, c, w: _gen(nz, c, w, upsample=True), "no nn.Upsample"),
    ("dcgan_generator", lambda nz, c, w: _gen(nz, c, w, bn_out=True), "no batch norm on the generator's output"),
    ("dcgan_generator", lambda nz, c, w: _gen(nz, c, w, act=lambda: nn.LeakyReLU(0.2)), "rule 4: ReLU inside"),
    ("dcgan_generator", lambda nz, c, w: _gen(nz, c, w, out_act=nn.Sigmoid), "end with Tanh"),
    ("dcgan_generator", lambda nz, c, w: _gen(nz, c, w, no_bn=True), "rule 2: batch normalisation"),
    ("dcgan_generator", lambda nz, c, w: _gen(nz, c, w, kernel=3), "got (4, 3, 25, 25)"),
    ("dcgan_generator", lambda nz, c, w: _gen(nz, c, w, first_kernel=7), "got (4, 3, 56, 56)"),
    ("dcgan_generator", lambda nz, c, w: _gen(nz, c, w, last_channels=lambda c, w: w), "`channels` = 3"),
    ("dcgan_generator", lambda nz, c, w: _gen(16, c, w), "case: dcgan_generator(10, 1, 4)"),
    # gan_learning_rate
    ("gan_learning_rate", lambda: 1e-3, "your learning rate 0.001: after 300 steps"),
    ("gan_learning_rate", lambda: 1e-3, "not settled on them within the budget"),
    ("gan_learning_rate", lambda: 0.1, "Mode collapse"),
    ("gan_learning_rate", lambda: "1e-2", "return one number"),
    ("gan_learning_rate", lambda: -0.01, "a finite number, positive"),
    ("gan_learning_rate", lambda: float("nan"), "a finite number, positive"),
    ("gan_learning_rate", lambda: None, "forget `return`"),
]


@pytest.mark.parametrize("name, wrong, words", WRONG, ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(WRONG)])
def test_wrong_answer_is_rejected_with_a_useful_message(name, wrong, words):
    result = check(name, wrong)
    assert not result.passed, f"{name} accepted a wrong implementation"
    assert words in str(result), str(result)


def test_an_experiment_verdict_gives_the_reached_value_against_the_target():
    result = check("gan_learning_rate", lambda: 0.1)
    assert re.search(r"your learning rate 0.1: after 300 steps the averaged generator is \d+\.\d\d from the data, "
                     r"with \d+% of its samples in the left mode; asked: below 0.4 and 30% to 70% in each mode",
                     result.message), result.message


@pytest.mark.parametrize(
    "name, wrong, hint",
    [
        ("conv_transpose_output_size", lambda s, k, st=1, p=0, op=0: (s + 2 * p - k) // st + 1,
         "Hint: that is the formula of an ordinary convolution"),
        ("discriminator_loss", lambda r, f: _bce(r, 0) + _bce(f, 1), "Hint: the labels are swapped"),
        ("discriminator_loss", lambda r, f: _bce_of_sigmoid(r, 1) + _bce_of_sigmoid(f, 0), "Hint: F.binary_cross"),
    ],
    ids=["size-conv-formula", "d-swapped", "d-clipped"],
)
def test_a_classic_mistake_is_named(name, wrong, hint):
    assert hint in check(name, wrong).message


@pytest.mark.parametrize("name", ["discriminator_loss", "conv_transpose_output_size", "dcgan_discriminator",
                                  "dcgan_generator"])
def test_none_return_is_reported(name):
    result = check(name, lambda *args: None)
    assert not result.passed and ("None" in str(result) or "expected" in str(result) or "nn.Module" in str(result))


def test_learner_random_state_and_legacy_calls():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    assert check("dcgan_discriminator", solutions.dcgan_discriminator)
    assert check("dcgan_generator", solutions.dcgan_generator)
    assert torch.equal(torch.rand(3), expected), "the checks leave the learner's random state alone"
    assert ch10.check_conv_transpose_output_size(solutions.conv_transpose_output_size), \
        "the first edition's checks.check_<name>(fn) still works"


# --------------------------------------------------------------------------- the Korean edition


KOREAN_WRONG = [
    ("conv_transpose_output_size", lambda s, k, st=1, p=0, op=0: (s + 2 * p - k) // st + 1,
     "출력 크기의 값이 틀렸습니다: 기대값 14, 받은 값 3", "보통 합성곱의 공식"),
    ("discriminator_loss", lambda r, f: _bce(r, 0) + _bce(f, 1), "손실의 값이 틀렸습니다", "레이블이 뒤바뀌었습니다"),
    ("discriminator_loss", lambda r, f: -torch.log(torch.sigmoid(r)).mean() - torch.log(1 - torch.sigmoid(f)).mean(),
     "큰 로짓에서 손실이 inf입니다", "F.logsigmoid"),
    ("predict_border_stamps", lambda: "a", "실제로는 그렇게 되지 않습니다", "변에서는 2, 모서리에서는 1"),
    ("dcgan_discriminator", lambda c, w: _disc(c, w, first_bn=True),
     "규칙 2: 판별자의 입력층에는 배치 정규화를 두지 않습니다", "(사례: 배치 (4, 3, 32, 32)에 적용한"),
    ("dcgan_generator", lambda nz, c, w: _gen(nz, c, w, act=lambda: nn.LeakyReLU(0.2)),
     "규칙 4: 생성자 안쪽에는 ReLU를 씁니다", "(사례: 모양 (4, 16, 1, 1)인 z에 적용한"),
    ("dcgan_generator", lambda nz, c, w: _gen(nz, c, w, kernel=3), "(4, 3, 25, 25)입니다", "층마다 크기를 따라가"),
    ("gan_learning_rate", lambda: 0.1, "여러분의 학습률 0.1: 300단계 뒤", "모드 붕괴"),
]


@pytest.mark.parametrize("name, wrong, fact, more", KOREAN_WRONG,
                         ids=[f"{n}-{i}" for i, (n, *_) in enumerate(KOREAN_WRONG)])
def test_wrong_answer_is_explained_in_korean(korean, name, wrong, fact, more):
    result = check(name, wrong)
    assert not result and str(result).startswith("실패"), str(result)
    assert fact in result.message and more in result.message, str(result)
    assert "case:" not in result.message, "the case is named in Korean"


def test_a_right_network_is_described_in_korean(korean):
    result = check("dcgan_discriminator", solutions.dcgan_discriminator)
    assert result and str(result).startswith("통과") and "DCGAN 규칙을 따릅니다" in result.message, str(result)
