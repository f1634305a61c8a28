"""``make bench-server``: ``autolog server`` next to ``mlflow server``, same machine, same client, one run.

Both on SQLite with one uvicorn worker, driven by a plain keep-alive ``http.client`` (request bodies
encoded before the clock starts): time until ``/health`` answers; 100,000 metric points through
``runs/log-batch`` (1,000 per request) and read back through ``metrics/get-history``; runs created
per second; one ``runs/log-metric`` request; eight writers at once against one; a filtered,
metric-ordered ``runs/search`` (ours over 100,000 runs, MLflow's over 10,000, both populated
straight into the database first); ours: ``get-history`` of a 1,000,000-point metric.

    python -m bench.server [--quick]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from bench.environment import ROOT

MLFLOW_PYTHON = os.path.join(ROOT, "bench", ".mlflow-venv", "bin", "python")
FILTER = "metrics.x < 0.5 and params.p = 'v3'"
ORDER = ["metrics.y DESC"]

MLFLOW_POPULATE = r"""
import os, random, sys, time
from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore
from mlflow.store.tracking.dbmodels.models import SqlRun, SqlParam, SqlLatestMetric, SqlMetric, SqlTag
db, root, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
store = SqlAlchemyStore(db, root)
experiment_id = store.create_experiment("search")
rng = random.Random(7)
with store.ManagedSessionMaker() as session:
    for start in range(0, count, 2000):
        rows = []
        for index in range(start, min(start + 2000, count)):
            run_id = os.urandom(16).hex()
            t = 1_700_000_000_000 + index
            rows.append(SqlRun(run_uuid=run_id, name=f"run-{index}", source_type="LOCAL", source_name="",
                               entry_point_name="", user_id="bench", status="FINISHED", start_time=t, end_time=t + 5,
                               source_version="", lifecycle_stage="active", artifact_uri=f"{root}/{run_id}",
                               experiment_id=int(experiment_id)))
            rows.append(SqlParam(run_uuid=run_id, key="p", value=f"v{rng.randrange(10)}"))
            rows.append(SqlTag(run_uuid=run_id, key="team", value=rng.choice(("vision", "nlp"))))
            for key in ("x", "y"):
                value = rng.random()
                rows.append(SqlMetric(run_uuid=run_id, key=key, value=value, timestamp=t, step=0, is_nan=False))
                rows.append(SqlLatestMetric(run_uuid=run_id, key=key, value=value, timestamp=t, step=0, is_nan=False))
        session.add_all(rows)
        session.flush()
print(experiment_id)
"""


def server_cpu(pgid: int) -> float:
    """CPU seconds used so far by every process of the server's session (MLflow's server runs
    uvicorn as a child): beside wall time, as the machine's load inflates wall time."""
    ticks = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # pgrp
            ticks += int(fields[11]) + int(fields[12])  # utime + stime
    return ticks / os.sysconf("SC_CLK_TCK")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Client:
    def __init__(self, port: int):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)

    def call(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        return response.status, response.read()

    def json(self, method: str, endpoint: str, payload: dict | None = None) -> dict:
        if method == "GET":
            from urllib.parse import urlencode

            status, data = self.call("GET", f"/api/2.0/mlflow/{endpoint}?{urlencode(payload or {}, doseq=True)}")
        else:
            status, data = self.call("POST", f"/api/2.0/mlflow/{endpoint}", json.dumps(payload or {}).encode())
        if status != 200:
            raise RuntimeError(f"{endpoint}: {status} {data[:300]!r}")
        return json.loads(data)


def start(tool: str, directory: str, database: str | None = None) -> tuple[subprocess.Popen, int, float]:
    port = _free_port()
    if tool == "autolog":
        command = [
            sys.executable,
            "-m",
            "autolog",
            "server",
            "--backend-store-uri",
            database or os.path.join(directory, "store"),
            "--port",
            str(port),
        ]
    else:
        command = [
            MLFLOW_PYTHON,
            "-m",
            "mlflow",
            "server",
            "--backend-store-uri",
            database or f"sqlite:///{directory}/mlflow.db",
            "--artifacts-destination",
            os.path.join(directory, "mlartifacts"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
        ]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTOLOG_TRACKING", "MLFLOW_"))}
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=directory, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    while True:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/health")
            if connection.getresponse().status == 200:
                return process, port, time.perf_counter() - started
        except OSError:
            pass
        if process.poll() is not None or time.perf_counter() - started > 180:
            raise RuntimeError(f"{tool} server did not start")
        time.sleep(0.02)


def stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _bodies(run_id: str, points: int, key: str = "m") -> list[bytes]:
    now = int(time.time() * 1000)
    return [
        json.dumps(
            {
                "run_id": run_id,
                "metrics": [
                    {"key": key, "value": random.random(), "timestamp": now + i, "step": i}
                    for i in range(start, min(start + 1000, points))
                ],
            }
        ).encode()
        for start in range(0, points, 1000)
    ]


def _run(client: Client, experiment_id: str) -> str:
    return client.json("POST", "runs/create", {"experiment_id": experiment_id})["run"]["info"]["run_id"]


def measure_api(tool: str, points: int, runs: int) -> dict[str, float]:
    directory = tempfile.mkdtemp(prefix=f"bench-{tool}-")
    process, port, started = start(tool, directory)
    try:
        client = Client(port)
        experiment_id = client.json("POST", "experiments/create", {"name": "bench"})["experiment_id"]
        run_id = _run(client, experiment_id)
        bodies = _bodies(run_id, points)
        cpu = {}
        t, c = time.perf_counter(), server_cpu(process.pid)
        for body in bodies:
            status, data = client.call("POST", "/api/2.0/mlflow/runs/log-batch", body)
            assert status == 200, data[:200]
        logged, cpu["log_100k_cpu_s"] = time.perf_counter() - t, server_cpu(process.pid) - c
        t, c = time.perf_counter(), server_cpu(process.pid)
        history = client.json("GET", "metrics/get-history", {"run_id": run_id, "metric_key": "m"})
        read, cpu["read_100k_cpu_s"] = time.perf_counter() - t, server_cpu(process.pid) - c
        assert len(history["metrics"]) == points, len(history["metrics"])
        t, c = time.perf_counter(), server_cpu(process.pid)
        for _ in range(runs):
            _run(client, experiment_id)
        runs_per_second = runs / (time.perf_counter() - t)
        cpu["run_create_cpu_ms"] = (server_cpu(process.pid) - c) / runs * 1000
        single = []
        body = json.dumps({"run_id": run_id, "key": "one", "value": 1.0, "timestamp": 1, "step": 0}).encode()
        c = server_cpu(process.pid)
        for _i in range(200):
            t = time.perf_counter()
            client.call("POST", "/api/2.0/mlflow/runs/log-metric", body)
            single.append(time.perf_counter() - t)
        cpu["log_metric_cpu_ms"] = (server_cpu(process.pid) - c) / 200 * 1000

        def writers(count: int, each: int) -> float:
            work = []
            for _ in range(count):
                writer = Client(port)
                work.append((writer, _bodies(_run(writer, experiment_id), each)))

            def go(writer, bodies):
                for body in bodies:
                    writer.call("POST", "/api/2.0/mlflow/runs/log-batch", body)

            threads = [threading.Thread(target=go, args=item) for item in work]
            t = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            return count * each / (time.perf_counter() - t)

        one = writers(1, max(points // 5, 1000))
        eight = writers(8, max(points // 10, 1000))
        return {
            "start_s": started,
            "log_100k_s": logged,
            "read_100k_s": read,
            "runs_per_s": runs_per_second,
            "log_metric_ms": statistics.median(single) * 1000,
            "log_metric_p10_ms": sorted(single)[20] * 1000,
            "one_writer_pps": one,
            "eight_writers_pps": eight,
            **cpu,
        }
    finally:
        stop(process)
        shutil.rmtree(directory, ignore_errors=True)


def measure_search(tool: str, count: int, history_points: int) -> dict[str, float]:
    directory = tempfile.mkdtemp(prefix=f"bench-search-{tool}-")
    try:
        out: dict[str, float] = {}
        if tool == "autolog":
            from bench.store_search import populate
            from tracking_core.batch import NewRun, WriteBatch
            from tracking_core.storage.sql_store import SqlStore

            store_dir = os.path.join(directory, "store")
            store = SqlStore("sqlite:///" + os.path.join(store_dir, "autolog.db"))
            experiment_id = store.create_experiment("search", artifact_root=os.path.join(store_dir, "artifacts"))
            populate(store, experiment_id, os.path.join(store_dir, "artifacts", experiment_id), count)
            big = os.urandom(16).hex()
            store.write(WriteBatch(new_runs=[NewRun(big, experiment_id, "big", 1, os.path.join(store_dir, big))]))
            for first in range(0, history_points, 100_000):
                store.write(
                    WriteBatch(
                        metrics=[
                            (big, "h", random.random(), 1_700_000_000_000 + i, i)
                            for i in range(first, min(first + 100_000, history_points))
                        ]
                    )
                )
            store.engine.dispose()
            process, port, _ = start(tool, directory, store_dir)
        else:
            db = f"sqlite:///{directory}/mlflow.db"
            result = subprocess.run(
                [MLFLOW_PYTHON, "-c", MLFLOW_POPULATE, db, os.path.join(directory, "mlartifacts"), str(count)],
                capture_output=True,
                text=True,
                cwd=directory,
            )
            if result.returncode != 0:
                raise RuntimeError(result.stderr[-2000:])
            experiment_id = result.stdout.strip().splitlines()[-1]
            process, port, _ = start(tool, directory, db)
        try:
            client = Client(port)
            payload = {"experiment_ids": [experiment_id], "filter": FILTER, "order_by": ORDER, "max_results": 100}
            timings = []
            c = server_cpu(process.pid)
            for _ in range(6):
                t = time.perf_counter()
                found = client.json("POST", "runs/search", payload)
                timings.append(time.perf_counter() - t)
            out["search_cpu_s"] = (server_cpu(process.pid) - c) / 6
            assert found.get("runs"), found
            out["search_first_s"], out["search_s"] = timings[0], statistics.median(timings[1:])
            if tool == "autolog" and history_points:
                t, c = time.perf_counter(), server_cpu(process.pid)
                history = client.json("GET", "metrics/get-history", {"run_id": big, "metric_key": "h"})
                out["history_1m_s"] = time.perf_counter() - t
                out["history_1m_cpu_s"] = server_cpu(process.pid) - c
                assert len(history["metrics"]) == history_points
        finally:
            stop(process)
        return out
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="smaller numbers (a smoke run)")
    args = parser.parse_args()
    points, runs = (10_000, 100) if args.quick else (100_000, 300)
    search_ours, search_theirs, history = (10_000, 2_000, 100_000) if args.quick else (100_000, 10_000, 1_000_000)
    print(
        f"autolog server vs mlflow server (SQLite, 1 worker, keep-alive http.client); load {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    results = {}
    for tool in ("autolog", "mlflow"):
        results[tool] = measure_api(tool, points, runs)
        print(f"  {tool}: {results[tool]}", flush=True)
    searched = {
        "autolog": measure_search("autolog", search_ours, history),
        "mlflow": measure_search("mlflow", search_theirs, 0),
    }
    print(f"  search: {searched}", flush=True)
    a, m = results["autolog"], results["mlflow"]
    sa, sm = searched["autolog"], searched["mlflow"]
    rows = [
        ("answers after start", f"{a['start_s']:.2f} s", f"{m['start_s']:.2f} s"),
        (
            f"{points:,} points via log-batch (server CPU)",
            f"{a['log_100k_s']:.2f} s ({a['log_100k_cpu_s']:.2f})",
            f"{m['log_100k_s']:.2f} s ({m['log_100k_cpu_s']:.2f})",
        ),
        (
            f"{points:,} points via get-history (server CPU)",
            f"{a['read_100k_s']:.2f} s ({a['read_100k_cpu_s']:.2f})",
            f"{m['read_100k_s']:.2f} s ({m['read_100k_cpu_s']:.2f})",
        ),
        (
            "runs created per second (server CPU per run)",
            f"{a['runs_per_s']:.0f} ({a['run_create_cpu_ms']:.1f} ms)",
            f"{m['runs_per_s']:.0f} ({m['run_create_cpu_ms']:.1f} ms)",
        ),
        (
            "one log-metric request, median / p10 (CPU)",
            f"{a['log_metric_ms']:.2f}/{a['log_metric_p10_ms']:.2f} ms ({a['log_metric_cpu_ms']:.2f})",
            f"{m['log_metric_ms']:.2f}/{m['log_metric_p10_ms']:.2f} ms ({m['log_metric_cpu_ms']:.2f})",
        ),
        (
            "eight writers / one writer",
            f"{a['eight_writers_pps'] / a['one_writer_pps']:.2f}x",
            f"{m['eight_writers_pps'] / m['one_writer_pps']:.2f}x",
        ),
        (
            f"search (ours {search_ours:,} runs, MLflow {search_theirs:,}) (CPU)",
            f"{sa['search_s'] * 1000:.0f} ms, first {sa['search_first_s'] * 1000:.0f} "
            f"({sa['search_cpu_s'] * 1000:.0f})",
            f"{sm['search_s'] * 1000:.0f} ms, first {sm['search_first_s'] * 1000:.0f} "
            f"({sm['search_cpu_s'] * 1000:.0f})",
        ),
        (
            f"get-history of {history:,} points (server CPU)",
            f"{sa.get('history_1m_s', 0):.2f} s ({sa.get('history_1m_cpu_s', 0):.2f})",
            "-",
        ),
    ]
    print(f"{'':52} {'autolog server':>26} {'mlflow server':>26}")
    for name, ours, theirs in rows:
        print(f"{name:52} {ours:>26} {theirs:>26}")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
