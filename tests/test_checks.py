"""The exercise-checker framework: verdicts for right, missing, crashing, mis-shaped and wrong answers."""
import numpy as np
import pytest
import torch

from common.checks import CheckResult, case, check_function, compare_values, named_parts

CASES = [case("zeros", np.zeros(3)), case("random 2x3", np.random.default_rng(0).standard_normal((2, 3)))]


def reference(x):
    return np.tanh(x) * 2


def _stub(x):
    raise NotImplementedError("your code here")


@pytest.mark.parametrize(
    "fn, passed, words",
    [
        (reference, True, "correct on all 2 cases"),
        (_stub, False, "not implemented yet"),
        (lambda x: x.no_such_attribute, False, "raised AttributeError"),
        (lambda x: None, False, "forget `return`"),
        (lambda x: reference(x).T, False, "wrong shape of the result: expected (2, 3), got (3, 2) (case: random 2x3)"),
        (lambda x: np.tanh(x), False, "wrong value of the result at index"),
    ],
    ids=["right", "stub", "crash", "none", "shape", "value"],
)
def test_check_function_verdicts(fn, passed, words):
    result = check_function(fn, reference, CASES, name="double_tanh")
    assert isinstance(result, CheckResult) and bool(result) is passed
    assert words in str(result)
    assert str(result).startswith("✅ double_tanh" if passed else "❌ double_tanh")


def test_learner_cannot_corrupt_the_reference_by_mutating_inputs():
    def mutating(x):
        x += 100
        return reference(x - 100)

    assert check_function(mutating, reference, CASES)


@pytest.mark.parametrize(
    "expected, got, words",
    [
        ((1.0, np.ones(2)), (1.0, np.zeros(2)), "result[1] at index (0,)"),
        ((1.0, 2.0), 3.0, "sequence of 2 items"),
        ("1994-09-27", "1994-9-27", "expected the result '1994-09-27'"),
        (torch.ones(2), np.ones(2), "torch.Tensor"),
        (np.ones(2), "text", "numeric"),
    ],
)
def test_compare_values_explains_differences(expected, got, words):
    assert words in compare_values(expected, got)


def test_compare_values_accepts_matching_nested_values():
    assert compare_values((torch.ones(2), "ok", 3), (torch.ones(2), "ok", 3.0)) is None


def test_custom_compare_is_used():
    result = check_function(lambda x: x, lambda x: x, CASES, compare=lambda e, g: "always wrong")
    assert not result and "always wrong (case: zeros)" in result.message


def test_named_parts_names_the_wrong_part():
    compare = named_parts("dx", "dW")
    assert compare((np.ones(2), np.zeros(2)), (np.ones(2), np.zeros(2))) is None
    assert "wrong value of the dW" in compare((np.ones(2), np.zeros(2)), (np.ones(2), np.ones(2)))
    assert "forget `return`" in compare((1, 2), None)
    assert "got a 3-item tuple" in compare((1, 2), (1, 2, 3))


def test_a_classic_mistake_gets_its_hint():
    mistakes = [(lambda x: np.tanh(x), "multiply by 2"), (lambda x: 1 / 0, "never shown: raises")]
    result = check_function(lambda x: np.tanh(x), reference, CASES, mistakes=mistakes)
    assert not result and result.message.endswith(". Hint: multiply by 2")
    result = check_function(lambda x: np.tanh(x) * 3, reference, CASES, mistakes=mistakes)
    assert not result and "Hint" not in result.message
