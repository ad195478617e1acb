"""The exercise engine: verdicts for right, missing, crashing, mis-shaped, mutating and wrong answers.

Every verdict is a CheckResult, never an exception, whatever the learner's code does.
"""
import numpy as np
import pytest
import torch

from common import checks as engine
from common.checks import Chapter, CheckResult, Exercise, Fail, call, case, compare_values, example, named_parts

CASES = [case("zeros", np.zeros(3)), case("random 2x3", np.random.default_rng(0).standard_normal((2, 3)))]


def reference(x):
    return np.tanh(x) * 2


def _ex(**options):
    options.setdefault("reference", reference)
    options.setdefault("cases", CASES)
    options.setdefault("hints", ["first", "second", "third"])
    return Exercise("double_tanh", **options)


def _stub(x):
    raise NotImplementedError("your code here")


class _BadStr(Exception):
    def __str__(self):
        raise RuntimeError("no text")


def _raise_bad_str(x):
    raise _BadStr


@pytest.mark.parametrize(
    "fn, passed, words",
    [
        (reference, True, "correct on all 2 cases"),
        (_stub, False, "not implemented yet"),
        (lambda x: x.no_such_attribute, False, "raised AttributeError"),
        (_raise_bad_str, False, "raised _BadStr"),
        (lambda x: None, False, "forget `return`"),
        (lambda x: reference(x).T, False, "wrong shape of the result: expected (2, 3), got (3, 2) (case: random 2x3)"),
        (lambda x: np.tanh(x), False, "wrong value of the result at index"),
        (lambda x: "1.5", False, "numeric, got str"),
        (lambda x: str(reference(x).tolist()), False, "numeric, got str"),
        (lambda x: torch.tensor(reference(x), requires_grad=True), True, "correct"),
        (lambda x: reference(x).astype(np.float32), True, "correct"),
        (lambda x: reference(x).astype(np.float32) * 1.01, False, "wrong value"),
    ],
    ids=["right", "stub", "crash", "bad-str", "none", "shape", "value", "string-number", "string-list",
         "tensor-with-grad", "float32", "float32-wrong"],
)
def test_verdicts(fn, passed, words):
    result = _ex().check(fn)
    assert isinstance(result, CheckResult) and bool(result) is passed
    assert words in str(result)
    mark = "PASS" if passed else "TODO" if fn is _stub else "FAIL"
    assert str(result).startswith(f"{mark} double_tanh")
    if not passed and "not implemented" not in words:
        assert "checks.double_tanh.hint()" in str(result), "a failing verdict says how to get a hint"
    assert "✅" not in str(result) and "❌" not in str(result), "marks every font has"


def test_a_stub_is_not_started():
    result = _ex().check(_stub)
    assert result.status == "not started" and not result


def test_learner_cannot_corrupt_the_reference_but_is_told_about_mutating_inputs():
    def mutating(x):
        x += 100
        return reference(x - 100)

    result = _ex().check(mutating)
    assert not result and "changed its input `x` in place" in result.message
    assert _ex(pure=False).check(mutating)


def test_messages_are_capped_and_printable():
    result = _ex().check(lambda x: (_ for _ in ()).throw(ValueError("x" * 5000)))
    assert not result and len(result.message) < engine.MAX_MESSAGE + 60


def test_an_answer_that_cannot_be_compared_is_a_verdict():
    class Weird:
        def __array__(self, *a, **k):
            raise RuntimeError("no array")

    assert not _ex().check(lambda x: Weird())


def test_wrong_value_shows_enough_digits():
    message = compare_values(np.array([1.0000001]), np.array([1.0000003]), rtol=1e-9, atol=0)
    assert "expected 1.0000001, got 1.0000003" in message


def test_integers_given_as_whole_floats_are_accepted_and_others_not():
    assert compare_values(np.array([1, 0]), np.array([1.0, 0.0])) is None
    assert "wrong value" in compare_values(np.array([1, 0]), np.array([0.9, 0.0]))


@pytest.mark.parametrize(
    "expected, got, words",
    [
        ((1.0, np.ones(2)), (1.0, np.zeros(2)), "result[1] at index (0,)"),
        ((1.0, 2.0), 3.0, "sequence of 2 items"),
        ("1994-09-27", "1994-9-27", "expected the result '1994-09-27'"),
        (torch.ones(2), np.ones(2), "torch.Tensor"),
        (np.ones(2), "text", "numeric"),
        ({"a": 1}, {"b": 1}, "dict with keys"),
    ],
)
def test_compare_values_explains_differences(expected, got, words):
    assert words in compare_values(expected, got)


def test_compare_values_accepts_matching_nested_values():
    assert compare_values((torch.ones(2), "ok", 3), (torch.ones(2), "ok", 3.0)) is None


def test_custom_compare_is_used():
    result = _ex(compare=lambda e, g: "always wrong").check(lambda x: x)
    assert not result and "always wrong (case: zeros)" in result.message


def test_named_parts_names_the_wrong_part():
    compare = named_parts("dx", "dW")
    assert compare((np.ones(2), np.zeros(2)), (np.ones(2), np.zeros(2))) is None
    assert "wrong value of the dW" in compare((np.ones(2), np.zeros(2)), (np.ones(2), np.ones(2)))
    assert "forget `return`" in compare((1, 2), None)
    assert "got a 3-item tuple" in compare((1, 2), (1, 2, 3))
    assert "dW is transposed" in compare((np.ones(2), np.zeros((2, 3))), (np.ones(2), np.zeros((3, 2))))


def test_a_classic_mistake_gets_its_hint_only_where_it_is_wrong():
    mistakes = [(lambda x: np.tanh(x), "multiply by 2"), (lambda x: 1 / 0, "never shown: raises")]
    result = _ex(mistakes=mistakes).check(lambda x: np.tanh(x))
    assert not result and "Hint: multiply by 2" in result.message
    result = _ex(mistakes=mistakes).check(lambda x: np.tanh(x) * 3)
    assert not result and "Hint" not in result.message
    # on the all-zero case the mistake gives the right answer, so it cannot explain a wrong one
    same_on_zeros = [(lambda x: np.tanh(x), "multiply by 2")]
    result = _ex(mistakes=same_on_zeros).check(lambda x: np.tanh(x) + 1)
    assert not result and "case: zeros" in result.message and "Hint" not in result.message


def test_examples_pin_literal_answers_so_a_wrong_reference_is_caught():
    ex = _ex(examples=[example(np.zeros(3), "zeros give zeros", np.zeros(3))], reference=lambda x: x + 1)
    assert not ex.check(lambda x: x + 1)
    assert "zeros give zeros" in ex.check(lambda x: x + 1).message


def test_return_type_and_differentiable():
    ex = _ex(cases=[case("2.0", 2.0)], reference=lambda x: x * 2, returns=float)
    assert ex.check(lambda x: x * 2)
    assert "return a Python float" in ex.check(lambda x: torch.tensor(x * 2)).message
    assert "return a Python float" in ex.check(lambda x: np.array([x * 2])).message
    t = torch.tensor([1.0, 2.0], requires_grad=True)
    ex = _ex(cases=[case("t", t)], reference=lambda x: (x**2).sum(), differentiable=True, pure=False)
    assert ex.check(lambda x: (x**2).sum())
    assert "does not carry gradients" in ex.check(lambda x: torch.tensor((x**2).sum().item())).message
    assert "torch.Tensor" in ex.check(lambda x: float((x**2).sum().detach())).message


def test_a_judge_can_fail_and_learner_errors_become_verdicts():
    def judge(fn):
        value = call(fn, 3, label="three")
        if value != 9:
            raise Fail(f"expected 9, got {value!r}")
        return "squares 3"

    ex = Exercise("square", judge=judge, hints=["h1", "h2"])
    assert str(ex.check(lambda n: n * n)) == "PASS square: squares 3"
    assert "expected 9, got 6" in ex.check(lambda n: n * 2).message
    crashed = ex.check(lambda n: {}[n]).message
    assert "raised KeyError" in crashed and "(case: three)" in crashed
    assert ex.check(_stub).status == "not started"


def test_hints_progress_and_the_solution_needs_confirmation(tmp_path, monkeypatch):
    ex = _ex()
    assert ex.hint().startswith("Hint 1 of 3 (double_tanh): first")
    assert ex.hint().startswith("Hint 2 of 3")
    last = ex.hint()
    assert last.startswith("Hint 3 of 3") and "solution()" in last
    assert ex.hint().startswith("Hint 3 of 3")
    assert ex.hint(1).startswith("Hint 1 of 3")
    assert repr(ex.hint(2)) == str(ex.hint(2)), "a notebook shows it without quotes"

    chapters = tmp_path / "chapters" / "99_demo"
    chapters.mkdir(parents=True)
    (chapters / "solutions.py").write_text("def double(x):\n    return 2 * x\n", encoding="utf-8")
    monkeypatch.setattr(engine, "CHAPTERS_DIR", tmp_path / "chapters")
    chapter = Chapter("99_demo")
    double = chapter.exercise("double", cases=[case("3", 3)], examples=[example(4, "2", 2)], hints=["a", "b"])
    warning = double.solution()
    assert "def double" not in warning and "solution(show=True)" in warning
    assert "return 2 * x" in double.solution(show=True)
    assert double.check(lambda x: x + x)
    assert chapter.legacy("check_double")(lambda x: x + x)
    results = chapter.check_all({})
    assert [r.status for r in results] == ["not started"]
    with pytest.raises(AttributeError):
        chapter.legacy("nothing")


def test_korean_verdicts():
    try:
        engine.set_language("ko")
        assert str(_ex().check(_stub)).startswith("할 일 double_tanh: 아직 구현하지 않았습니다")
        assert str(_ex().check(lambda x: None)).startswith("실패 double_tanh")
        assert _ex().hint().startswith("힌트 1/3")
        assert str(_ex().check(reference)).startswith("통과")
    finally:
        engine.set_language("en")
    with pytest.raises(ValueError):
        engine.set_language("fr")


def test_predict_first_questions(tmp_path, monkeypatch):
    folder = tmp_path / "chapters" / "99_demo"
    folder.mkdir(parents=True)
    (folder / "solutions.py").write_text(
        "def which_layer():\n    return 'a'\n\n\ndef how_many():\n    return 28\n", encoding="utf-8")
    monkeypatch.setattr(engine, "CHAPTERS_DIR", tmp_path / "chapters")
    chapter = Chapter("99_demo")
    which = chapter.predict("which_layer", "The first layer is furthest from the loss.",
                            options={"a": "the first layer", "b": "the last layer"}, hints=["h1", "h2"])
    assert str(which.check(lambda: " A ")).startswith("PASS which_layer: right, 'a' (the first layer). The first")
    wrong = which.check(lambda: "b")
    assert not wrong and "not what happens: you chose 'b' (the last layer). The first layer" in wrong.message
    assert "answer with one of 'a', 'b'" in which.check(lambda: "c").message
    assert which.check(lambda: _stub(None)).status == "not started"
    count = chapter.predict("how_many", "Padding 2 keeps the size.", tolerance=0.01, hints=["h1", "h2"])
    assert count.check(lambda: 28.1) and count.check(lambda: np.int64(28))
    assert "you predicted 24, the next cell shows 28" in count.check(lambda: 24).message
    assert "one number" in count.check(lambda: [28, 28]).message and "one number" in count.check(lambda: True).message


def test_booleans_print_as_booleans_and_lists_of_numbers_are_checked_for_changes():
    assert "expected True, got False" in compare_values(np.array([True, False]), np.array([False, False]))

    def reverse_in_place(s):
        s.reverse()
        return s[::-1]

    ex = Exercise("same_list", cases=[case("a list", [1, 2, 3])], reference=lambda s: list(s), examples=[],
                  hints=["a", "b"])
    assert "changed its input `s` in place" in ex.check(reverse_in_place).message


def test_a_mistake_hint_follows_a_type_problem_and_the_case_label_survives_a_long_message():
    ex = Exercise("half", cases=[case("n=3", 3)], reference=lambda n: n // 2, returns=int,
                  mistakes=[(lambda n: n / 2, "use // for whole numbers")], hints=["a", "b"])
    message = ex.check(lambda n: n / 2).message
    assert "return a Python int" in message and "use // for whole numbers" in message
    long = Exercise("long", cases=[case("the case label", 1)], reference=lambda x: x, hints=["a", "b"],
                    compare=lambda e, g: "x" * 1000)
    assert "(case: the case label)" in long.check(lambda x: x).message


def test_setting_requires_grad_or_filling_grad_counts_as_changing_an_input():
    def grad_in_place(x):
        x.requires_grad_()
        return (x**2).sum().detach()

    ex = Exercise("square_sum", cases=[case("x", torch.tensor([1.0, 2.0]))], reference=lambda x: (x**2).sum(),
                  hints=["a", "b"])
    assert "changed its input `x` in place" in ex.check(grad_in_place).message
    assert ex.check(lambda x: (x.clone().requires_grad_() ** 2).sum().detach())


@pytest.mark.parametrize(
    "value, expected, words",
    [(0.5, 0.5, None), (torch.tensor(0.25), 0.25, None), (np.array([2.0]), 2.0, None), (None, None, "forget `return`"),
     ("0.1", None, "return one number"), (True, None, "return one number"), (-1.0, None, "positive"),
     (float("nan"), None, "positive"), ([0.1], None, "return one number")],
)
def test_one_number_reads_an_experiments_choice(value, expected, words):
    if words is None:
        assert engine.one_number(value, "learning rate") == pytest.approx(expected)
    else:
        with pytest.raises(Fail, match=words.replace("`", ".")):
            engine.one_number(value, "learning rate")
    assert engine.one_number(0, "weight decay", inclusive=True) == 0.0
