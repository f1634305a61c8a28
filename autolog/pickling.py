"""Patched functions pickle as the originals do: by reference to where they live.

A ``wrapt`` proxy refuses to pickle (``object proxy must define __reduce__()``), so a user's
``pickle.dumps(make_scorer(mean_pinball_loss))`` would break once autologging is on. The
wrappers ``Patcher`` installs reduce to the original's address instead: ``getattr`` on the
object a bound method is bound to, or the function's ``__module__`` and ``__qualname__`` looked
up again at load time (through ``importlib.import_module``). The pickle refers only to the
standard library and the user's own modules, so it loads where autolog is not installed; where
autologging is on at load time, the lookup finds the patched attribute, as it would the original.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any


class _Module:
    """Pickles as ``importlib.import_module(name)`` (modules themselves cannot be pickled)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __reduce__(self):
        return importlib.import_module, (self.name,)


class _Attribute:
    """Pickles as ``getattr(owner, name)``."""

    def __init__(self, owner: Any, name: str) -> None:
        self.owner = owner
        self.name = name

    def __reduce__(self):
        return getattr, (self.owner, self.name)


def reduce_original(original: Any, protocol: int) -> Any:
    """What ``__reduce_ex__`` of a wrapper around ``original`` returns."""
    if inspect.ismethod(original):  # bound: pickled as the bound object's attribute, as Python does
        return getattr, (original.__self__, original.__name__)
    module = getattr(original, "__module__", None)
    qualname = getattr(original, "__qualname__", None)
    if not module or not qualname or "<locals>" in qualname:
        return original.__reduce_ex__(protocol)  # whatever the original does (raising as it would)
    *path, name = qualname.split(".")
    owner: Any = _Module(module)
    for part in path:
        owner = _Attribute(owner, part)
    return getattr, (owner, name)


def wrapper_classes():
    """(FunctionWrapper, BoundFunctionWrapper) subclasses that pickle by reference; built once, lazily
    (wrapt is imported on first patch)."""
    global _classes
    if _classes is None:
        import wrapt

        class BoundPatchedFunction(wrapt.BoundFunctionWrapper):
            def __reduce_ex__(self, protocol):
                return reduce_original(self.__wrapped__, protocol)

        class PatchedFunction(wrapt.FunctionWrapper):
            __bound_function_wrapper__ = BoundPatchedFunction

            def __reduce_ex__(self, protocol):
                return reduce_original(self.__wrapped__, protocol)

        _classes = (PatchedFunction, BoundPatchedFunction)
    return _classes


_classes: tuple[type, type] | None = None
