"""Keeping autolog's own errors away from the user's training.

``report`` turns an error raised by autolog, a plugin or the store into one warning per
integration and error (nothing with ``silent=True``); ``AUTOLOG_TESTING=1`` re-raises it so our
own test suites fail loudly instead. Within one training call (``in_call``) an integration warns
once, when the call ends: a store that cannot be written fails the model save and the run end
alike, and a plugin whose every hook raises fails each of them; the one warning names the first
problem and, in short, the next ones (so a store's count of dropped items reaches the user).
Each problem is warned about once per process.
"""

from __future__ import annotations

import os
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar


def _logger():
    import logging  # only when something goes wrong

    return logging.getLogger("autolog")


_warned: set[tuple[str, ...]] = set()
_lock = threading.Lock()
# integration -> [(full message, what autolog was doing, the problem)] of the training call running here
_warned_in_call: ContextVar[dict[str, list[tuple[str, str, str]]] | None] = ContextVar(
    "autolog_warned_in_call", default=None
)
TESTING_ENV = "AUTOLOG_TESTING"


class AutologWarning(UserWarning):
    """An autologging problem that did not stop training."""


def testing_mode() -> bool:
    return os.environ.get(TESTING_ENV, "").lower() in ("1", "true", "yes")


def report(integration: str, exc: BaseException, while_doing: str, silent: bool = False) -> None:
    if testing_mode():
        raise exc
    _logger().debug("autolog %s failed while %s", integration, while_doing, exc_info=exc)
    if silent:
        return
    # Keyed without the message: messages name run ids, and one failing step should warn once.
    problem = f"{type(exc).__name__}: {exc}"
    _emit(
        integration,
        (integration, while_doing, type(exc).__name__),
        f"autolog: {integration} autologging failed while {while_doing} and was skipped "
        f"(training was not affected): {problem}",
        f"while {while_doing}",
        problem,
    )


def warn_once(integration: str, message: str, silent: bool = False) -> None:
    if silent:
        return
    _emit(integration, (integration, message), f"autolog: {message}", "", message)


NAMED_PER_PROBLEM = 3  # steps named for one error in the combined warning ("and N more" beyond)


def _emit(integration: str, key: tuple[str, ...], message: str, doing: str, problem: str) -> None:
    """Warn about a problem never warned about before; inside a training call, gather it into the
    integration's one warning for the call instead (``in_call``)."""
    with _lock:
        if key in _warned:
            return
        _warned.add(key)
    gathered = _warned_in_call.get()
    if gathered is None:
        _warn(message)
    else:
        gathered.setdefault(integration, []).append((message, doing, problem))


@contextmanager
def in_call() -> Iterator[None]:
    """Around one outermost training call: each integration's problems become one warning at its end."""
    token = _warned_in_call.set({})
    try:
        yield
    finally:
        gathered = _warned_in_call.get()
        _warned_in_call.reset(token)
        for problems in (gathered or {}).values():
            _warn(_combined(problems))


def _combined(problems: list[tuple[str, str, str]]) -> str:
    """The first problem's message, then the other steps that failed, grouped by error (a full disk
    fails every artifact alike; the store's error, with its counts, is named once)."""
    first_message, _doing, first_problem = problems[0]
    by_problem: dict[str, list[str]] = {}
    for _message, doing, problem in problems[1:]:
        by_problem.setdefault(problem, []).append(doing)
    message = first_message
    for problem, doings in by_problem.items():
        named = ", ".join(d for d in doings[:NAMED_PER_PROBLEM] if d)
        more = f" and {len(doings) - NAMED_PER_PROBLEM} more" if len(doings) > NAMED_PER_PROBLEM else ""
        what = "the same error" if problem == first_problem else problem
        message += f"; also {named}{more}: {what}" if named else f"; also: {what}"
    return message


def _warn(message: str) -> None:
    """Warn; where warnings are errors (``-W error``, pytest's filterwarnings), log instead: our own
    trouble must not become an exception in the user's training or import."""
    try:
        warnings.warn(message, AutologWarning, stacklevel=3)
    except Exception:
        _logger().warning(message)


def forget_warnings() -> None:
    with _lock:
        _warned.clear()
