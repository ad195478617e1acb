"""common/charlm.py: the name tensors, the model, the per-character NLL, the bigram baseline and sampling."""
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from common import charlm
from common.data import CharVocab

VOCAB = CharVocab(["anna", "bob", "eve"])  # _ ^ $ a b e n o v


@pytest.fixture(scope="module")
def data():
    return charlm.load_name_data(seed=0, val_size=500)


def test_name_tensors_shift_targets_by_one_step():
    x, y = charlm.name_tensors(["anna", "bob"], VOCAB)
    assert x.dtype == y.dtype == torch.int64 and x.shape == y.shape == (2, 5)
    assert [VOCAB.itos[i] for i in x[1]] == list("^bob_")
    assert [VOCAB.itos[i] for i in y[1]] == list("bob$_")
    assert torch.equal(x[0, 1:], y[0, :-1])  # xs = seq[:-1], ts = seq[1:]
    assert [VOCAB.decode(row) for row in y] == ["anna", "bob"]


def test_name_tensors_pad_to_a_given_length_and_refuse_too_short():
    x, y = charlm.name_tensors(["eve"], VOCAB, length=7)
    assert x.shape == (1, 7) and int((y != VOCAB.pad_id).sum()) == 4  # e v e $
    with pytest.raises(ValueError):
        charlm.name_tensors(["anna"], VOCAB, length=3)


def test_load_name_data_split_and_shapes(data):
    assert len(data.train) == 4663 and len(data.val) == 500
    assert not set(data.train) & set(data.val)
    longest = max(map(len, data.train + data.val))
    assert data.x_train.shape == data.y_train.shape == (4663, longest + 1)
    assert data.x_val.shape == (500, longest + 1)
    assert (data.x_train[:, 0] == data.vocab.sos_id).all()
    assert int((data.y_train == data.vocab.eos_id).sum()) == len(data.train)  # one end token per name
    assert len(data.vocab) == 29


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_char_rnn_shapes_state_and_causality(cell):
    torch.manual_seed(0)
    model = charlm.CharRNN(len(VOCAB), hidden_size=8, embed_dim=4, cell=cell)
    x = torch.randint(0, len(VOCAB), (3, 6))
    logits = model(x)
    assert logits.shape == (3, 6, len(VOCAB))
    changed = x.clone()
    changed[:, 4] = (changed[:, 4] + 1) % len(VOCAB)
    assert torch.allclose(model(changed)[:, :4], logits[:, :4])  # the future does not leak into the past
    # feeding one step at a time with the state gives the same scores as the whole sequence
    state, steps = None, []
    for t in range(6):
        out, state = model(x[:, t : t + 1], state, return_state=True)
        steps.append(out)
    assert torch.allclose(torch.cat(steps, dim=1), logits, atol=1e-6)


def test_char_rnn_rejects_an_unknown_cell():
    with pytest.raises(ValueError, match="cell"):
        charlm.CharRNN(5, cell="transformer")


class Uniform(nn.Module):
    """Equal scores for every symbol: the NLL is log V per character."""

    def __init__(self, V):
        super().__init__()
        self.V = V
        self.dummy = nn.Parameter(torch.zeros(()))

    def forward(self, x):
        return torch.zeros(*x.shape, self.V) + self.dummy


def test_validation_nll_ignores_padding_and_batching(data):
    V = len(data.vocab)
    assert math.isclose(charlm.validation_nll(Uniform(V), data.x_val, data.y_val), math.log(V), rel_tol=1e-9)
    torch.manual_seed(0)
    model = charlm.CharRNN(V, hidden_size=16, embed_dim=8)
    x, y = data.x_val[:50], data.y_val[:50]
    nll = charlm.validation_nll(model, x, y, batch_size=7)
    with torch.no_grad():
        logits = model(x)
    mask = y != data.vocab.pad_id
    expected = -F.log_softmax(logits.double(), -1).gather(-1, y[..., None])[..., 0][mask].mean().item()
    assert math.isclose(nll, expected, rel_tol=1e-6)
    assert math.isclose(charlm.sequence_loss(logits, y).item(), expected, rel_tol=1e-5)
    pad = torch.zeros(50, 5, dtype=torch.long)  # extra padding columns change nothing
    assert math.isclose(charlm.validation_nll(model, torch.cat([x, pad], 1), torch.cat([y, pad], 1)), nll,
                        rel_tol=1e-6)
    assert model.training  # the mode is restored


def test_bigram_counts_and_nll_by_hand():
    counts = charlm.bigram_counts(["bob"], VOCAB)
    b, o, sos, eos = VOCAB.stoi["b"], VOCAB.stoi["o"], VOCAB.sos_id, VOCAB.eos_id
    assert counts.sum() == 4 and counts[sos, b] == counts[b, o] == counts[o, b] == counts[b, eos] == 1
    # without smoothing, a model trained on "bob" gives "bob" the probability 1 * 1 * 1/2 * 1/2
    nll = charlm.bigram_nll(["bob"], ["bob"], VOCAB, alpha=0.0)
    assert math.isclose(nll, -math.log(0.25) / 4)
    # add-one smoothing: 7 symbols can follow; "^e" was never seen after 1 "^b", "ev", "ve", "e$" never at all
    smoothed = charlm.bigram_nll(["bob"], ["eve"], VOCAB, alpha=1.0)
    assert len(VOCAB) - 2 == 7
    assert math.isclose(smoothed, (math.log(8) + 3 * math.log(7)) / 4, rel_tol=1e-12)


def test_bigram_beats_uniform_on_names(data):
    assert charlm.bigram_nll(data.train, data.val, data.vocab) < math.log(27) - 0.7


class Always(nn.Module):
    """Always predicts the symbol ``target`` with certainty."""

    def __init__(self, V, target):
        super().__init__()
        self.V, self.target = V, target
        self.dummy = nn.Parameter(torch.zeros(()))

    def forward(self, x):
        out = torch.full((*x.shape, self.V), -1e9)
        out[..., self.target] = 0.0
        return out + self.dummy


def test_sample_stops_at_the_end_token_and_at_max_len():
    a = VOCAB.stoi["a"]
    assert charlm.sample(Always(len(VOCAB), VOCAB.eos_id), VOCAB, n=3) == ["", "", ""]
    assert charlm.sample(Always(len(VOCAB), a), VOCAB, n=2, max_len=5) == ["aaaaa", "aaaaa"]
    assert charlm.sample(Always(len(VOCAB), a), VOCAB, n=1, temperature=0, max_len=3) == ["aaa"]


def test_sample_never_draws_padding_or_start_tokens():
    names = charlm.sample(Uniform(len(VOCAB)), VOCAB, n=50, max_len=8, generator=torch.Generator().manual_seed(0))
    assert len(names) == 50
    assert all(set(name) <= set("abenov") and len(name) <= 8 for name in names)


def test_sample_is_repeatable_and_greedy_is_deterministic(data):
    torch.manual_seed(0)
    model = charlm.CharRNN(len(data.vocab), hidden_size=16, embed_dim=8)

    def draw(seed, temperature):
        generator = torch.Generator().manual_seed(seed)
        return charlm.sample(model, data.vocab, n=20, temperature=temperature, generator=generator)

    assert draw(1, 1.0) == draw(1, 1.0)
    assert draw(1, 1.0) != draw(2, 1.0)
    greedy = draw(3, 0)
    assert len(set(greedy)) == 1 and greedy == draw(4, 0)


def test_a_few_training_steps_lower_the_loss(data):
    torch.manual_seed(0)
    model = charlm.CharRNN(len(data.vocab), hidden_size=16, embed_dim=8, cell="gru")
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    x, y = data.x_train[:128], data.y_train[:128]
    before = charlm.validation_nll(model, x, y)
    for _ in range(25):
        optimizer.zero_grad()
        charlm.sequence_loss(model(x), y).backward()
        optimizer.step()
    assert charlm.validation_nll(model, x, y) < before - 0.5
    np.testing.assert_allclose(before, math.log(len(data.vocab)), rtol=0.1)  # an untrained model is near uniform
