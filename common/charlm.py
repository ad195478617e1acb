"""Character-level language models of first names: the data, a recurrent model, its score, sampling.

Chapter 06 trains the recurrent models here and chapter 09 compares a small GPT with them
on exactly the same split and the same score:

* :func:`load_name_data` turns ``common.data.load_names()`` into padded id tensors: each name
  is read as ``^name$`` (start and end tokens), the input is ``^name`` and the target, one
  step ahead, is ``name$`` (``xs = seq[:-1]``, ``ts = seq[1:]``), both right-padded with ``_``;
* :class:`CharRNN` is an embedding, a recurrent layer (``"rnn"``, ``"gru"`` or ``"lstm"``)
  and a linear read-out to next-character scores;
* :func:`validation_nll` is the mean negative log-likelihood per predicted character in nats
  (the end token counts as a character, padding does not); ``exp`` of it is the perplexity;
* :func:`bigram_nll` is the count-based baseline every model must beat;
* :func:`sample` draws names with a temperature until the end token.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from common.data import CharVocab, load_names


def name_tensors(names: list[str], vocab: CharVocab, length: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Inputs and next-character targets for a list of names, as int64 tensors (N, L).

    ``x[i] = ^ n a m e _ _ ...`` and ``y[i] = n a m e $ _ _ ...``: ``y`` is ``x`` shifted one step
    left. ``L`` defaults to the longest name + 1; ``_`` (id ``vocab.pad_id``) pads both.
    """
    seqs = vocab.encode_batch(names, length=None if length is None else length + 1, sos=True, eos=True)
    x, y = seqs[:, :-1].copy(), seqs[:, 1:].copy()
    x[x == vocab.eos_id] = vocab.pad_id  # the end token is only ever a target
    return torch.from_numpy(x), torch.from_numpy(y)


@dataclass
class NameData:
    """The names split into train and validation, their vocabulary and padded id tensors."""

    vocab: CharVocab
    train: list[str]
    val: list[str]
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor


def load_name_data(seed: int = 0, val_size: int = 500) -> NameData:
    """``load_names(seed, val_size)`` as tensors; the vocabulary is every character of both lists.

    Train and validation are padded to the same length (the longest name + 1).
    """
    train, val = load_names(seed=seed, val_size=val_size)
    vocab = CharVocab(train + val)
    length = max(map(len, train + val)) + 1
    return NameData(vocab, train, val, *name_tensors(train, vocab, length), *name_tensors(val, vocab, length))


class CharRNN(nn.Module):
    """Embedding -> recurrent layer -> linear: scores for the next character at every step.

    ``cell`` is ``"rnn"`` (tanh), ``"gru"`` or ``"lstm"``. ``forward(x)`` maps ids (N, T) to
    logits (N, T, V); ``forward(x, state, return_state=True)`` also returns the final state, so
    generation can feed one character at a time.
    """

    CELLS = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}

    def __init__(
        self, vocab_size: int, hidden_size: int = 256, embed_dim: int = 32, cell: str = "lstm",
        num_layers: int = 1, dropout: float = 0.0,
    ) -> None:
        super().__init__()
        if cell not in self.CELLS:
            raise ValueError(f"cell must be one of {sorted(self.CELLS)}, got {cell!r}")
        self.cell = cell
        self.embed = nn.Embedding(vocab_size, embed_dim)
        self.rnn = self.CELLS[cell](embed_dim, hidden_size, num_layers, batch_first=True,
                                    dropout=dropout if num_layers > 1 else 0.0)
        self.drop = nn.Dropout(dropout)
        self.out = nn.Linear(hidden_size, vocab_size)

    def forward(self, x: torch.Tensor, state=None, return_state: bool = False):
        hs, state = self.rnn(self.embed(x), state)
        logits = self.out(self.drop(hs))
        return (logits, state) if return_state else logits


def sequence_loss(logits: torch.Tensor, y: torch.Tensor, pad_id: int = 0) -> torch.Tensor:
    """Mean cross-entropy over every non-padding target.  logits (N, T, V), y (N, T) -> scalar."""
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1), ignore_index=pad_id)


@torch.no_grad()
def validation_nll(model: nn.Module, x: torch.Tensor, y: torch.Tensor, pad_id: int = 0, batch_size: int = 500,
                   device=None) -> float:
    """Mean negative log-likelihood per predicted character, in nats (padding ignored).

    ``model`` maps ids (B, T) to logits (B, T, V). The sum of ``-log p(target)`` over every
    non-padding target is divided by their number, so batches of different lengths weigh
    correctly. Perplexity is ``math.exp`` of the result.
    """
    device = device or next(model.parameters()).device
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    for i in range(0, len(x), batch_size):
        xb, yb = x[i : i + batch_size].to(device), y[i : i + batch_size].to(device)
        logits = model(xb).cpu().double()  # summed in float64 on the CPU (Apple's MPS has no float64)
        total += F.cross_entropy(logits.reshape(-1, logits.shape[-1]), yb.reshape(-1).cpu(),
                                 ignore_index=pad_id, reduction="sum").item()
        count += int((yb != pad_id).sum())
    model.train(was_training)
    return total / count


def bigram_counts(names: list[str], vocab: CharVocab) -> np.ndarray:
    """How often character b follows character a in ``^name$``: an int64 (V, V) matrix, row a, column b."""
    counts = np.zeros((len(vocab), len(vocab)), dtype=np.int64)
    for name in names:
        ids = vocab.encode(name, sos=True, eos=True)
        np.add.at(counts, (ids[:-1], ids[1:]), 1)
    return counts


def bigram_nll(train: list[str], val: list[str], vocab: CharVocab, alpha: float = 1.0) -> float:
    """Validation NLL per character (nats) of the count model ``p(b | a) = (n_ab + alpha) / (n_a + alpha V')``.

    ``alpha`` (add-alpha smoothing) gives unseen pairs a small probability; ``V'`` counts the
    characters that can follow (every id but padding and the start token). The same targets
    as :func:`validation_nll`: every character of ``name$``.
    """
    counts = bigram_counts(train, vocab).astype(np.float64)
    can_follow = np.ones(len(vocab))
    can_follow[[vocab.pad_id, vocab.sos_id]] = 0.0
    denominator = counts.sum(axis=1, keepdims=True) + alpha * can_follow.sum()
    probs = (counts + alpha * can_follow) / np.where(denominator > 0, denominator, 1.0)  # unseen rows: 0, not 0/0
    val_counts = bigram_counts(val, vocab)
    return float(-(val_counts * np.log(np.where(val_counts > 0, probs, 1.0))).sum() / val_counts.sum())


@torch.no_grad()
def sample(model: nn.Module, vocab: CharVocab, n: int = 10, temperature: float = 1.0, max_len: int = 20,
           generator: torch.Generator | None = None, device=None) -> list[str]:
    """Draw ``n`` names: start from ``^``, sample each next character from softmax(logits / temperature).

    A name ends at the end token ``$`` or after ``max_len`` characters. ``temperature = 0``
    means greedy decoding (always the most likely character). Padding and the start token are
    never drawn. ``model`` maps ids (n, t) to logits (n, t, V) and is re-run on the whole prefix
    at every step, which works for any causal model (RNN or Transformer) and is cheap for names.
    ``generator`` (a CPU ``torch.Generator``) makes the draws repeatable.
    """
    device = device or next(model.parameters()).device
    was_training = model.training
    model.eval()
    seq = torch.full((n, 1), vocab.sos_id, dtype=torch.long, device=device)
    done = torch.zeros(n, dtype=torch.bool, device=device)
    for _ in range(max_len):
        logits = model(seq)[:, -1].float().cpu()
        logits[:, [vocab.pad_id, vocab.sos_id]] = -math.inf
        if temperature == 0:
            nxt = logits.argmax(dim=-1)
        else:
            nxt = torch.multinomial(torch.softmax(logits / temperature, dim=-1), 1, generator=generator)[:, 0]
        nxt = torch.where(done.cpu(), torch.full_like(nxt, vocab.pad_id), nxt).to(device)
        seq = torch.cat([seq, nxt[:, None]], dim=1)
        done |= nxt == vocab.eos_id
        if done.all():
            break
    model.train(was_training)
    return [vocab.decode(row) for row in seq[:, 1:].tolist()]
