"""``get-history`` of a 1,000,000-point metric through the REST API, client parse included (issue 20,
item 10; target <= 2 s): ``python -m bench.history [--points N] [--repeat N] [--no-mlflow]``.

A SQLite store gets one run with one metric of N points (random floats, steps 0..N-1), written
straight into the database; ``autolog server`` (one worker) serves it. Measured:

1. ours: ``TrackingClient(server_url).get_metric_history(run_id, key)``, the list of ``Metric``
   objects, as a user calls it (40 pages of 25,000, as MLflow's client pages; each next page is
   asked for while the client decodes the last, so server and client overlap). First call and the
   median and best of ``--repeat`` more, with the client's and the server's CPU seconds beside
   the wall time (a loaded machine inflates the wall time);
2. MLflow's ``MlflowClient(server_url).get_metric_history`` against the same server, from
   bench/.mlflow-venv (MLflow's client reading our JSON: same wire format, same values; a
   subprocess, so its import is not counted), and a check that its values are ours, bit for bit.

Where the time goes in 1 (``--breakdown``): the server's pages as raw bytes (the server's work and
the transfer), then, on the client, ``json``/orjson decoding and building the ``Metric`` objects.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from bench.server import MLFLOW_PYTHON, server_cpu, start, stop

KEY = "loss"

MLFLOW_READ = r"""
import hashlib, struct, sys, time
from mlflow.tracking import MlflowClient
url, run_id, key = sys.argv[1:4]
client = MlflowClient(tracking_uri=url)
timings = []
for _ in range(int(sys.argv[4])):
    started = time.perf_counter()
    history = client.get_metric_history(run_id, key)
    timings.append(time.perf_counter() - started)
history.sort(key=lambda m: (m.step, m.timestamp))
digest = hashlib.sha256()
for m in history:
    digest.update(struct.pack("<dqq", m.value, m.timestamp, m.step))
print(len(history), digest.hexdigest(), " ".join(f"{t:.4f}" for t in timings))
"""


def _digest(history) -> str:
    import hashlib
    import struct

    digest = hashlib.sha256()
    for m in history:
        digest.update(struct.pack("<dqq", m.value, m.timestamp, m.step))
    return digest.hexdigest()


def populate(directory: str, points: int) -> str:
    """A store directory (as ``autolog server --backend-store-uri`` takes it) with one run whose
    metric ``loss`` has ``points`` points; returns the run id."""
    from tracking_core.batch import NewRun, WriteBatch
    from tracking_core.storage.sql_store import SqlStore

    store = SqlStore("sqlite:///" + os.path.join(directory, "autolog.db"))
    experiment_id = store.create_experiment("history", artifact_root=os.path.join(directory, "artifacts"))
    run_id = os.urandom(16).hex()
    store.write(WriteBatch(new_runs=[NewRun(run_id, experiment_id, "big", 1, os.path.join(directory, run_id))]))
    rng = random.Random(7)
    for first in range(0, points, 100_000):
        last = min(first + 100_000, points)
        metrics = [(run_id, KEY, rng.random(), 1_700_000_000_000 + i, i) for i in range(first, last)]
        store.write(WriteBatch(metrics=metrics))
    store.engine.dispose()
    return run_id


def measure_ours(url: str, pid: int, run_id: str, points: int, repeat: int) -> tuple[dict, str]:
    from tracking_core import TrackingClient

    client = TrackingClient(url)
    walls, client_cpu, server_cpus = [], [], []
    first = 0.0
    digest = ""
    for attempt in range(repeat + 1):
        started, started_cpu, started_server = time.perf_counter(), time.process_time(), server_cpu(pid)
        history = client.get_metric_history(run_id, KEY)
        wall = time.perf_counter() - started
        if attempt == 0:
            first = wall
            assert len(history) == points and history[-1].step == points - 1, len(history)
            digest = _digest(history)
        else:
            walls.append(wall)
            client_cpu.append(time.process_time() - started_cpu)
            server_cpus.append(server_cpu(pid) - started_server)
        del history
    return {
        "first_s": first,
        "median_s": statistics.median(walls),
        "best_s": min(walls),
        "client_cpu_s": statistics.median(client_cpu),
        "server_cpu_s": statistics.median(server_cpus),
    }, digest


def breakdown(url: str, pid: int, run_id: str) -> dict[str, float]:
    """The parts of one read: the pages as bytes (server and transfer), decoding, Metric objects."""
    import gc
    import json

    from tracking_core.rest import http as http_module
    from tracking_core.rest import rest_store
    from tracking_core.rest.http import HttpClient

    # (the code before issue 20 had neither: so that this also measures a checkout of it)
    loads = getattr(http_module, "loads", json.loads)
    metrics_from_json = getattr(rest_store, "_metrics_from_json", None) or (
        lambda page: [rest_store._metric_from_json(item) for item in page]
    )
    http = HttpClient(url)
    out: dict[str, float] = {}
    bodies: list[bytes] = []
    token = None
    started, started_server = time.perf_counter(), server_cpu(pid)
    while True:
        query = {"run_id": run_id, "metric_key": KEY, "max_results": rest_store.HISTORY_PAGE, "page_token": token}
        status, _headers, body = http.request("GET", "/api/2.0/mlflow/metrics/get-history", query=query)
        assert status == 200, body[:200]
        bodies.append(body)
        token = loads(body).get("next_page_token")
        if not token:
            break
    out["pages_s"], out["pages_server_cpu_s"] = time.perf_counter() - started, server_cpu(pid) - started_server
    out["megabytes"] = sum(map(len, bodies)) / 1e6
    for name, decode in (("json_loads_s", json.loads), ("loads_s", loads)):
        started = time.process_time()
        for body in bodies:
            decode(body)
        out[name] = time.process_time() - started
    pages = [loads(body)["metrics"] for body in bodies]
    gc.disable()
    started = time.process_time()
    for page in pages:
        metrics_from_json(page)
    out["metrics_s"] = time.process_time() - started
    gc.enable()
    return out


def measure_mlflow_client(url: str, run_id: str, points: int, repeat: int) -> tuple[dict, str]:
    result = subprocess.run(
        [MLFLOW_PYTHON, "-c", MLFLOW_READ, url, run_id, KEY, str(repeat)], capture_output=True, text=True
    )
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-2000:])
    count, digest, *timings = result.stdout.split()
    assert int(count) == points, count
    values = [float(t) for t in timings]
    return {"first_s": values[0], "median_s": statistics.median(values[1:] or values)}, digest


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5, help="timed reads after the first")
    parser.add_argument("--no-mlflow", action="store_true", help="skip MLflow's client (bench/.mlflow-venv)")
    parser.add_argument("--breakdown", action="store_true", help="also time the parts of one read")
    args = parser.parse_args()
    print(f"get-history of {args.points:,} points; load {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs", flush=True)
    directory = tempfile.mkdtemp(prefix="bench-history-")
    try:
        store = os.path.join(directory, "store")
        run_id = populate(store, args.points)
        process, port, _ = start("autolog", directory, store)
        url = f"http://127.0.0.1:{port}"
        try:
            ours, digest = measure_ours(url, process.pid, run_id, args.points, args.repeat)
            print(
                f"  autolog TrackingClient.get_metric_history: {ours['median_s']:.2f} s median, "
                f"{ours['best_s']:.2f} s best of {args.repeat}, first {ours['first_s']:.2f} s "
                f"(client CPU {ours['client_cpu_s']:.2f} s, server CPU {ours['server_cpu_s']:.2f} s)",
                flush=True,
            )
            if args.breakdown:
                parts = breakdown(url, process.pid, run_id)
                print(
                    f"  parts: {parts['megabytes']:.0f} MB of pages {parts['pages_s']:.2f} s "
                    f"(server CPU {parts['pages_server_cpu_s']:.2f}); client CPU: json.loads "
                    f"{parts['json_loads_s']:.2f} s, http.loads {parts['loads_s']:.2f} s, "
                    f"Metric objects {parts['metrics_s']:.2f} s",
                    flush=True,
                )
            if not args.no_mlflow and os.path.exists(MLFLOW_PYTHON):
                theirs, their_digest = measure_mlflow_client(url, run_id, args.points, max(args.repeat // 2, 1))
                same = "identical values" if their_digest == digest else "VALUES DIFFER"
                print(
                    f"  mlflow MlflowClient.get_metric_history from our server: {theirs['median_s']:.2f} s "
                    f"median, first {theirs['first_s']:.2f} s ({same})",
                    flush=True,
                )
                if their_digest != digest:
                    return 1
        finally:
            stop(process)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
