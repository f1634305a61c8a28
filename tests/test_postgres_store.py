"""The tracking store on a real PostgreSQL server (started by ``postgres_support``), no mocks.

The same tracking API as the SQLite tests, through a ``postgresql+psycopg2://`` tracking URI with
artifacts under ``AUTOLOG_ARTIFACT_ROOT``: runs, params, metrics with steps, tags, NaN and inf,
param conflicts, the latest metric value, several processes writing at once, text artifacts.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

import autolog
from tracking_core.client import fluent
from tracking_core.client.tracker import tracker_for
from tracking_core.errors import ParamConflictError

from core_support import REPO_DIR
from postgres_support import PostgresServer, postgres_server, postgres_url  # noqa: F401 (fixtures)


@pytest.fixture
def pg_tracking(postgres_url: str, tmp_path: Path, monkeypatch) -> Iterator[tuple[autolog.TrackingClient, Path]]:  # noqa: F811
    """The fluent API pointed at the test database, a fresh experiment, artifacts under ``tmp_path``."""
    artifact_root = tmp_path / "artifacts"
    monkeypatch.setenv("AUTOLOG_ARTIFACT_ROOT", str(artifact_root))
    monkeypatch.delenv("AUTOLOG_TRACKING_URI", raising=False)
    previous_uri, previous_experiment = fluent._tracking_uri, fluent._experiment_name
    autolog.set_tracking_uri(postgres_url)
    try:
        autolog.set_experiment(f"pg-{uuid.uuid4().hex[:8]}")
        yield autolog.TrackingClient(postgres_url), artifact_root
    finally:
        while autolog.active_run() is not None:
            autolog.end_run()
        fluent._tracking_uri, fluent._experiment_name = previous_uri, previous_experiment


def test_a_run_is_written_and_read_back(pg_tracking):
    client, _root = pg_tracking
    run = autolog.start_run(run_name="pg-run", tags={"team": "core"})
    run_id = run.info.run_id
    autolog.log_params({"lr": 0.01, "optimizer": "adam"})
    for step in range(3):
        autolog.log_metrics({"loss": 1.0 / (step + 1), "acc": 0.5 + step / 10}, step=step)
    autolog.log_metric("lr_now", 0.001, step=7, timestamp=1_700_000_000_123)
    autolog.set_tags({"stage": "test", "n": 3})
    autolog.end_run()

    fetched = client.get_run(run_id)
    assert fetched.info.run_name == "pg-run"
    assert fetched.info.status == "FINISHED"
    assert fetched.info.end_time is not None and fetched.info.end_time >= fetched.info.start_time
    assert fetched.data.params == {"lr": "0.01", "optimizer": "adam"}
    assert fetched.data.metrics == {"loss": pytest.approx(1 / 3), "acc": pytest.approx(0.7), "lr_now": 0.001}
    assert {k: fetched.data.tags[k] for k in ("team", "stage", "n")} == {"team": "core", "stage": "test", "n": "3"}
    assert "autolog.source.name" in fetched.data.tags

    history = client.get_metric_history(run_id, "loss")
    assert [m.step for m in history] == [0, 1, 2]
    assert [m.value for m in history] == [1.0, 0.5, pytest.approx(1 / 3)]
    assert all(m.key == "loss" and m.timestamp > 1_600_000_000_000 for m in history)
    [point] = client.get_metric_history(run_id, "lr_now")
    assert (point.step, point.timestamp, point.value) == (7, 1_700_000_000_123, 0.001)


def test_search_runs_with_a_filter(pg_tracking):
    client, _root = pg_tracking
    experiment = fluent._experiment_name
    ids = {}
    for lr in (0.1, 0.2, 0.3):
        with autolog.start_run(run_name=f"lr-{lr}") as run:
            autolog.log_param("lr", lr)
            autolog.log_metric("acc", lr * 3)
        ids[lr] = run.info.run_id
    found = client.search_runs([experiment], filter_string="metrics.acc > 0.5 and params.lr != '0.3'")
    assert [r.info.run_id for r in found] == [ids[0.2]]
    ordered = client.search_runs([experiment], order_by=["metrics.acc DESC"])
    assert [r.info.run_id for r in ordered] == [ids[0.3], ids[0.2], ids[0.1]]
    assert client.search_runs([experiment], filter_string="tags.missing = 'x'") == []
    assert len(client.search_runs([experiment], max_results=2)) == 2


def test_nan_and_infinities_round_trip(pg_tracking):
    client, _root = pg_tracking
    with autolog.start_run() as run:
        autolog.log_metric("nan", math.nan, step=0)
        autolog.log_metric("nan", 1.5, step=1)
        autolog.log_metric("nan", math.nan, step=2)
        autolog.log_metrics({"pinf": math.inf, "ninf": -math.inf, "tiny": 5e-324, "huge": 1.7976931348623157e308})
    metrics = client.get_run(run.info.run_id).data.metrics
    assert math.isnan(metrics["nan"])
    assert metrics["pinf"] == math.inf and metrics["ninf"] == -math.inf
    assert metrics["tiny"] == 5e-324 and metrics["huge"] == 1.7976931348623157e308
    history = client.get_metric_history(run.info.run_id, "nan")
    assert [m.step for m in history] == [0, 1, 2]
    assert math.isnan(history[0].value) and history[1].value == 1.5 and math.isnan(history[2].value)


def test_a_param_conflict_is_refused_naming_the_key(pg_tracking, postgres_url):  # noqa: F811
    client, _root = pg_tracking
    with autolog.start_run() as run:
        autolog.log_param("depth", 3)
        autolog.log_param("depth", "3")  # the same text: fine
        with pytest.raises(ParamConflictError, match="depth") as error:
            autolog.log_param("depth", 4)
        assert error.value.key == "depth"
    # once the run has ended the tracker no longer caches its params: the check reads the database
    with pytest.raises(ParamConflictError, match="depth"):
        tracker_for(postgres_url).log_params(run.info.run_id, {"depth": 5})
    assert client.get_run(run.info.run_id).data.params == {"depth": "3"}


def test_latest_metric_is_the_one_with_the_highest_step(pg_tracking):
    client, _root = pg_tracking
    with autolog.start_run() as run:
        autolog.log_metric("loss", 0.7, step=10, timestamp=1_000)
        autolog.flush()
        autolog.log_metric("loss", 0.1, step=5, timestamp=5_000)  # later, but an earlier step
        autolog.flush()
        autolog.log_metric("acc", 0.2, step=3, timestamp=1_000)
        autolog.log_metric("acc", 0.4, step=3, timestamp=2_000)  # same step: the later one wins
        autolog.log_metric("acc", 0.3, step=3, timestamp=1_500)
        autolog.flush()
        autolog.log_metric("acc", 0.9, step=3, timestamp=500)
        autolog.log_metric("f1", 0.5, step=2)
        autolog.flush()
        autolog.log_metric("f1", 0.6, step=4)  # a higher step in a later flush replaces the stored one
    metrics = client.get_run(run.info.run_id).data.metrics
    assert metrics == {"loss": 0.7, "acc": 0.4, "f1": 0.6}
    assert [(m.step, m.value) for m in client.get_metric_history(run.info.run_id, "loss")] == [(5, 0.1), (10, 0.7)]


WRITER_SCRIPT = textwrap.dedent("""
    import sys
    import tracking_core as t
    worker = int(sys.argv[1])
    t.set_experiment(sys.argv[2])
    with t.start_run(run_name=f"worker-{worker}", tags={"worker": str(worker)}):
        t.log_param("worker", worker)
        for i in range(1000):
            t.log_metric("x", float(i), step=i)
            if i % 200 == 199:
                t.flush()   # many small transactions, interleaved with the other processes
        t.log_metrics({f"k{j}": j for j in range(50)}, step=1)
""")


def test_four_processes_writing_at_once_lose_no_metric(postgres_server: PostgresServer, tmp_path):  # noqa: F811
    # A database of their own, so the four also race to create the schema and the experiment.
    url = postgres_server.create_database()
    experiment = "concurrent"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOLOG_")}
    env.update(PYTHONPATH=REPO_DIR, AUTOLOG_TRACKING_URI=url, AUTOLOG_ARTIFACT_ROOT=str(tmp_path / "artifacts"))
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER_SCRIPT, str(n), experiment],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(4)
    ]
    errors = []
    for worker in workers:
        try:
            _out, err = worker.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            worker.kill()
            _out, err = worker.communicate()
            err = "timed out\n" + err
        if worker.returncode != 0:
            errors.append(err)
    assert not errors, "\n\n".join(errors)

    client = autolog.TrackingClient(url)
    runs = client.search_runs([experiment])
    assert sorted(r.data.tags["worker"] for r in runs) == ["0", "1", "2", "3"]
    for run in runs:
        assert run.info.status == "FINISHED"
        assert run.data.params == {"worker": run.data.tags["worker"]}
        history = client.get_metric_history(run.info.run_id, "x")
        assert [m.step for m in history] == list(range(1000))
        assert [m.value for m in history] == [float(i) for i in range(1000)]
        assert len(run.data.metrics) == 51 and run.data.metrics["x"] == 999.0


def test_log_text_lands_under_the_artifact_root(pg_tracking):
    client, artifact_root = pg_tracking
    with autolog.start_run() as run:
        autolog.log_text("hello postgres\n", "notes/hello.txt")
        autolog.log_dict({"a": 1}, "config.json")
    info = client.get_run(run.info.run_id).info
    expected = artifact_root / info.experiment_id / info.run_id / "artifacts"
    assert Path(info.artifact_uri) == expected
    assert (expected / "notes" / "hello.txt").read_text() == "hello postgres\n"
    assert sorted(f.path for f in client.list_artifacts(run.info.run_id)) == ["config.json", "notes"]
    local = client.download_artifacts(run.info.run_id, "notes/hello.txt", str(artifact_root.parent / "dl"))
    assert Path(local).read_text() == "hello postgres\n"
