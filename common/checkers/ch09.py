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

from common.checks import Chapter, Fail, call, case, compare_values, example, named_parts

CHAPTER = Chapter("09_transformer")
__getattr__ = CHAPTER.legacy


def _rng(offset: int = 0) -> np.random.Generator:
    return np.random.default_rng(9 + offset)


def _tril(T: int) -> np.ndarray:
    return np.tril(np.ones((T, T), dtype=bool))


# --------------------------------------------------------------------------- 1. decoder_mask
def _compare_mask(expected, got, rtol=0.0, atol=0.0) -> str | None:
    if got is None:
        return "the mask is None: did you forget `return`?"
    dtype = getattr(got, "dtype", None)
    if dtype is not None and dtype != np.bool_:
        return f"the mask has dtype {dtype}: make it boolean, True where a query may attend"
    return compare_values(expected, got, 0, 0, what="mask")


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
        case("three prompts of 4, 2 and 6 tokens, left-padded to T=6", ids),
        case("no padding at all, T=4", rng.integers(1, 9, size=(2, 4))),
        case("one sequence of a single token", np.array([[7]])),
        case("a sequence that is all PAD but its last token", np.array([[0, 0, 0, 3]])),
        case("pad_id=-1 (and a real token 0)", np.where(few == -1, -1, few - 1), -1),
        case("a PAD id inside the prompt (a hole)", np.array([[4, 0, 5, 6]])),
    ]


decoder_mask = CHAPTER.exercise(
    "decoder_mask",
    examples=[example(np.array([[[True, False, False, False], [False, True, False, False],
                                 [False, False, True, False], [False, False, True, True]]]),
                      "the brief's example: ids = [[0, 0, 5, 7]], pad_id = 0", np.array([[0, 0, 5, 7]]))],
    cases=_dmask_cases,
    compare=_compare_mask,
    returns=np.ndarray,
    mistakes=[
        (lambda ids, pad_id=0: _dmask(ids, pad_id, padding=False),
         "the PAD keys are not blocked: a real token must not look at the PADs on its left"),
        (lambda ids, pad_id=0: _dmask(ids, pad_id, causal=False),
         "the future is not blocked: query i may only look at keys j <= i"),
        (lambda ids, pad_id=0: _dmask(ids, pad_id, diagonal=False),
         "a PAD query is left with no key at all (an empty softmax row gives nan): let every query keep itself"),
        (lambda ids, pad_id=0: _dmask(ids, pad_id, upper=True),
         "this is the upper triangle: query i (row) may look at keys 0..i (columns)"),
    ],
    hints=[
        "Three conditions, one boolean array each, all broadcast to (N, T, T): the key is not in the future of "
        "the query (a (T, T) triangle), the key is not PAD (depends on the sequence and the key only: (N, 1, T)), "
        "and the key is the query itself (the diagonal, which rescues the PAD queries).",
        "`np.tril(np.ones((T, T), dtype=bool))` is the causal part, `(ids != pad_id)[:, None, :]` the padding "
        "part; combine them with `&`, then add the diagonal with `| np.eye(T, dtype=bool)`.",
        "`T = ids.shape[1]`; `return (np.tril(np.ones((T, T), dtype=bool)) & (ids != pad_id)[:, None, :]) | "
        "np.eye(T, dtype=bool)`. `checks.decoder_mask.solution()` shows the whole answer.",
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
        case("2-D: q (3, 4), k (5, 4), v (5, 2), no mask", r((3, 4)), r((5, 4)), r((5, 2))),
        case("batch: q (2, 3, 8), k (2, 6, 8), v (2, 6, 5)", r((2, 3, 8)), r((2, 6, 8)), r((2, 6, 5))),
        case("a batch of 1 with one query and one key", r((1, 1, 3)), r((1, 1, 3)), r((1, 1, 3))),
        case("padding mask (3, 1, 6): rows keep 6, 4 and 1 keys", r((3, 4, 2)), r((3, 6, 2)), r((3, 6, 3)), pad),
        case("causal mask (5, 5) on self-attention", *(r((2, 5, 4)),) * 3, _tril(5)),
        case("heads: q, k, v (2, 3, 4, 4) and a causal mask", r((2, 3, 4, 4)), r((2, 3, 4, 4)), r((2, 3, 4, 4)),
             _tril(4)),
        case("large scores (q times 1000)", 1000 * r((2, 3, 4)), r((2, 3, 4)), r((2, 3, 2))),
        case("rows on very different scales (q times 1000, 1 and 0.001)", scales * r((3, 2, 4)), r((3, 5, 4)),
             r((3, 5, 2))),
        case("a blocked key with by far the largest score in every row", q_big, k_big, r((2, 5, 3)), big_pad),
    ]


scaled_dot_product_attention = CHAPTER.exercise(
    "scaled_dot_product_attention",
    examples=[
        example((np.array([[0.6697615493266569, 0.3302384506733431], [0.3302384506733431, 0.6697615493266569]]),) * 2,
                "the brief's example: q = k = v = np.eye(2), no mask", np.eye(2), np.eye(2), np.eye(2)),
        example((np.array([[1.0, 0.0], [0.3302384506733431, 0.6697615493266569]]),) * 2,
                "q = k = v = np.eye(2) with the causal mask of T=2", np.eye(2), np.eye(2), np.eye(2),
                np.array([[True, False], [True, True]])),
    ],
    cases=_sdpa_cases,
    compare=named_parts("out", "weights"),
    rtol=1e-6,
    atol=1e-9,
    mistakes=[
        (lambda q, k, v, mask=None: _sdpa(q, k, v, mask, naive=True),
         "exp overflowed: subtract each row's maximum score before np.exp (the softmax is unchanged)"),
        (lambda q, k, v, mask=None: _sdpa(q, k, v, mask, global_max=True),
         "subtract each row's own maximum (max over the last axis, keepdims=True), not one maximum of the "
         "whole array: rows with small scores underflow to 0"),
        (lambda q, k, v, mask=None: _sdpa(q, k, v, mask, max_before_mask=True),
         "take the maximum after masking: a blocked key's large score must not push the allowed ones to exp(...) = 0"),
        (lambda q, k, v, mask=None: _sdpa(q, k, v, mask, scale=lambda d: 1.0),
         "divide the scores by sqrt(d_k), the size of the last axis of q"),
        (lambda q, k, v, mask=None: _sdpa(q, k, v, mask, scale=lambda d: d), "divide by sqrt(d_k), not by d_k"),
        (lambda q, k, v, mask=None: _sdpa(q, k, v, mask, axis=-2),
         "take the softmax over the keys (the last axis), so each query's weights sum to 1"),
        (lambda q, k, v, mask=None: _sdpa(q, k, v, mask, mask_after=True),
         "apply the mask to the scores before the softmax (-inf where blocked), so the weights still sum to 1"),
        (lambda q, k, v, mask=None: _sdpa(q, k, v, mask, invert=True),
         "the mask is True where a query MAY attend: block the positions where it is False"),
    ],
    hints=[
        "Scores compare every query with every key (a matrix product), scaled by sqrt(d_k); blocked keys get -inf; "
        "a softmax over the keys turns each row of scores into weights; the weights average the values.",
        "`scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])` has shape (..., T, S). Mask with `np.where`, "
        "then subtract `scores.max(axis=-1, keepdims=True)` before `np.exp` and divide by the row sums.",
        "`scores = np.where(mask, scores, -np.inf)` if a mask is given; `e = np.exp(scores - scores.max(axis=-1, "
        "keepdims=True))`; `weights = e / e.sum(axis=-1, keepdims=True)`; `return weights @ v, weights`.",
    ],
)




# --------------------------------------------------------------------------- 3. predict_head_parameters (predict)
predict_head_parameters = CHAPTER.predict(
    "predict_head_parameters",
    why="Every W stays (D, D) whatever h is: split_heads only cuts the D projected features into h groups of "
        "d = D / h. 4 matrices of 64 x 64 plus 4 biases of 64 = 16,640: more heads means smaller heads.",
    options={"a": "8 x 16,640 = 133,120: each head has its own projections",
             "b": "16,640: the same",
             "c": "16,640 / 8 = 2,080: each head is 8 times smaller"},
    hints=["Write down the shapes of the weights of the lesson's `multi_head_attention(x_q, x_kv, params, h)`: "
           "does any of them depend on h?",
           "Every W in `params` is (D, D) and every b is (D,), whatever h is; `split_heads` only reshapes the "
           "projected features. Count 4 (D, D) matrices and 4 biases. Answer with the key."],
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
        label = "the first step (empty caches)" if t == 0 else f"{t} cached positions"
        out.append(case(f"{label}, N={N}, D={D}, {h} heads", x_t, kc, vc, params, h))
    return out


_I2 = (np.eye(2), np.zeros(2)) * 4
_E1 = np.array([[[[1.0, 0.0]]]])  # the caches after the first step of the example

attention_step = CHAPTER.exercise(
    "attention_step",
    examples=[
        example((np.array([[0.3302384506733431, 0.6697615493266569]]), np.array([[[[1.0, 0.0], [0.0, 1.0]]]]),
                 np.array([[[[1.0, 0.0], [0.0, 1.0]]]])),
                "the brief's example, step 2: x_t = [[0, 1]] with step 1 in the caches, identity weights, 1 head",
                np.array([[0.0, 1.0]]), _E1, _E1, _I2, 1),
        example((np.array([[1.0, 0.0]]), _E1, _E1),
                "the brief's example, step 1: x_t = [[1, 0]], empty caches, identity weights, zero biases, 1 head",
                np.array([[1.0, 0.0]]), np.zeros((1, 1, 0, 2)), np.zeros((1, 1, 0, 2)), _I2, 1),
    ],
    cases=_step_cases,
    compare=named_parts("out", "k_cache", "v_cache"),
    rtol=1e-6,
    atol=1e-9,
    mistakes=[
        (lambda x, kc, vc, p, h: _step(x, kc, vc, p, h, own_key=False),
         "the new position must attend to itself too: append its key and value to the caches before attending"),
        (lambda x, kc, vc, p, h: _step(x, kc, vc, p, h, scale="model"),
         "divide the scores by sqrt(d), the size of one head (D / h), not by sqrt(D)"),
        (lambda x, kc, vc, p, h: _step(x, kc, vc, p, h, scale="none"), "divide the scores by sqrt(d) = sqrt(D / h)"),
        (lambda x, kc, vc, p, h: _step(x, kc, vc, p, h, project_out=False),
         "the merged heads still go through the output projection: @ Wo + bo"),
        (lambda x, kc, vc, p, h: _step(x, kc, vc, p, h, keep_old_cache=True),
         "return the caches with the new position appended (t + 1 entries), or the next step cannot see it"),
    ],
    hints=[
        "Only the new position's query is needed; its keys are the cached ones plus its own. Project x_t three "
        "times, cut each result into h heads of d = D / h features, append the new key and value to the caches "
        "(the position axis, axis 2), then attend and project out. No mask: the cache holds only the past.",
        "`q = (x_t @ Wq + bq).reshape(N, h, 1, d)`, the same for the key and the value; `np.concatenate([k_cache, "
        "k_new], axis=2)`; scores `q @ np.swapaxes(k_cache, -1, -2) / np.sqrt(d)` have shape (N, h, 1, t + 1); "
        "your `scaled_dot_product_attention` does the rest.",
        "`out, _ = scaled_dot_product_attention(q, k_cache, v_cache)` is (N, h, 1, d); `out.reshape(N, D) @ Wo + "
        "bo` merges the heads (one position: a reshape is enough) and projects. Return `(that, k_cache, v_cache)`.",
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
    why="Without positions, output i sees its own digit and the set of all 8 digits (attention is "
        "permutation-equivariant), never which digit sits at T - 1 - i. The set beats blind guessing (10%), "
        "but reversing is out of reach: about 30%.",
    options={"a": "at most 15%: chance",
             "b": "between 15% and 60%",
             "c": "at least 90%: it learns the order anyway"},
    hints=["Shuffle the 8 digits of a sequence: how do the model's 8 outputs change when it has no position "
           "code (the lesson's section 4)? Could output 0 still name the last digit?",
           "Output i can only use its own digit and the collection of all 8 digits. Is knowing which digits occur "
           "worth anything when you must name one of them? Answer with the key."],
)


# --------------------------------------------------------------------------- 6. position_code (experiment)
def _judge_position_code(fn) -> str:
    got = call(fn, REV_T, REV_D, label=f"T={REV_T}, d_model={REV_D}")
    if got is None:
        raise Fail("the position code is None: did you forget `return`?")
    if isinstance(got, torch.Tensor):
        got = got.detach().cpu().numpy()
    try:
        code = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        raise Fail(f"return a NumPy array of numbers of shape ({REV_T}, {REV_D}), not {type(got).__name__}") from None
    if code.shape != (REV_T, REV_D):
        raise Fail(f"the position code must have shape (T, d_model) = ({REV_T}, {REV_D}), got {code.shape}")
    if not np.all(np.isfinite(code)):
        raise Fail("the position code holds nan or inf")
    accuracy = reversal_accuracy(code)
    reached = f"your code reached {accuracy:.1%} held-out accuracy after {REV_STEPS} steps; asked: at least " \
              f"{REV_TARGET:.0%}"
    if accuracy >= REV_TARGET:
        return reached.replace("; asked", " (asked") + ")"
    centred = code - code.mean(axis=0)
    rank = np.linalg.matrix_rank(centred, tol=1e-6 * max(1.0, float(np.abs(code).max())))
    if rank == 0:
        why = "Every row of your code is the same, so the model still cannot tell the positions apart."
    elif rank == 1:
        why = ("Your rows differ along a single direction (one number per position): a score q . k is then linear "
               "in the key's position, so a query can only prefer the first or the last key. Give each position a "
               "direction of its own.")
    else:
        why = "The positions are hard to tell apart: make the rows more different (compare their dot products)."
    raise Fail(f"{reached}. {why}")


position_code = CHAPTER.exercise(
    "position_code",
    judge=_judge_position_code,
    hints=["First return `np.zeros((T, d_model))` and read the verdict: that is the model without positions. Then "
           "try a single ramp, every column equal to `pos / T`, and read why it fails.",
           "Each position needs a vector that points somewhere else, so that a query's projection can single out "
           "one key: one-hot rows (`np.eye(T, d_model)`), random vectors, or the lesson's sinusoids all do. Any one "
           "that passes is an answer; compare how they do.",
           "The lesson's `positional_encoding(T, d_model)`: `pos = np.arange(T)[:, None]`, `omega = 1 / 10000 ** "
           "(np.arange(0, d_model, 2) / d_model)`, sines of `pos * omega` in the even columns, cosines in the odd."],
)
