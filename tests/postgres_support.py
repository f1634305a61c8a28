"""A throwaway PostgreSQL server for the tests: session fixtures ``postgres_server`` and ``postgres_url``.

The server is a fresh cluster (``initdb``) in a temporary directory, listening only on
127.0.0.1 at a free port and on a unix socket inside that directory, with trust authentication
and durability switched off (``fsync=off``: the data is thrown away). ``initdb`` and ``postgres``
refuse to run as root, so as root they run as the ``postgres`` system user (created when missing).
Every wait is bounded; at the end the server is stopped (``pg_ctl stop``, then SIGKILL of the
postmaster if it does not go) and the directory removed.

The fixtures are skipped only when no PostgreSQL server binaries are found; set
``AUTOLOG_TEST_PG_BINDIR`` to point at a directory holding ``initdb`` and ``pg_ctl``.
Import this module from a test module (``from postgres_support import postgres_url``): conftest
modules cannot be imported with ``--import-mode=importlib``.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

BINDIR_ENV = "AUTOLOG_TEST_PG_BINDIR"
SERVER_USER = "postgres"
FALLBACK_USER = "autolog-pg"
DATABASE = "autolog_test"
START_TIMEOUT_SECONDS = 30
STOP_TIMEOUT_SECONDS = 15
COMMAND_TIMEOUT_SECONDS = 60


def find_bindir() -> str | None:
    """A directory holding both ``initdb`` and ``pg_ctl``, or None."""
    candidates: list[str] = []
    if os.environ.get(BINDIR_ENV):
        candidates.append(os.environ[BINDIR_ENV])
    for name in ("initdb", "pg_ctl"):
        found = shutil.which(name)
        if found:
            candidates.append(os.path.dirname(os.path.realpath(found)))
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, timeout=10)
            if out.returncode == 0 and out.stdout.strip():
                candidates.append(out.stdout.strip())
        except (OSError, subprocess.SubprocessError):
            pass

    def version(path: str) -> tuple[int, ...]:
        digits = "".join(c if c.isdigit() else " " for c in path).split()
        return tuple(int(d) for d in digits)

    patterns = (
        "/usr/lib/postgresql/*/bin",
        "/usr/pgsql-*/bin",
        "/usr/local/pgsql/bin",
        "/opt/homebrew/opt/postgresql*/bin",
        "/usr/local/opt/postgresql*/bin",
    )
    for pattern in patterns:
        candidates.extend(sorted(glob.glob(pattern), key=version, reverse=True))
    for directory in candidates:
        if all(os.access(os.path.join(directory, tool), os.X_OK) for tool in ("initdb", "pg_ctl", "postgres")):
            return directory
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_account() -> tuple[int, int] | None:
    """(uid, gid) to run the server as, or None to run it as ourselves (we are not root)."""
    if os.geteuid() != 0:
        return None
    for name in (SERVER_USER, FALLBACK_USER):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        if entry.pw_uid != 0:
            return entry.pw_uid, entry.pw_gid
    useradd = shutil.which("useradd")
    if useradd is None:
        pytest.fail(f"running as root, no {SERVER_USER!r} user and no useradd to create an unprivileged one")
    subprocess.run(
        [useradd, "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", FALLBACK_USER],
        check=True,
        capture_output=True,
        timeout=COMMAND_TIMEOUT_SECONDS,
    )
    entry = pwd.getpwnam(FALLBACK_USER)
    return entry.pw_uid, entry.pw_gid


@dataclass
class PostgresServer:
    """A running throwaway server: ``url`` names its test database; ``create_database`` makes more."""

    bindir: str
    directory: str
    port: int
    account: tuple[int, int] | None
    user: str = "postgres"
    database: str = DATABASE

    @property
    def data_dir(self) -> str:
        return os.path.join(self.directory, "data")

    @property
    def socket_dir(self) -> str:
        return self.directory

    @property
    def log_file(self) -> str:
        return os.path.join(self.directory, "server.log")

    def url_for(self, database: str) -> str:
        return f"postgresql+psycopg2://{self.user}@127.0.0.1:{self.port}/{database}"

    @property
    def url(self) -> str:
        return self.url_for(self.database)

    def run(self, tool: str, *args: str, timeout: float = COMMAND_TIMEOUT_SECONDS) -> subprocess.CompletedProcess:
        """Run one server binary as the server account; raise with its output if it fails."""
        extra: dict = {}
        if self.account is not None:
            extra = {"user": self.account[0], "group": self.account[1], "extra_groups": []}
        env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
        for name in ("PGDATA", "PGHOST", "PGPORT", "PGUSER", "PGDATABASE", "PGPASSWORD", "PGOPTIONS"):
            env.pop(name, None)
        result = subprocess.run(
            [os.path.join(self.bindir, tool), *args],
            cwd=self.directory,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            **extra,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"{tool} {' '.join(args)} failed ({result.returncode}):\n"
                f"{result.stdout}\n{result.stderr}\n{self.server_log()}"
            )
        return result

    def server_log(self) -> str:
        try:
            with open(self.log_file, errors="replace") as fh:
                return "server log:\n" + fh.read()[-4000:]
        except OSError:
            return ""

    def initdb(self) -> None:
        self.run(
            "initdb", "-D", self.data_dir, "-U", self.user, "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync"
        )

    def start(self) -> None:
        options = " ".join(
            [
                "-c listen_addresses=127.0.0.1",
                f"-c port={self.port}",
                f"-c unix_socket_directories={self.socket_dir}",
                "-c fsync=off",
                "-c synchronous_commit=off",
                "-c full_page_writes=off",
                "-c max_connections=100",
            ]
        )
        self.run(
            "pg_ctl",
            "start",
            "-D",
            self.data_dir,
            "-l",
            self.log_file,
            "-w",
            "-t",
            str(START_TIMEOUT_SECONDS),
            "-o",
            options,
            timeout=START_TIMEOUT_SECONDS + 15,
        )

    def connect(self, database: str = "postgres"):
        import psycopg2

        connection = psycopg2.connect(
            host="127.0.0.1", port=self.port, user=self.user, dbname=database, connect_timeout=10
        )
        connection.autocommit = True
        return connection

    def create_database(self, name: str | None = None) -> str:
        """A new empty database; returns its SQLAlchemy URL."""
        name = name or f"db_{uuid.uuid4().hex[:12]}"
        connection = self.connect()
        try:
            with connection.cursor() as cursor:
                cursor.execute(f'CREATE DATABASE "{name}"')
        finally:
            connection.close()
        return self.url_for(name)

    def _postmaster_pid(self) -> int | None:
        try:
            with open(os.path.join(self.data_dir, "postmaster.pid")) as fh:
                return int(fh.readline().strip())
        except (OSError, ValueError):
            return None

    def stop(self) -> None:
        """Stop the server (fast, then immediate, then SIGKILL of its postmaster); never hangs."""
        pid = self._postmaster_pid()
        if pid is None:
            return
        for mode in ("fast", "immediate"):
            try:
                self.run(
                    "pg_ctl",
                    "stop",
                    "-D",
                    self.data_dir,
                    "-m",
                    mode,
                    "-w",
                    "-t",
                    str(STOP_TIMEOUT_SECONDS),
                    timeout=STOP_TIMEOUT_SECONDS + 10,
                )
                return
            except (RuntimeError, subprocess.SubprocessError, OSError):
                continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                if self.data_dir.encode() not in fh.read():
                    return  # not our postmaster (it is gone and its pid reused)
        except OSError:
            pass
        try:
            os.kill(pid, signal.SIGKILL)  # the postmaster we started; its children exit with it
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)


def start_server() -> PostgresServer:
    """initdb and start a server in a new temporary directory (removed again if starting fails)."""
    bindir = find_bindir()
    if bindir is None:
        pytest.skip(f"PostgreSQL server binaries (initdb, pg_ctl, postgres) not found; set {BINDIR_ENV}")
    account = _server_account()
    # Not under pytest's basetemp: that is private to our user and the server account must enter it.
    # Short, too: the unix socket path is limited to about 100 characters.
    base = "/tmp" if os.path.isdir("/tmp") else None
    directory = tempfile.mkdtemp(prefix="autolog-pg-", dir=base)
    if account is not None:
        os.chown(directory, *account)
    os.chmod(directory, 0o700)
    last_error: Exception | None = None
    for _attempt in range(3):  # a free port may be taken between asking and binding
        server = PostgresServer(bindir, directory, free_port(), account)
        try:
            if not os.path.isdir(server.data_dir):
                server.initdb()
            server.start()
            connection = server.connect()
            try:
                with connection.cursor() as cursor:
                    cursor.execute(f'CREATE DATABASE "{server.database}"')
            finally:
                connection.close()
            return server
        except Exception as exc:
            last_error = exc
            server.stop()
    shutil.rmtree(directory, ignore_errors=True)
    raise RuntimeError(f"could not start a PostgreSQL server with {bindir}") from last_error


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = start_server()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.directory, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_url(postgres_server: PostgresServer) -> str:
    """``postgresql+psycopg2://postgres@127.0.0.1:PORT/autolog_test`` of the session's server."""
    return postgres_server.url
