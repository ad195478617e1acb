"""Plot helpers: Hangul renders with a real font, grids have borders, matrices count right."""
import warnings

import matplotlib.pyplot as plt
import numpy as np

from common import plots


def test_hangul_labels_render_without_missing_glyphs(caplog):
    plots.use_course_style()
    fig, ax = plt.subplots()
    ax.set_title("퍼셉트론과 활성화 함수")
    ax.semilogy([-1, 0, 1], [1e-3, 1, 1e3], label="경사 하강법")  # log ticks use math text and minus signs
    ax.legend()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)"
        fig.canvas.draw()
    assert not [r for r in caplog.records if "glyph" in r.getMessage()]  # math text logs missing glyphs
    assert "NanumGothic" in plt.rcParams["font.family"]
    plt.close(fig)


def test_image_grid_has_a_border_between_tiles():
    grid = plots.image_grid(np.zeros((5, 1, 4, 3)), ncols=3, border=1, fill=1.0)
    assert grid.shape == (2 * 5 + 1, 3 * 4 + 1)
    assert (grid[:, 0] == 1).all() and (grid[5, :] == 1).all()  # frame and the line between rows
    assert (grid[1:5, 1:4] == 0).all()
    assert (grid[6:10, 9:12] == 0).all()  # the sixth tile has no image: blank, not the frame colour


def test_confusion_matrix_counts_pairs():
    m = plots.confusion_matrix([0, 1, 2, 2, 1], [0, 2, 2, 2, 1], 3)
    assert m.tolist() == [[1, 0, 0], [0, 1, 1], [0, 0, 2]]


def test_figure_helpers_draw():
    X = np.random.default_rng(0).standard_normal((30, 2)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int)
    fig, axes = plt.subplots(1, 4)
    plots.plot_decision_boundary(lambda g: g[:, 0] > 0, X, y, ax=axes[0], resolution=20)
    plots.plot_history({"loss": [3, 2, 1], "val_loss": [3, 2.5, 2]}, ax=axes[1])
    plots.show_images(np.random.rand(4, 28, 28), labels=[1, 2, 3, 4], ncols=2, ax=axes[2])
    plots.plot_confusion_matrix(np.eye(3, dtype=int), ax=axes[3])
    assert len(axes[1].get_lines()) == 2 and [t.get_text() for t in axes[2].texts] == ["1", "2", "3", "4"]
    plt.close(fig)
