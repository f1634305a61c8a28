"""autolog's own time per sklearn fit, in thread CPU time as well as wall time (a benchmark, not a test).

On a loaded machine the paired wall-clock differences of ``python -m bench.fit_overhead`` swing by
tens of milliseconds; the time spent inside autolog's session (``_begin`` + ``_finish``: run
start, collection, plot data, artifacts, model, run end) measured with ``time.thread_time`` is
steadier. Run from the repository root::

    AUTOLOG_DISABLED_PLUGINS=sklearn_confusion .venv/bin/python plugins/sklearn/bench_own_time.py

To compare with an older plugin, put its source first on the path
(``git archive <commit> | tar -x -C /tmp/before`` then ``PYTHONPATH=/tmp/before/plugins/sklearn``).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time

# Running this file puts its folder first on sys.path, which would shadow PYTHONPATH's plugin.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _HERE]


def main() -> None:
    import autolog_sklearn
    from sklearn.datasets import make_classification
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression

    import autolog
    from autolog import session

    wall: list[float] = []
    cpu: list[float] = []

    def timed(function):
        def inner(*args, **kwargs):
            started_wall, started_cpu = time.perf_counter(), time.thread_time()
            try:
                return function(*args, **kwargs)
            finally:
                wall.append(time.perf_counter() - started_wall)
                cpu.append(time.thread_time() - started_cpu)

        return inner

    session._begin = timed(session._begin)
    session._finish = timed(session._finish)
    X, y = make_classification(n_samples=2000, n_features=20, random_state=0)
    autolog.set_tracking_uri(tempfile.mkdtemp())
    print(f"plugin: {autolog_sklearn.__file__}")
    estimators = (
        ("LogisticRegression", LogisticRegression, (False, True)),
        # predict_proba is the costly pass of a forest: the training metrics take one (issue 13)
        ("RandomForest(20)", lambda: RandomForestClassifier(20, random_state=0), (False,)),
    )
    for name, make, model_options in estimators:
        for log_models in model_options:
            autolog.autolog(log_models=log_models, silent=True)
            walls, cpus = [], []
            for _ in range(45):
                wall.clear()
                cpu.clear()
                make().fit(X, y)
                walls.append(sum(wall))
                cpus.append(sum(cpu))
            autolog.autolog(disable=True)
            print(
                f"{name:18} 2000x20 log_models={log_models!s:5} autolog's own time per fit: "
                f"{statistics.median(cpus[5:]) * 1e3:5.2f} ms CPU, {statistics.median(walls[5:]) * 1e3:6.2f} ms wall "
                f"(medians of 40)"
            )


if __name__ == "__main__":
    main()
