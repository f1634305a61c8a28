"""Real ``autolog server`` processes for the tests: started on a free loopback port, stopped by pid.

``start_server(...)`` runs ``python -m autolog server --port 0 ...``, reads the URL it prints and
waits until ``/health`` answers; ``ServerProcess.stop()`` sends SIGTERM (SIGKILL after a bounded
wait) and returns the exit code. ``api(url, method, endpoint, payload)`` is a plain stdlib JSON call
that returns (status, body) without retrying, so tests see exactly what the server answered.
"""

from __future__ import annotations

import http.client
import json
import os
import select
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

REPO_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
START_TIMEOUT_SECONDS = 30


@dataclass
class ServerProcess:
    process: subprocess.Popen
    url: str
    output: list[str] = field(default_factory=list)

    @property
    def port(self) -> int:
        return urlsplit(self.url).port

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        rest = self.process.stdout.read() if self.process.stdout else ""
        self.output.append(rest or "")
        return self.process.returncode

    def stderr(self) -> str:
        return self.process.stderr.read() if self.process.stderr and self.process.poll() is not None else ""


def server_env(extra: dict | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOLOG_TRACKING")}
    env.pop("AUTOLOG_ARTIFACT_ROOT", None)
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


def start_server(*args: str, cwd: str | None = None, env: dict | None = None, command: str = "server") -> ServerProcess:
    process = subprocess.Popen(
        [sys.executable, "-m", "autolog", command, "--port", "0", *args],
        cwd=cwd or REPO_DIR,
        env=server_env(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    lines: list[str] = []
    url = None
    while time.monotonic() < deadline and url is None:
        ready, _, _ = select.select([process.stdout], [], [], 0.5)
        if ready:
            line = process.stdout.readline()
            if not line and process.poll() is not None:
                break
            lines.append(line)
            if "serving http://" in line:
                url = line.split("serving ", 1)[1].split()[0]
        elif process.poll() is not None:
            break
    if url is None:
        process.kill()
        out, err = process.communicate(timeout=10)
        raise RuntimeError(f"server did not start: {''.join(lines)}{out}\n{err}")
    server = ServerProcess(process, url, lines)
    while time.monotonic() < deadline:
        try:
            status, _ = api(url, "GET", "/health", raw=True)
            if status in (200, 401):
                return server
        except OSError:
            pass
        time.sleep(0.05)
    server.stop()
    raise RuntimeError(f"server at {url} never answered /health")


def request(
    url: str, method: str, path: str, body: bytes | None = None, headers: dict | None = None, timeout: float = 30
) -> tuple[int, dict, bytes]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def api(
    url: str, method: str, endpoint: str, payload: dict | None = None, headers: dict | None = None, raw: bool = False
) -> tuple[int, object]:
    """``endpoint`` starting with '/' is a full path; otherwise below ``/api/2.0/mlflow/``."""
    path = endpoint if endpoint.startswith("/") else f"/api/2.0/mlflow/{endpoint}"
    all_headers = dict(headers or {})
    body = None
    if method == "GET" and payload:
        path += "?" + urlencode(payload, doseq=True)
    elif method != "GET":
        body = json.dumps(payload or {}).encode()
        all_headers.setdefault("Content-Type", "application/json")
    status, _headers, data = request(url, method, path, body, all_headers)
    if raw:
        return status, data
    try:
        return status, json.loads(data) if data else {}
    except ValueError:
        return status, data
