"""Seeds, devices, timers and the result lines the README table is built from."""
import random
import re

import numpy as np
import torch

from common.utils import get_device, report_result, seed_everything, timer


def test_seed_everything_repeats_all_generators():
    seed_everything(3)
    first = (random.random(), np.random.rand(), torch.rand(1).item())
    seed_everything(3)
    assert first == (random.random(), np.random.rand(), torch.rand(1).item())


def test_get_device_prefers_accelerators_and_can_be_forced(monkeypatch):
    monkeypatch.delenv("COURSE_DEVICE", raising=False)
    expected = "cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available() else "cpu"
    assert get_device().type == expected
    monkeypatch.setenv("COURSE_DEVICE", "cpu")
    assert get_device().type == "cpu"
    assert get_device("meta").type == "meta"


def test_timer_measures_elapsed_time():
    with timer() as t:
        sum(range(10_000))
    assert 0 < t.seconds < 5
    assert t.seconds == t.seconds  # stopped: no longer grows


def test_report_result_prints_a_parsable_line(capsys):
    report_result("test accuracy", 0.9734, "{:.1%}")
    out = capsys.readouterr().out
    assert re.fullmatch(r"\[result\] test accuracy: 97\.3%\n", out)
