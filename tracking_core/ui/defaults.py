"""What a page shows before the user chooses: the columns, metrics and axes that tell runs apart.

A sweep's runs share most of their params (``n_jobs``, ``dual``...): as columns they say nothing.
The defaults here are taken from the runs on screen: the params whose values differ between
them (most distinct values first), the metrics most of them have (train and validation pairs
side by side), and for charts the losses first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import NamedTuple

from ..entities import Run

SPLIT_PREFIXES = ("val_", "validation_", "valid_", "train_", "training_", "test_", "eval_")
SYSTEM_PREFIX = "system/"


class Spread(NamedTuple):
    key: str
    runs: int  # how many runs have the key
    distinct: int  # how many different values they hold


def spreads(values_by_run: Iterable[Mapping[str, object]]) -> list[Spread]:
    """Per key: how many runs have it and how many distinct values it takes."""
    present: dict[str, int] = {}
    seen: dict[str, set] = {}
    for values in values_by_run:
        for key, value in values.items():
            present[key] = present.get(key, 0) + 1
            seen.setdefault(key, set()).add(_comparable(value))
    return [Spread(k, present[k], len(seen[k])) for k in present]


def varying_params(runs: list[Run], limit: int) -> list[str]:
    """Params whose value differs between the runs, the most varied first; with fewer than two
    runs nothing can vary, and the params the run has are the ones to show."""
    found = spreads(r.data.params for r in runs)
    if len(runs) < 2:
        return sorted(s.key for s in found)[:limit]
    varying = [s for s in found if s.distinct > 1 or 0 < s.runs < len(runs)]
    varying.sort(key=lambda s: (-s.distinct, -s.runs, s.key))
    return [s.key for s in varying[:limit]]


def common_metrics(runs: list[Run], limit: int) -> list[str]:
    """Metrics most of the runs have (a metric equal in every run is left out when others vary),
    losses first, ``loss`` and ``val_loss`` side by side."""
    found = spreads(r.data.metrics for r in runs)
    if len(runs) >= 2:
        informative = [s for s in found if s.distinct > 1 or s.runs < len(runs)]
        found = informative or found
    found.sort(key=lambda s: (s.key.startswith(SYSTEM_PREFIX), -s.runs, metric_base(s.key), s.key))
    return sorted((s.key for s in found[:limit]), key=_metric_order)


def chart_metrics(runs: list[Run], limit: int = 6) -> list[str]:
    """The metrics the charts page ticks first: losses, then the metrics the most runs share,
    a training metric and its validation twin always together."""
    coverage: dict[str, int] = {}
    for run in runs:
        for key in run.data.metrics:
            coverage[key] = coverage.get(key, 0) + 1
    groups: dict[str, list[str]] = {}
    for key in sorted(coverage):
        groups.setdefault(metric_base(key), []).append(key)

    def rank(base: str) -> tuple:
        keys = groups[base]
        return (keys[0].startswith(SYSTEM_PREFIX), "loss" not in base, -max(coverage[k] for k in keys), base)

    chosen: list[str] = []
    for base in sorted(groups, key=rank):
        if len(chosen) >= limit:
            break
        chosen.extend(groups[base])
    return chosen


def _metric_order(key: str) -> tuple:
    base = metric_base(key)
    return (key.startswith(SYSTEM_PREFIX), "loss" not in base, base, key)


def varying_first(params: dict[str, list]) -> dict[str, list]:
    """The same params, those taking two values or more between the runs first (a scatter's or a
    list's first choice is then one that says something). A param only some runs have (another
    estimator's) with one value among them does not vary: the runs without it say nothing of it."""

    def distinct(values: list) -> int:
        return len({_comparable(x) for x in values if x is not None})

    order = sorted(params, key=lambda k: (-min(distinct(params[k]), 2), -sum(v is not None for v in params[k])))
    return {k: params[k] for k in order}


def common_first(metrics: dict[str, list]) -> dict[str, list]:
    """The same metrics, those the most runs have first (then by name): a comparison's default
    metric is then one every run can be placed on, not one of a single estimator's."""
    order = sorted(metrics, key=lambda k: (-sum(v is not None for v in metrics[k]), _metric_order(k)))
    return {k: metrics[k] for k in order}


def metric_base(key: str) -> str:
    """``val_loss`` -> ``loss``: the name a train/validation/test metric shares with its twins."""
    name = key.rsplit("/", 1)[-1]
    for prefix in SPLIT_PREFIXES:
        if name.startswith(prefix) and len(name) > len(prefix):
            return name[len(prefix) :]
    return name


def _comparable(value: object) -> object:
    if isinstance(value, float) and value != value:  # NaN equals NaN here
        return "NaN"
    return value
