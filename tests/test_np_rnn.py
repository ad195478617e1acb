"""The time layers of common/np_rnn.py against nn.RNN / nn.LSTM / nn.GRU / nn.Embedding in float64.

Forward values and BPTT gradients (inputs, initial states and every weight) over several
shapes, including a batch of 1, T = 1 and a hidden size of 1.
"""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from common import np_rnn as R
from common.gradcheck import compare_with_torch, rel_error

TOL = 1e-6
SHAPES = [(1, 1, 1, 1), (1, 1, 3, 4), (2, 5, 3, 4), (4, 7, 1, 6), (3, 4, 5, 2)]  # N, T, D, H
GATES = {"rnn": 1, "lstm": 4, "gru": 3}
TIME = {"rnn": R.TimeRNN, "lstm": R.TimeLSTM, "gru": R.TimeGRU}
CELL = {"rnn": R.RNN, "lstm": R.LSTM, "gru": R.GRU}
TORCH_TIME = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}
TORCH_CELL = {"rnn": nn.RNNCell, "lstm": nn.LSTMCell, "gru": nn.GRUCell}


def make_params(kind, D, H, seed=0):
    """NumPy parameters in the layer's order: Wx, Wh, b (GRU: Wx, Wh, bx, bh)."""
    rng = np.random.default_rng(seed)
    G = GATES[kind]
    params = [rng.standard_normal((D, G * H)) * 0.7, rng.standard_normal((H, G * H)) * 0.7]
    n_bias = 2 if kind == "gru" else 1
    return params + [rng.standard_normal(G * H) * 0.5 for _ in range(n_bias)]


def torch_copy(module, kind, params, suffix=""):
    """Copy NumPy parameters into a PyTorch RNN module (or cell); returns its tensors in our order."""
    Wx, Wh, *biases = params
    bias_ih, bias_hh = biases if kind == "gru" else (biases[0], np.zeros_like(biases[0]))
    names = [f"weight_ih{suffix}", f"weight_hh{suffix}", f"bias_ih{suffix}", f"bias_hh{suffix}"]
    with torch.no_grad():
        for name, value in zip(names, [Wx.T, Wh.T, bias_ih, bias_hh]):
            getattr(module, name).copy_(torch.tensor(value))
    weights = [getattr(module, n) for n in names]
    return weights if kind == "gru" else weights[:3]  # RNN/LSTM: dL/db = dL/d(bias_ih)


def assert_close(errors):
    assert max(errors.values()) < TOL, errors


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "N{}T{}D{}H{}".format(*s))
@pytest.mark.parametrize("kind", list(TIME))
@pytest.mark.parametrize("given_state", [False, True], ids=["zero-state", "given-state"])
def test_time_layer_matches_torch(kind, shape, given_state):
    N, T, D, H = shape
    rng = np.random.default_rng(1)
    params = make_params(kind, D, H)
    xs, dhs = rng.standard_normal((N, T, D)), rng.standard_normal((N, T, H))
    n_states = 2 if kind == "lstm" else 1
    state0 = [rng.standard_normal((N, H)) for _ in range(n_states)] if given_state else []

    layer = TIME[kind](*[p.copy() for p in params])
    hs = layer.forward(xs, *state0)
    dxs = layer.backward(dhs)

    module = TORCH_TIME[kind](D, H, batch_first=True, dtype=torch.float64)
    weights = torch_copy(module, kind, params, suffix="_l0")
    xs_t = torch.tensor(xs, requires_grad=True)
    state_t = [torch.tensor(s[None], requires_grad=True) for s in state0]
    if state_t:
        hs_t, final_t = module(xs_t, tuple(state_t) if kind == "lstm" else state_t[0])
    else:
        hs_t, final_t = module(xs_t)
    (hs_t * torch.tensor(dhs)).sum().backward()
    final_t = final_t if kind == "lstm" else (final_t,)

    errors = {"hs": rel_error(hs, hs_t.detach().numpy()), "dxs": rel_error(dxs, xs_t.grad.numpy())}
    for i, (s, s_t) in enumerate(zip(layer.state, final_t)):
        errors[f"final state {i}"] = rel_error(s, s_t[0].detach().numpy())
    for i, (g, w) in enumerate(zip(layer.grads, weights)):
        errors[f"param{i}"] = rel_error(g, w.grad.numpy().T if w.ndim == 2 else w.grad.numpy())
    for i, (d, s_t) in enumerate(zip(layer.dstate0, state_t)):
        errors[f"dstate0 {i}"] = rel_error(d, s_t.grad[0].numpy())
    assert_close(errors)


@pytest.mark.parametrize("shape", [(1, 1, 1), (2, 3, 4), (5, 4, 2)], ids=lambda s: "N{}D{}H{}".format(*s))
@pytest.mark.parametrize("kind", list(CELL))
def test_cell_matches_torch_cell(kind, shape):
    """One step, with upstream gradients into every output (h, and c for the LSTM)."""
    N, D, H = shape
    rng = np.random.default_rng(2)
    params = make_params(kind, D, H, seed=3)
    n_states = 2 if kind == "lstm" else 1
    x = rng.standard_normal((N, D))
    state = [rng.standard_normal((N, H)) for _ in range(n_states)]
    douts = [rng.standard_normal((N, H)) for _ in range(n_states)]

    cell = CELL[kind](*[p.copy() for p in params])
    out = cell.forward(x, *state)
    out = out if isinstance(out, tuple) else (out,)
    dx, *dstate = cell.backward(*douts)

    module = TORCH_CELL[kind](D, H, dtype=torch.float64)
    weights = torch_copy(module, kind, params)
    x_t = torch.tensor(x, requires_grad=True)
    state_t = [torch.tensor(s, requires_grad=True) for s in state]
    out_t = module(x_t, tuple(state_t) if kind == "lstm" else state_t[0])
    out_t = out_t if kind == "lstm" else (out_t,)
    sum((o * torch.tensor(d)).sum() for o, d in zip(out_t, douts)).backward()

    errors = {"dx": rel_error(dx, x_t.grad.numpy())}
    for i, (o, o_t) in enumerate(zip(out, out_t)):
        errors[f"out{i}"] = rel_error(o, o_t.detach().numpy())
    for i, (d, s_t) in enumerate(zip(dstate, state_t)):
        errors[f"dstate{i}"] = rel_error(d, s_t.grad.numpy())
    for i, (g, w) in enumerate(zip(cell.grads, weights)):
        errors[f"param{i}"] = rel_error(g, w.grad.numpy().T if w.ndim == 2 else w.grad.numpy())
    assert_close(errors)


@pytest.mark.parametrize("idx_shape", [(1, 1), (3, 5), (7,), (2, 3, 4)])
def test_embedding_matches_torch(idx_shape):
    rng = np.random.default_rng(4)
    V, D = 6, 3
    W = rng.standard_normal((V, D))
    idx = rng.integers(0, V, idx_shape)  # repeated ids: their gradients must add up
    dout = rng.standard_normal((*idx_shape, D))
    layer = R.Embedding(W.copy())
    out = layer.forward(idx)
    assert layer.backward(dout) is None

    module = nn.Embedding(V, D, dtype=torch.float64)
    with torch.no_grad():
        module.weight.copy_(torch.tensor(W))
    out_t = module(torch.tensor(idx))
    (out_t * torch.tensor(dout)).sum().backward()
    assert_close({"out": rel_error(out, out_t.detach().numpy()), "dW": rel_error(layer.grads[0], module.weight.grad)})


def test_embedding_backward_does_not_accumulate_across_calls():
    layer = R.Embedding(np.ones((4, 2)))
    idx = np.array([[1, 1, 3]])
    for _ in range(2):
        layer.forward(idx)
        layer.backward(np.ones((1, 3, 2)))
    assert np.array_equal(layer.grads[0], [[0, 0], [2, 2], [0, 0], [1, 1]])


@pytest.mark.parametrize("shape", [(1, 1, 1, 1), (2, 5, 3, 4), (4, 2, 6, 3)], ids=lambda s: "N{}T{}H{}V{}".format(*s))
def test_time_affine_matches_torch(shape):
    N, T, H, V = shape
    rng = np.random.default_rng(5)
    layer = R.TimeAffine(rng.standard_normal((H, V)), rng.standard_normal(V))
    assert_close(compare_with_torch(layer, lambda x, W, b: x @ W + b, rng.standard_normal((N, T, H))))


@pytest.mark.parametrize("shape", [(1, 1, 2), (3, 5, 4), (2, 7, 29)], ids=lambda s: "N{}T{}V{}".format(*s))
@pytest.mark.parametrize("ignore_index", [None, 0])
def test_time_softmax_ce_matches_torch(shape, ignore_index):
    N, T, V = shape
    rng = np.random.default_rng(6)
    ts = rng.integers(0, V, (N, T))
    ts[0, 0] = 1  # at least one counted target
    torch_ignore = -100 if ignore_index is None else ignore_index

    def reference(xs, ts):
        return F.cross_entropy(xs.reshape(-1, V), ts.reshape(-1), ignore_index=torch_ignore)

    layer = R.TimeSoftmaxCE(ignore_index=ignore_index)
    assert_close(compare_with_torch(layer, reference, rng.standard_normal((N, T, V)) * 3, ts))


def test_time_softmax_ce_with_every_target_ignored_is_zero():
    layer = R.TimeSoftmaxCE(ignore_index=0)
    assert layer.forward(np.ones((2, 3, 4)), np.zeros((2, 3), dtype=int)) == 0.0
    assert np.array_equal(layer.backward(), np.zeros((2, 3, 4)))


@pytest.mark.parametrize("max_norm", [0.1, 1.0, 1e3])
def test_clip_grads_matches_torch(max_norm):
    rng = np.random.default_rng(7)
    grads = [rng.standard_normal(s) for s in [(3, 4), (4,), (2, 2, 2)]]
    tensors = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for t, g in zip(tensors, grads):
        t.grad = torch.tensor(g)
    expected_norm = torch.nn.utils.clip_grad_norm_(tensors, max_norm).item()
    norm = R.clip_grads(grads, max_norm)
    assert abs(norm - expected_norm) < 1e-12 * expected_norm
    assert max(rel_error(g, t.grad.numpy()) for g, t in zip(grads, tensors)) < 1e-12


def test_language_model_chain_matches_numerical_gradient():
    """Embedding -> TimeLSTM -> TimeAffine -> TimeSoftmaxCE: BPTT equals central differences."""
    from common.gradcheck import numerical_gradient

    rng = np.random.default_rng(8)
    V, D, H, N, T = 5, 3, 4, 2, 4
    layers = [R.Embedding(rng.standard_normal((V, D))), R.TimeLSTM(*make_params("lstm", D, H)),
              R.TimeAffine(rng.standard_normal((H, V)), np.zeros(V))]
    loss_layer = R.TimeSoftmaxCE(ignore_index=0)
    xs, ts = rng.integers(0, V, (N, T)), rng.integers(0, V, (N, T))

    def loss():
        h = xs
        for layer in layers:
            h = layer.forward(h)
        return loss_layer.forward(h, ts)

    loss()
    d = loss_layer.backward()
    for layer in reversed(layers):
        d = layer.backward(d)
    for layer in layers:
        for p, g in zip(layer.params, layer.grads):
            assert rel_error(g.copy(), numerical_gradient(loss, p)) < TOL
