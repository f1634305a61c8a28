"""autolog-lightgbm next to autolog-sklearn: LightGBM estimators are ours, a Pipeline is sklearn's."""

from __future__ import annotations

import pytest

pytest.importorskip("autolog_sklearn")


def test_estimator_fit_is_one_lightgbm_run_and_pipeline_fit_is_one_sklearn_run(autolog_enable, data, autolog_store):
    autolog_enable("lightgbm")
    autolog_enable("sklearn")
    import lightgbm as lgb
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = data
    lgb.LGBMClassifier(n_estimators=3, n_jobs=1, verbose=-1).fit(X, y)
    runs = autolog_store.search_runs()
    assert [r.data.tags["autolog.autologging"] for r in runs] == ["lightgbm"]

    make_pipeline(StandardScaler(), lgb.LGBMClassifier(n_estimators=3, n_jobs=1, verbose=-1)).fit(X, y)
    tags = sorted(r.data.tags["autolog.autologging"] for r in autolog_store.search_runs())
    assert tags == ["lightgbm", "sklearn"]
