"""The batching writer: logging calls append to an in-memory batch; a background thread persists it.

``log_metric`` therefore costs a lock and a list append, never a database round trip. Nothing
is lost while the store works: the background thread writes every ``FLUSH_INTERVAL_SECONDS``
(so a process killed with SIGKILL loses at most that interval's logging), ``flush()`` writes
synchronously, and every writer is flushed at interpreter exit.

When the store cannot be written (full or read-only disk, lost connection), the batch is kept
and retried with backoff, and ``flush()`` raises ``StoreUnavailableError`` saying how much is
kept and how much was dropped. Memory for unwritten data is bounded: at most
``MAX_PENDING_ITEMS`` queued items (metric points, params, tags; a metric point costs about
200 bytes, so about 40 MB). While the store is failing, items beyond the bound are dropped and
counted; while it works, a producer that reaches the bound writes synchronously instead
(backpressure), so a healthy store never loses data. Runs created and ended are never dropped.

The writer thread also writes a heartbeat tag (``autolog.heartbeat``, ms since the epoch) every
``HEARTBEAT_SECONDS`` for the runs this process keeps alive (``keep_alive``), so a reader can
tell a run whose process died from one still training (``tracking_core.lineage.liveness``).
"""

from __future__ import annotations

import os
import sys
import threading
import time
import weakref
from typing import Protocol

from ..batch import InputToLog, NewRun, WriteBatch
from ..lineage.liveness import HEARTBEAT_SECONDS, TAG_HEARTBEAT


class WriteStore(Protocol):
    """What the writer persists batches through: ``SqlStore``, ``DirectSqliteStore``, ``RestStore``."""

    def write(self, batch: WriteBatch) -> None: ...

    def dispose_after_fork(self) -> None: ...


def _logger():
    import logging  # only when something goes wrong

    return logging.getLogger(__name__)


FLUSH_INTERVAL_SECONDS = 0.5
WAKE_AT_PENDING_ITEMS = 100_000  # big bursts only: a writer competing for the GIL slows the logging loop
MAX_PENDING_ITEMS = 200_000


class StoreUnavailableError(RuntimeError):
    """The tracking store could not be written; what was logged stays queued (within the bound)."""

    def __init__(self, cause: BaseException, pending: int, dropped: int):
        first_line = str(cause).strip().splitlines()[0][:200] if str(cause).strip() else ""
        super().__init__(
            f"the tracking store cannot be written ({type(cause).__name__}: {first_line}); "
            f"{pending} logged item(s) kept in memory and retried until it can (at most {MAX_PENDING_ITEMS}), "
            f"{dropped} dropped beyond that"
        )
        self.pending = pending
        self.dropped = dropped


_all_writers: weakref.WeakSet[BatchingWriter] = weakref.WeakSet()


def _merge(first: WriteBatch, then: WriteBatch) -> WriteBatch:
    merged = WriteBatch(
        new_runs=first.new_runs + then.new_runs,
        params={**first.params, **then.params},
        tags={**first.tags, **then.tags},
        metrics=first.metrics + then.metrics,
        run_ends={**first.run_ends, **then.run_ends},
        inputs=first.inputs + then.inputs,
    )
    return merged


class BatchingWriter:
    def __init__(self, store: WriteStore):
        self.store = store
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._batch = WriteBatch()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()
        self._failing = False  # the last write found the store unavailable
        self._failure_raised = False  # ... and a caller of flush() was told so
        self.dropped = 0  # items dropped over the bound since the store last worked
        self.dropped_total = 0
        self._alive: dict[str, None] = {}  # runs this process keeps alive (heartbeat), in order
        self._last_heartbeat = 0.0
        _all_writers.add(self)

    # -- enqueue (hot path) -------------------------------------------------------------------
    def create_run(self, run: NewRun) -> None:
        with self._lock:
            self._batch.new_runs.append(run)
        self._ensure_thread()

    def log_params(self, run_id: str, values: dict[str, str]) -> None:
        self._put_keyed("params", run_id, values)

    def set_tags(self, run_id: str, values: dict[str, str]) -> None:
        self._put_keyed("tags", run_id, values)

    def _put_keyed(self, kind: str, run_id: str, values: dict[str, str]) -> None:
        for _attempt in (1, 2):
            with self._lock:
                batch = self._batch
                if len(batch) + len(values) <= MAX_PENDING_ITEMS:
                    target = batch.params if kind == "params" else batch.tags
                    for key, value in values.items():
                        target[(run_id, key)] = value
                    return
            if not self._make_room():
                break
        with self._lock:  # over the bound and the store is failing: overwrites are free, new keys dropped
            target = self._batch.params if kind == "params" else self._batch.tags
            for key, value in values.items():
                if (run_id, key) in target:
                    target[(run_id, key)] = value
                else:
                    self._count_dropped(1)

    def log_metric(self, run_id: str, key: str, value: float, timestamp: int, step: int) -> None:
        with self._lock:
            pending = self._batch.metrics
            if len(pending) < WAKE_AT_PENDING_ITEMS:
                pending.append((run_id, key, value, timestamp, step))
                return
        self._put_points([(run_id, key, value, timestamp, step)])

    def log_metrics(self, points: list[tuple[str, str, float, int, int]]) -> None:
        with self._lock:
            if len(self._batch.metrics) + len(points) < WAKE_AT_PENDING_ITEMS:
                self._batch.metrics.extend(points)
                return
        self._put_points(points)

    def _put_points(self, points: list[tuple[str, str, float, int, int]]) -> None:
        """The slow path of metric logging: a big burst wakes the writer; at the bound, write now or drop."""
        for _attempt in (1, 2):
            with self._lock:
                if len(self._batch) + len(points) <= MAX_PENDING_ITEMS:
                    self._batch.metrics.extend(points)
                    self._wake.set()
                    return
            if not self._make_room():
                break
        with self._lock:
            self._count_dropped(len(points))

    def _make_room(self) -> bool:
        """At the bound: write synchronously (backpressure) unless the store is known to be failing.
        True when there may be room now."""
        if self._failing:
            return False
        try:
            self.flush()
        except Exception:
            return False
        return True

    def _count_dropped(self, n: int) -> None:
        if self.dropped == 0:
            _logger().debug(
                "autolog: the tracking store cannot be written and %d items are queued; "
                "dropping what is logged beyond that",
                MAX_PENDING_ITEMS,
            )
        self.dropped += n
        self.dropped_total += n

    def log_inputs(self, inputs: list[InputToLog]) -> None:
        """Dataset inputs (a few per run): never dropped, like runs created and ended."""
        with self._lock:
            self._batch.inputs.extend(inputs)
        self._ensure_thread()

    def end_run(self, run_id: str, status: str, end_time: int | None) -> None:
        with self._lock:
            self._batch.run_ends[run_id] = (status, end_time)
            if status != "RUNNING":
                self._alive.pop(run_id, None)

    def keep_alive(self, run_id: str) -> None:
        """Heartbeat ``run_id`` from the writer thread until it is ended through this writer."""
        with self._lock:
            if not self._alive:
                self._last_heartbeat = time.monotonic()  # the run was created with its first heartbeat
            self._alive[run_id] = None
        self._ensure_thread()

    # -- persisting ------------------------------------------------------------------------------
    def pending(self) -> int:
        return len(self._batch)

    def flush(self) -> None:
        """Write everything queued so far.

        A store that cannot be reached (locked, unwritable, full, connection lost) raises
        ``StoreUnavailableError`` and the data stays queued for the next try. A batch the store
        refuses for its content is written item by item instead, so one bad item never costs the
        good ones; refused items are reported.
        """
        try:
            self._write_pending()
        except StoreUnavailableError:
            self._failure_raised = True
            raise

    def _write_pending(self) -> None:
        self._check_fork()
        with self._write_lock:
            with self._lock:
                batch, self._batch = self._batch, WriteBatch()
            if not batch:
                return
            try:
                try:
                    self.store.write(batch)
                except BaseException as exc:
                    if not _refused_for_content(exc):
                        self._requeue(batch)
                        raise
                    self._salvage(batch)
            except Exception as exc:
                self._failing = True
                raise StoreUnavailableError(exc, self.pending(), self.dropped) from exc
            self._written()

    def _written(self) -> None:
        if self._failing and self.dropped:
            _logger().warning(
                "autolog: the tracking store accepts writes again; %d logged item(s) were dropped "
                "while it could not (at most %d are kept)",
                self.dropped,
                MAX_PENDING_ITEMS,
            )
        self._failing = False
        self._failure_raised = False
        self.dropped = 0

    def _requeue(self, batch: WriteBatch) -> None:
        with self._lock:
            merged = _merge(batch, self._batch)
            # What was logged while the write was failing may push the queue over the bound: the
            # newest metric points go (the older ones keep each history's start intact).
            excess = min(len(merged) - MAX_PENDING_ITEMS, len(merged.metrics))
            if excess > 0:
                del merged.metrics[len(merged.metrics) - excess :]
                self._count_dropped(excess)
            self._batch = merged

    def _salvage(self, batch: WriteBatch) -> None:
        pending = [_single_items(batch)]
        refused: dict[tuple[str, str], list] = {}  # (kind of item, cause) -> [count, the first such item]
        while pending:
            items = pending.pop()
            try:
                self.store.write(_merge_all(items))
            except BaseException as exc:
                if not _refused_for_content(exc):
                    self._requeue(_merge_all([item for group in [items, *reversed(pending)] for item in group]))
                    raise
                if len(items) == 1:
                    kind, item = _describe(items[0])
                    seen = refused.setdefault((kind, _cause(exc)), [0, item])
                    seen[0] += 1
                else:
                    middle = len(items) // 2
                    pending.extend([items[middle:], items[:middle]])
        # One line per cause, however many items it cost (a 50-round fit whose every point a server
        # refuses would otherwise print 50 lines of the same error).
        for (kind, cause), (count, first) in refused.items():
            _logger().error(
                "autolog: the tracking store refused %d %s(s) and they were dropped (the first: %s): %s; "
                "the rest was written",
                count,
                kind,
                first,
                cause,
            )

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
            self._heartbeat()
            try:
                self._write_pending()
                failures = 0
            except Exception as exc:  # kept queued, retried with backoff; the caller of the next flush is told
                if failures == 0:
                    _logger().debug("autolog could not write to the tracking store (will retry): %s", exc)
                failures += 1

    def _heartbeat(self) -> None:
        now = time.monotonic()
        if not self._alive or now - self._last_heartbeat < HEARTBEAT_SECONDS:
            return
        self._last_heartbeat = now
        beat = str(time.time_ns() // 1_000_000)
        with self._lock:
            for run_id in self._alive:
                self._batch.tags[(run_id, TAG_HEARTBEAT)] = beat

    def _check_fork(self) -> None:
        if self._pid != os.getpid():
            # A forked child must not re-write its parent's queue, nor share its thread or locks.
            self._pid = os.getpid()
            self._lock = threading.Lock()
            self._write_lock = threading.Lock()
            self._batch = WriteBatch()
            self._wake = threading.Event()
            self._thread = None
            self._alive = {}
            self._failing = self._failure_raised = False
            self.dropped = 0
            self.store.dispose_after_fork()


def _refused_for_content(exc: BaseException) -> bool:
    """True when the store rejects what was written (retrying cannot help), False when it is unavailable.

    The direct SQLite store raises ``sqlite3``'s errors, ``SqlStore`` SQLAlchemy's wrapping of the
    driver's: both are told apart the same way (SQLAlchemy is looked at only if it is imported; an
    error cannot come from it otherwise)."""
    if not isinstance(exc, Exception):
        return False
    import sqlite3

    if isinstance(exc, (sqlite3.OperationalError, sqlite3.InterfaceError, OSError)):
        return False
    sqlalchemy_exc = sys.modules.get("sqlalchemy.exc")
    if sqlalchemy_exc is not None:
        if isinstance(exc, (sqlalchemy_exc.OperationalError, sqlalchemy_exc.InterfaceError)):
            return False
        if isinstance(exc, sqlalchemy_exc.DBAPIError) and exc.connection_invalidated:
            return False
    return True


def _cause(exc: BaseException) -> str:
    """The store's reason, without what varies from item to item (a driver error's SQL and parameters)."""
    reason = getattr(exc, "orig", None) or exc  # sqlalchemy wraps the driver's error
    text = str(reason).split("\n", 1)[0].split(" [SQL:", 1)[0].strip()
    return f"{type(reason).__name__}: {text}" if text else type(reason).__name__


def _describe(item: WriteBatch) -> tuple[str, str]:
    """(what kind of item, the item) for a batch of one item (``_single_items``)."""
    if item.metrics:
        run_id, key, number, _timestamp, step = item.metrics[0]
        return "metric point", f"run {run_id} metric {key!r} = {number!r} at step {step}"
    for kind, values in (("param", item.params), ("tag", item.tags)):
        if values:
            (run_id, key), value = next(iter(values.items()))
            return kind, f"run {run_id} {kind} {key!r} = {value!r}"
    if item.run_ends:
        run_id, (status, _end_time) = next(iter(item.run_ends.items()))
        return "run end", f"run {run_id} ended {status}"
    if item.new_runs:
        return "new run", repr(item.new_runs[0])
    return "dataset input", repr(item.inputs[0]) if item.inputs else repr(item)


def _single_items(batch: WriteBatch) -> list[WriteBatch]:
    items = [WriteBatch(new_runs=[run]) for run in batch.new_runs]
    items += [WriteBatch(params={key: value}) for key, value in batch.params.items()]
    items += [WriteBatch(tags={key: value}) for key, value in batch.tags.items()]
    items += [WriteBatch(metrics=[point]) for point in batch.metrics]
    items += [WriteBatch(inputs=[item]) for item in batch.inputs]
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
        merged.inputs.extend(batch.inputs)
    return merged


def flush_all() -> None:
    """Flush every writer of this process; errors are logged, not raised (used at exit).

    The loss is logged as a warning unless the caller of an earlier flush was already told the
    store could not be written (autolog's one warning said so): then only at INFO level.
    """
    for writer in list(_all_writers):
        told = writer._failure_raised
        try:
            writer._write_pending()
        except Exception as exc:
            import logging

            _logger().log(
                logging.INFO if told else logging.WARNING,
                "autolog: %d logged item(s) could not be written to the tracking store and are lost at exit: %s",
                writer.pending(),
                exc,
            )


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
