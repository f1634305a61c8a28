"""Time the workloads in one mode: ``none`` (plain training), ``autolog`` or ``mlflow``.

Run as ``python -m bench.fit_overhead MODE LOG_MODELS STORE_DIR [workload-module ...]`` from the
repository root; prints one JSON object: workload name -> median seconds per training.
"""
from __future__ import annotations

import json
import os
import statistics
import sys
import time


def enable(mode: str, log_models: bool, store: str, workloads) -> None:
    if mode == "autolog":
        import autolog

        autolog.set_tracking_uri(store)
        autolog.autolog(log_models=log_models, silent=True)
    elif mode == "mlflow":
        import importlib

        import mlflow

        mlflow.set_tracking_uri("sqlite:///" + os.path.join(store, "mlflow.db"))
        for flavor in sorted({w.mlflow_flavor for w in workloads if w.mlflow_flavor}):
            importlib.import_module(f"mlflow.{flavor}").autolog(log_models=log_models, silent=True)


def main(argv: list[str]) -> int:
    mode, log_models, store, *only = argv
    from bench.workloads import all_workloads

    workloads = all_workloads(set(only) or None)
    if mode == "mlflow":
        workloads = [w for w in workloads if w.mlflow_flavor]
    prepared = [(w, w.prepare()) for w in workloads]
    enable(mode, log_models == "1", store, workloads)
    results = {}
    for workload, data in prepared:
        for _ in range(2):
            workload.train(data)
        timings = []
        repeat = workload.repeat if log_models != "1" else max(3, workload.repeat // 4)
        for _ in range(repeat):
            started = time.perf_counter()
            workload.train(data)
            timings.append(time.perf_counter() - started)
        results[workload.name] = statistics.median(timings)
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
