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


def longest_series(store, run_ids: list[str], keys: list[str]) -> dict[str, int]:
    """Metric -> the most points any of the runs has of it: a metric at 1 is drawn as bars from
    the runs' latest values, with no history to fetch."""
    from .queries import series_lengths

    longest: dict[str, int] = {}
    for (_, key), count in series_lengths(store, run_ids, keys).items():
        longest[key] = max(count, longest.get(key, 0))
    return longest
