"""statsmodels workloads: OLS on 2,000 x 20 (the issue's target: at most 5 ms added per fit, 30 ms with the model)."""
from __future__ import annotations

from typing import Any

from . import Workload


def _prepare_ols() -> tuple[Any, Any]:
    import numpy as np
    import statsmodels.api as sm

    rng = np.random.default_rng(0)
    X = sm.add_constant(rng.normal(size=(2000, 20)))
    y = X @ rng.normal(size=21) + rng.normal(size=2000)
    return X, y


def _train_ols(data: tuple[Any, Any]) -> Any:
    import statsmodels.api as sm

    X, y = data
    return sm.OLS(y, X).fit()


WORKLOADS: list[Workload] = [
    Workload("statsmodels OLS 2000x20", "statsmodels", "statsmodels", _prepare_ols, _train_ols),
]
