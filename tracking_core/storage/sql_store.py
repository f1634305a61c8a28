"""The tracking store: one SQLAlchemy Core schema (``schema``) serving SQLite (default) and PostgreSQL.

Writes arrive as ``WriteBatch`` objects from the batching writer and land in one transaction.
SQLite runs in WAL mode with a busy timeout and ``BEGIN IMMEDIATE`` for writes, so several
processes can share one database file without losing data. Reads for the server and the UI
(experiment lifecycle, paged searches pushed down to SQL by ``sql_search``, metric history pages,
downsampled chart series, key listings) live here too; /work/notes/STORE_API.md lists them.
"""

from __future__ import annotations

import gc
import itertools
import math
import operator
import os
import threading
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from ..batch import WriteBatch, now_ms
from ..entities import (
    DATASET_CONTEXT_TAG,
    Experiment,
    LifecycleStage,
    Metric,
    Run,
    RunStatus,
)
from ..errors import (
    ExperimentDeletedError,
    ExperimentExistsError,
    ExperimentNotFoundError,
    ExperimentTagNotFoundError,
    InvalidPageTokenError,
    RunNotFoundError,
    TagNotFoundError,
)
from .plain_sql import (  # noqa: F401  (dataset_id and MAX_CACHED_SERIES: re-exported from their old home)
    MAX_CACHED_SERIES,
    BatchWrites,
    build_runs,
    chunks,
    dataset_id,
    decode_value,
    experiment_from_row,
    join_uri,
)
from .registry_store import RegistryStore
from .schema import (  # noqa: F401
    datasets,
    experiment_tags,
    experiments,
    input_tags,
    latest_metrics,
    metadata,
    metric_series,
    metrics,
    open_schema,
    params,
    run_inputs,
    runs,
    tags,
)
from .sqlite_connection import (  # noqa: F401  (the SQLite settings: re-exported from their old home)
    MMAP_BYTES,
    MMAP_MIN_CACHE_KIB,
    SQLITE_CACHE_ENV,
    configure_connection,
    sqlite_cache_kib,
)

DEFAULT_EXPERIMENT_NAME = "Default"  # the tracker's default experiment: never deleted
_decode_value = decode_value
_chunks = chunks
_experiment = experiment_from_row
_join_uri = join_uri


def _marker(paramstyle: str) -> str:
    marker = {"qmark": "?", "numeric": "?", "format": "%s", "pyformat": "%s"}.get(paramstyle)
    if marker is None:
        raise RuntimeError(f"unsupported DB-API paramstyle {paramstyle!r}")
    return marker


def _experiment_key(experiment_id) -> int | None:
    try:
        return int(experiment_id)
    except (TypeError, ValueError):
        return None


class SqlStore(RegistryStore):
    """Reads and writes runs through SQLAlchemy Core. One instance per database URL and process.

    The model registry and logged models (``RegistryStore``, MLflow's method names) share it."""

    def __init__(self, database_url: str):
        self.database_url = database_url
        self.is_sqlite = database_url.startswith("sqlite")
        self.engine = make_engine(database_url)
        self._writes = BatchWrites(_marker(self.engine.dialect.paramstyle))
        open_schema(self.engine, database_url)
        # Where experiments created without a location put their artifacts (``create_experiment``);
        # whoever opens the store for a tracking URI or a server may set it.
        self.default_artifact_root: str | None = None

    # -- plumbing -------------------------------------------------------------------------
    def _write(self):
        return self.engine.connect().execution_options(autolog_write=True)

    def dispose_after_fork(self) -> None:
        self.engine.dispose(close=False)

    def close(self) -> None:
        """Close the pooled connections (new ones open when next needed)."""
        self.engine.dispose()

    # -- experiments ------------------------------------------------------------------------
    def get_or_create_experiment(self, name: str, artifact_root: str) -> Experiment:
        found = self.get_experiment_by_name(name)
        if found is not None:
            if found.lifecycle_stage == LifecycleStage.DELETED:
                raise ExperimentDeletedError(name)
            return found
        try:
            with self._write() as conn, conn.begin():
                row = conn.execute(sa.select(experiments).where(experiments.c.name == name)).first()
                if row is None:
                    created = now_ms()
                    values = dict(name=name, artifact_location="", creation_time=created, last_update_time=created)
                    if (
                        name == DEFAULT_EXPERIMENT_NAME
                        and not conn.execute(
                            sa.select(experiments.c.experiment_id).where(experiments.c.experiment_id == 0)
                        ).first()
                    ):
                        values["experiment_id"] = 0  # MLflow's id of the default experiment
                    result = conn.execute(experiments.insert().values(**values))
                    experiment_id = result.inserted_primary_key[0]
                    location = _join_uri(artifact_root, str(experiment_id))
                    conn.execute(
                        experiments.update()
                        .where(experiments.c.experiment_id == experiment_id)
                        .values(artifact_location=location)
                    )
        except sa.exc.IntegrityError:
            pass  # another process created it first (PostgreSQL: no write lock up front as in SQLite)
        found = self.get_experiment_by_name(name)
        assert found is not None
        return found

    def get_experiment_by_name(self, name: str) -> Experiment | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(experiments).where(experiments.c.name == name)).first()
            return self._with_tags(conn, [row])[0] if row else None

    def get_experiment(self, experiment_id: str) -> Experiment | None:
        key = _experiment_key(experiment_id)
        if key is None:
            return None
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(experiments).where(experiments.c.experiment_id == key)).first()
            return self._with_tags(conn, [row])[0] if row else None

    def _with_tags(self, conn, rows) -> list[Experiment]:
        found: dict[int, dict[str, str]] = {row.experiment_id: {} for row in rows}
        for chunk in _chunks(list(found)):
            for r in conn.execute(sa.select(experiment_tags).where(experiment_tags.c.experiment_id.in_(chunk))):
                found[r.experiment_id][r.key] = r.value
        return [_experiment(row, found[row.experiment_id]) for row in rows]

    def _artifact_root(self) -> str:
        if self.default_artifact_root:
            return self.default_artifact_root
        from .. import uri as uri_module

        path = self.database_url[len("sqlite:///") :] if self.is_sqlite else ""
        if path and os.path.basename(path) == uri_module.DATABASE_FILE:
            return os.path.join(os.path.dirname(os.path.abspath(path)), "artifacts")  # a store directory
        return uri_module.default_artifact_root()

    def create_experiment(
        self,
        name: str,
        artifact_location: str | None = None,
        tags: dict | None = None,
        artifact_root: str | None = None,
    ) -> str:
        """A new experiment; its artifacts go to ``artifact_location`` or ``<artifact root>/<id>``.
        Raises ``ExperimentExistsError`` if the name is taken (by a deleted experiment too)."""
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"experiment name must be a non-empty string, got {name!r}")
        created = now_ms()
        try:
            with self._write() as conn, conn.begin():
                result = conn.execute(
                    experiments.insert().values(
                        name=name,
                        artifact_location=artifact_location or "",
                        creation_time=created,
                        last_update_time=created,
                        lifecycle_stage=LifecycleStage.ACTIVE,
                    )
                )
                experiment_id = result.inserted_primary_key[0]
                if not artifact_location:
                    location = _join_uri(artifact_root or self._artifact_root(), str(experiment_id))
                    conn.execute(
                        experiments.update()
                        .where(experiments.c.experiment_id == experiment_id)
                        .values(artifact_location=location)
                    )
                if tags:
                    conn.execute(
                        experiment_tags.insert(),
                        [{"experiment_id": experiment_id, "key": str(k), "value": str(v)} for k, v in tags.items()],
                    )
        except sa.exc.IntegrityError:
            existing = self.get_experiment_by_name(name)
            if existing is None:
                raise
            raise ExperimentExistsError(name, existing.lifecycle_stage == LifecycleStage.DELETED) from None
        return str(experiment_id)

    def _update_experiment(self, experiment_id: str, **values) -> None:
        key = _experiment_key(experiment_id)
        result = None
        if key is not None:
            with self._write() as conn, conn.begin():
                result = conn.execute(
                    experiments.update()
                    .where(experiments.c.experiment_id == key)
                    .values(last_update_time=now_ms(), **values)
                )
        if result is None or result.rowcount == 0:
            raise ExperimentNotFoundError(f"with id {experiment_id!r}")

    def rename_experiment(self, experiment_id: str, new_name: str) -> None:
        if not isinstance(new_name, str) or not new_name.strip():
            raise ValueError(f"experiment name must be a non-empty string, got {new_name!r}")
        try:
            self._update_experiment(experiment_id, name=new_name)
        except sa.exc.IntegrityError:
            existing = self.get_experiment_by_name(new_name)
            raise ExperimentExistsError(
                new_name, existing is not None and existing.lifecycle_stage == LifecycleStage.DELETED
            ) from None

    def delete_experiment(self, experiment_id: str) -> None:
        """Marks the experiment deleted (its runs stay, hidden from searches that do not name it)."""
        experiment = self.get_experiment(experiment_id)
        if experiment is None:
            raise ExperimentNotFoundError(f"with id {experiment_id!r}")
        if experiment.name == DEFAULT_EXPERIMENT_NAME:
            raise ValueError(
                f"the default experiment {DEFAULT_EXPERIMENT_NAME!r} (id {experiment_id}) "
                "cannot be deleted: runs without an experiment go there"
            )
        self._update_experiment(experiment_id, lifecycle_stage=LifecycleStage.DELETED)

    def restore_experiment(self, experiment_id: str) -> None:
        self._update_experiment(experiment_id, lifecycle_stage=LifecycleStage.ACTIVE)

    def set_experiment_tag(self, experiment_id: str, key: str, value: str) -> None:
        experiment = self.get_experiment(experiment_id)
        if experiment is None:
            raise ExperimentNotFoundError(f"with id {experiment_id!r}")
        table = experiment_tags
        with self._write() as conn, conn.begin():
            updated = conn.execute(
                table.update()
                .where(table.c.experiment_id == int(experiment_id), table.c.key == key)
                .values(value=value)
            )
            if updated.rowcount == 0:
                conn.execute(table.insert().values(experiment_id=int(experiment_id), key=key, value=value))
            conn.execute(
                experiments.update()
                .where(experiments.c.experiment_id == int(experiment_id))
                .values(last_update_time=now_ms())
            )

    def delete_experiment_tag(self, experiment_id: str, key: str) -> None:
        """Removes a tag of an experiment (``TagNotFoundError`` if it has none by that key)."""
        if self.get_experiment(experiment_id) is None:
            raise ExperimentNotFoundError(f"with id {experiment_id!r}")
        table = experiment_tags
        with self._write() as conn, conn.begin():
            result = conn.execute(table.delete().where(table.c.experiment_id == int(experiment_id), table.c.key == key))
            if result.rowcount == 0:
                raise ExperimentTagNotFoundError(experiment_id, key)
            conn.execute(
                experiments.update()
                .where(experiments.c.experiment_id == int(experiment_id))
                .values(last_update_time=now_ms())
            )

    def search_datasets(self, experiment_ids: list[str], limit: int = 1000) -> list[tuple[str, str, str, str | None]]:
        """Distinct ``(experiment_id, name, digest, context or None)`` of the datasets that runs of these
        experiments were given (MLflow's dataset summaries)."""
        keys = [k for k in (_experiment_key(e) for e in experiment_ids) if k is not None]
        query = (
            sa.select(datasets.c.experiment_id, datasets.c.name, datasets.c.digest, input_tags.c.value)
            .distinct()
            .select_from(datasets)
            .join(run_inputs, run_inputs.c.dataset_id == datasets.c.dataset_id)
            .outerjoin(
                input_tags,
                sa.and_(
                    input_tags.c.run_id == run_inputs.c.run_id,
                    input_tags.c.dataset_id == run_inputs.c.dataset_id,
                    input_tags.c.key == DATASET_CONTEXT_TAG,
                ),
            )
            .where(datasets.c.experiment_id.in_(keys))
            .order_by(datasets.c.experiment_id, datasets.c.name, datasets.c.digest, input_tags.c.value)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [(str(e), name, digest, context) for e, name, digest, context in conn.execute(query)]

    def search_experiments(
        self,
        view_type="ACTIVE_ONLY",
        max_results: int = 1000,
        filter_string: str | None = None,
        order_by: list[str] | None = None,
        page_token: str | None = None,
    ) -> tuple[list[Experiment], str | None]:
        """Experiments matching ``filter_string`` (``name LIKE 'a%'``, ``tags.team = 'x'``,
        ``creation_time > 0``), ordered (default newest first), one page at a time."""
        from . import sql_search

        view = sql_search.view_type(view_type)
        sql_search.check_max_results(max_results)
        _phase, offset = sql_search.decode_page_token(page_token)
        query = sql_search.search_experiments_query(view, filter_string, order_by)
        with self.engine.connect() as conn:
            rows = conn.execute(query.limit(max_results + 1).offset(offset)).all()
            found = self._with_tags(conn, rows[:max_results])
        next_token = sql_search.encode_page_token("", offset + max_results) if len(rows) > max_results else None
        return found, next_token

    def experiment_summaries(self, experiment_ids: list[str] | None = None) -> dict[str, tuple[int, int | None]]:
        """``{experiment_id: (active run count, last activity ms)}``; last activity is the latest run
        start/end or the experiment's own last update."""
        activity = sa.func.max(sa.func.coalesce(runs.c.end_time, runs.c.start_time))
        query = (
            sa.select(runs.c.experiment_id, sa.func.count(), activity)
            .where(runs.c.deleted.is_(False))
            .group_by(runs.c.experiment_id)
        )
        base = sa.select(experiments.c.experiment_id, experiments.c.last_update_time, experiments.c.creation_time)
        if experiment_ids is not None:
            keys = [k for k in (_experiment_key(e) for e in experiment_ids) if k is not None]
            query = query.where(runs.c.experiment_id.in_(keys))
            base = base.where(experiments.c.experiment_id.in_(keys))
        with self.engine.connect() as conn:
            counts = {row[0]: (row[1], row[2]) for row in conn.execute(query)}
            summaries = {}
            for experiment_id, updated, created in conn.execute(base):
                count, last_run = counts.get(experiment_id, (0, None))
                own = updated if updated is not None else created
                summaries[str(experiment_id)] = (count, max(own, last_run) if last_run is not None else own)
        return summaries

    # -- writes -------------------------------------------------------------------------------
    # The write path's plain SQL is shared with the training process's direct SQLite store (``plain_sql``).
    @property
    def _series(self) -> dict[tuple[str, str], int]:
        return self._writes.series

    def write(self, batch: WriteBatch) -> None:
        """Apply one batch atomically. Params never change value: a conflicting one is skipped."""
        with self._write() as conn, conn.begin():
            new_series = self._writes.apply(conn.exec_driver_sql, batch)
        self._writes.remember(new_series)

    # -- run lifecycle (direct, not through the writer) ----------------------------------------------
    def _update_run(self, run_id: str, when_deleted: bool | None, **values) -> None:
        condition = [runs.c.run_id == run_id]
        if when_deleted is not None:
            condition.append(runs.c.deleted.is_(when_deleted))
        with self._write() as conn, conn.begin():
            result = conn.execute(runs.update().where(*condition).values(**values))
        if result.rowcount == 0:
            raise RunNotFoundError(run_id)

    def delete_run(self, run_id: str) -> None:
        self._update_run(run_id, None, deleted=True)

    def restore_run(self, run_id: str) -> None:
        self._update_run(run_id, None, deleted=False)

    def update_run(
        self, run_id: str, status: str | None = None, end_time: int | None = None, run_name: str | None = None
    ) -> None:
        """Change a run's status, end time or name (a deleted run: ``RunNotFoundError``)."""
        values: dict = {}
        if status is not None:
            values["status"] = RunStatus.validate(status)
        if end_time is not None:
            values["end_time"] = int(end_time)
        if run_name is not None:
            if not isinstance(run_name, str) or len(run_name) > 256:
                raise ValueError(f"run name must be a string of at most 256 characters, got {run_name!r:.60}")
            values["run_name"] = run_name
        if not values:
            self.get_run(run_id)  # nothing to change; still an error for an unknown run
            return
        self._update_run(run_id, False, **values)

    def delete_tag(self, run_id: str, key: str) -> None:
        self.get_run(run_id)
        with self._write() as conn, conn.begin():
            result = conn.execute(tags.delete().where(tags.c.run_id == run_id, tags.c.key == key))
        if result.rowcount == 0:
            raise TagNotFoundError(run_id, key)

    # -- reads ----------------------------------------------------------------------------------
    def get_param(self, run_id: str, key: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(
                sa.select(params.c.value).where(params.c.run_id == run_id, params.c.key == key)
            ).scalar()

    def get_run(self, run_id: str, include_deleted: bool = False) -> Run:
        query = sa.select(runs).where(runs.c.run_id == run_id)
        if not include_deleted:
            query = query.where(runs.c.deleted.is_(False))
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
            if row is None:
                raise RunNotFoundError(run_id)
            return self._build_runs(conn, [row])[0]

    def search_runs_page(
        self,
        experiment_ids: Iterable[str] | None,
        filter_string: str | None = None,
        order_by: list[str] | None = None,
        max_results: int = 1000,
        page_token: str | None = None,
        run_view_type="ACTIVE_ONLY",
    ) -> tuple[list[Run], str | None]:
        """One page of runs matching ``filter_string`` (MLflow syntax, see ``search``), ordered by
        ``order_by`` then newest first; filter, order and paging run in SQL. ``experiment_ids`` None:
        runs of every active experiment. Returns (runs, next_page_token or None)."""
        from . import sql_search

        view = sql_search.view_type(run_view_type)
        sql_search.check_max_results(max_results)
        search = sql_search.RunSearch(self.engine.dialect.name, experiment_ids, filter_string, order_by, view)
        with self.engine.connect() as conn:
            rows, next_token = search.page(conn, max_results, page_token)
            return self._build_runs(conn, rows), next_token

    def count_runs(
        self, experiment_ids: Iterable[str] | None, filter_string: str | None = None, run_view_type="ACTIVE_ONLY"
    ) -> int:
        from . import sql_search

        search = sql_search.RunSearch(
            self.engine.dialect.name, experiment_ids, filter_string, None, sql_search.view_type(run_view_type)
        )
        with self.engine.connect() as conn:
            return search.count(conn)

    def search_runs(
        self, experiment_ids: Iterable[str] | None, max_results: int, order_newest_first: bool = True
    ) -> list[Run]:
        """Runs newest (or oldest) first, without a filter (kept for older callers)."""
        order = None if order_newest_first else ["attributes.start_time ASC"]
        found, _token = self.search_runs_page(experiment_ids, None, order, max_results)
        return found

    def _build_runs(self, conn, rows) -> list[Run]:
        marker = "?" if self.engine.dialect.paramstyle == "qmark" else "%s"
        cursor = conn.connection.dbapi_connection.cursor()  # plain DB-API: a page of runs is read per request
        try:
            return build_runs(cursor, marker, rows)
        finally:
            cursor.close()

    # -- metric histories ---------------------------------------------------------------------------
    def _series_id(self, conn, run_id: str, key: str) -> int | None:
        return conn.execute(
            sa.select(metric_series.c.series_id).where(metric_series.c.run_id == run_id, metric_series.c.key == key)
        ).scalar()

    def _points(
        self, conn, series_id: int, after: tuple[int, int, int] | None = None, limit: int | None = None
    ) -> list[tuple]:
        """(value, timestamp, step, id) rows of one series in (step, timestamp, id) order, through the
        DB-API cursor: a million rows through SQLAlchemy's Row objects would cost twice as long.
        Without a ``limit`` (no page to continue) the rows are (value, timestamp, step)."""
        marker = "?" if self.engine.dialect.paramstyle == "qmark" else "%s"
        columns = "value, timestamp, step" if limit is None else "value, timestamp, step, id"
        sql = f"SELECT {columns} FROM metrics WHERE series_id = {marker}"
        args: list = [series_id]
        if after is not None:
            # ``step >= ?`` lets the index seek to the page (without it, each page scanned the
            # series from its start: 40 pages of a million points cost 3x the points themselves).
            sql += (
                f" AND step >= {marker} AND (step > {marker} OR (step = {marker} AND (timestamp > {marker} OR "
                f"(timestamp = {marker} AND id > {marker}))))"
            )
            args += [after[0], after[0], after[0], after[1], after[1], after[2]]
        sql += " ORDER BY step, timestamp, id"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        collecting = gc.isenabled()
        gc.disable()  # many new tuples: collections would find nothing to free
        cursor = conn.connection.dbapi_connection.cursor()
        try:
            cursor.execute(sql, tuple(args))
            return cursor.fetchall()
        finally:
            cursor.close()
            if collecting:
                gc.enable()

    def get_metric_history(self, run_id: str, key: str) -> list[Metric]:
        marker = "?" if self.engine.dialect.paramstyle == "qmark" else "%s"
        with self.engine.connect() as conn:
            series_id = self._series_id(conn, run_id, key)
            if series_id is None:
                return []
            collecting = gc.isenabled()
            gc.disable()  # a million new tuples would trigger hundreds of useless collections
            cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            try:
                # Every step in C: (key,) + (value, timestamp, step) becomes a Metric tuple. (Selecting the
                # key as a column would cost a new string per row: a quarter of the time.)
                cursor.execute(
                    f"SELECT value, timestamp, step FROM metrics WHERE series_id = {marker} "
                    "ORDER BY step, timestamp, id",
                    (series_id,),
                )
                rows = map(operator.add, itertools.repeat((key,)), cursor.fetchall())
                history = list(map(tuple.__new__, itertools.repeat(Metric), rows))
            finally:
                cursor.close()
                if collecting:
                    gc.enable()
        if history and None in map(operator.itemgetter(1), history):
            history = [m if m.value is not None else m._replace(value=math.nan) for m in history]
        return history

    def get_metric_history_page(
        self, run_id: str, key: str, max_results: int | None = None, page_token: str | None = None
    ) -> tuple[list[Metric], str | None]:
        """One page of a metric's history in step order; the token continues after the last point."""
        rows, token = self.get_metric_history_rows(run_id, key, max_results, page_token)
        return [Metric(key, _decode_value(value), timestamp, step) for value, timestamp, step in rows], token

    def get_metric_history_rows(
        self, run_id: str, key: str, max_results: int | None = None, page_token: str | None = None
    ) -> tuple[list[tuple], str | None]:
        """``get_metric_history_page`` as the database's rows, ``(value or None for NaN, timestamp,
        step)``: a server writing a million points as JSON skips a million ``Metric`` objects."""
        after = _decode_history_token(page_token)
        if max_results is not None and (not isinstance(max_results, int) or max_results < 1):
            raise ValueError(f"max_results must be a positive integer, got {max_results!r}")
        with self.engine.connect() as conn:
            series_id = self._series_id(conn, run_id, key)
            if series_id is None:
                return [], None
            rows = self._points(conn, series_id, after, None if max_results is None else max_results + 1)
        more = max_results is not None and len(rows) > max_results
        rows = rows[:max_results] if more else rows
        token = _encode_history_token(rows[-1][2], rows[-1][1], rows[-1][3]) if more else None
        if max_results is not None:  # a page: without the ids it was read with
            rows = list(map(operator.itemgetter(0, 1, 2), rows))
        return rows, token

    def get_metric_histories(
        self, run_ids: list[str], keys: list[str], max_points_per_series: int | None = None
    ) -> dict[tuple[str, str], list[Metric]]:
        """Histories of every (run, key) pair that exists, for charts. With ``max_points_per_series``,
        longer series are cut into buckets keeping each bucket's first, last, lowest and highest point,
        so spikes and the overall shape survive."""
        if max_points_per_series is not None and max_points_per_series < 4:
            raise ValueError(f"max_points_per_series must be at least 4, got {max_points_per_series!r}")
        result: dict[tuple[str, str], list[Metric]] = {}
        with self.engine.connect() as conn:
            series: list[Any] = []
            for chunk in _chunks(list(run_ids)):
                series += conn.execute(
                    sa.select(metric_series.c.run_id, metric_series.c.key, metric_series.c.series_id).where(
                        metric_series.c.run_id.in_(chunk), metric_series.c.key.in_(list(keys))
                    )
                ).all()
            for run_id, key, series_id in series:
                rows = self._points(conn, series_id)
                if max_points_per_series is not None and len(rows) > max_points_per_series:
                    rows = _downsample(rows, max_points_per_series)
                result[(run_id, key)] = [Metric(key, _decode_value(v), t, s) for v, t, s in rows]
        return result

    def _series_of_runs(self, conn, run_ids: Iterable[str], key: str) -> dict[str, int]:
        """{run id: series id} of the runs among ``run_ids`` that logged ``key``."""
        found: dict[str, int] = {}
        for chunk in _chunks(sorted(set(run_ids))):
            found.update(
                conn.execute(
                    sa.select(metric_series.c.run_id, metric_series.c.series_id).where(
                        metric_series.c.run_id.in_(chunk), metric_series.c.key == key
                    )
                ).all()
            )
        return found

    def _rows(self, conn, sql: str, args: tuple) -> list[tuple]:
        """Rows through the DB-API cursor (``?`` markers in ``sql``), as ``_points`` reads them."""
        if self.engine.dialect.paramstyle != "qmark":
            sql = sql.replace("?", "%s")
        cursor = conn.connection.dbapi_connection.cursor()
        try:
            cursor.execute(sql, args)
            return cursor.fetchall()
        finally:
            cursor.close()

    def get_metric_history_bulk(self, run_ids: Iterable[str], key: str, max_results: int) -> list[tuple]:
        """Histories of one key in several runs, as MLflow's UI asks for them (``get-history-bulk``):
        ``(run_id, value or None for NaN, timestamp, step)`` rows ordered by run id, then timestamp,
        step and value, at most ``max_results`` in all. One query per run that logged the key, each
        limited to what is still wanted."""
        if not isinstance(max_results, int) or max_results < 1:
            raise ValueError(f"max_results must be a positive integer, got {max_results!r}")
        out: list[tuple] = []
        with self.engine.connect() as conn:
            series = self._series_of_runs(conn, run_ids, key)
            for run_id in sorted(series):
                wanted = max_results - len(out)
                if wanted <= 0:
                    break
                rows = self._rows(
                    conn,
                    "SELECT value, timestamp, step FROM metrics WHERE series_id = ? "
                    f"ORDER BY timestamp, step, value, id LIMIT {int(wanted)}",
                    (series[run_id],),
                )
                out += [(run_id, *row) for row in rows]
        return out

    def sample_metric_histories(
        self,
        run_ids: list[str],
        key: str,
        max_results: int,
        start_step: int | None = None,
        end_step: int | None = None,
    ) -> list[tuple]:
        """Each run's history of ``key`` (steps in ``[start_step, end_step]`` when given) sampled to
        at most ``max_results`` points, as MLflow's server samples for ``get-history-bulk-interval``:
        the points in (step, timestamp, value) order cut into ``max_results`` buckets of equal size
        (SQL's NTILE), the first point of each kept, the last point always (in place of the last
        bucket's when all are full). ``(run_id, value or None for NaN, timestamp, step)`` rows, run by
        run in the order given. Only the sampled rows leave the database (a window over the series)."""
        if not isinstance(max_results, int) or max_results < 1:
            raise ValueError(f"max_results must be a positive integer, got {max_results!r}")
        where = "series_id = ?"
        bounds: tuple[int, ...] = ()
        if start_step is not None and end_step is not None:
            where, bounds = "series_id = ? AND step >= ? AND step <= ?", (start_step, end_step)
        out: list[tuple] = []
        with self.engine.connect() as conn:
            series = self._series_of_runs(conn, run_ids, key)
            for run_id in run_ids:
                series_id = series.get(run_id)
                if series_id is None:
                    continue
                args = (series_id, *bounds)
                (total,) = self._rows(conn, f"SELECT COUNT(*) FROM metrics WHERE {where}", args)[0]
                if total <= max_results:
                    rows = self._rows(
                        conn,
                        f"SELECT value, timestamp, step FROM metrics WHERE {where} ORDER BY step, timestamp, value, id",
                        args,
                    )
                else:
                    rows = self._rows_at(conn, where, args, _bucket_starts(total, max_results))
                out += [(run_id, *row) for row in rows]
        return out

    def _rows_at(self, conn, where: str, args: tuple, positions: list[int]) -> list[tuple]:
        """The (value, timestamp, step) rows at ``positions`` (ascending, from 0) of the points ``where``
        selects in (step, timestamp, value, id) order, without sorting the series by value. The index
        alone numbers the points in (step, timestamp, id) order, which differs only within points of
        equal step and timestamp: each wanted point's group is read and the point at its place in the
        group taken in (value, id) order."""
        listed = ",".join(str(position + 1) for position in positions)
        wanted = self._rows(
            conn,
            "SELECT step, id FROM (SELECT step, id, ROW_NUMBER() OVER (ORDER BY step, timestamp, id) AS n "
            f"FROM metrics WHERE {where}) AS numbered WHERE n IN ({listed}) ORDER BY n",
            args,
        )
        steps = ",".join(sorted({str(int(step)) for step, _id in wanted}))
        rows = self._rows(
            conn, f"SELECT value, timestamp, step, id FROM metrics WHERE {where} AND step IN ({steps})", args
        )
        by_id = {row[3]: row for row in rows}
        groups: dict[tuple[int, int], list[tuple]] = {}
        for row in rows:
            groups.setdefault((row[2], row[1]), []).append(row)
        ordered: dict[tuple[int, int], tuple[dict[int, int], list[tuple]]] = {}
        out = []
        for _step, point_id in wanted:
            point = by_id[point_id]
            group_key = (point[2], point[1])
            group = groups[group_key]
            if len(group) == 1:
                out.append(point[:3])
                continue
            if group_key not in ordered:  # each group sorted once, however many wanted points it holds
                places = {row_id: place for place, row_id in enumerate(sorted(row[3] for row in group))}
                ordered[group_key] = (places, sorted(group, key=_value_order))  # NaN (NULL) first, as SQLite
            places, by_value = ordered[group_key]
            out.append(by_value[places[point_id]][:3])
        return out

    def _keys(self, table, run_ids: list[str]) -> list[str]:
        found: set[str] = set()
        with self.engine.connect() as conn:
            for chunk in _chunks(list(run_ids)):
                found.update(conn.execute(sa.select(table.c.key).where(table.c.run_id.in_(chunk)).distinct()).scalars())
        return sorted(found)

    def metric_keys(self, run_ids: list[str]) -> list[str]:
        return self._keys(latest_metrics, run_ids)

    def param_keys(self, run_ids: list[str]) -> list[str]:
        return self._keys(params, run_ids)

    def tag_keys(self, run_ids: list[str]) -> list[str]:
        return self._keys(tags, run_ids)

    def count_metrics(self, run_id: str) -> int:
        with self.engine.connect() as conn:
            return conn.execute(
                sa.select(sa.func.count())
                .select_from(metrics)
                .join(metric_series, metrics.c.series_id == metric_series.c.series_id)
                .where(metric_series.c.run_id == run_id)
            ).scalar_one()


def _downsample(rows: list[tuple], max_points: int) -> list[tuple]:
    """At most ``max_points`` rows: per bucket its first, last, lowest and highest point, in order.
    The scans run in C (min, max, index over slices of the values); NaN (None) is never an extreme."""
    buckets = max_points // 4
    size = len(rows) / buckets
    values = list(map(operator.itemgetter(0), rows))
    kept: list[tuple] = []
    for b in range(buckets):
        start, end = int(b * size), int((b + 1) * size)
        if start >= end:
            continue
        part = values[start:end]
        chosen = {start, end - 1}
        present = list(filter(None.__ne__, part)) if None in part else part
        if present:
            chosen.add(start + part.index(min(present)))
            chosen.add(start + part.index(max(present)))
        kept += [rows[i] for i in sorted(chosen)]
    return kept


def _value_order(row: tuple) -> tuple:
    """(value, timestamp, step, id) rows of one step and timestamp in (value, id) order, NaN first."""
    return (row[0] is not None, row[0] or 0.0, row[3])


def _bucket_starts(total: int, buckets: int) -> list[int]:
    """The row indices ``sample_metric_histories`` keeps of ``total`` > ``buckets`` rows: the first
    of each of NTILE's buckets (the first ``total % buckets`` one row longer), with the last row in
    place of the last bucket's first."""
    size, longer = divmod(total, buckets)
    starts = [i * (size + 1) if i < longer else longer * (size + 1) + (i - longer) * size for i in range(buckets)]
    starts[-1] = total - 1
    return starts


def _encode_history_token(step: int, timestamp: int, point_id: int) -> str:
    import base64
    import json

    return base64.urlsafe_b64encode(json.dumps([step, timestamp, point_id]).encode()).decode()


def _decode_history_token(token: str | None) -> tuple[int, int, int] | None:
    if token is None or token == "":
        return None
    import base64
    import json

    try:
        step, timestamp, point_id = json.loads(base64.urlsafe_b64decode(token.encode()))
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (step, timestamp, point_id)):
            raise ValueError
        return step, timestamp, point_id
    except Exception:
        raise InvalidPageTokenError(
            f"invalid page token {token[:60]!r}: pass the next_page_token of the previous page unchanged"
        ) from None


def make_engine(database_url: str) -> sa.engine.Engine:
    """An engine for the store: SQLite in WAL mode with ``BEGIN IMMEDIATE`` for writes."""
    if database_url.startswith("sqlite"):
        path = database_url[len("sqlite:///") :]
        if path and path != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        engine = sa.create_engine(database_url, connect_args={"timeout": 60, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    options: dict = {}
    if sa.engine.make_url(database_url).get_dialect().driver == "psycopg2":
        # The write path sends many rows per statement (DB-API executemany): psycopg2 would make one
        # round trip per row; execute_batch sends them a page at a time.
        options.update(executemany_mode="values_plus_batch", executemany_batch_page_size=1000)
    return sa.create_engine(database_url, pool_pre_ping=True, **options)


def _sqlite_on_connect(dbapi_connection, _record) -> None:
    configure_connection(dbapi_connection)  # the same settings as the direct store's connections


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
