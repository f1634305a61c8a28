"""The batching writer: logging calls append to an in-memory batch; a background thread persists it.

``log_metric`` therefore costs a lock and a list append, never a database round trip. Nothing
is lost: a batch that fails to write is kept and retried, ``flush()`` writes synchronously (and
raises if the store refuses), and every writer is flushed at interpreter exit.
"""
from __future__ import annotations

import os
import threading
import weakref
from typing import TYPE_CHECKING

from .batch import NewRun, WriteBatch

if TYPE_CHECKING:
    from .store import SqlStore



def _logger():
    import logging  # only when something goes wrong

    return logging.getLogger(__name__)

FLUSH_INTERVAL_SECONDS = 0.5
WAKE_AT_PENDING_ITEMS = 100_000  # big bursts only: a writer competing for the GIL slows the logging loop

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
        """Write everything queued so far.

        A store that cannot be reached (locked, unwritable, connection lost) raises and the data
        stays queued for the next try. A batch the store refuses for its content is written item
        by item instead, so one bad item never costs the good ones; refused items are reported.
        """
        self._check_fork()
        with self._write_lock:
            with self._lock:
                batch, self._batch = self._batch, WriteBatch()
            if not batch:
                return
            try:
                self.store.write(batch)
            except BaseException as exc:
                if not _refused_for_content(exc):
                    self._requeue(batch)
                    raise
                self._salvage(batch)

    def _requeue(self, batch: WriteBatch) -> None:
        with self._lock:
            self._batch = _merge(batch, self._batch)

    def _salvage(self, batch: WriteBatch) -> None:
        pending = [_single_items(batch)]
        refused = 0
        while pending:
            items = pending.pop()
            try:
                self.store.write(_merge_all(items))
            except BaseException as exc:
                if not _refused_for_content(exc):
                    self._requeue(_merge_all([item for group in [items, *reversed(pending)] for item in group]))
                    raise
                if len(items) == 1:
                    refused += 1
                    _logger().error("autolog: the tracking store refused %s and it was dropped: %s", items[0], exc)
                else:
                    middle = len(items) // 2
                    pending.extend([items[middle:], items[:middle]])
        if refused:
            _logger().error("autolog: %d logged item(s) were refused by the tracking store; the rest was written",
                          refused)

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
                    _logger().warning("autolog could not write to the tracking store (will retry): %s", exc)
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


def _refused_for_content(exc: BaseException) -> bool:
    """True when the store rejects what was written (retrying cannot help), False when it is unavailable."""
    if not isinstance(exc, Exception):
        return False
    import sqlalchemy.exc

    if isinstance(exc, (sqlalchemy.exc.OperationalError, sqlalchemy.exc.InterfaceError, OSError)):
        return False
    if isinstance(exc, sqlalchemy.exc.DBAPIError) and exc.connection_invalidated:
        return False
    return True


def _single_items(batch: WriteBatch) -> list[WriteBatch]:
    items = [WriteBatch(new_runs=[run]) for run in batch.new_runs]
    items += [WriteBatch(params={key: value}) for key, value in batch.params.items()]
    items += [WriteBatch(tags={key: value}) for key, value in batch.tags.items()]
    items += [WriteBatch(metrics=[point]) for point in batch.metrics]
    items += [WriteBatch(run_ends={key: value}) for key, value in batch.run_ends.items()]
    return items


def _merge_all(batches: list[WriteBatch]) -> WriteBatch:
    merged = WriteBatch()
    for batch in batches:
        merged.new_runs.extend(batch.new_runs)
        merged.params.update(batch.params)
        merged.tags.update(batch.tags)
        merged.metrics.extend(batch.metrics)
        merged.run_ends.update(batch.run_ends)
    return merged


def flush_all() -> None:
    """Flush every writer of this process; errors are logged, not raised (used at exit)."""
    for writer in list(_all_writers):
        try:
            writer.flush()
        except Exception as exc:
            _logger().error("autolog lost data it could not write at exit: %s", exc)


def _reset_writers_in_child() -> None:
    # At once, not on the child's first flush: what the child logs before then must be kept.
    for writer in list(_all_writers):
        writer._check_fork()


def _flush_before_fork() -> None:
    # The child starts with an empty queue; what the parent queued (the run itself, maybe) must be
    # in the store before the child logs against it.
    for writer in list(_all_writers):
        try:
            writer.flush()
        except Exception:
            pass


os.register_at_fork(before=_flush_before_fork, after_in_child=_reset_writers_in_child)
