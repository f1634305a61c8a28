"""Artifacts of a fitted results object: ``model_summary.txt`` and ``coefficients.csv``.

``coefficients.csv`` has one row per parameter: ``name,coef,std_err,statistic,p_value,ci_lower,ci_upper``
(the statistic is ``t`` or ``z`` as the results use; a column the results cannot give is left
out). Multi-equation results (``MNLogit``, ``VAR``) have a 2-D ``params``: the csv is then the
parameter matrix with a ``name`` column; a dict of params (Holt-Winters) is ``name,coef``. The
standard errors, p-values and intervals are the results' cached values, so ``summary()``
computed afterwards reuses them.
"""

from __future__ import annotations

import csv
import functools
import io
import warnings
from collections.abc import Callable, Mapping
from typing import Any

from .metrics import scalar

SUMMARY_FILE = "model_summary.txt"
COEFFICIENTS_FILE = "coefficients.csv"


def _quiet(getter: Callable[[], Any]) -> Any:
    try:
        return getter()
    except Exception:
        return None


def _rows(value: Any) -> list | None:
    if value is None:
        return None
    values = getattr(value, "values", value)  # pandas -> ndarray
    if callable(values):  # a dict's .values()
        values = value
    return values.tolist() if hasattr(values, "tolist") else list(values)


def parameter_names(results: Any, count: int) -> list[str]:
    index = getattr(results.params, "index", None)
    if index is not None:
        return [str(name) for name in index]
    model = getattr(results, "model", None)
    for attribute in ("param_names", "exog_names"):
        names = _quiet(functools.partial(getattr, model, attribute))
        if names is not None and len(names) == count:
            return [str(name) for name in names]
    return [f"param_{i}" for i in range(count)]


def summary_text(results: Any) -> str | None:
    summary = getattr(results, "summary", None)
    if not callable(summary):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = summary()
    return found.as_text() if hasattr(found, "as_text") else str(found)


def coefficients_csv(results: Any) -> str | None:
    params = getattr(results, "params", None)
    if params is None:
        return None
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if isinstance(params, Mapping):  # Holt-Winters: {"smoothing_level": 0.5, ...}
        writer.writerow(["name", "coef"])
        for name, value in params.items():
            number = scalar(value)
            text = repr(number) if number is not None else str(value.tolist() if hasattr(value, "tolist") else value)
            writer.writerow([name, text])
        return buffer.getvalue()
    ndim = getattr(params, "ndim", 1)
    if ndim == 2:
        columns = getattr(params, "columns", None)
        values = _rows(params)
        if values is None:
            return None
        header = [str(c) for c in columns] if columns is not None else [f"coef_{j}" for j in range(len(values[0]))]
        writer.writerow(["name", *header])
        for name, row in zip(parameter_names(results, len(values)), values, strict=False):
            writer.writerow([name, *map(repr, row)])
        return buffer.getvalue()
    if ndim != 1:
        return None
    coefs = _rows(params)
    if coefs is None:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        statistic = "t" if getattr(results, "use_t", False) else "z"
        columns = {
            "coef": coefs,
            "std_err": _rows(_quiet(lambda: results.bse)),
            statistic: _rows(_quiet(lambda: results.tvalues)),
            "p_value": _rows(_quiet(lambda: results.pvalues)),
        }
        interval = _rows(_quiet(results.conf_int))
    if interval is not None and len(interval) == len(coefs) and all(len(pair) == 2 for pair in interval):
        columns["ci_lower"] = [pair[0] for pair in interval]
        columns["ci_upper"] = [pair[1] for pair in interval]
    kept = {k: v for k, v in columns.items() if v is not None and len(v) == len(coefs)}
    writer.writerow(["name", *kept])
    for i, name in enumerate(parameter_names(results, len(coefs))):
        writer.writerow([name, *(repr(float(values[i])) for values in kept.values())])
    return buffer.getvalue()


# What each artifact file is made with, in the order to make them: coefficients first, so that
# ``summary()`` reuses the standard errors, p-values and intervals they computed.
MAKERS: dict[str, Callable[[Any], str | None]] = {
    COEFFICIENTS_FILE: coefficients_csv,
    SUMMARY_FILE: summary_text,
}
