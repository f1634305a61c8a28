"""Work a training process finishes off its training thread, which ``flush()`` waits for.

A plugin that builds an artifact elsewhere (autolog-statsmodels writes ``model_summary.txt`` in a
worker process once a process fits many models) registers a waiter here. ``flush()`` calls every
waiter before it writes the batch, so after ``autolog.flush()`` every artifact of the runs so far
is in place, wherever it was built. A waiter must not raise: it finishes or gives up itself.
"""

from __future__ import annotations

from collections.abc import Callable

_waiters: list[Callable[[], None]] = []


def register(waiter: Callable[[], None]) -> None:
    """Call ``waiter()`` at every ``flush()`` (registering the same waiter twice is a no-op)."""
    if waiter not in _waiters:
        _waiters.append(waiter)


def wait_all() -> None:
    for waiter in list(_waiters):
        waiter()
