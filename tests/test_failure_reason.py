"""Why a run FAILED: the user's exception (type and message) recorded on the run as
``autolog.failure.type`` / ``autolog.failure.message``, while the exception itself reaches the
user unchanged (DESIGN.md guarantee 1)."""

from __future__ import annotations

import traceback

import pytest

import autolog
from tracking_core.run_failure import MAX_MESSAGE_LENGTH, TAG_FAILURE_MESSAGE, TAG_FAILURE_TYPE, failure_reason


def test_a_fit_that_raises_records_the_exception_and_the_user_gets_it_unchanged(fw, autolog_enable, autolog_store):
    autolog_enable(fw.name)
    error = fw.module.TrainingError("nan loss at step 3")
    with pytest.raises(fw.module.TrainingError) as caught:
        fw.module.Model(fail_with=error).fit([1])
    assert caught.value is error  # the same object, its traceback ending in the framework
    assert "fit" in traceback.format_tb(caught.value.__traceback__)[-1]
    (run,) = autolog_store.search_runs()
    assert run.info.status == "FAILED"
    assert run.data.tags[TAG_FAILURE_TYPE] == f"{type(error).__module__}.TrainingError"
    assert run.data.tags[TAG_FAILURE_MESSAGE] == "nan loss at step 3"
    assert failure_reason(run.data.tags) == f"{type(error).__module__}.TrainingError: nan loss at step 3"


def test_a_finished_or_interrupted_run_records_no_failure(fw, autolog_enable, autolog_store):
    autolog_enable(fw.name)
    fw.module.Model(alpha=1).fit([2])
    with pytest.raises(KeyboardInterrupt):
        fw.module.Model(fail_with=KeyboardInterrupt()).fit([1])
    for run in autolog_store.search_runs():
        assert TAG_FAILURE_TYPE not in run.data.tags, run.info.status


def test_a_real_sklearn_fit_on_data_with_nan_records_why_and_what_it_was_asked(autolog_enable, autolog_store):
    np = pytest.importorskip("numpy")
    pytest.importorskip("sklearn")
    from sklearn.linear_model import LogisticRegression

    autolog_enable("sklearn")
    features = np.array([[0.0, 1.0], [1.0, np.nan], [2.0, 0.5], [3.0, 1.5]])
    with pytest.raises(ValueError, match="NaN"):
        LogisticRegression(C=0.25).fit(features, [0, 1, 0, 1])
    (run,) = autolog_store.search_runs()
    assert run.info.status == "FAILED"
    assert run.data.tags[TAG_FAILURE_TYPE] == "ValueError"
    assert run.data.tags[TAG_FAILURE_MESSAGE].startswith("Input X contains NaN")
    assert run.data.params["C"] == "0.25" and "max_iter" in run.data.params  # logged although fit raised
    assert run.data.metrics == {}


def test_a_start_run_block_that_raises_records_why(autolog_store):
    long_message = "x" * (MAX_MESSAGE_LENGTH + 500)
    with pytest.raises(RuntimeError) as caught:
        with autolog.start_run(run_name="manual"):
            raise RuntimeError(long_message)
    assert str(caught.value) == long_message
    run = autolog.last_active_run()
    assert run.info.status == "FAILED"
    tags = autolog_store.get_run(run.info.run_id).data.tags
    assert tags[TAG_FAILURE_TYPE] == "RuntimeError"
    assert len(tags[TAG_FAILURE_MESSAGE]) == MAX_MESSAGE_LENGTH and tags[TAG_FAILURE_MESSAGE].endswith("…")


def test_an_exception_whose_str_raises_still_records_its_type(autolog_store):
    class Odd(Exception):
        def __str__(self) -> str:
            raise TypeError("no text")

    with pytest.raises(Odd):
        with autolog.start_run():
            raise Odd()
    tags = autolog_store.get_run(autolog.last_active_run().info.run_id).data.tags
    assert tags[TAG_FAILURE_TYPE].endswith("Odd") and tags[TAG_FAILURE_MESSAGE] == ""


def test_autolog_run_of_a_script_whose_fit_raises(tmp_path):
    """``autolog run -- python train.py``: the script's traceback and exit code are its own, and
    the run its fit made records why it failed."""
    pytest.importorskip("sklearn")
    import os
    import subprocess
    import sys
    import textwrap

    import tracking_core

    script = tmp_path / "train.py"
    script.write_text(
        textwrap.dedent("""
            import numpy as np
            from sklearn.linear_model import LogisticRegression
            X = np.array([[0.0, 1.0], [1.0, np.nan], [2.0, 0.5], [3.0, 1.5]])
            LogisticRegression().fit(X, [0, 1, 0, 1])
        """)
    )
    store = tmp_path / "autologruns"
    environment = {k: v for k, v in os.environ.items() if k != "AUTOLOG_TESTING"}
    source_root = os.path.dirname(os.path.dirname(os.path.abspath(autolog.__file__)))
    environment["PYTHONPATH"] = os.pathsep.join(p for p in (source_root, environment.get("PYTHONPATH")) if p)
    done = subprocess.run(
        [sys.executable, "-m", "autolog", "run", "--tracking-uri", str(store), "--", sys.executable, str(script)],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1
    assert "ValueError: Input X contains NaN" in done.stderr
    assert 'train.py", line 5' in done.stderr  # the user's own traceback
    client = tracking_core.TrackingClient(str(store))
    (run,) = client.search_runs(experiment_names=["Default"], max_results=10)
    assert run.info.status == "FAILED"
    assert run.data.tags[TAG_FAILURE_TYPE] == "ValueError"
    assert run.data.tags[TAG_FAILURE_MESSAGE].startswith("Input X contains NaN")
