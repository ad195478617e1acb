"""Reference solutions for chapter 07 (sequence to sequence) exercises.

Each function has the name and signature of a stub in ``exercises.ipynb``.
"""
import numpy as np


def pad_and_reverse(seqs, length, pad_id):
    """Right-pad each id list with ``pad_id`` to ``length``, then flip every row in time.

    seqs: list of N lists of ints (each at most ``length`` long) -> int64 array (N, length).
    Example: ``pad_and_reverse([[5, 7, 3], [4]], 4, 0)`` -> ``[[0, 3, 7, 5], [0, 0, 0, 4]]``.
    """
    out = np.full((len(seqs), length), pad_id, dtype=np.int64)
    for row, seq in zip(out, seqs):
        row[: len(seq)] = seq
    return out[:, ::-1].copy()


def decoder_io(answers, sos_id, eos_id, pad_id, length):
    """The decoder's input and target for teacher forcing, both int64 (N, length).

    tgt_in = SOS + answer, tgt_out = answer + EOS, each right-padded with ``pad_id``.
    Example: ``decoder_io([[3, 4]], 1, 2, 0, 4)`` -> ``([[1, 3, 4, 0]], [[3, 4, 2, 0]])``.
    """
    tgt_in = np.full((len(answers), length), pad_id, dtype=np.int64)
    tgt_out = np.full((len(answers), length), pad_id, dtype=np.int64)
    for i, answer in enumerate(answers):
        tgt_in[i, : len(answer) + 1] = [sos_id, *answer]
        tgt_out[i, : len(answer) + 1] = [*answer, eos_id]
    return tgt_in, tgt_out


def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    """One LSTM step for a batch, with PyTorch's layout: the 4H rows of the weights are gates i, f, g, o.

    x (N, D), h and c (N, H), W_ih (4H, D), W_hh (4H, H), b_ih and b_hh (4H,) -> (h_new, c_new), each (N, H).
    """
    H = h.shape[-1]
    z = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh  # (N, 4H)
    i = 1 / (1 + np.exp(-z[:, :H]))
    f = 1 / (1 + np.exp(-z[:, H : 2 * H]))
    g = np.tanh(z[:, 2 * H : 3 * H])
    o = 1 / (1 + np.exp(-z[:, 3 * H :]))
    c_new = f * c + i * g
    h_new = o * np.tanh(c_new)
    return h_new, c_new


def greedy_decode(step, state, batch_size, sos_id, max_len):
    """Greedy decoding: feed SOS, then each step's most likely token, ``max_len`` times.

    ``step(tokens, state) -> (logits, state)`` with tokens (N,) and logits (N, V).
    Returns the predicted ids, int64 (N, max_len), without the SOS column.
    """
    tokens = np.full(batch_size, sos_id, dtype=np.int64)
    out = np.zeros((batch_size, max_len), dtype=np.int64)
    for t in range(max_len):
        logits, state = step(tokens, state)
        tokens = np.asarray(logits).argmax(axis=1)
        out[:, t] = tokens
    return out


def exact_match(pred, target, eos_id):
    """Share of rows where ``pred`` equals ``target`` up to and including the target's first EOS.

    pred, target: int arrays (N, T). What follows the EOS is ignored; a target row without
    EOS is compared in full. Returns a float in [0, 1].
    """
    pred, target = np.asarray(pred), np.asarray(target)
    is_eos = target == eos_id
    compared = np.cumsum(is_eos, axis=1) - is_eos == 0  # positions up to and including the first EOS
    return float(np.mean(np.all((pred == target) | ~compared, axis=1)))
