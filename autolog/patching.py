"""Safe, reversible monkey-patching on wrapt, one ``Patcher`` per integration.

``wrap`` installs a ``wrapt.FunctionWrapper`` (signature and docstring preserved) and remembers
how to undo it: put back a class's own attribute, or ``delattr`` where the method was inherited.
Patching the same attribute twice is a no-op; ``unpatch_all`` restores the exact originals.
The wrappers pickle by reference, as the originals do (``autolog.pickling``).

``rebind_imports(module, names)`` makes a patched module-level function independent of the import
order: a user module that ran ``from sklearn.metrics import accuracy_score`` before ``autolog()``
holds the original function, which no patch of ``sklearn.metrics`` reaches. The references to
the originals in *user* modules' globals (``__main__`` and modules outside the standard library
and site-packages, not autolog's or the framework's own) are pointed at the wrappers, and
``unpatch_all`` points every user module's reference to a wrapper back at the original, also those
imported while autologging was on. Libraries' own references are left alone: what a library
does inside is not the user's post-training call.
"""

from __future__ import annotations

import sys
import threading
import weakref
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any, NamedTuple

_MISSING = object()
MARKER = "_self_autolog_integration"  # wrapt keeps _self_* on the proxy, not the wrapped function


class _Patch(NamedTuple):
    # Nothing here holds the owner strongly (weak references, an id): a class the user creates
    # and drops must not be kept alive by autolog (its methods' closures refer to the class).
    owner_ref: Callable[[], Any]
    attribute: str
    original_ref: Callable[[], Any] | None  # the raw object that was in owner.__dict__; None if inherited
    wrapper_id: int


def _reference(value: Any, on_death: Callable[[Any], object] | None = None) -> Callable[[], Any]:
    try:
        return weakref.ref(value, on_death)
    except TypeError:
        return lambda: value


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


_NOT_USER_CODE = ("autolog", "tracking_core", "wrapt", "pluggy")
_library_dirs: tuple[str, ...] | None = None


def _library_prefixes() -> tuple[str, ...]:
    global _library_dirs
    if _library_dirs is None:
        import sysconfig

        paths = sysconfig.get_paths()
        found = {paths[key] for key in ("stdlib", "platstdlib", "purelib", "platlib") if paths.get(key)}
        found |= {p for p in sys.path if p.rstrip("/").endswith(("site-packages", "dist-packages"))}
        _library_dirs = tuple(sorted(found))
    return _library_dirs


# Modules found to be no user's (a library's file, or none), by name -> id of the module object:
# every patched module asks for the user modules (sklearn: eight times at ``autolog()``), and
# classifying 1,700 modules again each time cost about 0.7 ms a call.
_not_user: dict[str, int] = {}


def user_modules(skip_packages: tuple[str, ...] = ()) -> Iterator[ModuleType]:
    """``__main__`` and the imported modules whose file is the user's (not a library's, not autolog's)."""
    libraries = _library_prefixes()
    skipped = _NOT_USER_CODE + tuple(skip_packages)
    not_user = _not_user
    for name, module in list(sys.modules.items()):
        if not_user.get(name) == id(module) or not isinstance(module, ModuleType):
            continue
        if name != "__main__":
            file = getattr(module, "__file__", None)
            if not file or file.startswith(libraries):
                not_user[name] = id(module)
                continue
            if name.split(".", 1)[0].startswith(skipped):
                continue
        yield module


class Patcher:
    def __init__(self, integration: str, training_wrapper: Callable[..., Any] | None = None):
        self.integration = integration
        self._training_wrapper = training_wrapper
        self._patches: dict[tuple[int, str], _Patch] = {}
        self._rebound: dict[int, Any] = {}  # id(wrapper) -> the original it wraps (for unpatch_all)
        self._lock = threading.RLock()

    def is_patched(self, owner: Any, attribute: str) -> bool:
        return (id(owner), attribute) in self._patches

    def wrap(self, owner: Any, attribute: str, wrapper: Callable[[Any, Any, tuple, dict], Any]) -> bool:
        """Wrap ``owner.attribute`` with ``wrapper(wrapped, instance, args, kwargs)``; False if already done."""
        with self._lock:
            key = (id(owner), attribute)
            if key in self._patches:
                return False
            from .pickling import wrapper_classes  # wrapt is imported on first use: it pulls in asyncio

            own, raw = _raw_attribute(owner, attribute)
            if getattr(raw, MARKER, None) == self.integration and own is not _MISSING:
                return False
            function_wrapper = wrapper_classes()[0](raw, wrapper)
            setattr(function_wrapper, MARKER, self.integration)
            setattr(owner, attribute, function_wrapper)
            self._patches[key] = _Patch(
                _reference(owner, lambda _ref: self._patches.pop(key, None)),
                attribute,
                None if own is _MISSING else _reference(own),
                id(function_wrapper),
            )
            return True

    def wrap_training(self, owner: Any, attribute: str) -> bool:
        """Wrap a training entry point (``fit``, ``train``...) with the core's autologging session."""
        if self._training_wrapper is None:
            raise RuntimeError("this patcher has no training wrapper")
        return self.wrap(owner, attribute, self._training_wrapper)

    def rebind_imports(self, module: ModuleType, names: tuple[str, ...] | list[str]) -> int:
        """Point user modules' references to the originals of ``module.<name>`` (patched already with
        ``wrap``) at the wrappers; returns how many references were rebound."""
        with self._lock:
            wrappers: dict[int, Any] = {}
            for name in names:
                wrapper = module.__dict__.get(name)
                original = getattr(wrapper, "__wrapped__", None)
                if original is not None and getattr(wrapper, MARKER, None) == self.integration:
                    wrappers[id(original)] = wrapper
                    self._rebound[id(wrapper)] = original
            if not wrappers:
                return 0
            top = module.__name__.split(".", 1)[0]
            count = 0
            for user_module in user_modules((top,)):
                namespace = user_module.__dict__
                for key, value in list(namespace.items()):
                    wrapper = wrappers.get(id(value))
                    if wrapper is not None and wrapper.__wrapped__ is value:
                        namespace[key] = wrapper
                        count += 1
            return count

    def _unbind_imports(self) -> None:
        if not self._rebound:
            return
        for user_module in user_modules():
            namespace = user_module.__dict__
            for key, value in list(namespace.items()):
                original = self._rebound.get(id(value))
                if original is not None and getattr(value, "__wrapped__", None) is original:
                    namespace[key] = original
        self._rebound.clear()

    def unpatch_all(self) -> None:
        with self._lock:
            self._unbind_imports()
            for patch in reversed(list(self._patches.values())):
                owner = patch.owner_ref()
                if owner is None:
                    continue
                current = owner.__dict__.get(patch.attribute, _MISSING)
                if id(current) != patch.wrapper_id:
                    continue  # someone patched over us; leave their attribute alone
                if patch.original_ref is None:
                    delattr(owner, patch.attribute)
                else:  # alive: our wrapper, still in place, holds it
                    setattr(owner, patch.attribute, patch.original_ref())
            self._patches.clear()

    def __len__(self) -> int:
        return len(self._patches)
