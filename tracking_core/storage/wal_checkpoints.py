"""Checkpoints of a training process's SQLite write-ahead log, done on a thread of their own.

By default SQLite checkpoints inside the ``COMMIT`` that takes the log past 1,000 pages: that
commit copies the log into the database and waits for two ``fsync`` calls, 3-8 ms on this
machine's disk, once every 30-50 runs of a loop of small fits (0.4 ms a fit on average, on the
training thread). ``DirectSqliteStore`` turns that off for its connection (``configure``) and
after its commits calls ``committed()``, which every ``WAKE_EVERY`` commits (or when the log has
grown past ``LOG_LIMIT_BYTES``) wakes this thread: it runs a ``PASSIVE`` checkpoint on its own
connection, which never blocks the writer, and ``sqlite3`` releases the GIL while it works, so the
training thread goes on. A checkpoint that copied the whole log before the next commit lets that
commit start the log over from its beginning (and cut the file back to ``LOG_LIMIT_BYTES``).

Nothing is at risk meanwhile: a committed transaction is in the log, which SQLite reads and
replays like the database itself. When the thread cannot keep up (commits faster than it copies,
a reader holding the log, a failing connection), the log passes ``INLINE_AFTER_BYTES`` and the
committer checkpoints itself, as SQLite would have. Other processes on the same store (the
server, the UI) keep SQLite's automatic checkpoints.
"""

from __future__ import annotations

import os
import sqlite3
import threading

WAKE_EVERY = 32  # commits between checkpoints (a small fit's run is one commit of a few pages)
LOG_LIMIT_BYTES = 4 << 20  # about SQLite's own 1,000 pages; the file is cut back to this at a restart
INLINE_AFTER_BYTES = 4 * LOG_LIMIT_BYTES


def configure(conn: sqlite3.Connection) -> None:
    """Leave this connection's checkpoints to the thread; keep its log file's size bounded."""
    conn.execute("PRAGMA wal_autocheckpoint=0")
    conn.execute(f"PRAGMA journal_size_limit={LOG_LIMIT_BYTES}")


class WalCheckpointer:
    """Checkpoints ``path``'s log on a daemon thread, woken by the commits of one connection."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.wal_path = path + "-wal"
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()
        self._commits = 0
        self.checkpoints = 0  # complete ones by the thread so far (for tests and benchmarks)
        self.inline = 0  # checkpoints the committer had to do itself

    def committed(self) -> bool:
        """Called after each write commit. True when the caller should checkpoint now, itself:
        the log is past ``INLINE_AFTER_BYTES``."""
        self._commits += 1
        try:
            size = os.stat(self.wal_path).st_size
        except OSError:
            size = 0
        if size >= INLINE_AFTER_BYTES:
            self.inline += 1
            return True
        if size > LOG_LIMIT_BYTES or self._commits % WAKE_EVERY == 0:
            if self._thread is None or self._pid != os.getpid() or not self._thread.is_alive():
                self._start()
            self._wake.set()
        return False

    def _start(self) -> None:
        self._pid = os.getpid()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="autolog-wal-checkpoint", daemon=True)
        self._thread.start()

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=60, check_same_thread=False, isolation_level=None)

    def _run(self) -> None:
        conn: sqlite3.Connection | None = None
        while True:
            self._wake.wait()
            self._wake.clear()
            try:
                if conn is None:
                    conn = self._connect()
                # fetchall: the statement runs to its end, so this connection keeps no read lock that
                # would stop the writer from starting the log over.
                ((busy, log_frames, copied),) = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            except sqlite3.Error:
                if conn is not None:  # reconnect at the next wake; the committer steps in if this lasts
                    conn.close()
                conn = None
                continue
            if not busy and copied >= log_frames:
                self.checkpoints += 1
