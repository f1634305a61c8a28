"""pytest plugin for ``make interop``: MLflow's own REST tests (tests/tracking/test_rest_tracking.py)
against ``autolog server``, in the MLflow venv (loaded with ``-p autolog_interop``, MLflow's own
conftest files are not loaded: ``--noconftest``).

MLflow's ``mlflow_client`` fixture calls ``initialize_backend_stores(uri, root)`` and then serves
MLflow's app with ``ServerThread(app, port)``; ``_init_server(...)`` launches a server process. In
each collected test module those three names are replaced: every ``ServerThread`` / ``_init_server``
is a fresh ``autolog server`` (its own SQLite store in a new directory) on a free loopback port,
stopped by its pid. ``AUTOLOG_INTEROP_SERVER=mlflow`` leaves them alone, so the same run shows what
MLflow's own server does with the same tests (the baseline of expected_failures.py).

The fixtures of MLflow's tests/conftest.py the suite needs (``db_uri`` and a few autouse resets)
are re-implemented here. Expected failures (expected_failures.py) become strict xfails.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from expected_failures import EXPECTED_FAILURES, NOT_OURS  # noqa: E402

REPO = HERE.parent
AUTOLOG_PYTHON = os.environ.get("AUTOLOG_PYTHON") or str(REPO / ".venv" / "bin" / "python")
SERVER = os.environ.get("AUTOLOG_INTEROP_SERVER", "autolog")
START_TIMEOUT_SECONDS = 60


class AutologServer:
    """One ``autolog server`` process on a fresh store; a context manager yielding its URL."""

    def __init__(self, extra_env: dict | None = None) -> None:
        self.directory = tempfile.mkdtemp(prefix="autolog-interop-")
        artifacts = os.path.join(self.directory, "artifacts")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTOLOG_", "MLFLOW_", "PYTHONPATH"))}
        env.update({k: str(v) for k, v in (extra_env or {}).items()})
        env["PYTHONUNBUFFERED"] = "1"
        # Output goes to a file: a pipe nobody reads would block a talkative server.
        self.log = os.path.join(self.directory, "server.log")
        with open(self.log, "w") as log:
            self.process = subprocess.Popen(
                [AUTOLOG_PYTHON, "-m", "autolog", "server", "--port", "0",
                 "--backend-store-uri", f"sqlite:///{self.directory}/autolog.db", "--artifacts-destination", artifacts],
                cwd=self.directory,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        self.url: str | None = None

    def output(self) -> str:
        try:
            with open(self.log) as fh:
                return fh.read()
        except OSError:
            return ""

    def wait_ready(self) -> str:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while self.url is None and time.monotonic() < deadline:
            for line in self.output().splitlines():
                if "serving http://" in line:
                    self.url = line.split("serving ", 1)[1].split()[0]
            if self.url is None:
                if self.process.poll() is not None:
                    break
                time.sleep(0.05)
        if self.url is None:
            output = self.output()
            self.stop()
            raise RuntimeError("autolog server did not start:\n" + output)
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=5):
                    return self.url
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"autolog server at {self.url} never answered /health")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> str:
        return self.wait_ready()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _initialize_backend_stores(*args: object, **kwargs: object) -> None:
    """MLflow's fixture sets up its in-process stores here; the autolog server that follows has its own."""


# The next test's server, started while the current test runs (a start takes seconds on a busy machine).
_spare: list[AutologServer] = []


def _take_server() -> AutologServer:
    server = _spare.pop() if _spare else AutologServer()
    _spare.append(AutologServer())
    return server


class _ServerThread:
    """Stands for tests.tracking.integration_test_utils.ServerThread(app, port)."""

    def __init__(self, app: object = None, port: int | None = None) -> None:
        self.server = _take_server()

    def __enter__(self) -> str:
        return self.server.wait_ready()

    def __exit__(self, *exc: object) -> None:
        self.server.stop()


@contextlib.contextmanager
def _init_server(backend_uri: str, root_artifact_uri: str, extra_env: dict | None = None, **_) -> Iterator[str]:
    with AutologServer(extra_env=extra_env) as url:
        yield url


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "allow_infer_pip_requirements_fallback: MLflow's marker")
    config.addinivalue_line("markers", "asyncio: MLflow's marker (pytest-asyncio)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    modules = {id(item.module): item.module for item in items if isinstance(item, pytest.Function)}
    if SERVER == "autolog":
        for module in modules.values():
            for name, value in (("ServerThread", _ServerThread), ("_init_server", _init_server),
                                ("initialize_backend_stores", _initialize_backend_stores)):  # fmt: skip
                if hasattr(module, name):
                    setattr(module, name, value)
            if hasattr(module, "SqlAlchemyStore"):
                setattr(module, "SqlAlchemyStore", _store_from_cached_db(module.SqlAlchemyStore))  # noqa: B010
        import tests.tracking.integration_test_utils as utils

        utils.ServerThread = _ServerThread  # type: ignore[misc]
        utils._init_server = _init_server  # type: ignore[assignment]
        known = {name for item in items for name in _names(item)}
        for name in sorted((set(EXPECTED_FAILURES) | set(NOT_OURS)) - known):
            print(f"\ninterop: expected_failures.py names {name}, which this suite does not have")
        for item in items:
            reason = next((EXPECTED_FAILURES[n] for n in _names(item) if n in EXPECTED_FAILURES), None)
            if reason:
                item.add_marker(pytest.mark.xfail(reason=reason, strict=True))
            skip = next((NOT_OURS[n] for n in _names(item) if n in NOT_OURS), None)
            if skip:
                item.add_marker(pytest.mark.skip(reason=skip))


_CACHED_DB: list[Path] = []


def _store_from_cached_db(store_class: type) -> object:
    """MLflow's SqlAlchemyStore, but a new SQLite file starts as a copy of one migrated database:
    fixtures that build a fresh MLflow store per test (the gateway's) then skip MLflow's migrations."""

    def make(db_uri: str, *args: object, **kwargs: object) -> object:
        if _CACHED_DB and db_uri.startswith("sqlite:///"):
            path = Path(db_uri[len("sqlite:///") :])
            if not path.exists() and path.parent.is_dir():
                shutil.copy2(_CACHED_DB[0], path)
        return store_class(db_uri, *args, **kwargs)

    return make


def pytest_unconfigure(config: pytest.Config) -> None:
    while _spare:
        _spare.pop().stop()


def _names(item: pytest.Item) -> tuple[str, ...]:
    """The test's full id without the file (test_log_batch[sqlalchemy]) and its function's name."""
    return item.nodeid.split("::", 1)[1], getattr(item, "originalname", item.name)


# --- the fixtures of MLflow's tests/conftest.py that this suite uses ---------------------------------


@pytest.fixture(scope="session", autouse=True)
def _cached_mlflow_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite_db") / "mlflow.db"
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    SqlAlchemyStore(f"sqlite:///{path}", (path.parent / "artifacts").as_uri()).engine.dispose()
    _CACHED_DB.append(path)
    return path


@pytest.fixture
def db_uri(_cached_mlflow_db: Path, tmp_path: Path) -> str:
    path = tmp_path / "db" / "mlflow.db"
    path.parent.mkdir()
    if _cached_mlflow_db.exists():
        shutil.copy2(_cached_mlflow_db, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session", autouse=True)
def _mlflow_test_environment() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MLFLOW_ENABLE_ASYNC_TRACE_LOGGING", "false")
        mp.setenv("MLFLOW_UV_AUTO_DETECT", "false")
        for name in ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI", "MLFLOW_ENABLE_WORKSPACES", "MLFLOW_WORKSPACE"):
            mp.delenv(name, raising=False)
        yield


@pytest.fixture(autouse=True)
def _reset_mlflow_globals() -> Iterator[None]:
    yield
    import mlflow

    mlflow.tracking.fluent._active_experiment_id = None
    os.environ.pop("MLFLOW_EXPERIMENT_ID", None)
    os.environ.pop("MLFLOW_TRACKING_URI", None)
    os.environ.pop("MLFLOW_REGISTRY_URI", None)
    while mlflow.active_run():
        mlflow.end_run()
    mlflow.set_tracking_uri(None)
    mlflow.set_registry_uri(None)
