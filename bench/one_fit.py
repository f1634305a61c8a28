"""What a one-fit script pays for autologging, process start to exit (issue 21 item 21).

The same script (sklearn imported, ``make_classification`` 2,000 x 20, one ``LogisticRegression``
fit) is run as its own process without autolog, with autolog into a fresh store directory (the
first run a user ever makes: the store is created), and with autolog into a store that exists
(later runs). The runs are interleaved (plain, fresh, existing, plain, ...) so the machine's
noise hits each alike; each process's wall time includes interpreter start, imports, the fit and
the flush at exit. Run as ``python -m bench.one_fit [REPEAT]`` from the repository root; prints
one JSON object: mode -> list of seconds.
"""

from __future__ import annotations

import json
import os
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


def _wall(script: str, cwd: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", script], check=True, cwd=cwd, env=_env())
    return time.perf_counter() - started


def measure(repeat: int = 11) -> dict[str, list[float]]:
    existing = tempfile.mkdtemp()
    try:
        _wall(SCRIPTS["autolog"], existing)  # creates the store (and writes the bytecode caches)
        _wall(SCRIPTS["plain"], existing)
        found: dict[str, list[float]] = {"plain": [], "autolog, fresh store": [], "autolog, existing store": []}
        for _ in range(repeat):
            fresh = tempfile.mkdtemp()
            try:
                found["plain"].append(_wall(SCRIPTS["plain"], fresh))
                found["autolog, fresh store"].append(_wall(SCRIPTS["autolog"], fresh))
                if not os.path.isdir(os.path.join(fresh, "autologruns")):
                    raise RuntimeError("the autolog script wrote no store in its working directory")
                found["autolog, existing store"].append(_wall(SCRIPTS["autolog"], existing))
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
