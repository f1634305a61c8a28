"""The SQL both stores run through a plain DB-API cursor: the write path and reading whole runs.

``SqlStore`` (SQLAlchemy, every database) and ``sqlite_direct.DirectSqliteStore`` (the standard
library's ``sqlite3``, what a training process writes a local store through) share it, so they
write and read exactly the same rows. Nothing here imports SQLAlchemy: a training process that
only logs never pays its import (issue 21 item 21).

The write path is the hot path (every run end flushes), so its statements are plain SQL
prepared once: building SQLAlchemy upsert constructs per batch cost milliseconds.
``INSERT ... ON CONFLICT`` with ``excluded`` reads the same in SQLite and PostgreSQL.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable
from typing import Any

from ..batch import WriteBatch
from ..entities import (
    Dataset,
    DatasetInput,
    Experiment,
    InputTag,
    LatestMetrics,
    LifecycleStage,
    Run,
    RunData,
    RunInfo,
    RunInputs,
    RunStatus,
)
from ..errors import RunNotFoundError

# (run, key) -> series id, remembered across batches; bounded so a process logging into
# many runs over weeks does not grow (about 150 bytes an entry).
MAX_CACHED_SERIES = 20_000
IN_CHUNK = 500  # ids per IN (...) list
_NO_INPUTS = RunInputs()

# ``execute(sql, parameters)``: a list of rows runs the statement once per row (DB-API
# ``executemany``), a tuple once; returns what can be iterated for the rows of a query. This is
# SQLAlchemy's ``Connection.exec_driver_sql``, or ``sqlite_direct``'s over a ``sqlite3`` cursor.
Execute = Callable[[str, Any], Iterable[Any]]


def chunks(items: list, size: int = IN_CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def dataset_id(experiment_id, name: str, digest: str) -> str:
    """The id of dataset (name, digest) in an experiment: the same in every process and store."""
    import hashlib

    return hashlib.sha256(f"{experiment_id}\x00{name}\x00{digest}".encode("utf-8", "surrogatepass")).hexdigest()[:32]


def join_uri(root: str, *parts: str) -> str:
    if "://" in root:
        return "/".join([root.rstrip("/"), *parts])
    return os.path.join(root, *parts)


def experiment_from_row(row, tags: dict[str, str] | None = None) -> Experiment:
    return Experiment(
        str(row.experiment_id),
        row.name,
        row.artifact_location,
        row.creation_time,
        row.lifecycle_stage,
        row.last_update_time,
        tags if tags is not None else {},
    )


def decode_value(value: float | None) -> float:
    return math.nan if value is None else float(value)


class BatchWrites:
    """Applies a ``WriteBatch`` with prepared plain SQL; remembers metric series ids across batches."""

    def __init__(self, marker: str):
        self.marker = marker
        self.series: dict[tuple[str, str], int] = {}

        def values(n: int) -> str:
            return "(" + ", ".join([marker] * n) + ")"

        self.sql = {
            "run": "INSERT INTO runs (run_id, experiment_id, run_name, status, start_time, end_time, "
            f"artifact_uri, deleted) VALUES {values(8)}",
            "param": f"INSERT INTO params (run_id, key, value) VALUES {values(3)} ON CONFLICT (run_id, key) DO NOTHING",
            "tag": f"INSERT INTO tags (run_id, key, value) VALUES {values(3)} "
            "ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value",
            "series": f"INSERT INTO metric_series (run_id, key) VALUES {values(2)} "
            "ON CONFLICT (run_id, key) DO NOTHING",
            "metric": f"INSERT INTO metrics (series_id, value, timestamp, step) VALUES {values(4)}",
            "latest": f"INSERT INTO latest_metrics (run_id, key, value, timestamp, step) VALUES {values(5)} "
            "ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value, "
            "timestamp = excluded.timestamp, step = excluded.step "
            "WHERE excluded.step > latest_metrics.step OR (excluded.step = latest_metrics.step "
            "AND excluded.timestamp >= latest_metrics.timestamp)",
            "end": f"UPDATE runs SET status = {marker}, end_time = {marker} WHERE run_id = {marker}",
            "dataset": "INSERT INTO datasets (dataset_id, experiment_id, name, digest, dataset_source_type, "
            f"dataset_source, dataset_schema, dataset_profile) VALUES {values(8)} "
            "ON CONFLICT (dataset_id) DO NOTHING",
            "input": f"INSERT INTO run_inputs (run_id, dataset_id) VALUES {values(2)} "
            "ON CONFLICT (run_id, dataset_id) DO NOTHING",
            "input_tag": f"INSERT INTO input_tags (run_id, dataset_id, key, value) VALUES {values(4)} "
            "ON CONFLICT (run_id, dataset_id, key) DO UPDATE SET value = excluded.value",
        }

    def apply(self, execute: Execute, batch: WriteBatch) -> dict[tuple[str, str], int]:
        """Apply one batch inside the caller's transaction. Params never change value: a conflicting one
        is skipped. Returns the series ids it created, for ``remember`` once the transaction commits."""
        sql = self.sql
        new_series: dict[tuple[str, str], int] = {}
        if batch.new_runs:
            execute(
                sql["run"],
                [
                    (
                        r.run_id,
                        int(r.experiment_id),
                        r.run_name,
                        RunStatus.RUNNING,
                        r.start_time,
                        None,
                        r.artifact_uri,
                        False,
                    )
                    for r in batch.new_runs
                ],
            )
        if batch.params:
            execute(sql["param"], [(r, k, v) for (r, k), v in batch.params.items()])
        if batch.tags:
            execute(sql["tag"], [(r, k, v) for (r, k), v in batch.tags.items()])
        if batch.metrics:
            self._write_metrics(execute, batch.metrics, new_series)
        if batch.inputs:
            self._write_inputs(execute, batch.inputs)
        if batch.run_ends:
            execute(sql["end"], [(status, end_time, run_id) for run_id, (status, end_time) in batch.run_ends.items()])
        return new_series

    def remember(self, new_series: dict[tuple[str, str], int]) -> None:
        """Only once committed: a rolled-back id must not be reused."""
        if new_series:
            if len(self.series) + len(new_series) > MAX_CACHED_SERIES:
                self.series.clear()  # a cache: ids are read again from the table when needed
            self.series.update(new_series)

    def _series_ids(
        self, execute: Execute, points, new_series: dict[tuple[str, str], int]
    ) -> dict[tuple[str, str], int]:
        known = self.series
        needed = {(p[0], p[1]) for p in points}
        # Not ``needed - known.keys()``: a set minus a dict view walks the whole view (the cache holds up
        # to MAX_CACHED_SERIES pairs), which made every batch slower as a process logged more runs.
        missing = {pair for pair in needed if pair not in known}
        if not missing:
            return known
        execute(self.sql["series"], sorted(missing))
        run_ids = sorted({run_id for run_id, _key in missing})
        for chunk in chunks(run_ids):  # one query per 500 runs, not one per run (plain SQL: hot path)
            listed = ", ".join([self.marker] * len(chunk))
            query = f"SELECT run_id, key, series_id FROM metric_series WHERE run_id IN ({listed})"
            for run_id, key, series_id in execute(query, tuple(chunk)):
                new_series[(run_id, key)] = series_id
        return {pair: known[pair] if pair in known else new_series[pair] for pair in needed}

    def _write_metrics(
        self, execute: Execute, points: list[tuple[str, str, float, int, int]], new_series: dict[tuple[str, str], int]
    ) -> None:
        series = self._series_ids(execute, points, new_series)
        rows: list[tuple] = []
        append = rows.append
        latest: dict[tuple[str, str], tuple] = {}
        for run_id, key, number, timestamp, step in points:
            pair = (run_id, key)
            value = None if number != number else number  # NaN is stored as NULL
            append((series[pair], value, timestamp, step))
            current = latest.get(pair)
            if current is None or step > current[0] or (step == current[0] and timestamp >= current[1]):
                latest[pair] = (step, timestamp, value)
        execute(self.sql["metric"], rows)
        execute(
            self.sql["latest"],
            [(run_id, key, value, timestamp, step) for (run_id, key), (step, timestamp, value) in latest.items()],
        )

    def _write_inputs(self, execute: Execute, inputs) -> None:
        """Datasets (once per experiment, name and digest), the runs' links to them and their tags."""
        run_ids = sorted({item.run_id for item in inputs})
        experiment_of: dict[str, int] = {}
        for chunk in chunks(run_ids):
            listed = ", ".join([self.marker] * len(chunk))
            query = f"SELECT run_id, experiment_id FROM runs WHERE run_id IN ({listed})"
            experiment_of.update((run_id, experiment_id) for run_id, experiment_id in execute(query, tuple(chunk)))
        found: dict[str, tuple] = {}
        links: dict[tuple[str, str], None] = {}
        input_tag_rows: dict[tuple[str, str, str], str] = {}
        for item in inputs:
            experiment_id = experiment_of.get(item.run_id)
            if experiment_id is None:
                raise RunNotFoundError(item.run_id)
            key = dataset_id(experiment_id, item.name, item.digest)
            found.setdefault(
                key,
                (key, experiment_id, item.name, item.digest, item.source_type, item.source, item.schema, item.profile),
            )
            links[(item.run_id, key)] = None
            for tag_key, tag_value in item.tags:
                input_tag_rows[(item.run_id, key, tag_key)] = tag_value
        execute(self.sql["dataset"], list(found.values()))
        execute(self.sql["input"], list(links))
        if input_tag_rows:
            execute(self.sql["input_tag"], [(*k, v) for k, v in input_tag_rows.items()])


# -- reading whole runs ----------------------------------------------------------------------------
RUN_COLUMNS = "run_id, experiment_id, run_name, status, start_time, end_time, artifact_uri, deleted"


def build_runs(cursor, marker: str, rows) -> list[Run]:
    """``Run`` objects for rows of the runs table (with the attributes of ``RUN_COLUMNS``): their
    params, tags, latest metrics and dataset inputs read through the DB-API ``cursor``, a page of
    runs in a few queries."""
    ids = [row.run_id for row in rows]
    if not ids:
        return []
    p: dict[str, dict] = {i: {} for i in ids}
    t: dict[str, dict] = {i: {} for i in ids}
    m: dict[str, dict[str, tuple[float, int, int]]] = {i: {} for i in ids}
    for chunk in chunks(ids):
        listed = ", ".join([marker] * len(chunk))
        for table, found in (("params", p), ("tags", t)):
            cursor.execute(f"SELECT run_id, key, value FROM {table} WHERE run_id IN ({listed})", chunk)
            for run_id, key, value in cursor.fetchall():
                found[run_id][key] = value
        cursor.execute(
            f"SELECT run_id, key, value, timestamp, step FROM latest_metrics WHERE run_id IN ({listed})", chunk
        )
        for run_id, key, value, timestamp, step in cursor.fetchall():
            m[run_id][key] = (decode_value(value), timestamp, step)
    inputs = read_inputs(cursor, ids, marker)
    return [
        Run(
            RunInfo(
                run_id=row.run_id,
                run_name=row.run_name,
                experiment_id=str(row.experiment_id),
                status=row.status,
                start_time=row.start_time,
                end_time=row.end_time,
                artifact_uri=row.artifact_uri,
                lifecycle_stage=LifecycleStage.DELETED if row.deleted else LifecycleStage.ACTIVE,
            ),
            RunData(params=p[row.run_id], metrics=LatestMetrics(m[row.run_id]), tags=t[row.run_id]),
            inputs.get(row.run_id, _NO_INPUTS),
        )
        for row in rows
    ]


def read_inputs(cursor, ids: list[str], marker: str) -> dict[str, RunInputs]:
    """The dataset inputs of runs (most have none: one indexed probe per page of runs)."""
    found: dict[str, list[tuple[str, Dataset]]] = {}
    input_tag_map: dict[tuple[str, str], list[InputTag]] = {}
    for chunk in chunks(ids):
        listed = ", ".join([marker] * len(chunk))
        cursor.execute(
            "SELECT i.run_id, d.dataset_id, d.name, d.digest, d.dataset_source_type, d.dataset_source, "
            "d.dataset_schema, d.dataset_profile FROM run_inputs i JOIN datasets d "
            f"ON d.dataset_id = i.dataset_id WHERE i.run_id IN ({listed}) "
            "ORDER BY i.run_id, d.name, d.digest",
            chunk,
        )
        rows = cursor.fetchall()
        if not rows:
            continue
        for run_id, key, *dataset in rows:
            found.setdefault(run_id, []).append((key, Dataset(*dataset)))
        cursor.execute(
            f"SELECT run_id, dataset_id, key, value FROM input_tags WHERE run_id IN ({listed}) ORDER BY key", chunk
        )
        for run_id, key, tag_key, tag_value in cursor.fetchall():
            input_tag_map.setdefault((run_id, key), []).append(InputTag(tag_key, tag_value))
    return {
        run_id: RunInputs(
            tuple(DatasetInput(dataset, tuple(input_tag_map.get((run_id, key), ()))) for key, dataset in items)
        )
        for run_id, items in found.items()
    }
