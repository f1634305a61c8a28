"""Metrics of a fitted statsmodels results object: the listed scalar attributes it has.

Each name in ``METRIC_ATTRIBUTES`` is read with ``getattr``; one that does not exist, raises,
is not a real scalar or is not finite is skipped. Warnings statsmodels emits while computing them
(``GLMResults.bic``'s FutureWarning, for example) are not shown to the user: autolog asked, not them.
Some attributes fit a model (``llnull`` fits the null model); the core runs collection inside the
training context, so those inner fits are not logged.
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import Any

METRIC_ATTRIBUTES: tuple[str, ...] = (
    "aic",
    "bic",
    "llf",
    "nobs",
    "rsquared",
    "rsquared_adj",
    "fvalue",
    "f_pvalue",
    "mse_model",
    "mse_resid",
    "mse_total",
    "ssr",
    "ess",
    "centered_tss",
    "df_model",
    "df_resid",
    "prsquared",
    "llnull",
    "llr",
    "llr_pvalue",
    "deviance",
    "pearson_chi2",
    "scale",
)


def scalar(value: Any) -> float | None:
    """``value`` as a finite float when it is a real scalar (0-d arrays included), else None."""
    if getattr(value, "ndim", None) == 0 and hasattr(value, "item"):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def results_metrics(results: Any) -> dict[str, float]:
    metrics: dict[str, float] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in METRIC_ATTRIBUTES:
            try:
                value = scalar(getattr(results, name))
            except Exception:
                continue
            if value is not None:
                metrics[name] = value
    return metrics
