"""``model_summary.txt`` and ``coefficients.csv`` of a process that fits many models are built in a
worker process (issue 21 item 21): every run still gets statsmodels' own summary and its
coefficients, after ``flush()``, at exit, when the worker dies; a file the worker cannot build is a
warning; and a script of a few fits never starts a process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import autolog_statsmodels
import numpy as np
import pytest
from autolog_statsmodels.artifact_worker import INLINE_FITS, Handover

from autolog.plugin import wait_at_flush


def _without_clock(text: str) -> str:
    """A summary without the ``Date:``/``Time:`` it was made at (the numbers stay)."""
    return "\n".join(line for line in text.splitlines() if "Date:" not in line and "Time:" not in line)


def _summary_of(client, run_id: str, tmp_path, name: str = "model_summary.txt") -> str | None:
    names = {f.path for f in client.list_artifacts(run_id)}
    if name not in names:
        return None
    with open(client.download_artifacts(run_id, name, str(tmp_path / run_id))) as fh:
        return fh.read()


def _artifact_names(client, run_id: str) -> set[str]:
    return {f.path for f in client.list_artifacts(run_id)}


def _coefficients(results) -> list[list[str]]:
    """The rows ``coefficients.csv`` holds for ``results``, computed here without autolog."""
    import csv
    import io

    from autolog_statsmodels.artifacts import coefficients_csv

    return list(csv.reader(io.StringIO(coefficients_csv(results))))


@pytest.fixture
def fresh_handover(monkeypatch):
    """A process's hand-over state from scratch (the first fits inline, then a new worker)."""
    failed: list[list[str]] = []
    handover = Handover(on_failed=failed.append)
    monkeypatch.setattr(autolog_statsmodels, "HANDOVER", handover)
    wait_at_flush(handover.wait)
    yield handover, failed
    handover.close()


def _fit_ols(sm, seed: int):
    rng = np.random.default_rng(seed)
    X = sm.add_constant(rng.normal(size=(80, 2)))
    y = X @ np.array([1.0, 2.0, -1.0]) + rng.normal(size=80)
    return sm.OLS(y, X).fit()


def test_every_fit_of_a_loop_gets_statsmodels_own_summary_once_the_worker_takes_over(
    sm_autolog, autolog_store, fresh_handover, tmp_path
):
    handover, failed = fresh_handover
    sm = sm_autolog(log_models=False)
    fitted = []
    for seed in range(INLINE_FITS + 5):
        results = _fit_ols(sm, seed)
        fitted.append((autolog_store.search_runs(max_results=1)[0].info.run_id, results))
    assert handover._worker is not None and handover._worker.alive()  # the later ones went to the worker
    import autolog

    autolog.flush()
    import csv
    import io

    for run_id, results in fitted:
        text = _summary_of(autolog_store, run_id, tmp_path)
        assert text is not None, f"run {run_id} has no model_summary.txt"
        assert _without_clock(text) == _without_clock(results.summary().as_text())
        rows = list(csv.reader(io.StringIO(_summary_of(autolog_store, run_id, tmp_path, "coefficients.csv") or "")))
        assert rows == _coefficients(results) and rows[0][:3] == ["name", "coef", "std_err"]
    assert failed == []


def test_a_gee_loop_gets_its_summaries_from_the_worker_as_statsmodels_writes_them(
    sm_autolog, autolog_store, fresh_handover, tmp_path
):
    """GEE keeps one array per cluster; the worker gets them packed and must read them back whole."""
    handover, failed = fresh_handover
    sm = sm_autolog(log_models=False)
    rng = np.random.default_rng(0)
    groups = np.repeat(np.arange(30), 4)
    X = sm.add_constant(rng.normal(size=(120, 2)))
    fitted = []
    for seed in range(INLINE_FITS + 2):
        y = (X @ np.array([0.2, 0.5, -0.5]) + np.random.default_rng(seed).normal(size=120) > 0).astype(float)
        model = sm.GEE(y, X, groups, family=sm.families.Binomial(), cov_struct=sm.cov_struct.Exchangeable())
        results = model.fit()
        fitted.append((autolog_store.search_runs(max_results=1)[0].info.run_id, results))
    assert handover._worker is not None
    last_run, last_results = fitted[-1]
    text = _summary_of(autolog_store, last_run, tmp_path)
    assert text is not None and "No. clusters:                       30" in text
    assert _without_clock(text) == _without_clock(last_results.summary().as_text())
    assert failed == []


def test_a_file_the_worker_cannot_build_is_one_warning_and_the_others_are_written(
    sm_autolog, autolog_store, fresh_handover, tmp_path, monkeypatch
):
    handover, failed = fresh_handover
    sm = sm_autolog(log_models=False)
    for seed in range(INLINE_FITS):
        _fit_ols(sm, seed)
    # Results whose summary() raises (a statsmodels defect, say): the worker unpickles the same class.
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")]))
    (tmp_path / "broken_summary.py").write_text(
        "import statsmodels.api as sm\n"
        "class BrokenOLS(sm.OLS):\n"
        "    def fit(self, *a, **k):\n"
        "        results = super().fit(*a, **k)\n"
        "        results._results.__class__ = BrokenResults\n"
        "        return results\n"
        "from statsmodels.regression.linear_model import OLSResults\n"
        "class BrokenResults(OLSResults):\n"
        "    def summary(self, *a, **k):\n"
        "        raise RuntimeError('no summary')\n"
    )
    handover.close()  # the next worker starts with the PYTHONPATH above
    monkeypatch.syspath_prepend(str(tmp_path))
    import broken_summary

    rng = np.random.default_rng(5)
    X = sm.add_constant(rng.normal(size=(50, 2)))
    broken_summary.BrokenOLS(X @ np.array([1.0, 2.0, -1.0]) + rng.normal(size=50), X).fit()
    run_id = autolog_store.search_runs(max_results=1)[0].info.run_id
    import autolog

    autolog.flush()
    assert handover._worker is not None  # it went to a worker
    assert _summary_of(autolog_store, run_id, tmp_path, "coefficients.csv") is not None
    assert _summary_of(autolog_store, run_id, tmp_path) is None
    assert [[os.path.basename(problem) for problem in problems] for problems in failed] == [
        ["model_summary.txt (RuntimeError: no summary)"]
    ]


def test_results_the_worker_cannot_unpickle_are_done_by_the_training_process(
    sm_autolog, autolog_store, fresh_handover, tmp_path, monkeypatch
):
    """A model class the worker cannot import (a module made at run time): the training process
    does the job at the next flush, and does the next fits' itself."""
    import types

    handover, failed = fresh_handover
    sm = sm_autolog()
    for seed in range(INLINE_FITS):
        _fit_ols(sm, seed)
    made_here = types.ModuleType("made_at_run_time")
    exec("import statsmodels.api as sm\nclass MyOLS(sm.OLS):\n    pass\n", made_here.__dict__)
    monkeypatch.setitem(sys.modules, "made_at_run_time", made_here)
    rng = np.random.default_rng(3)
    X = sm.add_constant(rng.normal(size=(40, 2)))
    made_here.MyOLS(X @ np.array([1.0, 2.0, -1.0]) + rng.normal(size=40), X).fit()
    first = autolog_store.search_runs(max_results=1)[0].info.run_id
    assert handover._worker is not None  # handed over: the parent can pickle it
    deadline = time.monotonic() + 60
    while not handover._worker.refused() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert handover._worker.refused()
    made_here.MyOLS(X @ np.array([1.0, 2.0, -1.0]) + rng.normal(size=40), X).fit()  # inline now
    second = autolog_store.search_runs(max_results=1)[0].info.run_id
    for run_id in (first, second):
        assert {"model", "model_summary.txt", "coefficients.csv"} <= _artifact_names(autolog_store, run_id)
    import autolog

    loaded = autolog.load_model(f"runs:/{first}/model")
    assert type(loaded.model).__name__ == "MyOLS"
    assert failed == []


def test_reading_a_runs_artifacts_waits_for_its_summary_without_a_flush(
    sm_autolog, autolog_store, fresh_handover, tmp_path
):
    sm = sm_autolog(log_models=False)
    for seed in range(INLINE_FITS + 2):
        _fit_ols(sm, seed)
    last = autolog_store.search_runs(max_results=1)[0].info.run_id
    assert _summary_of(autolog_store, last, tmp_path) is not None


def test_what_the_worker_did_not_write_is_built_when_it_dies(sm_autolog, autolog_store, fresh_handover, tmp_path):
    handover, failed = fresh_handover
    sm = sm_autolog()
    for seed in range(INLINE_FITS + 1):
        _fit_ols(sm, seed)
    worker = handover._worker
    assert worker is not None
    worker.process.send_signal(signal.SIGSTOP)  # stalled: what it is handed now stays in the spool
    for seed in range(10, 14):
        _fit_ols(sm, seed)
    worker.process.kill()
    worker.process.wait()
    import autolog

    autolog.flush()
    runs = autolog_store.search_runs(max_results=100)
    assert len(runs) == INLINE_FITS + 5
    missing = [r.info.run_id for r in runs if _summary_of(autolog_store, r.info.run_id, tmp_path) is None]
    assert missing == []
    without_model = [r.info.run_id for r in runs if "model" not in _artifact_names(autolog_store, r.info.run_id)]
    assert without_model == []
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
        autolog.autolog()
        for seed in range({fits}):
            rng = np.random.default_rng(seed)
            X = sm.add_constant(rng.normal(size=(60, 2)))
            sm.OLS(X @ np.array([1.0, 2.0, -1.0]) + rng.normal(size=60), X).fit()
        worker = autolog_statsmodels.HANDOVER._worker
        print(f"worker {{worker.spool}}" if worker is not None else "inline")
        """
    )
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)


def test_a_script_exiting_without_flush_leaves_every_artifact_and_model_in_place(tmp_path):
    done = _run_script(tmp_path, INLINE_FITS + 6)
    assert done.returncode == 0, done.stderr
    kind, spool = done.stdout.split()
    assert kind == "worker"
    import tracking_core

    client = tracking_core.TrackingClient(str(tmp_path / "store"))
    runs = client.search_runs(max_results=100)
    assert len(runs) == INLINE_FITS + 6
    for run in runs:
        text = _summary_of(client, run.info.run_id, tmp_path)
        assert text is not None and "OLS Regression Results" in text
        assert {"model", "coefficients.csv"} <= _artifact_names(client, run.info.run_id)
    assert not os.path.exists(spool)  # the spool of handed-over results is removed at exit


def _model_files(client, run_id: str, tmp_path) -> tuple[dict, str]:
    """The run's MLmodel without what differs per save (id, time, run), and its requirements."""
    import yaml

    model_dir = client.download_artifacts(run_id, "model", str(tmp_path / f"model-{run_id}"))
    with open(os.path.join(model_dir, "MLmodel")) as fh:
        mlmodel = yaml.safe_load(fh)
    for key in ("model_uuid", "utc_time_created", "run_id"):
        mlmodel.pop(key)
    with open(os.path.join(model_dir, "requirements.txt")) as fh:
        return mlmodel, fh.read()


def test_models_the_worker_saves_load_and_predict_as_the_fit_and_match_the_inline_ones(
    sm_autolog, autolog_store, fresh_handover, tmp_path
):
    handover, failed = fresh_handover
    sm = sm_autolog(log_input_examples=True)
    rng = np.random.default_rng(7)
    X = sm.add_constant(rng.normal(size=(80, 2)))
    fitted = []
    for seed in range(INLINE_FITS + 2):
        results = sm.OLS(X @ np.array([1.0, 2.0, -1.0]) + np.random.default_rng(seed).normal(size=80), X).fit()
        fitted.append((autolog_store.search_runs(max_results=1)[0].info.run_id, results))
    assert handover._worker is not None
    import autolog

    last_run, last_results = fitted[-1]
    # No flush: loading waits for the worker.
    loaded = autolog.load_model(f"runs:/{last_run}/model")
    np.testing.assert_allclose(loaded.predict(X[:5]), last_results.predict(X[:5]))
    inline = _model_files(autolog_store, fitted[0][0], tmp_path)
    for run_id, _ in fitted[INLINE_FITS:]:
        assert _model_files(autolog_store, run_id, tmp_path) == inline
    assert failed == []


def test_a_model_over_max_model_size_mb_is_refused_at_the_fit_also_once_the_worker_works(
    sm_autolog, autolog_store, fresh_handover, tmp_path
):
    handover, failed = fresh_handover
    sm = sm_autolog(max_model_size_mb=0.001)  # 1 KB: every model is over it
    with pytest.warns(Warning, match="max_model_size_mb=0.001 and was not saved"):
        for seed in range(INLINE_FITS):
            _fit_ols(sm, seed)
    _fit_ols(sm, 50)
    run_id = autolog_store.search_runs(max_results=1)[0].info.run_id
    assert handover._worker is not None  # the summary went to the worker
    import autolog

    autolog.flush()
    assert "model" not in _artifact_names(autolog_store, run_id)
    assert "model_summary.txt" in _artifact_names(autolog_store, run_id)
    assert failed == []  # the model was not handed over: the size check happened at the fit


def test_a_registered_model_is_saved_and_registered_at_the_fit_also_once_the_worker_works(
    sm_autolog, autolog_store, fresh_handover
):
    handover, failed = fresh_handover
    sm = sm_autolog(registered_model_name="ols-loop")
    for seed in range(INLINE_FITS + 1):
        results = _fit_ols(sm, seed)
    assert handover._worker is not None
    import autolog

    # The registry reads the saved model at once: the fourth fit's model was saved inline.
    loaded = autolog.load_model(f"models:/ols-loop/{INLINE_FITS + 1}")
    X = sm.add_constant(np.random.default_rng(0).normal(size=(5, 2)))
    np.testing.assert_allclose(loaded.predict(X), results.predict(X))
    assert failed == []


def test_a_model_class_of_the_users_main_is_done_inline(tmp_path):
    """The worker's ``__main__`` is another module: such results are never handed to it."""
    store = tmp_path / "store"
    script = textwrap.dedent(
        f"""
        import numpy as np, statsmodels.api as sm, autolog, autolog_statsmodels
        autolog.set_tracking_uri({str(store)!r})
        autolog.autolog()

        class MyOLS(sm.OLS):
            pass

        for seed in range({INLINE_FITS + 3}):
            rng = np.random.default_rng(seed)
            X = sm.add_constant(rng.normal(size=(60, 2)))
            MyOLS(X @ np.array([1.0, 2.0, -1.0]) + rng.normal(size=60), X).fit()
        worker = autolog_statsmodels.HANDOVER._worker
        print(len(worker.pending) if worker is not None else 0)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["0"]  # nothing handed over
    import tracking_core

    client = tracking_core.TrackingClient(str(store))
    runs = client.search_runs(max_results=100)
    assert len(runs) == INLINE_FITS + 3
    for run in runs:
        assert {"model", "model_summary.txt", "coefficients.csv"} <= _artifact_names(client, run.info.run_id)


def test_a_script_of_a_few_fits_starts_no_process(tmp_path):
    done = _run_script(tmp_path, INLINE_FITS)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "inline"
