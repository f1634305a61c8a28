"""System metrics of a run: a background sampler of CPU, memory, disk, network and GPU use.

``start_run(log_system_metrics=True)`` (or ``attach(active_run)``) starts one ``SystemMetricsSampler``
for the run. Every ``interval`` seconds (default 10, env ``AUTOLOG_SYSTEM_METRICS_INTERVAL``) it logs
one sample as ``system/...`` metrics with steps 0, 1, 2, ... through the run's batching writer.
It is a daemon thread; it stops when the run ends (``fluent._end`` calls ``stop``), when the
interpreter exits (``atexit``), and it is forgotten in a forked child. After ``stop()`` returns
nothing more is logged, even if a sample was being taken at that moment.

Metrics (machine-wide unless named ``process_``; sizes in megabytes, 1 MB = 10**6 bytes):
``cpu_utilization_percentage``, ``process_cpu_utilization_percentage`` (of the whole machine: 100 =
every core busy), ``system_memory_usage_megabytes``, ``system_memory_usage_percentage``,
``process_memory_rss_megabytes``, ``process_threads``, ``disk_usage_percentage``,
``disk_usage_megabytes``, ``disk_available_megabytes`` (of the file system holding the working
directory), ``disk_read_megabytes``/``disk_write_megabytes`` and
``network_receive_megabytes``/``network_transmit_megabytes`` (since sampling started),
``process_disk_read_megabytes``/``process_disk_write_megabytes`` (since sampling started, where
the platform reports them), and per NVIDIA GPU ``gpu_<i>_utilization_percentage``,
``gpu_<i>_memory_usage_megabytes``, ``gpu_<i>_memory_usage_percentage`` where ``pynvml`` (NVIDIA's
management library) is importable and initialises.

psutil is imported by the sampling thread, never by ``import tracking_core``; starting a sampler
costs a thread start.
"""

from __future__ import annotations

import atexit
import os
import threading
import weakref
from typing import Any, Protocol

from ..batch import now_ms


class _Writer(Protocol):
    def log_metrics(self, points: list) -> None: ...


class _Tracker(Protocol):
    """What the sampler needs of a client ``Tracker``: its batching writer."""

    writer: _Writer


PREFIX = "system/"
DEFAULT_INTERVAL_SECONDS = 10.0
INTERVAL_ENV = "AUTOLOG_SYSTEM_METRICS_INTERVAL"
ENABLE_ENV = "AUTOLOG_ENABLE_SYSTEM_METRICS_LOGGING"
THREAD_NAME = "autolog-system-metrics"
_MB = 1_000_000

_samplers: weakref.WeakSet[SystemMetricsSampler] = weakref.WeakSet()
_atexit_registered = False
_registry_lock = threading.Lock()


def interval_seconds(interval: float | None = None) -> float:
    """``interval`` if given, else ``AUTOLOG_SYSTEM_METRICS_INTERVAL``, else 10 s; must be > 0."""
    if interval is None:
        raw = os.environ.get(INTERVAL_ENV)
        if not raw:
            return DEFAULT_INTERVAL_SECONDS
        try:
            interval = float(raw)
        except ValueError:
            raise ValueError(f"{INTERVAL_ENV}={raw!r} is not a number of seconds") from None
    if (
        isinstance(interval, bool)
        or not isinstance(interval, (int, float))
        or not interval > 0
        or interval == float("inf")
    ):
        raise ValueError(f"system_metrics_interval must be a number of seconds > 0, got {interval!r}")
    return float(interval)


def enabled_by_env() -> bool:
    return os.environ.get(ENABLE_ENV, "").strip().lower() in ("1", "true", "yes", "on")


class _Probe:
    """Reads one sample; created in the sampling thread (psutil and pynvml are imported there)."""

    def __init__(self) -> None:
        import psutil

        self.psutil = psutil
        self.process = psutil.Process()
        self.cpu_count = psutil.cpu_count() or 1
        # cpu_percent() measures since its previous call: this first call sets the baseline.
        psutil.cpu_percent(interval=None)
        self.process.cpu_percent(interval=None)
        self.disk_path = os.getcwd()
        self.disk_io0 = self._disk_io()
        self.net_io0 = self._net_io()
        self.process_io0 = self._process_io()
        self.gpus = self._gpu_handles()

    def _disk_io(self):
        try:
            return self.psutil.disk_io_counters()
        except Exception:
            return None

    def _net_io(self):
        try:
            return self.psutil.net_io_counters()
        except Exception:
            return None

    def _process_io(self):
        try:
            return self.process.io_counters()
        except Exception:  # not on macOS; AccessDenied in some containers
            return None

    def _gpu_handles(self) -> list:
        try:
            import pynvml

            pynvml.nvmlInit()
            self.nvml = pynvml
            return [pynvml.nvmlDeviceGetHandleByIndex(i) for i in range(pynvml.nvmlDeviceGetCount())]
        except Exception:  # not installed, no driver, no GPU
            return []

    def sample(self) -> dict[str, float]:
        psutil, values = self.psutil, {}
        values["cpu_utilization_percentage"] = psutil.cpu_percent(interval=None)
        values["process_cpu_utilization_percentage"] = self.process.cpu_percent(interval=None) / self.cpu_count
        memory = psutil.virtual_memory()
        values["system_memory_usage_megabytes"] = (memory.total - memory.available) / _MB
        values["system_memory_usage_percentage"] = memory.percent
        with self.process.oneshot():
            values["process_memory_rss_megabytes"] = self.process.memory_info().rss / _MB
            values["process_threads"] = self.process.num_threads()
        try:
            disk = psutil.disk_usage(self.disk_path)
            values["disk_usage_percentage"] = disk.percent
            values["disk_usage_megabytes"] = disk.used / _MB
            values["disk_available_megabytes"] = disk.free / _MB
        except OSError:
            pass
        disk_io = self._disk_io()
        if disk_io is not None and self.disk_io0 is not None:
            values["disk_read_megabytes"] = (disk_io.read_bytes - self.disk_io0.read_bytes) / _MB
            values["disk_write_megabytes"] = (disk_io.write_bytes - self.disk_io0.write_bytes) / _MB
        net_io = self._net_io()
        if net_io is not None and self.net_io0 is not None:
            values["network_receive_megabytes"] = (net_io.bytes_recv - self.net_io0.bytes_recv) / _MB
            values["network_transmit_megabytes"] = (net_io.bytes_sent - self.net_io0.bytes_sent) / _MB
        process_io = self._process_io()
        if process_io is not None and self.process_io0 is not None:
            values["process_disk_read_megabytes"] = (process_io.read_bytes - self.process_io0.read_bytes) / _MB
            values["process_disk_write_megabytes"] = (process_io.write_bytes - self.process_io0.write_bytes) / _MB
        for index, handle in enumerate(self.gpus):
            try:
                utilization = self.nvml.nvmlDeviceGetUtilizationRates(handle)
                memory_info = self.nvml.nvmlDeviceGetMemoryInfo(handle)
            except Exception:
                continue
            values[f"gpu_{index}_utilization_percentage"] = float(utilization.gpu)
            values[f"gpu_{index}_memory_usage_megabytes"] = memory_info.used / _MB
            values[f"gpu_{index}_memory_usage_percentage"] = 100.0 * memory_info.used / max(memory_info.total, 1)
        return values

    def close(self) -> None:
        if self.gpus:
            try:
                self.nvml.nvmlShutdown()
            except Exception:
                pass


class SystemMetricsSampler:
    """Logs a ``system/...`` sample into ``run_id`` every ``interval`` seconds until ``stop()``."""

    def __init__(self, tracker: _Tracker, run_id: str, interval: float | None = None) -> None:
        self.tracker = tracker
        self.run_id = run_id
        self.interval = interval_seconds(interval)
        self.step = 0
        self._stopped = False
        self._stop_event = threading.Event()
        self._log_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.error: BaseException | None = None

    def start(self) -> SystemMetricsSampler:
        global _atexit_registered
        with _registry_lock:
            _samplers.add(self)
            if not _atexit_registered:
                _atexit_registered = True
                atexit.register(stop_all)
        self._thread = threading.Thread(target=self._loop, name=THREAD_NAME, daemon=True)
        self._thread.start()
        return self

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _loop(self) -> None:
        try:
            probe = _Probe()
        except Exception as exc:  # psutil missing or refusing: the run goes on without system metrics
            self.error = exc
            _warn(f"autolog: system metrics are not logged: {type(exc).__name__}: {exc} (pip install psutil)")
            return
        try:
            while not self._stop_event.wait(self.interval):
                try:
                    values = probe.sample()
                except Exception as exc:
                    self.error = exc
                    continue
                self._log(values)
        finally:
            probe.close()

    def _log(self, values: dict[str, float]) -> None:
        with self._log_lock:  # stop() takes this lock: nothing is logged once it returned
            if self._stopped:
                return
            timestamp = now_ms()
            self.tracker.writer.log_metrics(
                [(self.run_id, PREFIX + key, float(value), timestamp, self.step) for key, value in values.items()]
            )
            self.step += 1

    def stop(self, timeout: float = 5.0) -> None:
        with self._log_lock:
            self._stopped = True
            self._stop_event.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        with _registry_lock:
            _samplers.discard(self)


def attach(run: Any, interval: float | None = None) -> SystemMetricsSampler:
    """Start sampling into the active run ``run`` (an ``ActiveRun``); it stops when the run ends."""
    existing = getattr(run, "_system_metrics", None)
    if existing is not None and not existing._stopped:
        return existing
    sampler = SystemMetricsSampler(run.tracker, run.info.run_id, interval)
    run._system_metrics = sampler
    return sampler.start()


def detach(run: Any) -> None:
    sampler = getattr(run, "_system_metrics", None)
    if sampler is not None:
        run._system_metrics = None
        sampler.stop()


def stop_all() -> None:
    with _registry_lock:
        samplers = list(_samplers)
    for sampler in samplers:
        sampler.stop(timeout=1.0)


def _warn(message: str) -> None:
    import warnings

    warnings.warn(message, RuntimeWarning, stacklevel=2)


def _forget_after_fork() -> None:
    global _registry_lock
    _registry_lock = threading.Lock()
    for sampler in list(_samplers):  # their threads did not survive the fork
        sampler._stopped = True
        sampler._log_lock = threading.Lock()
    _samplers.clear()


os.register_at_fork(after_in_child=_forget_after_fork)
