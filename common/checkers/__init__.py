"""Per-chapter exercise checkers: ``from common.checkers import ch01 as checks``.

Each module holds the reference answers and one ``check_<name>(fn)`` per exercise,
built on :mod:`common.checks`.
"""
