"""Chapter 00 checkers: the reference solutions pass, and plausible mistakes are caught with a useful message."""

import math

import numpy as np
import pytest
import torch

from common import checks
from common.checkers import ch00
from conftest import CHAPTERS, HANGUL, load_solutions

solutions = load_solutions(CHAPTERS / "00_tensors_autograd")


def check(name, fn):
    return getattr(ch00, name).check(fn)


# --------------------------------------------------------------------------- plausible wrong answers
def _images_float64(images):
    return torch.from_numpy(images / 255.0).unsqueeze(1)  # NumPy division gives float64


def _images_unscaled(images):
    return torch.from_numpy(images).float().unsqueeze(1)


def _images_channels_last(images):
    return torch.from_numpy(images).float().unsqueeze(-1) / 255


def _images_no_channel(images):
    return torch.from_numpy(images).float() / 255


def _images_numpy(images):
    return (images.astype(np.float32) / 255)[:, None]


def _images_divide_by_256(images):
    return torch.from_numpy(images).float().unsqueeze(1) / 256


def _images_float64_then_float(images):
    return torch.from_numpy(images / 255).unsqueeze(1).half()  # float16 is not float32 either


def _predict_a():
    return "a"


def _predict_b():
    return "B "


def _predict_number():
    return 100


# --------------------------------------------------------------------------- vector_jacobian_product
def _vjp_ignores_v(f, x, v):
    x = x.detach().clone().requires_grad_(True)
    f(x).sum().backward()
    return x.grad


def _vjp_forward_mode(f, x, v):
    jac = torch.autograd.functional.jacobian(f, x)
    return (jac.reshape(v.numel(), x.numel()) @ v.reshape(-1)).reshape(x.shape)


def _vjp_scalar_backward(f, x, v):
    x = x.detach().clone().requires_grad_(True)
    f(x).backward()  # a non-scalar y: "grad can be implicitly created only for scalar outputs"
    return x.grad


def _vjp_times_v(f, x, v):
    x = x.detach().clone().requires_grad_(True)
    f(x).sum().backward()
    return x.grad * v  # right for elementwise f only


def _vjp_on_callers_x(f, x, v):
    x.requires_grad_(True)  # the caller's tensor now records a graph and gets a .grad
    f(x).backward(gradient=v)
    return x.grad.clone()


def _vjp_returns_output(f, x, v):
    return f(x.detach())


# --------------------------------------------------------------------------- value_power
def _power_constant_exponent(a, b):
    return ch00.Value(a.data**b.data, (a,), (b.data * a.data ** (b.data - 1),), "**")


def _power_log_of_b(a, b):
    z = a.data**b.data
    return ch00.Value(z, (a, b), (b.data * a.data ** (b.data - 1), z * math.log(abs(b.data) or 1.0)), "**")


def _power_forgets_factor_b(a, b):
    z = a.data**b.data
    return ch00.Value(z, (a, b), (a.data ** (b.data - 1), z * math.log(a.data)), "**")


def _power_floats(a, b):
    return a.data**b.data


def _power_copies_parents(a, b):
    z = a.data**b.data
    a2, b2 = ch00.Value(a.data), ch00.Value(b.data)  # new leaves: the caller's a and b get no gradient
    return ch00.Value(z, (a2, b2), (b.data * a.data ** (b.data - 1), z * math.log(a.data)), "**")


def _power_value_local_grads(a, b):
    z = a.data**b.data
    return ch00.Value(z, (a, b), (b * a ** (b.data - 1), ch00.Value(z * math.log(a.data))), "**")


def _power_exp_log(a, b):
    return (b * ch00.Value(math.log(a.data), (a,), (1 / a.data,), "log")).exp()  # right, by composition


def _power_one_grad(a, b):
    z = a.data**b.data
    return ch00.Value(z, (a, b), (b.data * a.data ** (b.data - 1),), "**")


# --------------------------------------------------------------------------- accumulated_step
def _accum_zero_grad_inside(model, optimizer, loss_fn, batches):
    losses = []
    for x, y in batches:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        (loss / len(batches)).backward()
        losses.append(loss.item())
    optimizer.step()
    return sum(losses) / len(losses)


def _accum_no_division(model, optimizer, loss_fn, batches):
    optimizer.zero_grad()
    losses = []
    for x, y in batches:
        loss = loss_fn(model(x), y)
        loss.backward()
        losses.append(loss.item())
    optimizer.step()
    return sum(losses) / len(losses)


def _accum_step_inside(model, optimizer, loss_fn, batches):
    optimizer.zero_grad()
    losses = []
    with torch.no_grad():
        losses = [loss_fn(model(x), y).item() for x, y in batches]
    for x, y in batches:
        (loss_fn(model(x), y) / len(batches)).backward()
        optimizer.step()
    return sum(losses) / len(losses)


def _accum_no_zero_grad(model, optimizer, loss_fn, batches):
    losses = []
    for x, y in batches:
        loss = loss_fn(model(x), y)
        (loss / len(batches)).backward()
        losses.append(loss.item())
    optimizer.step()
    return sum(losses) / len(losses)


def _accum_concatenates(model, optimizer, loss_fn, batches):
    optimizer.zero_grad()
    x, y = torch.cat([b[0] for b in batches]), torch.cat([b[1] for b in batches])
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()


def _accum_returns_sum(model, optimizer, loss_fn, batches):
    return solutions.accumulated_step(model, optimizer, loss_fn, batches) * len(batches)


def _accum_returns_tensor(model, optimizer, loss_fn, batches):
    return torch.tensor(solutions.accumulated_step(model, optimizer, loss_fn, batches))


def _accum_no_step(model, optimizer, loss_fn, batches):
    optimizer.zero_grad()
    losses = []
    for x, y in batches:
        loss = loss_fn(model(x), y)
        (loss / len(batches)).backward()
        losses.append(loss.item())
    return sum(losses) / len(losses)


# --------------------------------------------------------------------------- line_learning_rate (experiment)
def _lr_lesson():
    return 0.1  # the lesson's rate: right for 100 steps, too slow for 10


def _lr_too_large():
    return 0.68


def _lr_explodes():
    return 1.5


def _lr_negative():
    return -0.3


def _lr_as_text():
    return "0.3"


WRONG = [
    ("to_tensor_images", _images_float64, "wrong dtype"),
    ("to_tensor_images", _images_unscaled, "dividing by 255"),
    ("to_tensor_images", _images_channels_last, "channels-last"),
    ("to_tensor_images", _images_no_channel, "wrong shape"),
    ("to_tensor_images", _images_numpy, "expected a torch.Tensor"),
    ("to_tensor_images", _images_divide_by_256, "not 256"),
    ("to_tensor_images", _images_float64_then_float, "wrong dtype"),
    ("predict_broadcast", _predict_a, "not what happens: you chose 'a'"),
    ("predict_broadcast", _predict_b, "not what happens: you chose 'b'"),
    ("predict_broadcast", _predict_number, "answer with one of"),
    ("vector_jacobian_product", _vjp_ignores_v, "weight the outputs by v"),
    ("vector_jacobian_product", _vjp_forward_mode, "that is J v"),
    ("vector_jacobian_product", _vjp_scalar_backward, "raised RuntimeError"),
    ("vector_jacobian_product", _vjp_times_v, "right only when y_j depends on x_j alone"),
    ("vector_jacobian_product", _vjp_on_callers_x, "changed its input `x` in place"),
    ("vector_jacobian_product", _vjp_returns_output, "wrong"),
    ("value_power", _power_constant_exponent, "the exponent is a Value too"),
    ("value_power", _power_log_of_b, "not ln b"),
    ("value_power", _power_forgets_factor_b, "the factor b is missing"),
    ("value_power", _power_floats, "return a Value"),
    ("value_power", _power_copies_parents, "list the input Values themselves"),
    ("value_power", _power_value_local_grads, "plain numbers"),
    ("value_power", _power_one_grad, "one local gradient per parent"),
    ("accumulated_step", _accum_zero_grad_inside, "only the last micro-batch"),
    ("accumulated_step", _accum_no_division, "divide each micro-batch loss"),
    ("accumulated_step", _accum_step_inside, "once, after the loop"),
    ("accumulated_step", _accum_no_zero_grad, "gradients of the previous call"),
    ("accumulated_step", _accum_concatenates, "examples at once"),
    ("accumulated_step", _accum_returns_sum, "return their mean"),
    ("accumulated_step", _accum_returns_tensor, "Python float"),
    ("accumulated_step", _accum_no_step, "did not change"),
    ("line_learning_rate", _lr_lesson, "your learning rate 0.1 reached loss"),
    ("line_learning_rate", _lr_too_large, "too large"),
    ("line_learning_rate", _lr_explodes, "exploded"),
    ("line_learning_rate", _lr_negative, "positive"),
    ("line_learning_rate", _lr_as_text, "return one number"),
]


@pytest.mark.parametrize("name, fn, words", WRONG, ids=[fn.__name__.strip("_") for _, fn, _ in WRONG])
def test_wrong_answer_is_rejected(name, fn, words):
    result = check(name, fn)
    assert not result.passed, f"{fn.__name__} should fail, got: {result}"
    assert words in str(result), str(result)


@pytest.mark.parametrize(
    "name, fn, hint",
    [
        ("to_tensor_images", _images_divide_by_256, "divide by 255, not 256"),
        ("vector_jacobian_product", _vjp_ignores_v, "y.backward(gradient=v)"),
        ("vector_jacobian_product", _vjp_forward_mode, "backward gives v^T J"),
    ],
    ids=lambda v: v.__name__.strip("_") if callable(v) else None,
)
def test_a_classic_mistake_is_named(name, fn, hint):
    result = check(name, fn)
    assert not result.passed and hint in result.message and "Hint:" in result.message, str(result)


def test_the_predicted_behaviour_of_mse_loss_is_what_torch_does():
    """The answer 'c': mse_loss warns about the sizes, then broadcasts (100, 1) against (100,) all the same."""
    x = torch.linspace(-2, 2, 100)
    pred, y = (2 * x + 1).reshape(-1, 1), 2 * x + 1
    with pytest.warns(UserWarning, match="different to the input size"):
        loss = torch.nn.functional.mse_loss(pred, y)
    assert torch.isclose(loss, ((pred - y) ** 2).mean()) and loss > 1 and solutions.predict_broadcast() == "c"


def test_a_wrong_prediction_shows_why():
    result = check("predict_broadcast", _predict_a)
    assert "(100, 100)" in result.message and "y.reshape(-1, 1)" in result.message, str(result)


def test_the_experiment_says_what_was_reached_and_what_was_asked():
    result = check("line_learning_rate", _lr_lesson)
    assert "reached loss 0.1" in result.message and "asked: below 0.0879" in result.message, str(result)
    assert "too small" in result.message, str(result)
    assert "0.0879" in str(check("line_learning_rate", solutions.line_learning_rate))


def test_the_power_is_right_by_composition_too():
    """exp(b ln a) built from the engine's own operations is a right answer: the check runs backward."""
    assert check("value_power", _power_exp_log).passed


def test_the_exported_value_is_the_lessons_engine():
    a, b, c = ch00.Value(2.0), ch00.Value(-1.5), ch00.Value(0.5)
    loss = (a * b + c).tanh() * c
    loss.backward()
    t = math.tanh(2.0 * -1.5 + 0.5)
    assert abs(a.grad - 0.5 * (1 - t**2) * -1.5) < 1e-12 and abs(c.grad - (0.5 * (1 - t**2) + t)) < 1e-12
    x, y = ch00.line_data()
    assert tuple(x.shape) == tuple(y.shape) == (100, 1) and x.dtype == torch.float32


# --------------------------------------------------------------------------- the Korean edition (한국어판)


def test_a_right_answer_is_told_in_korean(korean):
    assert all(HANGUL.search(str(ch00.CHAPTER.exercises[name].check(getattr(solutions, name))))
               for name in ch00.CHAPTER.exercises), "a pass message is not Korean"


KOREAN_WRONG = [
    ("to_tensor_images", _images_channels_last, "채널 마지막(Keras) 형식입니다. PyTorch는 (2, 1, 3, 4)"),
    ("to_tensor_images", _images_divide_by_256, "256이 아니라 255로 나누세요"),
    ("predict_broadcast", _predict_a, "(100, 100)으로 브로드캐스팅합니다"),
    ("vector_jacobian_product", _vjp_forward_mode, "그것은 J v입니다"),
    ("value_power", _power_log_of_b, "ln b가 아니라 밑의 로그인 ln a"),
    ("value_power", _power_one_grad, "부모는 2개인데 국소 기울기는 1개입니다"),
    ("accumulated_step", _accum_no_division, "마이크로배치 개수로 나누세요"),
    ("accumulated_step", _accum_concatenates, "모델이 예제 16개를 한꺼번에 보았습니다"),
    ("line_learning_rate", _lr_lesson, "너무 작습니다"),
]


@pytest.mark.parametrize("name, fn, words", KOREAN_WRONG, ids=[fn.__name__.strip("_") for _, fn, _ in KOREAN_WRONG])
def test_a_wrong_answer_is_explained_in_korean(korean, name, fn, words):
    result = check(name, fn)
    assert not result.passed and str(result).startswith("실패"), str(result)
    assert words in result.message, str(result)


def test_the_language_goes_back_to_english():
    checks.set_language("ko")
    try:
        assert "채널 마지막" in check("to_tensor_images", _images_channels_last).message
    finally:
        checks.set_language("en")
    assert "channels-last (Keras)" in check("to_tensor_images", _images_channels_last).message
