"""Shared pytest set-up: a non-interactive matplotlib backend and paths to the course folders."""
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = ROOT / "chapters"
CHAPTER_DIRS = sorted(p for p in CHAPTERS.iterdir() if p.is_dir() and p.name[:2].isdigit())
