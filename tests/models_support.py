"""Helpers of the model serving tests: training in a fresh process, a real server on loopback.

``train(store, script)`` runs a script after ``autolog.autolog()`` in a fresh interpreter whose
store is ``store`` and returns what it prints last (JSON). ``ModelServer`` starts
``autolog models serve`` as a subprocess on a free port, waits for ``/ping`` and stops it by its
pid.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import textwrap
import time
from typing import Any

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_DIR = os.path.dirname(TESTS_DIR)
SERVER_START_TIMEOUT = 120.0  # a busy CI machine importing TensorFlow


def subprocess_env(store: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "AUTOLOG_TRACKING_URI": store,
            "PYTHONPATH": os.pathsep.join([REPO_DIR, TESTS_DIR]),
            "TF_CPP_MIN_LOG_LEVEL": "3",
            "KERAS_BACKEND": "tensorflow",
            "OMP_NUM_THREADS": "1",
        }
    )
    env.pop("AUTOLOG_TESTING", None)
    return env


def train(store: str, script: str, timeout: float = 300) -> Any:
    """Run ``script`` (with ``autolog`` imported and enabled) in a fresh process; its last printed line as JSON."""
    code = "import json, os, autolog\nautolog.autolog(silent=False)\n" + textwrap.dedent(script)
    env = {**subprocess_env(store), "AUTOLOG_TESTING": "1"}  # autolog's own errors fail the training
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=timeout, cwd=store
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ModelServer:
    """``autolog models serve -m MODEL --port <free>`` in a subprocess (start, wait, stop by pid)."""

    def __init__(self, model: str, store: str, *args: str):
        self.port = free_port()
        self.log_path = os.path.join(store, f"serve-{self.port}.log")
        self._log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "autolog",
                "models",
                "serve",
                "-m",
                model,
                "--tracking-uri",
                store,
                "--port",
                str(self.port),
                *args,
            ],
            env=subprocess_env(store),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            cwd=store,
        )

    def wait_ready(self) -> ModelServer:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the server exited ({self.process.returncode}): {self.log()}")
            try:
                if self.get("/ping")[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"the server did not answer /ping in {SERVER_START_TIMEOUT}s: {self.log()}")

    def log(self) -> str:
        with open(self.log_path) as fh:
            return fh.read()[-4000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, 15)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, 9)
                self.process.wait()
        self._log.close()

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict | None = None
    ) -> tuple[int, bytes, dict]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.read(), dict(response.getheaders())
        finally:
            connection.close()

    def get(self, path: str) -> tuple[int, bytes]:
        status, body, _ = self.request("GET", path)
        return status, body

    def invoke(self, payload: Any, content_type: str = "application/json") -> tuple[int, Any]:
        """POST /invocations; ``payload`` is JSON-encoded unless it is already bytes or text."""
        if isinstance(payload, str):
            payload = payload.encode()
        elif not isinstance(payload, bytes):
            payload = json.dumps(payload).encode()
        headers = {"Content-Type": content_type} if content_type else {}
        status, body, _ = self.request("POST", "/invocations", payload, headers)
        return status, json.loads(body)


def start_servers(specs: dict[str, tuple]) -> dict[str, ModelServer]:
    """Start every server at once (their start-ups overlap), then wait for each."""
    servers = {name: ModelServer(*spec) for name, spec in specs.items()}
    try:
        for server in servers.values():
            server.wait_ready()
    except BaseException:
        for server in servers.values():
            server.stop()
        raise
    return servers


def payloads(frame: Any) -> dict[str, tuple[Any, str]]:
    """The same rows in every input format of the scoring protocol: {format: (body, content type)}."""
    columns = [str(c) for c in frame.columns]
    rows = frame.astype(object).to_numpy().tolist()  # Python ints stay ints, floats keep every digit
    records = [dict(zip(columns, row, strict=True)) for row in rows]
    return {
        "dataframe_split": ({"dataframe_split": {"columns": columns, "data": rows}}, "application/json"),
        "dataframe_records": ({"dataframe_records": records}, "application/json"),
        "instances": ({"instances": records}, "application/json"),
        "instances_rows": ({"instances": rows}, "application/json"),
        "inputs": ({"inputs": {c: [row[i] for row in rows] for i, c in enumerate(columns)}}, "application/json"),
        "inputs_array": ({"inputs": rows}, "application/json"),
        "inputs_records": ({"inputs": records}, "application/json"),
        "csv": (frame.to_csv(index=False), "text/csv"),
    }
