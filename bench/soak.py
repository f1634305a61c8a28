"""``make soak``: the long reliability runs of issue 14, with their figures printed as a table.

1. long-lived process: N autologged sklearn fits in one interpreter; resident memory, open file
   descriptors and threads sampled, growth reported per 1,000 fits (after a warm-up);
2. killed process: a process logging a metric point every millisecond is killed with SIGKILL at a
   random moment, K times; the loss is the logging time between the last point it logged and the
   last point in the store (bounded by the writer's flush interval, 0.5 s, plus one write), and the
   dead run must read back KILLED;
3. concurrent writers: T threads and P processes, each autologging sklearn fits into its own run
   and logging M metric points, into one SQLite store (and, with ``--postgres URL``, PostgreSQL;
   with ``--server``, through ``autolog server`` restarted once in the middle): points lost,
   duplicated, runs incomplete.

The tests in tests/reliability run the same code with small sizes (``make test``); this module
with the issue's sizes: ``python -m bench.soak [--fits 10000] [--kills 20] [--points 10000]``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTOLOG_", "PYTEST_"))}
    env.update({"PYTHONPATH": ROOT, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"})
    env.update(extra)
    return env


def _python(code: str, *args: str, timeout: float = 3600, **env: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=_env(**env),
        cwd=ROOT,
    )
    if result.returncode != 0:
        raise RuntimeError(f"child failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return result.stdout


# -- 1. long-lived process --------------------------------------------------------------------
LONG_LIVED = r"""
import gc, json, os, sys, threading, time
import numpy as np, psutil
import autolog
from sklearn.linear_model import LogisticRegression

fits, warmup, store = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
autolog.set_tracking_uri(store)
autolog.autolog()
rng = np.random.RandomState(0)
X = rng.normal(size=(100, 5)); y = (X[:, 0] > 0).astype(int)
process = psutil.Process()

def sample():
    gc.collect()
    return process.memory_info().rss, process.num_fds(), threading.active_count()

samples = []
started = None
for i in range(warmup + fits):
    if i == warmup:
        started = time.perf_counter()
        samples.append((0, *sample()))
    LogisticRegression(max_iter=50).fit(X, y)
    done = i + 1 - warmup
    if done > 0 and done % max(1, fits // 10) == 0:
        samples.append((done, *sample()))
elapsed = time.perf_counter() - started
autolog.autolog(disable=True)
print(json.dumps({"samples": samples, "seconds": elapsed}))
"""


def long_lived(fits: int = 10_000, warmup: int = 200, store: str | None = None) -> dict:
    """Growth per 1,000 fits of RSS (MB), fds and threads: slope of a least-squares line through
    the samples after the warm-up (robust to one sample's noise)."""
    store = store or tempfile.mkdtemp(prefix="autolog-soak-long-")
    out = json.loads(_python(LONG_LIVED, str(fits), str(warmup), store).strip().splitlines()[-1])
    samples = out["samples"]
    xs = [s[0] for s in samples]

    def slope(values: list[float]) -> float:
        mean_x, mean_y = sum(xs) / len(xs), sum(values) / len(values)
        den = sum((x - mean_x) ** 2 for x in xs) or 1
        return sum((x - mean_x) * (v - mean_y) for x, v in zip(xs, values, strict=True)) / den * 1000

    return {
        "fits": fits,
        "seconds": out["seconds"],
        "rss_mb_per_1000": slope([s[1] / 1e6 for s in samples]),
        "rss_mb_total_growth": (samples[-1][1] - samples[0][1]) / 1e6,
        "fds_per_1000": slope([s[2] for s in samples]),
        "fds_first_last": (samples[0][2], samples[-1][2]),
        "threads_per_1000": slope([s[3] for s in samples]),
        "threads_first_last": (samples[0][3], samples[-1][3]),
    }


# -- 2. killed process --------------------------------------------------------------------------
KILLED_CHILD = r"""
import sys, time
import autolog
autolog.set_tracking_uri(sys.argv[1])
run = autolog.start_run(run_name="victim")
print("RUN", run.info.run_id, flush=True)
step = 0
while True:
    now = time.time_ns() // 1_000_000
    autolog.log_metric("beat", float(step), step=step, timestamp=now)
    print(step, now, flush=True)
    step += 1
    time.sleep(0.001)
"""


def kill_once(store: str, rng: random.Random, min_seconds: float = 0.7, max_seconds: float = 3.0) -> dict:
    """Start a logging process, SIGKILL it at a random moment; how much logging the store lost."""
    from tracking_core import TrackingClient

    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_CHILD, store], stdout=subprocess.PIPE, text=True, env=_env(), cwd=ROOT
    )
    run_id = None
    lines: list[str] = []

    def read() -> None:
        for line in child.stdout:
            lines.append(line)

    first = child.stdout.readline()
    assert first.startswith("RUN "), first
    run_id = first.split()[1]
    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    time.sleep(rng.uniform(min_seconds, max_seconds))
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    reader.join(5)
    logged = [line.split() for line in lines if line.strip() and len(line.split()) == 2]
    last_step, last_time = (int(logged[-1][0]), int(logged[-1][1])) if logged else (-1, 0)
    client = TrackingClient(store)
    run = client.get_run(run_id)
    history = client.get_metric_history(run_id, "beat")
    stored_steps = [m.step for m in history]
    stored_last = max((m.timestamp for m in history), default=run.info.start_time)
    return {
        "run_id": run_id,
        "status": run.info.status,
        "logged_points": last_step + 1,
        "stored_points": len(history),
        "lost_points": max(0, last_step + 1 - len(history)),
        "lost_ms": max(0, last_time - stored_last) if logged else 0,
        "contiguous": stored_steps == list(range(len(stored_steps))),
    }


def kills(n: int = 20, store: str | None = None, seed: int = 14) -> dict:
    store = store or tempfile.mkdtemp(prefix="autolog-soak-kill-")
    rng = random.Random(seed)
    results = [kill_once(store, rng) for _ in range(n)]
    return {
        "kills": n,
        "max_lost_ms": max(r["lost_ms"] for r in results),
        "mean_lost_ms": sum(r["lost_ms"] for r in results) / n,
        "max_lost_points": max(r["lost_points"] for r in results),
        "all_killed": all(r["status"] == "KILLED" for r in results),
        "all_contiguous": all(r["contiguous"] for r in results),
        "results": results,
    }


# -- 3. concurrent writers -----------------------------------------------------------------------
WORKER = r"""
import sys, threading
import numpy as np
import autolog
from sklearn.linear_model import LogisticRegression

uri, label, threads, points, fits = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
autolog.set_tracking_uri(uri)
autolog.set_experiment("concurrency")
autolog.autolog(log_models=False)
rng = np.random.RandomState(0)
X = rng.normal(size=(60, 3)); y = (X[:, 0] > 0).astype(int)
errors = []

def work(name):
    try:
        with autolog.start_run(run_name=name):
            for i in range(fits):
                LogisticRegression(C=1.0 + i).fit(X, y)  # autologged into this run
            for step in range(points):
                autolog.log_metric("w", float(step), step=step)
    except BaseException as exc:
        errors.append(repr(exc))

workers = [threading.Thread(target=work, args=(f"{label}-t{t}",)) for t in range(threads)]
for w in workers: w.start()
for w in workers: w.join()
autolog.flush()
print("ERRORS", errors)
"""


def concurrency(
    uri: str, threads: int = 8, processes: int = 4, points: int = 10_000, fits: int = 3, restart_server=None
) -> dict:
    """``threads`` threads in one process and ``processes`` processes (one thread each) write at once.
    ``restart_server`` (a callable) is called once while they log."""
    started = time.perf_counter()
    commands = [[sys.executable, "-c", WORKER, uri, "threads", str(threads), str(points), str(fits)]]
    commands += [[sys.executable, "-c", WORKER, uri, f"proc{p}", "1", str(points), str(fits)] for p in range(processes)]
    children = [
        subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(), cwd=ROOT)
        for c in commands
    ]
    if restart_server is not None:
        time.sleep(3.0)
        restart_server()
    outputs = [c.communicate(timeout=1800) for c in children]
    seconds = time.perf_counter() - started
    failures = [
        (c.returncode, out[-500:], err[-2000:])
        for c, (out, err) in zip(children, outputs, strict=True)
        if c.returncode != 0 or "ERRORS []" not in out
    ]
    from tracking_core import TrackingClient

    client = TrackingClient(uri)
    runs = client.search_runs(experiment_names=["concurrency"], max_results=10_000)
    lost = duplicated = incomplete = 0
    for run in runs:
        steps = [m.step for m in client.get_metric_history(run.info.run_id, "w")]
        lost += points - len(set(steps))
        duplicated += len(steps) - len(set(steps))
        if run.info.status != "FINISHED" or "C" not in run.data.params or "training_score" not in run.data.metrics:
            incomplete += 1
    expected_runs = threads + processes
    return {
        "uri_kind": uri.split(":", 1)[0] if "://" in uri else "sqlite",
        "runs": len(runs),
        "expected_runs": expected_runs,
        "points_each": points,
        "lost": lost + points * max(0, expected_runs - len(runs)),
        "duplicated": duplicated,
        "incomplete": incomplete,
        "failures": failures,
        "seconds": seconds,
    }


# -- the table --------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fits", type=int, default=10_000)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--points", type=int, default=10_000)
    parser.add_argument("--postgres", default=None, help="a PostgreSQL URL for the concurrency run")
    parser.add_argument(
        "--with-postgres",
        action="store_true",
        help="start a throwaway PostgreSQL server (tests/postgres_support.py) for the concurrency run",
    )
    parser.add_argument("--server", action="store_true", help="also through `autolog server`, restarted once")
    args = parser.parse_args(argv)
    postgres = None
    if args.with_postgres and not args.postgres:
        sys.path.insert(0, os.path.join(ROOT, "tests"))
        import postgres_support

        postgres = postgres_support.start_server()
        args.postgres = postgres.url
    try:
        return _table(args)
    finally:
        if postgres is not None:
            postgres.stop()


def _table(args: argparse.Namespace) -> int:
    rows: list[tuple[str, str, str]] = []
    long = long_lived(args.fits)
    rows.append(
        (
            f"long-lived: {args.fits:,} sklearn fits ({long['seconds']:.0f} s)",
            f"RSS {long['rss_mb_per_1000']:+.2f} MB / 1,000 fits; fds {long['fds_per_1000']:+.2f}; "
            f"threads {long['threads_per_1000']:+.2f}",
            "target < 5 MB / 1,000",
        )
    )
    killed = kills(args.kills)
    rows.append(
        (
            f"SIGKILL x {args.kills} at random moments",
            f"lost <= {killed['max_lost_ms']} ms of logging (mean {killed['mean_lost_ms']:.0f} ms, "
            f"<= {killed['max_lost_points']} points); all KILLED: {killed['all_killed']}; "
            f"histories contiguous: {killed['all_contiguous']}",
            "bound: flush interval 500 ms + one write",
        )
    )
    targets = [("SQLite", "sqlite:///" + os.path.join(tempfile.mkdtemp(prefix="autolog-soak-conc-"), "c.db"), None)]
    if args.postgres:
        targets.append(("PostgreSQL", args.postgres, None))
    server = None
    if args.server:
        server = _Server(tempfile.mkdtemp(prefix="autolog-soak-server-"))
        targets.append(("server (restarted once)", server.url, server.restart))
    try:
        for label, uri, restart in targets:
            result = concurrency(uri, points=args.points, restart_server=restart)
            rows.append(
                (
                    f"8 threads + 4 processes x {args.points:,} points, {label} ({result['seconds']:.0f} s)",
                    f"runs {result['runs']}/{result['expected_runs']}; lost {result['lost']}; duplicated "
                    f"{result['duplicated']}; incomplete {result['incomplete']}; worker failures "
                    f"{len(result['failures'])}",
                    "target 0 / 0 / 0",
                )
            )
    finally:
        if server is not None:
            server.stop()
    width = max(len(r[0]) for r in rows)
    print(f"{'workload':{width}}  result  (target)")
    for name, result, target in rows:
        print(f"{name:{width}}  {result}  ({target})")
    return 0


class _Server:
    """``autolog server`` on a fixed loopback port, restartable (stopped by pid)."""

    def __init__(self, directory: str):
        import socket

        self.directory = directory
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        import urllib.request

        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "autolog",
                "server",
                "--backend-store-uri",
                os.path.join(self.directory, "store"),
                "--port",
                str(self.port),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=_env(),
            cwd=ROOT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/health", timeout=2).read()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("autolog server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def restart(self) -> None:
        self.stop()
        time.sleep(0.5)
        self.start()


if __name__ == "__main__":
    sys.exit(main())
