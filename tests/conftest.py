"""Shared pytest set-up: a non-interactive matplotlib backend and paths to the course folders."""
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = ROOT / "chapters"
CHAPTER_DIRS = sorted(p for p in CHAPTERS.iterdir() if p.is_dir() and p.name[:2].isdigit())


def load_solutions(chapter_dir):
    """Import a chapter's solutions.py by path (chapter folders are not packages)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"solutions_{chapter_dir.name}", chapter_dir / "solutions.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
