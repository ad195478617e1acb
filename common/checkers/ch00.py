"""Exercises of chapter 00, tensors, autograd and the training step: ``checks.<name>.check(fn)``, ``.hint()``,
``.solution()``.

The reference answers are the chapter's ``solutions.py``; this module holds what is specific to each
exercise: its cases, the brief's worked example, classic mistakes, hints, and the judges of the exercises
that are checked by what they do: a new operation for the lesson's ``Value`` engine (run backward and compared
with ``torch.autograd``), a training step that accumulates gradients over micro-batches, and the experiment
``line_learning_rate`` (the checker fits the lesson's line with the learner's learning rate and says how close
it got). ``Value`` (the lesson's class) and ``line_data`` are exported for the notebook.
"""
from __future__ import annotations

import math
import numbers

import numpy as np
import torch
from torch import nn

from common.checks import Chapter, Fail, call, cap, case, compare_values, example, one_number, tr

CHAPTER = Chapter("00_tensors_autograd")
__getattr__ = CHAPTER.legacy

_SEED = 0


def _rng(offset: int = 0) -> np.random.Generator:
    return np.random.default_rng(_SEED + offset)


def _t(text: dict) -> str:
    """A ``{"en": ..., "ko": ...}`` message in the learner's language, chosen when a check runs."""
    return tr(text["en"], text["ko"])


# --------------------------------------------------------------------------- the lesson's Value engine
class Value:
    """A scalar that remembers how it was computed (the lesson's class, section 2).

    ``Value(data, parents, local_grads, op)``: ``parents`` are the Values this one was computed from and
    ``local_grads`` holds d(this)/d(parent), one plain number per parent. ``backward()`` fills ``.grad``.
    """

    def __init__(self, data, parents=(), local_grads=(), op="", label=""):
        self.data = float(data)
        self.grad = 0.0
        self.parents = parents
        self.local_grads = local_grads
        self.op, self.label = op, label

    def __repr__(self):
        return f"Value({self.label or self.op or 'leaf'}: data={self.data:.4g}, grad={self.grad:.4g})"

    @staticmethod
    def wrap(x):
        return x if isinstance(x, Value) else Value(x)

    def __add__(self, other):
        other = Value.wrap(other)
        return Value(self.data + other.data, (self, other), (1.0, 1.0), "+")

    def __mul__(self, other):
        other = Value.wrap(other)
        return Value(self.data * other.data, (self, other), (other.data, self.data), "*")

    def __pow__(self, k):  # k is a plain number
        return Value(self.data**k, (self,), (k * self.data ** (k - 1),), f"**{k}")

    def tanh(self):
        t = math.tanh(self.data)
        return Value(t, (self,), (1.0 - t * t,), "tanh")

    def exp(self):
        e = math.exp(self.data)
        return Value(e, (self,), (e,), "exp")

    def relu(self):
        return Value(max(self.data, 0.0), (self,), (1.0 if self.data > 0 else 0.0,), "relu")

    def __neg__(self):
        return self * -1.0

    def __sub__(self, other):
        return self + (-Value.wrap(other))

    def __truediv__(self, other):
        return self * Value.wrap(other) ** -1

    __radd__ = __add__
    __rmul__ = __mul__

    def __rsub__(self, other):
        return Value.wrap(other) - self

    def __rtruediv__(self, other):
        return Value.wrap(other) / self

    def backward(self):
        """Set .grad of every Value this one depends on to d(self)/d(that Value)."""
        order = topological_order(self)
        for v in order:
            if v.parents:
                v.grad = 0.0
        self.grad = 1.0
        for v in reversed(order):
            for parent, local in zip(v.parents, v.local_grads):
                parent.grad += v.grad * local


def topological_order(root):
    """All Values that ``root`` depends on, each listed after its parents (depth-first search)."""
    order, seen = [], set()

    def visit(v):
        if v not in seen:
            seen.add(v)
            for p in v.parents:
                visit(p)
            order.append(v)

    visit(root)
    return order


# --------------------------------------------------------------------------- 1. to_tensor_images
def _images_cases():
    rng = _rng(1)
    return [
        case({"en": "5 random 28x28 images", "ko": "무작위 28x28 이미지 5장"},
             rng.integers(0, 256, size=(5, 28, 28), dtype=np.uint8)),
        case({"en": "a batch of 1 non-square 8x6 image", "ko": "정사각형이 아닌 8x6 이미지 1장의 배치"},
             rng.integers(0, 256, size=(1, 8, 6), dtype=np.uint8)),
        case({"en": "2 black 3x3 images (all zeros)", "ko": "검은 3x3 이미지 2장(모두 0)"},
             np.zeros((2, 3, 3), dtype=np.uint8)),
        case({"en": "3 white 4x5 images (all 255)", "ko": "흰 4x5 이미지 3장(모두 255)"},
             np.full((3, 4, 5), 255, dtype=np.uint8)),
    ]


def _compare_images(expected: torch.Tensor, got, rtol: float = 1e-6, atol: float = 1e-7) -> str | None:
    if got is None:
        return tr("the result is None: did you forget `return`?", "결과가 None입니다: `return`을 빠뜨렸나요?")
    if not isinstance(got, torch.Tensor):
        kind = type(got).__name__
        return tr(f"expected a torch.Tensor, got {kind}: convert with torch.from_numpy or torch.as_tensor",
                  f"torch.Tensor를 반환해야 하는데 {kind}입니다: torch.from_numpy나 torch.as_tensor로 바꾸세요")
    n, _, h, w = expected.shape
    if tuple(got.shape) == (n, h, w, 1):
        return tr(f"wrong shape {tuple(got.shape)}: that is channels-last (Keras); PyTorch wants {(n, 1, h, w)}",
                  f"모양 {tuple(got.shape)}이(가) 틀렸습니다: 그것은 채널 마지막(Keras) 형식입니다. "
                  f"PyTorch는 {(n, 1, h, w)}을(를) 원합니다")
    if tuple(got.shape) != tuple(expected.shape):
        return tr(f"wrong shape: expected (N, 1, H, W) = {tuple(expected.shape)}, got {tuple(got.shape)}",
                  f"모양이 틀렸습니다: 기대값 (N, 1, H, W) = {tuple(expected.shape)}, 받은 값 {tuple(got.shape)}")
    if got.dtype != torch.float32:
        why = tr(" (NumPy's `/ 255` gives float64: use .float() or astype(np.float32))",
                 " (NumPy의 `/ 255`는 float64가 됩니다: .float()나 astype(np.float32)를 쓰세요)")
        why = why if got.dtype == torch.float64 else ""
        return tr(f"wrong dtype: expected torch.float32, got {got.dtype}{why}",
                  f"자료형이 틀렸습니다: 기대값 torch.float32, 받은 값 {got.dtype}{why}")
    if got.numel() and float(got.max()) > 1.0 + 1e-6:
        top = f"{float(got.max()):.4g}"
        return tr(f"values go up to {top}: scale the pixels into [0, 1] by dividing by 255",
                  f"값이 {top}까지 올라갑니다: 255로 나누어 픽셀을 [0, 1] 범위로 스케일하세요")
    return compare_values(expected, got, rtol, atol, what=tr("image tensor", "이미지 텐서"))


to_tensor_images = CHAPTER.exercise(
    "to_tensor_images",
    examples=[
        example(torch.ones((2, 1, 3, 4)),
                {"en": "the brief's example: 2 white 3x4 images", "ko": "문제 설명의 예: 흰 3x4 이미지 2장"},
                np.full((2, 3, 4), 255, dtype=np.uint8)),
        example(torch.tensor([[[[0.0, 0.2, 1.0]]]]),
                {"en": "one 1x3 image with pixels 0, 51, 255", "ko": "픽셀이 0, 51, 255인 1x3 이미지 1장"},
                np.array([[[0, 51, 255]]], dtype=np.uint8)),
    ],
    cases=_images_cases,
    compare=_compare_images,
    rtol=1e-6,
    mistakes=[(lambda images: torch.from_numpy(images).float().unsqueeze(1) / 256,
               {"en": "the largest pixel value is 255: divide by 255, not 256",
                "ko": "가장 큰 픽셀 값은 255입니다: 256이 아니라 255로 나누세요"})],
    hints=[
        {"en": "Three steps: NumPy array to torch tensor, uint8 to float32 scaled into [0, 1], and a channel axis of "
               "size 1.",
         "ko": "세 단계입니다: NumPy 배열을 torch 텐서로, uint8을 [0, 1]로 스케일한 float32로, 그리고 크기 1인 채널 "
               "축 추가."},
        {"en": "`torch.from_numpy(images)` shares the array; `.float()` makes it float32 (do it before dividing, so "
               "the result stays float32); `unsqueeze(1)` inserts the channel axis after the batch axis: (N, 1, H, W).",
         "ko": "`torch.from_numpy(images)`는 배열과 메모리를 공유합니다. `.float()`는 float32로 바꿉니다(나누기 전에 "
               "해야 결과가 float32로 남습니다). `unsqueeze(1)`은 배치 축 뒤에 채널 축을 넣습니다: (N, 1, H, W)."},
        {"en": "`return torch.from_numpy(images).float().unsqueeze(1) / 255`.",
         "ko": "`return torch.from_numpy(images).float().unsqueeze(1) / 255`입니다."},
    ],
)


# --------------------------------------------------------------------------- 2. predict_broadcast (predict first)
predict_broadcast = CHAPTER.predict(
    "predict_broadcast",
    why={"en": "mse_loss only warns, then broadcasts to (100, 100) like the hand-written loss. Make the shapes "
               "equal yourself: y.reshape(-1, 1).",
         "ko": "mse_loss는 경고만 하고, 직접 작성한 손실과 똑같이 (100, 100)으로 브로드캐스팅합니다. 모양은 직접 "
               "맞추세요: y.reshape(-1, 1)."},
    options={
        "a": {"en": "the mean of the 100 squared errors: the library lines the shapes up for you",
              "ko": "제곱 오차 100개의 평균: 라이브러리가 모양을 알아서 맞춰 준다"},
        "b": {"en": "an error, because the two shapes differ", "ko": "두 모양이 다르므로 오류"},
        "c": {"en": "a warning, then the same (100, 100) broadcast as the hand-written loss",
              "ko": "경고를 낸 뒤, 직접 작성한 손실과 같은 (100, 100) 브로드캐스팅"},
    },
    hints=[
        {"en": "A library function cannot know which of your axes are examples: it sees two shapes, (100, 1) and "
               "(100,), and the broadcasting rule of the lesson's section 1 says they are compatible.",
         "ko": "라이브러리 함수는 어느 축이 예제인지 알 수 없습니다. 함수가 보는 것은 두 모양 (100, 1)과 (100,)뿐이고, "
               "이 장 1절의 브로드캐스팅 규칙에 따르면 둘은 호환됩니다."},
        {"en": "Refusing would break code that broadcasts on purpose; PyTorch's mse_loss chose a middle way. Answer "
               "'a', 'b' or 'c'; `checks.predict_broadcast.solution()` shows the answer.",
         "ko": "거부하면 일부러 브로드캐스팅하는 코드가 깨집니다. PyTorch의 mse_loss는 중간 길을 택했습니다. 'a', 'b', "
               "'c' 중 하나로 답하세요. `checks.predict_broadcast.solution()`이 답을 보여 줍니다."},
    ],
)


# --------------------------------------------------------------------------- 3. vector_jacobian_product
def _vjp_cases():
    g = torch.Generator().manual_seed(_SEED + 3)

    def randn(*shape):
        return torch.randn(*shape, generator=g, dtype=torch.float64)

    A, S, B = randn(2, 3), randn(3, 3), randn(3, 4)  # S is square but not symmetric: J^T v differs from J v

    def wide(x):
        return A @ x

    def square(x):
        return S @ x

    def outer(x):
        return torch.outer(x, x)

    def softmax(x):
        return torch.softmax(x, dim=0)

    def total(x):
        return (x**3).sum()

    def tanh_layer(x):
        return torch.tanh(x @ B)

    return [
        case({"en": "f(x) = S @ x with a square, non-symmetric S", "ko": "f(x) = S @ x, S는 대칭이 아닌 정사각 행렬"},
             square, randn(3), randn(3)),
        case({"en": "f(x) = A @ x with A of shape (2, 3): y has 2 entries, x has 3",
              "ko": "f(x) = A @ x, A의 모양은 (2, 3): y의 원소는 2개, x의 원소는 3개"}, wide, randn(3), randn(2)),
        case({"en": "f(x) = outer(x, x): y of shape (3, 3) from x of shape (3,)",
              "ko": "f(x) = outer(x, x): 모양 (3,)인 x에서 모양 (3, 3)인 y"}, outer, randn(3), randn(3, 3)),
        case({"en": "f(x) = softmax(x): every output depends on every input",
              "ko": "f(x) = softmax(x): 모든 출력이 모든 입력에 의존"}, softmax, randn(4), randn(4)),
        case({"en": "f(x) = sum(x**3), a scalar output: v is a 0-d tensor",
              "ko": "f(x) = sum(x**3), 스칼라 출력: v는 0차원 텐서"}, total, randn(2, 2),
             torch.tensor(2.0, dtype=torch.float64)),
        case({"en": "f(x) = tanh(x @ B), x of shape (2, 3), y of shape (2, 4)",
              "ko": "f(x) = tanh(x @ B), x의 모양은 (2, 3), y의 모양은 (2, 4)"}, tanh_layer, randn(2, 3),
             randn(2, 4)),
    ]


def _vjp_ignores_v(f, x, v):
    x = x.detach().clone().requires_grad_(True)
    f(x).sum().backward()
    return x.grad


def _vjp_forward_mode(f, x, v):  # J v instead of v^T J: right only when J is symmetric
    jac = torch.autograd.functional.jacobian(f, x)
    return (jac.reshape(v.numel(), x.numel()) @ v.reshape(-1)).reshape(x.shape)


vector_jacobian_product = CHAPTER.exercise(
    "vector_jacobian_product",
    examples=[example(torch.tensor([2.0, 0.0, 0.0], dtype=torch.float64),
                      {"en": "the brief's example: f(x) = x**2, x = [1, 2, 3], v = [1, 0, 0]",
                       "ko": "문제 설명의 예: f(x) = x**2, x = [1, 2, 3], v = [1, 0, 0]"},
                      lambda x: x**2, torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64),
                      torch.tensor([1.0, 0.0, 0.0], dtype=torch.float64))],
    cases=_vjp_cases,
    rtol=1e-6,
    atol=1e-9,
    compare=lambda expected, got, rtol, atol: compare_values(expected, got, rtol, atol,
                                                             what=tr("vector-Jacobian product", "벡터-야코비 곱")),
    mistakes=[
        (_vjp_ignores_v, {"en": "backward() of f(x).sum() uses a v of ones: weight the outputs by v, with "
                                "y.backward(gradient=v) or (y * v).sum().backward()",
                          "ko": "f(x).sum()의 backward()는 모두 1인 v를 씁니다: y.backward(gradient=v)나 "
                                "(y * v).sum().backward()로 출력에 v만큼 가중치를 주세요"}),
        (_vjp_forward_mode, {"en": "that is J v; backward gives v^T J, which sums over the outputs: "
                                   "entry i is sum_j v_j dy_j/dx_i",
                             "ko": "그것은 J v입니다. backward는 출력에 대해 합하는 v^T J를 줍니다: "
                                   "i번째 원소는 sum_j v_j dy_j/dx_i입니다"}),
        (lambda f, x, v: _vjp_ignores_v(f, x, v) * v,
         {"en": "multiplying the gradient of sum(y) by v afterwards is right only when y_j depends on x_j alone: let "
                "backward weight the outputs by v",
          "ko": "sum(y)의 기울기에 나중에 v를 곱하는 것은 y_j가 x_j에만 의존할 때만 맞습니다: backward가 출력에 "
                "v만큼 가중치를 주게 하세요"}),
    ],
    hints=[
        {"en": "backward() on a non-scalar y needs to know how much each output matters: that is v. The result is "
               "the gradient of the scalar sum_j v_j y_j.",
         "ko": "스칼라가 아닌 y에서 backward()를 하려면 각 출력이 얼마나 중요한지 알아야 합니다: 그것이 v입니다. "
               "결과는 스칼라 sum_j v_j y_j의 기울기입니다."},
        {"en": "Make a fresh leaf `x = x.detach().clone().requires_grad_(True)`, compute `y = f(x)`, then "
               "`y.backward(gradient=v)` (or `(y * v).sum().backward()`), and return the leaf's `.grad`.",
         "ko": "새 리프 노드 `x = x.detach().clone().requires_grad_(True)`를 만들고, `y = f(x)`를 계산한 다음 "
               "`y.backward(gradient=v)`(또는 `(y * v).sum().backward()`)를 실행하고, 리프 노드의 `.grad`를 "
               "반환하세요."},
        {"en": "`x = x.detach().clone().requires_grad_(True)`; `f(x).backward(gradient=v)`; `return x.grad`. "
               "`checks.vector_jacobian_product.solution()` shows it in full.",
         "ko": "`x = x.detach().clone().requires_grad_(True)`; `f(x).backward(gradient=v)`; `return x.grad`. "
               "`checks.vector_jacobian_product.solution()`이 전체 코드를 보여 줍니다."},
    ],
)


# --------------------------------------------------------------------------- 4. value_power (judged)
def _is_value_like(obj) -> bool:
    return all(hasattr(obj, attr) for attr in ("data", "parents", "local_grads"))


def _grads_of(root) -> dict[int, float]:
    """d(root)/d(node) for every node of root's graph, by id; reads only .parents and .local_grads."""
    order, seen = [], set()

    def visit(v):
        if id(v) not in seen:
            seen.add(id(v))
            for p in v.parents:
                visit(p)
            order.append(v)

    visit(root)
    grads = {id(root): 1.0}
    for v in reversed(order):
        for parent, local in zip(v.parents, v.local_grads):
            grads[id(parent)] = grads.get(id(parent), 0.0) + grads.get(id(v), 0.0) * float(local)
    return grads


_POWER_CASES = [  # label, input values, the graph built with the learner's function
    ({"en": "the brief's example: a = 2, b = 3", "ko": "문제 설명의 예: a = 2, b = 3"}, {"a": 2.0, "b": 3.0},
     lambda f, v: f(v["a"], v["b"])),
    ({"en": "a = 0.5, b = -1.5 (a negative exponent)", "ko": "a = 0.5, b = -1.5 (음의 지수)"},
     {"a": 0.5, "b": -1.5}, lambda f, v: f(v["a"], v["b"])),
    ({"en": "a = 3, b = 0 (z = 1 whatever a is)", "ko": "a = 3, b = 0 (a가 무엇이든 z = 1)"}, {"a": 3.0, "b": 0.0},
     lambda f, v: f(v["a"], v["b"])),
    ({"en": "a = 1, b = 2.5 (ln a = 0)", "ko": "a = 1, b = 2.5 (ln a = 0)"}, {"a": 1.0, "b": 2.5},
     lambda f, v: f(v["a"], v["b"])),
    ({"en": "a power of a power, (a ** b) ** c with a = 1.5, b = 2, c = 0.5",
      "ko": "거듭제곱의 거듭제곱, (a ** b) ** c, a = 1.5, b = 2, c = 0.5"}, {"a": 1.5, "b": 2.0, "c": 0.5},
     lambda f, v: f(f(v["a"], v["b"]), v["c"])),
    ({"en": "x ** x: one Value as base and exponent, x = 2", "ko": "x ** x: 하나의 Value가 밑이자 지수, x = 2"},
     {"x": 2.0}, lambda f, v: f(v["x"], v["x"])),
]


def _torch_power(values: dict, label: str):
    t = {k: torch.tensor(val, dtype=torch.float64, requires_grad=True) for k, val in values.items()}
    if "x" in t:
        z = t["x"] ** t["x"]
    elif "c" in t:
        z = (t["a"] ** t["b"]) ** t["c"]
    else:
        z = t["a"] ** t["b"]
    z.backward()
    return z.item(), {k: t[k].grad.item() for k in t}


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def _judge_value_power(fn) -> str:
    for label_text, values, build in _POWER_CASES:
        label = _t(label_text)
        where = tr(f" (case: {label})", f" (사례: {label})")
        inputs = {k: Value(val, label=k) for k, val in values.items()}
        z = call(build, fn, inputs, label=label)
        if z is None:
            raise Fail(tr("the result is None: did you forget `return`?", "결과가 None입니다: `return`을 빠뜨렸나요?")
                       + where)
        if not _is_value_like(z):
            kind = type(z).__name__
            raise Fail(tr(f"return a Value(data, parents, local_grads, op), not {kind}",
                          f"Value(data, parents, local_grads, op)를 반환하세요. {kind}이(가) 아니라") + where)
        if any(v.data != values[k] or v.parents for k, v in inputs.items()):
            raise Fail(tr("your function changed its input Values: build a new Value for the result",
                          "함수가 입력 Value를 바꾸었습니다: 결과로는 새 Value를 만드세요") + where)
        try:
            parents, locals_ = tuple(z.parents), tuple(z.local_grads)
        except TypeError:
            raise Fail(tr("parents and local_grads must be tuples, e.g. (a, b) and (dz_da, dz_db)",
                          "parents와 local_grads는 튜플이어야 합니다. 예: (a, b)와 (dz_da, dz_db)") + where) from None
        if len(parents) != len(locals_):
            raise Fail(tr(f"{len(parents)} parents but {len(locals_)} local gradients: one local gradient per parent",
                          f"부모는 {len(parents)}개인데 국소 기울기는 {len(locals_)}개입니다: 부모마다 국소 기울기가 "
                          f"하나씩 있어야 합니다") + where)
        if any(not isinstance(g, numbers.Real) for g in locals_):
            kind = next(type(g).__name__ for g in locals_ if not isinstance(g, numbers.Real))
            raise Fail(tr(f"local_grads must hold plain numbers, not {kind}: compute them from a.data and b.data",
                          f"local_grads에는 {kind}이(가) 아니라 보통의 수가 들어 있어야 합니다: a.data와 b.data로 "
                          f"계산하세요") + where)
        data, expected = _torch_power(values, label)
        if not isinstance(z.data, numbers.Real) or not _close(float(z.data), data):
            got_s = cap(repr(z.data), 40)
            raise Fail(tr(f"wrong data of the result: expected {data:.6g}, got {got_s}",
                          f"결과의 data가 틀렸습니다: 기대값 {data:.6g}, 받은 값 {got_s}") + where)
        grads = _grads_of(z)
        for name, value in inputs.items():
            got, want = grads.get(id(value), 0.0), expected[name]
            if _close(got, want):
                continue
            a_val, b_val = values.get("a", values.get("x")), values.get("b", values.get("x"))
            simple = len(values) == 2
            if id(value) not in {id(p) for p in _ancestors(z)}:
                if name == "b":
                    why = tr(f"{name} is not among the result's parents: the exponent is a Value too, so z = a ** b "
                             f"has two parents, (a, b), each with its own local gradient",
                             f"{name}이(가) 결과의 부모에 없습니다: 지수도 Value이므로 z = a ** b의 부모는 (a, b) 두 "
                             f"개이고, 각각 자신의 국소 기울기를 가집니다")
                else:
                    why = tr(f"{name} is not among the result's parents: list the input Values themselves, (a, b)",
                             f"{name}이(가) 결과의 부모에 없습니다: 입력 Value 자체를 (a, b)로 적으세요")
            elif simple and name == "b" and b_val > 0 and _close(got, a_val**b_val * math.log(b_val)):
                why = tr("the local gradient for the exponent uses ln a, the log of the base, not ln b",
                         "지수에 대한 국소 기울기에는 ln b가 아니라 밑의 로그인 ln a가 들어갑니다")
            elif simple and name == "a" and _close(got, a_val ** (b_val - 1)):
                why = tr("the local gradient for the base is b * a ** (b - 1): the factor b is missing",
                         "밑에 대한 국소 기울기는 b * a ** (b - 1)입니다: 인수 b가 빠졌습니다")
            elif name == "x":
                why = tr("x is both parents: each of its two uses passes back its own local gradient, and they add up",
                         "x는 두 부모 모두입니다: 두 번의 쓰임이 각자 국소 기울기를 돌려보내고, 그 둘이 더해집니다")
            else:
                why = tr("the local gradients are dz/da = b * a ** (b - 1) for the base and dz/db = a ** b * ln(a) "
                         "for the exponent",
                         "국소 기울기는 밑에 대해 dz/da = b * a ** (b - 1), 지수에 대해 dz/db = a ** b * ln(a)입니다")
            raise Fail(tr(f"wrong gradient of {name} after backward: expected {want:.6g}, got {got:.6g}: {why}",
                          f"backward 후 {name}의 기울기가 틀렸습니다: 기대값 {want:.6g}, 받은 값 {got:.6g}: {why}")
                       + where)
    n = len(_POWER_CASES)
    return tr(f"data and gradients equal torch.autograd's on all {n} cases, chained and shared ones too",
              f"이어 붙인 경우와 공유한 경우를 포함해 {n}개 사례 모두에서 data와 기울기가 torch.autograd와 같습니다")


def _ancestors(root) -> list:
    out, seen, stack = [], set(), [root]
    while stack:
        v = stack.pop()
        if id(v) not in seen:
            seen.add(id(v))
            out.append(v)
            stack.extend(v.parents)
    return out


value_power = CHAPTER.exercise(
    "value_power",
    judge=_judge_value_power,
    hints=[
        {"en": "Every operation of the engine does two things at once: it computes the result's data, and it stores, "
               "for each parent, the local gradient d(result)/d(parent) as a plain number. backward() does the rest.",
         "ko": "엔진의 모든 연산은 두 가지를 한꺼번에 합니다: 결과의 data를 계산하고, 부모마다 국소 기울기 "
               "d(result)/d(parent)를 보통의 수로 저장합니다. 나머지는 backward()가 합니다."},
        {"en": "Here z = a ** b has two parents, a and b. Treat b as a constant for dz/da (the power rule) and a as a "
               "constant for dz/db (a ** b = e ** (b ln a)). Use math.log and the .data of each Value.",
         "ko": "여기서 z = a ** b의 부모는 a와 b 두 개입니다. dz/da에서는 b를 상수로(거듭제곱 법칙), dz/db에서는 a를 "
               "상수로(a ** b = e ** (b ln a)) 보세요. math.log와 각 Value의 .data를 쓰세요."},
        {"en": "`z = a.data ** b.data`, then `return Value(z, (a, b), (b.data * a.data ** (b.data - 1), "
               "z * math.log(a.data)), '**')`. `checks.value_power.solution()` shows it.",
         "ko": "`z = a.data ** b.data` 다음에 `return Value(z, (a, b), (b.data * a.data ** (b.data - 1), "
               "z * math.log(a.data)), '**')`. `checks.value_power.solution()`이 이 코드를 보여 줍니다."},
    ],
)


# --------------------------------------------------------------------------- 5. accumulated_step (judged)
_ACCUM_SCENARIOS = {
    "linear": {"en": "nn.Linear(3, 2), SGD(lr=0.1, momentum=0.9), MSELoss, 4 micro-batches of 4",
               "ko": "nn.Linear(3, 2), SGD(lr=0.1, momentum=0.9), MSELoss, 크기 4인 마이크로배치 4개"},
    "mlp": {"en": "a 3-8-4 tanh MLP, SGD(lr=0.2), CrossEntropyLoss, 3 micro-batches of 5",
            "ko": "3-8-4 tanh MLP, SGD(lr=0.2), CrossEntropyLoss, 크기 5인 마이크로배치 3개"},
    "adam": {"en": "nn.Linear(4, 1), Adam(lr=0.01), L1Loss, 2 micro-batches of 6",
             "ko": "nn.Linear(4, 1), Adam(lr=0.01), L1Loss, 크기 6인 마이크로배치 2개"},
}
_ACCUM_CALLS = 2


def _accum_setup(kind: str):
    """A fresh (model, optimizer, loss_fn, batches) for one scenario; the same every call."""
    with torch.random.fork_rng():
        torch.manual_seed(_SEED)
        if kind == "linear":
            model = nn.Linear(3, 2)
            optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
            loss_fn = nn.MSELoss()
            batches = [(torch.randn(4, 3), torch.randn(4, 2)) for _ in range(4)]
        elif kind == "mlp":
            model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 4))
            optimizer = torch.optim.SGD(model.parameters(), lr=0.2)
            loss_fn = nn.CrossEntropyLoss()
            batches = [(torch.randn(5, 3), torch.randint(0, 4, (5,))) for _ in range(3)]
        else:
            model = nn.Linear(4, 1)
            optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
            loss_fn = nn.L1Loss()
            batches = [(torch.randn(6, 4), torch.randn(6, 1)) for _ in range(2)]
    return model, optimizer, loss_fn, batches


def _accum_variant(model, optimizer, loss_fn, batches, kind: str) -> None:
    """A classic mistake of gradient accumulation, applied for one call."""
    if kind != "no_zero_grad":
        optimizer.zero_grad()
    for x, y in batches:
        if kind == "zero_grad_inside":
            optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        (loss if kind == "no_division" else loss / len(batches)).backward()
        if kind == "step_inside":
            optimizer.step()
    if kind != "step_inside":
        optimizer.step()


_ACCUM_MISTAKES = {
    "zero_grad_inside": {"en": "only the last micro-batch's gradient was used: call optimizer.zero_grad() once, "
                               "before the loop, not for every micro-batch",
                         "ko": "마지막 마이크로배치의 기울기만 쓰였습니다: optimizer.zero_grad()는 마이크로배치마다가 "
                               "아니라 루프 전에 한 번만 호출하세요"},
    "no_division": {"en": "the gradient is the sum over the micro-batches, not their mean: divide each micro-batch "
                          "loss by the number of micro-batches before backward()",
                    "ko": "기울기가 마이크로배치들의 평균이 아니라 합입니다: backward() 전에 각 마이크로배치의 손실을 "
                          "마이크로배치 개수로 나누세요"},
    "step_inside": {"en": "the optimizer stepped once per micro-batch: call optimizer.step() once, after the loop",
                    "ko": "옵티마이저가 마이크로배치마다 스텝을 밟았습니다: optimizer.step()은 루프가 끝난 뒤 한 번만 "
                          "호출하세요"},
    "no_zero_grad": {"en": "the gradients of the previous call were added to this one: call optimizer.zero_grad() "
                           "before the first backward()",
                     "ko": "이전 호출의 기울기가 이번 기울기에 더해졌습니다: 첫 backward() 전에 "
                           "optimizer.zero_grad()를 호출하세요"},
}


def _params(model) -> list[np.ndarray]:
    return [p.detach().cpu().numpy().copy() for p in model.parameters()]


def _same_params(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
    return all(np.allclose(x, y, rtol=1e-5, atol=1e-6) for x, y in zip(a, b))


def _diagnose_accum(kind: str, call_no: int, got_params: list[np.ndarray]) -> str:
    reference = CHAPTER.solutions().accumulated_step
    for mistake, message in _ACCUM_MISTAKES.items():
        model, optimizer, loss_fn, batches = _accum_setup(kind)
        for _ in range(call_no - 1):
            reference(model, optimizer, loss_fn, batches)
        _accum_variant(model, optimizer, loss_fn, batches, mistake)
        if _same_params(_params(model), got_params):
            return _t(message)
    return tr("the update should be one optimizer step on the mean of the micro-batch losses",
              "갱신은 마이크로배치 손실들의 평균에 대한 옵티마이저 스텝 한 번이어야 합니다")


def _judge_accumulated_step(fn) -> str:
    reference = CHAPTER.solutions().accumulated_step
    for kind, label_text in _ACCUM_SCENARIOS.items():
        label = _t(label_text)
        ref_model, ref_opt, loss_fn, batches = _accum_setup(kind)
        model, opt, _, _ = _accum_setup(kind)
        micro = len(batches[0][0])
        for call_no in range(1, _ACCUM_CALLS + 1):
            where = tr(f" (case: {label}, call {call_no})", f" (사례: {label}, {call_no}번째 호출)")
            with torch.no_grad():
                losses = [float(loss_fn(ref_model(x), y)) for x, y in batches]
            expected = reference(ref_model, ref_opt, loss_fn, batches)
            before = _params(model)
            sizes: list[int] = []

            def record(module, args, sizes=sizes):
                sizes.append(len(args[0]) if args and isinstance(args[0], torch.Tensor) and args[0].ndim else 0)

            handle = model.register_forward_pre_hook(record)
            batches_in = [(x.clone(), y.clone()) for x, y in batches]
            try:
                got = call(fn, model, opt, loss_fn, batches_in,
                           label=tr(f"{label}, call {call_no}", f"{label}, {call_no}번째 호출"))
            finally:
                handle.remove()
            if got is None:
                raise Fail(tr("returned None: did you forget to return the mean loss?",
                              "None을 반환했습니다: 평균 손실을 반환하는 것을 잊었나요?") + where)
            if isinstance(got, torch.Tensor) or not isinstance(got, numbers.Real) or isinstance(got, bool):
                kind_got = type(got).__name__
                raise Fail(tr(f"return the mean loss as a Python float (loss.item()), not {kind_got}",
                              f"평균 손실을 파이썬 float(loss.item())로 반환하세요. {kind_got}이(가) 아니라") + where)
            if sizes and max(sizes) > micro:
                raise Fail(tr(f"the model saw {max(sizes)} examples at once: run it on one micro-batch of {micro} at "
                              f"a time and call backward() after each; holding one batch at a time is the point",
                              f"모델이 예제 {max(sizes)}개를 한꺼번에 보았습니다: 한 번에 크기 {micro}인 마이크로배치 "
                              f"하나씩 실행하고 매번 backward()를 호출하세요. 한 번에 배치 하나만 메모리에 두는 것이 "
                              f"핵심입니다") + where)
            if any(not (torch.equal(x, xi) and torch.equal(y, yi)) for (x, y), (xi, yi) in zip(batches, batches_in)):
                raise Fail(tr("your function changed the batches in place: leave them as they are",
                              "함수가 배치를 제자리에서 바꾸었습니다: 배치는 그대로 두세요") + where)
            if not math.isclose(float(got), expected, rel_tol=1e-5, abs_tol=1e-7):
                if math.isclose(float(got), sum(losses), rel_tol=1e-5):
                    why = tr("that is the sum of the micro-batch losses: return their mean",
                             "그것은 마이크로배치 손실들의 합입니다: 평균을 반환하세요")
                elif math.isclose(float(got), losses[-1], rel_tol=1e-5):
                    why = tr("that is the last micro-batch's loss: return the mean over all of them",
                             "그것은 마지막 마이크로배치의 손실입니다: 전체의 평균을 반환하세요")
                else:
                    why = tr("return the mean of the micro-batch losses, computed before the update",
                             "갱신 전에 계산한 마이크로배치 손실들의 평균을 반환하세요")
                raise Fail(tr(f"returned loss {float(got):.6g}, expected {expected:.6g}: {why}",
                              f"반환한 손실은 {float(got):.6g}, 기대값은 {expected:.6g}입니다: {why}") + where)
            now = _params(model)
            if not _same_params(now, _params(ref_model)):
                if _same_params(now, before):
                    why = tr("the parameters did not change: call optimizer.step() once, after the loop",
                             "매개변수가 바뀌지 않았습니다: 루프가 끝난 뒤 optimizer.step()을 한 번 호출하세요")
                else:
                    why = _diagnose_accum(kind, call_no, now)
                raise Fail(tr(f"wrong parameters after the step: {why}", f"스텝 후 매개변수가 틀렸습니다: {why}")
                           + where)
    n_models = len(_ACCUM_SCENARIOS)
    return tr(f"the same update as one step on the whole batch, on {n_models} models and "
              f"{_ACCUM_CALLS} calls each, one micro-batch at a time",
              f"모델 {n_models}개에서 각각 {_ACCUM_CALLS}번 호출하는 동안, 마이크로배치를 하나씩 처리하면서 "
              f"전체 배치로 한 스텝 밟은 것과 같은 갱신을 했습니다")


accumulated_step = CHAPTER.exercise(
    "accumulated_step",
    judge=_judge_accumulated_step,
    hints=[
        {"en": "backward() adds to .grad; it never overwrites it. So clearing once and calling backward() once per "
               "micro-batch leaves the sum of their gradients in .grad. What must you scale so that it becomes the "
               "mean?",
         "ko": "backward()는 .grad에 더할 뿐, 덮어쓰지 않습니다. 그래서 한 번 지운 뒤 마이크로배치마다 "
               "backward()를 한 번씩 호출하면 .grad에는 그 기울기들의 합이 남습니다. 이것이 평균이 되려면 무엇을 "
               "스케일해야 할까요?"},
        {"en": "Clear the gradients once, before the loop. In the loop: loss of the micro-batch, divided by the "
               "number of micro-batches, then backward(). After the loop: one optimizer.step(). Keep the losses to "
               "return their mean.",
         "ko": "루프 전에 기울기를 한 번 지우세요. 루프 안에서는 마이크로배치의 손실을 마이크로배치 개수로 나눈 뒤 "
               "backward()를 호출합니다. 루프가 끝나면 optimizer.step()을 한 번 호출합니다. 평균을 반환할 수 있게 "
               "손실들을 모아 두세요."},
        {"en": "`optimizer.zero_grad()`; for each `(x, y)`: `loss = loss_fn(model(x), y)`, "
               "`(loss / len(batches)).backward()`, remember `loss.item()`; then `optimizer.step()` and return the "
               "mean. `checks.accumulated_step.solution()`.",
         "ko": "`optimizer.zero_grad()`; 각 `(x, y)`마다 `loss = loss_fn(model(x), y)`, "
               "`(loss / len(batches)).backward()`, `loss.item()` 기억하기; 그다음 `optimizer.step()`을 하고 평균을 "
               "반환합니다. `checks.accumulated_step.solution()`."},
    ],
)


# --------------------------------------------------------------------------- 6. line_learning_rate (experiment)
LINE_STEPS = 10
LINE_TOLERANCE = 1e-3  # the loss after LINE_STEPS steps must be within 0.1% of the least-squares loss


def line_data() -> tuple[torch.Tensor, torch.Tensor]:
    """The lesson's line, y = 2x + 1 + noise: x and y as float32 tensors of shape (100, 1)."""
    rng = np.random.default_rng(1)
    x = rng.uniform(-2, 2, size=(100, 1)).astype(np.float32)
    y = (2.0 * x + 1.0 + 0.3 * rng.standard_normal((100, 1))).astype(np.float32)
    return torch.from_numpy(x), torch.from_numpy(y)


def _least_squares_loss() -> float:
    x, y = (t.numpy()[:, 0].astype(np.float64) for t in line_data())
    w, b = np.polyfit(x, y, deg=1)
    return float(np.mean((w * x + b - y) ** 2))


def _line_run(lr: float) -> float:
    """The MSE after LINE_STEPS full-batch SGD steps of nn.Linear(1, 1) started at w = b = 0."""
    x, y = line_data()
    model = nn.Linear(1, 1)
    with torch.no_grad():
        model.weight.zero_()
        model.bias.zero_()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    for _ in range(LINE_STEPS):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        return float(nn.functional.mse_loss(model(x), y))


def _judge_line_learning_rate(fn) -> str:
    lr = one_number(call(fn, label=tr("your learning rate", "여러분의 학습률")), tr("learning rate", "학습률"))
    target = _least_squares_loss() * (1 + LINE_TOLERANCE)
    with np.errstate(all="ignore"):
        reached = _line_run(lr)
    asked = tr(f"asked: below {target:.5g} (0.1% above the least-squares loss) after {LINE_STEPS} steps",
               f"요구: {LINE_STEPS}스텝 후 {target:.5g} 미만(최소 제곱법의 손실보다 0.1% 높은 값)")
    if not math.isfinite(reached) or reached > 1e3:
        raise Fail(tr(f"with your learning rate {lr:.3g} the loss exploded to {reached:.3g} after {LINE_STEPS} steps; "
                      f"{asked}. Far too large: every step overshoots more",
                      f"여러분의 학습률({lr:.3g})로는 {LINE_STEPS}스텝 후 손실이 {reached:.3g}까지 폭발했습니다. "
                      f"{asked}. 너무 큽니다: 스텝마다 더 크게 지나칩니다"))
    if reached > target:
        if _line_run(lr * 0.9) < reached:
            why = tr("too large: the parameters jump across the minimum and back",
                     "너무 큽니다: 매개변수가 최솟값을 넘어갔다가 되돌아오기를 반복합니다")
        else:
            why = tr("too small: the steps are too short to get there in time",
                     "너무 작습니다: 보폭이 너무 짧아 제시간에 도달하지 못합니다")
        raise Fail(tr(f"your learning rate {lr:.3g} reached loss {reached:.5g} after {LINE_STEPS} steps; "
                      f"{asked} ({why})",
                      f"여러분의 학습률({lr:.3g})로는 {LINE_STEPS}스텝 후 손실이 {reached:.5g}입니다. "
                      f"{asked} ({why})"))
    return tr(f"your learning rate {lr:.3g} reached loss {reached:.5g} after {LINE_STEPS} steps ({asked})",
              f"여러분의 학습률({lr:.3g})로 {LINE_STEPS}스텝 후 손실이 {reached:.5g}입니다({asked})")


line_learning_rate = CHAPTER.exercise(
    "line_learning_rate",
    judge=_judge_line_learning_rate,
    hints=[
        {"en": "Do not guess: write a function that fits the line for a given learning rate (10 steps from w = b = 0, "
               "the loop of the lesson's section 4) and returns the final loss; then try rates from 0.01 to 1.",
         "ko": "추측하지 마세요: 주어진 학습률로 직선을 맞추고(w = b = 0에서 10스텝, 이 장 4절의 루프) 마지막 손실을 "
               "반환하는 함수를 작성한 다음, 0.01부터 1까지의 학습률을 시도해 보세요."},
        {"en": "Rates spaced by a constant factor cover the range evenly: `np.geomspace(0.01, 1, 15)`. Print the final "
               "loss of each next to the least-squares loss: too small creeps, too large overshoots or explodes. "
               "Return one rate from the middle of the range that works; `checks.line_learning_rate.solution()` "
               "shows a sweep.",
         "ko": "일정한 비율로 떨어진 학습률들은 범위를 고르게 덮습니다: `np.geomspace(0.01, 1, 15)`. 각 학습률의 "
               "마지막 손실을 최소 제곱법의 손실 옆에 출력해 보세요. 너무 작으면 느릿느릿 다가가고, 너무 크면 "
               "지나치거나 폭발합니다. 통하는 범위의 가운데에서 학습률 하나를 반환하세요. "
               "`checks.line_learning_rate.solution()`이 학습률 탐색을 보여 줍니다."},
    ],
)
