"""Calls into the framework as if from the code that called the patched function.

A framework's warning with ``stacklevel=2`` names the line that called the warning function: with
autologging on, a patched function is called from autolog's wrapper, so statsmodels'
``ConvergenceWarning`` (raised in ``LikelihoodModel.fit``, called by ``Logit.fit``, both patched)
would point at ``autolog/session.py``. ``call_as_from`` makes that call from a one-line trampoline
whose code carries the file, line, function name and module name of the frame that called the
wrapper: the warning names the framework's (or the user's) line, as it does without autologging,
and filters by module match as they would. One trampoline per calling line, cached (a code object
``replace``; no source is compiled per call): the hot path costs a frame lookup and a dict lookup.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Callable
from typing import Any

_SOURCE = "def _call(wrapped, args, kwargs): return wrapped(*args, **kwargs)"
_CODE: types.CodeType = next(
    c for c in compile(_SOURCE, "<autolog>", "exec").co_consts if isinstance(c, types.CodeType)
)
_MAX_TRAMPOLINES = 4096
_trampolines: dict[tuple[str, int, str, Any], Callable[..., Any]] = {}


def call_as_from(depth: int, wrapped: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
    """``wrapped(*args, **kwargs)``, called as from the frame ``depth`` levels above the caller of
    this function (1: the caller's caller)."""
    try:
        frame = sys._getframe(depth + 1)
    except ValueError:
        return wrapped(*args, **kwargs)
    code = frame.f_code
    module = frame.f_globals.get("__name__")
    key = (code.co_filename, frame.f_lineno or code.co_firstlineno, code.co_name, module)
    trampoline = _trampolines.get(key)
    if trampoline is None:
        if len(_trampolines) >= _MAX_TRAMPOLINES:
            _trampolines.clear()
        trampoline_code = _CODE.replace(co_filename=key[0], co_firstlineno=key[1], co_name=key[2])
        trampoline = types.FunctionType(trampoline_code, {"__name__": module})
        _trampolines[key] = trampoline
    return trampoline(wrapped, args, kwargs)
