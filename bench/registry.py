"""``make bench-registry``: the model registry of ``autolog server`` next to ``mlflow server``.

Both on SQLite with one worker, driven by one keep-alive ``http.client`` (bodies encoded before the
clock starts), as ``bench.server`` measures: model versions created per second (``runs:/`` sources
of one run), aliases set per second (moving one alias over the versions), versions got by alias
per second, and ``model-versions/search`` over 10,000 versions of one model (populated straight
into each server's database first): the newest page of 100 (MLflow's default order), one run's
version (``run_id = ...``) and the versions of a small model (``name = ...``). Server CPU beside
wall time, as the machine's load inflates wall time. Both servers run at once and each operation is
timed in three rounds alternating between them, the best round of each kept.

    python -m bench.registry [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from urllib.parse import urlencode

from bench.server import MLFLOW_PYTHON, Client, server_cpu, start, stop

VERSIONS = 10_000

MLFLOW_POPULATE = r"""
import sys, time
from mlflow.store.model_registry.sqlalchemy_store import SqlAlchemyStore
from mlflow.store.model_registry.dbmodels.models import SqlModelVersion
db, count, run_prefix = sys.argv[1], int(sys.argv[2]), sys.argv[3]
store = SqlAlchemyStore(db)
store.create_registered_model("big")
with store.ManagedSessionMaker() as session:
    for start in range(1, count + 1, 2000):
        rows = []
        for i in range(start, min(start + 2000, count + 1)):
            t = 1_700_000_000_000 + i
            rows.append(SqlModelVersion(name="big", version=i, creation_time=t, last_updated_time=t,
                                        source=f"/big/{i}", storage_location=f"/big/{i}",
                                        run_id=f"{run_prefix}{i:012x}", current_stage="None", status="READY"))
        session.add_all(rows)
        session.flush()
print("ok")
"""

RUN_PREFIX = "ab" * 10


def _populate_ours(directory: str, count: int) -> None:
    from tracking_core.storage import schema
    from tracking_core.storage.sql_store import SqlStore

    store = SqlStore(f"sqlite:///{os.path.join(directory, 'store', 'autolog.db')}")
    store.create_registered_model("big")
    rows = [
        {
            "name": "big",
            "version": i,
            "creation_time": 1_700_000_000_000 + i,
            "last_updated_time": 1_700_000_000_000 + i,
            "source": f"/big/{i}",
            "storage_location": f"/big/{i}",
            "run_id": f"{RUN_PREFIX}{i:012x}",
            "current_stage": "None",
            "status": "READY",
        }
        for i in range(1, count + 1)
    ]
    with store.engine.begin() as conn:
        conn.execute(schema.model_versions.insert(), rows)
    store.engine.dispose()


def _populate_mlflow(directory: str, count: int) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "PYTHONPATH"))}
    subprocess.run(
        [MLFLOW_PYTHON, "-c", MLFLOW_POPULATE, f"sqlite:///{directory}/mlflow.db", str(count), RUN_PREFIX],
        check=True,
        env=env,
        capture_output=True,
    )


def _rate(process, calls: list[tuple[str, str, bytes | None]], client: Client) -> tuple[float, float]:
    """(requests per second, server CPU ms per request) of these calls, each checked for a 200."""
    c = server_cpu(process.pid)
    t = time.perf_counter()
    for method, path, body in calls:
        status, data = client.call(method, path, body)
        if status != 200:
            raise RuntimeError(f"{path}: {status} {data[:300]!r}")
    elapsed = time.perf_counter() - t
    return len(calls) / elapsed, (server_cpu(process.pid) - c) / len(calls) * 1000


class Side:
    """One server, populated, with a run, a model ``wine`` and a 3-version model ``small``."""

    def __init__(self, tool: str, versions: int):
        self.tool = tool
        self.directory = tempfile.mkdtemp(prefix=f"bench-registry-{tool}-")
        self.process, self.port, _started = start(tool, self.directory)
        self.client = Client(self.port)
        if tool == "autolog":
            _populate_ours(self.directory, versions)
        else:
            _populate_mlflow(self.directory, versions)
        client = self.client
        experiment_id = client.json("POST", "experiments/create", {"name": "registry"})["experiment_id"]
        self.run_id = client.json("POST", "runs/create", {"experiment_id": experiment_id})["run"]["info"]["run_id"]
        client.json("POST", "registered-models/create", {"name": "wine"})
        client.json("POST", "registered-models/create", {"name": "small"})
        source = {"source": f"runs:/{self.run_id}/m", "run_id": self.run_id}
        for _ in range(3):
            client.json("POST", "model-versions/create", {"name": "small", **source})
        self.created = 0

    def operations(self, count: int, versions: int) -> dict[str, list[tuple[str, str, bytes | None]]]:
        api = "/api/2.0/mlflow"
        create = json.dumps({"name": "wine", "source": f"runs:/{self.run_id}/model", "run_id": self.run_id}).encode()
        first = self.created + 1  # aliases move over the versions the create round makes
        aliases = [
            (
                "POST",
                f"{api}/registered-models/alias",
                json.dumps({"name": "wine", "alias": "champion", "version": str(first + i % count)}).encode(),
            )
            for i in range(count)
        ]
        get = f"{api}/registered-models/alias?{urlencode({'name': 'wine', 'alias': 'champion'})}"
        searches = {
            "search_newest": {"filter": "name = 'big'", "max_results": 100},
            "search_run": {"filter": f"run_id = '{RUN_PREFIX}{versions // 2:012x}'"},
            "search_small": {"filter": "name = 'small'"},
        }
        ops: dict[str, list[tuple[str, str, bytes | None]]] = {
            "create": [("POST", f"{api}/model-versions/create", create)] * count,
            "alias": aliases,
            "get_alias": [("GET", get, None)] * count * 3,
        }
        for label, params in searches.items():
            ops[label] = [("GET", f"{api}/model-versions/search?{urlencode(params)}", None)] * 50
        return ops

    def fresh_client(self) -> Client:
        """A new keep-alive connection (the server closes one idle for seconds while the other side works)."""
        self.client.connection.close()
        self.client = Client(self.port)
        return self.client

    def check_searches(self, versions: int) -> None:
        self.fresh_client()
        for label, (params, expected) in {
            "newest": ({"filter": "name = 'big'", "max_results": 100}, 100),
            "run": ({"filter": f"run_id = '{RUN_PREFIX}{versions // 2:012x}'"}, 1),
            "small": ({"filter": "name = 'small'"}, 3),
        }.items():
            found = len(self.client.json("GET", "model-versions/search", params)["model_versions"])
            assert found == expected, (self.tool, label, found)

    def close(self) -> None:
        stop(self.process)
        shutil.rmtree(self.directory, ignore_errors=True)


def measure(operations: int, versions: int, rounds: int) -> dict[str, dict[str, float]]:
    """Both servers up at once; each operation timed in ``rounds`` rounds alternating between them,
    the best round of each kept (the machine's other load only ever slows a round down)."""
    sides = {tool: Side(tool, versions) for tool in ("autolog", "mlflow")}
    try:
        for side in sides.values():
            side.check_searches(versions)
        results: dict[str, dict[str, float]] = {tool: {} for tool in sides}
        for _round in range(rounds):
            plans = {tool: side.operations(operations, versions) for tool, side in sides.items()}
            for label in plans["autolog"]:
                for tool, side in sides.items():
                    client = side.fresh_client()
                    client.call("GET", "/health")  # connect before the clock starts
                    rate, cpu = _rate(side.process, plans[tool][label], client)
                    if label == "create":
                        side.created += operations
                    if rate > results[tool].get(f"{label}_per_s", 0):
                        results[tool][f"{label}_per_s"], results[tool][f"{label}_cpu_ms"] = rate, cpu
        return results
    finally:
        for side in sides.values():
            side.close()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="smaller numbers (a smoke run)")
    args = parser.parse_args()
    operations, versions = (100, 2_000) if args.quick else (300, VERSIONS)
    print(f"registry: autolog server vs mlflow server (SQLite, 1 worker); load {os.getloadavg()[0]:.1f}", flush=True)
    results = measure(operations, versions, rounds=2 if args.quick else 3)
    for tool in ("autolog", "mlflow"):
        print(f"  {tool}: {json.dumps({k: round(v, 2) for k, v in results[tool].items()})}", flush=True)
    a, m = results["autolog"], results["mlflow"]
    rows = [
        ("model versions created /s", "create"),
        ("alias set (moved) /s", "alias"),
        ("version got by alias /s", "get_alias"),
        (f"search: newest 100 of {versions:,} versions /s", "search_newest"),
        (f"search: one run's version among {versions:,} /s", "search_run"),
        ("search: a 3-version model's versions /s", "search_small"),
    ]
    print(f"{'':48} {'autolog (CPU ms/req)':>22} {'mlflow (CPU ms/req)':>22} {'ratio':>7}")
    for name, key in rows:
        ours, theirs = a[f"{key}_per_s"], m[f"{key}_per_s"]
        print(
            f"{name:48} {ours:>10.0f} ({a[f'{key}_cpu_ms']:>6.2f})    {theirs:>10.0f} ({m[f'{key}_cpu_ms']:>6.2f})"
            f"    {ours / theirs:>5.1f}x"
        )
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
