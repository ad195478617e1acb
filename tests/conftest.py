"""Shared pytest set-up: a non-interactive matplotlib backend, paths to the course folders, and the
Korean checkers' fixture."""
import re
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = ROOT / "chapters"
CHAPTER_DIRS = sorted(p for p in CHAPTERS.iterdir() if p.is_dir() and p.name[:2].isdigit())
HANGUL = re.compile(r"[\uac00-\ud7a3]")


@pytest.fixture
def korean():
    """The checkers speak Korean (the Korean edition) for one test, and English again afterwards."""
    from common import checks

    checks.set_language("ko")
    try:
        yield checks
    finally:
        checks.set_language("en")


def load_solutions(chapter_dir):
    """Import a chapter's solutions.py by path (chapter folders are not packages)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"solutions_{chapter_dir.name}", chapter_dir / "solutions.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
