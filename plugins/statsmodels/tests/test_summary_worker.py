"""``model_summary.txt`` of a process that fits many models is built in a worker process (issue 21
item 21): every run still gets statsmodels' own summary, after ``flush()``, at exit, when the
worker dies, and a script of a few fits never starts a process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import autolog_statsmodels
import numpy as np
import pytest
from autolog_statsmodels.summary_worker import INLINE_SUMMARIES, Summaries

from autolog.plugin import wait_at_flush


def _without_clock(text: str) -> str:
    """A summary without the ``Date:``/``Time:`` it was made at (the numbers stay)."""
    return "\n".join(line for line in text.splitlines() if "Date:" not in line and "Time:" not in line)


def _summary_of(client, run_id: str, tmp_path) -> str | None:
    names = {f.path for f in client.list_artifacts(run_id)}
    if "model_summary.txt" not in names:
        return None
    with open(client.download_artifacts(run_id, "model_summary.txt", str(tmp_path / run_id))) as fh:
        return fh.read()


@pytest.fixture
def fresh_summaries(monkeypatch):
    """A process's summary state from scratch (the first fits inline, then a new worker)."""
    failed: list[list[str]] = []
    summaries = Summaries(on_failed=failed.append)
    monkeypatch.setattr(autolog_statsmodels, "SUMMARIES", summaries)
    wait_at_flush(summaries.wait)
    yield summaries, failed
    summaries.close()


def _fit_ols(sm, seed: int):
    rng = np.random.default_rng(seed)
    X = sm.add_constant(rng.normal(size=(80, 2)))
    y = X @ np.array([1.0, 2.0, -1.0]) + rng.normal(size=80)
    return sm.OLS(y, X).fit()


def test_every_fit_of_a_loop_gets_statsmodels_own_summary_once_the_worker_takes_over(
    sm_autolog, autolog_store, fresh_summaries, tmp_path
):
    summaries, failed = fresh_summaries
    sm = sm_autolog(log_models=False)
    fitted = []
    for seed in range(INLINE_SUMMARIES + 5):
        results = _fit_ols(sm, seed)
        fitted.append((autolog_store.search_runs(max_results=1)[0].info.run_id, results))
    assert summaries._worker is not None and summaries._worker.alive()  # the later ones went to the worker
    import autolog

    autolog.flush()
    for run_id, results in fitted:
        text = _summary_of(autolog_store, run_id, tmp_path)
        assert text is not None, f"run {run_id} has no model_summary.txt"
        assert _without_clock(text) == _without_clock(results.summary().as_text())
    assert failed == []


def test_reading_a_runs_artifacts_waits_for_its_summary_without_a_flush(
    sm_autolog, autolog_store, fresh_summaries, tmp_path
):
    sm = sm_autolog(log_models=False)
    for seed in range(INLINE_SUMMARIES + 2):
        _fit_ols(sm, seed)
    last = autolog_store.search_runs(max_results=1)[0].info.run_id
    assert _summary_of(autolog_store, last, tmp_path) is not None


def test_summaries_the_worker_did_not_write_are_built_when_it_dies(
    sm_autolog, autolog_store, fresh_summaries, tmp_path
):
    summaries, failed = fresh_summaries
    sm = sm_autolog(log_models=False)
    for seed in range(INLINE_SUMMARIES + 1):
        _fit_ols(sm, seed)
    worker = summaries._worker
    assert worker is not None
    worker.process.send_signal(signal.SIGSTOP)  # stalled: what it is handed now stays in the spool
    for seed in range(10, 14):
        _fit_ols(sm, seed)
    worker.process.kill()
    worker.process.wait()
    import autolog

    autolog.flush()
    runs = autolog_store.search_runs(max_results=100)
    assert len(runs) == INLINE_SUMMARIES + 5
    missing = [r.info.run_id for r in runs if _summary_of(autolog_store, r.info.run_id, tmp_path) is None]
    assert missing == []
    assert failed == []
    # With the worker gone, the next fits build their summaries inline again.
    _fit_ols(sm, 99)
    assert _summary_of(autolog_store, autolog_store.search_runs(max_results=1)[0].info.run_id, tmp_path)


def _run_script(tmp_path, fits: int) -> subprocess.CompletedProcess:
    store = tmp_path / "store"
    script = textwrap.dedent(
        f"""
        import numpy as np, statsmodels.api as sm, autolog, autolog_statsmodels
        autolog.set_tracking_uri({str(store)!r})
        autolog.autolog(log_models=False)
        for seed in range({fits}):
            rng = np.random.default_rng(seed)
            X = sm.add_constant(rng.normal(size=(60, 2)))
            sm.OLS(X @ np.array([1.0, 2.0, -1.0]) + rng.normal(size=60), X).fit()
        worker = autolog_statsmodels.SUMMARIES._worker
        print(f"worker {{worker.spool}}" if worker is not None else "inline")
        """
    )
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)


def test_a_script_exiting_without_flush_leaves_every_summary_in_place(tmp_path):
    done = _run_script(tmp_path, INLINE_SUMMARIES + 6)
    assert done.returncode == 0, done.stderr
    kind, spool = done.stdout.split()
    assert kind == "worker"
    import tracking_core

    client = tracking_core.TrackingClient(str(tmp_path / "store"))
    runs = client.search_runs(max_results=100)
    assert len(runs) == INLINE_SUMMARIES + 6
    for run in runs:
        text = _summary_of(client, run.info.run_id, tmp_path)
        assert text is not None and "OLS Regression Results" in text
    assert not os.path.exists(spool)  # the spool of handed-over results is removed at exit


def test_a_script_of_a_few_fits_starts_no_process(tmp_path):
    done = _run_script(tmp_path, INLINE_SUMMARIES)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "inline"
