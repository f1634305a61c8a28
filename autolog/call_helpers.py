"""What every plugin used to rewrite about a training call: its arguments, callbacks, errors, run.

``CallHelpers`` is mixed into ``TrainingCall``:

- ``call.arguments``: the call's arguments bound against the signature of the callable as the
  framework accepts it (``Model.fit(x, y, epochs=3)`` and ``Model.fit(x=x, y=y, epochs=3)`` alike),
  defaults included, extra ``**kwargs`` flattened in; ``call.argument(name, default)`` reads one.
- ``call.replace_argument(name, value)``: pass another value for that argument, wherever the user
  put it (positionally or by name); ``call.user_argument(name)`` is still what the user passed.
- ``call.add_callback(callback, argument="callbacks")``: pass a *copy* of the user's list with
  ``callback`` appended (the user's list is never changed).
- ``with call.guarded("logging the summary"):``: an error inside becomes the integration's one
  AutologWarning (``autolog.safety.report``), never an error of the training.
- ``call.log_params``/``set_tags``/``log_text``/``log_bytes``: into the call's own run by id, also
  from a thread the framework started (the fluent API logs into the *active* run of its context).
"""

from __future__ import annotations

import threading
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from . import safety

if TYPE_CHECKING:
    import inspect  # imported at the first training call: ``import autolog`` stays light

_ARGUMENTS = "autolog.arguments"
_USER_VALUES = "autolog.user_arguments"
_NOTHING = object()
_signatures: dict[Any, inspect.Signature | None] = {}
_signatures_lock = threading.Lock()
_MAX_SIGNATURES = 2048


def signature_of(function: Callable[..., Any] | None) -> inspect.Signature | None:
    """The signature of ``function`` (a bound method: without ``self``), cached per function."""
    if function is None:
        return None
    key = (getattr(function, "__func__", function), isinstance(function, types.MethodType))
    found = _signatures.get(key, _NOTHING)
    if found is _NOTHING:
        import inspect

        try:
            found = inspect.signature(function)
        except (TypeError, ValueError):  # a builtin without a signature
            found = None
        with _signatures_lock:
            if len(_signatures) >= _MAX_SIGNATURES:
                _signatures.clear()
            _signatures[key] = found
    return found  # type: ignore[return-value]


class CallHelpers:
    """Mixed into ``TrainingCall``; uses its ``function``, ``args``, ``kwargs``, ``state``, ``run_id``..."""

    integration: str
    args: tuple
    kwargs: dict
    config: Any
    run_id: str
    state: dict
    tracker: Any
    function: Callable[..., Any] | None = None  # what the framework's caller called (bound method or function)

    # -- arguments ------------------------------------------------------------------------------
    @property
    def arguments(self) -> dict[str, Any]:
        """Every argument of the call by name, given or defaulted (a copy: change them with ``replace_argument``)."""
        found = self.state.get(_ARGUMENTS)
        if found is None:
            found = self.state[_ARGUMENTS] = self._bind()
        return dict(found)

    def argument(self, name: str, default: Any = None) -> Any:
        found = self.state.get(_ARGUMENTS)
        if found is None:
            found = self.state[_ARGUMENTS] = self._bind()
        return found.get(name, default)

    def _bind(self) -> dict[str, Any]:
        signature = signature_of(self.function)
        if signature is None:
            return dict(self.kwargs)
        try:
            bound = signature.bind(*self.args, **self.kwargs)
        except TypeError:  # the framework will say what is wrong; we read what we can
            try:
                bound = signature.bind_partial(*self.args, **self.kwargs)
            except TypeError:
                return dict(self.kwargs)
        bound.apply_defaults()
        found: dict[str, Any] = {}
        for name, value in bound.arguments.items():
            kind = signature.parameters[name].kind
            if kind is kind.VAR_KEYWORD:
                for key, extra in value.items():
                    found.setdefault(key, extra)
            else:
                found[name] = value
        return found

    def user_argument(self, name: str, default: Any = None) -> Any:
        """What the user passed for ``name`` (or its default), also after ``replace_argument``."""
        replaced = self.state.get(_USER_VALUES, {})
        return replaced[name] if name in replaced else self.argument(name, default)

    def replace_argument(self, name: str, value: Any) -> None:
        """Call the original with ``value`` for ``name``, where the user passed it (or by name)."""
        self.state.setdefault(_USER_VALUES, {}).setdefault(name, self.argument(name))
        self.state.pop(_ARGUMENTS, None)
        if name not in self.kwargs:
            index = self._position(name)
            if index is not None and index < len(self.args):
                self.args = (*self.args[:index], value, *self.args[index + 1 :])
                return
        self.kwargs[name] = value

    def _position(self, name: str) -> int | None:
        signature = signature_of(self.function)
        if signature is None:
            return None
        positional = ("POSITIONAL_ONLY", "POSITIONAL_OR_KEYWORD")
        for index, parameter in enumerate(p for p in signature.parameters.values() if p.kind.name in positional):
            if parameter.name == name:
                return index
        return None

    def add_callback(self, callback: Any, argument: str = "callbacks") -> bool:
        """Pass ``[*user's callbacks, callback]`` as ``argument`` (a new list; None counts as empty).

        False, and nothing changed, when the user passed something else than a list or tuple there
        (a framework's own callback container is theirs to keep)."""
        current = self.argument(argument)
        if current is not None and not isinstance(current, (list, tuple)):
            return False
        self.replace_argument(argument, [*(current or ()), callback])
        return True

    # -- errors ---------------------------------------------------------------------------------
    def report(self, exc: BaseException, while_doing: str) -> None:
        """One AutologWarning for the integration (raised again under ``AUTOLOG_TESTING=1``)."""
        safety.report(self.integration, exc, while_doing, bool(self.config.get("silent", False)))

    @contextmanager
    def guarded(self, while_doing: str) -> Iterator[None]:
        """``with call.guarded("logging X"):`` an error inside is reported, never raised into training."""
        try:
            yield
        except Exception as exc:
            self.report(exc, while_doing)

    # -- the call's own run ---------------------------------------------------------------------
    def log_params(self, params: dict[str, Any]) -> None:
        self.tracker.log_params(self.run_id, params)

    def set_tags(self, tags: dict[str, Any]) -> None:
        self.tracker.set_tags(self.run_id, tags)

    def log_bytes(self, data: bytes, artifact_file: str) -> None:
        """Store ``data`` as the artifact ``artifact_file`` of the call's run."""
        uri = self.state.get("autolog.artifact_uri")
        if uri is None:
            uri = self.state["autolog.artifact_uri"] = self.tracker.get_run(self.run_id).info.artifact_uri
        self.tracker.artifact_repository(uri).write_bytes(artifact_file, bytes(data))

    def log_text(self, text: str, artifact_file: str) -> None:
        self.log_bytes(text.encode("utf-8"), artifact_file)
