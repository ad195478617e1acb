"""common/models.py: the chapter-05 digit classifier has the right shapes and learns."""
import pytest
import torch
import torch.nn.functional as F

from common.data import load_mnist5k, make_loader
from common.models import MnistCNN, train_mnist_cnn
from common.train import evaluate, fit
from common.utils import seed_everything


@pytest.mark.parametrize("batch", [1, 7])
def test_output_shape(batch):
    model = MnistCNN().eval()
    assert model(torch.rand(batch, 1, 28, 28)).shape == (batch, 10)
    assert model.features(torch.rand(batch, 1, 28, 28)).shape == (batch, 32, 5, 5)


def test_short_training_on_a_subset_learns():
    seed_everything(0)
    X_train, y_train, X_test, y_test = load_mnist5k()
    train = make_loader(X_train[:800, None], y_train[:800], batch_size=32, seed=0)
    test = make_loader(X_test[:, None], y_test, batch_size=500, shuffle=False)
    model = MnistCNN()
    before = evaluate(model, test, F.cross_entropy)
    history = fit(model, train, torch.optim.Adam(model.parameters(), lr=2e-3), F.cross_entropy, 3, progress=False)
    after = evaluate(model, test, F.cross_entropy)
    assert history["loss"][-1] < history["loss"][0] / 2
    assert after["loss"] < before["loss"] / 3 and after["metric"] > 0.85, (before, after)


def test_train_mnist_cnn_one_epoch():
    model, history = train_mnist_cnn(epochs=1, seed=0, device="cpu", progress=False)
    assert not model.training
    assert "val_loss" not in history  # the test digits are not looked at during training
    _, _, X_test, y_test = load_mnist5k(seed=0)
    test = evaluate(model, make_loader(X_test[:, None], y_test, batch_size=500), F.cross_entropy, "cpu")
    assert test["metric"] > 0.9, test
