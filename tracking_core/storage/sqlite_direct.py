"""A local SQLite store as a training process uses it, through the standard library's ``sqlite3``.

A training process mostly writes: it creates runs and experiments, persists the batching writer's
batches, and reads back the runs it made (``last_active_run``). ``DirectSqliteStore`` does exactly
that, with the same SQL as ``SqlStore`` (``plain_sql``) and the same connection settings (WAL,
busy timeout, ``BEGIN IMMEDIATE`` for writes), but without SQLAlchemy: importing SQLAlchemy and
opening an engine was most of what a one-fit script paid for autologging (about 0.3 s of 0.4,
issue 21 item 21). Everything else (searches, histories, experiment management, the server, the
UI) still goes through ``SqlStore``, opened on first use; both read and write the same rows.

Opening costs one ``SELECT`` when the store is at the current schema version. A new (empty)
database gets the current tables from ``schema_ddl.SQLITE_DDL`` (the statements SQLAlchemy would
issue) and its version stamp, in one write transaction, so concurrent first openers wait rather
than create twice. Any other state (an older store to migrate, a newer one to refuse, a store
half made by someone else) is handed to ``SqlStore``, whose ``open_schema`` upgrades or refuses;
that path imports SQLAlchemy and alembic, once.

Only a plain file path is handled here (``sqlite:///PATH``); an in-memory database (one per
connection in ``sqlite3``), a URL with query options or escapes stays with ``SqlStore``.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from typing import Any, NamedTuple

from ..batch import WriteBatch, now_ms
from ..entities import Experiment, LifecycleStage, Run
from ..errors import ExperimentDeletedError, RunNotFoundError
from . import wal_checkpoints
from .plain_sql import RUN_COLUMNS, BatchWrites, build_runs, experiment_from_row, join_uri
from .schema_ddl import SCHEMA_VERSION, SQLITE_DDL, VERSION_TABLE
from .sqlite_connection import configure_connection

DEFAULT_EXPERIMENT_NAME = "Default"  # MLflow's id 0 goes to it (as in ``SqlStore``)
_MISSING = object()
# Connections a forked child inherited: never used nor closed there (closing would act on the
# parent's database file state), only kept from the garbage collector.
_INHERITED: list[sqlite3.Connection] = []


def direct_path(database_url: str) -> str | None:
    """The database file of ``sqlite:///PATH``, or None when ``SqlStore`` must handle the URL."""
    if not database_url.startswith("sqlite:///"):
        return None
    path = database_url[len("sqlite:///") :]
    if not path or path == ":memory:" or path.startswith("file:") or any(c in path for c in "?%#"):
        return None
    return path


def open_direct(database_url: str) -> DirectSqliteStore | None:
    """A ``DirectSqliteStore`` for a local SQLite file, else None (use ``SqlStore``)."""
    path = direct_path(database_url)
    return DirectSqliteStore(database_url, path) if path is not None else None


class _RunRow(NamedTuple):
    run_id: str
    experiment_id: int
    run_name: str
    status: str
    start_time: int
    end_time: int | None
    artifact_uri: str
    deleted: bool


class _ExperimentRow(NamedTuple):
    experiment_id: int
    name: str
    artifact_location: str
    creation_time: int
    lifecycle_stage: str
    last_update_time: int | None


class DirectSqliteStore:
    """Writes batches, creates experiments and reads runs of one SQLite file; one connection, locked."""

    def __init__(self, database_url: str, path: str):
        self.database_url = database_url
        self.path = path
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._writes = BatchWrites("?")
        self._checkpoints = wal_checkpoints.WalCheckpointer(path)
        with self._lock:
            self._open_schema()

    # -- plumbing ---------------------------------------------------------------------------------
    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            if self.path != ":memory:":
                os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=60, check_same_thread=False, isolation_level=None)
            try:
                configure_connection(conn)
                wal_checkpoints.configure(conn)  # checkpoints off the training thread
            except BaseException:
                conn.close()
                raise
            self._conn = conn
        return self._conn

    def _transaction_failed(self, conn: sqlite3.Connection, exc: BaseException) -> None:
        try:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
        except Exception:
            pass
        if isinstance(exc, sqlite3.OperationalError):
            # The file may be unreachable (disk, permissions, a remount): the next try reconnects.
            self.close()

    def _in_transaction(self, begin: str, work):
        """``work(cursor)`` inside one transaction (``BEGIN IMMEDIATE`` takes the write lock up front)."""
        conn = self._connection()
        try:
            conn.execute(begin)
            cursor = conn.cursor()
            result = work(cursor)
            conn.execute("COMMIT")
        except BaseException as exc:
            self._transaction_failed(conn, exc)
            raise
        if begin == "BEGIN IMMEDIATE" and self._checkpoints.committed():
            try:
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            except sqlite3.Error:
                pass  # committed all the same; the log is checkpointed by a later commit
        return result

    def close(self) -> None:
        """Close the connection (it reopens when next needed)."""
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    def dispose_after_fork(self) -> None:
        """In a forked child: leave the parent's connection alone, open a new one when needed."""
        if self._conn is not None:
            _INHERITED.append(self._conn)
        self._conn = None
        self._lock = threading.Lock()

    # -- schema -----------------------------------------------------------------------------------
    @staticmethod
    def _read_version(conn: sqlite3.Connection) -> Any:
        try:
            row = conn.execute(f"SELECT version_num FROM {VERSION_TABLE}").fetchone()
        except sqlite3.OperationalError:
            return _MISSING  # no version table: an empty database, or a store written before versioning
        return row[0] if row is not None else None

    def _open_schema(self) -> None:
        conn = self._connection()
        version = self._read_version(conn)
        if version == SCHEMA_VERSION:
            return
        if version is _MISSING and self._create_if_empty(conn):
            return
        # An older store (upgraded), a newer one (StoreVersionError), or one half made: SqlStore's way.
        from .sql_store import get_store

        get_store(self.database_url)

    def _create_if_empty(self, conn: sqlite3.Connection) -> bool:
        """Create the current schema in an empty database; True when the store is current after."""

        def create(cursor: sqlite3.Cursor) -> bool:
            if cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchone() is not None:
                return False  # not empty (another process may have just created it)
            for statement in SQLITE_DDL:
                cursor.execute(statement)
            cursor.execute(f"INSERT INTO {VERSION_TABLE} (version_num) VALUES (?)", (SCHEMA_VERSION,))
            return True

        return self._in_transaction("BEGIN IMMEDIATE", create) or self._read_version(conn) == SCHEMA_VERSION

    # -- writes -----------------------------------------------------------------------------------
    def write(self, batch: WriteBatch) -> None:
        """Apply one batch atomically (as ``SqlStore.write``, the same SQL)."""

        def apply(cursor: sqlite3.Cursor) -> dict[tuple[str, str], int]:
            def execute(sql: str, parameters: Any) -> Any:
                if isinstance(parameters, list):
                    cursor.executemany(sql, parameters)
                    return ()
                return cursor.execute(sql, parameters).fetchall()

            return self._writes.apply(execute, batch)

        with self._lock:
            new_series = self._in_transaction("BEGIN IMMEDIATE", apply)
        self._writes.remember(new_series)

    def get_or_create_experiment(self, name: str, artifact_root: str) -> Experiment:
        """The experiment ``name``, created if need be (``ExperimentDeletedError`` if it is deleted)."""
        with self._lock:
            found = self._experiment_by_name(name)
            if found is None:
                self._in_transaction(
                    "BEGIN IMMEDIATE", lambda cursor: self._create_experiment(cursor, name, artifact_root)
                )
                found = self._experiment_by_name(name)
        if found is None:
            raise RuntimeError(f"experiment {name!r} was created but cannot be read back")
        if found.lifecycle_stage == LifecycleStage.DELETED:
            raise ExperimentDeletedError(name)
        return found

    @staticmethod
    def _create_experiment(cursor: sqlite3.Cursor, name: str, artifact_root: str) -> None:
        if cursor.execute("SELECT 1 FROM experiments WHERE name = ?", (name,)).fetchone() is not None:
            return  # another process created it first
        created = now_ms()
        columns, values = (
            ["name", "artifact_location", "creation_time", "last_update_time"],
            [name, "", created, created],
        )
        if (
            name == DEFAULT_EXPERIMENT_NAME
            and cursor.execute("SELECT 1 FROM experiments WHERE experiment_id = 0").fetchone() is None
        ):
            columns.append("experiment_id")
            values.append(0)  # MLflow's id of the default experiment
        cursor.execute(
            f"INSERT INTO experiments ({', '.join(columns)}) VALUES ({', '.join('?' * len(values))})", values
        )
        experiment_id = 0 if "experiment_id" in columns else cursor.lastrowid
        location = join_uri(artifact_root, str(experiment_id))
        cursor.execute(
            "UPDATE experiments SET artifact_location = ? WHERE experiment_id = ?", (location, experiment_id)
        )

    def _experiment_by_name(self, name: str) -> Experiment | None:
        def read(cursor: sqlite3.Cursor) -> Experiment | None:
            row = cursor.execute(
                "SELECT experiment_id, name, artifact_location, creation_time, lifecycle_stage, last_update_time "
                "FROM experiments WHERE name = ?",
                (name,),
            ).fetchone()
            if row is None:
                return None
            tags = dict(
                cursor.execute("SELECT key, value FROM experiment_tags WHERE experiment_id = ?", (row[0],)).fetchall()
            )
            return experiment_from_row(_ExperimentRow(*row), tags)

        return self._in_transaction("BEGIN", read)

    # -- reads ------------------------------------------------------------------------------------
    def get_run(self, run_id: str, include_deleted: bool = False) -> Run:
        """The run with its params, tags, latest metrics and inputs (as ``SqlStore.get_run``)."""

        def read(cursor: sqlite3.Cursor) -> Run:
            query = f"SELECT {RUN_COLUMNS} FROM runs WHERE run_id = ?" + ("" if include_deleted else " AND deleted = 0")
            row = cursor.execute(query, (run_id,)).fetchone()
            if row is None:
                raise RunNotFoundError(run_id)
            return build_runs(cursor, "?", [_RunRow(*row)])[0]

        with self._lock:
            return self._in_transaction("BEGIN", read)

    def get_param(self, run_id: str, key: str) -> str | None:
        with self._lock:
            row = (
                self._connection()
                .execute("SELECT value FROM params WHERE run_id = ? AND key = ?", (run_id, key))
                .fetchone()
            )
        return row[0] if row is not None else None
