"""Plumbing every chapter needs: seeds, the device, timing and headline results."""
from __future__ import annotations

import os
import random
import sys
import time
from contextlib import contextmanager

import numpy as np
import torch


def seed_everything(seed: int = 0) -> None:
    """Seed Python's ``random``, NumPy's global generator and PyTorch (CPU and CUDA)."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device


def get_device(prefer: str | None = None) -> torch.device:
    """Return the best available device: CUDA, then Apple MPS, then the CPU.

    ``prefer`` (or the environment variable ``COURSE_DEVICE``) forces one, e.g. ``"cpu"``.
    """
    name = prefer or os.environ.get("COURSE_DEVICE")
    if name:
        return torch.device(name)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def progress(iterable=None, desc: str | None = None, total: int | None = None, **kwargs):
    """A text progress bar (tqdm) on standard output that leaves its finished line behind.

    Use it only around loops that take more than a few seconds, one bar per loop. Unlike a
    widget bar, it is plain text: a notebook saved after a run shows the finished bar
    ("100%| ... | 30/30") in every viewer (GitHub, nbviewer, the website), not "0%".
    """
    from tqdm.std import tqdm

    kwargs.setdefault("ncols", 100)
    kwargs.setdefault("mininterval", 0.5)
    return tqdm(iterable, desc=desc, total=total, file=sys.stdout, **kwargs)


class Timer:
    """Elapsed wall time in seconds; read ``.seconds`` during or after a ``with timer()`` block."""

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.end: float | None = None

    @property
    def seconds(self) -> float:
        return (self.end or time.perf_counter()) - self.start


@contextmanager
def timer():
    """Context manager that yields a :class:`Timer` and stops it on exit."""
    t = Timer()
    try:
        yield t
    finally:
        t.end = time.perf_counter()


def report_result(name: str, value, fmt: str = "{:.4g}") -> str:
    """Print a headline result as ``[result] name: value``, with ``value`` formatted by ``fmt``.

    ``tools/report.py`` collects these lines from the executed notebooks to build the
    chapter table in README.md, so every number there comes from a real run.
    """
    line = f"[result] {name}: {fmt.format(value)}"
    print(line)
    return line
