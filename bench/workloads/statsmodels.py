"""statsmodels workloads: OLS on 2,000 x 20 (the issue's target: at most 5 ms added per fit, 30 ms with the
model); GEE on 200 observations in 50 clusters, the kind of small fit a simulation study repeats
thousands of times (issue 16: autolog doubled such a loop); an UnobservedComponents model on 300
points, whose results object carries large state-space arrays (issue 16: model size). The GEE
fit on 500 clusters shows the cost of pickling per-cluster data.
"""

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


def _prepare_gee(clusters: int = 50) -> tuple[Any, Any, Any]:
    import numpy as np
    import statsmodels.api as sm

    rng = np.random.default_rng(0)
    groups = np.repeat(np.arange(clusters), 4)
    X = sm.add_constant(rng.normal(size=(4 * clusters, 3)))
    cluster_effect = np.repeat(rng.normal(size=clusters), 4)
    y = (X @ np.array([0.2, 0.5, -0.5, 0.3]) + cluster_effect + rng.normal(size=4 * clusters) > 0).astype(float)
    return y, X, groups


def _train_gee(data: tuple[Any, Any, Any]) -> Any:
    import statsmodels.api as sm

    y, X, groups = data
    return sm.GEE(y, X, groups, family=sm.families.Binomial(), cov_struct=sm.cov_struct.Exchangeable()).fit()


def _prepare_series() -> Any:
    import numpy as np

    rng = np.random.default_rng(0)
    t = np.arange(300)
    return np.cumsum(rng.normal(size=300)) + 5 * np.sin(2 * np.pi * t / 12)


def _train_unobserved_components(series: Any) -> Any:
    import statsmodels.api as sm

    model = sm.tsa.UnobservedComponents(series, "local level", freq_seasonal=[{"period": 12, "harmonics": 6}])
    return model.fit(disp=False, maxiter=20)


WORKLOADS: list[Workload] = [
    Workload("statsmodels OLS 2000x20", "statsmodels", "statsmodels", _prepare_ols, _train_ols),
    Workload(
        "statsmodels GEE binomial 200 obs 50 clusters",
        "statsmodels",
        "statsmodels",
        _prepare_gee,
        _train_gee,
        repeat=60,
    ),
    Workload(
        "statsmodels GEE binomial 2000 obs 500 clusters",
        "statsmodels",
        "statsmodels",
        lambda: _prepare_gee(500),
        _train_gee,
        repeat=12,
    ),
    Workload(
        "statsmodels UnobservedComponents 300 points",
        "statsmodels",
        "statsmodels",
        _prepare_series,
        _train_unobserved_components,
        repeat=8,
    ),
]
