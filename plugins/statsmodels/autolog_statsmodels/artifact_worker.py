"""The artifacts and the model of a fit built in a worker process once a process fits many models.

statsmodels' ``summary()`` is Python code holding the GIL: about 4 ms for a small GEE, as much as
the fit itself, and a thread would take that time from the training loop anyway; the standard
errors, p-values and intervals of ``coefficients.csv`` cost another 0.4 ms, saving the model
1 ms. So the artifacts of the first ``INLINE_FITS`` fits of a process are built on the training
thread (a script that fits a few models never starts a process), and those of later fits in one
worker process: the training thread pickles the results object into a spool file
(``spool_pickle``: 0.3 ms for a small GEE) and writes a line to the worker's stdin naming it, the
run's artifact directory, the files to build there and, when the run is autolog's own and not
registered, the model to save (``ModelJob``: what the core's model logging would have saved, the
same files); the worker unpickles the results, builds each file with the same code
(``artifacts.MAKERS``, ``saving``, ``tracking_core.models.save_model``), then deletes the spool file.
Only runs whose artifacts are a local directory are handed over, and only results that unpickle
elsewhere (not a model class of the user's ``__main__``); the rest is built inline.

``autolog.flush()`` and interpreter exit wait until every handed-over job is done, and so do our
client's reads of a run's artifacts and ``autolog.load_model``. A job the worker could not finish
(it died, or the wait timed out) is built inline then, so nothing is lost; what the worker could
not build (written in ``.failed`` beside the spool file: a file whose maker raised, a model over
``max_model_size_mb``) is one warning, as it would have been inline. The worker ignores Ctrl-C
(it reaches the whole process group): it ends when the training process closes its stdin.

Run as ``python -m autolog_statsmodels.artifact_worker SPOOL_DIR`` (by this module only).
"""

from __future__ import annotations

import atexit
import json
import os
import pickle
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from typing import Any, NamedTuple

from . import spool_pickle
from .model import MEGABYTE

INLINE_FITS = 3
WAIT_SECONDS = 120.0  # at flush or exit, how long the worker may take before the rest is built inline
FAILED = ".failed"
UNLOADABLE = ".unloadable"  # results the worker could not unpickle, left for the training process
PRUNE_AT = 256  # handed-over jobs remembered before the written ones are forgotten


def write_text_atomically(target: str, text: str) -> None:
    os.makedirs(os.path.dirname(target), exist_ok=True)
    partial = f"{target}.{os.getpid()}.partial"
    with open(partial, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(partial, target)


class ModelJob(NamedTuple):
    """The run's model, saved as ``session`` would have saved it (``model.model_to_log``)."""

    directory: str  # the model directory: <artifacts>/model
    artifact_path: str
    run_id: str
    requirements: tuple[str, ...]
    signature: bool  # log_model_signatures
    input_example: bool  # log_input_examples
    max_model_size_mb: float | None


class Job(NamedTuple):
    directory: str  # the run's artifact directory
    names: tuple[str, ...]  # the files to build there, in ``artifacts.MAKERS`` order
    model: ModelJob | None = None

    def line(self, spool_file: str) -> bytes:
        model = self.model._asdict() if self.model is not None else None
        return (
            json.dumps({"spool": spool_file, "directory": self.directory, "names": self.names, "model": model}) + "\n"
        ).encode()

    @classmethod
    def parse(cls, line: bytes) -> tuple[str, Job]:
        found = json.loads(line)
        model = found["model"]
        if model is not None:
            model = ModelJob(**{**model, "requirements": tuple(model["requirements"])})
        return found["spool"], cls(found["directory"], tuple(found["names"]), model)

    def everything(self) -> list[str]:
        """What the job was to write, for the warning when none of it could be."""
        return [os.path.join(self.directory, name) for name in self.names] + (
            [self.model.directory] if self.model is not None else []
        )


def save_model(results: Any, job: ModelJob) -> str | None:
    """Save the model as ``model.model_to_log`` and the core's model logging do; why not, if not."""
    import tracking_core

    from . import model, saving

    limit = None if job.max_model_size_mb is None else int(job.max_model_size_mb * MEGABYTE)
    prepared = saving.pickled(results, limit)
    if prepared.data is None:
        return (
            f"the model ({prepared.size / MEGABYTE:.1f} MB) is larger than "
            f"max_model_size_mb={job.max_model_size_mb} and was not saved ({job.directory})"
        )
    inputs = model.signature_inputs(results) if job.signature or job.input_example else None
    tracking_core.save_model(
        prepared,
        job.directory,
        model.FLAVOR,
        run_id=job.run_id,
        artifact_path=job.artifact_path,
        requirements=job.requirements,
        signature_inputs=inputs if job.signature else None,
        input_example=inputs if job.input_example else None,
    )
    return None


def load_spool(spool_file: str) -> Any:
    with open(spool_file, "rb") as fh:
        return pickle.load(fh)


def build_from_spool(spool_file: str, job: Job) -> list[str]:
    """Load the pickled results in ``spool_file`` and do ``job``; what could not be done, and why."""
    return build(load_spool(spool_file), job)


def build(results: Any, job: Job) -> list[str]:
    """Write ``job``'s files and save its model; what could not be done, and why."""
    from .artifacts import MAKERS

    problems = []
    for name in job.names:
        target = os.path.join(job.directory, name)
        try:
            content = MAKERS[name](results)
            if content is not None:
                write_text_atomically(target, content)
        except Exception as exc:  # one failing file does not cost the others
            problems.append(f"{target} ({type(exc).__name__}: {exc})")
    if job.model is not None:
        try:
            problem = save_model(results, job.model)
        except Exception as exc:
            problem = f"{job.model.directory} ({type(exc).__name__}: {exc})"
        if problem is not None:
            problems.append(problem)
    return problems


class Worker:
    """The worker process and the jobs handed to it that are not written yet."""

    def __init__(self) -> None:
        self.spool = tempfile.mkdtemp(prefix="autolog-statsmodels-artifacts-")
        # The training process's own import path, so the worker unpickles what it imported.
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(path for path in sys.path if path))
        self.process = subprocess.Popen(
            [sys.executable, "-m", __name__, self.spool],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.pending: dict[str, Job] = {}  # spool file -> its job
        self.jobs = 0

    def alive(self) -> bool:
        return self.process.poll() is None

    def refused(self) -> bool:
        """Whether the worker could not unpickle some results (their jobs wait for ``wait()``)."""
        return os.path.exists(os.path.join(self.spool, UNLOADABLE))

    def submit(self, results: Any, job: Job) -> Job | None:
        """Hand ``job`` over, ``results`` spooled for it: the job handed over (without its model when
        that may be over its size limit: the core then saves it, or warns at the fit, as for the
        first fits), or None when nothing could be (then do it all inline)."""
        if not self.alive() or self.process.stdin is None:
            return None
        self.jobs += 1
        spool_file = os.path.join(self.spool, f"{self.jobs}.pickle")
        try:
            with open(spool_file, "wb") as fh:
                spool_pickle.dump(results, fh)  # refuses what the worker could not load (``__main__``)
                size = fh.tell()
            limit = job.model.max_model_size_mb if job.model is not None else None
            if limit is not None and size > limit * MEGABYTE:  # the saved model is a part of it
                job = job._replace(model=None)
            self.process.stdin.write(job.line(spool_file))
            self.process.stdin.flush()
        except Exception:  # unpicklable results, a full disk, a dead worker: inline instead
            _remove(spool_file)
            return None
        self.pending[spool_file] = job
        if len(self.pending) >= PRUNE_AT:
            self._forget_written()
        return job

    def _forget_written(self) -> None:
        for spool_file in list(self.pending):
            if not any(os.path.exists(spool_file + end) for end in ("", FAILED, UNLOADABLE)):
                del self.pending[spool_file]

    def wait(self, seconds: float = WAIT_SECONDS) -> list[str]:
        """Until every handed-over job is done; what the worker did not do is done here.
        Returns what could not be built at all, and why (for the caller's warning)."""
        deadline = time.monotonic() + seconds
        delay = 0.0005
        while self._in_progress() and self.alive() and time.monotonic() < deadline:
            time.sleep(delay)
            delay = min(delay * 2, 0.02)
        failed: list[str] = []
        for spool_file, job in list(self.pending.items()):
            for left in (spool_file, spool_file + UNLOADABLE):
                if os.path.exists(left):  # not done by the worker: do it here
                    try:
                        failed += build_from_spool(left, job)
                    except Exception as exc:
                        failed += [f"{path} ({type(exc).__name__}: {exc})" for path in job.everything()]
                    _remove(left)
            if os.path.exists(spool_file + FAILED):
                failed += _failed_lines(spool_file + FAILED)
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


def _mark_unloadable(spool_file: str) -> None:
    try:
        os.replace(spool_file, spool_file + UNLOADABLE)
        with open(os.path.join(os.path.dirname(spool_file), UNLOADABLE), "w"):
            pass  # the sign the training process checks before handing over more
    except OSError:
        pass


def _failed_lines(marker: str) -> list[str]:
    try:
        with open(marker, encoding="utf-8") as fh:
            return fh.read().splitlines()
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
        self._worker: Worker | None = None
        self._worker_pid = 0  # the process that started the worker: a forked child starts its own
        self._worker_failed = False
        self._on_failed = on_failed  # called with the files that could not be built

    def hand_over(self, results: Any, job: Job) -> Job | None:
        """The job the worker will do (``Worker.submit``); None: build the files (and save the model) inline now."""
        with self._lock:
            if self._worker is not None and self._worker.refused():
                self._worker_failed = True  # inline from now on; what it refused is done at the next wait()
            if not (job.names or job.model) or self._inline < INLINE_FITS or self._worker_failed:
                self._inline += 1
                return None
            if self._worker is None or self._worker_pid != os.getpid():
                try:
                    self._worker, self._worker_pid = Worker(), os.getpid()
                except Exception:
                    self._worker_failed = True
                    return None
                atexit.register(self.close)
            return self._worker.submit(results, job)

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
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C of the training loop: finish, end at EOF
    for line in sys.stdin.buffer:
        spool_file, job = Job.parse(line)
        try:
            results = load_spool(spool_file)
        except Exception:  # a class this process cannot import: the training process does the job
            _mark_unloadable(spool_file)
            continue
        try:
            failed = build(results, job)
        except Exception as exc:
            failed = [f"{path} ({type(exc).__name__}: {exc})" for path in job.everything()]
        if failed:
            try:
                write_text_atomically(spool_file + FAILED, "\n".join(failed))
            except OSError:
                pass
        _remove(spool_file)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
