"""Patched functions pickle as the originals do: by reference to where they live.

A ``wrapt`` proxy refuses to pickle (``object proxy must define __reduce__()``), so a user's
``pickle.dumps(make_scorer(mean_pinball_loss))`` would break once autologging is on. The
wrappers ``Patcher`` installs reduce to the original's address instead: ``getattr`` on the
object a bound method is bound to, or the function's ``__module__`` and ``__qualname__`` looked
up again at load time (through ``importlib.import_module``). The pickle refers only to the
standard library and the user's own modules, so it loads where autolog is not installed; where
autologging is on at load time, the lookup finds the patched attribute, as it would the original.

They copy as the originals do, too (a ``wrapt`` proxy refuses ``copy.copy`` and ``copy.deepcopy``,
and ``sklearn.base.clone`` deep-copies a ``make_scorer(<patched metric>)``): a function is its own
copy, shallow or deep, and so is the patched function; a method bound to an object copies as that
object's attribute looked up again, on the same object (``copy``) or on its deep copy
(``deepcopy``), as Python copies a bound method.
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


def copy_wrapper(wrapper: Any, memo: dict | None = None) -> Any:
    """What ``__copy__`` (``memo`` None) or ``__deepcopy__`` of a patched function returns."""
    original = wrapper.__wrapped__
    if not inspect.ismethod(original):
        return wrapper  # a function (or a method looked up on its class) is its own copy
    owner = original.__self__
    if memo is not None:
        import copy

        owner = copy.deepcopy(owner, memo)
    return getattr(owner, original.__name__)


def wrapper_classes():
    """(FunctionWrapper, BoundFunctionWrapper) subclasses that pickle by reference; built once, lazily
    (wrapt is imported on first patch)."""
    global _classes
    if _classes is None:
        import wrapt

        class BoundPatchedFunction(wrapt.BoundFunctionWrapper):
            def __reduce_ex__(self, protocol):
                return reduce_original(self.__wrapped__, protocol)

            def __copy__(self):
                return copy_wrapper(self)

            def __deepcopy__(self, memo):
                return copy_wrapper(self, memo)

        class PatchedFunction(wrapt.FunctionWrapper):
            __bound_function_wrapper__ = BoundPatchedFunction

            def __reduce_ex__(self, protocol):
                return reduce_original(self.__wrapped__, protocol)

            def __copy__(self):
                return self  # what the class's __dict__ holds: a function, or a descriptor wrapping one

            def __deepcopy__(self, memo):
                return self

        _classes = (PatchedFunction, BoundPatchedFunction)
    return _classes


_classes: tuple[type, type] | None = None
