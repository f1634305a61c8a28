"""autolog-statsmodels: autologging for statsmodels.

Every model class's ``fit`` is patched (see ``patching``): OLS, WLS, GLS, GLM, Logit, Probit,
Poisson, ARIMA, SARIMAX, the formula API and user subclasses. One run per outermost fit logs:

- params: the arguments of ``fit`` as passed plus the defaults that apply (``params``);
- metrics: the listed scalar attributes the results have (``metrics``);
- artifacts: ``model_summary.txt`` and ``coefficients.csv`` (``artifacts``);
- the results object as model ``model/`` (``model``), loadable with ``autolog.load_model``,
  pickled with what predicting needs and not the training data (``saving``).

Extra options: ``log_summary=True``: ``summary()`` is statsmodels' own slowest part (about 20 ms
for OLS on 2,000 x 20, mostly text-table formatting); ``log_summary=False`` skips
``model_summary.txt`` when fits are many and small. ``max_model_size_mb=2048``: a larger
pickled model is not saved (one warning), as in autolog-tensorflow and autolog-lightning.
"""
from __future__ import annotations

from types import ModuleType
from typing import Any

from autolog import ArtifactToLog, Integration, ModelToLog, TrainingCall, hookimpl, safety
from autolog import option_checks as checks

from . import artifacts, model, patching
from .metrics import results_metrics
from .params import fit_params

NAME = patching.NAME
OPTIONS: dict[str, Any] = {"log_summary": True, "max_model_size_mb": 2048}
OPTION_CHECKS = {"log_summary": checks.boolean, "max_model_size_mb": checks.non_negative_number}


def _silent() -> bool:
    from autolog.config import config

    return bool(config.effective(INTEGRATION).get("silent", False))


def patch(module: ModuleType, patcher: Any) -> None:
    patching.patch(module, patcher, _silent)


INTEGRATION = Integration(name=NAME, modules=("statsmodels.base.model",), patch=patch, options=OPTIONS,
                          option_checks=OPTION_CHECKS)


@hookimpl
def autolog_register_integrations(register) -> None:
    register(INTEGRATION)


@hookimpl
def autolog_register_flavors(register) -> None:
    register(model.FLAVOR)


@hookimpl
def autolog_collect_params(call: TrainingCall) -> dict[str, str] | None:
    if call.integration != NAME:
        return None
    return fit_params(call.instance, call.method, call.args, call.kwargs)


@hookimpl
def autolog_collect_metrics(call: TrainingCall) -> dict[str, float] | None:
    if call.integration != NAME or not model.is_results(call.result):
        return None
    return results_metrics(call.result)


@hookimpl
def autolog_collect_artifacts(call: TrainingCall) -> list[ArtifactToLog] | None:
    if call.integration != NAME or not model.is_results(call.result):
        return None
    makers = [(artifacts.COEFFICIENTS_FILE, artifacts.coefficients_csv)]  # first: summary() reuses its values
    if call.config.get("log_summary", True):
        makers.append((artifacts.SUMMARY_FILE, artifacts.summary_text))
    found = []
    for artifact_file, make in makers:
        try:  # one failing artifact does not cost the other
            content = make(call.result)
        except Exception as exc:
            safety.report(NAME, exc, f"writing {artifact_file}", bool(call.config.get("silent", False)))
            continue
        if content is not None:
            found.append(ArtifactToLog(artifact_file, content=content))
    return found


@hookimpl
def autolog_collect_models(call: TrainingCall) -> list[ModelToLog] | None:
    if call.integration != NAME or not model.is_results(call.result):
        return None
    return [model.model_to_log(call.result, call.config.get("max_model_size_mb"))]
