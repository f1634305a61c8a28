"""Keeping autolog's own errors away from the user's training.

``report`` turns an error raised by autolog, a plugin or the store into one warning per
integration and error (nothing with ``silent=True``); ``AUTOLOG_TESTING=1`` re-raises it so our
own test suites fail loudly instead.
"""
from __future__ import annotations

import os
import threading
import warnings



def _logger():
    import logging  # only when something goes wrong

    return logging.getLogger("autolog")

_warned: set[tuple[str, str]] = set()
_lock = threading.Lock()
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
    key = (integration, while_doing, type(exc).__name__)
    with _lock:
        if key in _warned:
            return
        _warned.add(key)
    _warn(f"autolog: {integration} autologging failed while {while_doing} and was skipped "
          f"(training was not affected): {type(exc).__name__}: {exc}")


def warn_once(integration: str, message: str, silent: bool = False) -> None:
    if silent:
        return
    key = (integration, message)
    with _lock:
        if key in _warned:
            return
        _warned.add(key)
    _warn(f"autolog: {message}")


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
