"""BatchNorm and Dropout from common/np_layers.py against PyTorch (float64)."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from common.gradcheck import compare_with_torch, rel_error
from common.np_layers import BatchNorm, Dropout

SHAPES = [(2, 1), (2, 3), (5, 1), (16, 7), (64, 32)]


def make_bn(d: int, seed: int = 0, **kwargs) -> BatchNorm:
    rng = np.random.default_rng(seed)
    return BatchNorm(rng.uniform(0.5, 1.5, d), rng.standard_normal(d), **kwargs)


def batch(shape, seed: int = 1) -> np.ndarray:
    """Inputs far from zero mean and unit variance, so the normalisation has work to do."""
    rng = np.random.default_rng(seed)
    return 3.0 * rng.standard_normal(shape) + rng.uniform(-2, 2, shape[1])


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("training", [True, False])
def test_batchnorm_forward_backward_match_torch(shape, training):
    """Output, dx, dgamma and dbeta; in eval mode with random running statistics."""
    rng = np.random.default_rng(2)
    bn = make_bn(shape[1])
    bn.running_mean, bn.running_var = rng.standard_normal(shape[1]), rng.uniform(0.5, 2.0, shape[1])
    bn.training = training
    rm, rv = (None, None) if training else (torch.tensor(bn.running_mean), torch.tensor(bn.running_var))

    def reference(x, gamma, beta):
        return F.batch_norm(x, rm, rv, gamma, beta, training=training, eps=1e-5)

    errors = compare_with_torch(bn, reference, batch(shape))
    assert max(errors.values()) < 1e-6, errors


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("momentum", [0.1, 0.5])
def test_batchnorm_running_stats_match_torch(shape, momentum):
    bn = make_bn(shape[1], momentum=momentum)
    ref = torch.nn.BatchNorm1d(shape[1], momentum=momentum, dtype=torch.float64)
    for step in range(4):
        x = batch(shape, seed=10 + step)
        bn.forward(x)
        ref(torch.tensor(x))
    assert rel_error(bn.running_mean, ref.running_mean.numpy()) < 1e-12
    assert rel_error(bn.running_var, ref.running_var.numpy()) < 1e-12  # unbiased variance, as torch
    bn.training = False
    ref.eval()
    x = batch(shape, seed=99)
    with torch.no_grad():
        ref.weight.copy_(torch.tensor(bn.params[0]))
        ref.bias.copy_(torch.tensor(bn.params[1]))
        expected = ref(torch.tensor(x)).numpy()
    assert rel_error(bn.forward(x), expected) < 1e-12


def test_batchnorm_needs_two_rows_in_training():
    with pytest.raises(ValueError, match="at least 2"):
        make_bn(3).forward(np.ones((1, 3)))


def test_dropout_preserves_expected_value_and_drops_share_p():
    x = np.full((400, 500), 2.0)
    out = Dropout(p=0.3, seed=0).forward(x)
    assert set(np.unique(out)) == {0.0, 2.0 / 0.7}
    assert abs((out == 0).mean() - 0.3) < 0.01  # 200k draws: the standard error is 0.001
    assert abs(out.mean() - 2.0) < 0.02


@pytest.mark.parametrize("p", [0.0, 0.5, 1.0])
def test_dropout_eval_is_identity(p):
    layer = Dropout(p)
    layer.training = False
    x = batch((8, 5))
    assert np.array_equal(layer.forward(x), x)
    dout = batch((8, 5), seed=3)
    assert np.array_equal(layer.backward(dout), dout)


@pytest.mark.parametrize("p", [0.0, 0.25, 0.9, 1.0])
def test_dropout_backward_applies_the_mask_like_autograd(p):
    layer = Dropout(p, seed=4)
    x = batch((32, 6))
    out = layer.forward(x)
    kept = (out != 0).astype(np.float64)
    assert np.allclose(out, x * kept / (1 - p) if p < 1 else 0.0)
    xt = torch.tensor(x, requires_grad=True)
    scale = 1 / (1 - p) if p < 1 else 0.0
    dout = batch((32, 6), seed=5)
    (xt * torch.tensor(kept) * scale * torch.tensor(dout)).sum().backward()
    assert rel_error(layer.backward(dout), xt.grad.numpy()) < 1e-12


def test_dropout_is_seeded_and_keeps_dtype():
    x = np.ones((10, 10), dtype=np.float32)
    a, b = Dropout(0.5, seed=7).forward(x), Dropout(0.5, seed=7).forward(x)
    assert np.array_equal(a, b) and a.dtype == np.float32
    with pytest.raises(ValueError):
        Dropout(1.5)
