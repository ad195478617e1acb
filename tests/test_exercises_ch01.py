"""Chapter 01 checkers: the reference solutions pass, and plausible mistakes are caught with a useful message."""
import time

import numpy as np
import pytest
import torch

from common import checks as engine
from common.checkers import ch01
from common.data import LOGIC_GATES, LOGIC_INPUTS
from common.np_layers import sigmoid
from conftest import CHAPTERS, load_solutions

solutions = load_solutions(CHAPTERS / "01_perceptron")


def check(name, fn):
    return getattr(ch01, name).check(fn)


# --------------------------------------------------------------------------- 1. gate_weights
def _gates(**changes):
    gates = solutions.gate_weights()
    gates.update(changes)
    return lambda: gates


_NOR_IS_OR = _gates(NOR=(np.array([0.5, 0.5]), -0.2))  # forgot to flip the signs
_NOR_ON_THE_EDGE = _gates(NOR=(np.array([-0.5, -0.5]), 0.0))  # (0, 0) sums to exactly 0: no fire
_B_AND_NOT_A = _gates(A_AND_NOT_B=(np.array([-0.5, 0.5]), -0.2))  # the weights swapped
_MAJORITY_IS_OR = _gates(MAJORITY=(np.array([0.5, 0.5, 0.5]), -0.2))  # one input on is enough
_MAJORITY_TWO_WEIGHTS = _gates(MAJORITY=(np.array([0.5, 0.5]), -0.7))  # the 2-input AND


def _gates_missing_key():
    gates = solutions.gate_weights()
    del gates["MAJORITY"]
    return gates


def _gates_as_tuple():
    return tuple(solutions.gate_weights().values())


# --------------------------------------------------------------------------- 3. pocket_perceptron
def _pocket(X, t, lr, epochs, fires=lambda s: s > 0, strictly=True, per_update=True, last=False):
    X = np.asarray(X, dtype=np.float64)
    w, b = np.zeros(X.shape[1]), 0.0
    best_w, best_b = w.copy(), b
    best = int(np.sum(fires(X @ w + b) != t))
    for _ in range(epochs):
        updates = 0
        for x, target in zip(X, t):
            y = int(fires(x @ w + b))
            if y != target:
                updates += 1
                w, b = w + lr * (target - y) * x, b + lr * (target - y)
                errors = int(np.sum(fires(X @ w + b) != t))
                if per_update and (errors < best or (not strictly and errors == best)):
                    best_w, best_b, best = w.copy(), b, errors
        if not per_update:
            errors = int(np.sum(fires(X @ w + b) != t))
            if errors < best:
                best_w, best_b, best = w.copy(), b, errors
        if updates == 0:
            break
    if last:
        return w, b, int(np.sum(fires(X @ w + b) != t))
    return best_w, best_b, best


def _pocket_aliased(X, t, lr, epochs):
    X = np.asarray(X, dtype=np.float64)
    w, b = np.zeros(X.shape[1]), 0.0
    best_w, best_b, best = w, b, int(np.sum((X @ w + b > 0) != t))  # the pocket IS w
    for _ in range(epochs):
        for x, target in zip(X, t):
            y = int(x @ w + b > 0)
            if y != target:
                w += lr * (target - y) * x  # ...so this changes the pocket too
                b += lr * (target - y)
                errors = int(np.sum((X @ w + b > 0) != t))
                if errors < best:
                    best_w, best_b, best = w, b, errors
    return best_w, best_b, best


def _pocket_last(X, t, lr, epochs):
    return _pocket(X, t, lr, epochs, last=True)


def _pocket_not_strict(X, t, lr, epochs):
    return _pocket(X, t, lr, epochs, strictly=False)


def _pocket_per_epoch(X, t, lr, epochs):
    return _pocket(X, t, lr, epochs, per_update=False)


def _pocket_step_ge(X, t, lr, epochs):
    return _pocket(X, t, lr, epochs, fires=lambda s: s >= 0)


def _pocket_error_rate(X, t, lr, epochs):
    w, b, errors = _pocket(X, t, lr, epochs)
    return w, b, errors / len(X)


def _pocket_float_errors(X, t, lr, epochs):
    w, b, errors = _pocket(X, t, lr, epochs)
    return w, b, float(errors)


# --------------------------------------------------------------------------- 4. parity3_weights
def _parity_one_unit():
    return np.ones((3, 1)), np.array([-0.5]), np.array([1.0]), -0.5  # OR of three: no hidden layer to speak of


def _parity_all_plus():
    W1, b1, _, b2 = solutions.parity3_weights()
    return W1, b1, np.ones(3), b2  # h1 + h2 + h3 counts, it does not alternate


def _parity_integer_thresholds():
    W1, _, w2, b2 = solutions.parity3_weights()
    return W1, np.array([-1.0, -2.0, -3.0]), w2, b2  # step(count - k) fires for "more than k", not "at least k"


def _parity_flat_W1():
    _, b1, w2, b2 = solutions.parity3_weights()
    return np.ones(3), b1, w2, b2


def _parity_short_b1():
    W1, _, w2, b2 = solutions.parity3_weights()
    return W1, np.array([-0.5, -1.5]), w2, b2


# --------------------------------------------------------------------------- 5. mlp_backward_mse
def _grads(X, t, W1, b1, W2, b2, dz):
    N = len(X)
    H = sigmoid(X @ W1 + b1)
    p = sigmoid(H @ W2 + b2)
    dZ = dz(p, t, N)
    dA1 = (dZ @ W2.T) * H * (1 - H)
    return {"W1": X.T @ dA1, "b1": dA1.sum(axis=0), "W2": H.T @ dZ, "b2": dZ.sum(axis=0)}


def _mse_bce_shortcut(X, t, W1, b1, W2, b2):
    return _grads(X, t, W1, b1, W2, b2, lambda p, t, N: (p - t) / N)


def _mse_no_two(X, t, W1, b1, W2, b2):
    return _grads(X, t, W1, b1, W2, b2, lambda p, t, N: (p - t) / N * p * (1 - p))


def _mse_no_output_slope(X, t, W1, b1, W2, b2):
    return _grads(X, t, W1, b1, W2, b2, lambda p, t, N: 2 * (p - t) / N)


def _mse_sum_not_mean(X, t, W1, b1, W2, b2):
    return _grads(X, t, W1, b1, W2, b2, lambda p, t, N: 2 * (p - t) * p * (1 - p))


def _mse_no_hidden_slope(X, t, W1, b1, W2, b2):
    N = len(X)
    H = sigmoid(X @ W1 + b1)
    p = sigmoid(H @ W2 + b2)
    dZ = 2 * (p - t) / N * p * (1 - p)
    dA1 = dZ @ W2.T
    return {"W1": X.T @ dA1, "b1": dA1.sum(axis=0), "W2": H.T @ dZ, "b2": dZ.sum(axis=0)}


def _mse_transposed_dW1(X, t, W1, b1, W2, b2):
    g = solutions.mlp_backward_mse(X, t, W1, b1, W2, b2)
    return {**g, "W1": g["W1"].T}


def _mse_as_tuple(X, t, W1, b1, W2, b2):
    return tuple(solutions.mlp_backward_mse(X, t, W1, b1, W2, b2).values())


WRONG = [
    ("gate_weights", _NOR_IS_OR, "NOR is wrong on 4 of 4 inputs"),
    ("gate_weights", _NOR_ON_THE_EDGE, "a sum of exactly 0 does not fire"),
    ("gate_weights", _B_AND_NOT_A, "A_AND_NOT_B is wrong"),
    ("gate_weights", _MAJORITY_IS_OR, "MAJORITY is wrong on 3 of 8 inputs"),
    ("gate_weights", _MAJORITY_TWO_WEIGHTS, "one weight per input, shape (3,)"),
    ("gate_weights", _gates_missing_key, "return a dict with the keys"),
    ("gate_weights", _gates_as_tuple, "got tuple"),
    ("predict_learning_rate", lambda: "a", "you chose 'a'"),
    ("predict_learning_rate", lambda: "c", "you chose 'c'"),
    ("predict_learning_rate", lambda: "d", "you chose 'd'"),
    ("predict_learning_rate", lambda: "same", "answer with one of"),
    ("pocket_perceptron", _pocket_aliased, "w.copy()"),
    ("pocket_perceptron", _pocket_last, "not the last ones"),
    ("pocket_perceptron", _pocket_not_strict, "strictly better"),
    ("pocket_perceptron", _pocket_per_epoch, "after every update"),
    ("pocket_perceptron", _pocket_step_ge, "compare with > 0"),
    ("pocket_perceptron", _pocket_error_rate, "errors counts inputs"),
    ("pocket_perceptron", _pocket_float_errors, "return an int"),
    ("parity3_weights", _parity_one_unit, "wrong on 3 of 8 inputs"),
    ("parity3_weights", _parity_all_plus, "your hidden layer gives (1, 1, 0) and the output 1; the parity is 0"),
    ("parity3_weights", _parity_integer_thresholds, "wrong on"),
    ("parity3_weights", _parity_flat_W1, "shape (3, H)"),
    ("parity3_weights", _parity_short_b1, "one bias per hidden unit"),
    ("mlp_backward_mse", _mse_bce_shortcut, "cross-entropy shortcut"),
    ("mlp_backward_mse", _mse_no_two, "keep the 2"),
    ("mlp_backward_mse", _mse_no_output_slope, "output sigmoid"),
    ("mlp_backward_mse", _mse_sum_not_mean, "divide by N"),
    ("mlp_backward_mse", _mse_no_hidden_slope, "hidden sigmoid"),
    ("mlp_backward_mse", _mse_transposed_dW1, "wrong shape of the gradient['W1']"),
    ("mlp_backward_mse", _mse_as_tuple, "to be a dict"),
    ("predict_saturated_gradient", lambda: "a", "you chose 'a'"),
    ("predict_saturated_gradient", lambda: "c", "you chose 'c'"),
    ("moons_learning_rate", lambda: 1.0, "reached a training loss of 0.301 after 500 steps"),
    ("moons_learning_rate", lambda: 3.0, "Larger steps"),
    ("moons_learning_rate", lambda: 30.0, "too large"),
    ("moons_learning_rate", lambda: -10.0, "not positive"),
    ("moons_learning_rate", lambda: "10", "return one learning rate"),
]


@pytest.mark.parametrize("name, wrong, word", WRONG, ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(WRONG)])
def test_plausible_mistake_is_rejected(name, wrong, word):
    result = check(name, wrong)
    assert not result.passed, f"{wrong} was accepted"
    assert word in result.message, str(result)


def test_reference_checked_failures_name_their_case():
    for name, wrong, _ in WRONG:
        if name in ("pocket_perceptron", "mlp_backward_mse"):
            assert "(case:" in check(name, wrong).message


def test_a_wrong_prediction_still_explains_why():
    assert "eta times those" in check("predict_learning_rate", lambda: "a").message
    assert "flat tail" in check("predict_saturated_gradient", lambda: "c").message


def test_the_experiment_says_what_the_run_reached_against_what_was_asked():
    message = check("moons_learning_rate", lambda: 30.0).message
    assert "your learning rate 30 reached a training loss of" in message and "asked: below 0.1" in message
    passed = check("moons_learning_rate", solutions.moons_learning_rate)
    assert passed and "asked: below 0.1" in passed.message


def test_the_experiment_has_a_range_of_right_answers_and_a_fast_check():
    ch01.train_moons_mlp(1.0)  # the data set is loaded once
    start = time.perf_counter()
    for lr in (8.0, 10.0, 12.0):
        assert check("moons_learning_rate", lambda lr=lr: lr), lr
    assert (time.perf_counter() - start) / 3 < 5
    assert ch01.train_moons_mlp(solutions.moons_learning_rate())["loss"] < 0.095  # not on the edge


# --------------------------------------------------------------------------- the see-it cells show the answers
def test_the_perceptron_runs_show_the_predicted_scaling():
    for name in ("AND", "OR"):
        w1, b1, m1 = ch01.perceptron_run(LOGIC_INPUTS, LOGIC_GATES[name], 0.1)
        w10, b10, m10 = ch01.perceptron_run(LOGIC_INPUTS, LOGIC_GATES[name], 1.0)
        assert m1 == m10 and np.allclose(w10, 10 * w1) and np.isclose(b10, 10 * b1)
    assert len(ch01.perceptron_run(LOGIC_INPUTS, LOGIC_GATES["AND"], 0.1)[2]) == 6  # as the brief says


def test_the_saturated_gradients_are_as_predicted():
    Z = torch.logit(torch.tensor(0.999, dtype=torch.float64)).requires_grad_()
    (torch.sigmoid(Z) ** 2).backward()
    squared = Z.grad.item()
    Z.grad = None
    (-torch.log(1 - torch.sigmoid(Z))).backward()
    assert Z.grad.item() > 100 * squared > 0


def test_mlp_backward_mse_agrees_with_autograd():
    rng = np.random.default_rng(5)
    X, t = rng.standard_normal((7, 3)), rng.integers(0, 2, (7, 1)).astype(np.float64)
    params = {"W1": rng.standard_normal((3, 4)), "b1": rng.standard_normal(4),
              "W2": rng.standard_normal((4, 1)), "b2": rng.standard_normal(1)}
    P = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    p = torch.sigmoid(torch.sigmoid(torch.tensor(X) @ P["W1"] + P["b1"]) @ P["W2"] + P["b2"])
    ((p - torch.tensor(t)) ** 2).mean().backward()
    ours = solutions.mlp_backward_mse(X, t, **params)
    for k in params:
        np.testing.assert_allclose(ours[k], P[k].grad.numpy(), rtol=1e-10, atol=1e-12)


def test_the_pocket_beats_the_last_weights_on_overlapping_data():
    X, t = ch01._blobs(30, 3, 0.9)
    _, _, best = solutions.pocket_perceptron(X, t, 0.5, 20)
    _, _, last = _pocket_last(X, t, 0.5, 20)
    assert best < last


# --------------------------------------------------------------------------- the Korean edition (한국어판)


KOREAN_WRONG = [  # (exercise, wrong answer, the Korean fact its verdict must state)
    ("gate_weights", _NOR_IS_OR, "NOR: 입력 4개 중 4개에서 틀립니다"),
    ("gate_weights", _NOR_ON_THE_EDGE, "합이 정확히 0이면 발화하지 않습니다"),
    ("predict_learning_rate", lambda: "a", "eta = 1 실행의 eta배"),
    ("pocket_perceptron", _pocket_aliased, "사본을 주머니에 넣으세요(w.copy())"),
    ("pocket_perceptron", _pocket_float_errors, "int를 반환하세요"),
    ("parity3_weights", _parity_all_plus, "은닉층 출력은 (1, 1, 0), 최종 출력은 1인데 패리티는 0입니다"),
    ("mlp_backward_mse", _mse_bce_shortcut, "교차 엔트로피에서만 통하는 지름길"),
    ("mlp_backward_mse", _mse_transposed_dW1, "기울기['W1']의 모양(shape)이 틀렸습니다"),
    ("moons_learning_rate", lambda: 1.0, "학습률 1에서 500 스텝 뒤 학습 손실 0.301에 도달했습니다"),
    ("moons_learning_rate", lambda: 30.0, "이 학습률은 너무 큽니다"),
]


@pytest.mark.parametrize("name, wrong, fact", KOREAN_WRONG,
                         ids=[f"ko-{n}-{i}" for i, (n, _, _) in enumerate(KOREAN_WRONG)])
def test_a_wrong_answer_gets_a_korean_verdict(korean, name, wrong, fact):
    result = check(name, wrong)
    assert not result.passed
    assert str(result).startswith("실패") and fact in result.message, str(result)


def test_a_right_answer_gets_a_korean_verdict(korean):
    assert "세 게이트 모두 모든 입력에서 맞습니다" in check("gate_weights", solutions.gate_weights).message
    assert "은닉 유닛 3개로 입력 8개 모두에서 맞습니다" in check("parity3_weights", solutions.parity3_weights).message
    assert "정답, 'b'(똑같이 6 에폭이 걸리고" in check("predict_learning_rate", lambda: "b").message
    assert "목표: 0.1 미만" in check("moons_learning_rate", solutions.moons_learning_rate).message


def test_the_language_is_english_again_after_the_korean_tests():
    assert engine.language() == "en"
    assert "NOR is wrong on 4 of 4 inputs" in check("gate_weights", _NOR_IS_OR).message
