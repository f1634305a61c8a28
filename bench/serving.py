"""``python -m bench.serving``: ``autolog models serve`` next to ``mlflow models serve``, one sklearn model.

One LogisticRegression (iris, trained on a DataFrame) is saved twice from the same pickle: by
autolog (``save_model`` with the sklearn flavor) and by MLflow (``mlflow.sklearn.save_model`` in
``bench/.mlflow-venv``, built as ``make bench-vs-mlflow`` builds it). Each is served with one
worker on loopback (MLflow with ``--env-manager local``: it would otherwise build a virtualenv),
and measured the same way:

- cold start: from starting the command to the first 200 on ``/ping`` (median of ``--starts``,
  the two tools alternating);
- single-row requests (``dataframe_split``, keep-alive connections) from 4 concurrent client
  processes: ``--rounds`` rounds of ``--seconds`` each, the two servers alternating, so both
  see the same background load (a shared machine's load moves within a minute); median and p95
  latency over all requests, requests per second as the median of the rounds.

Not part of ``make test``: the figures depend on the machine.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import pickle
import socket
import statistics
import subprocess
import sys
import tempfile
import time

from bench.environment import ROOT
from bench.vs_mlflow import MLFLOW_VENV, mlflow_python

CLIENTS = 4
ROW = {
    "dataframe_split": {
        "columns": ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"],
        "data": [[5.9, 3.0, 5.1, 1.8]],
    }
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def save_models(work: str) -> tuple[str, str]:
    """The same fitted model saved by autolog and by MLflow: (autolog dir, mlflow dir)."""
    from autolog_sklearn.flavor import SKLEARN_FLAVOR
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    from tracking_core.models import save_model

    X, y = load_iris(return_X_y=True, as_frame=True)
    model = LogisticRegression(max_iter=1000).fit(X, y)
    pickled = os.path.join(work, "model.pkl")
    with open(pickled, "wb") as fh:
        pickle.dump((model, X), fh)
    ours = os.path.join(work, "autolog-model")
    save_model(model, ours, SKLEARN_FLAVOR, signature_inputs=X, signature_outputs=model.predict(X))
    theirs = os.path.join(work, "mlflow-model")
    subprocess.run(
        [
            mlflow_python(),
            "-c",
            (
                "import pickle, sys, mlflow.sklearn\n"
                "from mlflow.models import infer_signature\n"
                "model, X = pickle.load(open(sys.argv[1], 'rb'))\n"
                "mlflow.sklearn.save_model(model, sys.argv[2], signature=infer_signature(X, model.predict(X)))\n"
            ),
            pickled,
            theirs,
        ],
        check=True,
        capture_output=True,
    )
    return ours, theirs


def command(tool: str, model_dir: str, port: int) -> list[str]:
    if tool == "autolog":
        return [sys.executable, "-m", "autolog", "models", "serve", "-m", model_dir, "--port", str(port)]
    return [
        os.path.join(MLFLOW_VENV, "bin", "mlflow"),
        "models",
        "serve",
        "-m",
        model_dir,
        "--port",
        str(port),
        "--host",
        "127.0.0.1",
        "--env-manager",
        "local",
        "--workers",
        "1",
    ]


def uvicorn_shim() -> str:
    """A directory with ``uvicorn`` running MLflow's Python: MLflow execs ``uvicorn`` from PATH, and
    ``bench/.mlflow-venv`` reads uvicorn from ``.venv`` (a .pth file) without its console script."""
    directory = os.path.join(MLFLOW_VENV, "shim-bin")
    script = os.path.join(directory, "uvicorn")
    if not os.path.exists(script):
        os.makedirs(directory, exist_ok=True)
        with open(script, "w") as fh:
            fh.write(f'#!/bin/sh\nexec "{os.path.join(MLFLOW_VENV, "bin", "python")}" -m uvicorn "$@"\n')
        os.chmod(script, 0o755)
    return directory


def ping(port: int) -> bool:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        connection.request("GET", "/ping")
        ok = connection.getresponse().status == 200
        connection.close()
        return ok
    except OSError:
        return False


def start(tool: str, model_dir: str) -> tuple[subprocess.Popen, int, float]:
    port = free_port()
    env = dict(
        os.environ,
        MLFLOW_TRACKING_URI=f"file://{tempfile.mkdtemp()}",
        PATH=os.pathsep.join([uvicorn_shim(), os.environ.get("PATH", "")]),
    )
    began = time.perf_counter()
    process = subprocess.Popen(
        command(tool, model_dir, port),
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    while not ping(port):
        if process.poll() is not None:
            raise RuntimeError(f"{tool} models serve exited with {process.returncode}")
        if time.perf_counter() - began > 180:
            raise RuntimeError(f"{tool} models serve did not answer /ping in 180 s")
        time.sleep(0.01)
    return process, port, time.perf_counter() - began


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, 15)  # its own session: the server and any worker it started
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, 9)
        process.wait()


def client(port: int, seconds: float, start_at: float, results: multiprocessing.Queue) -> None:
    body = json.dumps(ROW).encode()
    headers = {"Content-Type": "application/json"}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies = []
    while time.time() < start_at:
        time.sleep(0.001)
    end = time.perf_counter() + seconds
    while True:
        began = time.perf_counter()
        if began >= end:
            break
        connection.request("POST", "/invocations", body=body, headers=headers)
        response = connection.getresponse()
        payload = response.read()
        if response.status != 200:
            raise RuntimeError(f"{response.status}: {payload[:200]!r}")
        latencies.append(time.perf_counter() - began)
    connection.close()
    results.put(latencies)


def load(port: int, seconds: float) -> list[float]:
    """The latencies of 4 clients sending single rows for ``seconds``."""
    results: multiprocessing.Queue = multiprocessing.Queue()
    start_at = time.time() + 0.5
    clients = [multiprocessing.Process(target=client, args=(port, seconds, start_at, results)) for _ in range(CLIENTS)]
    for process in clients:
        process.start()
    latencies = [value for _ in clients for value in results.get()]
    for process in clients:
        process.join()
    return latencies


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="length of one load round (default 5)")
    parser.add_argument("--rounds", type=int, default=4, help="load rounds per server, alternating (default 4)")
    parser.add_argument("--starts", type=int, default=3, help="cold starts per server, alternating (default 3)")
    args = parser.parse_args()
    tools = ("autolog", "mlflow")
    with tempfile.TemporaryDirectory() as work:
        dirs = dict(zip(tools, save_models(work), strict=True))
        starts: dict[str, list[float]] = {tool: [] for tool in tools}
        for _ in range(args.starts):
            for tool in tools:
                process, _port, seconds = start(tool, dirs[tool])
                starts[tool].append(seconds)
                stop(process)
        servers = {tool: start(tool, dirs[tool])[:2] for tool in tools}
        latencies: dict[str, list[float]] = {tool: [] for tool in tools}
        rates: dict[str, list[float]] = {tool: [] for tool in tools}
        try:
            for tool in tools:
                load(servers[tool][1], 1.0)  # warm-up
            for _ in range(args.rounds):
                for tool in tools:
                    measured = load(servers[tool][1], args.seconds)
                    latencies[tool] += measured
                    rates[tool].append(len(measured) / args.seconds)
        finally:
            for process, _port in servers.values():
                stop(process)
    figures = {}
    for tool in tools:
        ordered = sorted(latencies[tool])
        figures[tool] = {
            "cold_start_s": statistics.median(starts[tool]),
            "rps": statistics.median(rates[tool]),
            "median_ms": statistics.median(ordered) * 1e3,
            "p95_ms": ordered[int(len(ordered) * 0.95)] * 1e3,
            "requests": len(ordered),
            "rps_rounds": [round(r) for r in rates[tool]],
        }
        f = figures[tool]
        print(
            f"{tool:8} cold start {f['cold_start_s']:6.2f} s   {f['rps']:8.0f} req/s   median {f['median_ms']:6.2f} ms"
            f"   p95 {f['p95_ms']:6.2f} ms   ({f['requests']} requests, {CLIENTS} clients, single rows; "
            f"req/s by round {f['rps_rounds']})",
            flush=True,
        )
    ours, theirs = figures["autolog"], figures["mlflow"]
    print(
        f"autolog vs mlflow: throughput x{ours['rps'] / theirs['rps']:.1f}, "
        f"median latency x{theirs['median_ms'] / ours['median_ms']:.1f} lower, "
        f"cold start x{theirs['cold_start_s'] / ours['cold_start_s']:.1f} faster"
    )
    if hasattr(os, "getloadavg"):
        print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
