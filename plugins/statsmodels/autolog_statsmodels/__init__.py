"""autolog-statsmodels: autologging for statsmodels.

Every model class's ``fit`` is patched (see ``patching``): OLS, WLS, GLS, GLM, Logit, Probit,
Poisson, ARIMA, SARIMAX, the formula API and user subclasses. One run per outermost fit logs:

- params: the arguments of ``fit`` as passed plus the defaults that apply (``params``);
- metrics: the listed scalar attributes the results have (``metrics``);
- artifacts: ``model_summary.txt`` and ``coefficients.csv`` (``artifacts``);
- the results object as model ``model/`` (``model``), loadable with ``autolog.load_model``,
  pickled with what predicting needs and not the training data (``saving``).

Extra options: ``log_summary=True``: ``summary()`` is statsmodels' own slowest part (about 4 ms
for a small GEE, 20 ms for OLS on 2,000 x 20, mostly text-table formatting). It is Python code
holding the GIL, so a thread would take as long from the training loop (measured, issue 21); the
artifacts of the first few fits of a process are built on the training thread, later ones in a
worker process (``artifact_worker``), and ``autolog.flush()`` waits for them.
``log_summary=False`` skips ``model_summary.txt``. ``max_model_size_mb=100``: a larger
pickled model is not saved (one warning), as in autolog-tensorflow and autolog-lightning (whose
default is 2048: deep-learning models are large by nature).
"""

from __future__ import annotations

import os
from types import ModuleType
from typing import Any

from autolog.plugin import (
    ArtifactToLog,
    Integration,
    ModelToLog,
    Patcher,
    TrainingCall,
    called_by_library,
    hookimpl,
    integration_options,
    wait_at_flush,
    warn_once,
)
from autolog.plugin import option_checks as checks

from . import artifacts, model, patching
from .artifact_worker import Handover, Job, ModelJob
from .metrics import results_metrics
from .params import fit_params

NAME = patching.NAME
# 100 MB: what a user would not notice on disk per fit (a fit repeated in a loop or a simulation
# writes one model per fit); models are saved without their training data (``saving``) and are
# far below it, except families saved as they are (MixedLM) on large data.
OPTIONS: dict[str, Any] = {"log_summary": True, "max_model_size_mb": 100}
OPTION_CHECKS = {"log_summary": checks.boolean, "max_model_size_mb": checks.non_negative_number}


def _silent() -> bool:
    return bool(integration_options(INTEGRATION).get("silent", False))


def patch(module: ModuleType, patcher: Patcher) -> None:
    patching.patch(module, patcher, _silent)


def should_log(instance: Any, args: tuple, kwargs: dict) -> bool:
    """Only the user's own fits make runs: statsmodels' functions that fit models internally
    (``adfuller``, ``get_influence()``, ``TreatmentEffect``) would make one run per internal fit."""
    return not called_by_library(("statsmodels",))


def params(call: TrainingCall) -> dict[str, str]:
    return fit_params(call.instance, call.method, call.args, call.kwargs)


def metrics(call: TrainingCall) -> dict[str, float] | None:
    return results_metrics(call.result) if model.is_results(call.result) else None


def files(call: TrainingCall) -> list[ArtifactToLog] | None:
    """The artifacts, built here or handed to the worker (with the model, when it can save it)."""
    if not model.is_results(call.result):
        return None
    log_summary = call.config.get("log_summary", True)
    names = tuple(name for name in artifacts.MAKERS if name != artifacts.SUMMARY_FILE or log_summary)
    directory = _artifact_dir(call)
    if directory is not None:
        handed = HANDOVER.hand_over(call.result, Job(directory, names, _model_job(call, directory)))
        if handed is not None:
            call.state[MODEL_HANDED_OVER] = handed.model is not None
            return []  # the worker writes them
    found = []
    for artifact_file in names:
        content = None
        with call.guarded(f"writing {artifact_file}"):  # one failing artifact does not cost the other
            content = artifacts.MAKERS[artifact_file](call.result)
        if content is not None:
            found.append(ArtifactToLog(artifact_file, content=content))
    return found


def _artifact_dir(call: TrainingCall) -> str | None:
    """The run's artifact directory, when its artifacts are a local directory."""
    import tracking_core

    run = tracking_core.active_run()
    if run is None or run.info.run_id != call.run_id:
        return None
    local_dir = getattr(call.tracker.artifact_repository(run.info.artifact_uri), "local_dir", None)
    return local_dir(None, create=False) if local_dir else None


def _model_job(call: TrainingCall, directory: str) -> ModelJob | None:
    """The model for the worker to save, when the core would save it to ``model/`` and do nothing
    more: a run of autolog's own (in the user's run a second fit's model goes to ``model-2/``),
    not registered (``registered_model_name`` registers the saved model at once)."""
    options = call.config
    if not options.get("log_models") or options.get("registered_model_name") or not call.fresh_run:
        return None
    return ModelJob(
        os.path.join(directory, model.ARTIFACT_PATH),
        model.ARTIFACT_PATH,
        call.run_id,
        model.REQUIREMENTS,
        bool(options.get("log_model_signatures")),
        bool(options.get("log_input_examples")),
        options.get("max_model_size_mb"),
    )


def _not_built(problems: list[str]) -> None:
    warn_once(NAME, f"{len(problems)} artifact(s) were not written by the worker: {'; '.join(problems[:3])}", _silent())


HANDOVER = Handover(on_failed=_not_built)
wait_at_flush(HANDOVER.wait)
MODEL_HANDED_OVER = "autolog_statsmodels.model_handed_over"  # in call.state: the worker saves the model


def models(call: TrainingCall) -> list[ModelToLog] | None:
    if not model.is_results(call.result):
        return None
    if call.state.get(MODEL_HANDED_OVER):
        return None
    return [model.model_to_log(call.result, call.config.get("max_model_size_mb"))]


INTEGRATION = Integration(
    name=NAME,
    modules=("statsmodels.base.model",),
    patch=patch,
    options=OPTIONS,
    option_checks=OPTION_CHECKS,
    flavors=(model.FLAVOR,),
    should_log=should_log,
    collect_params=params,
    collect_metrics=metrics,
    collect_artifacts=files,
    collect_models=models,
)


@hookimpl
def autolog_register_integrations(register: Any) -> None:
    register(INTEGRATION)
