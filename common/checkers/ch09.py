"""Exercises of chapter 09, the Transformer: ``checks.<name>.check(fn)``, ``.hint()``, ``.solution()``.

The reference answers are the chapter's ``solutions.py``; this module holds what is specific to each
exercise: its cases, the brief's worked example, classic mistakes and hints, the two predict-first
questions, and the reversal experiment (:func:`reversal_accuracy` trains a small attention model
with the learner's position code and measures it).
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from common.checks import Chapter, Fail, call, case, compare_values, example, named_parts, tr

CHAPTER = Chapter("09_transformer")
__getattr__ = CHAPTER.legacy


def _rng(offset: int = 0) -> np.random.Generator:
    return np.random.default_rng(9 + offset)


def _tril(T: int) -> np.ndarray:
    return np.tril(np.ones((T, T), dtype=bool))


# --------------------------------------------------------------------------- 1. decoder_mask
def _compare_mask(expected, got, rtol=0.0, atol=0.0) -> str | None:
    if got is None:
        return tr("the mask is None: did you forget `return`?", "마스크가 None입니다: `return`을 빠뜨렸나요?")
    dtype = getattr(got, "dtype", None)
    if dtype is not None and dtype != np.bool_:
        return tr(f"the mask has dtype {dtype}: make it boolean, True where a query may attend",
                  f"마스크의 dtype이 {dtype}입니다: 쿼리가 어텐션할 수 있는 곳이 True인 불리언 배열로 만드세요")
    return compare_values(expected, got, 0, 0, what=tr("mask", "마스크"))


def _dmask(ids, pad_id=0, causal=True, padding=True, diagonal=True, upper=False):
    """The decoder mask, or one with a classic slip (a part left out, or the upper triangle)."""
    ids = np.asarray(ids)
    N, T = ids.shape
    m = np.ones((N, T, T), dtype=bool)
    if causal:
        m &= np.triu(np.ones((T, T), dtype=bool)) if upper else _tril(T)
    if padding:
        m &= (ids != pad_id)[:, None, :]
    if diagonal:
        m |= np.eye(T, dtype=bool)
    return m


def _dmask_cases():
    rng = _rng(1)
    ids = rng.integers(1, 9, size=(3, 6))
    ids[0, :2] = 0
    ids[1, :4] = 0  # three prompts of 4, 2 and 6 tokens, padded on the left
    few = rng.integers(1, 9, size=(2, 5))
    few[0, :1] = -1
    return [
        case(tr("three prompts of 4, 2 and 6 tokens, left-padded to T=6",
                "토큰 4개, 2개, 6개짜리 프롬프트 세 개, T=6이 되도록 왼쪽 패딩"), ids),
        case(tr("no padding at all, T=4", "패딩 없음, T=4"), rng.integers(1, 9, size=(2, 4))),
        case(tr("one sequence of a single token", "토큰 하나짜리 시퀀스 하나"), np.array([[7]])),
        case(tr("a sequence that is all PAD but its last token", "마지막 토큰만 빼고 모두 PAD인 시퀀스"),
             np.array([[0, 0, 0, 3]])),
        case(tr("pad_id=-1 (and a real token 0)", "pad_id=-1 (그리고 실제 토큰 0)"), np.where(few == -1, -1, few - 1),
             -1),
        case(tr("a PAD id inside the prompt (a hole)", "프롬프트 안의 PAD id (구멍)"), np.array([[4, 0, 5, 6]])),
    ]


decoder_mask = CHAPTER.exercise(
    "decoder_mask",
    examples=[example(np.array([[[True, False, False, False], [False, True, False, False],
                                 [False, False, True, False], [False, False, True, True]]]),
                      {"en": "the brief's example: ids = [[0, 0, 5, 7]], pad_id = 0",
                       "ko": "문제 설명의 예: ids = [[0, 0, 5, 7]], pad_id = 0"}, np.array([[0, 0, 5, 7]]))],
    cases=_dmask_cases,
    compare=_compare_mask,
    returns=np.ndarray,
    mistakes=[
        (lambda ids, pad_id=0: _dmask(ids, pad_id, padding=False),
         {"en": "the PAD keys are not blocked: a real token must not look at the PADs on its left",
          "ko": "PAD 키가 막혀 있지 않습니다: 실제 토큰은 자기 왼쪽의 PAD를 보면 안 됩니다"}),
        (lambda ids, pad_id=0: _dmask(ids, pad_id, causal=False),
         {"en": "the future is not blocked: query i may only look at keys j <= i",
          "ko": "미래가 막혀 있지 않습니다: 쿼리 i는 j <= i인 키 j만 볼 수 있습니다"}),
        (lambda ids, pad_id=0: _dmask(ids, pad_id, diagonal=False),
         {"en": "a PAD query is left with no key at all (an empty softmax row gives nan): let every query keep itself",
          "ko": "PAD 쿼리에 남는 키가 하나도 없습니다(빈 소프트맥스 행은 nan이 됩니다): 모든 쿼리가 자기 자신은 볼 수 "
                "있게 하세요"}),
        (lambda ids, pad_id=0: _dmask(ids, pad_id, upper=True),
         {"en": "this is the upper triangle: query i (row) may look at keys 0..i (columns)",
          "ko": "이것은 위 삼각형입니다: 쿼리 i(행)는 키 0..i(열)를 볼 수 있어야 합니다"}),
    ],
    hints=[
        {"en": "Three conditions, one boolean array each, all broadcast to (N, T, T): the key is not in the future of "
               "the query (a (T, T) triangle), the key is not PAD (depends on the sequence and the key only: (N, 1, "
               "T)), and the key is the query itself (the diagonal, which rescues the PAD queries).",
         "ko": "조건이 세 개이고, 조건마다 불리언 배열 하나이며, 모두 (N, T, T)로 브로드캐스트됩니다: 키가 쿼리의 "
               "미래에 있지 않을 것((T, T) 삼각형), 키가 PAD가 아닐 것(시퀀스와 키에만 달려 있으므로 (N, 1, T)), "
               "그리고 키가 쿼리 자신일 것(대각선. PAD 쿼리를 구해 줍니다)."},
        {"en": "`np.tril(np.ones((T, T), dtype=bool))` is the causal part, `(ids != pad_id)[:, None, :]` the padding "
               "part; combine them with `&`, then add the diagonal with `| np.eye(T, dtype=bool)`.",
         "ko": "`np.tril(np.ones((T, T), dtype=bool))`이 인과 부분, `(ids != pad_id)[:, None, :]`이 패딩 부분입니다. "
               "둘을 `&`로 합친 다음 `| np.eye(T, dtype=bool)`로 대각선을 더하세요."},
        {"en": "`T = ids.shape[1]`; `return (np.tril(np.ones((T, T), dtype=bool)) & (ids != pad_id)[:, None, :]) | "
               "np.eye(T, dtype=bool)`. `checks.decoder_mask.solution()` shows the whole answer.",
         "ko": "`T = ids.shape[1]`; `return (np.tril(np.ones((T, T), dtype=bool)) & (ids != pad_id)[:, None, :]) | "
               "np.eye(T, dtype=bool)`. `checks.decoder_mask.solution()`이 답 전체를 보여 줍니다."},
    ],
)


# --------------------------------------------------------------------------- 2. scaled_dot_product_attention
def _softmax(x, axis=-1):
    z = np.exp(x - x.max(axis=axis, keepdims=True))
    return z / z.sum(axis=axis, keepdims=True)


def _sdpa(q, k, v, mask=None, scale=None, axis=-1, mask_after=False, invert=False, naive=False, global_max=False,
          max_before_mask=False):
    """Attention with one classic slip switched on (all off: the right answer)."""
    scores = q @ np.swapaxes(k, -1, -2) / (np.sqrt(q.shape[-1]) if scale is None else scale(q.shape[-1]))
    if mask is not None and invert:
        mask = ~np.asarray(mask, dtype=bool)
    if max_before_mask:
        scores = scores - scores.max(axis=-1, keepdims=True)
    if mask is not None and not mask_after:
        scores = np.where(mask, scores, -np.inf)
    if naive or max_before_mask:
        e = np.exp(scores)
        weights = e / e.sum(axis=-1, keepdims=True)
    elif global_max:
        e = np.exp(scores - scores.max())
        weights = e / e.sum(axis=-1, keepdims=True)
    else:
        weights = _softmax(scores, axis=axis)
    if mask is not None and mask_after:
        weights = np.where(mask, weights, 0.0)
    return weights @ v, weights


def _sdpa_cases():
    r = _rng(2).standard_normal
    pad = np.arange(6) < np.array([6, 4, 1])[:, None, None]  # (3, 1, 6): 0, 2 and 5 PAD keys
    scales = np.array([1000.0, 1.0, 0.001])[:, None, None]
    k_big = r((2, 5, 4))
    k_big[:, 3:] *= 3000  # two blocked keys, far longer than the others ...
    unit = k_big[:, 4:5] / np.linalg.norm(k_big[:, 4:5], axis=-1, keepdims=True)
    q_big = 5 * np.repeat(unit, 3, axis=1) + r((2, 3, 4))  # ... and every query points at the last one
    big_pad = np.arange(5) < 3  # so a blocked score is by far the largest of its row
    return [
        case(tr("2-D: q (3, 4), k (5, 4), v (5, 2), no mask", "2차원: q (3, 4), k (5, 4), v (5, 2), 마스크 없음"),
             r((3, 4)), r((5, 4)), r((5, 2))),
        case(tr("batch: q (2, 3, 8), k (2, 6, 8), v (2, 6, 5)", "배치: q (2, 3, 8), k (2, 6, 8), v (2, 6, 5)"),
             r((2, 3, 8)), r((2, 6, 8)), r((2, 6, 5))),
        case(tr("a batch of 1 with one query and one key", "쿼리 하나와 키 하나로 된 크기 1의 배치"), r((1, 1, 3)),
             r((1, 1, 3)), r((1, 1, 3))),
        case(tr("padding mask (3, 1, 6): rows keep 6, 4 and 1 keys",
                "패딩 마스크 (3, 1, 6): 행마다 키가 6개, 4개, 1개 남음"), r((3, 4, 2)), r((3, 6, 2)), r((3, 6, 3)),
             pad),
        case(tr("causal mask (5, 5) on self-attention", "셀프 어텐션에 인과 마스크 (5, 5)"), *(r((2, 5, 4)),) * 3,
             _tril(5)),
        case(tr("heads: q, k, v (2, 3, 4, 4) and a causal mask", "헤드: q, k, v (2, 3, 4, 4)와 인과 마스크"),
             r((2, 3, 4, 4)), r((2, 3, 4, 4)), r((2, 3, 4, 4)), _tril(4)),
        case(tr("large scores (q times 1000)", "큰 점수 (q에 1000을 곱함)"), 1000 * r((2, 3, 4)), r((2, 3, 4)),
             r((2, 3, 2))),
        case(tr("rows on very different scales (q times 1000, 1 and 0.001)",
                "규모가 매우 다른 행들 (q에 1000, 1, 0.001을 곱함)"), scales * r((3, 2, 4)), r((3, 5, 4)),
             r((3, 5, 2))),
        case(tr("a blocked key with by far the largest score in every row",
                "모든 행에서 막힌 키의 점수가 압도적으로 가장 큼"), q_big, k_big, r((2, 5, 3)), big_pad),
    ]


scaled_dot_product_attention = CHAPTER.exercise(
    "scaled_dot_product_attention",
    examples=[
        example((np.array([[0.6697615493266569, 0.3302384506733431], [0.3302384506733431, 0.6697615493266569]]),) * 2,
                {"en": "the brief's example: q = k = v = np.eye(2), no mask",
                 "ko": "문제 설명의 예: q = k = v = np.eye(2), 마스크 없음"}, np.eye(2), np.eye(2), np.eye(2)),
        example((np.array([[1.0, 0.0], [0.3302384506733431, 0.6697615493266569]]),) * 2,
                {"en": "q = k = v = np.eye(2) with the causal mask of T=2",
                 "ko": "q = k = v = np.eye(2)에 T=2의 인과 마스크"}, np.eye(2), np.eye(2), np.eye(2),
                np.array([[True, False], [True, True]])),
    ],
    cases=_sdpa_cases,
    compare=named_parts("out", "weights"),
    rtol=1e-6,
    atol=1e-9,
    mistakes=[
        (lambda q, k, v, mask=None: _sdpa(q, k, v, mask, naive=True),
         {"en": "exp overflowed: subtract each row's maximum score before np.exp (the softmax is unchanged)",
          "ko": "exp가 오버플로했습니다: np.exp 전에 각 행의 최대 점수를 빼세요(소프트맥스 값은 바뀌지 않습니다)"}),
        (lambda q, k, v, mask=None: _sdpa(q, k, v, mask, global_max=True),
         {"en": "subtract each row's own maximum (max over the last axis, keepdims=True), not one maximum of the whole "
                "array: rows with small scores underflow to 0",
          "ko": "배열 전체의 최댓값 하나가 아니라 각 행 자신의 최댓값(마지막 축에 대한 max, keepdims=True)을 빼세요: "
                "점수가 작은 행은 0으로 언더플로합니다"}),
        (lambda q, k, v, mask=None: _sdpa(q, k, v, mask, max_before_mask=True),
         {"en": "take the maximum after masking: a blocked key's large score must not push the allowed ones to "
                "exp(...) = 0",
          "ko": "최댓값은 마스킹한 뒤에 구하세요: 막힌 키의 큰 점수 때문에 허용된 키들이 exp(...) = 0으로 밀려나면 안 "
                "됩니다"}),
        (lambda q, k, v, mask=None: _sdpa(q, k, v, mask, scale=lambda d: 1.0),
         {"en": "divide the scores by sqrt(d_k), the size of the last axis of q",
          "ko": "점수를 sqrt(d_k)로 나누세요. d_k는 q의 마지막 축의 크기입니다"}),
        (lambda q, k, v, mask=None: _sdpa(q, k, v, mask, scale=lambda d: d),
         {"en": "divide by sqrt(d_k), not by d_k", "ko": "d_k가 아니라 sqrt(d_k)로 나누세요"}),
        (lambda q, k, v, mask=None: _sdpa(q, k, v, mask, axis=-2),
         {"en": "take the softmax over the keys (the last axis), so each query's weights sum to 1",
          "ko": "소프트맥스는 키에 대해(마지막 축) 계산하세요. 그래야 쿼리마다 가중치의 합이 1이 됩니다"}),
        (lambda q, k, v, mask=None: _sdpa(q, k, v, mask, mask_after=True),
         {"en": "apply the mask to the scores before the softmax (-inf where blocked), so the weights still sum to 1",
          "ko": "마스크는 소프트맥스 전에 점수에 적용하세요(막힌 곳은 -inf). 그래야 가중치의 합이 여전히 1입니다"}),
        (lambda q, k, v, mask=None: _sdpa(q, k, v, mask, invert=True),
         {"en": "the mask is True where a query MAY attend: block the positions where it is False",
          "ko": "마스크는 쿼리가 어텐션할 수 '있는' 곳이 True입니다: False인 위치를 막으세요"}),
    ],
    hints=[
        {"en": "Scores compare every query with every key (a matrix product), scaled by sqrt(d_k); blocked keys get "
               "-inf; a softmax over the keys turns each row of scores into weights; the weights average the values.",
         "ko": "점수는 모든 쿼리를 모든 키와 비교한 값(행렬 곱)을 sqrt(d_k)로 나눈 것입니다. 막힌 키는 -inf를 "
               "받습니다. 키에 대한 소프트맥스가 점수의 각 행을 가중치로 바꾸고, 그 가중치로 값들을 평균합니다."},
        {"en": "`scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])` has shape (..., T, S). Mask with "
               "`np.where`, then subtract `scores.max(axis=-1, keepdims=True)` before `np.exp` and divide by the row "
               "sums.",
         "ko": "`scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])`의 모양은 (..., T, S)입니다. `np.where`로 "
               "마스킹한 다음, `np.exp` 전에 `scores.max(axis=-1, keepdims=True)`를 빼고 행의 합으로 나누세요."},
        {"en": "`scores = np.where(mask, scores, -np.inf)` if a mask is given; `e = np.exp(scores - "
               "scores.max(axis=-1, keepdims=True))`; `weights = e / e.sum(axis=-1, keepdims=True)`; `return weights @ "
               "v, weights`.",
         "ko": "마스크가 주어지면 `scores = np.where(mask, scores, -np.inf)`; `e = np.exp(scores - scores.max(axis=-1, "
               "keepdims=True))`; `weights = e / e.sum(axis=-1, keepdims=True)`; `return weights @ v, weights`."},
    ],
)




# --------------------------------------------------------------------------- 3. predict_head_parameters (predict)
predict_head_parameters = CHAPTER.predict(
    "predict_head_parameters",
    why={"en": "Every W stays (D, D) whatever h is: split_heads only cuts the D projected features into h groups of d "
               "= D / h. 4 matrices of 64 x 64 plus 4 biases of 64 = 16,640: more heads means smaller heads.",
         "ko": "h가 무엇이든 모든 W는 (D, D) 그대로입니다: split_heads는 투영된 특성 D개를 d = D / h개씩 h개 묶음으로 "
               "자를 뿐입니다. 64 x 64 행렬 4개에 크기 64인 편향 4개를 더하면 16,640개입니다: 헤드가 많아지면 헤드 "
               "하나하나가 작아집니다."},
    options={"a": {"en": "8 x 16,640 = 133,120: each head has its own projections",
                   "ko": "8 x 16,640 = 133,120: 헤드마다 자기만의 투영을 가집니다"},
             "b": {"en": "16,640: the same", "ko": "16,640: 같습니다"},
             "c": {"en": "16,640 / 8 = 2,080: each head is 8 times smaller",
                   "ko": "16,640 / 8 = 2,080: 헤드 하나하나가 8배 작습니다"}},
    hints=[{"en": "Write down the shapes of the weights of the lesson's `multi_head_attention(x_q, x_kv, params, h)`: "
                  "does any of them depend on h?",
            "ko": "강의의 `multi_head_attention(x_q, x_kv, params, h)`에 쓰이는 가중치들의 모양을 적어 보세요: 그중 "
                  "h에 따라 달라지는 것이 있나요?"},
           {"en": "Every W in `params` is (D, D) and every b is (D,), whatever h is; `split_heads` only reshapes the "
                  "projected features. Count 4 (D, D) matrices and 4 biases. Answer with the key.",
            "ko": "h가 무엇이든 `params`의 모든 W는 (D, D), 모든 b는 (D,)입니다. `split_heads`는 투영된 특성의 모양만 "
                  "바꿉니다. (D, D) 행렬 4개와 편향 4개를 세어 보세요. 답은 기호로 하세요."}],
)


# --------------------------------------------------------------------------- 4. attention_step (KV cache)
def _step(x_t, k_cache, v_cache, params, num_heads, scale="head", own_key=True, project_out=True,
          keep_old_cache=False):
    """One cached decoding step of multi-head self-attention, or one with a classic slip switched on."""
    Wq, bq, Wk, bk, Wv, bv, Wo, bo = params
    N, D = x_t.shape
    h, d = num_heads, D // num_heads
    q = (x_t @ Wq + bq).reshape(N, h, 1, d)
    k_new, v_new = (x_t @ Wk + bk).reshape(N, h, 1, d), (x_t @ Wv + bv).reshape(N, h, 1, d)
    k_all = np.concatenate([k_cache, k_new], axis=2)
    v_all = np.concatenate([v_cache, v_new], axis=2)
    keys, values = (k_all, v_all) if own_key else (k_cache, v_cache)
    div = {"head": np.sqrt(d), "model": np.sqrt(D), "none": 1.0}[scale]
    scores = q @ np.swapaxes(keys, -1, -2) / div
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    out = ((e / e.sum(axis=-1, keepdims=True)) @ values).reshape(N, D)
    out = out @ Wo + bo if project_out else out
    if keep_old_cache:
        return out, k_cache, v_cache
    return out, k_all, v_all


def _params(rng, D):
    return tuple(rng.standard_normal(shape) / np.sqrt(D) for _ in range(4) for shape in ((D, D), (D,)))


def _full_causal_mha(x, params, h):
    """Row t of this equals the t-th cached step: the whole sequence at once under the causal mask."""
    Wq, bq, Wk, bk, Wv, bv, Wo, bo = params
    N, T, D = x.shape

    def split(y):
        return y.reshape(N, T, h, D // h).transpose(0, 2, 1, 3)

    q, k, v = split(x @ Wq + bq), split(x @ Wk + bk), split(x @ Wv + bv)
    scores = np.where(_tril(T), q @ np.swapaxes(k, -1, -2) / np.sqrt(D // h), -np.inf)
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    out = (e / e.sum(axis=-1, keepdims=True)) @ v
    return out.transpose(0, 2, 1, 3).reshape(N, T, D) @ Wo + bo


def _caches(x, params, h):
    """The projected keys and values of the positions of x (N, t, D), split into heads: (N, h, t, d) each."""
    _, bq, Wk, bk, Wv, bv, _, _ = params
    N, t, D = x.shape
    return tuple((x @ W + b).reshape(N, t, h, D // h).transpose(0, 2, 1, 3) for W, b in ((Wk, bk), (Wv, bv)))


def _step_cases():
    rng = _rng(5)
    out = []
    for N, t, D, h in [(2, 0, 8, 2), (2, 3, 8, 2), (1, 5, 12, 3), (3, 1, 8, 1), (2, 4, 16, 4)]:
        params = _params(rng, D)
        past, x_t = rng.standard_normal((N, t, D)), rng.standard_normal((N, D))
        kc, vc = _caches(past, params, h)
        if t == 0:
            label = tr("the first step (empty caches)", "첫 단계 (빈 캐시)")
        else:
            label = tr(f"{t} cached positions", f"캐시된 위치 {t}개")
        out.append(case(tr(f"{label}, N={N}, D={D}, {h} heads", f"{label}, N={N}, D={D}, 헤드 {h}개"), x_t, kc, vc,
                        params, h))
    return out


_I2 = (np.eye(2), np.zeros(2)) * 4
_E1 = np.array([[[[1.0, 0.0]]]])  # the caches after the first step of the example

attention_step = CHAPTER.exercise(
    "attention_step",
    examples=[
        example((np.array([[0.3302384506733431, 0.6697615493266569]]), np.array([[[[1.0, 0.0], [0.0, 1.0]]]]),
                 np.array([[[[1.0, 0.0], [0.0, 1.0]]]])),
                {"en": "the brief's example, step 2: x_t = [[0, 1]] with step 1 in the caches, identity weights, "
                       "1 head",
                 "ko": "문제 설명의 예, 2단계: 캐시에 1단계가 든 상태에서 x_t = [[0, 1]], 단위 행렬 가중치, 헤드 1개"},
                np.array([[0.0, 1.0]]), _E1, _E1, _I2, 1),
        example((np.array([[1.0, 0.0]]), _E1, _E1),
                {"en": "the brief's example, step 1: x_t = [[1, 0]], empty caches, identity weights, zero biases, "
                       "1 head",
                 "ko": "문제 설명의 예, 1단계: x_t = [[1, 0]], 빈 캐시, 단위 행렬 가중치, 0인 편향, 헤드 1개"},
                np.array([[1.0, 0.0]]), np.zeros((1, 1, 0, 2)), np.zeros((1, 1, 0, 2)), _I2, 1),
    ],
    cases=_step_cases,
    compare=named_parts("out", "k_cache", "v_cache"),
    rtol=1e-6,
    atol=1e-9,
    mistakes=[
        (lambda x, kc, vc, p, h: _step(x, kc, vc, p, h, own_key=False),
         {"en": "the new position must attend to itself too: append its key and value to the caches before attending",
          "ko": "새 위치는 자기 자신에게도 어텐션해야 합니다: 어텐션하기 전에 그 키와 값을 캐시에 덧붙이세요"}),
        (lambda x, kc, vc, p, h: _step(x, kc, vc, p, h, scale="model"),
         {"en": "divide the scores by sqrt(d), the size of one head (D / h), not by sqrt(D)",
          "ko": "점수는 sqrt(D)가 아니라 sqrt(d)로 나누세요. d는 헤드 하나의 크기(D / h)입니다"}),
        (lambda x, kc, vc, p, h: _step(x, kc, vc, p, h, scale="none"),
         {"en": "divide the scores by sqrt(d) = sqrt(D / h)", "ko": "점수를 sqrt(d) = sqrt(D / h)로 나누세요"}),
        (lambda x, kc, vc, p, h: _step(x, kc, vc, p, h, project_out=False),
         {"en": "the merged heads still go through the output projection: @ Wo + bo",
          "ko": "합친 헤드는 여전히 출력 투영을 거쳐야 합니다: @ Wo + bo"}),
        (lambda x, kc, vc, p, h: _step(x, kc, vc, p, h, keep_old_cache=True),
         {"en": "return the caches with the new position appended (t + 1 entries), or the next step cannot see it",
          "ko": "새 위치를 덧붙인 캐시(항목 t + 1개)를 반환하세요. 그러지 않으면 다음 단계가 이 위치를 볼 수 "
                "없습니다"}),
    ],
    hints=[
        {"en": "Only the new position's query is needed; its keys are the cached ones plus its own. Project x_t three "
               "times, cut each result into h heads of d = D / h features, append the new key and value to the caches "
               "(the position axis, axis 2), then attend and project out. No mask: the cache holds only the past.",
         "ko": "새 위치의 쿼리만 있으면 됩니다. 그 쿼리가 볼 키는 캐시된 키들과 자기 자신의 키입니다. x_t를 세 번 "
               "투영하고, 각 결과를 특성 d = D / h개짜리 헤드 h개로 자르고, 새 키와 값을 캐시에(위치 축, axis 2) "
               "덧붙인 다음, 어텐션하고 출력 투영을 하세요. 마스크는 필요 없습니다: 캐시에는 과거만 들어 있습니다."},
        {"en": "`q = (x_t @ Wq + bq).reshape(N, h, 1, d)`, the same for the key and the value; "
               "`np.concatenate([k_cache, k_new], axis=2)`; scores `q @ np.swapaxes(k_cache, -1, -2) / np.sqrt(d)` "
               "have shape (N, h, 1, t + 1); your `scaled_dot_product_attention` does the rest.",
         "ko": "`q = (x_t @ Wq + bq).reshape(N, h, 1, d)`, 키와 값도 마찬가지입니다. `np.concatenate([k_cache, k_new], "
               "axis=2)`; 점수 `q @ np.swapaxes(k_cache, -1, -2) / np.sqrt(d)`의 모양은 (N, h, 1, t + 1)입니다. "
               "나머지는 여러분의 `scaled_dot_product_attention`이 해 줍니다."},
        {"en": "`out, _ = scaled_dot_product_attention(q, k_cache, v_cache)` is (N, h, 1, d); `out.reshape(N, D) @ Wo "
               "+ bo` merges the heads (one position: a reshape is enough) and projects. Return `(that, k_cache, "
               "v_cache)`.",
         "ko": "`out, _ = scaled_dot_product_attention(q, k_cache, v_cache)`의 모양은 (N, h, 1, d)입니다. "
               "`out.reshape(N, D) @ Wo + bo`가 헤드를 합치고(위치가 하나뿐이므로 reshape로 충분합니다) 투영합니다. "
               "`(그 결과, k_cache, v_cache)`를 반환하세요."},
    ],
)


# --------------------------------------------------------------------------- 5. predict_no_positions (predict)
REV_T, REV_D, REV_VOCAB, REV_STEPS, REV_TARGET = 8, 32, 10, 300, 0.95


def reversal_accuracy(code, steps: int = REV_STEPS, seed: int = 0) -> float:
    """Train the chapter's reversal model with the position code ``code`` (T, D); its held-out accuracy.

    The model: token embedding + code, one self-attention layer (a single head, no mask), a linear layer to
    the 10 digits; it must write, at position i, the digit at position T - 1 - i of 8 random digits. Adam
    (lr 1e-2), ``steps`` batches of 64; scored on 1,000 fresh sequences, per digit.
    """
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        code = torch.as_tensor(np.asarray(code, dtype=np.float32))
        embed = nn.Embedding(REV_VOCAB, REV_D)
        W_q, W_k, W_v = (nn.Linear(REV_D, REV_D) for _ in range(3))
        out = nn.Linear(REV_D, REV_VOCAB)
        modules = (embed, W_q, W_k, W_v, out)
        optimizer = torch.optim.Adam([p for m in modules for p in m.parameters()], lr=1e-2)
        data = torch.Generator().manual_seed(seed)

        def forward(x):
            h = embed(x) + code
            weights = torch.softmax(W_q(h) @ W_k(h).transpose(1, 2) / REV_D ** 0.5, dim=-1)
            return out(weights @ W_v(h))

        for _ in range(steps):
            x = torch.randint(0, REV_VOCAB, (64, REV_T), generator=data)
            loss = nn.functional.cross_entropy(forward(x).reshape(-1, REV_VOCAB), x.flip(1).reshape(-1))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        x = torch.randint(0, REV_VOCAB, (1000, REV_T), generator=torch.Generator().manual_seed(1234))
        with torch.no_grad():
            return (forward(x).argmax(-1) == x.flip(1)).float().mean().item()


predict_no_positions = CHAPTER.predict(
    "predict_no_positions",
    why={"en": "Without positions, output i sees its own digit and the set of all 8 digits (attention is "
               "permutation-equivariant), never which digit sits at T - 1 - i. The set beats blind guessing (10%), but "
               "reversing is out of reach: about 30%.",
         "ko": "위치가 없으면 출력 i가 보는 것은 자기 숫자와 숫자 8개 전체의 집합뿐이고(어텐션은 순열 등변성을 "
               "가집니다), 어느 숫자가 T - 1 - i에 있는지는 결코 알 수 없습니다. 집합을 아는 것은 눈먼 추측(10%)보다는 "
               "낫지만, 뒤집기는 불가능합니다: 약 30%입니다."},
    options={"a": {"en": "at most 15%: chance", "ko": "많아야 15%: 우연 수준"},
             "b": {"en": "between 15% and 60%", "ko": "15%와 60% 사이"},
             "c": {"en": "at least 90%: it learns the order anyway", "ko": "90% 이상: 위치 없이도 순서를 배웁니다"}},
    hints=[{"en": "Shuffle the 8 digits of a sequence: how do the model's 8 outputs change when it has no position "
                  "code (the lesson's section 4)? Could output 0 still name the last digit?",
            "ko": "한 시퀀스의 숫자 8개를 뒤섞어 보세요: 위치 코드가 없을 때 모델의 출력 8개는 어떻게 바뀔까요(강의 "
                  "4절)? 그래도 출력 0이 마지막 숫자를 가리킬 수 있을까요?"},
           {"en": "Output i can only use its own digit and the collection of all 8 digits. Is knowing which digits "
                  "occur worth anything when you must name one of them? Answer with the key.",
            "ko": "출력 i가 쓸 수 있는 것은 자기 숫자와 숫자 8개 전체의 모음뿐입니다. 그중 하나를 맞혀야 할 때, 어떤 "
                  "숫자들이 들어 있는지 아는 것이 조금이라도 도움이 될까요? 답은 기호로 하세요."}],
)


# --------------------------------------------------------------------------- 6. position_code (experiment)
def _judge_position_code(fn) -> str:
    got = call(fn, REV_T, REV_D, label=f"T={REV_T}, d_model={REV_D}")
    if got is None:
        raise Fail(tr("the position code is None: did you forget `return`?",
                      "위치 코드가 None입니다: `return`을 빠뜨렸나요?"))
    if isinstance(got, torch.Tensor):
        got = got.detach().cpu().numpy()
    try:
        code = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        raise Fail(tr(f"return a NumPy array of numbers of shape ({REV_T}, {REV_D}), not {type(got).__name__}",
                      f"{type(got).__name__}이(가) 아니라 모양이 ({REV_T}, {REV_D})인 숫자 NumPy 배열을 "
                      f"반환하세요")) from None
    if code.shape != (REV_T, REV_D):
        raise Fail(tr(f"the position code must have shape (T, d_model) = ({REV_T}, {REV_D}), got {code.shape}",
                      f"위치 코드의 모양은 (T, d_model) = ({REV_T}, {REV_D})여야 하는데 {code.shape}입니다"))
    if not np.all(np.isfinite(code)):
        raise Fail(tr("the position code holds nan or inf", "위치 코드에 nan이나 inf가 들어 있습니다"))
    accuracy = reversal_accuracy(code)
    reached = f"your code reached {accuracy:.1%} held-out accuracy after {REV_STEPS} steps; asked: at least " \
              f"{REV_TARGET:.0%}"
    reached_ko = f"여러분의 코드는 {REV_STEPS}단계 뒤 학습에 쓰지 않은 데이터에서 정확도 {accuracy:.1%}에 이르렀습니다"
    asked_ko = f"요구 사항: {REV_TARGET:.0%} 이상"
    if accuracy >= REV_TARGET:
        return tr(reached.replace("; asked", " (asked") + ")", f"{reached_ko} ({asked_ko})")
    centred = code - code.mean(axis=0)
    rank = np.linalg.matrix_rank(centred, tol=1e-6 * max(1.0, float(np.abs(code).max())))
    if rank == 0:
        why = tr("Every row of your code is the same, so the model still cannot tell the positions apart.",
                 "코드의 모든 행이 같아서, 모델은 여전히 위치를 구별할 수 없습니다.")
    elif rank == 1:
        why = tr("Your rows differ along a single direction (one number per position): a score q . k is then linear in "
                 "the key's position, so a query can only prefer the first or the last key. Give each position a "
                 "direction of its own.",
                 "행들이 한 방향으로만 다릅니다(위치마다 숫자 하나): 그러면 점수 q . k가 키의 위치에 대해 선형이 "
                 "되므로, 쿼리는 첫 키나 마지막 키만 선호할 수 있습니다. 위치마다 자기만의 방향을 주세요.")
    else:
        why = tr("The positions are hard to tell apart: make the rows more different (compare their dot products).",
                 "위치들을 구별하기 어렵습니다: 행들이 서로 더 다르도록 만드세요(행끼리의 내적을 비교해 보세요).")
    raise Fail(tr(f"{reached}. {why}", f"{reached_ko}. {asked_ko}. {why}"))


position_code = CHAPTER.exercise(
    "position_code",
    judge=_judge_position_code,
    hints=[{"en": "First return `np.zeros((T, d_model))` and read the verdict: that is the model without positions. "
                  "Then try a single ramp, every column equal to `pos / T`, and read why it fails.",
            "ko": "먼저 `np.zeros((T, d_model))`를 반환하고 판정을 읽어 보세요: 위치가 없는 모델입니다. 그다음 모든 "
                  "열이 `pos / T`인 단일 경사로를 시도하고, 왜 실패하는지 읽어 보세요."},
           {"en": "Each position needs a vector that points somewhere else, so that a query's projection can single "
                  "out one key: one-hot rows (`np.eye(T, d_model)`), random vectors, or the lesson's sinusoids all do. "
                  "Any one that passes is an answer; compare how they do.",
            "ko": "쿼리의 투영이 키 하나를 골라낼 수 있도록, 위치마다 서로 다른 곳을 가리키는 벡터가 필요합니다: 원-핫 "
                  "행(`np.eye(T, d_model)`), 무작위 벡터, 강의의 사인파 모두 됩니다. 통과하는 것은 무엇이든 답입니다. "
                  "각각이 어떻게 되는지 비교해 보세요."},
           {"en": "The lesson's `positional_encoding(T, d_model)`: `pos = np.arange(T)[:, None]`, `omega = 1 / 10000 "
                  "** (np.arange(0, d_model, 2) / d_model)`, sines of `pos * omega` in the even columns, cosines in "
                  "the odd.",
            "ko": "강의의 `positional_encoding(T, d_model)`: `pos = np.arange(T)[:, None]`, `omega = 1 / 10000 ** "
                  "(np.arange(0, d_model, 2) / d_model)`, 짝수 열에는 `pos * omega`의 사인, 홀수 열에는 코사인."}],
)
