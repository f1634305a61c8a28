"""System metrics: ``start_run(log_system_metrics=True)`` and ``autolog(log_system_metrics=True)``
sample ``system/...`` metrics with steps while the run is active, and stop with it."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import pytest

import autolog
import tracking_core
from autolog.option_checks import InvalidOptionError
from tracking_core import system_metrics

from core_support import REPO_DIR

EXPECTED = {
    "system/cpu_utilization_percentage",
    "system/process_cpu_utilization_percentage",
    "system/system_memory_usage_megabytes",
    "system/system_memory_usage_percentage",
    "system/process_memory_rss_megabytes",
    "system/disk_usage_percentage",
}


def sampler_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == system_metrics.THREAD_NAME]


def assert_plausible(metrics: dict[str, float]) -> None:
    assert EXPECTED <= set(metrics), sorted(metrics)
    assert 0 <= metrics["system/cpu_utilization_percentage"] <= 100
    assert 0 <= metrics["system/process_cpu_utilization_percentage"] <= 100
    assert 0 < metrics["system/system_memory_usage_percentage"] <= 100
    rss = metrics["system/process_memory_rss_megabytes"]
    assert 5 < rss < 100_000  # this Python process: megabytes, not bytes or gigabytes
    assert metrics["system/system_memory_usage_megabytes"] > rss / 10


def history(client, run_id: str, key: str):
    return client.get_metric_history(run_id, key)


def test_start_run_samples_system_metrics_with_steps_until_the_run_ends(autolog_store):
    with autolog.start_run(log_system_metrics=True, system_metrics_interval=0.1) as run:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # three samples, however loaded the machine is
            autolog.flush()
            if len(history(autolog_store, run.info.run_id, "system/cpu_utilization_percentage")) >= 3:
                break
            time.sleep(0.05)
    assert not sampler_threads()
    finished = autolog_store.get_run(run.info.run_id)
    assert_plausible(finished.data.metrics)
    points = history(autolog_store, run.info.run_id, "system/process_memory_rss_megabytes")
    assert [p.step for p in points] == list(range(len(points))) and len(points) >= 3
    count = len(points)
    time.sleep(0.4)
    autolog.flush()
    after = history(autolog_store, run.info.run_id, "system/process_memory_rss_megabytes")
    assert len(after) == count
    assert max(p.timestamp for p in after) <= finished.info.end_time


def test_runs_without_the_option_have_no_system_metrics(autolog_store):
    with autolog.start_run(system_metrics_interval=0.05) as run:  # an interval alone turns nothing on
        time.sleep(0.2)
        assert not sampler_threads()
    assert not any(k.startswith("system/") for k in autolog_store.get_run(run.info.run_id).data.metrics)


def test_env_turns_system_metrics_on_for_every_run(autolog_store, monkeypatch):
    monkeypatch.setenv("AUTOLOG_ENABLE_SYSTEM_METRICS_LOGGING", "true")
    monkeypatch.setenv("AUTOLOG_SYSTEM_METRICS_INTERVAL", "0.05")
    with autolog.start_run() as run:
        assert run._system_metrics is not None and run._system_metrics.interval == 0.05
    with autolog.start_run(log_system_metrics=False) as run:
        assert run._system_metrics is None


def test_env_switched_off_leaves_runs_alone(autolog_store, monkeypatch):
    monkeypatch.setenv("AUTOLOG_ENABLE_SYSTEM_METRICS_LOGGING", "false")
    monkeypatch.setenv("AUTOLOG_SYSTEM_METRICS_INTERVAL", "not a number")  # never read: sampling is off
    with autolog.start_run() as run:
        assert run._system_metrics is None and not sampler_threads()


@pytest.mark.parametrize("interval", [0, -1, "10", float("nan"), float("inf"), True])
def test_bad_interval_is_refused_before_a_run_starts(autolog_store, interval):
    with pytest.raises(ValueError, match="system_metrics_interval"):
        autolog.start_run(log_system_metrics=True, system_metrics_interval=interval)
    assert autolog.active_run() is None


def test_bad_interval_env_is_named(autolog_store, monkeypatch):
    monkeypatch.setenv("AUTOLOG_SYSTEM_METRICS_INTERVAL", "soon")
    with pytest.raises(ValueError, match="AUTOLOG_SYSTEM_METRICS_INTERVAL"):
        autolog.start_run(log_system_metrics=True)
    assert autolog.active_run() is None


@pytest.mark.parametrize(
    "options", [{"log_system_metrics": "yes"}, {"system_metrics_interval": 0}, {"system_metrics_interval": "5"}]
)
def test_autolog_refuses_bad_system_metrics_options(plugin_state, autolog_store, options):
    with pytest.raises(InvalidOptionError, match=next(iter(options))):
        autolog.autolog(**options)


def test_autologged_runs_sample_only_with_the_option(fw, autolog_enable, autolog_store):
    autolog_enable(None, log_system_metrics=True, system_metrics_interval=0.05)
    seen = []

    def training_step(_epoch):
        time.sleep(0.5)
        seen.append(len(sampler_threads()))

    fw.module.Model().fit([1, 2, 3], callbacks=[training_step])
    run = autolog.last_active_run()
    assert seen == [1] and not sampler_threads()
    assert_plausible(run.data.metrics)
    autolog_enable(None, log_system_metrics=False)
    fw.module.Model().fit([1, 2, 3], callbacks=[lambda _epoch: time.sleep(0.2)])
    assert not any(k.startswith("system/") for k in autolog.last_active_run().data.metrics)


def test_autolog_leaves_a_users_run_alone(fw, autolog_enable, autolog_store):
    autolog_enable(None, log_system_metrics=True, system_metrics_interval=0.05)
    with autolog.start_run() as run:
        fw.module.Model().fit([1, 2, 3], callbacks=[lambda _epoch: time.sleep(0.2)])
        assert not sampler_threads()
    assert not any(k.startswith("system/") for k in autolog_store.get_run(run.info.run_id).data.metrics)


def test_the_sampler_never_outlives_the_process(tmp_path):
    """A run left open at exit: the interpreter exits promptly, the run is ended, samples were kept."""
    code = f"""
import time, autolog
autolog.set_tracking_uri({str(tmp_path / "store")!r})
run = autolog.start_run(log_system_metrics=True, system_metrics_interval=0.05)
time.sleep(0.5)
print(run.info.run_id)
"""
    started = time.monotonic()
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_DIR, capture_output=True, text=True, timeout=60, check=True
    ).stdout.strip()
    assert time.monotonic() - started < 30
    client = tracking_core.TrackingClient(str(tmp_path / "store"))
    run = client.get_run(out)
    assert run.info.status == "FINISHED"
    points = client.get_metric_history(out, "system/cpu_utilization_percentage")
    assert points and all(p.timestamp <= run.info.end_time for p in points)


def test_psutil_is_not_imported_until_sampling_starts():
    code = (
        "import sys, autolog, tracking_core; autolog.autolog(log_system_metrics=True); print('psutil' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_DIR,
        capture_output=True,
        text=True,
        env={**os.environ, "AUTOLOG_LOAD_PLUGINS": ""},
        check=True,
    ).stdout.strip()
    assert out == "False"


# NVIDIA's management library needs a driver and a GPU, which this machine has not: the GPU path is
# run against a stand-in module with pynvml's names and shapes, two devices, recording its calls.
STAND_IN_PYNVML = """
import types
calls = []
_USED = [(37.0, 512_000_000, 2_048_000_000), (81.0, 1_536_000_000, 4_096_000_000)]  # bytes

def nvmlInit():
    calls.append("init")

def nvmlShutdown():
    calls.append("shutdown")
    with open(__file__ + ".calls", "w") as out:
        out.write(",".join(calls))

def nvmlDeviceGetCount():
    return len(_USED)

def nvmlDeviceGetHandleByIndex(index):
    return index

def nvmlDeviceGetUtilizationRates(handle):
    return types.SimpleNamespace(gpu=_USED[handle][0], memory=0)

def nvmlDeviceGetMemoryInfo(handle):
    _gpu, used, total = _USED[handle]
    return types.SimpleNamespace(used=used, total=total, free=total - used)
"""


def test_gpu_utilisation_and_memory_are_sampled_per_device_where_nvml_is_present(tmp_path):
    stand_in = tmp_path / "nvml"
    stand_in.mkdir()
    (stand_in / "pynvml.py").write_text(STAND_IN_PYNVML)
    code = f"""
import time, autolog
autolog.set_tracking_uri({str(tmp_path / "store")!r})
client = autolog.TrackingClient()
with autolog.start_run(log_system_metrics=True, system_metrics_interval=0.05) as run:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # two samples, however loaded the machine is
        autolog.flush()
        if len(client.get_metric_history(run.info.run_id, "system/gpu_1_utilization_percentage")) >= 2:
            break
        time.sleep(0.05)
print(run.info.run_id)
"""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(stand_in), os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_DIR, capture_output=True, text=True, timeout=60, check=True, env=env
    ).stdout.strip()
    metrics = tracking_core.TrackingClient(str(tmp_path / "store")).get_run(out).data.metrics
    assert metrics["system/gpu_0_utilization_percentage"] == 37.0
    assert metrics["system/gpu_1_utilization_percentage"] == 81.0
    assert metrics["system/gpu_0_memory_usage_megabytes"] == 512.0
    assert metrics["system/gpu_1_memory_usage_percentage"] == pytest.approx(37.5)
    assert not any(key.startswith("system/gpu_2") for key in metrics)
    assert (stand_in / "pynvml.py.calls").read_text() == "init,shutdown"  # the library is released at the end
