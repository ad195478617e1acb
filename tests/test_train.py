"""The shared training loop: learning, early stopping, best checkpoint, TensorBoard logs."""
import numpy as np
import pytest
import torch
from torch import nn

from common.data import make_loader, make_toy_2d
from common.train import accuracy, evaluate, fit
from common.utils import seed_everything


def _setup(flip_val_labels=False):
    seed_everything(0)
    X, y = make_toy_2d("blobs", n=256, noise=0.0, seed=0)
    y_val = 1 - y if flip_val_labels else y
    model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 2))
    return model, make_loader(X, y, batch_size=32), make_loader(X, y_val, batch_size=64, shuffle=False)


def test_accuracy_for_multiclass_and_single_logit():
    y = torch.tensor([0, 1, 1, 0])
    assert accuracy(torch.tensor([[2.0, 1.0], [0.0, 3.0], [1.0, 0.0], [5.0, 1.0]]), y) == 0.75
    assert accuracy(torch.tensor([-1.0, 2.0, 0.5, 3.0]), y) == 0.75
    assert accuracy(torch.tensor([[-1.0], [2.0], [0.5], [3.0]]), y) == 0.75


def test_fit_learns_and_records_history():
    model, train, val = _setup()
    before = evaluate(model, val, nn.functional.cross_entropy)
    history = fit(model, train, torch.optim.Adam(model.parameters(), 0.05), nn.functional.cross_entropy,
                  epochs=5, val_loader=val, progress=False)
    after = evaluate(model, val, nn.functional.cross_entropy)
    assert {"loss", "metric", "val_loss", "val_metric", "seconds", "best_epoch"} <= history.keys()
    assert len(history["loss"]) == 5 and history["loss"][-1] < history["loss"][0]
    assert after["loss"] < before["loss"] and after["metric"] > 0.9


def test_early_stopping_restores_and_saves_the_best_epoch(tmp_path):
    model, train, val = _setup(flip_val_labels=True)  # learning the train set makes val loss worse
    path = tmp_path / "best.pt"
    history = fit(model, train, torch.optim.Adam(model.parameters(), 0.05), nn.functional.cross_entropy,
                  epochs=50, val_loader=val, patience=3, checkpoint=path, progress=False)
    best = history["best_epoch"][0]
    assert len(history["val_loss"]) == best + 3 < 50
    assert history["val_loss"][best - 1] == min(history["val_loss"])
    restored = evaluate(model, val, nn.functional.cross_entropy)["loss"]
    assert restored == pytest.approx(history["val_loss"][best - 1], rel=1e-6)
    saved = torch.load(path)
    for k, v in model.state_dict().items():
        assert torch.equal(saved[k], v)


def test_fit_writes_tensorboard_scalars(tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    model, train, val = _setup()
    fit(model, train, torch.optim.SGD(model.parameters(), 0.1), nn.functional.cross_entropy,
        epochs=3, val_loader=val, log_dir=tmp_path, progress=False, grad_clip=1.0)
    events = EventAccumulator(str(tmp_path))
    events.Reload()
    assert {"loss", "metric", "val_loss", "val_metric"} <= set(events.Tags()["scalars"])
    assert [e.step for e in events.Scalars("val_loss")] == [1, 2, 3]
    assert np.isfinite([e.value for e in events.Scalars("loss")]).all()


def test_scheduler_is_stepped_after_every_batch():
    model, train, _ = _setup()
    optimizer = torch.optim.SGD(model.parameters(), lr=1.0)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    fit(model, train, optimizer, nn.functional.cross_entropy, epochs=2, scheduler=scheduler, progress=False)
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.5 ** (2 * len(train)))
