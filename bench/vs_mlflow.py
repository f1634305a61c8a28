"""``make bench-vs-mlflow``: per-fit overhead of autolog and of MLflow's autolog, in one run.

Builds ``bench/.mlflow-venv`` once (MLflow installed beside the frameworks of ``.venv``, which it
reads through a .pth file), then times every workload with no autologging, with autolog and with
MLflow's autolog (SQLite store for both), with and without models.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import tempfile

from bench.environment import ROOT, bench_env

MLFLOW_VENV = os.path.join(ROOT, "bench", ".mlflow-venv")
MLFLOW_VERSION = os.environ.get("AUTOLOG_BENCH_MLFLOW", "mlflow==3.17.2")


def mlflow_python() -> str:
    python = os.path.join(MLFLOW_VENV, "bin", "python")
    if not os.path.exists(os.path.join(MLFLOW_VENV, ".ready")):
        subprocess.run([sys.executable, "-m", "venv", MLFLOW_VENV], check=True)
        site = subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        with open(os.path.join(site, "zz_frameworks.pth"), "w") as fh:
            fh.write(sysconfig.get_paths()["purelib"] + "\n")
        subprocess.run(
            [python, "-m", "pip", "install", "-q", "--disable-pip-version-check", MLFLOW_VERSION], check=True
        )
        open(os.path.join(MLFLOW_VENV, ".ready"), "w").close()
    return python


# What MLflow's own REST tests need beyond MLflow (make interop, interop/README.md).
INTEROP_TEST_PACKAGES = ["pytest>=8"]


def mlflow_test_python() -> str:
    python = mlflow_python()
    stamp = os.path.join(MLFLOW_VENV, ".interop-ready")
    if not os.path.exists(stamp):
        subprocess.run(
            [python, "-m", "pip", "install", "-q", "--disable-pip-version-check", *INTEROP_TEST_PACKAGES], check=True
        )
        open(stamp, "w").close()
    return python


def measure(python: str, tool: str, log_models: bool, only: list[str]) -> dict[str, dict[str, float]]:
    with tempfile.TemporaryDirectory() as store:
        out = subprocess.run(
            [python, "-m", "bench.fit_overhead", tool, "1" if log_models else "0", store, *only],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
            env=bench_env(),
        )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    only = sys.argv[1:]
    mlflow = mlflow_python()
    print("per-fit overhead, paired (same training without and with the tool, median), SQLite stores")
    print(f"{'workload':50} {'models':6} {'plain':>9} {'autolog +':>11} {'mlflow +':>11} {'mlflow/autolog':>15}")
    for log_models in (False, True):
        ours = measure(sys.executable, "autolog", log_models, only)
        theirs = measure(mlflow, "mlflow", log_models, only)
        for name, result in ours.items():
            added = result["added"]
            other = theirs.get(name)
            other_added = None if other is None else other["added"]
            ratio = f"{other_added / added:14.1f}x" if other_added is not None and added > 0 else f"{'-':>15}"
            shown = "-" if other_added is None else f"{other_added * 1e3:9.1f}ms"
            print(f"{name:50} {log_models!s:6} {result['plain'] * 1e3:7.1f}ms {added * 1e3:9.1f}ms {shown:>11} {ratio}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
