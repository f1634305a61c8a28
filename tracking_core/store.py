"""The tracking store: one SQLAlchemy Core schema serving SQLite (default) and PostgreSQL.

Writes arrive as ``WriteBatch`` objects from the batching writer and land in one transaction.
SQLite runs in WAL mode with a busy timeout and ``BEGIN IMMEDIATE`` for writes, so several
processes can share one database file without losing data.
"""
from __future__ import annotations

import math
import os
import threading
from typing import Iterable

import sqlalchemy as sa
from sqlalchemy import event

from .batch import NewRun, WriteBatch, now_ms
from .entities import Experiment, LifecycleStage, Metric, Run, RunData, RunInfo, RunStatus
from .errors import RunNotFoundError

from .schema import (experiment_tags, experiments, latest_metrics, metadata, metric_series, metrics,  # noqa: F401
                     open_schema, params, runs, tags)


def _decode_value(value: float | None) -> float:
    return math.nan if value is None else float(value)


class SqlStore:
    """Reads and writes runs through SQLAlchemy Core. One instance per database URL and process."""

    def __init__(self, database_url: str):
        self.database_url = database_url
        self.is_sqlite = database_url.startswith("sqlite")
        self.engine = make_engine(database_url)
        self._series: dict[tuple[str, str], int] = {}
        self._prepare_write_sql()
        open_schema(self.engine, database_url)

    # -- plumbing -------------------------------------------------------------------------
    def _write(self):
        return self.engine.connect().execution_options(autolog_write=True)

    def dispose_after_fork(self) -> None:
        self.engine.dispose(close=False)

    # -- experiments ------------------------------------------------------------------------
    def get_or_create_experiment(self, name: str, artifact_root: str) -> Experiment:
        found = self.get_experiment_by_name(name)
        if found is not None:
            return found
        try:
            with self._write() as conn, conn.begin():
                row = conn.execute(sa.select(experiments).where(experiments.c.name == name)).first()
                if row is None:
                    created = now_ms()
                    result = conn.execute(experiments.insert().values(
                        name=name, artifact_location="", creation_time=created, last_update_time=created))
                    experiment_id = result.inserted_primary_key[0]
                    location = _join_uri(artifact_root, str(experiment_id))
                    conn.execute(experiments.update().where(experiments.c.experiment_id == experiment_id)
                                 .values(artifact_location=location))
        except sa.exc.IntegrityError:
            pass  # another process created it first (PostgreSQL: no write lock up front as in SQLite)
        found = self.get_experiment_by_name(name)
        assert found is not None
        return found

    def get_experiment_by_name(self, name: str) -> Experiment | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(experiments).where(experiments.c.name == name)).first()
        return _experiment(row) if row else None

    def get_experiment(self, experiment_id: str) -> Experiment | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(experiments).where(
                experiments.c.experiment_id == int(experiment_id))).first()
        return _experiment(row) if row else None

    # -- writes -------------------------------------------------------------------------------
    # The write path is the hot path (every run end flushes), so its statements are plain SQL
    # prepared once: building SQLAlchemy upsert constructs per batch cost milliseconds.
    # ``INSERT ... ON CONFLICT`` with ``excluded`` reads the same in SQLite and PostgreSQL.
    def _prepare_write_sql(self) -> None:
        marker = {"qmark": "?", "numeric": "?", "format": "%s", "pyformat": "%s"}.get(self.engine.dialect.paramstyle)
        if marker is None:
            raise RuntimeError(f"unsupported DB-API paramstyle {self.engine.dialect.paramstyle!r}")

        def values(n: int) -> str:
            return "(" + ", ".join([marker] * n) + ")"

        self._sql = {
            "run": "INSERT INTO runs (run_id, experiment_id, run_name, status, start_time, end_time, "
                   f"artifact_uri, deleted) VALUES {values(8)}",
            "param": f"INSERT INTO params (run_id, key, value) VALUES {values(3)} "
                     "ON CONFLICT (run_id, key) DO NOTHING",
            "tag": f"INSERT INTO tags (run_id, key, value) VALUES {values(3)} "
                   "ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value",
            "series": f"INSERT INTO metric_series (run_id, key) VALUES {values(2)} ON CONFLICT (run_id, key) DO NOTHING",
            "series_ids": f"SELECT key, series_id FROM metric_series WHERE run_id = {marker}",
            "metric": f"INSERT INTO metrics (series_id, value, timestamp, step) VALUES {values(4)}",
            "latest": f"INSERT INTO latest_metrics (run_id, key, value, timestamp, step) VALUES {values(5)} "
                      "ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value, "
                      "timestamp = excluded.timestamp, step = excluded.step "
                      "WHERE excluded.step > latest_metrics.step OR (excluded.step = latest_metrics.step "
                      "AND excluded.timestamp >= latest_metrics.timestamp)",
            "end": f"UPDATE runs SET status = {marker}, end_time = {marker} WHERE run_id = {marker}",
        }

    def write(self, batch: WriteBatch) -> None:
        """Apply one batch atomically. Params never change value: a conflicting one is skipped."""
        sql = self._sql
        new_series: dict[tuple[str, str], int] = {}
        with self._write() as conn, conn.begin():
            if batch.new_runs:
                conn.exec_driver_sql(sql["run"], [
                    (r.run_id, int(r.experiment_id), r.run_name, RunStatus.RUNNING, r.start_time, None,
                     r.artifact_uri, False) for r in batch.new_runs])
            if batch.params:
                conn.exec_driver_sql(sql["param"], [(r, k, v) for (r, k), v in batch.params.items()])
            if batch.tags:
                conn.exec_driver_sql(sql["tag"], [(r, k, v) for (r, k), v in batch.tags.items()])
            if batch.metrics:
                self._write_metrics(conn, batch.metrics, new_series)
            if batch.run_ends:
                conn.exec_driver_sql(sql["end"], [(status, end_time, run_id)
                                                  for run_id, (status, end_time) in batch.run_ends.items()])
        self._series.update(new_series)  # only once committed: a rolled-back id must not be reused

    def _series_ids(self, conn, points, new_series: dict[tuple[str, str], int]) -> dict[tuple[str, str], int]:
        known = self._series
        missing = {(p[0], p[1]) for p in points} - known.keys()
        if not missing:
            return known
        conn.exec_driver_sql(self._sql["series"], sorted(missing))
        for run_id in {run_id for run_id, _key in missing}:
            for key, series_id in conn.exec_driver_sql(self._sql["series_ids"], (run_id,)):
                new_series[(run_id, key)] = series_id
        return {**known, **new_series}

    def _write_metrics(self, conn, points: list[tuple[str, str, float, int, int]],
                       new_series: dict[tuple[str, str], int]) -> None:
        series = self._series_ids(conn, points, new_series)
        rows: list[tuple] = []
        append = rows.append
        latest: dict[tuple[str, str], tuple] = {}
        for run_id, key, value, timestamp, step in points:
            pair = (run_id, key)
            if value != value:
                value = None  # NaN
            append((series[pair], value, timestamp, step))
            current = latest.get(pair)
            if current is None or step > current[0] or (step == current[0] and timestamp >= current[1]):
                latest[pair] = (step, timestamp, value)
        conn.exec_driver_sql(self._sql["metric"], rows)
        conn.exec_driver_sql(self._sql["latest"], [
            (run_id, key, value, timestamp, step) for (run_id, key), (step, timestamp, value) in latest.items()])

    def delete_run(self, run_id: str) -> None:
        with self._write() as conn, conn.begin():
            result = conn.execute(runs.update().where(runs.c.run_id == run_id).values(deleted=True))
        if result.rowcount == 0:
            raise RunNotFoundError(run_id)

    # -- reads ----------------------------------------------------------------------------------
    def get_param(self, run_id: str, key: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(params.c.value).where(
                params.c.run_id == run_id, params.c.key == key)).scalar()

    def get_run(self, run_id: str) -> Run:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(runs).where(runs.c.run_id == run_id, runs.c.deleted.is_(False))).first()
            if row is None:
                raise RunNotFoundError(run_id)
            return self._build_runs(conn, [row])[0]

    def search_runs(self, experiment_ids: Iterable[str] | None, max_results: int,
                    order_newest_first: bool = True) -> list[Run]:
        query = sa.select(runs).where(runs.c.deleted.is_(False))
        if experiment_ids is not None:
            query = query.where(runs.c.experiment_id.in_([int(e) for e in experiment_ids]))
        order = runs.c.start_time.desc() if order_newest_first else runs.c.start_time.asc()
        query = query.order_by(order, runs.c.run_id).limit(max_results)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
            return self._build_runs(conn, rows)

    def _build_runs(self, conn, rows) -> list[Run]:
        ids = [row.run_id for row in rows]
        if not ids:
            return []
        p: dict[str, dict] = {i: {} for i in ids}
        t: dict[str, dict] = {i: {} for i in ids}
        m: dict[str, dict] = {i: {} for i in ids}
        for r in conn.execute(sa.select(params).where(params.c.run_id.in_(ids))):
            p[r.run_id][r.key] = r.value
        for r in conn.execute(sa.select(tags).where(tags.c.run_id.in_(ids))):
            t[r.run_id][r.key] = r.value
        for r in conn.execute(sa.select(latest_metrics).where(latest_metrics.c.run_id.in_(ids))):
            m[r.run_id][r.key] = _decode_value(r.value)
        return [
            Run(RunInfo(run_id=row.run_id, run_name=row.run_name, experiment_id=str(row.experiment_id),
                        status=row.status, start_time=row.start_time, end_time=row.end_time,
                        artifact_uri=row.artifact_uri,
                        lifecycle_stage=LifecycleStage.DELETED if row.deleted else LifecycleStage.ACTIVE),
                RunData(params=p[row.run_id], metrics=m[row.run_id], tags=t[row.run_id]))
            for row in rows
        ]

    def get_metric_history(self, run_id: str, key: str) -> list[Metric]:
        query = (sa.select(metrics).join(metric_series, metrics.c.series_id == metric_series.c.series_id)
                 .where(metric_series.c.run_id == run_id, metric_series.c.key == key)
                 .order_by(metrics.c.step, metrics.c.timestamp, metrics.c.id))
        with self.engine.connect() as conn:
            return [Metric(key, _decode_value(r.value), r.timestamp, r.step)
                    for r in conn.execute(query)]

    def count_metrics(self, run_id: str) -> int:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(metrics)
                                .join(metric_series, metrics.c.series_id == metric_series.c.series_id)
                                .where(metric_series.c.run_id == run_id)).scalar_one()


def _experiment(row, tags: dict[str, str] | None = None) -> Experiment:
    return Experiment(str(row.experiment_id), row.name, row.artifact_location, row.creation_time,
                      row.lifecycle_stage, row.last_update_time, tags if tags is not None else {})


def _join_uri(root: str, *parts: str) -> str:
    if "://" in root:
        return "/".join([root.rstrip("/"), *parts])
    return os.path.join(root, *parts)


def make_engine(database_url: str) -> sa.engine.Engine:
    """An engine for the store: SQLite in WAL mode with ``BEGIN IMMEDIATE`` for writes."""
    if database_url.startswith("sqlite"):
        path = database_url[len("sqlite:///"):]
        if path and path != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        engine = sa.create_engine(database_url, connect_args={"timeout": 60, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    return sa.create_engine(database_url, pool_pre_ping=True)


def _sqlite_on_connect(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=60000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_on_begin(conn) -> None:
    if conn.get_execution_options().get("autolog_write"):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.exec_driver_sql("BEGIN")


_stores: dict[tuple[int, str], SqlStore] = {}
_stores_lock = threading.Lock()


def get_store(database_url: str) -> SqlStore:
    """One store per URL per process (engines are not shared across fork)."""
    key = (os.getpid(), database_url)
    store = _stores.get(key)
    if store is None:
        with _stores_lock:
            store = _stores.get(key)
            if store is None:
                store = _stores[key] = SqlStore(database_url)
    return store
