"""What of a fitted results object is saved as the run's model: what predicting needs.

statsmodels results keep the training data and, for state-space models, every intermediate of
the Kalman filter and smoother: an ``UnobservedComponents`` fit on 300 points pickles to 500 MB.
The model is pickled without those, and without touching the user's objects: for a few objects
the pickler writes a copy whose dropped attributes are replaced, or a recipe that makes the
object again when loaded (``overrides``), and every reference to such an object, wherever it is
held, gets that same substitute. What is dropped:

- cross-sectional models (regression, GLM, discrete, GEE, robust, quantile...): what
  statsmodels' own ``results.remove_data()`` removes (as ``results.save(f, remove_data=True)``):
  the data arrays and the per-observation values in the cache; for GEE also its per-cluster
  copies of the data and its covariance structure's (``Nested``'s designs). ``predict(new_data)`` gives the
  same numbers; what needs the training data (``predict()`` without data, ``summary()``,
  residuals) does not work on the loaded object;
- state-space models (ARIMA, SARIMAX, UnobservedComponents, ExponentialSmoothing,
  DynamicFactor, VARMAX): the Kalman filter's and smoother's output, a matrix per time step
  (``state_space``): the results object is written as its model (with the data) and parameters,
  and loading runs the filter and smoother again. ``remove_data()`` would break forecasting;
  this keeps everything: the loaded object is the same to the last bit (forecasts, intervals,
  in-sample and dynamic prediction, smoothed states, ``summary()``). Other ``MLEResults`` keep
  the filter's output without the workspaces and the smoother's output;
- ``MixedLM`` (which has no ``remove_data()``): its data arrays and per-group copies of them;
  ``predict(exog)`` (``exog @ fe_params``) gives the same numbers, random effects are not kept;
- anything else (Holt-Winters, AutoReg, VAR...: small already, or ``remove_data()`` breaks their
  prediction): as it is.

The standard library's pickle is used, cloudpickle where it fails or would refer to
``__main__`` (a model class defined in the user's script), as ``autolog.flavors`` does. Pickling
stops keeping bytes once past ``limit_bytes`` (it still counts them, for the warning).
"""

from __future__ import annotations

import pickle
from typing import Any, NamedTuple
from weakref import WeakKeyDictionary

from . import state_space
from .overrides import Overrides, add, substitute

PROTOCOL = pickle.HIGHEST_PROTOCOL
DATA_REMOVED = "training data (as results.remove_data())"
# Modules whose model classes predict on new data after remove_data() (checked in the tests).
_REMOVE_DATA_FAMILIES = frozenset(
    {
        "statsmodels.regression.linear_model",
        "statsmodels.regression.quantile_regression",
        "statsmodels.genmod.generalized_linear_model",
        "statsmodels.genmod.generalized_estimating_equations",
        "statsmodels.discrete.discrete_model",
        "statsmodels.robust.robust_linear_model",
        "statsmodels.gam.generalized_additive_model",
        "statsmodels.miscmodels.ordinal_model",
    }
)
# Data a family keeps beyond the attributes remove_data() knows: GEE's per-cluster copies (lists of
# small arrays, slow to pickle: 12 ms for 500 clusters).
_MORE_MODEL_DATA = {
    "statsmodels.genmod.generalized_estimating_equations": (
        "groups",
        "time",
        "group_indices",
        "endog_li",
        "exog_li",
        "time_li",
        "offset_li",
        "exposure_li",
        "weights_li",
        "cached_means",
        "dep_data",  # Nested's per-observation labels
    ),
}
_cached_data_names: WeakKeyDictionary[type, tuple[str, ...]] = WeakKeyDictionary()


class Pickled(NamedTuple):
    """The pickled model (None when over the limit), its size in bytes, format and what was left out."""

    data: bytes | None
    size: int
    serialization_format: str
    removed: str | None


def family(model: Any) -> str | None:
    """The module of the model's most derived statsmodels class (user subclasses included)."""
    for klass in type(model).__mro__:
        if klass.__module__.startswith("statsmodels."):
            return klass.__module__
    return None


def _keeps_predicting_without_data(results: Any) -> bool:
    """Whether statsmodels' ``remove_data()`` leaves ``predict(new_data)`` working for these results.

    Decided by the model's most derived statsmodels class (user subclasses included): families
    checked against it. Not time series (their prediction reads the data), not models with a
    second design matrix taken from the model when not given (zero-inflated, beta regression).
    """
    if not callable(getattr(results, "remove_data", None)) or not isinstance(vars(results).get("_cache"), dict):
        return False  # MixedLM, for one, has no cache remove_data could clear
    return family(getattr(results, "model", None)) in _REMOVE_DATA_FAMILIES


def _cached_data(cls: type) -> tuple[str, ...]:
    """Names of the class's ``cached_data`` attributes (per-observation values remove_data clears)."""
    try:
        return _cached_data_names[cls]
    except KeyError:
        pass
    from statsmodels.base.model import cached_data  # what remove_data() itself tests against

    names = []
    for name in dir(cls):
        try:
            attribute = object.__getattribute__(cls, name)
        except AttributeError:
            continue
        if isinstance(attribute, cached_data):
            names.append(name)
    _cached_data_names[cls] = found = tuple(names)
    return found


def _data_overrides(results: Any) -> Overrides:
    """What ``results.remove_data()`` would set to None, as overrides (nothing is modified)."""
    overrides: Overrides = {}
    cached = _cached_data(type(results))
    cache = dict(results._cache)
    for name in (*cached, *getattr(results, "_data_in_cache", ())):
        cache[name] = None
    add(overrides, results, {"_cache": cache})
    model = results.model
    paths = [
        *getattr(results, "_data_attr", ()),
        *(f"model.{p}" for p in getattr(model, "_data_attr", ())),
        *(f"model.{p}" for p in getattr(results, "_data_attr_model", ())),
    ]
    for path in paths:
        if path in cached:
            continue
        *parents, name = path.split(".")
        owner = results
        try:
            for parent in parents:
                owner = getattr(owner, parent)
        except AttributeError:
            continue
        if name in getattr(owner, "__dict__", {}):
            add(overrides, owner, {name: None})
    more = _MORE_MODEL_DATA.get(family(model) or "", ())
    add(overrides, model, {name: None for name in more if name in vars(model)})
    cov_struct = vars(model).get("cov_struct")
    if cov_struct is not None:
        add(overrides, cov_struct, _per_observation(cov_struct, model))
    return overrides


def _per_observation(cov_struct: Any, model: Any) -> dict[str, Any]:
    """A GEE covariance structure's copies of the data, as None: arrays with a row per observation
    (``Nested``'s designs), lists with an item per cluster (its labels). Its parameters
    (``dep_params``) stay; ``cov_struct.model`` is the model itself, written once with its overrides.
    A ``Nested`` GEE kept ten times its data (70 MB for 7 MB)."""
    import numpy as np

    nobs = getattr(model, "nobs", None)
    labels = getattr(model, "group_labels", None)
    groups = len(labels) if labels is not None else 0
    dropped: dict[str, Any] = {}
    for name, value in vars(cov_struct).items():
        if name in ("model", "dep_params"):
            continue
        if isinstance(value, np.ndarray) and value.ndim and nobs and value.shape[0] >= nobs:
            dropped[name] = None
        elif isinstance(value, list) and groups and len(value) == groups:
            dropped[name] = None
    return dropped


_MIXED_LM = "statsmodels.regression.mixed_linear_model"
# MixedLM's per-group copies of the data (lists of arrays) and its data arrays; predict(exog) is
# exog @ fe_params and reads none of them.
_MIXED_LM_DATA = (
    "endog",
    "exog",
    "exog_re",
    "exog_vc",
    "groups",
    "row_indices",
    "endog_li",
    "exog_li",
    "exog_re_li",
    "exog_re2_li",
    "_endex_li",
    "_aex_r",
    "_aex_r2",
)


def _mixed_lm_overrides(results: Any) -> Overrides:
    overrides: Overrides = {}
    model = results.model
    add(overrides, model, {name: None for name in _MIXED_LM_DATA if name in vars(model)})
    data = vars(model).get("data")
    if data is not None:
        names = ("exog", "endog", "orig_endog", "orig_exog", "exog_re", "orig_exog_re")
        add(overrides, data, {name: None for name in names if name in vars(data)})
    return overrides


def overrides_for(results: Any) -> tuple[Overrides, str | None]:
    """The overrides for a results object (or its wrapper), and what they leave out."""
    inner = getattr(results, "_results", results)
    if state_space.is_state_space(inner):
        return state_space.overrides_for(inner, family(inner.model))
    if family(getattr(inner, "model", None)) == _MIXED_LM:
        return _mixed_lm_overrides(inner), DATA_REMOVED
    if _keeps_predicting_without_data(inner):
        return _data_overrides(inner), DATA_REMOVED
    return {}, None


class _Sink:
    """A file for the pickler: keeps what is written up to ``limit`` bytes, counts the rest."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.parts: list[bytes] | None = []
        self.size = 0

    def write(self, data: Any) -> int:
        length = len(memoryview(data).cast("B"))
        self.size += length
        if self.parts is not None:
            if self.limit is not None and self.size > self.limit:
                self.parts = None
            else:
                self.parts.append(bytes(data))
        return length

    def value(self) -> bytes | None:
        return b"".join(self.parts) if self.parts is not None else None


class _SlimPickler(pickle.Pickler):
    def __init__(self, file: Any, overrides: Overrides) -> None:
        super().__init__(file, protocol=PROTOCOL)
        self.overrides = overrides

    def reducer_override(self, obj: Any) -> Any:
        return substitute(self.overrides, obj, PROTOCOL)


def _cloud_pickler() -> type:
    """``_SlimPickler`` on cloudpickle's pickler (classes of ``__main__`` saved by value)."""
    global _SlimCloudPickler
    if _SlimCloudPickler is None:
        import cloudpickle

        class SlimCloudPickler(cloudpickle.Pickler):
            def __init__(self, file: Any, overrides: Overrides) -> None:
                super().__init__(file, protocol=PROTOCOL)
                self.overrides = overrides

            def reducer_override(self, obj: Any) -> Any:
                found = substitute(self.overrides, obj, PROTOCOL)
                return super().reducer_override(obj) if found is NotImplemented else found

        _SlimCloudPickler = SlimCloudPickler
    return _SlimCloudPickler


_SlimCloudPickler: type | None = None


def _dump(results: Any, overrides: Overrides, limit: int | None, cloud: bool) -> _Sink:
    sink = _Sink(limit)
    (_cloud_pickler() if cloud else _SlimPickler)(sink, overrides).dump(results)
    return sink


def pickled(results: Any, limit_bytes: int | None = None) -> Pickled:
    """``results`` pickled without what predicting does not need (see the module docstring)."""
    overrides, removed = overrides_for(results)
    try:
        sink = _dump(results, overrides, limit_bytes, cloud=False)
        data = sink.value()
        if data is None or b"__main__" not in data:
            return Pickled(data, sink.size, "pickle", removed)
    except (pickle.PicklingError, AttributeError, TypeError):
        pass
    try:
        import cloudpickle  # noqa: F401
    except ImportError:
        sink = _dump(results, overrides, limit_bytes, cloud=False)
        return Pickled(sink.value(), sink.size, "pickle", removed)
    sink = _dump(results, overrides, limit_bytes, cloud=True)
    return Pickled(sink.value(), sink.size, "cloudpickle", removed)
