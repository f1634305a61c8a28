"""Columns of the runs table: what the URL asks for, how each cell reads, and the CSV export.

A column is named as in the filter syntax: ``params.alpha``, ``metrics.rmse``, ``tags.team``,
or an attribute (``attributes.status``...). The URL carries the chosen columns as
``columns=params.alpha,metrics.rmse``; the fixed attribute columns (name, status, start, duration,
integration) are always shown.
"""

from __future__ import annotations

import csv
import datetime
import io
import math
from collections.abc import Iterable
from typing import NamedTuple

from ..entities import Run
from .defaults import common_metrics, varying_params
from .queries import TAG_PARENT, ColumnKeys

TAG_INTEGRATION = "autolog.autologging"
DEFAULT_PARAMS = 8
DEFAULT_METRICS = 8
ENTITIES = ("params", "metrics", "tags")


class Column(NamedTuple):
    entity: str  # params | metrics | tags | attributes
    key: str

    @property
    def name(self) -> str:
        return f"{self.entity}.{self.key}"

    @property
    def order_name(self) -> str:
        """The column as ``order_by`` spells it (backquotes around keys that are not plain words)."""
        if self.entity == "attributes" or all(c.isalnum() or c == "_" for c in self.key):
            return self.name
        return f"{self.entity}.`{self.key}`"


# The fixed attribute columns: (label, order_by name or None when not sortable).
ATTRIBUTE_COLUMNS = (
    ("Run", "attributes.run_name"),
    ("Status", "attributes.status"),
    ("Started", "attributes.start_time"),
    ("Duration", None),
    ("Integration", f"tags.`{TAG_INTEGRATION}`"),
)


INTEGRATION_COLUMN = f"tags.`{TAG_INTEGRATION}`"
# The attribute columns a user may hide (the run name stays): (column name, label).
HIDEABLE_ATTRIBUTES = (
    ("attributes.status", "Status"),
    ("attributes.start_time", "Started"),
    ("attributes.duration", "Duration"),
    (INTEGRATION_COLUMN, "Integration"),
    ("attributes.experiment", "Experiment"),
)


def parse_hidden(spec: str | None) -> list[str]:
    """The attribute columns hidden by the URL (``hide=attributes.status,attributes.duration``)."""
    named = {part.strip() for part in (spec or "").split(",")}
    return [name for name, _ in HIDEABLE_ATTRIBUTES if name in named]


def parse_columns(spec: str | None, keys: ColumnKeys, shown: list[Run] | None = None) -> list[Column]:
    """The columns the URL names (unknown entities dropped), or by default the metrics and the
    params that tell the ``shown`` runs apart (without runs, the keys most runs have)."""
    if spec is None and shown:  # what was varied, then what came of it
        return [Column("params", k) for k in varying_params(shown, DEFAULT_PARAMS)] + [
            Column("metrics", k) for k in common_metrics(shown, DEFAULT_METRICS)
        ]
    if spec is None:
        metrics = sorted(keys.frequent_metrics[:DEFAULT_METRICS])
        params_ = sorted(keys.frequent_params[:DEFAULT_PARAMS])
        return [Column("metrics", k) for k in metrics] + [Column("params", k) for k in params_]
    chosen: list[Column] = []
    for part in spec.split(","):
        entity, _, key = part.strip().partition(".")
        if entity in ENTITIES and key and Column(entity, key) not in chosen:
            chosen.append(Column(entity, key))
    return chosen


def format_columns(columns: Iterable[Column]) -> str:
    return ",".join(c.name for c in columns)


def parse_pins(spec: str | None, columns: list[Column]) -> list[Column]:
    """The pinned columns (``pin=metrics.loss``): those of ``columns`` the URL names, in table order."""
    named = {part.strip() for part in (spec or "").split(",")}
    return [c for c in columns if c.name in named]


MIN_WIDTH, MAX_WIDTH = 40, 1200


def parse_widths(spec: str | None) -> dict[str, int]:
    """Column widths set by dragging (``widths=metrics.loss:120,attributes.run_name:300``), in pixels."""
    widths: dict[str, int] = {}
    for part in (spec or "").split(","):
        name, _, pixels = part.strip().rpartition(":")
        if name and pixels.isdigit():
            widths[name] = min(MAX_WIDTH, max(MIN_WIDTH, int(pixels)))
    return widths


def format_widths(widths: dict[str, int]) -> str:
    return ",".join(f"{name}:{pixels}" for name, pixels in widths.items())


def cell(run: Run, column: Column) -> str | float | None:
    if column.entity == "params":
        return run.data.params.get(column.key)
    if column.entity == "metrics":
        return run.data.metrics.get(column.key)
    if column.entity == "tags":
        return run.data.tags.get(column.key)
    return getattr(run.info, column.key, None)


def format_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        if value == int(value) and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.6g}" if abs(value) >= 1e-4 else f"{value:.4g}"
    return str(value)


BYTE_UNITS = ("KB", "MB", "GB", "TB")


def format_bytes(size: int | float | None, *_ignored) -> str:
    """A size in one unit system everywhere (binary: 1 KB = 1,024 bytes), as ui.js fmtBytes writes it."""
    if size is None:
        return ""
    size = float(size)
    if size < 1024:
        return f"{int(size)} byte" + ("" if int(size) == 1 else "s")
    for unit in BYTE_UNITS:
        size /= 1024
        if size < 1024 or unit == BYTE_UNITS[-1]:
            return f"{size:.1f} {unit}"
    return ""


def format_time(ms: int | None) -> str:
    """A time for the CSV export: ISO 8601 in UTC, marked so (``2026-12-05T00:26:18Z``)."""
    if not ms:
        return ""
    return datetime.datetime.fromtimestamp(ms / 1000, tz=datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_duration(start: int | None, end: int | None) -> str:
    if not start or not end:
        return ""
    seconds = max(0, end - start) / 1000
    if seconds < 10:
        return f"{seconds:.2f} s"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, seconds = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes:02d} min"
    return f"{hours // 24} d {hours % 24} h"


def duration_seconds(run: Run) -> float | None:
    if not run.info.end_time:
        return None
    return max(0, run.info.end_time - run.info.start_time) / 1000


# -- CSV ---------------------------------------------------------------------------------------
CSV_FIXED = [
    "run_id",
    "run_name",
    "experiment_id",
    "status",
    "start_time",
    "end_time",
    "duration_s",
    "integration",
    "parent_run_id",
]


def _safe_csv(value) -> str:
    """Text a spreadsheet will not run as a formula (``=``, ``+``, ``-``, ``@`` that are not numbers)."""
    text = format_value(value) if isinstance(value, float) else ("" if value is None else str(value))
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not isinstance(value, float):
        try:
            float(text)
        except ValueError:
            return "'" + text
    return text


def csv_header(columns: list[Column]) -> str:
    return _csv_line(CSV_FIXED + [c.name for c in columns])


def csv_row(run: Run, columns: list[Column]) -> str:
    info = run.info
    fixed = [
        info.run_id,
        info.run_name,
        info.experiment_id,
        info.status,
        format_time(info.start_time),
        format_time(info.end_time),
        format_value(duration_seconds(run)),
        run.data.tags.get(TAG_INTEGRATION, ""),
        run.data.tags.get(TAG_PARENT, ""),
    ]
    return _csv_line([_safe_csv(v) for v in fixed] + [_safe_csv(cell(run, c)) for c in columns])


def _csv_line(values: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out).writerow(values)
    return out.getvalue()
