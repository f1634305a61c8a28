"""The store's read/admin API used by the server and the UI, on real SQLite files.

Experiment lifecycle (create, rename, delete, restore, tags, search with paging, summaries), run
updates (status, end time, name, restore, delete a tag), metric history pages, downsampled chart
series and key listings.
"""

from __future__ import annotations

import math
import os

import pytest

from tracking_core.batch import NewRun, WriteBatch
from tracking_core.errors import (
    ExperimentDeletedError,
    ExperimentExistsError,
    ExperimentNotFoundError,
    InvalidFilterError,
    InvalidPageTokenError,
    RunNotFoundError,
    TagNotFoundError,
)
from tracking_core.storage.sql_store import SqlStore


@pytest.fixture
def store(tmp_path):
    created = SqlStore(f"sqlite:///{tmp_path / 'store' / 'autolog.db'}")
    yield created
    created.engine.dispose()


def _run(store: SqlStore, experiment_id: str, name: str = "run", start: int = 1_000, **logged) -> str:
    run_id = os.urandom(16).hex()
    store.write(
        WriteBatch(
            new_runs=[NewRun(run_id, experiment_id, name, start, f"/tmp/a/{run_id}")],
            params={(run_id, k): v for k, v in logged.get("params", {}).items()},
            tags={(run_id, k): v for k, v in logged.get("tags", {}).items()},
            metrics=[(run_id, k, v, start, 0) for k, v in logged.get("metrics", {}).items()],
        )
    )
    return run_id


# -- experiments ------------------------------------------------------------------------------------------
def test_create_experiment_with_tags_and_default_location(store, tmp_path):
    experiment_id = store.create_experiment("vision", tags={"team": "cv", "priority": "1"})
    experiment = store.get_experiment(experiment_id)
    assert experiment.name == "vision" and experiment.lifecycle_stage == "active"
    assert dict(experiment.tags) == {"team": "cv", "priority": "1"}
    # a directory store keeps artifacts beside its database
    assert experiment.artifact_location == str(tmp_path / "store" / "artifacts" / experiment_id)
    assert experiment.creation_time == experiment.last_update_time
    explicit = store.create_experiment("s3", artifact_location="s3://bucket/exp")
    assert store.get_experiment_by_name("s3").artifact_location == "s3://bucket/exp"
    assert store.get_experiment(explicit).experiment_id == explicit
    assert store.get_experiment("12345") is None and store.get_experiment("not-a-number") is None


def test_experiment_names_are_unique_even_when_deleted(store):
    experiment_id = store.create_experiment("taken")
    with pytest.raises(ExperimentExistsError, match="'taken' already exists"):
        store.create_experiment("taken")
    store.delete_experiment(experiment_id)
    with pytest.raises(ExperimentExistsError, match="deleted"):
        store.create_experiment("taken")
    with pytest.raises(ValueError, match="non-empty"):
        store.create_experiment("  ")


def test_rename_delete_restore_and_tag_an_experiment(store):
    experiment_id = store.create_experiment("old")
    other = store.create_experiment("other")
    before = store.get_experiment(experiment_id).last_update_time
    store.rename_experiment(experiment_id, "new")
    assert store.get_experiment_by_name("old") is None
    assert store.get_experiment_by_name("new").experiment_id == experiment_id
    assert store.get_experiment(experiment_id).last_update_time >= before
    with pytest.raises(ExperimentExistsError, match="other"):
        store.rename_experiment(experiment_id, "other")
    store.set_experiment_tag(experiment_id, "k", "v1")
    store.set_experiment_tag(experiment_id, "k", "v2")
    assert dict(store.get_experiment(experiment_id).tags) == {"k": "v2"}

    store.delete_experiment(experiment_id)
    assert store.get_experiment(experiment_id).lifecycle_stage == "deleted"
    with pytest.raises(ExperimentDeletedError, match="'new' is deleted"):
        store.get_or_create_experiment("new", "/tmp/a")  # what set_experiment("new") does
    store.restore_experiment(experiment_id)
    assert store.get_experiment(experiment_id).lifecycle_stage == "active"
    for call in (
        store.delete_experiment,
        store.restore_experiment,
        lambda i: store.rename_experiment(i, "x"),
        lambda i: store.set_experiment_tag(i, "k", "v"),
    ):
        with pytest.raises(ExperimentNotFoundError, match="999"):
            call("999")
    assert store.get_experiment(other).lifecycle_stage == "active"


def test_the_default_experiment_cannot_be_deleted(store):
    default = store.get_or_create_experiment("Default", "/tmp/a")
    with pytest.raises(ValueError, match="Default"):
        store.delete_experiment(default.experiment_id)


def test_search_experiments_filters_orders_and_pages(store):
    ids = {
        name: store.create_experiment(name, tags={"team": team})
        for name, team in (("alpha", "cv"), ("beta", "nlp"), ("gamma", "cv"), ("delta", "nlp"))
    }
    store.delete_experiment(ids["delta"])
    names = lambda found: [e.name for e in found]  # noqa: E731
    found, token = store.search_experiments()
    assert names(found) == ["gamma", "beta", "alpha"] and token is None  # newest first
    assert names(store.search_experiments(view_type="DELETED_ONLY")[0]) == ["delta"]
    assert names(store.search_experiments(view_type="ALL", order_by=["name"])[0]) == ["alpha", "beta", "delta", "gamma"]
    assert names(store.search_experiments(filter_string="tags.team = 'cv'", order_by=["name DESC"])[0]) == [
        "gamma",
        "alpha",
    ]
    assert names(store.search_experiments(filter_string="name LIKE '%a' and attributes.creation_time > 0")[0]) == [
        "gamma",
        "beta",
        "alpha",
    ]
    assert dict(store.search_experiments(filter_string="name = 'beta'")[0][0].tags) == {"team": "nlp"}
    pages, token = [], None
    while True:
        page, token = store.search_experiments(view_type="ALL", max_results=3, order_by=["name"], page_token=token)
        pages.append(names(page))
        if token is None:
            break
    assert pages == [["alpha", "beta", "delta"], ["gamma"]]
    with pytest.raises(InvalidFilterError, match="metrics"):
        store.search_experiments(filter_string="metrics.acc > 1")
    with pytest.raises(InvalidPageTokenError):
        store.search_experiments(page_token="garbage")


def test_experiment_summaries_count_active_runs_and_last_activity(store):
    busy = store.create_experiment("busy")
    empty = store.create_experiment("empty")
    first = _run(store, busy, start=5_000)
    _run(store, busy, start=7_000)
    deleted = _run(store, busy, start=9_000)
    store.delete_run(deleted)
    store.write(WriteBatch(run_ends={first: ("FINISHED", 8_000)}))
    summaries = store.experiment_summaries()
    assert summaries[busy][0] == 2
    assert summaries[busy][1] == max(8_000, store.get_experiment(busy).last_update_time)
    assert summaries[empty] == (0, store.get_experiment(empty).last_update_time)
    assert set(store.experiment_summaries([empty])) == {empty}


# -- runs --------------------------------------------------------------------------------------------------
def test_update_run_changes_status_end_time_and_name(store):
    experiment_id = store.create_experiment("e")
    run_id = _run(store, experiment_id, "before")
    store.update_run(run_id, status="FINISHED", end_time=2_000, run_name="after")
    info = store.get_run(run_id).info
    assert (info.status, info.end_time, info.run_name) == ("FINISHED", 2_000, "after")
    store.update_run(run_id, status="KILLED")
    assert store.get_run(run_id).info.run_name == "after"
    with pytest.raises(ValueError, match="BOGUS"):
        store.update_run(run_id, status="BOGUS")
    with pytest.raises(RunNotFoundError):
        store.update_run("0" * 32, status="FINISHED")
    store.delete_run(run_id)
    with pytest.raises(RunNotFoundError):
        store.update_run(run_id, status="FINISHED")


def test_delete_and_restore_a_run(store):
    experiment_id = store.create_experiment("e")
    run_id = _run(store, experiment_id, params={"a": "1"})
    store.delete_run(run_id)
    with pytest.raises(RunNotFoundError):
        store.get_run(run_id)
    deleted = store.get_run(run_id, include_deleted=True)
    assert deleted.info.lifecycle_stage == "deleted" and deleted.data.params == {"a": "1"}
    store.restore_run(run_id)
    assert store.get_run(run_id).info.lifecycle_stage == "active"
    with pytest.raises(RunNotFoundError):
        store.restore_run("0" * 32)


def test_delete_tag(store):
    experiment_id = store.create_experiment("e")
    run_id = _run(store, experiment_id, tags={"keep": "1", "drop": "2"})
    store.delete_tag(run_id, "drop")
    assert store.get_run(run_id).data.tags == {"keep": "1"}
    with pytest.raises(TagNotFoundError, match="drop"):
        store.delete_tag(run_id, "drop")
    with pytest.raises(RunNotFoundError):
        store.delete_tag("0" * 32, "keep")


# -- metric histories ------------------------------------------------------------------------------------------
def test_metric_history_pages_cover_every_point_once_in_step_order(store):
    experiment_id = store.create_experiment("e")
    run_id = _run(store, experiment_id)
    points = [(run_id, "loss", float(step), 1_000 + step, step) for step in range(0, 1000, 2)]
    points += [(run_id, "loss", -1.0, 5, 10), (run_id, "loss", math.nan, 6, 10)]  # ties at step 10
    store.write(WriteBatch(metrics=points[::-1]))
    whole = store.get_metric_history(run_id, "loss")
    assert len(whole) == 502 and [m.step for m in whole] == sorted(m.step for m in whole)
    at_ten = [m for m in whole if m.step == 10]
    assert [m.timestamp for m in at_ten] == [5, 6, 1_010]  # same step: by timestamp
    assert at_ten[0].value == -1.0 and math.isnan(at_ten[1].value) and at_ten[2].value == 10.0
    collected, token, pages = [], None, 0
    while True:
        page, token = store.get_metric_history_page(run_id, "loss", max_results=100, page_token=token)
        collected += page
        pages += 1
        if token is None:
            break
    assert pages == 6
    assert [(m.step, m.timestamp) for m in collected] == [(m.step, m.timestamp) for m in whole]
    everything, token = store.get_metric_history_page(run_id, "loss")
    assert len(everything) == 502 and token is None
    assert store.get_metric_history_page(run_id, "missing", 10) == ([], None)
    with pytest.raises(InvalidPageTokenError):
        store.get_metric_history_page(run_id, "loss", 10, "bad-token")


def test_metric_histories_downsample_keeping_extremes(store):
    experiment_id = store.create_experiment("e")
    first, second = _run(store, experiment_id), _run(store, experiment_id)
    values = [math.sin(step / 50) for step in range(10_000)]
    values[4321] = 100.0  # a spike must survive downsampling
    store.write(
        WriteBatch(
            metrics=[(first, "loss", v, step, step) for step, v in enumerate(values)]
            + [(second, "loss", 1.0, 0, 0), (second, "acc", 0.5, 0, 0)]
        )
    )
    series = store.get_metric_histories([first, second], ["loss", "acc"], max_points_per_series=200)
    assert set(series) == {(first, "loss"), (second, "loss"), (second, "acc")}
    reduced = series[(first, "loss")]
    assert len(reduced) <= 200 and len(reduced) > 100
    steps = [m.step for m in reduced]
    assert steps == sorted(steps) and steps[0] == 0 and steps[-1] == 9_999
    assert max(m.value for m in reduced) == 100.0 and min(m.value for m in reduced) == pytest.approx(min(values))
    assert [m.value for m in series[(second, "loss")]] == [1.0]
    full = store.get_metric_histories([first], ["loss"])
    assert len(full[(first, "loss")]) == 10_000
    with pytest.raises(ValueError, match="at least 4"):
        store.get_metric_histories([first], ["loss"], max_points_per_series=2)


def test_key_listings_for_the_column_chooser(store):
    experiment_id = store.create_experiment("e")
    a = _run(store, experiment_id, params={"lr": "1", "depth": "2"}, metrics={"acc": 1.0}, tags={"t": "x"})
    b = _run(store, experiment_id, params={"alpha": "3"}, metrics={"loss": 1.0, "acc": 2.0})
    assert store.metric_keys([a, b]) == ["acc", "loss"]
    assert store.param_keys([a, b]) == ["alpha", "depth", "lr"]
    assert store.tag_keys([a]) == ["t"] and store.tag_keys([b]) == []
    many = [os.urandom(16).hex() for _ in range(1200)] + [b]  # more ids than one IN list holds
    assert store.metric_keys(many) == ["acc", "loss"]
