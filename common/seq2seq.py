"""Sequence to sequence (시퀀스-투-시퀀스) with LSTMs: the pieces chapter 07 builds, for reuse.

An :class:`Encoder` reads the source ids; its final LSTM state is the only bridge to a
:class:`Decoder` (or a :class:`PeekyDecoder`, which also sees the encoder's final hidden
state at every step). :class:`Seq2Seq` trains with teacher forcing; :func:`greedy_decode`
encodes once and then steps the decoder with its state; :func:`exact_match` scores answers.

Shapes: N batch, S source length, T target length, E embedding size, H hidden size,
V vocabulary size. Ids are int64; the special ids come from :class:`common.data.CharVocab`.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from common.data import CharVocab


# --------------------------------------------------------------------------- data
def prepare_pairs(
    questions,
    answers,
    src_vocab: CharVocab,
    tgt_vocab: CharVocab | None = None,
    reverse: bool = False,
    src_len: int | None = None,
    tgt_len: int | None = None,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Question/answer strings -> the three padded id tensors a seq2seq model needs.

    * ``src`` (N, S): the question ids, right-padded with PAD to ``src_len`` (default: the
      longest question); with ``reverse=True`` every row is flipped in time, ``x[:, ::-1]``,
      so the padding comes first and the question's first character is read last.
    * ``tgt_in`` (N, T): SOS followed by the answer, right-padded (the decoder's input under
      teacher forcing).
    * ``tgt_out`` (N, T): the answer followed by EOS, right-padded (what the decoder must
      predict). ``T = tgt_len`` (default: the longest answer + 1).
    """
    tgt_vocab = tgt_vocab or src_vocab
    src = src_vocab.encode_batch(questions, length=src_len)
    if reverse:
        src = src[:, ::-1].copy()
    t = tgt_len or max(map(len, answers)) + 1
    tgt_in = tgt_vocab.encode_batch(answers, length=t, sos=True)
    tgt_out = tgt_vocab.encode_batch(answers, length=t, eos=True)
    return torch.from_numpy(src), torch.from_numpy(tgt_in), torch.from_numpy(tgt_out)


# --------------------------------------------------------------------------- models
class Encoder(nn.Module):
    """Embedding + LSTM over the source: ids (N, S) -> outputs (N, S, H), state (h, c) each (1, N, H)."""

    def __init__(self, vocab_size: int, embed_dim: int, hidden_size: int) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed_dim)
        self.lstm = nn.LSTM(embed_dim, hidden_size, batch_first=True)

    def forward(self, src: torch.Tensor):
        return self.lstm(self.embed(src))


class Decoder(nn.Module):
    """Embedding + LSTM + Linear, started from the encoder's final state.

    ``forward(tgt_in, state, context=None)``: ids (N, T) and (h, c) each (1, N, H) ->
    logits (N, T, V) and the new state. ``context`` is ignored; it is there so that both
    decoders are called the same way.
    """

    def __init__(self, vocab_size: int, embed_dim: int, hidden_size: int) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed_dim)
        self.lstm = nn.LSTM(embed_dim, hidden_size, batch_first=True)
        self.out = nn.Linear(hidden_size, vocab_size)

    def forward(self, tgt_in: torch.Tensor, state, context: torch.Tensor | None = None):
        y, state = self.lstm(self.embed(tgt_in), state)
        return self.out(y), state


class PeekyDecoder(nn.Module):
    """A decoder that peeks: the encoder's final hidden state ``context`` (N, H) is concatenated
    to the embedding (LSTM input, size E + H) and to the LSTM output (Linear input, size 2H)
    at every step, so the source summary never has to survive inside the decoder's state alone.

    ``forward(tgt_in, state, context)`` -> logits (N, T, V) and the new state.
    """

    def __init__(self, vocab_size: int, embed_dim: int, hidden_size: int) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed_dim)
        self.lstm = nn.LSTM(embed_dim + hidden_size, hidden_size, batch_first=True)
        self.out = nn.Linear(2 * hidden_size, vocab_size)

    def forward(self, tgt_in: torch.Tensor, state, context: torch.Tensor):
        x = self.embed(tgt_in)
        ctx = context.unsqueeze(1).expand(-1, x.shape[1], -1)
        y, state = self.lstm(torch.cat([x, ctx], dim=-1), state)
        return self.out(torch.cat([y, ctx], dim=-1)), state


class Seq2Seq(nn.Module):
    """Encoder + decoder. ``forward(src, tgt_in)`` is teacher forcing: (N, S), (N, T) -> logits (N, T, V)."""

    def __init__(
        self,
        src_vocab_size: int,
        tgt_vocab_size: int | None = None,
        embed_dim: int = 16,
        hidden_size: int = 128,
        peeky: bool = False,
    ) -> None:
        super().__init__()
        tgt_vocab_size = tgt_vocab_size or src_vocab_size
        self.encoder = Encoder(src_vocab_size, embed_dim, hidden_size)
        decoder = PeekyDecoder if peeky else Decoder
        self.decoder = decoder(tgt_vocab_size, embed_dim, hidden_size)

    def encode(self, src: torch.Tensor):
        """src (N, S) -> the decoder's initial state (h, c), each (1, N, H), and the context h[-1] (N, H)."""
        _, (h, c) = self.encoder(src)
        return (h, c), h[-1]

    def forward(self, src: torch.Tensor, tgt_in: torch.Tensor) -> torch.Tensor:
        state, context = self.encode(src)
        logits, _ = self.decoder(tgt_in, state, context)
        return logits


@torch.no_grad()
def greedy_decode(model: Seq2Seq, src: torch.Tensor, max_len: int, sos_id: int) -> torch.Tensor:
    """Greedy decoding: encode once, then feed each step's most likely id back in, one step at a time.

    The decoder's (h, c) carries the past, so no step re-reads the prefix. src (N, S) ->
    predicted ids (N, max_len) (SOS not included; whatever follows an EOS is to be ignored).
    """
    was_training = model.training
    model.eval()
    state, context = model.encode(src)
    token = torch.full((src.shape[0], 1), sos_id, dtype=torch.long, device=src.device)
    steps = []
    for _ in range(max_len):
        logits, state = model.decoder(token, state, context)
        token = logits.argmax(dim=-1)  # (N, 1)
        steps.append(token)
    model.train(was_training)
    return torch.cat(steps, dim=1)


def exact_match(pred: torch.Tensor, target: torch.Tensor, eos_id: int) -> torch.Tensor:
    """Per row: True when ``pred`` equals ``target`` up to and including target's first EOS.

    pred, target: (N, T) ids. Positions after the target's EOS (padding) are not compared;
    a row of ``target`` without EOS is compared in full. Returns a bool tensor (N,).
    """
    is_eos = (target == eos_id).long()
    before_or_at_eos = (is_eos.cumsum(dim=1) - is_eos) == 0
    return ((pred == target) | ~before_or_at_eos).all(dim=1)


def exact_match_accuracy(
    model: Seq2Seq, src: torch.Tensor, tgt_out: torch.Tensor, sos_id: int, eos_id: int, batch_size: int = 2500
) -> float:
    """Share of sources whose greedy answer is exactly ``tgt_out`` (N, T); decoded in chunks on the model's device."""
    device = next(model.parameters()).device
    correct = 0
    for start in range(0, len(src), batch_size):
        s = src[start : start + batch_size].to(device)
        t = tgt_out[start : start + batch_size].to(device)
        correct += int(exact_match(greedy_decode(model, s, t.shape[1], sos_id), t, eos_id).sum())
    return correct / len(src)


# --------------------------------------------------------------------------- training
def train_epoch(
    model: Seq2Seq,
    loader,
    optimizer: torch.optim.Optimizer,
    pad_id: int,
    grad_clip: float | None = 5.0,
    scheduler=None,
) -> float:
    """One epoch of teacher forcing over batches ``(src, tgt_in, tgt_out)``; returns the mean loss per token.

    The loss is the cross-entropy of the logits against ``tgt_out``, ignoring PAD positions.
    The gradient norm is clipped to ``grad_clip``; ``scheduler.step()`` (if given) runs after every batch.
    """
    device = next(model.parameters()).device
    model.train()
    total, loss_sum = 0, 0.0
    for src, tgt_in, tgt_out in loader:
        src, tgt_in, tgt_out = src.to(device), tgt_in.to(device), tgt_out.to(device)
        logits = model(src, tgt_in)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tgt_out.reshape(-1), ignore_index=pad_id)
        optimizer.zero_grad()
        loss.backward()
        if grad_clip is not None:
            nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        n = int((tgt_out != pad_id).sum())
        total, loss_sum = total + n, loss_sum + loss.item() * n
    return loss_sum / max(total, 1)


def decode_strings(ids, vocab: CharVocab) -> list[str]:
    """Rows of ids (N, T) -> strings, stopping at EOS (``CharVocab.decode`` on each row)."""
    return [vocab.decode(row) for row in np.asarray(torch.as_tensor(ids).cpu())]
