"""Per-fit overhead of one autologging tool, measured as paired differences in one process.

Run as ``python -m bench.fit_overhead TOOL LOG_MODELS STORE_DIR [workload-module ...]`` from the
repository root, TOOL being ``autolog`` or ``mlflow``. For every repetition the same training is
timed with the tool disabled, then enabled (both tools revert their patches on
``autolog(disable=True)``), so machine noise hits both sides alike. Prints one JSON object:
workload name -> {"plain": median seconds, "added": median of the paired differences}.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time


class Tool:
    def __init__(self, name: str, log_models: bool, store: str, workloads) -> None:
        self.name = name
        self.log_models = log_models
        if name == "autolog":
            import autolog

            self.module = autolog
            autolog.set_tracking_uri(store)
        else:
            import importlib

            import mlflow

            mlflow.set_tracking_uri("sqlite:///" + os.path.join(store, "mlflow.db"))
            artifacts = "file://" + os.path.join(store, "mlflow-artifacts")  # not ./mlruns in the repository
            mlflow.set_experiment(experiment_id=mlflow.create_experiment("bench", artifact_location=artifacts))
            self.flavors = [
                importlib.import_module(f"mlflow.{flavor}")
                for flavor in sorted({w.mlflow_flavor for w in workloads if w.mlflow_flavor})
            ]

    def enable(self, on: bool) -> None:
        if self.name == "autolog":
            self.module.autolog(log_models=self.log_models, silent=True, disable=not on)
        else:
            for flavor in self.flavors:
                flavor.autolog(log_models=self.log_models, silent=True, disable=not on)


def timed(workload, data) -> float:
    started = time.perf_counter()
    workload.train(data)
    return time.perf_counter() - started


def main(argv: list[str]) -> int:
    tool_name, log_models, store, *only = argv
    from bench.workloads import all_workloads

    workloads = all_workloads(set(only) or None)
    if tool_name == "mlflow":
        workloads = [w for w in workloads if w.mlflow_flavor]
    prepared = [(w, w.prepare()) for w in workloads]
    tool = Tool(tool_name, log_models == "1", store, workloads)
    results = {}
    for workload, data in prepared:
        repeat = workload.repeat if log_models != "1" else max(3, workload.repeat // 2)
        tool.enable(True)
        timed(workload, data)
        tool.enable(False)
        timed(workload, data)
        plain, added = [], []
        for _ in range(repeat):
            tool.enable(False)
            off = timed(workload, data)
            tool.enable(True)
            on = timed(workload, data)
            plain.append(off)
            added.append(on - off)
        tool.enable(False)
        results[workload.name] = {"plain": statistics.median(plain), "added": statistics.median(added)}
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
