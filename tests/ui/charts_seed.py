"""A store for the chart tests: a sweep of 50 runs with one value per metric, two runs with loss,
val_loss and epoch histories, 30 runs with a short loss history each, and a run that keeps
logging (the tests write its points).

Written straight through ``SqlStore.write`` (no training), so it takes a fraction of a second.
"""

from __future__ import annotations

import math
import os

SWEEP_RUNS = 50


def populate(store_dir: str) -> dict:
    from tracking_core import uri
    from tracking_core.batch import NewRun, WriteBatch
    from tracking_core.storage.sql_store import get_store

    resolved = uri.resolve(store_dir)
    store = get_store(resolved.database_url)
    t0 = 1_700_000_000_000

    def new_run(experiment, index: int, name: str) -> NewRun:
        run_id = os.urandom(16).hex()
        return NewRun(
            run_id,
            experiment.experiment_id,
            name,
            t0 + index * 1000,
            f"{experiment.artifact_location}/{run_id}/artifacts",
        )

    sweep = store.get_or_create_experiment("sweep", resolved.artifact_root)
    batch = WriteBatch()
    sweep_ids = []
    for i in range(SWEEP_RUNS):
        run = new_run(sweep, i, f"trial-{i:02d}")
        batch.new_runs.append(run)
        depth = 2 + i % 7
        batch.params[(run.run_id, "max_depth")] = str(depth)
        batch.params[(run.run_id, "learning_rate")] = str(round(0.01 * (1 + i % 5), 3))
        batch.params[(run.run_id, "n_jobs")] = "4"
        accuracy = round(0.6 + 0.04 * depth - 0.002 * (i % 5) - 0.0004 * i, 4)
        batch.metrics.append((run.run_id, "accuracy", accuracy, run.start_time + 500, 0))
        batch.metrics.append((run.run_id, "rmse", round(1.5 - accuracy, 4), run.start_time + 500, 0))
        batch.run_ends[run.run_id] = ("FINISHED", run.start_time + 900)
        sweep_ids.append(run.run_id)
    store.write(batch)

    keras = store.get_or_create_experiment("keras", resolved.artifact_root)
    curve_ids = []
    for i in range(2):
        run = new_run(keras, i, f"keras-{i}")
        metrics = []
        for step in range(100):
            t = run.start_time + step * 1000
            loss = math.exp(-step / (30 + 20 * i)) + 0.05 * math.sin(step)
            metrics += [
                (run.run_id, "loss", loss, t, step),
                (run.run_id, "val_loss", loss * 1.2 + 0.05, t, step),
                (run.run_id, "epoch", float(step // 10), t, step),
            ]
        store.write(
            WriteBatch(new_runs=[run], metrics=metrics, run_ends={run.run_id: ("FINISHED", run.start_time + 100_000)})
        )
        curve_ids.append(run.run_id)

    many = []  # 30 runs with a short loss history each: one chart, 30 lines
    batch = WriteBatch()
    for i in range(30):
        run = new_run(keras, 20 + i, f"seed-{i:02d}")
        batch.new_runs.append(run)
        batch.metrics += [(run.run_id, "loss", 1.0 / (1 + s + i * 0.1), run.start_time + s, s) for s in range(20)]
        batch.run_ends[run.run_id] = ("FINISHED", run.start_time + 100)
        many.append(run.run_id)
    store.write(batch)

    live = new_run(keras, 9, "live-training")
    store.write(
        WriteBatch(new_runs=[live], metrics=[(live.run_id, "loss", 1.0 / (1 + s), t0 + s * 100, s) for s in range(200)])
    )
    return {
        "sweep": sweep_ids,
        "curves": curve_ids,
        "many": many,
        "live": live.run_id,
        "experiment": sweep.experiment_id,
    }
