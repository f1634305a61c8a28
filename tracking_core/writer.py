"""The batching writer: logging calls append to an in-memory batch; a background thread persists it.

``log_metric`` therefore costs a lock and a list append, never a database round trip. Nothing
is lost: a batch that fails to write is kept and retried, ``flush()`` writes synchronously (and
raises if the store refuses), and every writer is flushed at interpreter exit.
"""
from __future__ import annotations

import logging
import os
import threading
import weakref
from typing import TYPE_CHECKING

from .batch import NewRun, WriteBatch

if TYPE_CHECKING:
    from .store import SqlStore

_logger = logging.getLogger(__name__)

FLUSH_INTERVAL_SECONDS = 0.5
WAKE_AT_PENDING_ITEMS = 20_000

_all_writers: "weakref.WeakSet[BatchingWriter]" = weakref.WeakSet()


def _merge(first: WriteBatch, then: WriteBatch) -> WriteBatch:
    merged = WriteBatch(
        new_runs=first.new_runs + then.new_runs,
        params={**first.params, **then.params},
        tags={**first.tags, **then.tags},
        metrics=first.metrics + then.metrics,
        run_ends={**first.run_ends, **then.run_ends},
    )
    return merged


class BatchingWriter:
    def __init__(self, store: SqlStore):
        self.store = store
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._batch = WriteBatch()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()
        _all_writers.add(self)

    # -- enqueue (hot path) -------------------------------------------------------------------
    def create_run(self, run: NewRun) -> None:
        with self._lock:
            self._batch.new_runs.append(run)
        self._ensure_thread()

    def log_params(self, run_id: str, values: dict[str, str]) -> None:
        with self._lock:
            for key, value in values.items():
                self._batch.params[(run_id, key)] = value

    def set_tags(self, run_id: str, values: dict[str, str]) -> None:
        with self._lock:
            for key, value in values.items():
                self._batch.tags[(run_id, key)] = value

    def log_metric(self, run_id: str, key: str, value: float, timestamp: int, step: int) -> None:
        with self._lock:
            pending = self._batch.metrics
            pending.append((run_id, key, value, timestamp, step))
            if len(pending) >= WAKE_AT_PENDING_ITEMS:
                self._wake.set()

    def log_metrics(self, points: list[tuple[str, str, float, int, int]]) -> None:
        with self._lock:
            self._batch.metrics.extend(points)
            if len(self._batch.metrics) >= WAKE_AT_PENDING_ITEMS:
                self._wake.set()

    def end_run(self, run_id: str, status: str, end_time: int) -> None:
        with self._lock:
            self._batch.run_ends[run_id] = (status, end_time)

    # -- persisting ------------------------------------------------------------------------------
    def pending(self) -> int:
        return len(self._batch)

    def flush(self) -> None:
        """Write everything queued so far; raises if the store refuses (the data stays queued)."""
        self._check_fork()
        with self._write_lock:
            with self._lock:
                batch, self._batch = self._batch, WriteBatch()
            if not batch:
                return
            try:
                self.store.write(batch)
            except BaseException:
                with self._lock:
                    self._batch = _merge(batch, self._batch)
                raise

    def _ensure_thread(self) -> None:
        self._check_fork()
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="autolog-writer", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        failures = 0
        while True:
            self._wake.wait(FLUSH_INTERVAL_SECONDS * (1 + min(failures, 10)))
            self._wake.clear()
            try:
                self.flush()
                failures = 0
            except Exception as exc:  # kept queued; retried with backoff, reported once per streak
                if failures == 0:
                    _logger.warning("autolog could not write to the tracking store (will retry): %s", exc)
                failures += 1

    def _check_fork(self) -> None:
        if self._pid != os.getpid():
            # A forked child must not re-write its parent's queue, nor share its thread or locks.
            self._pid = os.getpid()
            self._lock = threading.Lock()
            self._write_lock = threading.Lock()
            self._batch = WriteBatch()
            self._wake = threading.Event()
            self._thread = None
            self.store.dispose_after_fork()


def flush_all() -> None:
    """Flush every writer of this process; errors are logged, not raised (used at exit)."""
    for writer in list(_all_writers):
        try:
            writer.flush()
        except Exception as exc:
            _logger.error("autolog lost data it could not write at exit: %s", exc)
