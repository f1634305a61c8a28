"""The charts of the charts page as its address holds them, so a chart with its settings can be shared,
and what the page needs to know of the runs' metrics before drawing them.

``metrics=loss|val_loss@x=metric:epoch;log;s=0.6,accuracy@o=desc`` is two charts: loss and val_loss
overlaid, drawn against the metric ``epoch`` on a log scale with smoothing 0.6; then accuracy, its bars
highest first when it has one value per run. ``|``, ``@``, ``;`` and ``=`` cannot be in a metric key.
"""

from __future__ import annotations

import math
from typing import Any


def chart_specs(text: str, keys: list[str]) -> list[dict]:
    """The charts in a ``metrics=`` address: ``loss|val_loss@x=metric:epoch;log;s=0.6;o=desc,accuracy``
    is a chart overlaying loss and val_loss against the metric epoch, log scale, smoothing 0.6, and a
    chart of accuracy (bars highest first when it has one value per run). Unknown metrics are left out."""
    specs = []
    for item in text.split(","):
        names, _, options = item.partition("@")
        chosen = [k for k in dict.fromkeys(names.split("|")) if k in keys]
        if not chosen:
            continue
        spec: dict[str, Any] = {"keys": chosen}
        for option in options.split(";"):
            name, _, value = option.partition("=")
            if name == "x" and (
                value in ("step", "time", "relative") or (value.startswith("metric:") and value[7:] in keys)
            ):
                spec["x"] = value
            elif name == "log":
                spec["log"] = value != "0"
            elif name == "s":
                spec["smoothing"] = smoothing(value)
            elif name == "o" and value in ("table", "asc", "desc"):
                spec["order"] = value
        specs.append(spec)
    return specs


def smoothing(text: str | None) -> float:
    try:
        value = float(text or 0)
    except ValueError:
        return 0.0
    return min(max(value, 0.0), 0.99) if math.isfinite(value) else 0.0


def step_spreads(store, run_ids: list[str], keys: list[str]) -> dict[str, int]:
    """Metric -> the widest span of steps any of the runs logged it over. At 0 every run has its
    values at one step (one value a run): the page draws bars from the runs' latest values and
    fetches no history. Two index lookups a series (its first and last step), whatever its length."""
    import sqlalchemy as sa

    from ..storage.sql_store import metric_series, metrics

    if not run_ids or not keys:
        return {}
    first, last = metrics.alias("first_step"), metrics.alias("last_step")
    series = metric_series.c.series_id
    low = sa.select(sa.func.min(first.c.step)).where(first.c.series_id == series).scalar_subquery()
    high = sa.select(sa.func.max(last.c.step)).where(last.c.series_id == series).scalar_subquery()
    query = (
        sa.select(metric_series.c.key, sa.func.max(high - low))
        .where(metric_series.c.run_id.in_(run_ids), metric_series.c.key.in_(keys))
        .group_by(metric_series.c.key)
    )
    with store.engine.connect() as conn:
        return {key: int(spread) for key, spread in conn.execute(query) if spread is not None}
