"""Shrink a metric history to what a chart can show, keeping its shape and its extremes.

The x range (steps) is cut into ``buckets`` equal slices, about one per pixel of the chart; each
slice keeps its lowest and its highest point (in step order), so a spike of one step in a
million is still drawn and the minimum and maximum of the whole history are exact. The first and
last points are always kept. A history already small enough is returned unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ..entities import Metric


def downsample(points: Sequence[Metric], buckets: int) -> list[Metric]:
    """At most ``2 * buckets`` points (plus the two ends) of ``points``, sorted by step."""
    if buckets <= 0 or len(points) <= 2 * buckets:
        return list(points)
    first, last = points[0], points[-1]
    lo_step, hi_step = first.step, last.step
    span = hi_step - lo_step + 1
    kept: list[Metric] = [first]
    current = -1
    low = high = None
    for point in points:
        bucket = (point.step - lo_step) * buckets // span
        if bucket != current:
            _emit(kept, low, high)
            current, low, high = bucket, point, point
            continue
        value = point.value  # low and high are set: the first point of every bucket sets them
        if _less(value, low.value):  # type: ignore[union-attr]
            low = point
        if _less(high.value, value):  # type: ignore[union-attr]
            high = point
    _emit(kept, low, high)
    if kept[-1] is not last:
        kept.append(last)
    return kept


def _less(a: float, b: float) -> bool:
    """a < b, NaN never smaller or greater than anything (so NaN points are not chosen over numbers)."""
    if math.isnan(a):
        return False
    if math.isnan(b):
        return True
    return a < b


def _emit(kept: list[Metric], low: Metric | None, high: Metric | None) -> None:
    if low is None or high is None:
        return
    pair = (low, high) if (low.step, low.timestamp) <= (high.step, high.timestamp) else (high, low)
    for point in pair:
        if point is not kept[-1]:
            kept.append(point)
