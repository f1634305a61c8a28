"""Calls on a trained object after its logged training go into that training's run.

Keras ``model.evaluate()``, Lightning ``trainer.test()``/``validate()`` and scikit-learn's
post-training metrics share one pattern, kept here:

- ``remember_run(obj, call, step=...)`` when a logged training call finished: ``obj`` (the model,
  the trainer) belongs to ``call.run_id``. Weakly: autolog never keeps a model alive, and an entry
  goes when its object does. An object that cannot be weakly referenced is not remembered.
- ``run_of(obj)``: that ``TrainedRun`` (run id, tracking URI, integration, ``step``, extras) or None;
  ``TrainedRun.log_metrics`` writes into the run by id, ended or still open (queued on the
  batching writer, as the fluent API).
- ``post_training_wrapper(integration, on_result, while_doing)``: a ``Patcher.wrap`` wrapper that
  calls the original exactly once and then ``on_result(result, instance, args, kwargs)``, except
  during a training call, inside another such wrapper (``score`` calling ``accuracy_score``), or
  when the integration is disabled. An error of ``on_result`` is the integration's one
  AutologWarning; the original's result and exceptions reach the user unchanged.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from . import safety

if TYPE_CHECKING:
    from tracking_core import TrackingClient

    from .training_call import TrainingCall

Wrapper = Callable[[Any, Any, tuple, dict], Any]

_in_post_training: ContextVar[bool] = ContextVar("autolog_in_post_training", default=False)
_runs: dict[int, tuple[Any, TrainedRun]] = {}
_clients: dict[str, TrackingClient] = {}
_lock = threading.Lock()


class TrainedRun:
    """The run a trained object was logged into."""

    __slots__ = ("extra", "integration", "run_id", "step", "tracking_uri")

    def __init__(
        self,
        run_id: str,
        tracking_uri: str,
        integration: str,
        step: int | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.run_id = run_id
        self.tracking_uri = tracking_uri
        self.integration = integration
        self.step = step
        self.extra = extra or {}

    def __repr__(self) -> str:
        return f"TrainedRun({self.run_id!r}, integration={self.integration!r}, step={self.step!r})"

    @property
    def client(self) -> TrackingClient:
        """A ``TrackingClient`` of the run's store (one per tracking URI, shared)."""
        client = _clients.get(self.tracking_uri)
        if client is None:
            from tracking_core import TrackingClient

            with _lock:
                client = _clients.get(self.tracking_uri)
                if client is None:
                    client = _clients[self.tracking_uri] = TrackingClient(self.tracking_uri)
        return client

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        """Into the run by id; ``step`` defaults to the one remembered with the object (else 0)."""
        if metrics:
            self.client.log_metrics(self.run_id, metrics, step=self.step if step is None else step)


def remember_run(obj: Any, call: TrainingCall, step: int | None = None, **extra: Any) -> None:
    """From now on ``run_of(obj)`` is the run of ``call`` (until ``obj`` is garbage or trained again)."""
    import tracking_core

    trained = TrainedRun(call.run_id, tracking_core.get_tracking_uri(), call.integration, step, extra)
    key = id(obj)
    try:
        ref = weakref.ref(obj, lambda _ref: _forget(key))
    except TypeError:
        return
    with _lock:
        _runs[key] = (ref, trained)


def _forget(key: int) -> None:
    with _lock:
        entry = _runs.get(key)
        if entry is not None and entry[0]() is None:
            del _runs[key]


def run_of(obj: Any) -> TrainedRun | None:
    entry = _runs.get(id(obj))
    if entry is None or entry[0]() is not obj:
        return None
    return entry[1]


def in_post_training() -> bool:
    """True inside a ``post_training_wrapper`` call (its nested patched calls log nothing)."""
    return _in_post_training.get()


def post_training_wrapper(
    integration: str, on_result: Callable[[Any, Any, tuple, dict], None], while_doing: str
) -> Wrapper:
    """A wrapper for a non-training call whose result is logged (see the module docstring)."""
    from .session import in_training

    def wrapper(wrapped: Any, instance: Any, args: tuple, kwargs: dict) -> Any:
        if in_training() or _in_post_training.get():
            return wrapped(*args, **kwargs)
        options = _options(integration)
        if options is None or options["disable"]:
            return wrapped(*args, **kwargs)
        token = _in_post_training.set(True)
        try:
            result = wrapped(*args, **kwargs)
        finally:
            _in_post_training.reset(token)
        try:
            on_result(result, instance, args, kwargs)
        except Exception as exc:
            safety.report(integration, exc, while_doing, bool(options.get("silent", False)))
        return result

    return wrapper


def _options(integration: str) -> Any:
    from .config import config
    from .plugin_manager import registry

    found = registry().get(integration)
    return None if found is None else config.effective(found)
