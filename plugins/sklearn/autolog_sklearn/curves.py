"""``learning_curve``, ``validation_curve`` and ``permutation_test_score``: one run each, the curve as data.

Like ``cross_validate`` they make one run (or log into the user's), with the estimator's params
and no model: the estimators fitted on folds are sklearn's, not the user's. What each logs:

- ``learning_curve``: params ``cv``, ``scoring``; metrics ``mean_train_score``, ``std_train_score``,
  ``mean_test_score``, ``std_test_score`` at the largest training size; ``learning_curve.json``.
- ``validation_curve``: the varied parameter is left out of the params (it has no single value);
  params ``param_name``, ``param_range``, ``best_<param_name>`` (best mean test score); metrics
  ``best_mean_test_score``, ``best_std_test_score``, ``best_mean_train_score``; ``validation_curve.json``.
- ``permutation_test_score``: param ``n_permutations``; metrics ``cv_score``, ``pvalue``,
  ``mean_permutation_score``, ``std_permutation_score``; ``permutation_test_score.json``
  ``{"score": x, "pvalue": p, "permutation_scores": [...]}``.

The curve files hold one entry per training size (``"train_sizes": [n, ...]``) or parameter value
(``"param_name": "C", "param_range": [...]``): ``train_scores`` and ``test_scores`` are the means
over folds (flat lists, ready to draw), ``train_scores_std``/``test_scores_std`` their standard
deviations, ``train_scores_folds``/``test_scores_folds`` every fold's score (one row per entry);
``learning_curve`` with ``return_times=True`` adds ``fit_times``/``score_times`` (means).
Scores that failed (``error_score=nan``) are ``null`` in the JSON.
"""

from __future__ import annotations

import json
import math
import warnings
from typing import Any

from autolog.plugin import ArtifactToLog

from .data import argument

FUNCTIONS = ("learning_curve", "validation_curve", "permutation_test_score")


def _plain(value: Any) -> Any:
    """JSON-ready: numpy values to Python ones, NaN/inf to None."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _rows(values: Any) -> list:
    import numpy as np

    return _plain(np.asarray(values, dtype=float))


def _scores(name: str, values: Any) -> dict[str, list]:
    """Means and stds over folds (NaN folds left out) and the folds themselves, for each row."""
    import numpy as np

    values = np.asarray(values, dtype=float)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a row of only failed folds: mean of nothing
        means, stds = np.nanmean(values, axis=1), np.nanstd(values, axis=1)
    return {name: _plain(means), f"{name}_std": _plain(stds), f"{name}_folds": _plain(values)}


def _mean_std(prefix: str, values: Any) -> dict[str, float]:
    import numpy as np

    values = np.asarray(values, dtype=float)
    return {f"mean_{prefix}": float(values.mean()), f"std_{prefix}": float(values.std())}


def params(call) -> dict[str, Any]:
    found = dict(argument(call, 0, "estimator").get_params(deep=True))
    for name in ("cv", "scoring"):
        found[name] = call.kwargs.get(name)
    if call.method == "validation_curve":
        param_name = call.kwargs.get("param_name")
        found.pop(param_name, None)
        found["param_name"] = param_name
        found["param_range"] = _plain(call.kwargs.get("param_range"))
        best = _best_index(call)
        if best is not None:
            found[f"best_{param_name}"] = _plain(list(call.kwargs.get("param_range"))[best])
    elif call.method == "permutation_test_score":
        found["n_permutations"] = call.kwargs.get("n_permutations", 100)
    return found


def _best_index(call) -> int | None:
    import numpy as np

    means = np.asarray(call.result[1], dtype=float).mean(axis=1)
    if np.all(np.isnan(means)):
        return None
    return int(np.nanargmax(means))


def metrics(call) -> dict[str, float]:
    import numpy as np

    result = call.result
    if call.method == "learning_curve":
        return {**_mean_std("train_score", result[1][-1]), **_mean_std("test_score", result[2][-1])}
    if call.method == "validation_curve":
        best = _best_index(call)
        if best is None:
            return {}
        test = _mean_std("test_score", result[1][best])
        return {
            "best_mean_test_score": test["mean_test_score"],
            "best_std_test_score": test["std_test_score"],
            "best_mean_train_score": float(np.asarray(result[0][best], dtype=float).mean()),
        }
    score, permutation_scores, pvalue = result
    return {"cv_score": float(score), "pvalue": float(pvalue), **_mean_std("permutation_score", permutation_scores)}


def artifacts(call) -> list[ArtifactToLog]:
    result = call.result
    if call.method == "learning_curve":
        curve = {
            "train_sizes": _plain(result[0]),
            **_scores("train_scores", result[1]),
            **_scores("test_scores", result[2]),
        }
        if len(result) == 5:
            curve.update(fit_times=_plain(result[3].mean(axis=1)), score_times=_plain(result[4].mean(axis=1)))
    elif call.method == "validation_curve":
        curve = {
            "param_name": call.kwargs.get("param_name"),
            "param_range": _plain(call.kwargs.get("param_range")),
            **_scores("train_scores", result[0]),
            **_scores("test_scores", result[1]),
        }
    else:
        curve = {
            "score": _plain(float(result[0])),
            "pvalue": _plain(float(result[2])),
            "permutation_scores": _rows(result[1]),
        }
    return [ArtifactToLog(f"{call.method}.json", content=json.dumps(curve))]
