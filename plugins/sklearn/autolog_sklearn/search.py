"""Parameter search (GridSearchCV, RandomizedSearchCV, Halving*): parent params and child runs.

The parent run gets ``best_<param>`` params, ``best_cv_score`` and ``cv_results.csv``; the
``max_tuning_runs`` best candidates each get a child run with their params and test scores.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import tracking_core as tracking
from autolog.plugin import TAG_AUTOLOGGING


def is_search(estimator: Any) -> bool:
    from sklearn.model_selection._search import BaseSearchCV

    return isinstance(estimator, BaseSearchCV)


def best_params(search: Any) -> dict[str, Any]:
    return {f"best_{k}": v for k, v in (getattr(search, "best_params_", None) or {}).items()}


def best_score(search: Any) -> dict[str, float]:
    score = getattr(search, "best_score_", None)
    return {} if score is None else {"best_cv_score": float(score)}


def cv_results_csv(search: Any) -> str:
    results = search.cv_results_
    columns = list(results)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for i in range(len(results["params"])):
        writer.writerow([results[c][i] for c in columns])
    return out.getvalue()


def _rank_key(results: dict, refit: Any) -> str:
    if isinstance(refit, str) and f"rank_test_{refit}" in results:
        return f"rank_test_{refit}"
    if "rank_test_score" in results:
        return "rank_test_score"
    return next(k for k in results if k.startswith("rank_test_"))


def log_child_runs(
    search: Any, max_tuning_runs: int | None, extra_tags: dict | None = None, estimator_tags: dict | None = None
) -> list[str]:
    """One nested run per best candidate (tagged like the parent with the searched estimator's
    ``estimator_name``/``estimator_class``); returns their run ids, best first."""
    results = search.cv_results_
    rank_key = _rank_key(results, getattr(search, "refit", None))
    order = sorted(range(len(results["params"])), key=lambda i: (results[rank_key][i], i))
    if max_tuning_runs is not None:
        order = order[: max(0, int(max_tuning_runs))]
    score_keys = [k for k in results if k.startswith(("mean_test_", "std_test_", "rank_test_"))]
    run_ids = []
    for index in order:
        tags = {TAG_AUTOLOGGING: "sklearn", **(estimator_tags or {}), **(extra_tags or {})}
        with tracking.start_run(nested=True, tags=tags) as child:
            tracking.log_params(results["params"][index])
            tracking.log_metrics({k: float(results[k][index]) for k in score_keys})
            run_ids.append(child.info.run_id)
    return run_ids
