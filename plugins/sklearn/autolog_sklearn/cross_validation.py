"""Cross-validation helpers (``cross_validate``, ``cross_val_score``, ``cross_val_predict``): one run
with the estimator's params and the mean and std of every test/train score across folds."""

from __future__ import annotations

from typing import Any

from .data import argument


def estimator(call) -> Any:
    return argument(call, 0, "estimator")


def params(call) -> dict[str, Any]:
    found = dict(estimator(call).get_params(deep=True))
    found["cv"] = call.kwargs.get("cv")
    scoring = call.kwargs.get("scoring")
    if scoring is not None:
        found["scoring"] = scoring
    return found


def metrics(call) -> dict[str, float]:
    import numpy as np

    result = call.result
    if call.method == "cross_val_score":
        scores = np.asarray(result, dtype=float)
        return {"mean_test_score": float(scores.mean()), "std_test_score": float(scores.std())}
    if call.method == "cross_validate":
        found = {}
        for key, values in result.items():
            if key.startswith(("test_", "train_")) or key in ("fit_time", "score_time"):
                values = np.asarray(values, dtype=float)
                found[f"mean_{key}"] = float(values.mean())
                found[f"std_{key}"] = float(values.std())
        return found
    return {}
