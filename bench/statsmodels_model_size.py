"""Size of the saved statsmodels model per state-space family (issue 21 item 9), and what loading costs.

For each family, fitted on small realistic data (300 points): what ``pickle.dumps(results)``
writes, what autolog saves (``autolog_statsmodels.saving.pickled``), the time to make and to load
that pickle, and whether the loaded object forecasts (mean and intervals) and predicts in-sample
exactly as the results do. Run as ``python -m bench.statsmodels_model_size [NAME-PART ...]`` from
the repository root; the UnobservedComponents fit with a 100-period seasonal alone takes about
half a minute of fitting (its 101 states), ``fit_maxiter=N`` in the arguments limits every fit.
"""

from __future__ import annotations

import pickle
import sys
import time
import warnings
from collections.abc import Callable
from typing import Any


def families(maxiter: int | None) -> dict[str, Callable[[], Any]]:
    import numpy as np
    import pandas as pd
    import statsmodels.api as sm
    from statsmodels.tsa.arima.model import ARIMA
    from statsmodels.tsa.statespace.exponential_smoothing import ExponentialSmoothing

    rng = np.random.default_rng(0)
    n = 300
    t = np.arange(n)
    y = np.cumsum(rng.normal(size=n)) + 10 * np.sin(2 * np.pi * t / 100)
    X = rng.normal(size=(n, 2))
    monthly = 0.5 * np.cumsum(rng.normal(size=n)) + 3 * np.sin(2 * np.pi * t / 12) + X @ [1.0, -0.5]
    index = pd.date_range("2000-01-01", periods=n, freq="D")
    pair = np.diff(np.column_stack([y, 0.5 * y + rng.normal(size=n)]), axis=0)
    limit = {} if maxiter is None else {"maxiter": maxiter}
    return {
        "UnobservedComponents(local level, freq_seasonal 100/50)": lambda: sm.tsa.UnobservedComponents(
            y, level="local level", freq_seasonal=[{"period": 100, "harmonics": 50}]
        ).fit(disp=False, **limit),
        "SARIMAX(1,0,1)(1,0,1,12) with exog, pandas": lambda: sm.tsa.SARIMAX(
            pd.Series(monthly, index),
            exog=pd.DataFrame(X, index, columns=["a", "b"]),
            order=(1, 0, 1),
            seasonal_order=(1, 0, 1, 12),
        ).fit(disp=False, **limit),
        "ARIMA(2,1,1)(1,0,0,12)": lambda: ARIMA(monthly, order=(2, 1, 1), seasonal_order=(1, 0, 0, 12)).fit(
            method_kwargs=dict(limit)  # ARIMA adds "disp" to it
        ),
        "statespace ExponentialSmoothing(trend)": lambda: ExponentialSmoothing(monthly, trend=True).fit(
            disp=False, **limit
        ),
        "DynamicFactor(1 factor, order 2)": lambda: sm.tsa.DynamicFactor(pair, k_factors=1, factor_order=2).fit(
            disp=False, **limit
        ),
        "VARMAX(2,0)": lambda: sm.tsa.VARMAX(pair, order=(2, 0)).fit(disp=False, maxiter=maxiter or 50),
    }


def same_predictions(results: Any, loaded: Any) -> bool:
    import numpy as np

    exog = {"exog": np.ones((10, results.model.k_exog))} if getattr(results.model, "k_exog", 0) else {}
    pairs = [
        (results.forecast(10, **exog), loaded.forecast(10, **exog)),
        (results.get_forecast(10, **exog).summary_frame(), loaded.get_forecast(10, **exog).summary_frame()),
        (results.predict(), loaded.predict()),
    ]
    return all(np.array_equal(np.asarray(a), np.asarray(b)) for a, b in pairs)


def main(argv: list[str]) -> int:
    from autolog_statsmodels import saving

    warnings.simplefilter("ignore")
    maxiter = next((int(a.split("=", 1)[1]) for a in argv if a.startswith("fit_maxiter=")), None)
    wanted = [a for a in argv if not a.startswith("fit_maxiter=")]
    for name, fit in families(maxiter).items():
        if wanted and not any(part in name for part in wanted):
            continue
        started = time.perf_counter()
        results = fit()
        fitted = time.perf_counter() - started
        whole = len(pickle.dumps(results))
        started = time.perf_counter()
        prepared = saving.pickled(results)
        saved = time.perf_counter() - started
        assert prepared.data is not None
        started = time.perf_counter()
        loaded = pickle.loads(prepared.data)
        load = time.perf_counter() - started
        print(
            f"{name:56s} pickle.dumps {whole / 1e6:8.2f} MB  saved {prepared.size / 1e3:9.1f} kB  "
            f"pickling {saved * 1e3:6.1f} ms  loading {load * 1e3:6.1f} ms  same predictions "
            f"{same_predictions(results, loaded)}  (fit {fitted:.1f} s)",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
