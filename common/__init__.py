"""Shared code for the course notebooks.

Each module holds one idea; import from the module you need, e.g.
``from common.utils import seed_everything, get_device``.
"""
