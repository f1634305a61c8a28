"""Reads the UI needs from the SQL store, beyond what ``SqlStore`` offers itself.

The pages call these functions, never SQL directly. Where the store has the method described in
the shared store API (``search_runs_page``, ``count_runs``, ``experiment_summaries``,
``get_metric_histories``...), it is used; the rest (column keys of whole experiments, child
counts of parent runs, run counts for the experiments list) is written here in SQLAlchemy Core
against the store's tables, read-only.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import NamedTuple

import sqlalchemy as sa

from ..entities import Experiment, Metric, Run
from ..storage.sql_store import SqlStore, experiments, latest_metrics, params, runs, tags
from .downsample import downsample

TAG_PARENT = "autolog.parentRunId"


class ExperimentRow(NamedTuple):
    experiment: Experiment
    run_count: int
    last_activity: int | None


class ColumnKeys(NamedTuple):
    params: list[str]
    metrics: list[str]
    tags: list[str]
    frequent_params: list[str]  # most runs have them first: the default columns
    frequent_metrics: list[str]


def _active(table=runs):
    return table.c.deleted.is_(False)


# -- experiments -------------------------------------------------------------------------------
def experiment_rows(store: SqlStore) -> list[ExperimentRow]:
    """Every active experiment with its number of runs and the time of its latest activity."""
    if hasattr(store, "search_experiments") and hasattr(store, "experiment_summaries"):
        found: list[Experiment] = []
        token = None
        while True:
            page, token = store.search_experiments(max_results=1000, page_token=token)
            found.extend(page)
            if not token:
                break
        summaries = store.experiment_summaries([e.experiment_id for e in found])
        rows = []
        for experiment in found:
            count, last = summaries.get(experiment.experiment_id, (0, None))
            rows.append(ExperimentRow(experiment, count, last or None))
        return rows
    activity = sa.func.max(sa.func.coalesce(runs.c.end_time, runs.c.start_time))
    query = (
        sa.select(experiments, sa.func.count(runs.c.run_id).label("n"), activity.label("last"))
        .select_from(
            experiments.outerjoin(runs, sa.and_(runs.c.experiment_id == experiments.c.experiment_id, _active()))
        )
        .group_by(*experiments.c)
        .order_by(experiments.c.experiment_id)
    )
    with store.engine.connect() as conn:
        return [
            ExperimentRow(Experiment(str(r.experiment_id), r.name, r.artifact_location, r.creation_time), r.n, r.last)
            for r in conn.execute(query)
        ]


def get_experiments(store: SqlStore, experiment_ids: Iterable[str]) -> list[Experiment | None]:
    return [store.get_experiment(e) if e.isdigit() else None for e in experiment_ids]


# -- runs ----------------------------------------------------------------------------------------
def search_page(
    store: SqlStore,
    experiment_ids: list[str],
    filter_string: str | None,
    order_by: list[str] | None,
    max_results: int,
    page_token: str | None,
) -> tuple[list[Run], str | None]:
    """One page of runs, filter and order pushed down to SQL by the store; a RUNNING run whose
    process is gone is shown (and marked) KILLED."""
    from ..lineage import liveness

    found, token = store.search_runs_page(
        experiment_ids,
        filter_string=filter_string or None,
        order_by=order_by or None,
        max_results=max_results,
        page_token=page_token,
    )
    return liveness.settle(store, found), token


def count_runs(store: SqlStore, experiment_ids: list[str], filter_string: str | None) -> int:
    if hasattr(store, "count_runs"):
        return store.count_runs(experiment_ids, filter_string=filter_string or None)
    if not filter_string:
        with store.engine.connect() as conn:
            return conn.execute(
                sa.select(sa.func.count())
                .select_from(runs)
                .where(_active(), runs.c.experiment_id.in_([int(e) for e in experiment_ids]))
            ).scalar_one()
    runs_found, _ = search_page(store, experiment_ids, filter_string, None, 10_000_000, None)
    return len(runs_found)


class InvalidFilter(ValueError):
    """A filter or order the store refused; the message says what is wrong."""


def filter_errors() -> tuple[type[BaseException], ...]:
    """The exception types that mean "the user's filter or order is wrong"."""
    found: list[type[BaseException]] = [InvalidFilter]
    from .. import errors

    for name in ("InvalidFilterError", "InvalidOrderError"):
        if hasattr(errors, name):
            found.append(getattr(errors, name))
    from ..storage.search import FilterError

    found.append(FilterError)
    return tuple(found)


def page_token_errors() -> tuple[type[BaseException], ...]:
    """The exception types that mean "this page token is not one the store gave out"."""
    from .. import errors

    return (errors.InvalidPageTokenError,) if hasattr(errors, "InvalidPageTokenError") else ()


def get_run(store: SqlStore, run_id: str) -> tuple[Run | None, bool]:
    """(run, deleted): the run even when deleted, if the store can still read it."""
    from ..errors import RunNotFoundError
    from ..lineage import liveness

    try:
        return liveness.settle(store, [store.get_run(run_id)])[0], False
    except RunNotFoundError:
        pass
    try:
        return store.get_run(run_id, include_deleted=True), True
    except (TypeError, RunNotFoundError):
        pass
    with store.engine.connect() as conn:
        deleted = conn.execute(sa.select(runs.c.run_id).where(runs.c.run_id == run_id)).first() is not None
    return None, deleted


def get_runs(store: SqlStore, run_ids: list[str]) -> list[Run]:
    """Those runs that exist, in the order asked."""
    from ..errors import RunNotFoundError

    found = []
    for run_id in run_ids:
        try:
            found.append(store.get_run(run_id))
        except RunNotFoundError:
            continue
    return found


def live_runs(store: SqlStore, run_ids: list[str]) -> list[Run]:
    """Those runs that exist, a RUNNING run whose process is gone shown KILLED (as in the table)."""
    from ..lineage import liveness

    return liveness.settle(store, get_runs(store, run_ids))


KEY_SAMPLE_RUNS = 1000


def column_keys(store: SqlStore, experiment_ids: list[str]) -> ColumnKeys:
    """Param, metric and tag keys of these experiments, sorted (params and metrics also by how
    many runs have them, for the default columns).

    Read from the newest ``KEY_SAMPLE_RUNS`` runs: counting keys over every run of a 100,000-run
    experiment takes seconds, while the newest runs answer in milliseconds and almost always
    have every key. A key only older runs have can still be named in the address (``columns=``).
    """
    ids = [int(e) for e in experiment_ids]
    newest = (
        sa.select(runs.c.run_id)
        .where(runs.c.experiment_id.in_(ids), _active())
        .order_by(runs.c.start_time.desc())
        .limit(KEY_SAMPLE_RUNS)
        .subquery()
    )
    counted = []
    with store.engine.connect() as conn:
        for table in (params, latest_metrics, tags):
            query = (
                sa.select(table.c.key, sa.func.count())
                .select_from(newest.join(table, table.c.run_id == newest.c.run_id))
                .group_by(table.c.key)
                .order_by(table.c.key)
            )
            counted.append([(r[0], r[1]) for r in conn.execute(query)])

    def frequent(pairs):
        return [k for k, _n in sorted(pairs, key=lambda p: -p[1])]

    return ColumnKeys(
        [k for k, _ in counted[0]],
        [k for k, _ in counted[1]],
        [k for k, _ in counted[2]],
        frequent(counted[0]),
        frequent(counted[1]),
    )


def child_counts(store: SqlStore, run_ids: list[str]) -> dict[str, int]:
    """For each of these runs that is a parent, how many active child runs it has."""
    if not run_ids:
        return {}
    query = (
        sa.select(tags.c.value, sa.func.count())
        .select_from(tags.join(runs, runs.c.run_id == tags.c.run_id))
        .where(tags.c.key == TAG_PARENT, tags.c.value.in_(run_ids), _active())
        .group_by(tags.c.value)
    )
    with store.engine.connect() as conn:
        return {value: n for value, n in conn.execute(query)}


def child_runs(store: SqlStore, run_id: str, limit: int) -> list[tuple[str, str, str]]:
    """(run id, name, status) of the first ``limit`` active child runs of ``run_id``, oldest first."""
    query = (
        sa.select(runs.c.run_id, runs.c.run_name, runs.c.status)
        .select_from(tags.join(runs, runs.c.run_id == tags.c.run_id))
        .where(tags.c.key == TAG_PARENT, tags.c.value == run_id, _active())
        .order_by(runs.c.start_time, runs.c.run_id)
        .limit(limit)
    )
    with store.engine.connect() as conn:
        return [(r.run_id, r.run_name, r.status) for r in conn.execute(query)]


def run_names(store: SqlStore, run_ids: Iterable[str]) -> dict[str, str]:
    ids = list(set(run_ids))
    if not ids:
        return {}
    with store.engine.connect() as conn:
        return {
            r.run_id: r.run_name
            for r in conn.execute(sa.select(runs.c.run_id, runs.c.run_name).where(runs.c.run_id.in_(ids)))
        }


def latest_steps(store: SqlStore, run_id: str) -> dict[str, tuple[int, int]]:
    """key -> (step, timestamp) of each metric's latest value."""
    with store.engine.connect() as conn:
        return {
            r.key: (r.step, r.timestamp)
            for r in conn.execute(
                sa.select(latest_metrics.c.key, latest_metrics.c.step, latest_metrics.c.timestamp).where(
                    latest_metrics.c.run_id == run_id
                )
            )
        }


# -- metric histories ---------------------------------------------------------------------------
def metric_histories(
    store: SqlStore, run_ids: list[str], keys: list[str], max_points: int
) -> dict[tuple[str, str], tuple[list[Metric], int]]:
    """(run, key) -> (points to draw, total points): about ``2 * max_points`` per series at most,
    each of ``max_points`` buckets of steps keeping its lowest and highest point, so every extreme
    of the full history is drawn.

    On SQLite the buckets are made by the database (two GROUP BY queries per series, on the
    (series, step) index), so a 1,000,000-point history never travels into Python; elsewhere the
    store's own downsampling is used.
    """
    if getattr(store, "is_sqlite", False):
        return _sqlite_histories(store, run_ids, keys, max_points)
    out: dict[tuple[str, str], tuple[list[Metric], int]] = {}
    if hasattr(store, "get_metric_histories"):
        full = store.get_metric_histories(run_ids, keys, max_points_per_series=4 * max_points)
        totals = series_lengths(store, run_ids, keys)
        for pair, points in full.items():
            out[pair] = (list(points), totals.get(pair, len(points)))
        return out
    for run_id in run_ids:
        for key in keys:
            points = store.get_metric_history(run_id, key)
            if points:
                out[(run_id, key)] = (downsample(points, max_points), len(points))
    return out


HISTORY_THREADS = 4


def _sqlite_histories(
    store: SqlStore, run_ids: list[str], keys: list[str], buckets: int
) -> dict[tuple[str, str], tuple[list[Metric], int]]:
    from concurrent.futures import ThreadPoolExecutor

    from ..storage.sql_store import metric_series

    with store.engine.connect() as conn:
        series = conn.execute(
            sa.select(metric_series.c.run_id, metric_series.c.key, metric_series.c.series_id).where(
                metric_series.c.run_id.in_(run_ids), metric_series.c.key.in_(keys)
            )
        ).all()

    def one(item):
        run_id, key, series_id = item
        with store.engine.connect() as conn:
            return (run_id, key), _sqlite_series(conn, key, series_id, buckets)

    if len(series) <= 1:
        found = [one(item) for item in series]
    else:  # SQLite releases the GIL while it scans: series are read side by side
        with ThreadPoolExecutor(min(HISTORY_THREADS, len(series))) as pool:
            found = list(pool.map(one, series))
    return {pair: result for pair, result in found if result[1]}


# Downsampled series already computed, by (database, series, its size and last step, buckets): a
# chart opened again, or reloading because one of its runs is RUNNING, recomputes only the series
# that grew. Checking costs one index-only query per series.
_SERIES_CACHE: OrderedDict[tuple, tuple[list[Metric], int]] = OrderedDict()
_SERIES_CACHE_SIZE = 512
_series_cache_lock = threading.Lock()


def _sqlite_series(conn, key: str, series_id: int, buckets: int) -> tuple[list[Metric], int]:
    low, high, total = conn.exec_driver_sql(
        "SELECT MIN(step), MAX(step), COUNT(*) FROM metrics WHERE series_id = ?", (series_id,)
    ).one()
    if not total:
        return [], 0
    cache_key = (str(conn.engine.url), series_id, key, low, high, total, buckets)
    with _series_cache_lock:
        cached = _SERIES_CACHE.get(cache_key)
        if cached is not None:
            _SERIES_CACHE.move_to_end(cache_key)
            return cached
    result = _sqlite_buckets(conn, key, series_id, buckets, low, high, total)
    with _series_cache_lock:
        _SERIES_CACHE[cache_key] = result
        while len(_SERIES_CACHE) > _SERIES_CACHE_SIZE:
            _SERIES_CACHE.popitem(last=False)
    return result


_BUCKET_EXTREMES_SQL = """
WITH RECURSIVE b(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM b WHERE i + 1 < ?1),
edges(lo, hi) AS (SELECT ?2 + (i * ?3) / ?1, ?2 + ((i + 1) * ?3) / ?1 FROM b)
SELECT (SELECT id FROM metrics WHERE series_id = ?4 AND step >= lo AND step < hi AND value IS NOT NULL
        ORDER BY value ASC LIMIT 1),
       (SELECT id FROM metrics WHERE series_id = ?4 AND step >= lo AND step < hi AND value IS NOT NULL
        ORDER BY value DESC LIMIT 1)
FROM edges"""


def _sqlite_buckets(
    conn, key: str, series_id: int, buckets: int, low: int, high: int, total: int
) -> tuple[list[Metric], int]:
    nan = float("nan")
    if total <= 2 * buckets:
        rows = conn.exec_driver_sql(
            "SELECT value, timestamp, step FROM metrics WHERE series_id = ? ORDER BY step, timestamp, id", (series_id,)
        ).all()
    else:
        found = set()
        span = high - low + 1
        if span * buckets < 2**62:
            # For each bucket of steps, the ids of its lowest and highest point: two short index range
            # scans per bucket, no sort of the whole series (twice as fast as GROUP BY here).
            ids = conn.exec_driver_sql(_BUCKET_EXTREMES_SQL, (buckets, low, span, series_id)).all()
            flat = [i for pair in ids for i in pair if i is not None]
            for start in range(0, len(flat), 500):
                chunk = flat[start : start + 500]
                found.update(
                    conn.exec_driver_sql(
                        f"SELECT value, timestamp, step FROM metrics WHERE id IN ({','.join('?' * len(chunk))})",
                        tuple(chunk),
                    ).all()
                )
        else:  # steps so far apart that the integer bucket arithmetic could overflow
            args = (series_id, low, float(buckets), float(span))
            for aggregate in ("MIN", "MAX"):  # SQLite gives the bare columns of the row holding the MIN (MAX)
                found.update(
                    conn.exec_driver_sql(
                        f"SELECT {aggregate}(value), timestamp, step FROM metrics WHERE series_id = ? "
                        "GROUP BY CAST((step - ?) * ? / ? AS INTEGER)",
                        args,
                    ).all()
                )
        for order in ("ASC", "DESC"):  # the ends, whatever their values
            found.update(
                conn.exec_driver_sql(
                    "SELECT value, timestamp, step FROM metrics WHERE series_id = ? "
                    f"ORDER BY step {order}, timestamp {order}, id {order} LIMIT 1",
                    (series_id,),
                ).all()
            )
        rows = sorted((r for r in found if r[0] is not None or r[2] in (low, high)), key=lambda r: (r[2], r[1]))
    return [Metric(key, nan if v is None else v, t, st) for v, t, st in rows], total


def series_lengths(store: SqlStore, run_ids: list[str], keys: list[str]) -> dict[tuple[str, str], int]:
    from ..storage.sql_store import metric_series, metrics

    query = (
        sa.select(metric_series.c.run_id, metric_series.c.key, sa.func.count())
        .select_from(metric_series.join(metrics, metrics.c.series_id == metric_series.c.series_id))
        .where(metric_series.c.run_id.in_(run_ids), metric_series.c.key.in_(keys))
        .group_by(metric_series.c.run_id, metric_series.c.key)
    )
    with store.engine.connect() as conn:
        return {(r[0], r[1]): r[2] for r in conn.execute(query)}


# -- model registry ------------------------------------------------------------------------------
MODELS_PAGE = 100
VERSIONS_PAGE = 100


def filter_literal(text: str) -> str:
    """``text`` as a quoted string of the filter syntax (backslashes and quotes escaped)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def has_registry(store: SqlStore) -> bool:
    return hasattr(store, "search_registered_models")


def search_models(store: SqlStore, name_part: str, page_token: str | None, size: int = MODELS_PAGE):
    """(registered models whose name holds ``name_part``, case-insensitively, by name; next page token)."""
    if not has_registry(store):
        return [], None
    like = filter_literal("%" + name_part + "%") if name_part else None
    return store.search_registered_models(
        filter_string=f"name ILIKE {like}" if like else None,
        max_results=size,
        order_by=["name ASC"],
        page_token=page_token,
    )


def model_versions(store: SqlStore, name: str, page_token: str | None, size: int = VERSIONS_PAGE):
    """(versions of model ``name``, newest first; next page token)."""
    return store.search_model_versions(
        filter_string=f"name = {filter_literal(name)}",
        max_results=size,
        order_by=["version_number DESC"],
        page_token=page_token,
    )


def run_artifact_uris(store: SqlStore, run_ids: Iterable[str]) -> dict[str, str]:
    """run id -> artifact URI, for the runs that exist (deleted ones left out)."""
    wanted = sorted(set(run_ids))
    if not wanted:
        return {}
    with store.engine.connect() as conn:
        return {
            r.run_id: r.artifact_uri
            for r in conn.execute(
                sa.select(runs.c.run_id, runs.c.artifact_uri).where(runs.c.run_id.in_(wanted), _active())
            )
        }


def run_versions(store: SqlStore, run_id: str) -> list:
    """Every registered version made from a run's models, by model name then version."""
    if not has_registry(store):
        return []
    versions, _ = store.search_model_versions(
        filter_string=f"run_id = {filter_literal(run_id)}",
        max_results=1000,
        order_by=["name ASC", "version_number ASC"],
    )
    return versions
