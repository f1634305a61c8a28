"""The autologging session around one patched training call.

``training_wrapper(integration)`` is what a ``Patcher`` installs. For the outermost patched call
of a context it: picks the run (the user's active one, or a managed run it creates and ends),
lets plugins prepare the call, calls the original exactly once, then asks every plugin what to
log. Inner patched calls (Pipeline.fit calling step.fit) and calls while autologging is disabled
go straight to the original. Any error of autolog's own is reported by ``safety`` and never
changes what the user gets back; the user's exceptions propagate untouched.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

import tracking_core as tracking
from tracking_core.entities import RunStatus
from tracking_core.run_failure import failure_tags

from . import plugin_manager, safety
from .config import config
from .frames import call_as_from
from .training_call import ArtifactToLog, ModelToLog, TrainingCall, is_number, loggable_key, loggable_param

if TYPE_CHECKING:
    from .integration import Integration

TAG_AUTOLOGGING = "autolog.autologging"
TAG_MLFLOW_AUTOLOGGING = "mlflow.autologging"  # MLflow's flavor name, so MLflow's UI and client see it too

_current_call: ContextVar[TrainingCall | None] = ContextVar("autolog_current_call", default=None)
_PASS_THROUGH = object()


def _hook():
    return plugin_manager.plugin_manager().hook


def current_call() -> TrainingCall | None:
    """The training call being logged in this context, if any."""
    call = _current_call.get()
    return call if isinstance(call, TrainingCall) else None


def in_training() -> bool:
    return _current_call.get() is not None


def training_wrapper(integration: Integration) -> Callable[[Any, Any, tuple, dict], Any]:
    def wrapper(wrapped, instance, args, kwargs):
        # The framework is called as from the wrapper's caller (``frames``): its warnings name the
        # line they name without autologging, never this module.
        if _current_call.get() is not None:
            return call_as_from(1, wrapped, args, kwargs)
        options = config.effective(integration)
        if options["disable"]:
            return call_as_from(1, wrapped, args, kwargs)
        with safety.in_call():
            return _logged_call(integration, options, wrapped, instance, args, kwargs)

    return wrapper


def _logged_call(integration: Integration, options: Mapping[str, Any], wrapped, instance, args, kwargs):
    name = integration.name
    try:
        call = _begin(integration, options, wrapped, instance, args, kwargs)
    except Exception as exc:
        safety.report(name, exc, "starting its run", options.get("silent", False))
        call = _PASS_THROUGH
    # The guard stays set while collecting too, so what plugins call then is not logged again.
    token = _current_call.set(call)
    try:
        if call is _PASS_THROUGH:
            return call_as_from(2, wrapped, args, kwargs)
        try:
            result = call_as_from(2, wrapped, call.args, call.kwargs)
        except BaseException as exc:
            _log_params_of_failed_call(call)
            _end(call, RunStatus.KILLED if _interrupted(exc) else RunStatus.FAILED, exc)
            raise
        _finish(call, result)
        return result
    finally:
        _current_call.reset(token)


def _interrupted(exc: BaseException | None) -> bool:
    """Ctrl-C, also when the framework turned it into another exception while handling it
    (Lightning's graceful shutdown ends with ``SystemExit(1)``): the run is KILLED, not FAILED."""
    for _depth in range(10):
        if exc is None:
            return False
        if isinstance(exc, KeyboardInterrupt):
            return True
        exc = exc.__context__
    return False


def _begin(integration, options, wrapped, instance, args, kwargs):
    if integration.should_log is not None and not integration.should_log(instance, args, kwargs):
        return _PASS_THROUGH
    active = tracking.active_run()
    if active is not None and options["exclusive"]:
        return _PASS_THROUGH
    method = getattr(wrapped, "__name__", "call")
    owns = active is None
    if owns:
        flavor = getattr(integration, "mlflow_flavor", None) or integration.name
        tags = {TAG_AUTOLOGGING: integration.name, TAG_MLFLOW_AUTOLOGGING: flavor}
        if options.get("extra_tags"):
            tags.update(options["extra_tags"])
        active = tracking.start_run(tags=tags)
    assert active is not None  # the user's run, or the one just started
    call = TrainingCall(
        integration.name,
        method,
        instance,
        args,
        dict(kwargs),
        dict(options),
        active.info.run_id,
        owns,
        tracker=active.tracker,
        function=wrapped,
        step_hook=_hook().autolog_step_metrics,
    )
    hook = _hook()
    try:
        _call_each(hook.autolog_run_started, call, "starting its run")
        _call_each(hook.autolog_before_training, call, "preparing the training call")
    except BaseException:
        _end(call, RunStatus.FINISHED)
        raise
    return call


def _call_each(hook_caller, call: TrainingCall, while_doing: str, **extra) -> list[Any]:
    """Call a hook through pluggy. Each implementation is isolated when registered
    (``hook_isolation``), so one failing plugin does not silence the others; if a wrapper fails,
    the plain implementations are asked one by one instead."""
    try:
        return hook_caller(call=call, **extra)
    except Exception as exc:
        safety.report(call.integration, exc, f"{while_doing} (a hook wrapper failed)", call.config.get("silent", False))
    arguments = {"call": call, **extra}
    results = []
    for impl in reversed(hook_caller.get_hookimpls()):
        if impl.wrapper or impl.hookwrapper:
            continue
        value = impl.function(*[arguments[name] for name in impl.argnames])
        if value is not None:
            results.append(value)
    return results


def _log_params_of_failed_call(call: TrainingCall) -> None:
    """A fit that raised still records what it was asked to do (MLflow logs params before training):
    the params of every plugin that can give them without a result. Quietly: a collector that needs
    the result fails, and the user's exception is what they must see."""
    silent = call.config.get("silent", False)
    call.config["silent"] = True
    try:
        params: dict[str, Any] = {}
        for found in _hook().autolog_collect_params(call=call):
            params.update((key, loggable_param(value)) for key, value in (found or {}).items())
        if params:
            tracking.log_params(params)
    except Exception:
        pass
    finally:
        call.config["silent"] = silent


def _finish(call: TrainingCall, result: Any) -> None:
    call.result = result
    try:
        _log_collected(call)
    except Exception as exc:
        safety.report(call.integration, exc, "logging the training call", call.config.get("silent", False))
    finally:  # also when AUTOLOG_TESTING re-raises: the managed run must not stay open
        _end(call, RunStatus.FINISHED)


def _log_collected(call: TrainingCall) -> None:
    """Ask every plugin what to log, and log each kind on its own: one failure skips only itself."""
    hook = _hook()
    active = tracking.active_run()
    if active is None or active.info.run_id != call.run_id:
        raise RuntimeError(f"the run {call.run_id} autolog was logging into is no longer active")
    params: dict[str, Any] = {}
    for found in _call_each(hook.autolog_collect_params, call, "collecting params"):
        params.update((key, loggable_param(value)) for key, value in found.items())
    metrics: dict[str, float] = {}
    for found in _call_each(hook.autolog_collect_metrics, call, "collecting metrics"):
        metrics.update(
            {loggable_key(k): float(v) for k, v in found.items() if is_number(v) and not math.isinf(float(v))}
        )
    tags: dict[str, Any] = {}
    for found in _call_each(hook.autolog_collect_tags, call, "collecting tags"):
        tags.update(found)
    _log_each_item(call, "param", params, tracking.log_params)
    _log_each_item(call, "metric", metrics, tracking.log_metrics)
    _log_each_item(call, "tag", tags, tracking.set_tags)
    for artifacts in _call_each(hook.autolog_collect_artifacts, call, "collecting artifacts"):
        for artifact in artifacts:
            _log_artifact(call, artifact)
    if call.config.get("log_models"):
        for models in _call_each(hook.autolog_collect_models, call, "collecting models"):
            for model in models:
                _log_model(call, model)


def _log_each_item(call: TrainingCall, kind: str, values: dict[str, Any], log: Callable[[dict], Any]) -> None:
    """Log ``values`` in one call; if the store refuses it, item by item, so one bad key (too long, a
    param whose value differs from the one already in the run) costs only itself, with one warning."""
    if not values:
        return
    try:
        log(values)
        return
    except Exception:
        pass
    refused = []
    for key, value in values.items():
        try:
            log({key: value})
        except Exception as exc:
            refused.append(f"{str(key)[:60]!r} ({exc})")
    if refused:
        safety.warn_once(
            call.integration,
            f"{call.integration}: {len(refused)} {kind}(s) of {len(values)} were not logged: {'; '.join(refused[:5])}",
            call.config.get("silent", False),
        )


def _log_artifact(call: TrainingCall, artifact: ArtifactToLog) -> None:
    try:
        if artifact.local_path is not None:
            directory, _, name = artifact.artifact_file.rpartition("/")
            if os.path.basename(artifact.local_path) == name:
                tracking.log_artifact(artifact.local_path, directory or None)
            else:  # stored under the name the plugin asked for, not the local file's
                with open(artifact.local_path, "rb") as fh:
                    tracking.log_bytes(fh.read(), artifact.artifact_file)
        elif isinstance(artifact.content, bytes):
            tracking.log_bytes(artifact.content, artifact.artifact_file)
        else:
            tracking.log_text(artifact.content or "", artifact.artifact_file)
    except Exception as exc:
        safety.report(
            call.integration, exc, f"logging artifact {artifact.artifact_file}", call.config.get("silent", False)
        )


def _requirements(call: TrainingCall, model: ModelToLog) -> tuple[str, ...]:
    """The model's own requirements, then the plugin distribution that logged it (DESIGN: both pinned)."""
    integration = plugin_manager.registry().get(call.integration)
    plugin = integration.distribution if integration is not None else None
    return tuple(model.requirements) + ((plugin,) if plugin and plugin not in model.requirements else ())


def _too_large(call: TrainingCall, model: ModelToLog) -> bool:
    limit_mb = call.config.get("max_model_size_mb")
    if limit_mb is None or model.size_bytes is None or model.size_bytes <= limit_mb * 1024 * 1024:
        return False
    safety.warn_once(
        call.integration,
        f"{call.integration}: the model ({model.size_bytes / 1024 / 1024:.1f} MB) is larger than "
        f"max_model_size_mb={limit_mb} and was not saved",
        call.config.get("silent", False),
    )
    return True


def _log_model(call: TrainingCall, model: ModelToLog) -> None:
    options = call.config
    if _too_large(call, model):
        return
    artifact_path = model.artifact_path if call.fresh_run else _free_model_path(call, model.artifact_path)
    try:
        tracking.log_model(
            model.model,
            model.flavor,
            artifact_path,
            requirements=_requirements(call, model),
            signature_inputs=model.signature_inputs if options.get("log_model_signatures") else None,
            signature_outputs=model.signature_outputs if options.get("log_model_signatures") else None,
            input_example=model.input_example if options.get("log_input_examples") else None,
        )
    except Exception as exc:
        safety.report(call.integration, exc, f"saving the model {artifact_path}/", options.get("silent", False))
        return
    name = options.get("registered_model_name")
    if name:
        _register_model(call, name, artifact_path)


def _register_model(call: TrainingCall, name: str, artifact_path: str) -> None:
    """``registered_model_name=``: the saved model becomes a new version of ``name``; a registry that
    refuses (or cannot be reached) costs a warning, never the training (DESIGN guarantee 1)."""
    try:
        tracking.register_model(f"runs:/{call.run_id}/{artifact_path}", name)
    except Exception as exc:
        what = f"registering the model {artifact_path}/ as {name!r}"
        safety.report(call.integration, exc, what, call.config.get("silent", False))


def _free_model_path(call: TrainingCall, artifact_path: str) -> str:
    """In the user's run (or a project's), a second autologged fit saves its model beside the first:
    ``model-2/``..."""
    taken = {info.path for info in tracking.TrackingClient().list_artifacts(call.run_id)}
    candidate, n = artifact_path, 1
    while candidate in taken:
        n += 1
        candidate = f"{artifact_path}-{n}"
    return candidate


def _end(call: TrainingCall, status: str, exc: BaseException | None = None) -> None:
    try:
        _call_each(_hook().autolog_run_ended, call, "ending its run", status=status)
    finally:
        if call.owns_run:
            try:
                active = tracking.active_run()
                if active is not None and active.info.run_id == call.run_id:
                    if status == RunStatus.FAILED and exc is not None:
                        _record_failure(call, active, exc)
                    tracking.end_run(status)
            except Exception as error:
                safety.report(call.integration, error, "ending its run", call.config.get("silent", False))


def _record_failure(call: TrainingCall, active, exc: BaseException) -> None:
    """Tag the run with the user's exception (type and message): the run page shows why it failed."""
    try:
        active.tracker.set_tags(call.run_id, failure_tags(exc))
    except Exception as error:
        safety.report(call.integration, error, "recording why its run failed", call.config.get("silent", False))
