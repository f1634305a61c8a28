"""``model_summary.txt`` and ``coefficients.csv`` built in a worker process once a process fits many models.

statsmodels' ``summary()`` is Python code holding the GIL: about 4 ms for a small GEE, as much as
the fit itself, and a thread would take that time from the training loop anyway; the standard
errors, p-values and intervals of ``coefficients.csv`` cost another 0.4 ms. So the artifacts of
the first ``INLINE_FITS`` fits of a process are built on the training thread (a script that fits
a few models never starts a process), and the later ones in one worker process: the training
thread pickles the results object into a spool file (``spool_pickle``: 0.3 ms for a small GEE)
and writes its path, the run's artifact directory and the files to build to the worker's stdin;
the worker unpickles it, builds the files with the same code (``artifacts.MAKERS``) and writes
them into the directory, then deletes the spool file. Only runs whose artifacts are a local
directory are handed over; for a server or S3 the files are built inline.

``autolog.flush()`` and interpreter exit wait until every handed-over file is written (and so do
our client's reads of a run's artifacts). A job the worker could not finish (it died, or the wait
timed out) is built inline then, so nothing is lost; a file the worker failed to build (named in
``.failed`` beside the spool file) is a warning, as it would have been inline.

Run as ``python -m autolog_statsmodels.artifact_worker SPOOL_DIR`` (by this module only).
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
from typing import Any, NamedTuple

from . import spool_pickle

INLINE_FITS = 3
WAIT_SECONDS = 120.0  # at flush or exit, how long the worker may take before the rest is built inline
FAILED = ".failed"
PRUNE_AT = 256  # handed-over jobs remembered before the written ones are forgotten


def write_text_atomically(target: str, text: str) -> None:
    os.makedirs(os.path.dirname(target), exist_ok=True)
    partial = f"{target}.{os.getpid()}.partial"
    with open(partial, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(partial, target)


class Job(NamedTuple):
    directory: str  # the run's artifact directory
    names: tuple[str, ...]  # the files to build there, in ``artifacts.MAKERS`` order

    def paths(self, names: Any = None) -> list[str]:
        return [os.path.join(self.directory, name) for name in (self.names if names is None else names)]


def build_from_spool(spool_file: str, job: Job) -> list[str]:
    """Load the pickled results in ``spool_file`` and write ``job``'s files; the names that failed."""
    from .artifacts import MAKERS

    with open(spool_file, "rb") as fh:
        results = pickle.load(fh)
    failed = []
    for name in job.names:
        try:
            content = MAKERS[name](results)
            if content is not None:
                write_text_atomically(os.path.join(job.directory, name), content)
        except Exception:  # one failing file does not cost the others
            failed.append(name)
    return failed


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
        self.pending: dict[str, Job] = {}  # spool file -> its job
        self.jobs = 0

    def alive(self) -> bool:
        return self.process.poll() is None

    def submit(self, results: Any, job: Job) -> bool:
        """Hand ``job`` over; False when it could not be (then build its files inline)."""
        if not self.alive() or self.process.stdin is None:
            return False
        self.jobs += 1
        spool_file = os.path.join(self.spool, f"{self.jobs}.pickle")
        try:
            with open(spool_file, "wb") as fh:
                spool_pickle.dump(results, fh)
            self.process.stdin.write(f"{spool_file}\t{job.directory}\t{','.join(job.names)}\n".encode())
            self.process.stdin.flush()
        except Exception:  # unpicklable results, a full disk, a dead worker: inline instead
            _remove(spool_file)
            return False
        self.pending[spool_file] = job
        if len(self.pending) >= PRUNE_AT:
            self._forget_written()
        return True

    def _forget_written(self) -> None:
        for spool_file in list(self.pending):
            if not os.path.exists(spool_file) and not os.path.exists(spool_file + FAILED):
                del self.pending[spool_file]

    def wait(self, seconds: float = WAIT_SECONDS) -> list[str]:
        """Until every handed-over file is written; what the worker did not do is built here.
        Returns the files that could not be built at all (for the caller's warning)."""
        deadline = time.monotonic() + seconds
        delay = 0.0005
        while self._in_progress() and self.alive() and time.monotonic() < deadline:
            time.sleep(delay)
            delay = min(delay * 2, 0.02)
        failed: list[str] = []
        for spool_file, job in list(self.pending.items()):
            if os.path.exists(spool_file):  # not done by the worker: build it here
                try:
                    failed += job.paths(build_from_spool(spool_file, job))
                except Exception:
                    failed += job.paths()
                _remove(spool_file)
            elif os.path.exists(spool_file + FAILED):
                failed += job.paths(_failed_names(spool_file + FAILED))
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


def _failed_names(marker: str) -> list[str]:
    try:
        with open(marker, encoding="utf-8") as fh:
            return fh.read().split()
    except OSError:
        return []


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass


class Handover:
    """Where the artifacts of each fit of this process are built: inline for the first few, then the worker."""

    def __init__(self, on_failed: Any) -> None:
        self._lock = threading.Lock()
        self._inline = 0
        self._worker: SummaryWorker | None = None
        self._worker_pid = 0  # the process that started the worker: a forked child starts its own
        self._worker_failed = False
        self._on_failed = on_failed  # called with the files that could not be built

    def hand_over(self, results: Any, directory: str | None, names: tuple[str, ...]) -> bool:
        """True when the worker will write ``names`` into ``directory``; False: build them inline now."""
        with self._lock:
            if directory is None or not names or self._inline < INLINE_FITS or self._worker_failed:
                self._inline += 1
                return False
            if self._worker is None or self._worker_pid != os.getpid():
                try:
                    self._worker, self._worker_pid = SummaryWorker(), os.getpid()
                except Exception:
                    self._worker_failed = True
                    return False
                atexit.register(self.close)
            return self._worker.submit(results, Job(directory, names))

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
        spool_file, directory, names = line.decode("utf-8").rstrip("\n").split("\t")
        job = Job(directory, tuple(names.split(",")))
        try:
            failed = build_from_spool(spool_file, job)
        except Exception:
            failed = list(job.names)
        if failed:
            try:
                write_text_atomically(spool_file + FAILED, "\n".join(failed))
            except OSError:
                pass
        _remove(spool_file)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
