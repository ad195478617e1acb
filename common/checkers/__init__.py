"""Per-chapter exercises: ``from common.checkers import ch01 as checks``.

Each module declares its chapter's exercises on the engine of :mod:`common.checks`: in a notebook,
``checks.<name>.check(fn)`` checks a function, ``checks.<name>.hint()`` gives the next hint and
``checks.<name>.solution()`` the answer after a warning. The reference answers are the chapter's
``solutions.py``.
"""
