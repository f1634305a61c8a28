"""System metrics around a real Keras fit of ~3 s sampled every 0.5 s: present with plausible values
while the fit runs, none after its run ended, the sampler thread gone."""

from __future__ import annotations

import itertools
import os
import threading
import time

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
keras = pytest.importorskip("keras")
np = pytest.importorskip("numpy")

from test_system_metrics import assert_plausible  # noqa: E402

from tracking_core import system_metrics  # noqa: E402

FIT_SECONDS = 3.0


def test_keras_fit_of_three_seconds_logs_system_metrics_every_half_second(autolog_enable, autolog_store):
    autolog_enable("tensorflow", log_models=False, log_system_metrics=True, system_metrics_interval=0.5)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(512, 8)).astype("float32")
    y = (X.sum(axis=1, keepdims=True) > 0).astype("float32")
    model = keras.Sequential(
        [keras.Input((8,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1, activation="sigmoid")]
    )
    model.compile(optimizer="adam", loss="binary_crossentropy")
    sampler_alive = []

    class StopAfter(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.started = time.monotonic()

        def on_epoch_end(self, epoch, logs=None):
            sampler_alive.append(any(t.name == system_metrics.THREAD_NAME for t in threading.enumerate()))
            if time.monotonic() - self.started >= FIT_SECONDS:
                self.model.stop_training = True

    model.fit(X, y, epochs=100_000, batch_size=64, verbose=0, callbacks=[StopAfter()])
    run = autolog_store.get_run(autolog_store.search_runs(max_results=1)[0].info.run_id)
    assert run.data.tags["autolog.autologging"] == "tensorflow" and run.info.status == "FINISHED"
    assert sampler_alive and all(sampler_alive)
    assert not any(t.name == system_metrics.THREAD_NAME for t in threading.enumerate())
    assert_plausible(run.data.metrics)

    cpu = autolog_store.get_metric_history(run.info.run_id, "system/cpu_utilization_percentage")
    # ~3 s at 0.5 s: about 6 samples; a loaded machine may fit fewer in (the first comes after 0.5 s)
    assert 3 <= len(cpu) <= 8, [(p.step, p.timestamp - run.info.start_time) for p in cpu]
    assert [p.step for p in cpu] == list(range(len(cpu)))
    assert all(run.info.start_time <= p.timestamp <= run.info.end_time for p in cpu)
    gaps = [b.timestamp - a.timestamp for a, b in itertools.pairwise(cpu)]
    assert all(300 <= gap <= 2500 for gap in gaps), gaps
    rss = autolog_store.get_metric_history(run.info.run_id, "system/process_memory_rss_megabytes")
    assert min(p.value for p in rss) > 100  # TensorFlow is loaded in this process

    time.sleep(1.5)  # three more intervals: nothing is logged into the ended run
    autolog_store.get_run(run.info.run_id)  # flushes
    assert len(autolog_store.get_metric_history(run.info.run_id, "system/cpu_utilization_percentage")) == len(cpu)
