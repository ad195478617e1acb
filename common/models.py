"""The chapter-05 digit classifier, shared so later chapters can use it (chapter 10 scores generated digits).

``MnistCNN`` is a LeNet-style convolutional network (LeCun et al., 1998) with batch
normalisation; ``train_mnist_cnn`` trains it on MNIST 5k with the recipe of chapter 05
(98.4-98.5% test accuracy on the 1,000 held-out digits at seeds 0-2). ``chapters/05_cnn`` builds the
same network step by step and asserts that both agree.
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from common.data import load_mnist5k, make_loader
from common.train import fit
from common.utils import get_device, seed_everything


class MnistCNN(nn.Module):
    """(N, 1, 28, 28) images in [0, 1] -> (N, 10) logits.

    conv 5x5 'same' -> BN -> ReLU -> max-pool 2   (N, c1, 14, 14)
    conv 5x5 valid  -> BN -> ReLU -> max-pool 2   (N, c2, 5, 5)
    flatten -> linear (hidden) -> ReLU -> dropout -> linear (10)
    The convolutions have no bias: the batch norm that follows adds its own shift (beta).
    """

    def __init__(self, channels: tuple[int, int] = (16, 32), hidden: int = 128, dropout: float = 0.25) -> None:
        super().__init__()
        c1, c2 = channels
        self.features = nn.Sequential(
            nn.Conv2d(1, c1, kernel_size=5, padding=2, bias=False),
            nn.BatchNorm2d(c1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(c1, c2, kernel_size=5, bias=False),
            nn.BatchNorm2d(c2),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(c2 * 5 * 5, hidden),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(hidden, 10),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


def train_mnist_cnn(epochs: int = 10, seed: int = 0, device=None, progress: bool = True, lr: float = 3e-3):
    """Train an :class:`MnistCNN` on the 4,000 MNIST 5k training digits; return ``(model, history)``.

    Adam with a one-cycle learning-rate schedule (warm up to ``lr``, then anneal), batch 32,
    cross-entropy, a fixed number of epochs: nothing is selected during training, so no
    validation set is needed and the 1,000 test digits are never seen. Score them once
    yourself (``common.train.evaluate``). ``history`` holds the training loss and accuracy.
    The model comes back in eval mode with its last weights.
    """
    device = device or get_device()
    seed_everything(seed)
    X_train, y_train, _, _ = load_mnist5k(seed=0)
    train_loader = make_loader(X_train[:, None], y_train, batch_size=32, shuffle=True, seed=seed)
    model = MnistCNN().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=epochs * len(train_loader))
    history = fit(model, train_loader, optimizer, F.cross_entropy, epochs,
                  device=device, restore_best=False, scheduler=schedule, progress=progress)
    return model.eval(), history
