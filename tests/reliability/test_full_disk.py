"""A full or read-only disk under the store: training goes on, one warning, logging resumes, memory bounded.

The store (SQLite database and artifacts) lives on a 2 MB tmpfs the test mounts (root only;
skipped otherwise), filled to the last byte or remounted read-only while a model trains.
"""

from __future__ import annotations

import os
import tracemalloc
import warnings

import numpy as np
import pytest

import autolog
import tracking_core
from tracking_core import writer as writer_module
from tracking_core.client.writer import MAX_PENDING_ITEMS, StoreUnavailableError

from reliability_support import Tmpfs


@pytest.fixture
def disk(tmp_path, monkeypatch):
    """A 2 MB tmpfs holding a fresh store, the tracking URI pointing at it; autolog's errors as warnings."""
    yield from _store_on_tmpfs(tmp_path, monkeypatch, "2m")


@pytest.fixture
def big_disk(tmp_path, monkeypatch):
    """The same on 64 MB: room for the bounded queue's 200,000 points once it is writable again."""
    yield from _store_on_tmpfs(tmp_path, monkeypatch, "64m")


def _store_on_tmpfs(tmp_path, monkeypatch, size: str):
    monkeypatch.delenv("AUTOLOG_TESTING", raising=False)
    monkeypatch.delenv("AUTOLOG_TRACKING_URI", raising=False)
    mount = Tmpfs(str(tmp_path / "mnt"), size=size)
    store = os.path.join(mount.path, "store")
    previous = tracking_core.client.fluent._tracking_uri
    tracking_core.set_tracking_uri(store)
    autolog.safety.forget_warnings()
    with tracking_core.start_run():
        pass  # the schema and the Default experiment exist before the disk fills
    try:
        yield mount, tracking_core.TrackingClient(store)
    finally:
        autolog.autolog(disable=True)
        while tracking_core.active_run() is not None:
            try:
                tracking_core.end_run()
            except Exception:
                pass
        try:
            mount.remount(ro=False)
        except Exception:
            pass
        # What could not be written must not be retried into the next test's store.
        tracking_core.client.tracker.tracker_for(store).writer._batch = writer_module.WriteBatch()
        mount.unmount()
        tracking_core.client.fluent._tracking_uri = previous
        autolog.safety.forget_warnings()


def _read_only(mount) -> None:
    """Remount read-only; the store's pooled connections (files open for writing) are closed first,
    as Linux refuses to remount a filesystem busy with them. New connections then open read-only."""
    tracker = tracking_core.client.tracker.tracker_for(tracking_core.client.fluent._tracking_uri)
    tracker.writer.store.close()  # the connection the writer writes through (the direct SQLite store's)
    tracker.store.close()
    mount.remount(ro=True)


def _data():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 5))
    return X, (X[:, 0] > 0).astype(int)


def _fit_with_warnings():
    from sklearn.linear_model import LogisticRegression

    X, y = _data()
    autolog.autolog(log_models=True)
    try:
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            model = LogisticRegression(C=0.3).fit(X, y)
    finally:
        autolog.autolog(disable=True)
    expected = LogisticRegression(C=0.3).fit(X, y)
    assert np.array_equal(model.coef_, expected.coef_)
    assert np.array_equal(model.predict_proba(X), expected.predict_proba(X))
    return [str(w.message) for w in record if issubclass(w.category, autolog.AutologWarning)]


def _sklearn_runs(client):
    return [r for r in client.search_runs() if r.data.tags.get("autolog.autologging") == "sklearn"]


def test_a_full_disk_costs_one_warning_and_logging_resumes_when_space_returns(disk):
    pytest.importorskip("sklearn")
    mount, client = disk
    filler = mount.fill()
    found = _fit_with_warnings()
    assert len(found) == 1, found
    assert "sklearn" in found[0] and ("No space left" in found[0] or "disk is full" in found[0]), found[0]

    mount.free(filler)
    tracking_core.flush()  # the queued run, params and metrics are written now
    (run,) = _sklearn_runs(client)
    assert run.info.status == "FINISHED"
    assert run.data.params["C"] == "0.3" and "training_score" in run.data.metrics

    assert _fit_with_warnings() == []  # the next fit logs normally, its model included
    newest = _sklearn_runs(client)[0]
    assert newest.info.status == "FINISHED" and any(
        f.path == "model" for f in client.list_artifacts(newest.info.run_id)
    )


def test_a_read_only_disk_costs_one_warning_and_logging_resumes_when_writable(disk):
    pytest.importorskip("sklearn")
    mount, client = disk
    _read_only(mount)
    found = _fit_with_warnings()
    assert len(found) == 1, found
    assert "Read-only" in found[0] or "readonly" in found[0], found[0]

    mount.remount(ro=False)
    tracking_core.flush()
    (run,) = _sklearn_runs(client)
    assert run.info.status == "FINISHED" and run.data.params["C"] == "0.3"


def test_the_warning_counts_what_was_dropped_beyond_the_bound(disk, monkeypatch):
    pytest.importorskip("sklearn")
    mount, _client = disk
    monkeypatch.setattr(writer_module, "MAX_PENDING_ITEMS", 5)  # LogisticRegression alone logs more than 5 items
    _read_only(mount)
    found = _fit_with_warnings()
    assert len(found) == 1, found
    assert "at most 5" in found[0]
    dropped = int(found[0].split(" dropped")[0].rsplit(" ", 1)[1])
    assert dropped > 0, found[0]


def test_memory_for_unwritten_points_is_bounded_and_drops_are_counted(big_disk):
    mount, client = big_disk
    run = tracking_core.start_run()
    tracking_core.flush()
    _read_only(mount)
    logged = MAX_PENDING_ITEMS + 100_000
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for step in range(logged):
            tracking_core.log_metric("loss", 1.0 / (step + 1), step=step)
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    writer = run.tracker.writer
    assert writer.pending() <= MAX_PENDING_ITEMS
    assert held < 60 * 1024 * 1024, f"{held / 1e6:.1f} MB held for {writer.pending()} queued points"
    with pytest.raises(StoreUnavailableError) as raised:
        tracking_core.end_run()
    assert raised.value.dropped >= logged - MAX_PENDING_ITEMS
    assert f"{raised.value.dropped} dropped" in str(raised.value)

    mount.remount(ro=False)
    tracking_core.flush()  # what was kept is written, in order, and nothing twice
    history = client.get_metric_history(run.info.run_id, "loss")
    assert [m.step for m in history] == list(range(len(history)))
    assert len(history) == writer.pending() + len(history)  # nothing left queued
    assert len(history) >= MAX_PENDING_ITEMS - 10
    assert client.get_run(run.info.run_id).info.status == "FINISHED"
