"""Resuming a run (``start_run(run_id=...)``), writing to runs by id through ``TrackingClient``, and
run names that leave the user's random state alone."""

from __future__ import annotations

import random

import pytest

import autolog
from autolog import RunNotFoundError
from tracking_core import RunAlreadyActiveError


def test_start_run_with_run_id_resumes_the_run_and_keeps_its_data(autolog_store):
    with autolog.start_run(run_name="first") as run:
        autolog.log_param("alpha", 0.1)
        autolog.log_metric("loss", 1.0, step=0)
    run_id = run.info.run_id
    assert autolog_store.get_run(run_id).info.status == "FINISHED"

    with autolog.start_run(run_id=run_id) as resumed:
        assert resumed.info.run_id == run_id
        assert autolog_store.get_run(run_id).info.status == "RUNNING"
        assert autolog_store.get_run(run_id).info.end_time is None
        autolog.log_metric("loss", 0.5, step=1)
        autolog.log_param("beta", 2)
    again = autolog_store.get_run(run_id)
    assert again.info.status == "FINISHED" and again.info.run_name == "first"
    assert again.data.params == {"alpha": "0.1", "beta": "2"}
    assert [(m.step, m.value) for m in autolog_store.get_metric_history(run_id, "loss")] == [(0, 1.0), (1, 0.5)]
    assert len(autolog_store.search_runs()) == 1


def test_resuming_keeps_params_immutable_and_unknown_ids_are_named(autolog_store):
    with autolog.start_run() as run:
        autolog.log_param("alpha", 0.1)
    with autolog.start_run(run_id=run.info.run_id):
        with pytest.raises(autolog.ParamConflictError, match="alpha"):
            autolog.log_param("alpha", 0.2)
    with pytest.raises(RunNotFoundError, match="0" * 32):
        autolog.start_run(run_id="0" * 32)
    assert autolog.active_run() is None


def test_resuming_a_run_already_active_here_is_refused(autolog_store):
    with autolog.start_run() as run:
        with pytest.raises(RunAlreadyActiveError):
            autolog.start_run(run_id=run.info.run_id, nested=True)


def test_client_creates_runs_and_logs_to_them_by_id_after_they_ended(autolog_store):
    client = autolog.TrackingClient(autolog_store.tracking_uri)
    created = client.create_run(run_name="by-client", tags={"team": "a"})
    run_id = created.info.run_id
    assert created.info.status == "RUNNING" and created.data.tags["team"] == "a"
    client.log_param(run_id, "lr", 0.01)
    client.log_metric(run_id, "acc", 0.5, step=1)
    client.set_terminated(run_id, "FINISHED")
    # An ended run still takes data by id (e.g. test metrics computed after training).
    client.log_metrics(run_id, {"test_acc": 0.75})
    client.set_tag(run_id, "evaluated", True)
    run = autolog_store.get_run(run_id)
    assert run.info.status == "FINISHED" and run.info.end_time is not None
    assert run.data.params == {"lr": "0.01"}
    assert run.data.metrics == {"acc": 0.5, "test_acc": 0.75}
    assert run.data.tags["evaluated"] == "True"


def test_client_refuses_unknown_run_and_experiment_ids(autolog_store):
    client = autolog.TrackingClient(autolog_store.tracking_uri)
    with pytest.raises(RunNotFoundError):
        client.log_metric("f" * 32, "acc", 1.0)
    with pytest.raises(ValueError, match="12345"):
        client.create_run(experiment_id="12345")


def test_runs_do_not_consume_the_users_random_state(autolog_store):
    random.seed(7)
    expected = [random.random() for _ in range(3)]
    random.seed(7)
    with autolog.start_run():
        autolog.log_metric("x", 1.0)
    autolog.TrackingClient(autolog_store.tracking_uri).create_run()
    assert [random.random() for _ in range(3)] == expected
