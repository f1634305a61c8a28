"""Enabling before statsmodels is imported: classes defined by later imports are patched too."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap


def test_autolog_before_import_covers_lazily_imported_model_classes(tmp_path):
    script = textwrap.dedent("""
        import sys
        import autolog
        autolog.autolog(log_models=False)
        assert "statsmodels" not in sys.modules
        import numpy as np
        from statsmodels.tsa.arima.model import ARIMA   # imported after enabling
        import statsmodels.formula.api as smf
        import pandas as pd
        series = np.cumsum(np.random.default_rng(0).normal(size=80))
        ARIMA(series, order=(1, 0, 0)).fit()
        first = autolog.last_active_run()
        frame = pd.DataFrame({"x": np.arange(20.0), "y": np.arange(20.0) * 2 + np.sin(np.arange(20.0))})
        smf.ols("y ~ x", frame).fit()
        second = autolog.last_active_run()
        runs = autolog.TrackingClient().search_runs()
        print(len(runs), first.data.tags["autolog.autologging"], "aic" in first.data.metrics,
              second.data.params["method"])
    """)
    env = {**os.environ, "AUTOLOG_TESTING": "1", "AUTOLOG_TRACKING_URI": str(tmp_path / "runs")}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["2", "statsmodels", "True", "pinv"]
