"""Reference solutions for the appendix's exercises (from Keras to PyTorch).

Each name and signature matches a stub in ``exercises.ipynb``; ``tests/test_exercises.py``
swaps the stubs for these and requires every check to pass.
"""
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from common.checkers.ch11 import TwoInTwoOut, two_task_data


def two_gradients(f, params):
    """Gradients of loss_a and of loss_b with respect to params, from one forward pass (a persistent tape)."""
    loss_a, loss_b = f()  # one forward pass records one graph
    grads_a = torch.autograd.grad(loss_a, params, retain_graph=True,  # keep the graph for the second call
                                  allow_unused=True, materialize_grads=True)  # zeros where loss_a ignores a tensor
    grads_b = torch.autograd.grad(loss_b, params, allow_unused=True, materialize_grads=True)
    return list(grads_a), list(grads_b)


def sequential_lstm_classifier(n_features, hidden, n_classes):
    """nn.LSTM -> the output of the last time step -> nn.Linear, as one nn.Sequential: (N, T, F) -> (N, n_classes)."""

    class LastTimeStep(nn.Module):
        """Turns nn.LSTM's (outputs, (h_n, c_n)) into one tensor, like Keras's LSTM without return_sequences."""

        def forward(self, lstm_result):
            outputs, _ = lstm_result  # outputs: (N, T, hidden) with batch_first=True
            return outputs[:, -1]  # (N, hidden)

    return nn.Sequential(nn.LSTM(n_features, hidden, batch_first=True), LastTimeStep(), nn.Linear(hidden, n_classes))


def choose_loss_weights():
    """Loss weights with which 100 SGD steps teach both outputs, found by a sweep on the validation data."""
    train, val = two_task_data(seed=0), two_task_data(seed=1)

    def validation_metrics(w_score, w_label, seed=0):
        torch.manual_seed(seed)
        model = TwoInTwoOut()
        optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
        numbers, category, score, label = train
        for _ in range(100):
            optimizer.zero_grad()
            score_pred, label_logits = model(numbers, category)
            loss = w_score * F.mse_loss(score_pred, score) + w_label * F.cross_entropy(label_logits, label)
            loss.backward()
            optimizer.step()
        numbers, category, score, label = val
        with torch.no_grad():
            score_pred, label_logits = model(numbers, category)
        return F.mse_loss(score_pred, score).item(), (label_logits.argmax(1) == label).float().mean().item()

    for w_score in (1.0, 0.3, 3.0):  # the score's weight first left at 1
        for w_label in (1.0, 3.0, 10.0, 30.0, 100.0, 300.0):  # a larger weight makes the label head learn faster
            runs = (validation_metrics(w_score, w_label, seed) for seed in (0, 1, 2))  # as the checker does
            if all(mse < 3.0 and acc >= 0.95 for mse, acc in runs):
                return {"score": w_score, "label": w_label}
    raise RuntimeError("no pair of weights in the sweep reached both targets")


KERAS_DEFAULTS = {  # keras.optimizers.<name>().get_config(), for the arguments that have a PyTorch counterpart
    "SGD": {"learning_rate": 0.01, "momentum": 0.0, "nesterov": False},
    "Adam": {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7},
    "RMSprop": {"learning_rate": 0.001, "rho": 0.9, "momentum": 0.0, "epsilon": 1e-7, "centered": False},
}


def keras_optimizer(params, name, config):
    """The torch.optim optimizer over params for Keras's optimizer `name` with the (partial) arguments `config`."""
    if name not in KERAS_DEFAULTS:
        raise ValueError(f"unknown optimizer {name!r}: choose one of {sorted(KERAS_DEFAULTS)}")
    c = {**KERAS_DEFAULTS[name], **config}  # Keras's defaults, not PyTorch's, for what config leaves out
    if name == "SGD":
        return torch.optim.SGD(params, lr=c["learning_rate"], momentum=c["momentum"], nesterov=c["nesterov"])
    if name == "Adam":
        return torch.optim.Adam(params, lr=c["learning_rate"], betas=(c["beta_1"], c["beta_2"]), eps=c["epsilon"])
    return torch.optim.RMSprop(params, lr=c["learning_rate"], alpha=c["rho"], momentum=c["momentum"],
                               eps=c["epsilon"], centered=c["centered"])


def predict_gru_params():
    """Keras 3's GRU keeps two biases per gate by default (reset_after=True), like nn.GRU: the counts are equal."""
    return "b"


def flatten_dense_to_torch(kernel, height, width, channels):
    """Keras Dense kernel after Flatten on (H, W, C) maps -> nn.Linear weight after nn.Flatten on (C, H, W) maps."""
    k = torch.as_tensor(np.asarray(kernel), dtype=torch.float32)  # (H*W*C, units), rows in (h, w, c) order
    k = k.reshape(height, width, channels, -1).permute(2, 0, 1, 3)  # rows now in (c, h, w) order
    return k.reshape(channels * height * width, -1).T.contiguous()  # nn.Linear stores (units, inputs)


def conv_transpose_same(x, weight, bias, stride):
    """Keras's Conv2DTranspose(padding="same") in PyTorch: (N, C_in, H, W) -> (N, C_out, stride H, stride W)."""
    full = F.conv_transpose2d(x, weight, bias, stride=stride)  # (H - 1) stride + k rows, no padding
    top, left = (weight.shape[-2] - stride) // 2, (weight.shape[-1] - stride) // 2  # Keras drops these first
    return full[..., top:top + stride * x.shape[-2], left:left + stride * x.shape[-1]]  # and the rest at the end
