"""One PyTorch training loop for the whole course.

``fit`` does what Keras' ``model.fit`` does with the usual callbacks: a progress bar,
a history of losses and metrics, early stopping, saving (and restoring) the best
checkpoint and optional TensorBoard logging.
"""
from __future__ import annotations

import copy
import time
from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn

from .utils import progress as progress_bar


def accuracy(logits: torch.Tensor, y: torch.Tensor) -> float:
    """Share of rows whose largest logit is the label.  logits: (N, C), y: (N,).

    For a single logit per row (binary classification), positive means class 1.
    """
    if logits.ndim == 1 or logits.shape[-1] == 1:
        pred = (logits.reshape(y.shape) > 0).long()
    else:
        pred = logits.argmax(dim=-1)
    return (pred == y.long()).float().mean().item()


def _to(batch, device):
    return [t.to(device) for t in batch]


@torch.no_grad()
def evaluate(model: nn.Module, loader, loss_fn: Callable, device=None, metric: Callable | None = accuracy) -> dict:
    """Mean loss (and metric) of ``model`` over ``loader``, in eval mode.

    Each batch is ``(x, y)``; the loss and the metric are averaged weighting by batch size.
    Returns ``{"loss": ..., "metric": ...}`` (no ``"metric"`` when ``metric`` is None).
    """
    device = device or next(model.parameters()).device
    was_training = model.training
    model.eval()
    total, loss_sum, metric_sum = 0, 0.0, 0.0
    for x, y in map(lambda b: _to(b, device), loader):
        out = model(x)
        n = len(y)
        total += n
        loss_sum += loss_fn(out, y).item() * n
        if metric is not None:
            metric_sum += metric(out, y) * n
    model.train(was_training)
    result = {"loss": loss_sum / total}
    if metric is not None:
        result["metric"] = metric_sum / total
    return result


def fit(
    model: nn.Module,
    train_loader,
    optimizer: torch.optim.Optimizer,
    loss_fn: Callable,
    epochs: int,
    val_loader=None,
    device=None,
    metric: Callable | None = accuracy,
    patience: int | None = None,
    checkpoint: str | Path | None = None,
    restore_best: bool = True,
    log_dir: str | Path | None = None,
    grad_clip: float | None = None,
    scheduler=None,
    progress: bool = True,
) -> dict[str, list[float]]:
    """Train ``model`` for up to ``epochs`` epochs and return its history.

    Each batch is ``(x, y)``: ``loss_fn(model(x), y)`` is minimised with ``optimizer``.

    * ``val_loader``: evaluated after every epoch; the "best" epoch is the lowest
      validation loss (training loss without a validation set).
    * ``patience``: stop after this many epochs without improvement (early stopping).
    * ``checkpoint``: path where the best weights are saved with ``torch.save``.
    * ``restore_best``: load the best weights back into ``model`` at the end.
    * ``log_dir``: write scalars for TensorBoard there.
    * ``grad_clip``: clip the gradient norm to this value before each step.
    * ``scheduler``: a ``torch.optim.lr_scheduler`` stepped after every batch (e.g. ``OneCycleLR``).

    Returns ``{"loss": [...], "metric": [...], "val_loss": [...], "val_metric": [...],
    "seconds": [...], "best_epoch": [k]}`` (epochs counted from 1; keys without data omitted).
    """
    device = device or next(model.parameters()).device
    history: dict[str, list[float]] = {"loss": [], "seconds": []}
    if metric is not None:
        history["metric"] = []
    writer = None
    if log_dir is not None:
        from torch.utils.tensorboard import SummaryWriter

        writer = SummaryWriter(log_dir=str(log_dir))
    best_loss, best_state, best_epoch, waited = float("inf"), None, 0, 0
    bar = progress_bar(total=epochs, desc="epochs", disable=not progress)
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        model.train()
        total, loss_sum, metric_sum = 0, 0.0, 0.0
        for x, y in map(lambda b: _to(b, device), train_loader):
            optimizer.zero_grad()
            out = model(x)
            loss = loss_fn(out, y)
            loss.backward()
            if grad_clip is not None:
                nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
            n = len(y)
            total += n
            loss_sum += loss.item() * n
            if metric is not None:
                metric_sum += metric(out.detach(), y) * n
        epoch_logs = {"loss": loss_sum / total}
        if metric is not None:
            epoch_logs["metric"] = metric_sum / total
        if val_loader is not None:
            val = evaluate(model, val_loader, loss_fn, device, metric)
            epoch_logs.update({f"val_{k}": v for k, v in val.items()})
        for k, v in epoch_logs.items():
            history.setdefault(k, []).append(v)
        history["seconds"].append(time.perf_counter() - start)
        if writer is not None:
            for k, v in epoch_logs.items():
                writer.add_scalar(k, v, epoch)
        bar.set_postfix({k: f"{v:.3f}" for k, v in epoch_logs.items() if k != "metric"}, refresh=False)
        bar.update()

        monitored = epoch_logs.get("val_loss", epoch_logs["loss"])
        if monitored < best_loss:
            best_loss, best_epoch, waited = monitored, epoch, 0
            best_state = copy.deepcopy(model.state_dict())
            if checkpoint is not None:
                torch.save(best_state, checkpoint)
        else:
            waited += 1
            if patience is not None and waited >= patience:
                # early stopping: the bar ends finished, at the epochs actually run, and says why
                bar.set_description(f"epochs (stopped early, {epoch} of {epochs})", refresh=False)
                bar.total = epoch
                bar.refresh()
                break
    bar.close()
    if writer is not None:
        writer.close()
    if restore_best and best_state is not None:
        model.load_state_dict(best_state)
    history["best_epoch"] = [best_epoch]
    return history
