"""The training data of a fit call, as the user passed it: captured before ``fit`` runs.

Some estimators change X in place while fitting (``LinearRegression(copy_X=False)`` centers it; a
user's estimator may add a column to a DataFrame). The signature, the input example and the
training metrics must describe the data the user passed, so what they need is taken before fit:

- the first rows (``autolog.plugin.first_rows``: a copy of 5 rows, the same helper the XGBoost
  and LightGBM estimator APIs use) for the signature and input example, when models are logged;
- X itself, copied, when it is small (up to ``SMALL_COPY_BYTES``, 1 MiB: tens of microseconds);
- for larger X nothing is copied (memory matters more there): a fingerprint (shape, dtype, columns
  and 256 values sampled across X) is compared after fit. If X changed, the training metrics are
  skipped with one warning saying so, rather than computed on data the user never passed.

``sample_weight`` is read by keyword, or by position where the fit signature puts it
(``fit(X, y, w)``); the position comes from the signature, cached per class.
"""

from __future__ import annotations

import inspect
import weakref
from collections.abc import Iterable
from typing import Any

from autolog.plugin import first_rows, warn_once

SMALL_COPY_BYTES = 1 << 20
_SAMPLED_VALUES = 256
_STATE_KEY = "autolog_sklearn.data"
_sample_weight_positions: weakref.WeakKeyDictionary[type, dict[str, int | None]] = weakref.WeakKeyDictionary()


def argument(call, position: int, name: str, default: Any = None) -> Any:
    if len(call.args) > position:
        return call.args[position]
    return call.kwargs.get(name, default)


def _module(obj: Any) -> str:
    return type(obj).__module__.split(".", 1)[0]


def _is_ndarray(obj: Any) -> bool:
    return _module(obj) == "numpy" and type(obj).__name__ == "ndarray"


def _is_pandas(obj: Any) -> bool:
    return _module(obj) == "pandas" and type(obj).__name__ in ("DataFrame", "Series")


def _is_sparse(obj: Any) -> bool:
    return _module(obj) == "scipy" and hasattr(obj, "tocsr")


def _nbytes(X: Any) -> int | None:
    if _is_ndarray(X):
        return X.nbytes
    if _is_pandas(X):
        usage = X.memory_usage(index=False, deep=False)
        return int(usage.sum()) if hasattr(usage, "sum") else int(usage)
    if _is_sparse(X):
        return sum(getattr(getattr(X, part, None), "nbytes", 0) for part in ("data", "indices", "indptr", "row", "col"))
    if isinstance(X, list):
        return 8 * len(X)
    return None


def _copy(X: Any) -> Any:
    if isinstance(X, list):
        return list(X)
    return X.copy()


def _fingerprint(X: Any) -> tuple:
    """What changes when X is changed in place, without reading (or copying) all of it."""
    import numpy as np

    if _is_ndarray(X):
        if X.size == 0:
            return (X.shape, X.dtype)
        index = np.linspace(0, X.size - 1, _SAMPLED_VALUES).astype(np.intp)
        return (X.shape, X.dtype, X.flat[index].copy())
    if _is_pandas(X):
        rows: Any = np.linspace(0, len(X) - 1, min(len(X), 16)).astype(np.intp) if len(X) else []
        columns = tuple(X.columns) if hasattr(X, "columns") else (X.name,)
        dtypes = tuple(X.dtypes) if hasattr(X, "columns") else (X.dtype,)
        return (X.shape, columns, dtypes, X.iloc[rows].copy())
    if _is_sparse(X):
        data: Any = getattr(X, "data", None)
        sample = None
        size: int = getattr(data, "size", 0) if data is not None else 0
        if size:
            sample = data[np.linspace(0, data.size - 1, _SAMPLED_VALUES).astype(np.intp)].copy()
        return (X.shape, X.dtype, getattr(X, "nnz", None), sample)
    return (type(X), len(X) if hasattr(X, "__len__") else None)


def _equal_values(a: Any, b: Any) -> bool:
    """Equal samples, a missing value (NaN) equal to itself, whatever the dtype."""
    import numpy as np

    if _is_pandas(a):
        return _is_pandas(b) and a.equals(b)
    if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)) or a.shape != b.shape:
        return a is b
    if a.dtype.kind in "biufc" and b.dtype.kind in "biufc":
        return bool(np.array_equal(a, b, equal_nan=True))
    return all(
        x is y or x == y or (x != x and y != y) for x, y in zip(a.ravel().tolist(), b.ravel().tolist(), strict=False)
    )


def _same(before: tuple, after: tuple) -> bool:
    if len(before) != len(after):
        return False
    for a, b in zip(before, after, strict=False):
        if (hasattr(a, "shape") and hasattr(a, "dtype")) or _is_pandas(a):
            if not _equal_values(a, b):
                return False
        elif a != b:
            return False
    return True


def _y(call) -> Any:
    return argument(call, 1, "y", call.kwargs.get("Y"))  # PLSRegression and friends: fit(X, Y)


def _sample_weight_position(instance: Any, method: str) -> int | None:
    cls = type(instance)
    try:
        known = _sample_weight_positions.setdefault(cls, {})
    except TypeError:
        known = {}
    if method not in known:
        position = None
        parameters: Iterable[inspect.Parameter]
        try:
            parameters = inspect.signature(getattr(instance, method)).parameters.values()
        except (TypeError, ValueError, AttributeError):
            parameters = ()
        for index, parameter in enumerate(parameters):
            if parameter.kind not in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD):
                break
            if parameter.name == "sample_weight":
                position = index
                break
        known[method] = position
    return known[method]


def _sample_weight(call) -> Any:
    if "sample_weight" in call.kwargs:
        return call.kwargs["sample_weight"]
    position = _sample_weight_position(call.instance, call.method) if len(call.args) > 2 else None
    return call.args[position] if position is not None and len(call.args) > position else None


class _Captured:
    def __init__(self, X: Any, head: Any, copy: Any, fingerprint: tuple | None) -> None:
        self.X = X
        self.head = head
        self.copy = copy
        self.fingerprint = fingerprint
        self.for_metrics: Any = _STATE_KEY  # not resolved yet


def capture_before_fit(call) -> None:
    """``autolog_before_training``: keep what the signature and the metrics need, before fit can change X."""
    X = argument(call, 0, "X")
    if X is None:
        return
    head = first_rows(X) if call.config.get("log_models") else None
    instance = call.instance
    if _y(call) is None or not (hasattr(instance, "predict") or hasattr(instance, "score")):
        call.state[_STATE_KEY] = _Captured(X, head, None, None)  # no training metrics to protect
        return
    size = _nbytes(X)
    small = size is not None and size <= SMALL_COPY_BYTES
    call.state[_STATE_KEY] = _Captured(X, head, _copy(X) if small else None, None if small else _fingerprint(X))


def training_data(call) -> tuple[Any, Any, Any]:
    """(X, y, sample_weight) for the training metrics: X as it was before fit, or None if fit changed
    it and no copy was kept (then one warning says so)."""
    y = _y(call)
    sample_weight = _sample_weight(call)
    captured = call.state.get(_STATE_KEY)
    if captured is None:
        return argument(call, 0, "X"), y, sample_weight
    if captured.for_metrics is _STATE_KEY:
        captured.for_metrics = _resolve(call, captured, y)
    return captured.for_metrics, y, sample_weight


def _resolve(call, captured: _Captured, y: Any) -> Any:
    if captured.copy is not None:
        return captured.copy
    if captured.fingerprint is None or _same(captured.fingerprint, _fingerprint(captured.X)):
        return captured.X
    if y is not None:
        warn_once(
            call.integration,
            f"sklearn: {type(call.instance).__name__}.{call.method} changed X in place; "
            f"its training metrics were not computed (X is over {SMALL_COPY_BYTES >> 20} MiB, so it is "
            "not copied before fit)",
            call.config.get("silent", False),
        )
    return None


def signature_input(call) -> Any:
    """The data for the signature and input example: the rows captured before fit."""
    captured = call.state.get(_STATE_KEY)
    if captured is None or captured.head is None:
        return argument(call, 0, "X")
    return captured.head
