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

from common.checks import Chapter, Fail, call, case, compare_values, example, one_number, tr

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


def _compare_size(expected, got, rtol=0, atol=0) -> str | None:
    return compare_values(expected, got, rtol, atol, what=tr("output size", "출력 크기"))


conv_transpose_output_size = CHAPTER.exercise(
    "conv_transpose_output_size",
    examples=[
        example(14, {"en": "the brief's example: 7 pixels, kernel 4, stride 2, padding 1",
                     "ko": "문제 설명의 예: 7픽셀, 커널 4, 스트라이드 2, 패딩 1"}, 7, 4, 2, 1),
        example(7, {"en": "the brief's example: 1 pixel, kernel 7, the other arguments left at their defaults",
                    "ko": "문제 설명의 예: 1픽셀, 커널 7, 나머지 인수는 기본값"}, 1, 7),
    ],
    cases=[
        case({"en": "the DCGAN layer 14 -> ?: kernel 4, stride 2, padding 1",
              "ko": "DCGAN 층 14 -> ?: 커널 4, 스트라이드 2, 패딩 1"}, 14, 4, 2, 1),
        case({"en": "3 pixels, kernel 3, stride 2, no padding", "ko": "3픽셀, 커널 3, 스트라이드 2, 패딩 없음"},
             3, 3, 2, 0),
        case({"en": "5 pixels, kernel 5, stride 3, padding 2", "ko": "5픽셀, 커널 5, 스트라이드 3, 패딩 2"},
             5, 5, 3, 2),
        case({"en": "5 pixels, kernel 3, stride 2, padding 1, output_padding 1",
              "ko": "5픽셀, 커널 3, 스트라이드 2, 패딩 1, output_padding 1"}, 5, 3, 2, 1, 1),
        case({"en": "4 pixels, kernel 2, stride 3, output_padding 2 given by name",
              "ko": "4픽셀, 커널 2, 스트라이드 3, 이름으로 준 output_padding 2"}, 4, 2, 3, output_padding=2),
        case({"en": "1 pixel, kernel 1, stride 1 (the identity)", "ko": "1픽셀, 커널 1, 스트라이드 1 (항등 변환)"},
             1, 1, 1, 0),
    ],
    returns=int,
    rtol=0,
    atol=0,
    what="output size",
    compare=_compare_size,
    mistakes=[
        (lambda *a, **k: _size_with(*a, **k, formula="conv"),
         {"en": "that is the formula of an ordinary convolution; the transposed one runs it backwards: "
                "(size-1)*stride - 2*padding + kernel",
          "ko": "그것은 보통 합성곱의 공식입니다. 전치 합성곱은 그것을 거꾸로 돌립니다: (size-1)*stride - 2*padding + "
                "kernel"}),
        (lambda *a, **k: _size_with(*a, **k, formula="no minus one"),
         {"en": "the input's size minus one is multiplied by the stride",
          "ko": "스트라이드에 곱하는 것은 입력 크기에서 1을 뺀 값입니다"}),
        (lambda *a, **k: _size_with(*a, **k, formula="plus padding"),
         {"en": "padding crops the output of a transposed convolution: subtract 2*padding",
          "ko": "전치 합성곱에서 패딩은 출력을 잘라 냅니다: 2*padding을 빼세요"}),
        (lambda *a, **k: _size_with(*a, **k, formula="no output_padding"),
         {"en": "output_padding adds that many pixels at the end",
          "ko": "output_padding은 끝에 그만큼의 픽셀을 더합니다"}),
    ],
    hints=[
        {"en": "Run an ordinary convolution backwards: the kernel is stamped once per input pixel, `stride` pixels "
               "apart, then `padding` pixels are cropped from each border and `output_padding` pixels are added at "
               "the end.",
         "ko": "보통 합성곱을 거꾸로 돌려 보세요: 커널을 입력 픽셀마다 한 번씩 `stride` 픽셀 간격으로 찍고, 그다음 각 "
               "경계에서 `padding` 픽셀을 잘라 내고 끝에 `output_padding` 픽셀을 더합니다."},
        {"en": "The stamps start `stride` apart, so the first and the last start (size - 1) * stride pixels apart; "
               "the last stamp adds `kernel` pixels. Then subtract the padding of both borders.",
         "ko": "도장은 `stride` 간격으로 시작하므로 첫 도장과 마지막 도장의 시작점은 (size - 1) * stride 픽셀 떨어져 "
               "있고, 마지막 도장이 `kernel` 픽셀을 더합니다. 그다음 양쪽 경계의 패딩을 빼세요."},
        {"en": "`return (size - 1) * stride - 2 * padding + kernel + output_padding` (integers in, an int out).",
         "ko": "`return (size - 1) * stride - 2 * padding + kernel + output_padding` (정수가 들어가고 int 하나가 "
               "나옵니다)."},
    ],
)


# --------------------------------------------------------------------------- 2. predict_border_stamps (predict)
predict_border_stamps = CHAPTER.predict(
    "predict_border_stamps",
    why={"en": "Inside, each pixel is under 2 stamps per axis: 2 x 2 = 4. Along an axis the full output's 2 "
               "outermost pixels at each end get 1 stamp; padding=1 crops only one of them, so the border keeps 1 "
               "per axis: 2 on the edges, 1 in the corners.",
         "ko": "안쪽에서는 각 픽셀이 축마다 도장 2개 아래에 있습니다: 2 x 2 = 4. 한 축을 따라 보면, 자르기 전 전체 "
               "출력의 양 끝에서 가장 바깥 픽셀 2개는 도장을 1개씩만 받습니다. padding=1은 그중 하나만 잘라 내므로 "
               "경계에는 축마다 1이 남습니다: 변에서는 2, 모서리에서는 1입니다."},
    options={"a": {"en": "4 everywhere", "ko": "모든 곳이 4"},
             "b": {"en": "a checkerboard, as with kernel 3", "ko": "커널 3일 때처럼 체커보드 무늬"},
             "c": {"en": "4 inside, less on the border", "ko": "안쪽은 4, 가장자리는 그보다 작음"}},
    hints=[{"en": "Work along one axis first: with kernel 4 and stride 2, which input pixels' stamps cover output "
                  "pixel 0 of the full (uncropped) output, pixel 1, pixel 2? Then remember that padding=1 crops one "
                  "pixel from each end.",
            "ko": "먼저 한 축만 따라가 보세요: 커널 4, 스트라이드 2일 때, 자르기 전 전체 출력의 0번 픽셀, 1번 픽셀, "
                  "2번 픽셀을 덮는 것은 어느 입력 픽셀의 도장인가요? 그다음 padding=1이 양 끝에서 픽셀을 하나씩 잘라 "
                  "낸다는 것을 기억하세요."},
           {"en": "Along one axis, the uncropped pixels get 1, 1, 2, 2, ..., 2, 1, 1 stamps; the cropping removes the "
                  "first and the last. A 2-D pixel gets the product of its two axes' counts. Answer with the key.",
            "ko": "한 축을 따라 보면, 자르기 전 픽셀들은 도장을 1, 1, 2, 2, ..., 2, 1, 1개 받습니다. 자르기는 첫 "
                  "픽셀과 마지막 픽셀을 없앱니다. 2차원 픽셀은 두 축의 개수를 곱한 만큼 받습니다. 키로 답하세요."}],
)


# --------------------------------------------------------------------------- 3. discriminator_loss
def _bce(logits, label, reduction="mean"):
    return F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, float(label)), reduction=reduction)


def _bce_of_probabilities(logits, label):
    return F.binary_cross_entropy(torch.sigmoid(logits), torch.full_like(logits, float(label)))


_CLIPPED = {"en": "F.binary_cross_entropy on sigmoid outputs cuts log(0) off at -100, so very confident logits give a "
                  "wrong loss: pass the logits to F.binary_cross_entropy_with_logits",
            "ko": "시그모이드 출력에 F.binary_cross_entropy를 쓰면 log(0)을 -100에서 잘라 버려서, 아주 확신에 찬 "
                  "로짓에서 손실이 틀립니다: 로짓을 F.binary_cross_entropy_with_logits에 넘기세요"}


def _compare_loss(expected, got, rtol=1e-5, atol=1e-6) -> str | None:
    if isinstance(got, torch.Tensor) and got.ndim > 0:
        shape = tuple(got.shape)
        if got.numel() == 1:
            fix, fix_ko = "average with .mean()", ".mean()으로 평균하세요"
        else:
            fix, fix_ko = "average over the batch", "배치에 대해 평균하세요"
        return tr(f"expected a 0-dim tensor (one number), got shape {shape}: {fix}",
                  f"0차원 텐서(수 하나)를 반환해야 하는데 모양이 {shape}입니다: {fix_ko}")
    if isinstance(got, numbers.Number | np.ndarray):
        return tr(f"expected a torch.Tensor, got {type(got).__name__}: keep the loss a tensor so .backward() works",
                  f"torch.Tensor를 반환해야 하는데 {type(got).__name__}입니다: .backward()가 동작하도록 손실을 텐서로 "
                  "두세요")
    if isinstance(got, torch.Tensor) and got.is_floating_point() and not torch.isfinite(got).all():
        return tr(f"the loss is {got.item()} on large logits: log(sigmoid(x)) under/overflows, use the stable "
                  "F.binary_cross_entropy_with_logits or F.logsigmoid",
                  f"큰 로짓에서 손실이 {got.item()}입니다: log(sigmoid(x))가 언더플로/오버플로합니다. 안정적인 "
                  "F.binary_cross_entropy_with_logits나 F.logsigmoid를 쓰세요")
    return compare_values(expected, got, rtol, atol, what=tr("loss", "손실"))


def _logits(seed: int, *shape, scale: float = 2.0) -> torch.Tensor:
    """Random logits that require grad (a leaf, like a discriminator's output would be part of a graph)."""
    return (scale * torch.randn(*shape, generator=torch.Generator().manual_seed(seed))).requires_grad_()


def _leaf(values) -> torch.Tensor:
    return torch.tensor(values, requires_grad=True)


def _discriminator_cases():
    return [
        case(tr("8 real and 8 fake logits, shape (8, 1)", "진짜 로짓 8개와 가짜 로짓 8개, 모양 (8, 1)"),
             _logits(1, 8, 1), _logits(2, 8, 1)),
        case(tr("5 real and 3 fake logits, shape (N,)", "진짜 로짓 5개와 가짜 로짓 3개, 모양 (N,)"),
             _logits(3, 5), _logits(4, 3)),
        case(tr("a batch of 1", "크기 1인 배치"), _logits(5, 1, 1), _logits(6, 1, 1)),
        case(tr("2 real logits and 6 fake ones: each half is a mean over its own batch",
                "진짜 로짓 2개와 가짜 로짓 6개: 각 절반은 자기 배치에 대한 평균"), _logits(11, 2, 1),
             _logits(12, 6, 1)),
        case(tr("large logits +-300 (needs a stable formula)", "큰 로짓 +-300 (안정적인 공식이 필요)"),
             _leaf([[300.0], [-300.0], [3.0]]), _leaf([[-300.0], [300.0], [-1.0]])),
    ]


discriminator_loss = CHAPTER.exercise(
    "discriminator_loss",
    examples=[
        example(torch.tensor(0.9808292530117262),
                {"en": "the brief's example: one real logit log 3 (D says 3/4) and one fake logit 0: log(4/3) + log 2",
                 "ko": "문제 설명의 예: 진짜 로짓 하나 log 3 (D가 3/4이라고 말함)과 가짜 로짓 하나 0: log(4/3) + log "
                       "2"},
                _leaf([[1.0986122886681098]]), _leaf([[0.0]])),
        example(torch.tensor(1.3862943611198906),
                {"en": "the brief's example: all logits 0 (D says 1/2): 2 log 2",
                 "ko": "문제 설명의 예: 로짓이 모두 0 (D가 1/2이라고 말함): 2 log 2"},
                torch.zeros(4, 1, requires_grad=True), torch.zeros(4, 1, requires_grad=True)),
    ],
    cases=_discriminator_cases,
    compare=_compare_loss,
    differentiable=True,
    mistakes=[
        (lambda r, f: _bce(r, 0) + _bce(f, 1),
         {"en": "the labels are swapped: real images are labelled 1, fakes 0",
          "ko": "레이블이 뒤바뀌었습니다: 진짜 이미지의 레이블은 1, 가짜는 0입니다"}),
        (lambda r, f: (_bce(r, 1) + _bce(f, 0)) / 2,
         {"en": "add the two batch means; don't average them, nor take one mean over both batches put together",
          "ko": "두 배치의 평균을 더하세요. 둘을 다시 평균하거나, 두 배치를 합쳐 평균 하나를 내지 마세요"}),
        (lambda r, f: _bce(r, 1),
         {"en": "the fake half is missing: D must also push D(G(z)) towards 0",
          "ko": "가짜 쪽 절반이 빠졌습니다: D는 D(G(z))도 0 쪽으로 밀어야 합니다"}),
        (lambda r, f: _bce(r, 1, "sum") + _bce(f, 0, "sum"),
         {"en": "average over the batch (mean), don't sum", "ko": "합하지 말고 배치에 대해 평균(mean)하세요"}),
        (lambda r, f: _bce_of_probabilities(r, 1) + _bce_of_probabilities(f, 0), _CLIPPED),
    ],
    hints=[
        {"en": "Two binary cross-entropies, one per batch: the real logits with the label 1, the fake ones with the "
               "label 0. Work on the logits (before the sigmoid), which is stable.",
         "ko": "배치마다 하나씩, 이진 교차 엔트로피 두 개입니다: 진짜 로짓에는 레이블 1, 가짜 로짓에는 레이블 0. "
               "(시그모이드 전의) 로짓으로 계산하세요. 그래야 안정적입니다."},
        {"en": "`F.binary_cross_entropy_with_logits(logits, target)` averages over the batch; `torch.ones_like` and "
               "`torch.zeros_like` make the targets. Add the two losses.",
         "ko": "`F.binary_cross_entropy_with_logits(logits, target)`는 배치에 대해 평균합니다. 목표값은 "
               "`torch.ones_like`와 `torch.zeros_like`로 만드세요. 두 손실을 더하세요."},
        {"en": "`return F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits)) + "
               "F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))`.",
         "ko": "답은 한 줄입니다: `return F.binary_cross_entropy_with_logits(real_logits, "
               "torch.ones_like(real_logits)) + F.binary_cross_entropy_with_logits(fake_logits, "
               "torch.zeros_like(fake_logits))`."},
    ],
)


# --------------------------------------------------------------------------- 4./5. the DCGAN rules, on a forward pass
_POOLING = (nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d, nn.LPPool2d, nn.FractionalMaxPool2d)
_UPSAMPLING = (nn.Upsample, nn.UpsamplingNearest2d, nn.UpsamplingBilinear2d, nn.PixelShuffle)


def _build(fn, *args, label: str) -> nn.Module:
    model = call(fn, *args, label=label)
    if not isinstance(model, nn.Module):
        kind = type(model).__name__
        raise Fail(tr(f"return an nn.Module (for example nn.Sequential(...)), not {kind} (case: {label})",
                      f"{kind}이(가) 아니라 nn.Module(예: nn.Sequential(...))을 반환하세요 (사례: {label})"))
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
        kind = type(out).__name__
        raise Fail(tr(f"the network returned {kind}, not a tensor (case: {label})",
                      f"신경망이 텐서가 아니라 {kind}을(를) 반환했습니다 (사례: {label})"))
    return order, out


def _count(order, kind) -> int:
    return sum(isinstance(m, kind) for m in order)


def _common_rules(order, net: str) -> str | None:
    net_ko = "생성자" if net == "generator" else "판별자"
    if any(isinstance(m, _POOLING) for m in order):
        return tr("rule 1: no pooling; let stride-2 convolutions do the resampling",
                  "규칙 1: 풀링은 쓰지 않습니다. 크기 조절은 스트라이드 2인 합성곱에 맡기세요")
    if any(isinstance(m, nn.Linear) for m in order):
        return tr(f"rule 3: no fully connected layer in the {net}: "
                  + ("a transposed convolution on the 1x1 input projects z" if net == "generator"
                     else "a last convolution over the whole 4x4 map gives the logit"),
                  f"규칙 3: {net_ko}에는 완전 연결층을 쓰지 않습니다: "
                  + ("1x1 입력에 적용한 전치 합성곱이 z를 투영합니다" if net == "generator"
                     else "4x4 맵 전체를 덮는 마지막 합성곱이 로짓을 줍니다"))
    if not any(isinstance(m, nn.BatchNorm2d) for m in order):
        return tr(f"rule 2: batch normalisation (nn.BatchNorm2d) after the {net}'s hidden convolutions",
                  f"규칙 2: {net_ko}의 은닉 합성곱 뒤에는 배치 정규화(nn.BatchNorm2d)를 둡니다")
    return None


def _discriminator_rules(order, out, channels, width, n) -> str | None:
    problem = _common_rules(order, "discriminator")
    if problem:
        return problem
    convs = [m for m in order if isinstance(m, nn.Conv2d)]
    if not convs or order[0] is not convs[0]:
        return tr("the first layer must be a convolution of the image (nn.Conv2d)",
                  "첫 층은 이미지에 대한 합성곱(nn.Conv2d)이어야 합니다")
    if len(order) > 1 and isinstance(order[1], nn.BatchNorm2d):
        return tr("rule 2: no batch norm on the discriminator's input layer: the first convolution goes straight to "
                  "LeakyReLU",
                  "규칙 2: 판별자의 입력층에는 배치 정규화를 두지 않습니다: 첫 합성곱은 곧바로 LeakyReLU로 갑니다")
    if convs[0].out_channels != width:
        got = convs[0].out_channels
        return tr(f"the first convolution should have `width` = {width} output channels, not {got}",
                  f"첫 합성곱의 출력 채널은 {got}개가 아니라 `width` = {width}개여야 합니다")
    if any(type(m) is nn.ReLU for m in order) or not any(isinstance(m, nn.LeakyReLU) for m in order):
        return tr("rule 5: the discriminator uses LeakyReLU(0.2), not ReLU",
                  "규칙 5: 판별자는 ReLU가 아니라 LeakyReLU(0.2)를 씁니다")
    slopes = {m.negative_slope for m in order if isinstance(m, nn.LeakyReLU)}
    if slopes != {0.2}:
        return tr(f"rule 5: LeakyReLU with slope 0.2 (the paper's), not {sorted(slopes)}",
                  f"규칙 5: LeakyReLU의 기울기(slope)는 논문대로 0.2여야 합니다. 받은 값: {sorted(slopes)}")
    if any(isinstance(m, nn.Sigmoid) for m in order):
        return tr("return logits, no Sigmoid at the end: discriminator_loss works on logits, which is stable",
                  "끝에 Sigmoid 없이 로짓을 반환하세요: discriminator_loss는 로짓으로 계산하며, 그래야 안정적입니다")
    if sum(m.stride == (2, 2) for m in convs) < 3:
        return tr("rule 1: downsample step by step with stride-2 convolutions, 32 -> 16 -> 8 -> 4, then one logit",
                  "규칙 1: 스트라이드 2인 합성곱으로 한 단계씩 줄이세요, 32 -> 16 -> 8 -> 4, 그다음 로짓 하나")
    if tuple(out.shape) != (n,):
        hint = tr("flatten the (N, 1, 1, 1) output", "(N, 1, 1, 1) 출력을 평탄화하세요") if out.numel() == n else tr(
            "the last convolution must cover the whole 4x4 map (kernel 4, no padding)",
            "마지막 합성곱은 4x4 맵 전체를 덮어야 합니다(커널 4, 패딩 없음)")
        shape = tuple(out.shape)
        return tr(f"expected logits of shape ({n},), one per image, got {shape}: {hint}",
                  f"이미지마다 하나씩, 모양이 ({n},)인 로짓이어야 하는데 {shape}입니다: {hint}")
    return None


def _judge_discriminator(fn) -> str:
    for channels, width in ((3, 8), (1, 16)):
        label = tr(f"dcgan_discriminator({channels}, {width}) on a batch (4, {channels}, 32, 32)",
                   f"배치 (4, {channels}, 32, 32)에 적용한 dcgan_discriminator({channels}, {width})")
        with torch.random.fork_rng():
            torch.manual_seed(0)
            model = _build(fn, channels, width, label=label)
            order, out = _trace(model, torch.randn(4, channels, 32, 32), label)
        problem = _discriminator_rules(order, out, channels, width, 4)
        if problem:
            raise Fail(problem + tr(f" (case: {label})", f" (사례: {label})"))
    n_params = sum(p.numel() for p in model.parameters())
    return tr(f"follows the DCGAN rules: (N, {channels}, 32, 32) -> (N,) logits through {_count(order, nn.Conv2d)} "
              f"convolutions; {n_params:,} parameters at width {width}",
              f"DCGAN 규칙을 따릅니다: 합성곱 {_count(order, nn.Conv2d)}개를 거쳐 (N, {channels}, 32, 32) -> (N,) "
              f"로짓, width {width}에서 매개변수 {n_params:,}개")


def _generator_rules(order, out, nz, channels, width, n) -> str | None:
    if any(isinstance(m, _UPSAMPLING) for m in order):
        return tr("rule 1: no nn.Upsample; transposed convolutions (nn.ConvTranspose2d) learn their own upsampling",
                  "규칙 1: nn.Upsample은 쓰지 않습니다. 전치 합성곱(nn.ConvTranspose2d)이 업샘플링을 스스로 배웁니다")
    problem = _common_rules(order, "generator")
    if problem:
        return problem
    ups = [m for m in order if isinstance(m, nn.ConvTranspose2d)]
    if not ups or order[0] is not ups[0]:
        return tr("the first layer must be a transposed convolution that projects z (N, nz, 1, 1) to a 4x4 map",
                  "첫 층은 z (N, nz, 1, 1)를 4x4 맵으로 투영하는 전치 합성곱이어야 합니다")
    if any(isinstance(m, nn.LeakyReLU) for m in order):
        return tr("rule 4: ReLU inside the generator (LeakyReLU belongs to the discriminator)",
                  "규칙 4: 생성자 안쪽에는 ReLU를 씁니다(LeakyReLU는 판별자의 것입니다)")
    if not isinstance(order[-1], nn.Tanh):
        return tr("rule 4: end with Tanh, so that the images lie in [-1, 1] like the real ones",
                  "규칙 4: 이미지가 진짜처럼 [-1, 1] 범위에 놓이도록 Tanh로 끝내세요")
    if len(order) > 1 and isinstance(order[-2], nn.BatchNorm2d):
        return tr("rule 2: no batch norm on the generator's output layer: the last transposed convolution goes to "
                  "Tanh",
                  "규칙 2: 생성자의 출력층에는 배치 정규화를 두지 않습니다: 마지막 전치 합성곱은 곧바로 Tanh로 갑니다")
    if ups[-1].out_channels != channels:
        got = ups[-1].out_channels
        return tr(f"the last transposed convolution must give `channels` = {channels} channels, not {got}",
                  f"마지막 전치 합성곱의 출력 채널은 {got}개가 아니라 `channels` = {channels}개여야 합니다")
    if sum(m.stride == (2, 2) for m in ups) < 3:
        return tr("rule 1: upsample step by step with stride-2 transposed convolutions, 4 -> 8 -> 16 -> 32",
                  "규칙 1: 스트라이드 2인 전치 합성곱으로 한 단계씩 키우세요, 4 -> 8 -> 16 -> 32")
    if tuple(out.shape) != (n, channels, 32, 32):
        shape = tuple(out.shape)
        return tr(f"expected images of shape ({n}, {channels}, 32, 32), got {shape}: follow the sizes with "
                  "conv_transpose_output_size, layer by layer",
                  f"모양이 ({n}, {channels}, 32, 32)인 이미지여야 하는데 {shape}입니다: conv_transpose_output_size로 "
                  "층마다 크기를 따라가 보세요")
    return None


def _judge_generator(fn) -> str:
    for nz, channels, width in ((16, 3, 8), (10, 1, 4)):
        label = tr(f"dcgan_generator({nz}, {channels}, {width}) on z of shape (4, {nz}, 1, 1)",
                   f"모양 (4, {nz}, 1, 1)인 z에 적용한 dcgan_generator({nz}, {channels}, {width})")
        with torch.random.fork_rng():
            torch.manual_seed(0)
            model = _build(fn, nz, channels, width, label=label)
            order, out = _trace(model, torch.randn(4, nz, 1, 1), label)
        problem = _generator_rules(order, out, nz, channels, width, 4)
        if problem:
            raise Fail(problem + tr(f" (case: {label})", f" (사례: {label})"))
    n_params = sum(p.numel() for p in model.parameters())
    n_ups = _count(order, nn.ConvTranspose2d)
    return tr(f"follows the DCGAN rules: z (N, {nz}, 1, 1) -> (N, {channels}, 32, 32) in [-1, 1] through "
              f"{n_ups} transposed convolutions; {n_params:,} parameters at width {width}",
              f"DCGAN 규칙을 따릅니다: 전치 합성곱 {n_ups}개를 거쳐 z (N, {nz}, 1, 1) -> [-1, 1] 범위의 "
              f"(N, {channels}, 32, 32), width {width}에서 매개변수 {n_params:,}개")


dcgan_discriminator = CHAPTER.exercise(
    "dcgan_discriminator",
    judge=_judge_discriminator,
    hints=[{"en": "Halve the size three times, 32 -> 16 -> 8 -> 4, with the lesson's down-sampling convolution "
                  "(kernel 4, stride 2, padding 1), doubling the channels each time; then one convolution that covers "
                  "the whole 4x4 map leaves one number per image.",
            "ko": "본문의 다운샘플링 합성곱(커널 4, 스트라이드 2, 패딩 1)으로 크기를 세 번 절반으로 줄이고(32 -> 16 -> "
                  "8 -> 4), 그때마다 채널을 두 배로 늘리세요. 그다음 4x4 맵 전체를 덮는 합성곱 하나가 이미지마다 수 "
                  "하나를 남깁니다."},
           {"en": "Conv2d(channels, w) -> LeakyReLU(0.2) -> Conv2d(w, 2w) -> BatchNorm2d -> LeakyReLU -> "
                  "Conv2d(2w, 4w) -> BatchNorm2d -> LeakyReLU -> Conv2d(4w, 1, kernel_size=4) -> flatten. "
                  "Convolutions followed by batch norm need no bias.",
            "ko": "Conv2d(channels, w) -> LeakyReLU(0.2) -> Conv2d(w, 2w) -> BatchNorm2d -> LeakyReLU -> "
                  "Conv2d(2w, 4w) -> BatchNorm2d -> LeakyReLU -> Conv2d(4w, 1, kernel_size=4) -> 평탄화. 뒤에 배치 "
                  "정규화가 오는 합성곱에는 편향이 필요 없습니다."},
           {"en": "`nn.Sequential(...)` of those layers, with `nn.Flatten(0)` last to turn (N, 1, 1, 1) into (N,).",
            "ko": "그 층들로 `nn.Sequential(...)`을 만들고, 맨 끝에 `nn.Flatten(0)`을 두어 (N, 1, 1, 1)을 (N,)으로 "
                  "바꾸세요."}],
)

dcgan_generator = CHAPTER.exercise(
    "dcgan_generator",
    judge=_judge_generator,
    hints=[{"en": "Run the discriminator backwards: project z (1x1) to a 4x4 map with a transposed convolution, then "
                  "double the size three times, 4 -> 8 -> 16 -> 32, halving the channels; `conv_transpose_output_size` "
                  "tells you which kernel, stride and padding give each size.",
            "ko": "판별자를 거꾸로 돌려 보세요: 전치 합성곱으로 z(1x1)를 4x4 맵으로 투영하고, 그다음 크기를 세 번 두 "
                  "배로 키우면서(4 -> 8 -> 16 -> 32) 채널을 절반으로 줄이세요. 어떤 커널, 스트라이드, 패딩이 각 크기를 "
                  "내는지는 `conv_transpose_output_size`가 알려 줍니다."},
           {"en": "A kernel-4 transposed convolution with stride 1 and no padding turns 1x1 into 4x4; kernel 4, "
                  "stride 2, padding 1 doubles a size. BatchNorm2d and ReLU after each hidden layer; the last one goes "
                  "straight to Tanh.",
            "ko": "커널 4, 스트라이드 1, 패딩 없는 전치 합성곱은 1x1을 4x4로 바꾸고, 커널 4, 스트라이드 2, 패딩 1은 "
                  "크기를 두 배로 만듭니다. 은닉층마다 뒤에 BatchNorm2d와 ReLU를 두고, 마지막 층은 곧바로 Tanh로 "
                  "갑니다."},
           {"en": "ConvTranspose2d(nz, 4w, 4, 1, 0) -> BN -> ReLU -> ConvTranspose2d(4w, 2w, 4, 2, 1) -> BN -> ReLU "
                  "-> ConvTranspose2d(2w, w, 4, 2, 1) -> BN -> ReLU -> ConvTranspose2d(w, channels, 4, 2, 1) -> Tanh.",
            "ko": "층의 순서: ConvTranspose2d(nz, 4w, 4, 1, 0) -> BN -> ReLU -> ConvTranspose2d(4w, 2w, 4, 2, 1) -> BN "
                  "-> ReLU -> ConvTranspose2d(2w, w, 4, 2, 1) -> BN -> ReLU -> ConvTranspose2d(w, channels, 4, 2, 1) "
                  "-> Tanh."}],
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
    lr = one_number(call(fn, label=tr("your learning rate", "여러분의 학습률")), tr("learning rate", "학습률"))
    with np.errstate(all="ignore"):
        result = gan_1d(lr)
    distance, left = result["distance"], result["left_share"]
    low, high = MODE_SHARE
    reached = tr(f"your learning rate {lr:g}: after {GAN_STEPS} steps the averaged generator is {distance:.2f} from "
                 f"the data, with {left:.0%} of its samples in the left mode; asked: below {TARGET_DISTANCE} and "
                 f"{low:.0%} to {high:.0%} in each mode",
                 f"여러분의 학습률 {lr:g}: {GAN_STEPS}단계 뒤 평균한 생성자는 데이터로부터 {distance:.2f} 떨어져 있고, "
                 f"샘플의 {left:.0%}가 왼쪽 모드에 있습니다. 요구 조건: 거리 {TARGET_DISTANCE} 미만, 각 모드에 "
                 f"{low:.0%}~{high:.0%}")
    if np.isfinite(distance) and distance < TARGET_DISTANCE and low <= left <= high:
        return reached
    if not np.isfinite(distance):
        why = tr("Training diverged (nan): the steps are far too large",
                 "학습이 발산했습니다(nan): 한 걸음이 너무 큽니다")
    elif left < 0.1 or left > 0.9:
        why = tr("Mode collapse: nearly every sample lands in one mode, the game swings too hard at this rate",
                 "모드 붕괴: 거의 모든 샘플이 한 모드에 몰립니다. 이 학습률에서는 게임이 너무 크게 요동칩니다")
    else:
        why = tr("Both modes are there, but the samples have not settled on them within the budget",
                 "두 모드가 다 있지만, 주어진 예산 안에 샘플이 아직 자리 잡지 못했습니다")
    raise Fail(f"{reached}. {why}.")


gan_learning_rate = CHAPTER.exercise(
    "gan_learning_rate",
    judge=_judge_learning_rate,
    hints=[{"en": "Scan before you choose: `for lr in [1e-4, 1e-3, 1e-2, 1e-1]: print(lr, checks.gan_1d(lr))`. "
                  "Which rates are too slow for 300 steps, which ones make the game collapse?",
            "ko": "고르기 전에 훑어보세요: `for lr in [1e-4, 1e-3, 1e-2, 1e-1]: print(lr, checks.gan_1d(lr))`. 어떤 "
                  "학습률이 300단계에 너무 느리고, 어떤 학습률이 게임을 붕괴시키나요?"},
           {"en": "The good rates form a band between 'still on its way' and 'mode collapse'; refine your scan inside "
                  "the decade where the distance is smallest, and prefer the middle of the band to its edge.",
            "ko": "좋은 학습률은 '아직 가는 중'과 '모드 붕괴' 사이의 구간을 이룹니다. 거리가 가장 작은 자릿수 "
                  "구간(10배 범위) 안에서 더 촘촘히 훑고, 구간의 가장자리보다 한가운데를 고르세요."}],
)
