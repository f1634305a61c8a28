"""The tracking store: concurrent processes, metric history, NaN/inf, nothing lost at exit."""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap

import autolog

from core_support import REPO_DIR

WRITER_SCRIPT = textwrap.dedent("""
    import sys
    import tracking_core as t
    t.set_tracking_uri(sys.argv[1])
    worker = int(sys.argv[2])
    with t.start_run(run_name=f"worker-{worker}", tags={"worker": str(worker)}):
        for i in range(2000):
            t.log_metric("x", float(i), step=i)
            if i % 400 == 399:
                t.flush()   # many small transactions, interleaved with the other processes
        t.log_metrics({f"k{j}": j for j in range(50)}, step=1)
""")


def test_four_processes_writing_one_store_at_once_lose_no_metric(tmp_path):
    store = tmp_path / "shared"
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("AUTOLOG_")}
    env["PYTHONPATH"] = REPO_DIR
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER_SCRIPT, str(store), str(n)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(4)
    ]
    for worker in workers:
        _out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
    client = autolog.TrackingClient(str(store))
    runs = client.search_runs()
    assert sorted(r.data.tags["worker"] for r in runs) == ["0", "1", "2", "3"]
    for run in runs:
        assert run.info.status == "FINISHED"
        history = client.get_metric_history(run.info.run_id, "x")
        assert [m.step for m in history] == list(range(2000))
        assert [m.value for m in history] == [float(i) for i in range(2000)]
        assert len(run.data.metrics) == 51


def test_metric_history_keeps_steps_and_timestamps(autolog_store):
    with autolog.start_run() as run:
        for step, (value, timestamp) in enumerate([(0.9, 1_000), (0.5, 2_000), (0.7, 1_500)]):
            autolog.log_metric("loss", value, step=step * 10, timestamp=timestamp)
        autolog.log_metric("loss", 0.1, step=5, timestamp=3_000)
    history = autolog_store.get_metric_history(run.info.run_id, "loss")
    assert [(m.step, m.timestamp, m.value) for m in history] == [
        (0, 1_000, 0.9),
        (5, 3_000, 0.1),
        (10, 2_000, 0.5),
        (20, 1_500, 0.7),
    ]
    assert all(m.key == "loss" for m in history)
    # the latest value is the one of the highest step, not the last logged
    assert autolog_store.get_run(run.info.run_id).data.metrics["loss"] == 0.7


def test_nan_and_infinities_round_trip(autolog_store):
    with autolog.start_run() as run:
        autolog.log_metric("nan", math.nan)
        autolog.log_metric("inf", math.inf, step=1)
        autolog.log_metric("ninf", -math.inf)
        autolog.log_metrics({"batch_nan": float("nan"), "tiny": 5e-324})
    metrics = autolog_store.get_run(run.info.run_id).data.metrics
    assert math.isnan(metrics["nan"]) and math.isnan(metrics["batch_nan"])
    assert metrics["inf"] == math.inf and metrics["ninf"] == -math.inf
    assert metrics["tiny"] == 5e-324
    (point,) = autolog_store.get_metric_history(run.info.run_id, "inf")
    assert point.value == math.inf and point.step == 1
    assert math.isnan(autolog_store.get_metric_history(run.info.run_id, "nan")[0].value)


EXIT_SCRIPT = textwrap.dedent("""
    import sys
    import autolog
    autolog.set_tracking_uri(sys.argv[1])
    run = autolog.start_run(run_name=sys.argv[2])
    for i in range(10_000):
        autolog.log_metric("m", i, step=i)
    print(run.info.run_id, flush=True)
    if sys.argv[2] == "crash":
        raise RuntimeError("uncaught at the end of the script")
""")


def test_a_process_that_exits_without_end_run_loses_nothing_and_ends_its_run(tmp_path):
    store = tmp_path / "exits"
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("AUTOLOG_")}
    env["PYTHONPATH"] = REPO_DIR
    procs = {
        name: subprocess.Popen(
            [sys.executable, "-c", EXIT_SCRIPT, str(store), name],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("clean", "crash")
    }
    results = {name: (proc.communicate(timeout=120), proc.returncode) for name, proc in procs.items()}
    (clean_out, clean_err), clean_code = results["clean"]
    (crash_out, crash_err), crash_code = results["crash"]
    assert clean_code == 0, clean_err
    assert crash_code == 1 and "uncaught at the end of the script" in crash_err
    client = autolog.TrackingClient(str(store))
    for out, status in ((clean_out, "FINISHED"), (crash_out, "FAILED")):
        run = client.get_run(out.strip())
        assert run.info.status == status
        assert run.info.end_time is not None
        history = client.get_metric_history(run.info.run_id, "m")
        assert len(history) == 10_000
        assert [m.step for m in history] == list(range(10_000))
        assert run.data.metrics == {"m": 9_999.0}


def test_the_series_id_cache_stays_bounded_and_ids_stay_right(autolog_store, monkeypatch):
    """A long-lived process logging into many runs keeps a bounded cache; points still land in
    their own series after it is cleared."""
    from tracking_core.storage import plain_sql

    monkeypatch.setattr(plain_sql, "MAX_CACHED_SERIES", 10)
    import autolog

    client = autolog_store
    ids = []
    for n in range(8):
        with autolog.start_run() as run:
            autolog.log_metrics({"a": n, "b": -n}, step=0)
            autolog.log_metrics({"a": n + 0.5}, step=1)
        ids.append(run.info.run_id)
    cache = client._tracker.writer.store._writes.series  # the store the writer persists through
    assert 0 < len(cache) <= 10
    for n, run_id in enumerate(ids):
        assert [m.value for m in client.get_metric_history(run_id, "a")] == [n, n + 0.5]
        assert [m.value for m in client.get_metric_history(run_id, "b")] == [-n]


def test_sqlite_page_cache_is_small_in_a_training_process_and_configurable(tmp_path, monkeypatch):
    """Each connection's page cache grows to its limit as the store grows: 8 MB unless told."""
    from tracking_core.storage.sql_store import SqlStore

    monkeypatch.delenv("AUTOLOG_SQLITE_CACHE_MB", raising=False)
    store = SqlStore(f"sqlite:///{tmp_path / 'a.db'}")
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == -8 * 1024
    monkeypatch.setenv("AUTOLOG_SQLITE_CACHE_MB", "64")
    store = SqlStore(f"sqlite:///{tmp_path / 'b.db'}")
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == -64 * 1024
