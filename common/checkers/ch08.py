"""Exercises of chapter 08, attention: ``checks.<name>.check(fn)``, ``.hint()``, ``.solution()``.

The reference answers are the chapter's ``solutions.py``; this module holds what is specific to each
exercise: its cases (a batch of 1, one key, zeros, huge scores, padding that dominates a row,
non-square shapes), the brief's worked example, classic mistakes and hints. ``predict_shuffled_keys`` is a
predict-first question; ``copy_learning_rate`` (the experiment) is judged by training the lesson's attention
model with the learner's learning rate.
"""
from __future__ import annotations

import numpy as np
import torch

from common.checks import Chapter, Fail, _as_array, call, case, compare_values, example, named_parts, tr

CHAPTER = Chapter("08_attention")
__getattr__ = CHAPTER.legacy


def _rng(offset: int = 0) -> np.random.Generator:
    return np.random.default_rng(8 + offset)


def _floats(got) -> np.ndarray:
    """The learner's numeric answer as a float64 array (it was already found numeric by compare_values)."""
    if hasattr(got, "detach"):  # a torch tensor
        got = got.detach().cpu().numpy()
    return np.asarray(got, dtype=np.float64)


def _shape(value) -> tuple:
    """The shape of a learner's answer, or () when it has none (a ragged list, an object)."""
    try:
        return np.shape(value)
    except ValueError:
        return ()


_WHAT_KO = {"weights": "가중치(weights)", "context": "문맥 벡터(context)"}


def _what(what: str) -> str:
    """The name of a checked value in the learner's language (called at check time)."""
    return tr(what, _WHAT_KO.get(what, what))


def _wrong_value(expected, got, problem: str | None) -> bool:
    """True when ``compare_values`` found numbers of the expected shape whose values differ: its verdict was
    "wrong value of the ..." (in whatever language it speaks), not a missing, non-numeric or misshapen answer."""
    if problem is None or got is None:
        return False
    g = _as_array(got)
    return g is not None and g.shape == np.shape(expected)


def _padding_mask(rng, n: int, s: int) -> np.ndarray:
    """(n, s) bool, True for real tokens: row i keeps its first length_i >= 1 positions."""
    lengths = rng.integers(1, s + 1, size=n)
    lengths[0] = max(1, s - 1)  # at least one row really is padded
    return np.arange(s)[None, :] < lengths[:, None]


def _softmax(scores, mask=None, shift="row", axis=-1):
    """A softmax with the classic variants of where the maximum is taken (for the mistakes)."""
    scores = np.asarray(scores, dtype=np.float64)
    if mask is not None and shift != "before-mask":
        scores = np.where(mask, scores, -np.inf)
    if shift in ("row", "before-mask"):
        scores = scores - scores.max(axis=axis, keepdims=True)
    elif shift == "global":
        scores = scores - scores.max()
    z = np.exp(scores)
    if mask is not None and shift == "before-mask":
        z = np.where(mask, z, 0.0)
    return z / z.sum(axis=axis, keepdims=True)


# --------------------------------------------------------------------------- 1. masked_softmax
def _compare_weights(expected, got, rtol=1e-6, atol=1e-9, what="weights") -> str | None:
    """Weights compared with the reference; a wrong one is explained (NaN, padding, rows that do not sum to 1).

    The padded positions are where the reference weight is exactly 0: no case lets a real key underflow.
    """
    problem = compare_values(expected, got, rtol, atol, what=_what(what))
    if not _wrong_value(expected, got, problem):
        return problem
    g = _floats(got)
    ko = _WHAT_KO.get(what, what)
    if np.isnan(g).any():
        return tr(f"the {what} contain NaN: did exp overflow, or a row's sum come out 0 (0 / 0)? Subtract each row's "
                  "maximum over its real keys before np.exp",
                  f"{ko}에 NaN이 있습니다: exp가 오버플로되었거나, 어떤 행의 합이 0이 되어 0 / 0이 되지 않았나요? "
                  "np.exp 전에 각 행에서 실제 키들 가운데 최댓값을 빼세요")
    padded = expected == 0
    if np.abs(g[padded]).max(initial=0.0) > 1e-12:
        return tr("a padded position (mask False) got a nonzero weight: give it the score -inf before the softmax",
                  "패딩 위치(mask가 False)에 0이 아닌 가중치가 붙었습니다: 소프트맥스 전에 그 위치의 점수를 -inf로 "
                  "만드세요")
    if not np.allclose(g.sum(axis=-1), 1.0, atol=1e-6):
        return tr(f"the {what} of a row do not sum to 1: normalise over the last axis (the keys), after masking",
                  f"어떤 행의 {ko} 합이 1이 아닙니다: 마스킹한 뒤 마지막 축(키 축)에 대해 정규화하세요")
    return problem


def _masked_softmax_cases():
    rng = _rng(1)
    m35 = _padding_mask(rng, 3, 5)
    mask3d = rng.random((2, 3, 4)) < 0.7
    mask3d[..., 0] = True  # keep at least one key per row
    return [
        case(tr("scores (3, 5), mask=None", "점수 (3, 5), mask=None"), rng.standard_normal((3, 5)), None),
        case(tr("scores (3, 5) with a padding mask", "점수 (3, 5)와 패딩 마스크"), rng.standard_normal((3, 5)), m35),
        case(tr("a batch of 1, scores [[1, 2, 3]], called without a mask",
                "배치 1개, 점수 [[1, 2, 3]], 마스크 없이 호출"), np.array([[1.0, 2.0, 3.0]])),
        case(tr("huge scores [[1000, 1001, 999]] (overflow test)", "아주 큰 점수 [[1000, 1001, 999]] (오버플로 검사)"),
             np.array([[1000.0, 1001.0, 999.0]]), None),
        case(tr("rows on very different scales: [0.001, 0.002, 0] and [1000, 990, 1010]",
                "규모가 아주 다른 행들: [0.001, 0.002, 0]과 [1000, 990, 1010]"),
             np.array([[0.001, 0.002, 0.0], [1000.0, 990.0, 1010.0]]), None),
        case(tr("a padded key with a huge score dominates its row", "점수가 아주 큰 패딩된 키가 행을 압도함"),
             np.array([[0.5, 1.0, 1000.0], [2.0, 800.0, 1.0]]), np.array([[True, True, False], [True, False, True]])),
        case(tr("negative scores, one kept position per row", "음수 점수, 행마다 남는 위치가 하나"),
             -5 * rng.random((2, 4)), np.array([[True, False, False, False], [False, False, True, False]])),
        case(tr("a single key: shape (4, 1)", "키 1개: 모양 (4, 1)"), rng.standard_normal((4, 1)), None),
        case(tr("all-zero scores (2, 6) with a mask: uniform over the real keys",
                "모두 0인 점수 (2, 6)와 마스크: 실제 키들에 균등"), np.zeros((2, 6)),
             np.array([[True] * 4 + [False] * 2, [True] * 6])),
        case(tr("3-D scores (2, 3, 4) with a mask of the same shape", "3차원 점수 (2, 3, 4)와 같은 모양의 마스크"),
             rng.standard_normal((2, 3, 4)), mask3d),
    ]


masked_softmax = CHAPTER.exercise(
    "masked_softmax",
    examples=[example(np.array([[0.2689414213699951, 0.7310585786300049, 0.0]]),
                      {"en": "the brief's example: scores [[1, 2, 50]], mask [[True, True, False]]",
                       "ko": "문제 설명의 예: scores [[1, 2, 50]], mask [[True, True, False]]"},
                      np.array([[1.0, 2.0, 50.0]]), np.array([[True, True, False]]))],
    cases=_masked_softmax_cases,
    compare=_compare_weights,
    rtol=1e-6,
    atol=1e-9,
    mistakes=[
        (lambda s, m=None: _softmax(s),
         {"en": "padded keys must get weight exactly 0: mask the scores with -inf first",
          "ko": "패딩된 키의 가중치는 정확히 0이어야 합니다: 먼저 점수를 -inf로 마스킹하세요"}),
        (lambda s, m=None: _softmax(s) if m is None else _softmax(s) * m,
         {"en": "zeroing padded weights after the softmax leaves rows that do not sum to 1: mask the scores before",
          "ko": "소프트맥스 뒤에 패딩 위치의 가중치를 0으로 만들면 합이 1이 아닌 행이 남습니다: 소프트맥스 전에 점수를 "
                "마스킹하세요"}),
        (lambda s, m=None: _softmax(s if m is None else np.where(m, s, 0.0)),
         {"en": "a masked score of 0 still gets exp(0) = 1: use -np.inf (np.where(mask, scores, -np.inf))",
          "ko": "마스킹한 점수를 0으로 두면 여전히 exp(0) = 1을 받습니다: -np.inf를 쓰세요 "
                "(np.where(mask, scores, -np.inf))"}),
        (lambda s, m=None: _softmax(s, m, shift="none"),
         {"en": "exp overflows for large scores: subtract each row's maximum first",
          "ko": "점수가 크면 exp가 오버플로됩니다: 먼저 각 행의 최댓값을 빼세요"}),
        (lambda s, m=None: _softmax(s, m, shift="before-mask"),
         {"en": "take the maximum over the real keys only: mask with -inf first, then subtract the row maximum",
          "ko": "최댓값은 실제 키들에서만 구하세요: 먼저 -inf로 마스킹한 다음 행의 최댓값을 빼세요"}),
        (lambda s, m=None: _softmax(s, m, shift="global"),
         {"en": "subtract each row's own maximum (axis=-1, keepdims=True), not the maximum of the whole array",
          "ko": "배열 전체의 최댓값이 아니라 각 행 자신의 최댓값을 빼세요 (axis=-1, keepdims=True)"}),
        (lambda s, m=None: _softmax(s, m, axis=0),
         {"en": "normalise over the last axis (the keys): axis=-1",
          "ko": "마지막 축(키 축)에 대해 정규화하세요: axis=-1"}),
    ],
    hints=[
        {"en": "Three steps: hide the padded keys, make the scores safe to exponentiate, then normalise each row.",
         "ko": "세 단계입니다. 패딩된 키를 가리고, 점수를 지수 함수에 넣어도 안전하게 만든 다음, "
               "각 행을 정규화하세요."},
        {"en": "`np.where(mask, scores, -np.inf)` hides the padding (exp(-inf) = 0); then subtract "
               "`scores.max(axis=-1, keepdims=True)` so the largest exponent is 0; divide by the row sums (axis=-1).",
         "ko": "`np.where(mask, scores, -np.inf)`가 패딩을 가립니다(exp(-inf) = 0). 그다음 "
               "`scores.max(axis=-1, keepdims=True)`를 빼서 가장 큰 지수가 0이 되게 하고, 행의 합(axis=-1)으로 "
               "나누세요."},
        {"en": "`if mask is not None: scores = np.where(mask, scores, -np.inf)`, then "
               "`z = np.exp(scores - scores.max(axis=-1, keepdims=True))` and "
               "`return z / z.sum(axis=-1, keepdims=True)`.",
         "ko": "`if mask is not None: scores = np.where(mask, scores, -np.inf)`, 그다음 "
               "`z = np.exp(scores - scores.max(axis=-1, keepdims=True))`, 그리고 "
               "`return z / z.sum(axis=-1, keepdims=True)`."},
    ],
)


# --------------------------------------------------------------------------- 2. dot_attention
def _compare_dot_attention(expected, got, rtol=1e-6, atol=1e-9) -> str | None:
    if got is None:
        return tr("the result is None: did you forget `return`? Expected a pair (context, weights)",
                  "결과가 None입니다: `return`을 빠뜨렸나요? (context, weights) 쌍을 반환해야 합니다")
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        kind = type(got).__name__
        return tr(f"expected a pair (context, weights), got {kind}",
                  f"(context, weights) 쌍을 반환해야 하는데 {kind}입니다")
    (e_ctx, e_w), (g_ctx, g_w) = expected, got
    if e_ctx.shape != e_w.shape and _shape(g_w) == e_ctx.shape and _shape(g_ctx) == e_w.shape:
        return tr("the pair looks swapped: return (context, weights), context first",
                  "쌍의 순서가 바뀐 것 같습니다: context를 먼저, (context, weights) 순서로 반환하세요")
    problem = _compare_weights(e_w, g_w, rtol, atol)
    if problem:
        return problem
    problem = compare_values(e_ctx, g_ctx, rtol, atol, what=_what("context"))
    if _wrong_value(e_ctx, g_ctx, problem):
        problem += tr(": the context is the weighted sum of the encoder states, sum_s w[n, s] * hs[n, s]",
                      ": 문맥 벡터는 인코더 상태들의 가중합 sum_s w[n, s] * hs[n, s]입니다")
    return problem


def _attention(q, hs, mask=None, scale=1.0, use_mask=True):
    w = _softmax(np.einsum("nd,nsd->ns", q, hs) * scale, mask if use_mask else None)
    return np.einsum("ns,nsd->nd", w, hs), w


def _dot_attention_cases():
    rng = _rng(2)
    hs_padded = rng.standard_normal((2, 4, 3))
    hs_padded[0, 3] = 500.0  # a padded key whose score would swamp the real ones
    q_padded = np.abs(rng.standard_normal((2, 3))) + 0.5
    mask_padded = np.array([[True, True, True, False], [True, True, False, False]])
    hs_padded[1, 2:] = 300.0
    return [
        case("N=3, S=5, D=4, mask=None", rng.standard_normal((3, 4)), rng.standard_normal((3, 5, 4)), None),
        case(tr("N=3, S=5, D=4 with a padding mask", "N=3, S=5, D=4와 패딩 마스크"), rng.standard_normal((3, 4)),
             rng.standard_normal((3, 5, 4)), _padding_mask(rng, 3, 5)),
        case(tr("a batch of 1, S=2, D=3, called without a mask", "배치 1개, S=2, D=3, 마스크 없이 호출"),
             rng.standard_normal((1, 3)), rng.standard_normal((1, 2, 3))),
        case(tr("a single key S=1: the context is that key", "키 1개 S=1: 문맥 벡터는 그 키 자체"),
             rng.standard_normal((2, 3)), rng.standard_normal((2, 1, 3)), None),
        case(tr("a zero query: uniform weights over the real keys", "0인 쿼리: 실제 키들에 균등한 가중치"),
             np.zeros((2, 4)), rng.standard_normal((2, 6, 4)), _padding_mask(rng, 2, 6)),
        case(tr("D=1, S=7, large values (scores in the hundreds)", "D=1, S=7, 큰 값 (점수가 수백)"),
             10 * rng.standard_normal((4, 1)), 10 * rng.standard_normal((4, 7, 1)), None),
        case(tr("padded keys with huge scores", "점수가 아주 큰 패딩된 키"), q_padded, hs_padded, mask_padded),
    ]


dot_attention = CHAPTER.exercise(
    "dot_attention",
    examples=[example((np.array([[1.9926004268859265, 1.9926004268859265]]),
                       np.array([[0.0024665243713577517, 0.0024665243713577517, 0.9950669512572844]])),
                      {"en": "the brief's example: q = [[2, 2]], hs = [[[1, 0], [0, 1], [2, 2]]]",
                       "ko": "문제 설명의 예: q = [[2, 2]], hs = [[[1, 0], [0, 1], [2, 2]]]"},
                      np.array([[2.0, 2.0]]), np.array([[[1.0, 0.0], [0.0, 1.0], [2.0, 2.0]]]))],
    cases=_dot_attention_cases,
    compare=_compare_dot_attention,
    rtol=1e-6,
    atol=1e-9,
    mistakes=[
        (lambda q, hs, mask=None: _attention(q, hs, mask, use_mask=False),
         {"en": "pass the mask on to the softmax: padded keys get weight 0",
          "ko": "마스크를 소프트맥스에 넘기세요: 패딩된 키의 가중치는 0이어야 합니다"}),
        (lambda q, hs, mask=None: _attention(q, hs, mask, scale=1 / np.sqrt(q.shape[-1])),
         {"en": "do not scale by 1/sqrt(D): that is chapter 09's scaled attention, here the score is q . h_s",
          "ko": "1/sqrt(D)로 크기를 조정하지 마세요: 그것은 09장의 스케일드 어텐션이고, 여기서 점수는 q . h_s입니다"}),
        (lambda q, hs, mask=None: (hs.mean(axis=1), _attention(q, hs, mask)[1]),
         {"en": "weight each encoder state by its attention weight, not a plain mean",
          "ko": "단순 평균이 아니라, 각 인코더 상태에 그 어텐션 가중치를 곱해 더하세요"}),
    ],
    hints=[
        {"en": "Score every encoder state against the query, turn the scores into weights, then average the states "
               "with those weights.",
         "ko": "쿼리로 모든 인코더 상태의 점수를 매기고, 점수를 가중치로 바꾼 다음, 그 가중치로 상태들을 "
               "가중 평균하세요."},
        {"en": "`np.einsum(\"nd,nsd->ns\", q, hs)` gives the (N, S) scores; your `masked_softmax(scores, mask)` gives "
               "the weights; the context sums weights[n, s] * hs[n, s] over s, shape (N, D).",
         "ko": "`np.einsum(\"nd,nsd->ns\", q, hs)`가 (N, S) 모양의 점수를 줍니다. "
               "여러분의 `masked_softmax(scores, mask)`가 가중치를 주고, 문맥 벡터는 weights[n, s] * hs[n, s]를 "
               "s에 대해 더한 것으로 모양은 (N, D)입니다."},
        {"en": "`weights = masked_softmax(np.einsum(\"nd,nsd->ns\", q, hs), mask)`, "
               "`context = np.einsum(\"ns,nsd->nd\", weights, hs)`, `return context, weights`.",
         "ko": "`weights = masked_softmax(np.einsum(\"nd,nsd->ns\", q, hs), mask)`, "
               "`context = np.einsum(\"ns,nsd->nd\", weights, hs)`, 그리고 `return context, weights`."},
    ],
)


# --------------------------------------------------------------------------- 3. predict_shuffled_keys
predict_shuffled_keys = CHAPTER.predict(
    "predict_shuffled_keys",
    why={"en": "Each weight moves with its own state, and a sum does not depend on the order of its terms: attention "
               "is blind to order. Order reaches it only inside the states (an RNN's state depends on the past).",
         "ko": "각 가중치는 자기 상태와 함께 움직이고, 합은 항의 순서에 좌우되지 않습니다: 어텐션은 순서를 보지 "
               "못합니다. 순서 정보는 상태 안에 담겨서만 어텐션에 전해집니다(RNN의 상태는 과거에 따라 달라집니다)."},
    options={
        "a": {"en": "the context changes: the decoder now reads the input in a different order",
              "ko": "문맥 벡터가 바뀐다: 이제 디코더가 입력을 다른 순서로 읽는다"},
        "b": {"en": "the context stays the same, and the weights are shuffled with the states",
              "ko": "문맥 벡터는 그대로이고, 가중치가 상태와 함께 섞인다"},
        "c": {"en": "the context becomes the plain mean of the states",
              "ko": "문맥 벡터가 상태들의 단순 평균이 된다"},
    },
    hints=[
        {"en": "Write the context of one query as a sum over s of w_s h_s, and ask what each weight w_s depends on.",
         "ko": "쿼리 하나의 문맥 벡터를 w_s h_s를 s에 대해 더한 합으로 쓰고, 각 가중치 w_s가 무엇에 따라 정해지는지 "
               "생각해 보세요."},
        {"en": "The score of key s is q . h_s: it moves with h_s when the states are shuffled, and so does its "
               "softmax weight. Does the order of the terms of a sum change the sum? "
               "`checks.predict_shuffled_keys.solution()` shows the answer.",
         "ko": "키 s의 점수는 q . h_s입니다: 상태를 섞으면 점수는 h_s와 함께 움직이고, 그 소프트맥스 가중치도 "
               "마찬가지입니다. 합에서 항의 순서를 바꾸면 합이 달라질까요? "
               "`checks.predict_shuffled_keys.solution()`이 답을 보여 줍니다."},
    ],
)


# --------------------------------------------------------------------------- 4. input_attention
def _input_attention_with(h, s, x, W_e, b_e, U_e, v_e, order="hs", transpose=True, bias=True, act=np.tanh,
                          softmax=True, axis=-1):
    query = np.concatenate([h, s] if order == "hs" else [s, h], axis=-1) @ W_e + (b_e if bias else 0.0)
    keys = (np.transpose(x, (0, 2, 1)) if transpose else x) @ U_e
    scores = act(query[:, None, :] + keys) @ v_e
    return _softmax(scores, axis=axis) if softmax else scores


def _input_attention_cases():
    rng = _rng(6)

    def args(n, hidden, t, k, a, scale=1.0, zero_state=False):
        def r(*shape):
            return rng.standard_normal(shape)

        state = (np.zeros((n, hidden)), np.zeros((n, hidden))) if zero_state else (r(n, hidden), r(n, hidden))
        return (*state, r(n, t, k), r(2 * hidden, a), r(a), r(t, a), scale * r(a))

    return [
        case(tr("N=3, H=4, T=5 hours, K=6 series, A=7", "N=3, H=4, T=5시간, K=6개 시계열, A=7"), *args(3, 4, 5, 6, 7)),
        case(tr("as many series as hours: T = K = 4 (N=2, H=3, A=5)",
                "시계열 수와 시간 수가 같음: T = K = 4 (N=2, H=3, A=5)"), *args(2, 3, 4, 4, 5)),
        case(tr("a batch of 1 and a single series: its weight is 1", "배치 1개와 시계열 1개: 그 가중치는 1"),
             *args(1, 2, 3, 1, 4)),
        case(tr("zero states h = s = 0 (the first step)", "0인 상태 h = s = 0 (첫 단계)"),
             *args(2, 3, 6, 5, 4, zero_state=True)),
        case(tr("large v_e: scores near a thousand (exp overflows without the max shift)",
                "큰 v_e: 점수가 1,000 가까이 (최댓값을 빼지 않으면 exp가 오버플로)"),
             *args(3, 2, 4, 5, 3, scale=1000.0)),
        case(tr("more series than hours: T=2, K=9", "시간보다 시계열이 많음: T=2, K=9"), *args(2, 3, 2, 9, 4)),
    ]


input_attention = CHAPTER.exercise(
    "input_attention",
    examples=[example(np.array([[0.8210074960059999, 0.1789925039940001]]),
                      {"en": "the brief's example: h = s = [[0]], windows [1, 1] and [0, 2], W_e = 0, b_e = 0, "
                             "U_e = [[1], [0]], v_e = [2]",
                       "ko": "문제 설명의 예: h = s = [[0]], 창 [1, 1]과 [0, 2], W_e = 0, b_e = 0, "
                             "U_e = [[1], [0]], v_e = [2]"},
                      np.zeros((1, 1)), np.zeros((1, 1)), np.array([[[1.0, 0.0], [1.0, 2.0]]]), np.zeros((2, 1)),
                      np.zeros(1), np.array([[1.0], [0.0]]), np.array([2.0]))],
    cases=_input_attention_cases,
    compare=_compare_weights,
    rtol=1e-6,
    atol=1e-9,
    mistakes=[
        (lambda *a: _input_attention_with(*a, transpose=False),
         {"en": "the key of series k is its whole window x[:, :, k]: transpose x to (N, K, T) before multiplying by "
                "U_e",
          "ko": "시계열 k의 키는 그 창 전체 x[:, :, k]입니다: U_e를 곱하기 전에 x를 (N, K, T)로 전치하세요"}),
        (lambda *a: _input_attention_with(*a, order="sh"),
         {"en": "the query is [h; s], h first: np.concatenate([h, s], -1)",
          "ko": "쿼리는 h가 먼저 오는 [h; s]입니다: np.concatenate([h, s], -1)"}),
        (lambda *a: _input_attention_with(*a, bias=False),
         {"en": "add the bias b_e to the query's projection", "ko": "쿼리의 사영에 편향 b_e를 더하세요"}),
        (lambda *a: _input_attention_with(*a, act=lambda z: z),
         {"en": "apply tanh before the dot product with v_e", "ko": "v_e와 내적하기 전에 tanh를 적용하세요"}),
        (lambda *a: _input_attention_with(*a, softmax=False),
         {"en": "return weights, not scores: a softmax over the K series turns the scores into weights",
          "ko": "점수가 아니라 가중치를 반환하세요: K개 시계열에 대한 소프트맥스가 점수를 가중치로 바꿉니다"}),
        (lambda *a: _input_attention_with(*a, axis=0),
         {"en": "the softmax runs over the series (the last axis), not the batch",
          "ko": "소프트맥스는 배치가 아니라 시계열(마지막 축)에 대해 계산합니다"}),
    ],
    hints=[
        {"en": "It is additive attention with the series as the keys: one query per example ([h; s]), one key per "
               "series (its window of T values), one score per series, then a softmax over the series.",
         "ko": "시계열을 키로 삼는 가산 어텐션입니다. 예시마다 쿼리 하나([h; s]), 시계열마다 키 하나(T개 값으로 된 그 "
               "시계열의 창)와 점수 하나를 구한 다음, 시계열에 대해 소프트맥스를 취하세요."},
        {"en": "`query = np.concatenate([h, s], axis=-1) @ W_e + b_e` is (N, A); the keys are "
               "`x.transpose(0, 2, 1) @ U_e`, (N, K, A); add them with a new axis on the query (`query[:, None, :]`), "
               "tanh, then `@ v_e` gives (N, K).",
         "ko": "`query = np.concatenate([h, s], axis=-1) @ W_e + b_e`는 (N, A)이고, 키는 "
               "`x.transpose(0, 2, 1) @ U_e`로 (N, K, A)입니다. 쿼리에 새 축을 넣어(`query[:, None, :]`) 둘을 더하고 "
               "tanh를 적용한 뒤 `@ v_e`를 하면 (N, K)가 됩니다."},
        {"en": "`scores = np.tanh(query[:, None, :] + keys) @ v_e`, then `return masked_softmax(scores)` (a softmax "
               "over the last axis, with the max shift). `checks.input_attention.solution()` shows the answer.",
         "ko": "`scores = np.tanh(query[:, None, :] + keys) @ v_e`, 그다음 `return masked_softmax(scores)`(최댓값을 "
               "빼는, 마지막 축에 대한 소프트맥스). `checks.input_attention.solution()`이 답을 보여 줍니다."},
    ],
)


# --------------------------------------------------------------------------- 5. dot_attention_backward
def _backward_with(q, hs, dcontext, value=True, key=True, jacobian=True):
    w = _softmax(np.einsum("nd,nsd->ns", q, hs))
    dw = np.einsum("nd,nsd->ns", dcontext, hs)
    dscores = w * (dw - (dw * w).sum(axis=-1, keepdims=True)) if jacobian else w * dw
    dq = np.einsum("ns,nsd->nd", dscores, hs)
    dhs = np.zeros_like(hs)
    if value:
        dhs = dhs + w[:, :, None] * dcontext[:, None, :]
    if key:
        dhs = dhs + dscores[:, :, None] * q[:, None, :]
    return dq, dhs


def _backward_cases():
    rng = _rng(4)

    def args(n, s, d, scale=1.0):
        return scale * rng.standard_normal((n, d)), scale * rng.standard_normal((n, s, d)), rng.standard_normal((n, d))

    return [
        case("N=3, S=5, D=4", *args(3, 5, 4)),
        case(tr("a batch of 1, S=3, D=2", "배치 1개, S=3, D=2"), *args(1, 3, 2)),
        case(tr("S=6 keys, more than D=2", "키 S=6개, D=2보다 많음"), *args(2, 6, 2)),
        case(tr("a single key S=1 (the weights are constant: dq = 0)", "키 1개 S=1 (가중치가 상수: dq = 0)"),
             *args(2, 1, 3)),
        case(tr("small values (almost uniform weights)", "작은 값 (거의 균등한 가중치)"), *args(3, 4, 5, scale=0.1)),
        case(tr("large scores, in the thousands (a softmax without the max shift overflows)",
                "수천 단위의 큰 점수 (최댓값을 빼지 않은 소프트맥스는 오버플로)"), *args(2, 4, 3, scale=30.0)),
    ]


dot_attention_backward = CHAPTER.exercise(
    "dot_attention_backward",
    examples=[example((np.array([[0.19661193324148185]]), np.array([[[0.07232948812851325], [0.9276705118714869]]])),
                      {"en": "the brief's example: q = [[1]], hs = [[[0], [1]]], dcontext = [[1]]",
                       "ko": "문제 설명의 예: q = [[1]], hs = [[[0], [1]]], dcontext = [[1]]"},
                      np.array([[1.0]]), np.array([[[0.0], [1.0]]]), np.array([[1.0]]))],
    cases=_backward_cases,
    compare=named_parts("dq", "dhs"),
    rtol=1e-6,
    atol=1e-9,
    mistakes=[
        (lambda *a: _backward_with(*a, key=False),
         {"en": "dhs has only the value path (w * dcontext): add the key path dscores[n, s] * q[n]",
          "ko": "dhs에 값 경로(w * dcontext)만 있습니다: 키 경로 dscores[n, s] * q[n]을 더하세요"}),
        (lambda *a: _backward_with(*a, value=False),
         {"en": "dhs has only the key path (dscores * q): add the value path w[n, s] * dcontext[n]",
          "ko": "dhs에 키 경로(dscores * q)만 있습니다: 값 경로 w[n, s] * dcontext[n]을 더하세요"}),
        (lambda *a: _backward_with(*a, jacobian=False),
         {"en": "the softmax Jacobian is missing: dscores = w * (dw - sum_s(w * dw)), not w * dw",
          "ko": "소프트맥스의 야코비 행렬이 빠졌습니다: w * dw가 아니라 dscores = w * (dw - sum_s(w * dw))입니다"}),
    ],
    hints=[
        {"en": "Follow the forward pass backwards: context <- weights <- scores <- (q, hs). The encoder states are "
               "used twice (as keys in the scores, as values in the context), so dhs has two terms.",
         "ko": "순전파를 거꾸로 따라가세요: context <- weights <- scores <- (q, hs). 인코더 상태는 두 번 쓰이므로"
               "(점수에서는 키로, 문맥 벡터에서는 값으로) dhs에는 항이 두 개 있습니다."},
        {"en": "Recompute the weights w (N, S); `dw = np.einsum(\"nd,nsd->ns\", dcontext, hs)`; the softmax Jacobian "
               "gives `dscores = w * (dw - (dw * w).sum(axis=-1, keepdims=True))`; then dq and dhs with einsum.",
         "ko": "가중치 w (N, S)를 다시 계산하고 `dw = np.einsum(\"nd,nsd->ns\", dcontext, hs)`를 구하세요. "
               "소프트맥스의 야코비 행렬을 거치면 `dscores = w * (dw - (dw * w).sum(axis=-1, keepdims=True))`가 "
               "되고, 그다음 einsum으로 dq와 dhs를 구합니다."},
        {"en": "`dq = np.einsum(\"ns,nsd->nd\", dscores, hs)` and "
               "`dhs = w[:, :, None] * dcontext[:, None, :] + dscores[:, :, None] * q[:, None, :]`; `return dq, dhs`.",
         "ko": "`dq = np.einsum(\"ns,nsd->nd\", dscores, hs)`와 "
               "`dhs = w[:, :, None] * dcontext[:, None, :] + dscores[:, :, None] * q[:, None, :]`, 그리고 "
               "`return dq, dhs`."},
    ],
)


# --------------------------------------------------------------------------- 6. copy_learning_rate (experiment)
COPY_STEPS, COPY_TARGET = 200, 0.9
_copy_cache: dict = {}


def run_copy_experiment(lr: float) -> float:
    """Exact match on 500 held-out strings of 8-12 digits of the lesson's attention model (bi-GRU 32, one layer)
    after 200 Adam steps of 64 strings with gradient clipping at 5, on a fixed seed."""
    if float(lr) in _copy_cache:
        return _copy_cache[float(lr)]
    import string

    import torch.nn.functional as F

    from common import attention as att
    from common import seq2seq as s2s
    from common.data import CharVocab

    rng = np.random.default_rng(0)
    strings = ["".join(map(str, rng.integers(0, 10, size=n))) for n in rng.integers(8, 13, size=3000)]
    digits = CharVocab(string.digits)
    src, tgt_in, tgt_out = s2s.prepare_pairs(strings, strings, digits)
    n_train = 2500
    with torch.random.fork_rng():
        torch.manual_seed(0)
        model = att.AttentionSeq2Seq(len(digits), len(digits), embed_dim=16, enc_hidden=32, enc_layers=1)
        optimizer = torch.optim.Adam(model.parameters(), lr=float(lr))
        batches = torch.Generator().manual_seed(0)
        for _ in range(COPY_STEPS):
            rows = torch.randint(0, n_train, (64,), generator=batches)
            logits = model(src[rows], tgt_in[rows])
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tgt_out[rows].reshape(-1), ignore_index=0)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            optimizer.step()
        pred, _ = att.greedy_decode(model, src[n_train:], tgt_out.shape[1], sos_id=digits.sos_id)
        accuracy = float(s2s.exact_match(pred, tgt_out[n_train:], digits.eos_id).float().mean())
    _copy_cache[float(lr)] = accuracy
    return accuracy


def _judge_copy(fn) -> str:
    lr = call(fn, label=tr("your learning rate", "여러분의 학습률"))
    if isinstance(lr, (bool, np.bool_)) or not isinstance(lr, (int, float, np.integer, np.floating)):
        text = repr(lr) if len(repr(lr)) <= 40 else repr(lr)[:37] + "..."
        raise Fail(tr(f"return the learning rate as one number, e.g. 0.001, not {text}",
                      f"학습률을 숫자 하나로 반환하세요(예: 0.001). {text}은(는) 안 됩니다"))
    if not 0 < lr <= 1:
        raise Fail(tr(f"a learning rate for Adam is a number in (0, 1], got {float(lr):g}",
                      f"Adam의 학습률은 (0, 1] 범위의 수여야 하는데 {float(lr):g}입니다"))
    accuracy = run_copy_experiment(float(lr))
    what = tr(f"your learning rate {float(lr):g} reached {100 * accuracy:.1f}% exact match on 500 held-out strings "
              f"of 8-12 digits after {COPY_STEPS} steps; asked: at least {100 * COPY_TARGET:.0f}%",
              f"여러분의 학습률 {float(lr):g}은(는) {COPY_STEPS}단계 뒤 떼어 둔 8~12자리 숫자열 500개에서 완전 일치 "
              f"{100 * accuracy:.1f}%에 이르렀습니다. 목표: 최소 {100 * COPY_TARGET:.0f}%")
    if accuracy < COPY_TARGET:
        raise Fail(what)
    return what


copy_learning_rate = CHAPTER.exercise(
    "copy_learning_rate",
    judge=_judge_copy,
    hints=[
        {"en": "Try values a factor of 3 to 10 apart and watch the accuracy the check reports: too small and 200 steps "
               "are not enough, too large and the training becomes unstable.",
         "ko": "3배에서 10배씩 떨어진 값들을 시도하며 검사가 알려 주는 정확도를 지켜보세요. 너무 작으면 200단계로는 "
               "부족하고, 너무 크면 학습이 불안정해집니다."},
        {"en": "Adam's default, 1e-3, is a little slow for this budget; the lesson trains its models at a peak of "
               "5e-3 with a schedule, and here the rate stays constant. `checks.copy_learning_rate.solution()` shows "
               "the answer.",
         "ko": "Adam의 기본값 1e-3은 이 예산에는 조금 느립니다. 본문은 스케줄을 써서 최고 5e-3으로 모델을 "
               "학습시키지만, 여기서는 학습률이 일정하게 유지됩니다. `checks.copy_learning_rate.solution()`이 답을 "
               "보여 줍니다."},
    ],
)
