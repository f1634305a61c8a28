"""How every connection to a SQLite store is set up: ``SqlStore``'s engine and ``DirectSqliteStore``'s."""

from __future__ import annotations

import os

SQLITE_CACHE_ENV = "AUTOLOG_SQLITE_CACHE_MB"
MMAP_BYTES = 256 << 20
MMAP_MIN_CACHE_KIB = 64 << 10


def sqlite_cache_kib() -> int:
    """Page cache per SQLite connection, in KiB (``AUTOLOG_SQLITE_CACHE_MB``, default 8)."""
    try:
        megabytes = float(os.environ.get(SQLITE_CACHE_ENV) or 8)
    except ValueError:
        megabytes = 8
    return max(1024, int(megabytes * 1024))


WAL_WAIT_SECONDS = 60.0


def _use_wal(cursor) -> None:
    """Switch the database to WAL (a mode the file keeps) unless it is already.

    Switching needs the database to itself: a process opening a new store while another creates
    its tables gets "database is locked" at once, without the busy handler waiting (SQLite does
    not wait where waiting could deadlock), so it waits here instead."""
    import sqlite3
    import time

    deadline = time.monotonic() + WAL_WAIT_SECONDS
    delay = 0.005
    while True:
        try:
            if str(cursor.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
                return
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if ("locked" not in str(exc) and "busy" not in str(exc)) or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.2)


def configure_connection(dbapi_connection) -> None:
    """WAL (readers never wait for the writer), a busy timeout, foreign keys, case-sensitive LIKE, the page cache."""
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=60000")
    _use_wal(cursor)
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA case_sensitive_like=ON")  # LIKE is case-sensitive as in MLflow (ILIKE is not)
    # Searches and histories read many pages: memory-mapped reads skip a system call per page, and a
    # cache (allocated only as used, per connection) keeps the indexes of a big store in memory. It
    # is 8 MB in a training process, which mostly writes; the server and the UI take 64 MB and map
    # 256 MB. Mapped pages count in the process's resident memory: a training process maps nothing,
    # so its memory stays flat however big the store grows.
    cache_kib = sqlite_cache_kib()
    cursor.execute(f"PRAGMA mmap_size={MMAP_BYTES if cache_kib >= MMAP_MIN_CACHE_KIB else 0}")
    cursor.execute(f"PRAGMA cache_size=-{cache_kib}")
    cursor.close()
