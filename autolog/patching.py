"""Safe, reversible monkey-patching on wrapt, one ``Patcher`` per integration.

``wrap`` installs a ``wrapt.FunctionWrapper`` (signature and docstring preserved) and remembers
how to undo it: put back a class's own attribute, or ``delattr`` where the method was inherited.
Patching the same attribute twice is a no-op; ``unpatch_all`` restores the exact originals.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Callable

_MISSING = object()
MARKER = "_self_autolog_integration"  # wrapt keeps _self_* on the proxy, not the wrapped function


@dataclass
class _Patch:
    owner: Any
    attribute: str
    original: Any      # the raw object that was in owner.__dict__, or _MISSING if inherited
    wrapper: Any


def _raw_attribute(owner: Any, attribute: str) -> tuple[Any, Any]:
    """(value in owner's own __dict__ or _MISSING, the raw descriptor found along the MRO)."""
    own = owner.__dict__.get(attribute, _MISSING) if hasattr(owner, "__dict__") else _MISSING
    if own is not _MISSING:
        return own, own
    if isinstance(owner, type):
        for klass in owner.__mro__[1:]:
            if attribute in klass.__dict__:
                return _MISSING, klass.__dict__[attribute]
    return _MISSING, getattr(owner, attribute)


class Patcher:
    def __init__(self, integration: str, training_wrapper: Callable[..., Any] | None = None):
        self.integration = integration
        self._training_wrapper = training_wrapper
        self._patches: dict[tuple[int, str], _Patch] = {}
        self._lock = threading.RLock()

    def is_patched(self, owner: Any, attribute: str) -> bool:
        return (id(owner), attribute) in self._patches

    def wrap(self, owner: Any, attribute: str, wrapper: Callable[[Any, Any, tuple, dict], Any]) -> bool:
        """Wrap ``owner.attribute`` with ``wrapper(wrapped, instance, args, kwargs)``; False if already done."""
        with self._lock:
            key = (id(owner), attribute)
            if key in self._patches:
                return False
            import wrapt  # imported on first use: it pulls in asyncio

            own, raw = _raw_attribute(owner, attribute)
            if getattr(raw, MARKER, None) == self.integration and own is not _MISSING:
                return False
            function_wrapper = wrapt.FunctionWrapper(raw, wrapper)
            setattr(function_wrapper, MARKER, self.integration)
            setattr(owner, attribute, function_wrapper)
            self._patches[key] = _Patch(owner, attribute, own, function_wrapper)
            return True

    def wrap_training(self, owner: Any, attribute: str) -> bool:
        """Wrap a training entry point (``fit``, ``train``...) with the core's autologging session."""
        if self._training_wrapper is None:
            raise RuntimeError("this patcher has no training wrapper")
        return self.wrap(owner, attribute, self._training_wrapper)

    def unpatch_all(self) -> None:
        with self._lock:
            for patch in reversed(list(self._patches.values())):
                current = patch.owner.__dict__.get(patch.attribute, _MISSING)
                if current is not patch.wrapper:
                    continue  # someone patched over us; leave their attribute alone
                if patch.original is _MISSING:
                    delattr(patch.owner, patch.attribute)
                else:
                    setattr(patch.owner, patch.attribute, patch.original)
            self._patches.clear()

    def __len__(self) -> int:
        return len(self._patches)
