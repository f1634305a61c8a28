"""Store benchmarks of issue 10 (not tests): ``python -m bench.store_search [--runs N] [--points N]``.

On a fresh SQLite store in a temporary directory, through ``SqlStore`` (no server):

1. runs created per second, each run its own write (a new run, three tags, its end), as a
   ``runs/create`` + ``runs/update`` pair would do;
2. a filtered, metric-ordered search over 100,000 runs, first page of 100:
   ``metrics.x < 0.5 and params.p = 'v3'`` ordered by ``metrics.y DESC`` (every run has p, x and y;
   p takes 10 values, x is uniform, so about 5% of runs match), cold and warm; also the same order
   without a filter, a tag filter, and ``count_runs``; target <= 100 ms;
3. ``get_metric_history`` of one metric of 1,000,000 points (target <= 2 s), and its first page of
   25,000 through ``get_metric_history_page``.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time

from tracking_core.batch import NewRun, WriteBatch
from tracking_core.storage.sql_store import SqlStore


def _timed(call, repeat: int = 5) -> tuple[float, float, float, object]:
    """(first call s, median wall s of the next ``repeat``, their median CPU s, result). CPU time is
    shown beside wall time because a shared machine's load inflates the wall time."""
    started = time.perf_counter()
    result = call()
    first = time.perf_counter() - started
    timings, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        call()
        timings.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return first, statistics.median(timings), statistics.median(cpu), result


def _new_run(experiment_id: str, index: int, root: str) -> NewRun:
    run_id = os.urandom(16).hex()
    return NewRun(run_id, experiment_id, f"run-{index}", 1_700_000_000_000 + index, f"{root}/{run_id}/artifacts")


def bench_run_creation(store: SqlStore, experiment_id: str, root: str, count: int) -> float:
    started = time.perf_counter()
    for index in range(count):
        run = _new_run(experiment_id, index, root)
        store.write(
            WriteBatch(
                new_runs=[run],
                tags={
                    (run.run_id, "autolog.user"): "bench",
                    (run.run_id, "autolog.source.name"): "bench.py",
                    (run.run_id, "mlflow.runName"): run.run_name,
                },
            )
        )
        store.write(WriteBatch(run_ends={run.run_id: ("FINISHED", run.start_time + 5)}))
    return count / (time.perf_counter() - started)


def populate(store: SqlStore, experiment_id: str, root: str, count: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    batch_size = 2000
    for start in range(0, count, batch_size):
        new_runs, params, tags, points = [], {}, {}, []
        for index in range(start, min(start + batch_size, count)):
            run = _new_run(experiment_id, index, root)
            new_runs.append(run)
            params[(run.run_id, "p")] = f"v{rng.randrange(10)}"
            params[(run.run_id, "lr")] = str(rng.choice((0.1, 0.01, 0.001)))
            tags[(run.run_id, "team")] = rng.choice(("vision", "nlp", "speech", "tabular"))
            points.append((run.run_id, "x", rng.random(), run.start_time, 0))
            points.append((run.run_id, "y", rng.random(), run.start_time, 0))
        store.write(WriteBatch(new_runs=new_runs, params=params, tags=tags, metrics=points))


def bench_search(store: SqlStore, experiment_id: str) -> list[tuple[str, float, float, float, int]]:
    ids = [experiment_id]
    cases = [
        (
            "metrics.x < 0.5 and params.p = 'v3', order metrics.y DESC",
            lambda: store.search_runs_page(ids, "metrics.x < 0.5 and params.p = 'v3'", ["metrics.y DESC"], 100),
        ),
        ("no filter, order metrics.y DESC", lambda: store.search_runs_page(ids, None, ["metrics.y DESC"], 100)),
        (
            "tags.team = 'nlp' and metrics.y > 0.9, order params.lr, metrics.x",
            lambda: store.search_runs_page(
                ids, "tags.team = 'nlp' and metrics.y > 0.9", ["params.lr", "metrics.x"], 100
            ),
        ),
        ("no filter, default order (newest first)", lambda: store.search_runs_page(ids, None, None, 100)),
        (
            "count_runs metrics.x < 0.5 and params.p = 'v3'",
            lambda: ([None] * store.count_runs(ids, "metrics.x < 0.5 and params.p = 'v3'"), None),
        ),
    ]
    results = []
    for name, call in cases:
        first, warm, cpu, (page, _token) = _timed(call)
        results.append((name, first, warm, cpu, len(page)))
    return results


def bench_history(store: SqlStore, experiment_id: str, root: str, points: int) -> tuple[float, float, float, float]:
    run = _new_run(experiment_id, 0, root)
    store.write(WriteBatch(new_runs=[run]))
    chunk = 100_000
    for start in range(0, points, chunk):
        store.write(
            WriteBatch(
                metrics=[
                    (run.run_id, "loss", 1.0 / (i + 1), 1_700_000_000_000 + i, i)
                    for i in range(start, min(start + chunk, points))
                ]
            )
        )
    first, warm, cpu, history = _timed(lambda: store.get_metric_history(run.run_id, "loss"), repeat=3)
    assert len(history) == points and history[-1].step == points - 1
    _f, page_warm, _c, (page, _token) = _timed(lambda: store.get_metric_history_page(run.run_id, "loss", 25_000), 3)
    assert len(page) == 25_000
    return first, warm, cpu, page_warm


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--create", type=int, default=3_000)
    args = parser.parse_args(argv)
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory(prefix="autolog-bench-store-") as directory:
        root = os.path.join(directory, "artifacts")
        store = SqlStore(f"sqlite:///{os.path.join(directory, 'autolog.db')}")
        created = store.create_experiment("create", artifact_root=root)
        rate = bench_run_creation(store, created, root, args.create)
        print(
            f"runs created through the store: {rate:,.0f} runs/s ({args.create} runs, one write each "
            f"+ one end each; target >= 500/s)"
        )

        experiment_id = store.create_experiment("search", artifact_root=root)
        started = time.perf_counter()
        populate(store, experiment_id, root, args.runs)
        print(
            f"populated {args.runs:,} runs (2 params, 1 tag, 2 metrics each) in {time.perf_counter() - started:.1f} s"
        )
        print(
            f"search over {args.runs:,} runs, first page of 100 (first call / median of 5 more, wall / "
            "their CPU; target <= 100 ms):"
        )
        for name, first, warm, cpu, found in bench_search(store, experiment_id):
            print(f"  {name:64} {first * 1000:6.1f} / {warm * 1000:6.1f} / {cpu * 1000:6.1f} ms  ({found} rows)")

        history_experiment = store.create_experiment("history", artifact_root=root)
        first, warm, cpu, page = bench_history(store, history_experiment, root, args.points)
        print(
            f"get_metric_history of {args.points:,} points: {first:.2f} s first, {warm:.2f} s median of 3 "
            f"({cpu:.2f} s CPU; target <= 2 s); a page of 25,000: {page * 1000:.1f} ms"
        )
        store.engine.dispose()
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
