"""The real MLflow as the reference the tests compare with: its venv's python and a real ``mlflow server``.

``mlflow_python_or_skip()`` returns bench/.mlflow-venv's python (``make test`` builds it and sets
AUTOLOG_REQUIRE_MLFLOW=1, so a missing venv fails there; run alone, the tests skip).
``start_mlflow_server(python, directory)`` starts ``mlflow server`` (SQLite, proxied artifacts) on a
free loopback port in its own session and returns ``(process, url)``; ``stop_mlflow_server`` stops
that session by its id.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time

import pytest
from server_support import REPO_DIR, api, server_env

MLFLOW_VENV = os.path.join(REPO_DIR, "bench", ".mlflow-venv")
MLFLOW_PYTHON = os.path.join(MLFLOW_VENV, "bin", "python")


def mlflow_python_or_skip() -> str:
    if not os.path.exists(os.path.join(MLFLOW_VENV, ".ready")):
        message = "MLflow's venv is missing: make test builds it (bench/.mlflow-venv)"
        if os.environ.get("AUTOLOG_REQUIRE_MLFLOW") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return MLFLOW_PYTHON


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_mlflow_server(python: str, directory) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = server_env()
    env.pop("PYTHONPATH", None)
    log = open(directory / "mlflow-server.log", "w")
    process = subprocess.Popen(
        [
            python,
            "-m",
            "mlflow",
            "server",
            "--backend-store-uri",
            f"sqlite:///{directory}/mlflow.db",
            "--artifacts-destination",
            str(directory / "mlartifacts"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
        ],
        cwd=directory,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
        start_new_session=True,
    )
    log.close()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError((directory / "mlflow-server.log").read_text()[-3000:])
        try:
            if api(url, "GET", "/health", raw=True)[0] == 200:
                return process, url
        except OSError:
            pass
        time.sleep(0.2)
    stop_mlflow_server(process)
    raise RuntimeError("mlflow server did not answer /health within 120 s")


def stop_mlflow_server(process: subprocess.Popen) -> None:
    # `mlflow server` runs uvicorn as its child: stop the session we started it in, by its id.
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
