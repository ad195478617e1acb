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

from common.checks import Chapter, Fail, call, cap, case, compare_values, example, one_number

CHAPTER = Chapter("00_tensors_autograd")
__getattr__ = CHAPTER.legacy

_SEED = 0


def _rng(offset: int = 0) -> np.random.Generator:
    return np.random.default_rng(_SEED + offset)


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
        case("5 random 28x28 images", rng.integers(0, 256, size=(5, 28, 28), dtype=np.uint8)),
        case("a batch of 1 non-square 8x6 image", rng.integers(0, 256, size=(1, 8, 6), dtype=np.uint8)),
        case("2 black 3x3 images (all zeros)", np.zeros((2, 3, 3), dtype=np.uint8)),
        case("3 white 4x5 images (all 255)", np.full((3, 4, 5), 255, dtype=np.uint8)),
    ]


def _compare_images(expected: torch.Tensor, got, rtol: float = 1e-6, atol: float = 1e-7) -> str | None:
    if got is None:
        return "the result is None: did you forget `return`?"
    if not isinstance(got, torch.Tensor):
        return f"expected a torch.Tensor, got {type(got).__name__}: convert with torch.from_numpy or torch.as_tensor"
    n, _, h, w = expected.shape
    if tuple(got.shape) == (n, h, w, 1):
        return f"wrong shape {tuple(got.shape)}: that is channels-last (Keras); PyTorch wants {(n, 1, h, w)}"
    if tuple(got.shape) != tuple(expected.shape):
        return f"wrong shape: expected (N, 1, H, W) = {tuple(expected.shape)}, got {tuple(got.shape)}"
    if got.dtype != torch.float32:
        why = " (NumPy's `/ 255` gives float64: use .float() or astype(np.float32))"
        why = why if got.dtype == torch.float64 else ""
        return f"wrong dtype: expected torch.float32, got {got.dtype}{why}"
    if got.numel() and float(got.max()) > 1.0 + 1e-6:
        return f"values go up to {float(got.max()):.4g}: scale the pixels into [0, 1] by dividing by 255"
    return compare_values(expected, got, rtol, atol, what="image tensor")


to_tensor_images = CHAPTER.exercise(
    "to_tensor_images",
    examples=[
        example(torch.ones((2, 1, 3, 4)), "the brief's example: 2 white 3x4 images",
                np.full((2, 3, 4), 255, dtype=np.uint8)),
        example(torch.tensor([[[[0.0, 0.2, 1.0]]]]), "one 1x3 image with pixels 0, 51, 255",
                np.array([[[0, 51, 255]]], dtype=np.uint8)),
    ],
    cases=_images_cases,
    compare=_compare_images,
    rtol=1e-6,
    mistakes=[(lambda images: torch.from_numpy(images).float().unsqueeze(1) / 256,
               "the largest pixel value is 255: divide by 255, not 256")],
    hints=[
        "Three steps: NumPy array to torch tensor, uint8 to float32 scaled into [0, 1], and a channel axis of size 1.",
        "`torch.from_numpy(images)` shares the array; `.float()` makes it float32 (do it before dividing, so the "
        "result stays float32); `unsqueeze(1)` inserts the channel axis after the batch axis: (N, 1, H, W).",
        "`return torch.from_numpy(images).float().unsqueeze(1) / 255`.",
    ],
)


# --------------------------------------------------------------------------- 2. predict_broadcast (predict first)
predict_broadcast = CHAPTER.predict(
    "predict_broadcast",
    why="mse_loss only warns, then broadcasts to (100, 100) like the hand-written loss. Make the shapes equal "
        "yourself: y.reshape(-1, 1).",
    options={
        "a": "the mean of the 100 squared errors: the library lines the shapes up for you",
        "b": "an error, because the two shapes differ",
        "c": "a warning, then the same (100, 100) broadcast as the hand-written loss",
    },
    hints=[
        "A library function cannot know which of your axes are examples: it sees two shapes, (100, 1) and (100,), "
        "and the broadcasting rule of the lesson's section 1 says they are compatible.",
        "Refusing would break code that broadcasts on purpose; PyTorch's mse_loss chose a middle way. Answer 'a', "
        "'b' or 'c'; `checks.predict_broadcast.solution()` shows the answer.",
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
        case("f(x) = S @ x with a square, non-symmetric S", square, randn(3), randn(3)),
        case("f(x) = A @ x with A of shape (2, 3): y has 2 entries, x has 3", wide, randn(3), randn(2)),
        case("f(x) = outer(x, x): y of shape (3, 3) from x of shape (3,)", outer, randn(3), randn(3, 3)),
        case("f(x) = softmax(x): every output depends on every input", softmax, randn(4), randn(4)),
        case("f(x) = sum(x**3), a scalar output: v is a 0-d tensor", total, randn(2, 2), torch.tensor(2.0,
                                                                                             dtype=torch.float64)),
        case("f(x) = tanh(x @ B), x of shape (2, 3), y of shape (2, 4)", tanh_layer, randn(2, 3), randn(2, 4)),
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
                      "the brief's example: f(x) = x**2, x = [1, 2, 3], v = [1, 0, 0]",
                      lambda x: x**2, torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64),
                      torch.tensor([1.0, 0.0, 0.0], dtype=torch.float64))],
    cases=_vjp_cases,
    rtol=1e-6,
    atol=1e-9,
    what="vector-Jacobian product",
    mistakes=[
        (_vjp_ignores_v, "backward() of f(x).sum() uses a v of ones: weight the outputs by v, with "
                         "y.backward(gradient=v) or (y * v).sum().backward()"),
        (_vjp_forward_mode, "that is J v; backward gives v^T J, which sums over the outputs: "
                            "entry i is sum_j v_j dy_j/dx_i"),
        (lambda f, x, v: _vjp_ignores_v(f, x, v) * v,
         "multiplying the gradient of sum(y) by v afterwards is right only when y_j depends on x_j alone: let "
         "backward weight the outputs by v"),
    ],
    hints=[
        "backward() on a non-scalar y needs to know how much each output matters: that is v. The result is the "
        "gradient of the scalar sum_j v_j y_j.",
        "Make a fresh leaf `x = x.detach().clone().requires_grad_(True)`, compute `y = f(x)`, then "
        "`y.backward(gradient=v)` (or `(y * v).sum().backward()`), and return the leaf's `.grad`.",
        "`x = x.detach().clone().requires_grad_(True)`; `f(x).backward(gradient=v)`; `return x.grad`. "
        "`checks.vector_jacobian_product.solution()` shows it in full.",
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
    ("the brief's example: a = 2, b = 3", {"a": 2.0, "b": 3.0}, lambda f, v: f(v["a"], v["b"])),
    ("a = 0.5, b = -1.5 (a negative exponent)", {"a": 0.5, "b": -1.5}, lambda f, v: f(v["a"], v["b"])),
    ("a = 3, b = 0 (z = 1 whatever a is)", {"a": 3.0, "b": 0.0}, lambda f, v: f(v["a"], v["b"])),
    ("a = 1, b = 2.5 (ln a = 0)", {"a": 1.0, "b": 2.5}, lambda f, v: f(v["a"], v["b"])),
    ("a power of a power, (a ** b) ** c with a = 1.5, b = 2, c = 0.5", {"a": 1.5, "b": 2.0, "c": 0.5},
     lambda f, v: f(f(v["a"], v["b"]), v["c"])),
    ("x ** x: one Value as base and exponent, x = 2", {"x": 2.0}, lambda f, v: f(v["x"], v["x"])),
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
    for label, values, build in _POWER_CASES:
        where = f" (case: {label})"
        inputs = {k: Value(val, label=k) for k, val in values.items()}
        z = call(build, fn, inputs, label=label)
        if z is None:
            raise Fail("the result is None: did you forget `return`?" + where)
        if not _is_value_like(z):
            raise Fail(f"return a Value(data, parents, local_grads, op), not {type(z).__name__}" + where)
        if any(v.data != values[k] or v.parents for k, v in inputs.items()):
            raise Fail("your function changed its input Values: build a new Value for the result" + where)
        try:
            parents, locals_ = tuple(z.parents), tuple(z.local_grads)
        except TypeError:
            raise Fail("parents and local_grads must be tuples, e.g. (a, b) and (dz_da, dz_db)" + where) from None
        if len(parents) != len(locals_):
            raise Fail(f"{len(parents)} parents but {len(locals_)} local gradients: one local gradient per "
                       f"parent" + where)
        if any(not isinstance(g, numbers.Real) for g in locals_):
            kind = next(type(g).__name__ for g in locals_ if not isinstance(g, numbers.Real))
            raise Fail(f"local_grads must hold plain numbers, not {kind}: compute them from a.data and b.data"
                       + where)
        data, expected = _torch_power(values, label)
        if not isinstance(z.data, numbers.Real) or not _close(float(z.data), data):
            raise Fail(f"wrong data of the result: expected {data:.6g}, got {cap(repr(z.data), 40)}" + where)
        grads = _grads_of(z)
        for name, value in inputs.items():
            got, want = grads.get(id(value), 0.0), expected[name]
            if _close(got, want):
                continue
            a_val, b_val = values.get("a", values.get("x")), values.get("b", values.get("x"))
            simple = len(values) == 2
            if id(value) not in {id(p) for p in _ancestors(z)}:
                why = (f"{name} is not among the result's parents: the exponent is a Value too, so z = a ** b has two "
                       f"parents, (a, b), each with its own local gradient" if name == "b"
                       else f"{name} is not among the result's parents: list the input Values themselves, (a, b)")
            elif simple and name == "b" and b_val > 0 and _close(got, a_val**b_val * math.log(b_val)):
                why = "the local gradient for the exponent uses ln a, the log of the base, not ln b"
            elif simple and name == "a" and _close(got, a_val ** (b_val - 1)):
                why = "the local gradient for the base is b * a ** (b - 1): the factor b is missing"
            elif name == "x":
                why = "x is both parents: each of its two uses passes back its own local gradient, and they add up"
            else:
                why = ("the local gradients are dz/da = b * a ** (b - 1) for the base and dz/db = a ** b * ln(a) "
                       "for the exponent")
            raise Fail(f"wrong gradient of {name} after backward: expected {want:.6g}, got {got:.6g}: {why}" + where)
    return f"data and gradients equal torch.autograd's on all {len(_POWER_CASES)} cases, chained and shared ones too"


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
        "Every operation of the engine does two things at once: it computes the result's data, and it stores, for "
        "each parent, the local gradient d(result)/d(parent) as a plain number. backward() does the rest.",
        "Here z = a ** b has two parents, a and b. Treat b as a constant for dz/da (the power rule) and a as a "
        "constant for dz/db (a ** b = e ** (b ln a)). Use math.log and the .data of each Value.",
        "`z = a.data ** b.data`, then `return Value(z, (a, b), (b.data * a.data ** (b.data - 1), "
        "z * math.log(a.data)), '**')`. `checks.value_power.solution()` shows it.",
    ],
)


# --------------------------------------------------------------------------- 5. accumulated_step (judged)
_ACCUM_SCENARIOS = {
    "linear": "nn.Linear(3, 2), SGD(lr=0.1, momentum=0.9), MSELoss, 4 micro-batches of 4",
    "mlp": "a 3-8-4 tanh MLP, SGD(lr=0.2), CrossEntropyLoss, 3 micro-batches of 5",
    "adam": "nn.Linear(4, 1), Adam(lr=0.01), L1Loss, 2 micro-batches of 6",
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
    "zero_grad_inside": "only the last micro-batch's gradient was used: call optimizer.zero_grad() once, before the "
                        "loop, not for every micro-batch",
    "no_division": "the gradient is the sum over the micro-batches, not their mean: divide each micro-batch loss by "
                   "the number of micro-batches before backward()",
    "step_inside": "the optimizer stepped once per micro-batch: call optimizer.step() once, after the loop",
    "no_zero_grad": "the gradients of the previous call were added to this one: call optimizer.zero_grad() before "
                    "the first backward()",
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
            return message
    return "the update should be one optimizer step on the mean of the micro-batch losses"


def _judge_accumulated_step(fn) -> str:
    reference = CHAPTER.solutions().accumulated_step
    for kind, label in _ACCUM_SCENARIOS.items():
        ref_model, ref_opt, loss_fn, batches = _accum_setup(kind)
        model, opt, _, _ = _accum_setup(kind)
        micro = len(batches[0][0])
        for call_no in range(1, _ACCUM_CALLS + 1):
            where = f" (case: {label}, call {call_no})"
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
                got = call(fn, model, opt, loss_fn, batches_in, label=f"{label}, call {call_no}")
            finally:
                handle.remove()
            if got is None:
                raise Fail("returned None: did you forget to return the mean loss?" + where)
            if isinstance(got, torch.Tensor) or not isinstance(got, numbers.Real) or isinstance(got, bool):
                raise Fail(f"return the mean loss as a Python float (loss.item()), not {type(got).__name__}" + where)
            if sizes and max(sizes) > micro:
                raise Fail(f"the model saw {max(sizes)} examples at once: run it on one micro-batch of {micro} at a "
                           f"time and call backward() after each; holding one batch at a time is the point" + where)
            if any(not (torch.equal(x, xi) and torch.equal(y, yi)) for (x, y), (xi, yi) in zip(batches, batches_in)):
                raise Fail("your function changed the batches in place: leave them as they are" + where)
            if not math.isclose(float(got), expected, rel_tol=1e-5, abs_tol=1e-7):
                if math.isclose(float(got), sum(losses), rel_tol=1e-5):
                    why = "that is the sum of the micro-batch losses: return their mean"
                elif math.isclose(float(got), losses[-1], rel_tol=1e-5):
                    why = "that is the last micro-batch's loss: return the mean over all of them"
                else:
                    why = "return the mean of the micro-batch losses, computed before the update"
                raise Fail(f"returned loss {float(got):.6g}, expected {expected:.6g}: {why}" + where)
            now = _params(model)
            if not _same_params(now, _params(ref_model)):
                if _same_params(now, before):
                    why = "the parameters did not change: call optimizer.step() once, after the loop"
                else:
                    why = _diagnose_accum(kind, call_no, now)
                raise Fail(f"wrong parameters after the step: {why}" + where)
    return (f"the same update as one step on the whole batch, on {len(_ACCUM_SCENARIOS)} models and "
            f"{_ACCUM_CALLS} calls each, one micro-batch at a time")


accumulated_step = CHAPTER.exercise(
    "accumulated_step",
    judge=_judge_accumulated_step,
    hints=[
        "backward() adds to .grad; it never overwrites it. So clearing once and calling backward() once per "
        "micro-batch leaves the sum of their gradients in .grad. What must you scale so that it becomes the mean?",
        "Clear the gradients once, before the loop. In the loop: loss of the micro-batch, divided by the number of "
        "micro-batches, then backward(). After the loop: one optimizer.step(). Keep the losses to return their mean.",
        "`optimizer.zero_grad()`; for each `(x, y)`: `loss = loss_fn(model(x), y)`, "
        "`(loss / len(batches)).backward()`, remember `loss.item()`; then `optimizer.step()` and return the mean. "
        "`checks.accumulated_step.solution()`.",
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
    lr = one_number(call(fn, label="your learning rate"), "learning rate")
    target = _least_squares_loss() * (1 + LINE_TOLERANCE)
    with np.errstate(all="ignore"):
        reached = _line_run(lr)
    asked = f"asked: below {target:.5g} (0.1% above the least-squares loss) after {LINE_STEPS} steps"
    if not math.isfinite(reached) or reached > 1e3:
        raise Fail(f"with your learning rate {lr:.3g} the loss exploded to {reached:.3g} after {LINE_STEPS} steps; "
                   f"{asked}. Far too large: every step overshoots more")
    if reached > target:
        why = ("too large: the parameters jump across the minimum and back" if _line_run(lr * 0.9) < reached
               else "too small: the steps are too short to get there in time")
        raise Fail(f"your learning rate {lr:.3g} reached loss {reached:.5g} after {LINE_STEPS} steps; {asked} ({why})")
    return f"your learning rate {lr:.3g} reached loss {reached:.5g} after {LINE_STEPS} steps ({asked})"


line_learning_rate = CHAPTER.exercise(
    "line_learning_rate",
    judge=_judge_line_learning_rate,
    hints=[
        "Do not guess: write a function that fits the line for a given learning rate (10 steps from w = b = 0, the "
        "loop of the lesson's section 4) and returns the final loss; then try rates from 0.01 to 1.",
        "Rates spaced by a constant factor cover the range evenly: `np.geomspace(0.01, 1, 15)`. Print the final loss "
        "of each next to the least-squares loss: too small creeps, too large overshoots or explodes. Return one rate "
        "from the middle of the range that works; `checks.line_learning_rate.solution()` shows a sweep.",
    ],
)
