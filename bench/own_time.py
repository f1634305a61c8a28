"""Autolog's own time inside Keras and Lightning fits, where training time varies too much per fit
(tens of ms) for paired with/without differences to show a few milliseconds.

Times what autolog runs: the session's start and end (collection, model, run end) and the
plugins' callback methods (model summary at train start, per-epoch logging). Run as
``python -m bench.own_time`` from the repository root.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def timed(spent: list[float], function):
    def inner(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent.append(time.perf_counter() - started)

    return inner


def main() -> int:
    import autolog_lightning.callback as lightning_callback
    import autolog_tensorflow.callback as keras_callback

    import autolog
    from autolog import session
    from bench.workloads.lightning import WORKLOADS as LIGHTNING
    from bench.workloads.tensorflow import WORKLOADS as KERAS

    spent: list[float] = []
    session._begin = timed(spent, session._begin)
    session._finish = timed(spent, session._finish)
    for owner, name in (
        (keras_callback.AutologCallback, "on_train_begin"),
        (keras_callback.AutologCallback, "on_epoch_end"),
        (lightning_callback._EpochLogging, "on_train_start"),
        (lightning_callback._EpochLogging, "on_train_epoch_end"),
    ):
        setattr(owner, name, timed(spent, getattr(owner, name)))
    autolog.set_tracking_uri(tempfile.mkdtemp())
    for workload in (*KERAS, *LIGHTNING):
        data = workload.prepare()
        for log_models in (False, True):
            autolog.autolog(log_models=log_models, silent=True)
            per_fit = []
            for _ in range(6):
                spent.clear()
                workload.train(data)
                per_fit.append(sum(spent))
            autolog.autolog(disable=True)
            print(
                f"{workload.name:44} log_models={log_models!s:5} autolog's own time per fit: "
                f"{statistics.median(per_fit[1:]) * 1e3:6.1f} ms",
                file=sys.stderr,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
