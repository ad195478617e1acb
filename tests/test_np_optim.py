"""common.np_optim follows torch.optim step for step."""
import numpy as np
import pytest
import torch

from common import np_optim

CASES = [
    (np_optim.SGD(lr=0.1), lambda p: torch.optim.SGD(p, lr=0.1)),
    (np_optim.SGD(lr=0.05, weight_decay=0.01), lambda p: torch.optim.SGD(p, lr=0.05, weight_decay=0.01)),
    (np_optim.Momentum(lr=0.05, momentum=0.9), lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9)),
    (
        np_optim.Momentum(lr=0.05, momentum=0.5, weight_decay=0.1),
        lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.5, weight_decay=0.1),
    ),
    (np_optim.Adam(lr=0.01), lambda p: torch.optim.Adam(p, lr=0.01)),
    (
        np_optim.Adam(lr=0.02, beta1=0.5, beta2=0.99, eps=1e-6, weight_decay=0.01),
        lambda p: torch.optim.Adam(p, lr=0.02, betas=(0.5, 0.99), eps=1e-6, weight_decay=0.01),
    ),
]


IDS = ["sgd", "sgd-wd", "momentum", "momentum-wd", "adam", "adam-custom"]


@pytest.mark.parametrize("ours, make_theirs", CASES, ids=IDS)
def test_optimizer_matches_torch_for_20_steps(ours, make_theirs):
    rng = np.random.default_rng(1)
    params = [rng.standard_normal((3, 2)), rng.standard_normal(2)]
    torch_params = [torch.tensor(p, requires_grad=True) for p in params]
    theirs = make_theirs(torch_params)
    for _ in range(20):
        grads = [rng.standard_normal(p.shape) for p in params]
        ours.update(params, grads)
        for tp, g in zip(torch_params, grads):
            tp.grad = torch.tensor(g)
        theirs.step()
        for p, tp in zip(params, torch_params):
            np.testing.assert_allclose(p, tp.detach().numpy(), rtol=1e-10, atol=1e-12)
