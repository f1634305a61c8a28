"""One framework under faults, in a fresh interpreter: ``python fault_child.py NAME GOOD_STORE BROKEN_STORE OUT``.

Phases, each reported in the JSON written to OUT:
- ``baseline``: training without autolog (its predictions are the reference);
- ``hooks``: autologging on a working store while every hook raises: a third-party plugin whose
  hook implementations all raise, a ``tryfirst`` ``wrapper=True`` implementation of every hook
  that raises before pluggy calls anyone else, and the integration's own hook implementations
  and declared collectors replaced by raising ones (isolated exactly as registration isolates them);
- ``interrupt``: autologging on the working store, KeyboardInterrupt raised from a framework
  callback (or a step inside fit): the run must end KILLED with what it logged;
- ``store``: autologging into BROKEN_STORE, whose writes all fail for real (a read-only
  filesystem), or skipped when BROKEN_STORE is ``-``.
The parent checks stderr: no traceback and no autolog message beyond the recorded warnings.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


import autolog
from autolog import hookimpl, plugin_manager
from autolog.hook_isolation import _isolated

from frameworks import STEP_METRICS, train

TRAINING_HOOKS = (
    "autolog_run_started",
    "autolog_before_training",
    "autolog_collect_params",
    "autolog_collect_metrics",
    "autolog_collect_tags",
    "autolog_collect_artifacts",
    "autolog_collect_models",
    "autolog_step_metrics",
    "autolog_run_ended",
)


class Injected(RuntimeError):
    pass


def _raiser(hook_name: str):
    def hook(*args, **kwargs):
        raise Injected(f"injected failure in {hook_name}")

    return hook


def _wrapper_plugin():
    class RaisingWrappers:
        pass

    plugin = RaisingWrappers()
    for name in TRAINING_HOOKS:
        # pluggy reads the argument names: step_metrics and run_ended take more than ``call``.
        extra = {"autolog_step_metrics": "call, metrics, step", "autolog_run_ended": "call, status"}.get(name, "call")
        namespace: dict = {"Injected": Injected}
        exec(f"def {name}({extra}):\n    raise Injected('hook wrapper fails in {name}')\n    yield\n", namespace)
        setattr(plugin, name, hookimpl(tryfirst=True, wrapper=True)(namespace[name]))
    return plugin


def _plain_plugin():
    class RaisingPlain:
        pass

    plugin = RaisingPlain()
    for name in TRAINING_HOOKS:
        extra = {"autolog_step_metrics": "call, metrics, step", "autolog_run_ended": "call, status"}.get(name, "call")
        namespace: dict = {"Injected": Injected}
        exec(f"def {name}({extra}):\n    raise Injected('third-party plugin fails in {name}')\n", namespace)
        setattr(plugin, name, hookimpl(namespace[name]))
    return plugin


def _break_own_hooks(integration: str) -> list:
    """Replace the integration plugin's own hook implementations by raising ones; returns how to undo."""
    manager = plugin_manager.plugin_manager()
    plugin = manager.get_plugin(integration)
    undo = []
    for caller in manager.get_hookcallers(plugin) or ():
        if caller.name not in TRAINING_HOOKS:
            continue
        for impl in caller.get_hookimpls():
            if impl.plugin is plugin:
                undo.append((impl, impl.function))
                if impl.wrapper or impl.hookwrapper:

                    def broken(*args, _name=caller.name):
                        raise Injected(f"{integration}'s own wrapper fails in {_name}")
                        yield

                    impl.function = broken
                else:
                    impl.function = _isolated(_raiser(caller.name), caller.name, integration)
    return undo


COLLECTORS = (
    "before_training",
    "collect_params",
    "collect_metrics",
    "collect_tags",
    "collect_artifacts",
    "collect_models",
    "after_training",
)


def _break_own_collectors(integration: str) -> list:
    """Replace the collectors the integration declares (``autolog.plugin.Integration``) by raising ones."""
    declared = plugin_manager.registry().get(integration)
    undo = []
    for attribute in COLLECTORS:
        if getattr(declared, attribute, None) is not None:
            undo.append((declared, attribute, getattr(declared, attribute)))
            setattr(declared, attribute, _raiser(attribute))
    return undo


def _autolog_warnings(record) -> list[str]:
    return [
        str(w.message)
        for w in record
        if issubclass(w.category, autolog.AutologWarning) or "autolog" in str(w.message).lower()
    ]


def _phase(name: str, integration: str, workdir: str, **autolog_options) -> dict:
    autolog.autolog(**autolog_options)
    try:
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            predictions = train(name, workdir)
    finally:
        autolog.autolog(disable=True)
    return {
        "predictions": predictions.tolist(),
        "warnings": _autolog_warnings(record),
        "active_run_left": autolog.active_run() is not None,
    }


def main() -> None:
    name, good_store, broken_store, out = sys.argv[1:5]
    integration = name
    workdir = tempfile.mkdtemp(prefix=f"autolog-fault-{name}-")
    report: dict = {}
    print("== phase baseline", file=sys.stderr, flush=True)
    report["baseline"] = train(name, workdir).tolist()

    print("== phase hooks", file=sys.stderr, flush=True)
    autolog.set_tracking_uri(good_store)
    plugin_manager.load_plugins()
    manager = plugin_manager.plugin_manager()
    plain, wrappers = _plain_plugin(), _wrapper_plugin()
    plugin_manager.register_plugin(plain, "raising-plain")
    plugin_manager.register_plugin(wrappers, "raising-wrappers")
    undo = _break_own_hooks(integration)
    collectors = _break_own_collectors(integration)
    report["broken_own_hooks"] = len(undo) + len(collectors)
    try:
        report["hooks"] = _phase(name, integration, workdir)
    finally:
        for impl, function in undo:
            impl.function = function
        for declared, attribute, collector in collectors:
            setattr(declared, attribute, collector)
        manager.unregister(plain)
        manager.unregister(wrappers)
    autolog.safety.forget_warnings()

    print("== phase interrupt", file=sys.stderr, flush=True)
    autolog.autolog()
    interrupted = False
    try:
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            train(name, workdir, interrupt=True)
    except KeyboardInterrupt:
        interrupted = True
    except SystemExit as exc:  # Lightning's graceful shutdown after Ctrl-C ends in exit(1)
        interrupted = isinstance(exc.__context__, KeyboardInterrupt)
    finally:
        autolog.autolog(disable=True)
    client = autolog.TrackingClient(good_store)
    runs = [r for r in client.search_runs() if r.data.tags.get("autolog.autologging") == integration]
    newest = runs[0] if runs else None
    report["interrupt"] = {
        "raised": interrupted,
        "warnings": _autolog_warnings(record),
        "status": newest.info.status if newest else None,
        "metric_points": sum(len(client.get_metric_history(newest.info.run_id, key)) for key in newest.data.metrics)
        if newest
        else 0,
        "expects_step_metrics": name in STEP_METRICS,
        "active_run_left": autolog.active_run() is not None,
    }
    autolog.safety.forget_warnings()

    if broken_store != "-":
        print("== phase store", file=sys.stderr, flush=True)
        autolog.set_tracking_uri(broken_store)
        report["store"] = _phase(name, integration, workdir)
    with open(out, "w") as fh:
        json.dump(report, fh)
    print("== done", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
