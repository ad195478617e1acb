"""Plotting helpers: course style with a Hangul font, curves, decision boundaries, image grids."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np


def use_course_style() -> None:
    """Set the course's plot defaults and a font that has Hangul (NanumGothic).

    The font ships inside the ``koreanize-matplotlib`` package, so Korean labels such as
    "퍼셉트론" render offline on every operating system instead of as empty boxes.
    DejaVu Sans stays the first font (it has the minus sign and the math symbols that log-axis
    ticks need); matplotlib falls back to NanumGothic glyph by glyph for Hangul. Keep Hangul
    out of ``$...$`` math labels: math text uses the first font only.
    """
    try:
        import koreanize_matplotlib  # noqa: F401  (registers NanumGothic and selects it)
    except ImportError as err:
        raise ModuleNotFoundError(
            "Hangul labels need the 'koreanize-matplotlib' package: run `pip install -r requirements.txt`"
        ) from err
    plt.rcParams.update(
        {
            "figure.figsize": (6.4, 4.0),
            "figure.dpi": 80,
            "savefig.dpi": 80,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "font.family": ["DejaVu Sans", "NanumGothic"],
        }
    )


# Both languages in the figure: the Korean edition shows the English notebook's figures as they are.
HISTORY_LABELS = {
    "loss": "training loss (학습 손실)",
    "val_loss": "validation loss (검증 손실)",
    "metric": "training accuracy (학습 정확도)",
    "val_metric": "validation accuracy (검증 정확도)",
}


def plot_history(history: dict, keys=("loss", "val_loss"), ax=None, title: str | None = None, labels=None):
    """Draw the per-epoch curves ``history[k]`` for each key present; returns the axes.

    The legend names the quantity in both languages ("validation accuracy (검증 정확도)", not "val_metric");
    ``labels`` maps a key
    to another name, e.g. ``{"val_loss": "test loss"}`` when the evaluated split is not validation.
    """
    ax = ax or plt.subplots()[1]
    names = {**HISTORY_LABELS, **(labels or {})}
    for k in keys:
        if k in history:
            ax.plot(range(1, len(history[k]) + 1), history[k], marker="o", ms=3, label=names.get(k, k))
    ax.set_xlabel("epoch (에폭)")
    ax.legend()
    if title:
        ax.set_title(title)
    return ax


def plot_decision_boundary(predict, X: np.ndarray, y: np.ndarray, ax=None, resolution: int = 200, margin=0.3):
    """Shade the class ``predict`` gives each point of the plane and scatter ``X`` coloured by ``y``.

    ``predict`` maps an (M, 2) float array to M scores or labels; scores are thresholded at 0.5.
    """
    ax = ax or plt.subplots()[1]
    (x0, y0), (x1, y1) = X.min(axis=0) - margin, X.max(axis=0) + margin
    gx, gy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    grid = np.c_[gx.ravel(), gy.ravel()].astype(np.float32)
    z = np.asarray(predict(grid), dtype=np.float64).reshape(gx.shape)
    ax.contourf(gx, gy, z, levels=[-np.inf, 0.5, np.inf], colors=["#cfe2f3", "#f4cccc"], alpha=0.9)
    ax.contour(gx, gy, z, levels=[0.5], colors="k", linewidths=1)
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", edgecolors="k", s=25, linewidths=0.5)
    ax.set_aspect("equal")
    return ax


def image_grid(images: np.ndarray, ncols: int = 10, border: int = 1, fill: float = 1.0) -> np.ndarray:
    """Tile (N, H, W) images into one (rows*(H+b)+b, ncols*(W+b)+b) array with a ``border``-px frame.

    The frame (value ``fill``) keeps neighbouring small digits from merging into stripes; tiles
    after the last image are blank (the images' minimum).
    """
    images = np.asarray(images)
    if images.ndim == 4 and images.shape[1] == 1:
        images = images[:, 0]
    n, h, w = images.shape
    nrows = -(-n // ncols)
    out = np.full((nrows * (h + border) + border, ncols * (w + border) + border), fill, dtype=np.float32)
    blank = np.full((h, w), images.min() if n else 0.0)
    for i, img in enumerate(list(images) + [blank] * (nrows * ncols - n)):  # unused tiles stay blank
        r, c = divmod(i, ncols)
        top, left = border + r * (h + border), border + c * (w + border)
        out[top : top + h, left : left + w] = img
    return out


def show_images(images, labels=None, ncols: int = 10, ax=None, title: str | None = None):
    """Show (N, H, W) or (N, 1, H, W) grey images in a grid; ``labels`` (N,) go in each tile's top-left corner."""
    images = np.asarray(images)
    if images.ndim == 4:
        images = images[:, 0]
    n, h, w = images.shape
    nrows = -(-n // ncols)
    ax = ax or plt.subplots(figsize=(ncols * 0.6, nrows * 0.6 + 0.4))[1]
    ax.imshow(image_grid(images, ncols), cmap="gray_r", vmin=0, vmax=1)
    ax.set_axis_off()
    if labels is not None:
        for i, label in enumerate(labels):
            r, c = divmod(i, ncols)
            ax.text(1.5 + c * (w + 1), 1.5 + r * (h + 1), str(label), ha="left", va="top", fontsize=9, color="tab:red")
    if title:
        ax.set_title(title)
    return ax


def confusion_matrix(y_true, y_pred, n_classes: int) -> np.ndarray:
    """Counts (n_classes, n_classes): row = true class, column = predicted class."""
    m = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(m, (np.asarray(y_true), np.asarray(y_pred)), 1)
    return m


def plot_confusion_matrix(matrix: np.ndarray, class_names=None, ax=None, title: str = "confusion matrix (혼동 행렬)"):
    """Heat map of a confusion matrix with the count written in every cell."""
    ax = ax or plt.subplots(figsize=(5, 4.5))[1]
    ax.imshow(matrix, cmap="Blues")
    names = class_names if class_names is not None else range(len(matrix))
    ax.set_xticks(range(len(matrix)), names)
    ax.set_yticks(range(len(matrix)), names)
    ax.set_xlabel("predicted (예측)")
    ax.set_ylabel("true (정답)")
    ax.grid(False)
    for (i, j), v in np.ndenumerate(matrix):
        ax.text(j, i, str(v), ha="center", va="center", fontsize=8, color="white" if v > matrix.max() / 2 else "black")
    ax.set_title(title)
    return ax
