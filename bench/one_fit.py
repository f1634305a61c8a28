"""What a one-fit script pays for autologging, process start to exit (issue 21 item 21).

The same script (sklearn imported, ``make_classification`` 2,000 x 20, one ``LogisticRegression``
fit) is run as its own process without autolog, with autolog into a fresh store directory (the
first run a user ever makes: the store is created), and with autolog into a store that exists
(later runs). The runs are interleaved (plain, fresh, existing, plain, ...) so the machine's
noise hits each alike; each process's wall time includes interpreter start, imports, the fit and
the flush at exit. Its CPU time (user + system, every thread) is recorded too: on a busy machine
wall times mostly measure the scheduler, CPU times still measure the work. Run as
``python -m bench.one_fit [REPEAT]`` from the repository root; prints one JSON object:
{"wall": {mode: [seconds...]}, "cpu": {mode: [seconds...]}}.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

from bench.environment import ROOT, bench_env

TRAIN = """
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
X, y = make_classification(n_samples=2000, n_features=20, random_state=0)
LogisticRegression().fit(X, y)
"""
SCRIPTS = {"plain": TRAIN, "autolog": "import autolog\nautolog.autolog()\n" + TRAIN}


def _env() -> dict[str, str]:
    # As users start scripts: with bytecode caches (see bench.run), the store in the working directory.
    env = {k: v for k, v in bench_env().items() if k not in ("PYTHONDONTWRITEBYTECODE", "AUTOLOG_TRACKING_URI")}
    return env


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(script: str, cwd: str) -> tuple[float, float]:
    """(wall, CPU) seconds of one process running ``script``."""
    cpu, started = _cpu(), time.perf_counter()
    subprocess.run([sys.executable, "-c", script], check=True, cwd=cwd, env=_env())
    return time.perf_counter() - started, _cpu() - cpu


MODES = ("plain", "autolog, fresh store", "autolog, existing store")


def measure(repeat: int = 11) -> dict[str, dict[str, list[float]]]:
    existing = tempfile.mkdtemp()
    try:
        _timed(SCRIPTS["autolog"], existing)  # creates the store (and writes the bytecode caches)
        _timed(SCRIPTS["plain"], existing)
        found: dict[str, dict[str, list[float]]] = {"wall": {m: [] for m in MODES}, "cpu": {m: [] for m in MODES}}

        def record(mode: str, script: str, cwd: str) -> None:
            wall, cpu = _timed(script, cwd)
            found["wall"][mode].append(wall)
            found["cpu"][mode].append(cpu)

        for _ in range(repeat):
            fresh = tempfile.mkdtemp()
            try:
                record("plain", SCRIPTS["plain"], fresh)
                record("autolog, fresh store", SCRIPTS["autolog"], fresh)
                if not os.path.isdir(os.path.join(fresh, "autologruns")):
                    raise RuntimeError("the autolog script wrote no store in its working directory")
                record("autolog, existing store", SCRIPTS["autolog"], existing)
            finally:
                shutil.rmtree(fresh, ignore_errors=True)
        return found
    finally:
        shutil.rmtree(existing, ignore_errors=True)


def main(argv: list[str]) -> int:
    os.chdir(ROOT)
    print(json.dumps(measure(int(argv[0]) if argv else 11)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
