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


def predict_greedy_is_best():
    """Is greedy decoding's answer always the most probable whole answer? No: 'b'."""
    return "b"


def beam_search(step, state, sos_id, eos_id, beam_size, max_len):
    """Beam search for one question: keep the ``beam_size`` most probable partial answers at every step.

    ``step(tokens (k,), states (k, H)) -> (logits (k, V), states (k, H))``; ``state`` (1, H) is the
    question's encoder state. At each step every live hypothesis is extended by every token, and the
    ``beam_size`` best extensions (by total log-probability) are kept; those that end with EOS are
    finished and leave the beam. After ``max_len`` steps (or when no hypothesis is live) the best
    finished or live hypothesis wins. Returns ``(tokens, score)``: a list of ints (SOS not included,
    EOS included if the answer finished) and its log-probability, a float.
    """
    seqs, scores = [[]], np.zeros(1)
    tokens, states = np.array([sos_id]), state
    finished = []
    for _ in range(max_len):
        logits, states = step(tokens, states)
        logits = np.asarray(logits, dtype=np.float64)
        shifted = logits - logits.max(axis=1, keepdims=True)
        logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))  # log-softmax
        total = scores[:, None] + logp  # (k, V): the log-probability of every extension
        best = np.argsort(-total, axis=None, kind="stable")[:beam_size]
        rows, cols = np.unravel_index(best, total.shape)
        live = []
        for r, c in zip(rows, cols):
            if c == eos_id:
                finished.append((seqs[r] + [int(c)], float(total[r, c])))
            else:
                live.append((r, c))
        if not live:
            break
        keep = np.array([r for r, _ in live])
        seqs = [seqs[r] + [int(c)] for r, c in live]
        scores = np.array([total[r, c] for r, c in live])
        tokens, states = np.array([c for _, c in live]), states[keep]  # each beam takes its parent's state
    else:
        finished += [(s, float(v)) for s, v in zip(seqs, scores)]
    best_seq, best_score = max(finished, key=lambda item: item[1])
    return best_seq, best_score


def addition_settings():
    """The experiment's choice: with both of the lesson's tricks and lr 1e-2, the model reaches ~63%."""
    return {"lr": 1e-2, "reverse": True, "peeky": True}
