"""Chapter 09 checkers: the reference solutions pass, and plausible mistakes are caught with a useful message."""

import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from common import transformer as np_tf
from common.checkers import ch09
from conftest import CHAPTERS, HANGUL, load_solutions

solutions = load_solutions(CHAPTERS / "09_transformer")


def check(name, fn):
    return getattr(ch09, name).check(fn)


def test_solutions_agree_with_pytorch_and_the_course_module():
    rng = np.random.default_rng(0)
    q, k, v = rng.standard_normal((2, 3, 5, 4)), rng.standard_normal((2, 3, 6, 4)), rng.standard_normal((2, 3, 6, 2))
    mask = np.arange(6) < np.array([6, 3])[:, None, None, None]
    out, weights = solutions.scaled_dot_product_attention(q, k, v, mask)
    expected = F.scaled_dot_product_attention(*map(torch.tensor, (q, k, v)), attn_mask=torch.tensor(mask))
    np.testing.assert_allclose(out, expected.numpy(), rtol=1e-10)
    assert np.all(weights[1, ..., 3:] == 0)
    ids = np.array([[0, 0, 3, 4, 5], [1, 2, 3, 4, 5], [0, 0, 0, 0, 9]])
    mask = solutions.decoder_mask(ids)
    expected = np_tf.causal_mask(5)[None] & np_tf.padding_mask(ids) | np.eye(5, dtype=bool)
    np.testing.assert_array_equal(mask, expected)
    assert mask.all(axis=-1).shape == (3, 5) and mask.any(axis=-1).all(), "no query is left without a key"


def test_cached_steps_equal_the_full_causal_pass_of_the_course_module():
    rng = np.random.default_rng(1)
    N, T, D, h = 2, 6, 12, 3
    params = [rng.standard_normal(shape) / np.sqrt(D) for _ in range(4) for shape in ((D, D), (D,))]
    x = rng.standard_normal((N, T, D))
    full = np_tf.MultiHeadAttention(*[p.copy() for p in params], num_heads=h).forward(x, x, np_tf.causal_mask(T))
    k_cache = v_cache = np.zeros((N, h, 0, D // h))
    for t in range(T):
        out, k_cache, v_cache = solutions.attention_step(x[:, t], k_cache, v_cache, params, h)
        np.testing.assert_allclose(out, full[:, t], rtol=1e-10, atol=1e-12)
    assert k_cache.shape == (N, h, T, D // h)


def test_the_predictions_are_what_the_next_cells_show():
    counts = {h: sum(p.numel() for p in torch.nn.MultiheadAttention(64, h).parameters()) for h in (1, 8)}
    assert counts[1] == counts[8] == 16_640 and solutions.predict_head_parameters() == "b"
    accuracy = ch09.reversal_accuracy(np.zeros((8, 32)))
    assert 0.15 < accuracy < 0.60 and solutions.predict_no_positions() == "b"


def test_the_experiment_separates_codes_that_work_from_codes_that_do_not():
    assert ch09.reversal_accuracy(solutions.position_code(8, 32)) >= 0.95
    assert ch09.reversal_accuracy(np.eye(8, 32)) >= 0.95, "one-hot positions work too: the check measures, not copies"


# --------------------------------------------------------------------------- plausible wrong answers
def _softmax(x, axis=-1):
    z = np.exp(x - x.max(axis=axis, keepdims=True))
    return z / z.sum(axis=axis, keepdims=True)


def _sdpa(q, k, v, mask=None, scale=None, axis=-1, mask_after=False, naive=False, invert=False, global_max=False,
          max_before_mask=False):
    """The right attention, or one with a single slip switched on."""
    scale = np.sqrt(q.shape[-1]) if scale is None else scale(q.shape[-1])
    scores = q @ np.swapaxes(k, -1, -2) / scale
    if mask is not None and invert:
        mask = ~mask
    if max_before_mask:
        scores = scores - scores.max(axis=-1, keepdims=True)  # the blocked keys' scores count in the maximum
    if mask is not None and not mask_after:
        scores = np.where(mask, scores, -np.inf)
    if naive or max_before_mask:
        e = np.exp(scores)  # overflows for large scores
        weights = e / e.sum(axis=-1, keepdims=True)
    elif global_max:
        e = np.exp(scores - scores.max())  # one maximum for the whole array: small rows underflow
        weights = e / e.sum(axis=-1, keepdims=True)
    else:
        weights = _softmax(scores, axis=axis)
    if mask is not None and mask_after:
        weights = np.where(mask, weights, 0.0)
    return weights @ v, weights


def _sdpa_scales_q_in_place(q, k, v, mask=None):
    q /= np.sqrt(q.shape[-1])  # right answer, but the caller's q is changed
    scores = q @ np.swapaxes(k, -1, -2)
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    weights = _softmax(scores)
    return weights @ v, weights


def _sdpa_fill_minus_1e9_no_max(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -1e9)
    e = np.exp(scores)
    weights = e / e.sum(axis=-1, keepdims=True)
    return weights @ v, weights


def _mask(ids, pad_id=0, causal=True, padding=True, diagonal=True, upper=False):
    ids = np.asarray(ids)
    T = ids.shape[1]
    m = np.ones((len(ids), T, T), dtype=bool)
    if causal:
        m &= np.triu(np.ones((T, T), dtype=bool)) if upper else np.tril(np.ones((T, T), dtype=bool))
    if padding:
        m &= (ids != pad_id)[:, None, :]
    if diagonal:
        m |= np.eye(T, dtype=bool)
    return m


def _mask_padding_on_queries(ids, pad_id=0):
    """Blocks the PAD rows (queries) instead of the PAD columns (keys)."""
    T = ids.shape[1]
    return (np.tril(np.ones((T, T), dtype=bool)) & (ids != pad_id)[:, :, None]) | np.eye(T, dtype=bool)


def _step(x_t, kc, vc, params, h, scale=None, own_key=True, project_out=True, keep_cache=False, blocks="heads",
          mask_like_full=False):
    """One cached step, or one with a single slip switched on."""
    Wq, bq, Wk, bk, Wv, bv, Wo, bo = params
    N, D = x_t.shape
    d = D // h

    def heads(y):
        if blocks == "strided":  # head i takes every h-th feature
            return y.reshape(N, d, h).transpose(0, 2, 1)[:, :, None, :]
        return y.reshape(N, h, 1, d)

    q = heads(x_t @ Wq + bq)
    k_all = np.concatenate([kc, heads(x_t @ Wk + bk)], axis=2)
    v_all = np.concatenate([vc, heads(x_t @ Wv + bv)], axis=2)
    keys, values = (k_all, v_all) if own_key else (kc, vc)
    scores = q @ np.swapaxes(keys, -1, -2) / (np.sqrt(d) if scale is None else scale(D, d))
    if mask_like_full:  # the (1, t + 1) row of a causal mask of size t + 1: its first row, so only key 0
        scores = np.where(np.tril(np.ones((1, scores.shape[-1]), dtype=bool)), scores, -np.inf)
    w = np.exp(scores - scores.max(-1, keepdims=True))
    w = w / w.sum(-1, keepdims=True)
    heads_out = w @ values
    out = (heads_out.transpose(0, 1, 3, 2).reshape(N, D) if blocks == "strided" else heads_out.reshape(N, D))
    out = out @ Wo + bo if project_out else out
    return (out, kc, vc) if keep_cache else (out, k_all, v_all)


def _step_appends_in_front(x_t, kc, vc, params, h):
    out, k_all, v_all = solutions.attention_step(x_t, kc, vc, params, h)
    return out, np.roll(k_all, 1, axis=2), np.roll(v_all, 1, axis=2)


def _step_scales_x_in_place(x_t, kc, vc, params, h):
    x_t *= 1.0  # harmless ...
    x_t += 0.0
    kc[...] = kc  # ... but writes into the caller's cache
    out = solutions.attention_step(x_t, kc, vc, params, h)
    x_t -= 1.0  # the caller's x_t is changed
    return out


def _reversal_code(scale):
    return lambda T, d_model: scale * solutions.position_code(T, d_model)


WRONG = {
    "decoder_mask": [
        (lambda ids, pad_id=0: _mask(ids, pad_id, padding=False), "PAD keys are not blocked"),
        (lambda ids, pad_id=0: _mask(ids, pad_id, causal=False), "future is not blocked"),
        (lambda ids, pad_id=0: _mask(ids, pad_id, diagonal=False), "keep itself"),
        (lambda ids, pad_id=0: _mask(ids, pad_id, padding=False, diagonal=False), "PAD keys are not blocked"),
        (lambda ids, pad_id=0: _mask(ids, pad_id, upper=True), "upper triangle"),
        (lambda ids, pad_id=0: np.swapaxes(_mask(ids, pad_id), 1, 2), "wrong value of the mask"),
        (_mask_padding_on_queries, "wrong value of the mask"),
        (lambda ids, pad_id=0: _mask(ids, 0), "case: pad_id=-1"),
        (lambda ids, pad_id=0: _mask(ids, pad_id).astype(int), "make it boolean"),
        (lambda ids, pad_id=0: _mask(ids, pad_id)[:, None], "wrong shape of the mask"),
        (lambda ids, pad_id=0: np.tril(np.ones((ids.shape[1],) * 2, dtype=bool)), "wrong shape of the mask"),
    ],
    "scaled_dot_product_attention": [
        (lambda q, k, v, mask=None: _sdpa(q, k, v, mask, scale=lambda d: 1.0), "sqrt(d_k)"),
        (lambda q, k, v, mask=None: _sdpa(q, k, v, mask, scale=lambda d: d), "not by d_k"),
        (lambda q, k, v, mask=None: _sdpa(q, k, v, mask, axis=-2), "over the keys"),
        (lambda q, k, v, mask=None: _sdpa(q, k, v, mask, mask_after=True), "before the softmax"),
        (lambda q, k, v, mask=None: _sdpa(q, k, v, mask, invert=True), "MAY attend"),
        (lambda q, k, v, mask=None: _sdpa(q, k, v, mask, naive=True), "maximum"),
        (lambda q, k, v, mask=None: _sdpa(q, k, v, mask, global_max=True), "own maximum"),
        (lambda q, k, v, mask=None: _sdpa(q, k, v, mask, max_before_mask=True), "maximum after masking"),
        (_sdpa_fill_minus_1e9_no_max, "got nan"),
        (_sdpa_scales_q_in_place, "changed its input `q` in place"),
        (lambda q, k, v, mask=None: _sdpa(q, k, v, mask)[0], "expected a tuple (out, weights)"),
        (lambda q, k, v, mask=None: _sdpa(q, k, v, mask)[::-1], "wrong shape of the out"),
        (lambda q, k, v, mask=None: (lambda w: (w @ v, w))(_softmax(q @ k.transpose(0, 2, 1))), "raised"),
    ],
    "attention_step": [
        (lambda x, kc, vc, p, h: _step(x, kc, vc, p, h, own_key=False), "attend to itself too"),
        (lambda x, kc, vc, p, h: _step(x, kc, vc, p, h, scale=lambda D, d: np.sqrt(D)), "not by sqrt(D)"),
        (lambda x, kc, vc, p, h: _step(x, kc, vc, p, h, scale=lambda D, d: 1.0), "divide the scores by sqrt(d)"),
        (lambda x, kc, vc, p, h: _step(x, kc, vc, p, h, project_out=False), "output projection"),
        (lambda x, kc, vc, p, h: _step(x, kc, vc, p, h, keep_cache=True), "new position appended"),
        (lambda x, kc, vc, p, h: _step(x, kc, vc, p, h, blocks="strided"), "wrong value of the out"),
        (lambda x, kc, vc, p, h: _step(x, kc, vc, p, h, mask_like_full=True), "wrong value of the out"),
        (_step_appends_in_front, "wrong value of the k_cache"),
        (_step_scales_x_in_place, "changed its input"),
        (lambda x, kc, vc, p, h: solutions.attention_step(x, kc, vc, p, h)[0], "expected a tuple (out, k_cache"),
    ],
    "predict_head_parameters": [
        (lambda: "a", "Every W stays (D, D)"),
        (lambda: "c", "you chose 'c'"),
        (lambda: "16640", "answer with one of"),
    ],
    "predict_no_positions": [
        (lambda: "a", "beats blind guessing"),
        (lambda: "c", "permutation-equivariant"),
        (lambda: 0.3, "answer with one of"),
    ],
    "position_code": [
        (lambda T, d_model: np.zeros((T, d_model)), "asked: at least 95%"),
        (lambda T, d_model: np.zeros((T, d_model)), "Every row of your code is the same"),
        (lambda T, d_model: np.arange(T)[:, None] / T * np.ones((1, d_model)), "one number per position"),
        (lambda T, d_model: np.tile(np.arange(T)[:, None] / T, (1, d_model)) + 1.0, "reached"),
        (lambda T, d_model: solutions.position_code(T, d_model).T, "must have shape (T, d_model) = (8, 32)"),
        (lambda T, d_model: solutions.position_code(T + 1, d_model), "got (9, 32)"),
        (lambda T, d_model: np.full((T, d_model), np.nan), "nan or inf"),
        (lambda T, d_model: None, "forget `return`"),
        (lambda T, d_model: [["a"] * d_model] * T, "array of numbers"),
    ],
}
CASES = [(name, fn, word) for name, wrongs in WRONG.items() for fn, word in wrongs]


@pytest.mark.parametrize("name, fn, word", CASES, ids=[f"{n}-{w}" for n, _, w in CASES])
def test_wrong_answers_are_rejected_with_a_useful_message(name, fn, word):
    with np.errstate(all="ignore"):  # some slips overflow or divide by zero on purpose
        result = check(name, fn)
    assert not result.passed
    assert word in str(result), str(result)


def test_an_experiment_verdict_gives_the_reached_value_against_the_target():
    result = check("position_code", lambda T, d_model: np.zeros((T, d_model)))
    assert re.search(r"your code reached \d+\.\d% held-out accuracy after 300 steps; asked: at least 95%",
                     result.message), result.message
    passed = check("position_code", lambda T, d_model: np.random.default_rng(0).standard_normal((T, d_model)))
    assert passed and "reached 100.0%" in passed.message, str(passed)


@pytest.mark.parametrize(
    "name, wrong, hint",
    [
        ("decoder_mask", lambda ids, pad_id=0: _mask(ids, pad_id, diagonal=False), "Hint: a PAD query is left"),
        ("decoder_mask", lambda ids, pad_id=0: _mask(ids, pad_id, padding=False), "Hint: the PAD keys"),
        ("scaled_dot_product_attention", lambda q, k, v, mask=None: _sdpa(q, k, v, mask, scale=lambda d: 1.0),
         "Hint: divide the scores by sqrt(d_k)"),
        ("scaled_dot_product_attention", lambda q, k, v, mask=None: _sdpa(q, k, v, mask, naive=True),
         "Hint: exp overflowed"),
        ("scaled_dot_product_attention", lambda q, k, v, mask=None: _sdpa(q, k, v, mask, mask_after=True),
         "Hint: apply the mask to the scores before the softmax"),
        ("attention_step", lambda x, kc, vc, p, h: _step(x, kc, vc, p, h, own_key=False),
         "Hint: the new position must attend to itself"),
        ("attention_step", lambda x, kc, vc, p, h: _step(x, kc, vc, p, h, scale=lambda D, d: np.sqrt(D)),
         "Hint: divide the scores by sqrt(d), the size of one head"),
        ("attention_step", lambda x, kc, vc, p, h: _step(x, kc, vc, p, h, project_out=False),
         "Hint: the merged heads still go through the output projection"),
    ],
    ids=["mask-no-diagonal", "mask-no-padding", "sdpa-no-scale", "sdpa-overflow", "sdpa-mask-after",
         "step-not-itself", "step-sqrt-D", "step-no-Wo"],
)
def test_a_classic_mistake_is_named(name, wrong, hint):
    with np.errstate(all="ignore"):
        assert hint in check(name, wrong).message


def test_float32_and_legacy_calls_are_accepted():
    assert check("scaled_dot_product_attention",
                 lambda q, k, v, mask=None: tuple(a.astype(np.float32)
                                                  for a in solutions.scaled_dot_product_attention(q, k, v, mask)))
    assert ch09.check_decoder_mask(solutions.decoder_mask), "the first edition's checks.check_<name>(fn) still works"
    assert check("predict_no_positions", lambda: " B "), "a key is read without case or spaces"


def test_checkers_survive_hostile_answers():
    """A checker never raises: strings, wrong types and exceptions all become verdicts."""
    for name in ch09.CHAPTER.exercises:
        for fn in (lambda *a, **k: "nonsense", lambda *a, **k: 1 / 0, lambda *a, **k: (None, None)):
            result = check(name, fn)
            assert not result.passed and str(result).startswith(f"FAIL {name}")


# --------------------------------------------------------------------------- the Korean edition


def _wrong(name, word):
    """The first wrong answer of WRONG[name] whose English verdict is checked for ``word``."""
    return next(fn for fn, w in WRONG[name] if w == word)


KOREAN_WRONG = [
    ("decoder_mask", "PAD keys are not blocked", "PAD 키가 막혀 있지 않습니다"),
    ("decoder_mask", "keep itself", "자기 자신은 볼 수 있게"),
    ("decoder_mask", "make it boolean", "불리언 배열로 만드세요"),
    ("scaled_dot_product_attention", "maximum after masking", "최댓값은 마스킹한 뒤에"),
    ("scaled_dot_product_attention", "own maximum", "점수가 작은 행"),
    ("attention_step", "attend to itself too", "자기 자신에게도 어텐션해야"),
    ("attention_step", "not by sqrt(D)", "캐시된 위치 3개, N=2, D=8, 헤드 2개"),
    ("predict_head_parameters", "Every W stays (D, D)", "모든 W는 (D, D) 그대로"),
    ("predict_no_positions", "permutation-equivariant", "순열 등변성"),
]


@pytest.mark.parametrize("name, word, fact", KOREAN_WRONG, ids=[f"{n}-{w}" for n, w, _ in KOREAN_WRONG])
def test_a_wrong_answer_is_explained_in_korean(korean, name, word, fact):
    with np.errstate(all="ignore"):
        result = check(name, _wrong(name, word))
    assert not result.passed and str(result).startswith(f"실패 {name}")
    assert fact in result.message, result.message


def test_the_experiment_speaks_korean(korean):
    ramp = check("position_code", _wrong("position_code", "one number per position"))
    assert not ramp and "요구 사항: 95% 이상" in ramp.message and "위치마다 숫자 하나" in ramp.message, ramp.message
    assert re.search(r"300단계 뒤 .* 정확도 \d+\.\d%에 이르렀습니다", ramp.message), ramp.message
    passed = check("position_code", solutions.position_code)
    assert passed and "(요구 사항: 95% 이상)" in passed.message, passed.message


def test_the_language_is_english_again_after_the_korean_tests():
    message = check("decoder_mask", _wrong("decoder_mask", "PAD keys are not blocked")).message
    assert "PAD keys are not blocked" in message and not HANGUL.search(message), message
