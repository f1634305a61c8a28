"""Dataset inputs in the store: logged through the fluent API and the client, read back on
``Run.inputs``, found by ``search_runs`` on ``datasets.name/digest/context`` (SQLite and PostgreSQL),
and recorded by autologging for every integration at once (the core's default plugin)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import numpy as np
import pytest

import autolog
from tracking_core.client import fluent
from tracking_core.errors import InvalidFilterError
from tracking_core.lineage.datasets import describe_dataset

from postgres_support import PostgresServer, postgres_server, postgres_url  # noqa: F401 (fixtures)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_uri(request, tmp_path: Path, monkeypatch) -> str:
    if request.param == "sqlite":
        uri = str(tmp_path / "store")
    else:
        uri = request.getfixturevalue("postgres_url")
        monkeypatch.setenv("AUTOLOG_ARTIFACT_ROOT", str(tmp_path / "artifacts"))
    monkeypatch.delenv("AUTOLOG_TRACKING_URI", raising=False)
    previous = fluent._tracking_uri, fluent._experiment_name
    autolog.set_tracking_uri(uri)
    autolog.set_experiment(f"datasets-{uuid.uuid4().hex[:8]}")
    try:
        yield uri
    finally:
        while autolog.active_run() is not None:
            autolog.end_run()
        fluent._tracking_uri, fluent._experiment_name = previous


def _data(seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(100, 4))
    return X, (X[:, 0] > 0).astype(int)


def test_logged_inputs_read_back_with_name_digest_context_and_schema(store_uri):
    X, y = _data()
    training = describe_dataset(X, name="X", context="training", targets=y)
    with autolog.start_run() as run:
        autolog.log_input(training)
        autolog.log_input(X[:20], context="eval", name="holdout")
    inputs = autolog.TrackingClient().get_run(run.info.run_id).inputs.dataset_inputs
    by_name = {i.dataset.name: i for i in inputs}
    assert set(by_name) == {"X", "holdout"}
    assert by_name["X"].context == "training" and by_name["X"].dataset.digest == training.digest
    assert by_name["holdout"].context == "eval"
    assert json.loads(by_name["X"].dataset.profile)["shape"] == [100, 4]
    assert "mlflow_tensorspec" in json.loads(by_name["X"].dataset.schema)
    # an in-memory array: MLflow's "code" source (the process's source and user), the library in the profile
    assert by_name["X"].dataset.source_type == "code"
    assert set(json.loads(by_name["X"].dataset.source)["tags"]) >= {"mlflow.source.name", "mlflow.source.type"}
    assert json.loads(by_name["X"].dataset.profile)["library"] == "numpy"


def test_client_log_inputs_accepts_mlflow_dataset_input_json(store_uri):
    client = autolog.TrackingClient()
    run = client.create_run()
    client.log_inputs(
        run.info.run_id,
        [
            {
                "dataset": {
                    "name": "wine",
                    "digest": "abc123",
                    "source_type": "local",
                    "source": '{"uri": "/data/wine.csv"}',
                    "schema": None,
                    "profile": '{"num_rows": 10}',
                },
                "tags": [{"key": "mlflow.data.context", "value": "test"}],
            }
        ],
    )
    client.set_terminated(run.info.run_id)
    [found] = client.get_run(run.info.run_id).inputs.dataset_inputs
    assert (found.dataset.name, found.dataset.digest, found.context) == ("wine", "abc123", "test")
    assert json.loads(found.dataset.source) == {"uri": "/data/wine.csv"}


def test_search_runs_by_dataset_digest_name_and_context(store_uri):
    X, _y = _data()
    other, _ = _data(seed=1)
    with autolog.start_run() as first:
        autolog.log_input(X, context="training", name="X")
        autolog.log_input(other, context="eval", name="val")
    with autolog.start_run() as second:
        autolog.log_input(other, context="training", name="X")
    with autolog.start_run() as third:
        pass
    client = autolog.TrackingClient()
    digest = describe_dataset(X).digest

    def ids(filter_string: str) -> set[str]:
        return {r.info.run_id for r in client.search_runs([fluent._experiment_name], filter_string=filter_string)}

    a, b, c = first.info.run_id, second.info.run_id, third.info.run_id
    assert ids(f"datasets.digest = '{digest}'") == {a}
    assert ids("datasets.name = 'X'") == {a, b}
    assert ids("dataset.name = 'val'") == {a}  # MLflow's spelling
    assert ids("datasets.context = 'training'") == {a, b}
    assert ids("datasets.context = 'eval' AND datasets.name = 'X'") == set()  # one input must match both
    assert ids("datasets.context = 'eval' AND datasets.name = 'val'") == {a}
    assert ids("datasets.name IN ('val', 'nope') AND attributes.status = 'FINISHED'") == {a}
    assert ids("datasets.name LIKE 'v%'") == {a}
    assert ids("datasets.name IS NULL") == {c}
    with pytest.raises(InvalidFilterError, match=r"datasets\.name / datasets\.digest / datasets\.context"):
        client.search_runs(filter_string="datasets.rows = '3'")
    with pytest.raises(InvalidFilterError, match=r"cannot be ordered by datasets\.name"):
        client.search_runs(order_by=["datasets.name"])


def test_bad_inputs_are_refused_at_the_call_naming_the_problem(store_uri):
    with autolog.start_run():
        with pytest.raises(TypeError, match=r"cannot describe a dataset of type builtins\.list"):
            autolog.log_input([1, 2, 3])
        with pytest.raises(ValueError, match="dataset context must be one of training, eval, test"):
            autolog.log_input(np.zeros(3), context="validation")
        with pytest.raises(ValueError, match="dataset name is 501 characters long"):
            autolog.log_input(np.zeros(3), name="n" * 501)


def test_the_same_dataset_in_two_runs_is_stored_once_per_experiment(store_uri):
    X, _y = _data()
    for _ in range(2):
        with autolog.start_run():
            autolog.log_input(X, context="training", name="X")
    store = autolog.TrackingClient()._store
    import sqlalchemy as sa

    runs = autolog.TrackingClient().search_runs([fluent._experiment_name], filter_string="datasets.name = 'X'")
    experiment_ids = {r.info.experiment_id for r in runs}
    assert len(runs) == 2 and len(experiment_ids) == 1
    with store.engine.connect() as conn:
        assert (
            conn.execute(
                sa.text("SELECT count(*) FROM datasets WHERE experiment_id = :e AND name = 'X'"),
                {"e": int(experiment_ids.pop())},
            ).scalar()
            == 1
        )


def test_autologged_call_records_its_datasets_by_argument_name(fw):
    """The core's default plugin, on a framework it knows nothing about: X with y, one training input."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=50), rng.integers(0, 2, size=50)
    autolog.autolog()
    try:
        fw.module.Model().fit(X, y)
        fw.module.Model().fit(X=X[::-1].copy())
    finally:
        autolog.autolog(disable=True)
    client = autolog.TrackingClient()
    first, second = client.search_runs(order_by=["attributes.start_time ASC"], max_results=2)
    [given] = first.inputs.dataset_inputs
    assert (given.dataset.name, given.context) == ("X", "training")
    assert given.dataset.digest == describe_dataset(X, targets=y).digest
    [reversed_input] = second.inputs.dataset_inputs
    assert reversed_input.dataset.digest != given.dataset.digest


# -- datasets seen after training (autolog.plugin.log_dataset_input) and the log_datasets switch -----------
def _vector(seed: int = 0):
    """1-D data with labels (the fake framework's ``fit`` sums X)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=60)
    return X, (X > 0).astype(int)


def _inputs(run_id: str) -> dict[str, str | None]:
    run = autolog.TrackingClient().get_run(run_id)
    return {i.dataset.name: i.context for i in run.inputs.dataset_inputs}


def test_a_dataset_after_training_is_recorded_once_and_training_data_keeps_its_context(fw):
    from autolog import run_datasets
    from autolog.plugin import TrainedRun, log_dataset_input

    X, y = _vector()
    X_test, y_test = _vector(1)
    autolog.autolog()
    try:
        fw.module.Model().fit(X, y)
        run = TrainedRun(autolog.last_active_run().info.run_id, autolog.get_tracking_uri(), fw.name)
        assert not log_dataset_input(run, X, "X_seen_again", "test", targets=y)  # trained on: stays training
        assert log_dataset_input(run, X_test, "X_test", "test", targets=y_test)
        assert not log_dataset_input(run, X_test, "X_test", "test", targets=y_test)  # the same object
        assert not log_dataset_input(run, X_test.copy(), "copy", "test", targets=y_test)  # the same content
        assert _inputs(run.run_id) == {"X": "training", "X_test": "test"}

        recorded = sum(
            log_dataset_input(run, np.full((3, 2), float(i)), f"batch_{i}", "test")
            for i in range(run_datasets.MAX_DATASETS_AFTER_TRAINING + 20)
        )
        assert recorded == run_datasets.MAX_DATASETS_AFTER_TRAINING - 1  # bounded per run (X_test counted)
    finally:
        autolog.autolog(disable=True)


def test_a_run_this_process_did_not_train_is_read_back_from_the_store_once(fw):
    from autolog.plugin import TrainedRun, log_dataset_input

    X, y = _vector()
    autolog.autolog()
    try:
        with autolog.start_run() as started:
            autolog.log_input(describe_dataset(X, targets=y), context="training", name="X")
        run = TrainedRun(started.info.run_id, autolog.get_tracking_uri(), fw.name)
        assert not log_dataset_input(run, X, "X_test", "test", targets=y)
        assert _inputs(run.run_id) == {"X": "training"}
    finally:
        autolog.autolog(disable=True)


def test_log_datasets_false_records_nothing_in_training_or_after(fw):
    from autolog.plugin import TrainedRun, log_dataset_input

    X, y = _vector()
    autolog.autolog(log_datasets=False)
    try:
        fw.module.Model().fit(X, y)
        run = TrainedRun(autolog.last_active_run().info.run_id, autolog.get_tracking_uri(), fw.name)
        assert not log_dataset_input(run, _vector(2)[0], "X_test", "test")
        assert _inputs(run.run_id) == {}
    finally:
        autolog.autolog(disable=True)


def test_log_datasets_must_be_a_boolean():
    with pytest.raises(autolog.InvalidOptionError, match="log_datasets"):
        autolog.autolog(log_datasets="no")


def test_caller_variable_name_finds_the_users_variable_past_autolog_frames():
    from autolog.plugin import caller_variable_name

    holdout_frame = np.zeros((2, 2))
    assert caller_variable_name(holdout_frame) == "holdout_frame"
    assert caller_variable_name(np.zeros(1)) is None  # no variable holds it
    assert caller_variable_name(None) is None


def test_log_input_of_a_dataframe_with_a_date_column(store_uri):
    """datetime64 and timedelta64 columns are digested by value (issue 21, item 4)."""
    import pandas as pd

    from tracking_core.lineage.datasets import dataset_digest

    frame = pd.DataFrame(
        {
            "day": pd.date_range("2024-01-01", periods=50),
            "x": np.arange(50.0),
            "lag": pd.to_timedelta(np.arange(50), "h"),
        }
    )
    with autolog.start_run() as run:
        autolog.log_input(frame, context="training", name="daily")
    inputs = autolog.TrackingClient().get_run(run.info.run_id).inputs.dataset_inputs
    assert [i.dataset.name for i in inputs] == ["daily"]
    assert inputs[0].dataset.digest == dataset_digest(frame)
    shifted = frame.assign(day=frame["day"] + pd.Timedelta(days=1))
    assert dataset_digest(shifted) != dataset_digest(frame)
    assert dataset_digest(frame["day"].to_numpy()) != dataset_digest(shifted["day"].to_numpy())
