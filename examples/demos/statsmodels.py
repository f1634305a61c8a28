"""statsmodels demo: an OLS fit through the formula API and a Logit fit, each its own run."""

from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.api as sm
import statsmodels.formula.api as smf


def demo() -> str:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(300, 3)), columns=["a", "b", "c"])
    frame["y"] = 1.5 * frame.a - 0.5 * frame.b + rng.normal(scale=0.3, size=300)
    smf.ols("y ~ a + b + c", frame).fit()
    X = sm.add_constant(frame[["a", "b", "c"]])
    clicked = (frame.a + rng.logistic(size=300) > 0).astype(float)
    results = sm.Logit(clicked, X).fit(disp=0)
    return f"statsmodels OLS (formula) then Logit on 300 rows: pseudo R2 {results.prsquared:.3f} (last run shown)"
