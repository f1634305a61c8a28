"""A training process's SQLite log is checkpointed on a thread of its own (issue 21 item 21): the
commits of a loop of fits never copy the log into the database themselves, the log starts over
instead of growing, nothing committed is lost, and when the thread cannot keep up the committer
checkpoints itself, as SQLite would have."""

from __future__ import annotations

import os
import sqlite3
import time
import uuid

from tracking_core.batch import NewRun, WriteBatch
from tracking_core.storage import wal_checkpoints
from tracking_core.storage.sqlite_direct import DirectSqliteStore


def _store(tmp_path) -> DirectSqliteStore:
    path = str(tmp_path / "autolog.db")
    store = DirectSqliteStore(f"sqlite:///{path}", path)
    store.get_or_create_experiment("Default", str(tmp_path / "artifacts"))
    return store


def _log_runs(store: DirectSqliteStore, count: int, pause: float = 0.0, params: int = 40) -> list[str]:
    """``count`` runs, one transaction each (as a loop of fits writes them)."""
    run_ids = []
    for _ in range(count):
        run_id = uuid.uuid4().hex
        values = {(run_id, f"param_{i}"): "x" * 200 for i in range(params)}
        store.write(WriteBatch(new_runs=[NewRun(run_id, "0", "r", 0, "/tmp/artifacts")], params=values))
        run_ids.append(run_id)
        time.sleep(pause)
    return run_ids


def _wal_size(store: DirectSqliteStore) -> int:
    return os.path.getsize(store.path + "-wal")


def _autocheckpoint(store: DirectSqliteStore) -> int:
    return store._connection().execute("PRAGMA wal_autocheckpoint").fetchone()[0]


def test_a_loop_of_small_fits_is_checkpointed_by_the_thread_and_the_log_starts_over(tmp_path):
    store = _store(tmp_path)
    assert _autocheckpoint(store) == 0  # no commit of this process checkpoints itself
    run_ids = _log_runs(store, 12 * wal_checkpoints.WAKE_EVERY, pause=0.005, params=5)  # fits of a few ms
    assert store._checkpoints.checkpoints >= 1 and store._checkpoints.inline == 0
    written = 12 * wal_checkpoints.WAKE_EVERY * (_wal_size_of_one_run(tmp_path))
    assert written > wal_checkpoints.LOG_LIMIT_BYTES  # without a restart the log would be past the limit
    assert _wal_size(store) <= wal_checkpoints.LOG_LIMIT_BYTES  # it started over
    with sqlite3.connect(store.path) as other:  # everything committed is there for another reader
        assert {row[0] for row in other.execute("SELECT run_id FROM runs")} == set(run_ids)
        assert other.execute("SELECT COUNT(*) FROM params").fetchone()[0] == 5 * len(run_ids)


def _wal_size_of_one_run(tmp_path) -> float:
    """The log one of those runs adds (measured on a store of its own, after 20 of them)."""
    store = _store(tmp_path / "measure")
    before = _wal_size(store)
    _log_runs(store, 20, params=5)
    return (_wal_size(store) - before) / 20


def test_commits_faster_than_the_thread_copies_keep_the_log_bounded(tmp_path):
    store = _store(tmp_path)
    run_ids = _log_runs(store, 300)  # ~90 pages a commit, back to back: 100 MB of log without checkpoints
    # The thread or, when it falls behind, the committer itself.
    assert _wal_size(store) < wal_checkpoints.INLINE_AFTER_BYTES + 2 * (1 << 20)
    with sqlite3.connect(store.path) as other:
        assert other.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == len(run_ids)


def test_when_the_thread_cannot_checkpoint_the_committer_does_and_the_log_stays_bounded(tmp_path, monkeypatch):
    def refuse(self):
        raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr(wal_checkpoints.WalCheckpointer, "_connect", refuse)  # the thread's connection only
    store = _store(tmp_path)
    _log_runs(store, 300, pause=0.001)
    assert store._checkpoints.checkpoints == 0 and store._checkpoints.inline >= 1
    assert _wal_size(store) < wal_checkpoints.INLINE_AFTER_BYTES + 2 * (1 << 20)
