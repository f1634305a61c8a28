"""The team deployment, end to end: PostgreSQL, an S3-compatible store, two ``autolog server`` processes, many clients.

``make team-demo`` runs ``main()``: it starts PostgreSQL from the machine's binaries (as the
PostgreSQL tests do), moto's S3 server on loopback, two ``autolog server`` processes sharing both
(``--backend-store-uri postgresql://... --artifacts-destination s3://team/artifacts``), then eight
client processes that each train real models with ``autolog.autolog()`` (scikit-learn and XGBoost)
and log known metric series, params and an artifact, half through each server, all at once.
Afterwards it checks in PostgreSQL and in the bucket that every point, param and artifact is there
exactly once, and prints the throughput of one writer and of eight. The test
``tests/server/test_team_deployment.py`` runs the same with smaller numbers.

Everything listens on 127.0.0.1 only and is stopped by the pids this module started.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from typing import NamedTuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))
sys.path.insert(0, os.path.join(ROOT, "tests", "server"))
BUCKET = "team"
S3_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


class Deployment(NamedTuple):
    database_url: str
    s3_endpoint: str
    artifacts: str
    servers: list[str]
    env: dict[str, str]


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def moto_s3(directory: str) -> Iterator[str]:
    port = _free_port()
    log = open(os.path.join(directory, "moto.log"), "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, **S3_ENV},
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        import http.client

        deadline = time.monotonic() + 60
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/")
                connection.getresponse().read()
                break
            except OSError as exc:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("moto's S3 server did not start") from exc
                time.sleep(0.2)
        yield endpoint
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@contextlib.contextmanager
def deployment(servers: int = 2) -> Iterator[Deployment]:
    from server_support import start_server

    from postgres_support import start_server as start_postgres

    directory = tempfile.mkdtemp(prefix="autolog-team-")
    postgres = start_postgres()
    started = []
    try:
        database_url = postgres.create_database()
        with moto_s3(directory) as endpoint:
            env = {**S3_ENV, "AWS_ENDPOINT_URL": endpoint}
            import boto3

            boto3.client(
                "s3",
                endpoint_url=endpoint,
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
                region_name="us-east-1",
            ).create_bucket(Bucket=BUCKET)
            artifacts = f"s3://{BUCKET}/artifacts"
            for _ in range(servers):
                started.append(
                    start_server(
                        "--backend-store-uri",
                        database_url,
                        "--artifacts-destination",
                        artifacts,
                        cwd=directory,
                        env=env,
                    )
                )
            yield Deployment(database_url, endpoint, artifacts, [s.url for s in started], env)
    finally:
        for server in started:
            server.stop()
        postgres.stop()
        shutil.rmtree(postgres.directory, ignore_errors=True)
        shutil.rmtree(directory, ignore_errors=True)


CLIENT = """
import json, os, sys, time
import numpy as np
import autolog
url, client_id, runs, points = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
train = sys.argv[5] == "1"
autolog.set_tracking_uri(url)
autolog.set_experiment("team")
out = {"runs": [], "autolog_runs": []}
if train:
    autolog.autolog()
    from sklearn.linear_model import LogisticRegression
    import xgboost as xgb
    rng = np.random.default_rng(client_id)
    X = rng.normal(size=(300, 5)); y = (X[:, 0] > 0).astype(int)
    LogisticRegression().fit(X, y)
    out["autolog_runs"].append(autolog.last_active_run().info.run_id)
    xgb.train({"objective": "binary:logistic", "nthread": 1}, xgb.DMatrix(X, label=y), num_boost_round=10,
              evals=[(xgb.DMatrix(X, label=y), "train")], verbose_eval=False)
    out["autolog_runs"].append(autolog.last_active_run().info.run_id)
start = time.perf_counter()
for index in range(runs):
    with autolog.start_run(run_name=f"client{client_id}-run{index}") as run:
        autolog.log_params({f"p{k}": f"{client_id}-{index}-{k}" for k in range(20)})
        for step in range(points):
            autolog.log_metric("series", client_id * 1e6 + index * 1e3 + step, step=step)
        autolog.log_text(f"client {client_id} run {index}", "report/summary.txt")
    out["runs"].append(run.info.run_id)
out["seconds"] = time.perf_counter() - start
print(json.dumps(out))
"""


def run_clients(deploy: Deployment, clients: int, runs: int, points: int, train: bool = True) -> list[dict]:
    from server_support import server_env

    env = server_env({**deploy.env, "AUTOLOG_TESTING": "1", "PYTHONWARNINGS": "ignore"})
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                CLIENT,
                deploy.servers[i % len(deploy.servers)],
                str(i),
                str(runs),
                str(points),
                "1" if train else "0",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(clients)
    ]
    results = []
    for process in processes:
        out, err = process.communicate(timeout=900)
        if process.returncode != 0:
            raise RuntimeError(f"client failed:\n{err[-3000:]}")
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def verify(deploy: Deployment, results: list[dict], runs: int, points: int) -> dict[str, int]:
    """Counts of what is stored; raises AssertionError naming anything missing or duplicated."""
    import s3fs
    import sqlalchemy as sa

    engine = sa.create_engine(deploy.database_url)
    fs = s3fs.S3FileSystem(key="testing", secret="testing", client_kwargs={"endpoint_url": deploy.s3_endpoint})
    totals = {"runs": 0, "points": 0, "params": 0, "artifacts": 0, "autolog_runs": 0}
    with engine.connect() as conn:
        for client_id, result in enumerate(results):
            assert len(result["runs"]) == runs, result
            for index, run_id in enumerate(result["runs"]):
                rows = conn.execute(
                    sa.text(
                        "SELECT m.step, m.value FROM metrics m JOIN metric_series s ON m.series_id = s.series_id "
                        "WHERE s.run_id = :r AND s.key = 'series' ORDER BY m.step"
                    ),
                    {"r": run_id},
                ).all()
                expected = [(step, client_id * 1e6 + index * 1e3 + step) for step in range(points)]
                assert [(r[0], r[1]) for r in rows] == expected, f"run {run_id}: {len(rows)} points, want {points}"
                params = dict(
                    conn.execute(sa.text("SELECT key, value FROM params WHERE run_id = :r"), {"r": run_id}).all()
                )
                assert params == {f"p{k}": f"{client_id}-{index}-{k}" for k in range(20)}, run_id
                status = conn.execute(sa.text("SELECT status FROM runs WHERE run_id = :r"), {"r": run_id}).scalar()
                assert status == "FINISHED", (run_id, status)
                location = conn.execute(
                    sa.text("SELECT artifact_uri FROM runs WHERE run_id = :r"), {"r": run_id}
                ).scalar()
                files = fs.find(location.replace("s3://", ""))
                assert [f.rsplit("/", 2)[-2:] for f in files] == [["report", "summary.txt"]], (run_id, files)
                assert fs.cat(files[0]) == f"client {client_id} run {index}".encode()
                totals["runs"] += 1
                totals["points"] += len(rows)
                totals["params"] += len(params)
                totals["artifacts"] += len(files)
            for run_id in result["autolog_runs"]:
                location = conn.execute(
                    sa.text("SELECT artifact_uri FROM runs WHERE run_id = :r"), {"r": run_id}
                ).scalar()
                files = [f.rsplit("/", 1)[-1] for f in fs.find(location.replace("s3://", ""))]
                assert "MLmodel" in files, (run_id, files)
                totals["autolog_runs"] += 1
        duplicates = conn.execute(
            sa.text(
                "SELECT count(*) FROM (SELECT series_id, step FROM metrics GROUP BY series_id, step, timestamp "
                "HAVING count(*) > 1) d"
            )
        ).scalar()
        assert duplicates == 0, f"{duplicates} duplicated metric points"
    engine.dispose()
    return totals


def main() -> int:
    clients, runs, points = 8, 3, 5000
    print("starting PostgreSQL, moto's S3 server and two autolog servers on 127.0.0.1 ...", flush=True)
    with deployment() as deploy:
        print(f"  database      {deploy.database_url}")
        print(f"  artifacts     {deploy.artifacts} (S3 endpoint {deploy.s3_endpoint})")
        for url in deploy.servers:
            print(
                f"  server        {url}  (autolog server --backend-store-uri {deploy.database_url} "
                f"--artifacts-destination {deploy.artifacts})"
            )
        one = run_clients(deploy._replace(servers=deploy.servers[:1]), 1, runs, points, train=False)
        single = runs * points / one[0]["seconds"]
        print(f"one writer:    {single:,.0f} points/s", flush=True)
        started = time.perf_counter()
        results = run_clients(deploy, clients, runs, points)
        wall = time.perf_counter() - started
        writing = max(r["seconds"] for r in results)
        together = clients * runs * points / writing
        totals = verify(deploy, results, runs, points)
        print(
            f"{clients} writers:     {together:,.0f} points/s together ({together / single:.1f}x one writer); "
            f"{wall:.1f} s with training and imports"
        )
        print(
            f"stored exactly once: {totals['runs']} runs, {totals['points']:,} points, {totals['params']} params, "
            f"{totals['artifacts']} artifacts, {totals['autolog_runs']} autologged runs with their models"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
