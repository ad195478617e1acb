"""common.seq2seq: data preparation, shapes, teacher forcing vs greedy decoding, exact match, a tiny task learned."""
import numpy as np
import pytest
import torch

from common import seq2seq as s2s
from common.data import CharVocab, make_loader

QUESTIONS, ANSWERS = ["57+68", "1+2", "999+999"], ["125", "3", "1998"]
VOCAB = CharVocab(QUESTIONS + ANSWERS)


def test_prepare_pairs_pads_frames_and_reverses():
    src, tgt_in, tgt_out = s2s.prepare_pairs(QUESTIONS, ANSWERS, VOCAB)
    assert src.shape == (3, 7) and tgt_in.shape == tgt_out.shape == (3, 5)
    assert src.dtype == tgt_in.dtype == tgt_out.dtype == torch.int64
    text = "".join(VOCAB.itos[i] for i in src[0])
    assert text == "57+68__"
    assert "".join(VOCAB.itos[i] for i in tgt_in[0]) == "^125_"
    assert "".join(VOCAB.itos[i] for i in tgt_out[0]) == "125$_"
    rev, _, _ = s2s.prepare_pairs(QUESTIONS, ANSWERS, VOCAB, reverse=True)
    assert "".join(VOCAB.itos[i] for i in rev[0]) == "__86+75"
    torch.testing.assert_close(rev, src.flip(1))
    fixed, t_in, _ = s2s.prepare_pairs(QUESTIONS, ANSWERS, VOCAB, src_len=9, tgt_len=6)
    assert fixed.shape == (3, 9) and t_in.shape == (3, 6)


def test_prepare_pairs_with_separate_target_vocabulary():
    tgt_vocab = CharVocab(ANSWERS)
    _, tgt_in, tgt_out = s2s.prepare_pairs(QUESTIONS, ANSWERS, VOCAB, tgt_vocab)
    assert tgt_in.max() < len(tgt_vocab) and s2s.decode_strings(tgt_out, tgt_vocab) == ANSWERS


@pytest.mark.parametrize("peeky", [False, True], ids=["plain", "peeky"])
@pytest.mark.parametrize("n, s, t", [(1, 1, 1), (4, 7, 5), (3, 2, 6)])
def test_shapes(peeky, n, s, t):
    torch.manual_seed(0)
    model = s2s.Seq2Seq(src_vocab_size=11, tgt_vocab_size=9, embed_dim=5, hidden_size=6, peeky=peeky)
    src, tgt_in = torch.randint(0, 11, (n, s)), torch.randint(0, 9, (n, t))
    assert model(src, tgt_in).shape == (n, t, 9)
    (h, c), context = model.encode(src)
    assert h.shape == c.shape == (1, n, 6) and context.shape == (n, 6)
    outputs, _ = model.encoder(src)
    assert outputs.shape == (n, s, 6)
    torch.testing.assert_close(outputs[:, -1], context)
    assert s2s.greedy_decode(model, src, max_len=t, sos_id=1).shape == (n, t)


def test_peeky_decoder_reads_the_context_at_every_step():
    torch.manual_seed(0)
    decoder = s2s.PeekyDecoder(vocab_size=7, embed_dim=4, hidden_size=5)
    assert decoder.lstm.input_size == 4 + 5 and decoder.out.in_features == 2 * 5
    tgt_in, state = torch.randint(0, 7, (2, 3)), (torch.zeros(1, 2, 5), torch.zeros(1, 2, 5))
    a, _ = decoder(tgt_in, state, torch.zeros(2, 5))
    b, _ = decoder(tgt_in, state, torch.ones(2, 5))
    assert not torch.allclose(a[:, -1], b[:, -1])  # with the same start state, the context alone changes the output
    plain = s2s.Decoder(vocab_size=7, embed_dim=4, hidden_size=5)
    torch.testing.assert_close(plain(tgt_in, state, torch.zeros(2, 5))[0], plain(tgt_in, state, torch.ones(2, 5))[0])


@pytest.mark.parametrize("peeky", [False, True], ids=["plain", "peeky"])
def test_greedy_decoding_equals_teacher_forcing_on_its_own_outputs(peeky):
    """Stepping the decoder with its state (encode once) gives what one full teacher-forced pass
    gives when it is fed the greedy outputs: the cached state loses nothing."""
    torch.manual_seed(1)
    model = s2s.Seq2Seq(src_vocab_size=10, embed_dim=8, hidden_size=16, peeky=peeky).double()
    src = torch.randint(3, 10, (6, 5))
    pred = s2s.greedy_decode(model, src, max_len=4, sos_id=1)
    tgt_in = torch.cat([torch.full((6, 1), 1), pred[:, :-1]], dim=1)
    logits = model(src, tgt_in)
    torch.testing.assert_close(logits.argmax(-1), pred)
    assert model.training  # greedy_decode restores the training mode


def test_exact_match_compares_up_to_and_including_the_first_eos():
    eos = 2
    target = torch.tensor([[4, 5, 2, 0], [6, 2, 0, 0], [3, 4, 5, 2], [7, 8, 2, 0], [3, 4, 5, 6]])
    pred = torch.tensor([[4, 5, 2, 0], [6, 2, 9, 9], [3, 4, 6, 2], [7, 8, 8, 2], [3, 4, 5, 6]])
    assert s2s.exact_match(pred, target, eos).tolist() == [True, True, False, False, True]


def test_exact_match_accuracy_decodes_in_chunks():
    torch.manual_seed(0)
    model = s2s.Seq2Seq(src_vocab_size=8, embed_dim=4, hidden_size=8)
    src = torch.randint(3, 8, (7, 4))
    pred = s2s.greedy_decode(model, src, max_len=3, sos_id=1)
    target = pred.clone()
    target[:3, 0] = (target[:3, 0] + 1) % 8  # three rows made wrong
    for batch_size in (1, 3, 100):
        assert s2s.exact_match_accuracy(model, src, target, sos_id=1, eos_id=2, batch_size=batch_size) == 4 / 7


def _reverse_task(n, seed):
    rng = np.random.default_rng(seed)
    questions = ["".join(map(str, rng.integers(0, 10, rng.integers(1, 4)))) for _ in range(n)]
    return questions, [q[::-1] for q in questions]


def test_a_tiny_task_is_learned():
    """Reversing strings of 1-3 digits: a few hundred teacher-forced steps reach high exact match."""
    torch.manual_seed(0)
    questions, answers = _reverse_task(2000, seed=0)
    vocab = CharVocab("0123456789")
    src, tgt_in, tgt_out = s2s.prepare_pairs(questions, answers, vocab, src_len=3, tgt_len=4)
    model = s2s.Seq2Seq(len(vocab), embed_dim=8, hidden_size=32, peeky=True)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    loader = make_loader(src[:1800], tgt_in[:1800], tgt_out[:1800], batch_size=64, seed=0)
    losses = [s2s.train_epoch(model, loader, optimizer, vocab.pad_id) for _ in range(8)]
    assert losses[-1] < 0.2 * losses[0]
    acc = s2s.exact_match_accuracy(model, src[1800:], tgt_out[1800:], vocab.sos_id, vocab.eos_id)
    assert acc > 0.9, acc
    pred = s2s.greedy_decode(model, src[1800:1805], max_len=4, sos_id=vocab.sos_id)
    assert sum(p == a for p, a in zip(s2s.decode_strings(pred, vocab), answers[1800:1805])) >= 4
