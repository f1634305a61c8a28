"""``python -m bench.serving``: ``autolog models serve`` next to ``mlflow models serve``, one sklearn model.

One LogisticRegression (iris, trained on a DataFrame) is saved twice from the same pickle: by
autolog (``save_model`` with the sklearn flavor) and by MLflow (``mlflow.sklearn.save_model`` in
``bench/.mlflow-venv``, built as ``make bench-vs-mlflow`` builds it). Each is served with one
worker on loopback (MLflow with ``--env-manager local``: it would otherwise build a virtualenv),
and measured the same way:

- cold start: from starting the command to the first 200 on ``/ping`` (median of ``--starts``);
- single-row requests (``dataframe_split``, keep-alive connections) from 4 concurrent client
  processes for ``--seconds``: median and p95 latency, requests per second.

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
ROW = {"dataframe_split": {"columns": ["sepal length (cm)", "sepal width (cm)", "petal length (cm)",
                                       "petal width (cm)"], "data": [[5.9, 3.0, 5.1, 1.8]]}}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def save_models(work: str) -> tuple[str, str]:
    """The same fitted model saved by autolog and by MLflow: (autolog dir, mlflow dir)."""
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    from autolog_sklearn.flavor import SKLEARN_FLAVOR
    from tracking_core.models import save_model

    X, y = load_iris(return_X_y=True, as_frame=True)
    model = LogisticRegression(max_iter=1000).fit(X, y)
    pickled = os.path.join(work, "model.pkl")
    with open(pickled, "wb") as fh:
        pickle.dump((model, X), fh)
    ours = os.path.join(work, "autolog-model")
    save_model(model, ours, SKLEARN_FLAVOR, signature_inputs=X, signature_outputs=model.predict(X))
    theirs = os.path.join(work, "mlflow-model")
    subprocess.run([mlflow_python(), "-c", (
        "import pickle, sys, mlflow.sklearn\n"
        "from mlflow.models import infer_signature\n"
        "model, X = pickle.load(open(sys.argv[1], 'rb'))\n"
        "mlflow.sklearn.save_model(model, sys.argv[2], signature=infer_signature(X, model.predict(X)))\n"),
        pickled, theirs], check=True, capture_output=True)
    return ours, theirs


def command(tool: str, model_dir: str, port: int) -> list[str]:
    if tool == "autolog":
        return [sys.executable, "-m", "autolog", "models", "serve", "-m", model_dir, "--port", str(port)]
    return [os.path.join(MLFLOW_VENV, "bin", "mlflow"), "models", "serve", "-m", model_dir, "--port", str(port),
            "--host", "127.0.0.1", "--env-manager", "local", "--workers", "1"]


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
    env = dict(os.environ, MLFLOW_TRACKING_URI=f"file://{tempfile.mkdtemp()}",
               PATH=os.pathsep.join([uvicorn_shim(), os.environ.get("PATH", "")]))
    began = time.perf_counter()
    process = subprocess.Popen(command(tool, model_dir, port), cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
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


def load(port: int, seconds: float) -> dict[str, float]:
    results: multiprocessing.Queue = multiprocessing.Queue()
    start_at = time.time() + 0.5
    clients = [multiprocessing.Process(target=client, args=(port, seconds, start_at, results)) for _ in range(CLIENTS)]
    for process in clients:
        process.start()
    latencies = sorted(sum((results.get() for _ in clients), []))
    for process in clients:
        process.join()
    return {"requests": len(latencies), "rps": len(latencies) / seconds,
            "median_ms": statistics.median(latencies) * 1e3,
            "p95_ms": latencies[int(len(latencies) * 0.95)] * 1e3}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="load duration per server (default 10)")
    parser.add_argument("--starts", type=int, default=3, help="cold starts per server (default 3)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        dirs = dict(zip(("autolog", "mlflow"), save_models(work)))
        figures: dict[str, dict[str, float]] = {}
        for tool, model_dir in dirs.items():
            starts = []
            for _ in range(args.starts):
                process, _port, seconds = start(tool, model_dir)
                starts.append(seconds)
                stop(process)
            process, port, _ = start(tool, model_dir)
            try:
                load(port, 1.0)  # warm-up
                figures[tool] = {"cold_start_s": statistics.median(starts), **load(port, args.seconds)}
            finally:
                stop(process)
            print(f"{tool:8} cold start {figures[tool]['cold_start_s']:6.2f} s   "
                  f"{figures[tool]['rps']:8.0f} req/s   median {figures[tool]['median_ms']:6.2f} ms   "
                  f"p95 {figures[tool]['p95_ms']:6.2f} ms   ({figures[tool]['requests']:.0f} requests, "
                  f"{CLIENTS} clients, single rows)", flush=True)
    ours, theirs = figures["autolog"], figures["mlflow"]
    print(f"autolog vs mlflow: throughput x{ours['rps'] / theirs['rps']:.1f}, "
          f"median latency x{theirs['median_ms'] / ours['median_ms']:.1f} lower, "
          f"cold start x{theirs['cold_start_s'] / ours['cold_start_s']:.1f} faster")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
