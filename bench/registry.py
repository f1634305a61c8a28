"""``make bench-registry``: the model registry of ``autolog server`` next to ``mlflow server``.

Both on SQLite with one worker, driven by one keep-alive ``http.client`` (bodies encoded before the
clock starts), as ``bench.server`` measures: model versions created per second (``runs:/`` sources
of one run), aliases set per second (moving one alias over the versions), versions got by alias
per second, and ``model-versions/search`` over 10,000 versions of one model (populated straight
into each server's database first): the newest page of 100 (MLflow's default order), one run's
version (``run_id = ...``) and the versions of a small model (``name = ...``). Server CPU beside
wall time, as the machine's load inflates wall time.

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


def measure(tool: str, operations: int, versions: int) -> dict[str, float]:
    directory = tempfile.mkdtemp(prefix=f"bench-registry-{tool}-")
    process, port, _started = start(tool, directory)
    try:
        client = Client(port)
        if tool == "autolog":
            _populate_ours(directory, versions)
        else:
            _populate_mlflow(directory, versions)
        experiment_id = client.json("POST", "experiments/create", {"name": "registry"})["experiment_id"]
        run_id = client.json("POST", "runs/create", {"experiment_id": experiment_id})["run"]["info"]["run_id"]
        client.json("POST", "registered-models/create", {"name": "wine"})
        client.json("POST", "registered-models/create", {"name": "small"})
        for _ in range(3):
            client.json(
                "POST", "model-versions/create", {"name": "small", "source": f"runs:/{run_id}/m", "run_id": run_id}
            )
        api = "/api/2.0/mlflow"
        create = json.dumps({"name": "wine", "source": f"runs:/{run_id}/model", "run_id": run_id}).encode()
        out: dict[str, float] = {}
        out["create_per_s"], out["create_cpu_ms"] = _rate(
            process, [("POST", f"{api}/model-versions/create", create)] * operations, client
        )
        aliases = [
            (
                "POST",
                f"{api}/registered-models/alias",
                json.dumps({"name": "wine", "alias": "champion", "version": str(1 + i % operations)}).encode(),
            )
            for i in range(operations)
        ]
        out["alias_per_s"], out["alias_cpu_ms"] = _rate(process, aliases, client)
        get = f"{api}/registered-models/alias?{urlencode({'name': 'wine', 'alias': 'champion'})}"
        out["get_alias_per_s"], out["get_alias_cpu_ms"] = _rate(process, [("GET", get, None)] * operations * 3, client)
        searches = {
            "search_newest": {"filter": "name = 'big'", "max_results": 100},
            "search_run": {"filter": f"run_id = '{RUN_PREFIX}{versions // 2:012x}'"},
            "search_small": {"filter": "name = 'small'"},
        }
        for label, params in searches.items():
            path = f"{api}/model-versions/search?{urlencode(params)}"
            status, data = client.call("GET", path)
            assert status == 200, data[:300]
            found = len(json.loads(data)["model_versions"])
            assert found == {"search_newest": 100, "search_run": 1, "search_small": 3}[label], (label, found)
            out[f"{label}_per_s"], out[f"{label}_cpu_ms"] = _rate(process, [("GET", path, None)] * 50, client)
        return out
    finally:
        stop(process)
        shutil.rmtree(directory, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="smaller numbers (a smoke run)")
    args = parser.parse_args()
    operations, versions = (100, 2_000) if args.quick else (300, VERSIONS)
    print(f"registry: autolog server vs mlflow server (SQLite, 1 worker); load {os.getloadavg()[0]:.1f}", flush=True)
    results = {}
    for tool in ("autolog", "mlflow"):
        results[tool] = measure(tool, operations, versions)
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
