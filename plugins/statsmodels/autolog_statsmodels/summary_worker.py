"""``model_summary.txt`` built in a worker process once a process fits many models.

statsmodels' ``summary()`` is Python code holding the GIL: about 4 ms for a small GEE, as much as
the fit itself, and a thread would take that time from the training loop anyway. So the first
``INLINE_SUMMARIES`` summaries of a process are built on the training thread (a script that fits
a few models never starts a process), and the later ones go to one worker process: the training
thread pickles the results object into a spool file (about 1 ms for a small GEE) and writes its
path to the worker's stdin; the worker unpickles it, builds the summary with the same code
(``artifacts.summary_text``) and writes the file into the run's artifact directory, then deletes
the spool file. Only runs whose artifacts are a local directory are handed over; for a server or
S3 the summary is built inline.

``autolog.flush()`` and interpreter exit wait until every handed-over summary is written. A job
the worker could not finish (it died, or the wait timed out) is built inline then, so no summary
is lost; one the worker failed on (``.failed`` beside the spool file) is a warning, as it would
have been inline.

Run as ``python -m autolog_statsmodels.summary_worker SPOOL_DIR`` (by this module only).
"""

from __future__ import annotations

import atexit
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from typing import Any

INLINE_SUMMARIES = 3
WAIT_SECONDS = 120.0  # at flush or exit, how long the worker may take before the rest is built inline
FAILED = ".failed"
PRUNE_AT = 256  # handed-over jobs remembered before the written ones are forgotten


def write_text_atomically(target: str, text: str) -> None:
    os.makedirs(os.path.dirname(target), exist_ok=True)
    partial = f"{target}.{os.getpid()}.partial"
    with open(partial, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(partial, target)


def build_from_spool(spool_file: str, target: str) -> None:
    """Load the pickled results in ``spool_file`` and write their summary to ``target``."""
    from .artifacts import summary_text

    with open(spool_file, "rb") as fh:
        results = pickle.load(fh)
    text = summary_text(results)
    if text is not None:
        write_text_atomically(target, text)


class SummaryWorker:
    """The worker process and the jobs handed to it that are not written yet."""

    def __init__(self) -> None:
        self.spool = tempfile.mkdtemp(prefix="autolog-summaries-")
        self.process = subprocess.Popen(
            [sys.executable, "-m", __name__, self.spool],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.pending: dict[str, str] = {}  # spool file -> summary file
        self.jobs = 0

    def alive(self) -> bool:
        return self.process.poll() is None

    def submit(self, results: Any, target: str) -> bool:
        """Hand ``results``' summary over; False when it could not be (then build it inline)."""
        if not self.alive() or self.process.stdin is None:
            return False
        self.jobs += 1
        spool_file = os.path.join(self.spool, f"{self.jobs}.pickle")
        try:
            with open(spool_file, "wb") as fh:
                pickle.dump(results, fh, protocol=pickle.HIGHEST_PROTOCOL)
            self.process.stdin.write(f"{spool_file}\t{target}\n".encode())
            self.process.stdin.flush()
        except Exception:  # unpicklable results, a full disk, a dead worker: inline instead
            _remove(spool_file)
            return False
        self.pending[spool_file] = target
        if len(self.pending) >= PRUNE_AT:
            self._forget_written()
        return True

    def _forget_written(self) -> None:
        for spool_file in list(self.pending):
            if not os.path.exists(spool_file) and not os.path.exists(spool_file + FAILED):
                del self.pending[spool_file]

    def wait(self, seconds: float = WAIT_SECONDS) -> list[str]:
        """Until every handed-over summary is written; what the worker did not do is built here.
        Returns the summary files that could not be built at all (for the caller's warning)."""
        deadline = time.monotonic() + seconds
        delay = 0.0005
        while self._in_progress() and self.alive() and time.monotonic() < deadline:
            time.sleep(delay)
            delay = min(delay * 2, 0.02)
        failed = []
        for spool_file, target in list(self.pending.items()):
            if os.path.exists(spool_file):  # not done by the worker: build it here
                try:
                    build_from_spool(spool_file, target)
                except Exception:
                    failed.append(target)
                _remove(spool_file)
            elif os.path.exists(spool_file + FAILED):
                failed.append(target)
                _remove(spool_file + FAILED)
            del self.pending[spool_file]
        return failed

    def _in_progress(self) -> bool:
        return any(os.path.exists(spool_file) for spool_file in self.pending)

    def close(self) -> list[str]:
        failed = self.wait()
        try:
            if self.process.stdin is not None:
                self.process.stdin.close()
            self.process.wait(timeout=5)
        except Exception:
            self.process.kill()
        shutil.rmtree(self.spool, ignore_errors=True)
        return failed


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass


class Summaries:
    """Where each summary of this process is built: inline for the first few, then the worker."""

    def __init__(self, on_failed: Any) -> None:
        self._lock = threading.Lock()
        self._inline = 0
        self._worker: SummaryWorker | None = None
        self._worker_pid = 0  # the process that started the worker: a forked child starts its own
        self._worker_failed = False
        self._on_failed = on_failed  # called with the summary files that could not be built

    def hand_over(self, results: Any, target: str | None) -> bool:
        """True when the worker will write ``target``; False: build the summary inline now."""
        with self._lock:
            if target is None or self._inline < INLINE_SUMMARIES or self._worker_failed:
                self._inline += 1
                return False
            if self._worker is None or self._worker_pid != os.getpid():
                try:
                    self._worker, self._worker_pid = SummaryWorker(), os.getpid()
                except Exception:
                    self._worker_failed = True
                    return False
                atexit.register(self.close)
            return self._worker.submit(results, target)

    def wait(self) -> None:
        with self._lock:
            worker = self._worker if self._worker_pid == os.getpid() else None
            failed = worker.wait() if worker is not None else []
        if failed:
            self._on_failed(failed)

    def close(self) -> None:
        with self._lock:
            worker, self._worker = (self._worker if self._worker_pid == os.getpid() else None), None
            failed = worker.close() if worker is not None else []
        if failed:
            self._on_failed(failed)


def main(argv: list[str]) -> int:
    warnings.simplefilter("ignore")  # statsmodels' warnings reached the user at the fit already
    for line in sys.stdin.buffer:
        spool_file, _, target = line.decode("utf-8").rstrip("\n").partition("\t")
        try:
            build_from_spool(spool_file, target)
        except Exception:
            try:
                os.replace(spool_file, spool_file + FAILED)
            except OSError:
                pass
            continue
        _remove(spool_file)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
