"""Attention (어텐션): NumPy layers with backward passes, and an attention seq2seq model in PyTorch.

**NumPy** (the protocol of :mod:`common.np_layers`: ``forward``, ``backward``, ``params``, ``grads``).
Attention is three steps, one small layer each, plus the layer that chains them:

* scores (점수): :class:`DotScore` ``q . k`` (optionally scaled by 1/sqrt(D)), or
  :class:`AdditiveScore` (Bahdanau) ``v . tanh(q Wq + k Wk)``;
* weights (어텐션 가중치): :class:`Softmax` over the keys, with an optional boolean mask
  (True = may attend; a masked key gets weight exactly 0);
* context (문맥 벡터): :class:`WeightedSum` of the values with those weights;
* :class:`Attention`: the three in a row, with the encoder states as keys *and* values.

Shapes: N batch, T queries (decoder steps), S keys (encoder steps), D feature size, A the
additive score's hidden size. Queries are (N, T, D), keys and values (N, S, D), scores and
weights (N, T, S). ``tests/test_attention.py`` checks every layer against torch.autograd.

**PyTorch**: :class:`AttentionSeq2Seq` (a bidirectional GRU encoder and a GRU decoder that
attends to every encoder state after each step, as in Luong et al. 2015) and
:func:`greedy_decode`, which returns the attention weights along with the answer.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from common.np_layers import Layer, softmax


# =========================================================================== NumPy
def masked_softmax(scores: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """Softmax over the last axis; where ``mask`` (broadcastable to ``scores``) is False the weight is 0.

    Every row must keep at least one position (a fully masked row has no distribution: NaN).
    """
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    return softmax(scores, axis=-1)


class Softmax(Layer):
    """Masked softmax over the last axis: scores (..., S) -> weights (..., S) that sum to 1.

    Backward: dscores = w * (dw - sum(dw * w)), the softmax Jacobian applied row by row;
    masked positions have w = 0, so no gradient reaches them.
    """

    def forward(self, scores, mask=None):
        self.w = masked_softmax(scores, mask)
        return self.w

    def backward(self, dw):
        return self.w * (dw - (dw * self.w).sum(axis=-1, keepdims=True))


class DotScore(Layer):
    """Dot-product score: q (N, T, D), k (N, S, D) -> q k^T (N, T, S), times 1/sqrt(D) if ``scaled``."""

    def __init__(self, scaled: bool = False) -> None:
        super().__init__()
        self.scaled = scaled

    def forward(self, q, k):
        self.q, self.k = q, k
        self.scale = 1.0 / np.sqrt(q.shape[-1]) if self.scaled else 1.0
        return self.scale * q @ k.transpose(0, 2, 1)

    def backward(self, ds):
        ds = self.scale * ds
        return ds @ self.k, ds.transpose(0, 2, 1) @ self.q  # dq (N, T, D), dk (N, S, D)


class AdditiveScore(Layer):
    """Additive (Bahdanau) score: ``score[n, t, s] = v . tanh(q[n, t] Wq + k[n, s] Wk)``.

    Wq: (Dq, A), Wk: (Dk, A), v: (A,). q (N, T, Dq), k (N, S, Dk) -> (N, T, S).
    The (N, T, S, A) tensor of tanh values is kept for backward.
    """

    def __init__(self, Wq: np.ndarray, Wk: np.ndarray, v: np.ndarray) -> None:
        super().__init__()
        self.params = [Wq, Wk, v]
        self.grads = [np.zeros_like(Wq), np.zeros_like(Wk), np.zeros_like(v)]

    def forward(self, q, k):
        Wq, Wk, v = self.params
        self.q, self.k = q, k
        self.u = np.tanh((q @ Wq)[:, :, None, :] + (k @ Wk)[:, None, :, :])  # (N, T, S, A)
        return self.u @ v

    def backward(self, ds):
        Wq, Wk, v = self.params
        self.grads[2][...] = np.einsum("nts,ntsa->a", ds, self.u)
        dz = ds[..., None] * v * (1.0 - self.u**2)  # through v and tanh: (N, T, S, A)
        dqa, dka = dz.sum(axis=2), dz.sum(axis=1)  # (N, T, A), (N, S, A)
        self.grads[0][...] = self.q.reshape(-1, Wq.shape[0]).T @ dqa.reshape(-1, Wq.shape[1])
        self.grads[1][...] = self.k.reshape(-1, Wk.shape[0]).T @ dka.reshape(-1, Wk.shape[1])
        return dqa @ Wq.T, dka @ Wk.T


class WeightedSum(Layer):
    """Context = weights @ values: w (N, T, S), values (N, S, Dv) -> (N, T, Dv)."""

    def forward(self, w, values):
        self.w, self.values = w, values
        return w @ values

    def backward(self, dc):
        return dc @ self.values.transpose(0, 2, 1), self.w.transpose(0, 2, 1) @ dc  # dw, dvalues


class Attention(Layer):
    """Score -> masked softmax -> weighted sum, with the encoder states ``hs`` as keys and values.

    ``forward(q, hs, mask=None)``: q (N, T, D) or one step (N, D); hs (N, S, D); ``mask`` (N, S)
    marks the real (non-padding) encoder steps. Returns the context, (N, T, D) or (N, D), and
    keeps the weights in ``self.weights``, (N, T, S) or (N, S). ``backward(dcontext)`` returns
    (dq, dhs); dhs sums the key path and the value path. ``scorer`` is a :class:`DotScore`
    (the default) or an :class:`AdditiveScore`, whose parameters become this layer's.
    """

    def __init__(self, scorer: Layer | None = None) -> None:
        super().__init__()
        self.scorer = scorer if scorer is not None else DotScore()
        self.softmax, self.weighted_sum = Softmax(), WeightedSum()
        self.params, self.grads = self.scorer.params, self.scorer.grads

    def forward(self, q, hs, mask=None):
        self.one_step = q.ndim == 2
        q = q[:, None, :] if self.one_step else q
        mask = None if mask is None else np.asarray(mask, dtype=bool)[:, None, :]
        w = self.softmax.forward(self.scorer.forward(q, hs), mask)
        context = self.weighted_sum.forward(w, hs)
        self.weights = w[:, 0] if self.one_step else w
        return context[:, 0] if self.one_step else context

    def backward(self, dcontext):
        dcontext = dcontext[:, None, :] if self.one_step else dcontext
        dw, dhs_value = self.weighted_sum.backward(dcontext)
        dq, dhs_key = self.scorer.backward(self.softmax.backward(dw))
        return (dq[:, 0] if self.one_step else dq), dhs_key + dhs_value


# =========================================================================== PyTorch
class AttentionScore(nn.Module):
    """Scores (N, T, S) of queries (N, T, D) against keys (N, S, D): ``"dot"``, ``"scaled_dot"`` or ``"additive"``.

    The additive score has the parameters ``Wq`` (Linear D -> A, no bias), ``Wk`` (same) and ``v`` (A,),
    laid out so that ``Wq.weight.T``, ``Wk.weight.T`` and ``v`` are :class:`AdditiveScore`'s arrays.
    """

    def __init__(self, kind: str = "dot", dim: int | None = None, attn_dim: int | None = None) -> None:
        super().__init__()
        if kind not in ("dot", "scaled_dot", "additive"):
            raise ValueError(f"kind must be 'dot', 'scaled_dot' or 'additive', got {kind!r}")
        self.kind = kind
        if kind == "additive":
            if dim is None:
                raise ValueError("the additive score needs dim (the query/key size)")
            attn_dim = attn_dim or dim
            self.Wq, self.Wk = nn.Linear(dim, attn_dim, bias=False), nn.Linear(dim, attn_dim, bias=False)
            self.v = nn.Parameter(torch.randn(attn_dim) / attn_dim**0.5)

    def forward(self, q: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
        if self.kind == "additive":
            return torch.tanh(self.Wq(q).unsqueeze(2) + self.Wk(k).unsqueeze(1)) @ self.v
        scores = q @ k.transpose(1, 2)
        return scores / q.shape[-1] ** 0.5 if self.kind == "scaled_dot" else scores


def attend(scores: torch.Tensor, values: torch.Tensor, mask: torch.Tensor | None = None):
    """Masked softmax of ``scores`` (N, T, S) over S, then the weighted sum of ``values`` (N, S, Dv).

    ``mask`` (N, S) or broadcastable to (N, T, S): True where a key may be attended to.
    Returns ``(context (N, T, Dv), weights (N, T, S))``.
    """
    if mask is not None:
        mask = mask.unsqueeze(1) if mask.dim() == 2 else mask
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return weights @ values, weights


class BiEncoder(nn.Module):
    """Embedding + bidirectional GRU: ids (N, S) -> every state (N, S, 2H) and the decoder's start (1, N, 2H).

    The start state joins the last layer's final forward and backward states.
    """

    def __init__(self, vocab_size: int, embed_dim: int, hidden_size: int, num_layers: int = 2) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed_dim)
        self.gru = nn.GRU(embed_dim, hidden_size, num_layers, batch_first=True, bidirectional=True)

    def forward(self, src: torch.Tensor):
        hs, h_n = self.gru(self.embed(src))  # hs: (N, S, 2H); h_n: (2 * layers, N, H)
        return hs, torch.cat([h_n[-2], h_n[-1]], dim=-1).unsqueeze(0)


class AttentionDecoder(nn.Module):
    """Embedding + GRU, then attention over the encoder states and a Linear on [state; context].

    ``forward(tgt_in, state, hs, mask)``: ids (N, T), state (1, N, H), hs (N, S, H), mask (N, S)
    -> logits (N, T, V), the new state and the attention weights (N, T, S). All T steps run in
    one call under teacher forcing; greedy decoding calls it with T = 1.
    """

    def __init__(self, vocab_size: int, embed_dim: int, hidden_size: int, score: str = "dot") -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed_dim)
        self.gru = nn.GRU(embed_dim, hidden_size, batch_first=True)
        self.score = AttentionScore(score, hidden_size)
        self.out = nn.Linear(2 * hidden_size, vocab_size)

    def forward(self, tgt_in, state, hs, mask=None):
        y, state = self.gru(self.embed(tgt_in), state)  # (N, T, H)
        context, weights = attend(self.score(y, hs), hs, mask)
        return self.out(torch.cat([y, context], dim=-1)), state, weights


class AttentionSeq2Seq(nn.Module):
    """Bidirectional GRU encoder (2 x ``enc_hidden`` per step) + attention GRU decoder (``2 * enc_hidden``).

    ``forward(src, tgt_in)`` is teacher forcing: (N, S), (N, T) -> logits (N, T, V_tgt). Source
    positions equal to ``pad_id`` are masked out of the attention.
    """

    def __init__(
        self,
        src_vocab_size: int,
        tgt_vocab_size: int,
        embed_dim: int = 32,
        enc_hidden: int = 64,
        enc_layers: int = 2,
        score: str = "dot",
        pad_id: int = 0,
    ) -> None:
        super().__init__()
        self.pad_id = pad_id
        self.encoder = BiEncoder(src_vocab_size, embed_dim, enc_hidden, enc_layers)
        self.decoder = AttentionDecoder(tgt_vocab_size, embed_dim, 2 * enc_hidden, score)

    def encode(self, src: torch.Tensor):
        """src (N, S) -> encoder states hs (N, S, H), decoder start state (1, N, H), mask (N, S)."""
        hs, state = self.encoder(src)
        return hs, state, src != self.pad_id

    def forward(self, src: torch.Tensor, tgt_in: torch.Tensor) -> torch.Tensor:
        hs, state, mask = self.encode(src)
        return self.decoder(tgt_in, state, hs, mask)[0]


@torch.no_grad()
def greedy_decode(model: AttentionSeq2Seq, src: torch.Tensor, max_len: int, sos_id: int):
    """Encode once, then step the decoder with its state, feeding back each argmax.

    src (N, S) -> predicted ids (N, max_len) (SOS not included) and the attention weights
    (N, max_len, S): row t says where the decoder looked when it wrote token t.
    """
    was_training = model.training
    model.eval()
    hs, state, mask = model.encode(src)
    token = torch.full((src.shape[0], 1), sos_id, dtype=torch.long, device=src.device)
    ids, weights = [], []
    for _ in range(max_len):
        logits, state, w = model.decoder(token, state, hs, mask)
        token = logits.argmax(dim=-1)  # (N, 1)
        ids.append(token)
        weights.append(w)
    model.train(was_training)
    return torch.cat(ids, dim=1), torch.cat(weights, dim=1)

