"""State-space results (SARIMAX, ARIMA, UnobservedComponents...: ``MLEResults``) saved as their
model and parameters; loading runs the Kalman filter and smoother again.

A state-space fit keeps the Kalman filter's output for every time step: predicted, filtered and
smoothed state covariances are ``k_states x k_states`` per observation, 50 MB for an
``UnobservedComponents`` model with a 100-period seasonal (101 states) on 300 points, 500 MB with
the smoother's other output. statsmodels makes a results object from the model and the fitted
parameters alone (``fit`` ends with ``model.smooth(params)``) and the filter is deterministic, so
the pickle holds how to make that output again instead of the output:

- the filter's output (``results.filter_results``) is written as
  ``model.smooth(params, transformed=True, includes_fixed=True, return_ssm=True)`` (``filter``
  where the fit only filtered, as with ``low_memory=True``), plus the filter settings the fit
  used where the model's differ now;
- the results object as ``ResultsClass(model, params, output, cov_type="none")`` followed by
  every other attribute it had (parameter covariance, ``mle_retvals``, ``fixed_params``, the
  cache...): nothing is estimated again and nothing computed from the output is written;
- the model as it is, with its data and the state-space matrices, without the filter's
  workspaces and its initialization's per-dtype copies (Cython objects and their arrays,
  re-created when next needed).

The pickle names only statsmodels' methods and ``functools.partial``, so a plain
``pickle.load`` (MLflow's ``statsmodels`` flavor) loads it without autolog. It is 10-60 kB for
the usual models, 346 kB for the model above (its 101 x 101 matrices). Loading costs what the
fit's last step cost, one filter and smoother pass: about 12 ms for a seasonal SARIMAX on 300
points, 2-3 s for the 101-state model (on a busy 2-core machine). The loaded object is the same:
forecasts, intervals, in-sample and dynamic prediction, smoothed states, ``summary()``, to the
last bit.

Only the families in ``REBUILT`` (checked in the tests) are saved so. Other state-space results
(``RecursiveLS``, ``DynamicFactorMQ``, a user's own ``MLEModel``...) keep the filter's output and
lose the workspaces and the smoother's output (``slimmed``): forecasts and prediction stay.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from .overrides import Overrides, add, rebuild

REBUILT_NOTE = "Kalman filter and smoother output (computed again from the model and params on load)"
SLIMMED_NOTE = "Kalman filter/smoother workspaces, smoother output"
# Modules of the model classes whose results are rebuilt (the most derived statsmodels class).
REBUILT = frozenset(
    {
        "statsmodels.tsa.statespace.sarimax",
        "statsmodels.tsa.arima.model",
        "statsmodels.tsa.statespace.structural",
        "statsmodels.tsa.statespace.exponential_smoothing",
        "statsmodels.tsa.statespace.dynamic_factor",
        "statsmodels.tsa.statespace.varmax",
    }
)
# Attributes of a results object made from the filter's output (besides references to its arrays).
_FROM_OUTPUT = ("filter_results", "smoother_results", "_states")
_FILTER_SETTINGS = (
    "filter_method",
    "inversion_method",
    "stability_method",
    "conserve_memory",
    "filter_timing",
    "tolerance",
    "loglikelihood_burn",
)
# Set on the filter's output by the smoother only: the fit smoothed.
_SMOOTHED_MARK = "scaled_smoothed_diffuse_estimator"
# Caches of Cython objects on a state-space representation, re-created when next needed.
_WORKSPACES = ("_kalman_filters", "_kalman_smoothers", "_statespaces", "_simulators", "_representations")
_INITIALIZATION_WORKSPACES = ("_representations", "_initializations")
_STATE_FRAMES_DROPPED = ("smoothed", "smoothed_cov", "predicted_cov", "filtered_cov")


def is_state_space(results: Any) -> bool:
    return hasattr(results, "filter_results") and hasattr(getattr(results, "model", None), "ssm")


def _without_workspaces(overrides: Overrides, representation: Any) -> None:
    if representation is not None:
        add(overrides, representation, {name: {} for name in _WORKSPACES if name in vars(representation)})
        _initialization_without_workspaces(overrides, getattr(representation, "initialization", None))


def _initialization_without_workspaces(overrides: Overrides, initialization: Any, depth: int = 0) -> None:
    """An ``Initialization`` keeps a copy of its state covariance per data type with a Cython object
    around it (``_representations``, ``_initializations``), re-created when next needed; so do its blocks."""
    names = vars(initialization) if hasattr(initialization, "__dict__") else {}
    if depth > 10 or "_representations" not in names:
        return
    add(overrides, initialization, {name: {} for name in _INITIALIZATION_WORKSPACES if name in names})
    for block in (names.get("blocks") or {}).values():
        _initialization_without_workspaces(overrides, block, depth + 1)


def _rebuildable(results: Any, family: str | None) -> bool:
    output = results.filter_results
    return (
        family in REBUILT
        and output is not None
        and getattr(output, "model", None) is results.model.ssm  # made by this model's filter
        and (results.smoother_results is None or results.smoother_results is output)
    )


def _smoothed(output: Any) -> bool:
    """Whether the output is the smoother's (a model's filter makes ``SmootherResults`` too)."""
    return _SMOOTHED_MARK in vars(output)


def _settings(results: Any) -> dict[str, Any]:
    """The filter settings the fit used that differ from the model's now (``low_memory=True``
    sets ``conserve_memory`` for the fit only). The smoother's are not recorded in its output."""
    output, ssm = results.filter_results, results.model.ssm
    used = {name: getattr(output, name, None) for name in _FILTER_SETTINGS}
    return {name: value for name, value in used.items() if value is not None and value != getattr(ssm, name)}


def rebuilt(results: Any) -> Overrides:
    """Overrides writing ``results`` (the unwrapped ``MLEResults``) as the recipe the docstring describes."""
    import numpy as np

    overrides: Overrides = {}
    model, output, params = results.model, results.filter_results, results.params
    run = model.smooth if _smoothed(output) else model.filter
    settings = _settings(results)
    recipe = functools.partial(run, params, transformed=True, includes_fixed=True, return_ssm=True, **settings)
    rebuild(overrides, output, (recipe, ()))
    from_output = {id(value) for value in vars(output).values() if isinstance(value, np.ndarray)}
    state = {
        name: value
        for name, value in vars(results).items()
        if name not in _FROM_OUTPUT and not (isinstance(value, np.ndarray) and id(value) in from_output)
    }
    results_class: Callable[..., Any] = results.__class__
    make = functools.partial(results_class, model, params, output, cov_type="none")
    rebuild(overrides, results, (make, (), state))
    _without_workspaces(overrides, model.ssm)
    return overrides


def slimmed(results: Any) -> Overrides:
    """Overrides keeping the filter's output but not the workspaces and the smoother's output."""
    import numpy as np

    overrides: Overrides = {}
    smoother = getattr(results, "smoother_results", None)
    output = getattr(results.filter_results, "model", None)
    for representation in (results.model.ssm, output, getattr(smoother, "model", None)):
        _without_workspaces(overrides, representation)
    smoothed = getattr(type(smoother), "_smoother_attributes", ())
    for holder in (results.filter_results, smoother, results):
        if holder is not None:
            add(overrides, holder, {name: None for name in smoothed if isinstance(vars(holder).get(name), np.ndarray)})
    states = vars(results).get("_states")
    if isinstance(states, SimpleNamespace):
        kept = SimpleNamespace(**vars(states))
        for name in _STATE_FRAMES_DROPPED:
            if hasattr(kept, name):
                setattr(kept, name, None)
        add(overrides, results, {"_states": kept})
    return overrides


def overrides_for(results: Any, family: str | None) -> tuple[Overrides, str]:
    """The overrides for unwrapped state-space results, and what they leave out."""
    if _rebuildable(results, family):
        try:
            return rebuilt(results), REBUILT_NOTE
        except (AttributeError, TypeError):  # not the results statsmodels makes: saved as the others
            pass
    return slimmed(results), SLIMMED_NOTE
