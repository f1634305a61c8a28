"""Running a project: the run is created first, handed to the command, and ended by its exit status.

``run(...)`` checks everything that can be checked before anything starts (the source, the
MLproject, the entry point and its parameters, the environment): on such an error no run is
created. Then it creates the run (a child of the run active here or of ``AUTOLOG_RUN_ID``: a
multistep driver's steps nest under it), logs the parameters, the source and the environment's
lock, and starts the command with ``bash -c`` in the project's directory, in a process group of
its own, with the run handed over in ``AUTOLOG_RUN_ID``/``AUTOLOG_TRACKING_URI``/
``AUTOLOG_EXPERIMENT_ID`` and MLflow's ``MLFLOW_RUN_ID``/``MLFLOW_TRACKING_URI``/
``MLFLOW_EXPERIMENT_ID``. ``start_run()`` in the child (and so autologging) continues that run.

MLflow's client cannot open our store's files: for a local store, when the environment holds
``mlflow`` (or ``AUTOLOG_PROJECTS_SERVER=1``), an ``autolog server`` is started on a free loopback
port for the run's duration and ``MLFLOW_TRACKING_URI`` points at it; it is stopped by its pid
after. Without ``mlflow`` in the environment no server is started (it would cost a second of
start-up for nothing). An http(s) tracking URI is handed through as it is.

Exit status 0 ends the run FINISHED, any other FAILED (the last 64 KB of stderr saved as the
artifact ``logs/stderr-tail.txt``; stderr still reaches the terminal), ``cancel()`` or Ctrl-C
KILLED. The whole process group is stopped when the command ends or is cancelled (SIGTERM, then
SIGKILL after ``AUTOLOG_PROJECTS_KILL_GRACE`` seconds, default 5), so nothing it started is left.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
from typing import Any

from ..git_state import DIFF_ARTIFACT
from .environments import Environment, default_manager, prepare
from .sources import Source, fetch
from .spec import ProjectError, load_project

STDERR_TAIL_BYTES = 64 * 1024
STDERR_ARTIFACT = "logs/stderr-tail.txt"
LOCK_ARTIFACT = "environment/requirements.txt"
SERVER_ENV = "AUTOLOG_PROJECTS_SERVER"
GRACE_ENV = "AUTOLOG_PROJECTS_KILL_GRACE"


class SubmittedRun:
    """A project run started by ``autolog.projects.run``."""

    def __init__(self, run_id: str, process: subprocess.Popen, finish) -> None:
        self.run_id = run_id
        self._process = process
        self._finish = finish  # called once with the final status
        self._status: str | None = None
        self._cancelled = False
        self._lock = threading.Lock()
        self._done = threading.Event()
        self.returncode: int | None = None

    def wait(self) -> bool:
        """Wait for the command to end; True if it succeeded (exit status 0)."""
        self._process.wait()
        self._settle()
        return self._status == "FINISHED"

    def get_status(self) -> str:
        """RUNNING, FINISHED, FAILED or KILLED."""
        if self._status is None and self._process.poll() is not None:
            self._settle()
        return self._status or "RUNNING"

    def cancel(self) -> None:
        """Stop the command's whole process group; the run ends KILLED."""
        if self._process.poll() is None:
            self._cancelled = True
            stop_group(self._process)
        self._settle()

    def _settle(self) -> None:
        with self._lock:
            if self._status is not None:
                return
            code = self._process.wait()
            self.returncode = code
            status = "KILLED" if self._cancelled else ("FINISHED" if code == 0 else "FAILED")
            self._finish(status, code)
            self._status = status
            self._done.set()

    def __repr__(self) -> str:
        return f"<SubmittedRun {self.run_id} {self.get_status()}>"


def stop_group(process: subprocess.Popen, grace: float | None = None) -> None:
    """SIGTERM to the process group, SIGKILL after ``grace`` seconds for what is left."""
    if grace is None:
        grace = float(os.environ.get(GRACE_ENV) or 5)
    pgid = process.pid
    try:
        os.killpg(pgid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        pass
    _kill_group(pgid)
    process.wait()


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _set_pdeathsig() -> None:  # runs in the child between fork and exec (Linux)
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:
        pass


# -- the tracking server for MLflow's client ------------------------------------------------------
class ServerProcess:
    def __init__(self, resolved) -> None:
        command = [
            sys.executable,
            "-m",
            "autolog",
            "server",
            "--backend-store-uri",
            resolved.tracking_uri,
            "--port",
            "0",
        ]
        if resolved.artifact_root and "://" not in resolved.artifact_root:
            command += ["--artifacts-destination", resolved.artifact_root]
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()  # "autolog tracking server serving http://127.0.0.1:PORT (...)"
        url = next((w for w in line.split() if w.startswith("http://")), None)
        if url is None:
            self.stop()
            error = self.process.stderr.read() if self.process.stderr else ""
            raise ProjectError(f"cannot start autolog server for MLflow's client: {(error or line).strip()[-2000:]}")
        self.url = url
        threading.Thread(target=self._drain, daemon=True).start()
        self._wait_ready()

    def _wait_ready(self, timeout: float = 30.0) -> None:
        """The URL is printed as the socket is bound; requests are served once the app has started."""
        import socket
        import time
        from urllib.parse import urlsplit

        parts = urlsplit(self.url)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                with socket.create_connection((parts.hostname, parts.port or 80), 0.5) as sock:
                    sock.sendall(b"GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
                    if sock.recv(12).startswith(b"HTTP/"):
                        return
            except OSError:
                pass
            time.sleep(0.02)
        self.stop()
        raise ProjectError(f"autolog server for MLflow's client did not answer at {self.url} within {timeout:.0f} s")

    def _drain(self) -> None:
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                try:
                    stream.read()
                except (OSError, ValueError):
                    pass

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                os.kill(self.process.pid, signal.SIGTERM)
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait()
            except ProcessLookupError:
                pass
        _kill_group(self.process.pid)


def _wants_server(environment: Environment) -> bool:
    setting = os.environ.get(SERVER_ENV, "").lower()
    if setting in ("1", "true", "yes"):
        return True
    if setting in ("0", "false", "no"):
        return False
    if environment.manager == "docker":  # asking the image would cost a container start
        return True
    if environment.manager == "local":
        import importlib.util

        return importlib.util.find_spec("mlflow") is not None
    return environment.has("mlflow")


# -- run ------------------------------------------------------------------------------------------
def run(
    uri: str,
    entry_point: str = "main",
    version: str | None = None,
    parameters: dict[str, Any] | None = None,
    experiment_name: str | None = None,
    experiment_id: str | None = None,
    run_name: str | None = None,
    env_manager: str | None = None,
    synchronous: bool = True,
    tracking_uri: str | None = None,
    capture_stderr: bool = True,
    build_image: bool = False,
    extra_args: list[str] | None = None,
) -> SubmittedRun:
    """Run a project's entry point in its environment, as a tracked run.

    ``uri``: a directory, or a git URL (``https://...``, ``git@host:path``, ``file://...``, with
    ``#subdirectory``); ``version`` a branch, tag or commit (third, as in ``mlflow.projects.run``, so
    MLflow code calling it positionally runs unchanged). Returns a ``SubmittedRun``; with
    ``synchronous=True`` (the default) after the command has ended, raising ``ExecutionError``
    if it failed. Errors in the project itself are ``ProjectError`` raised before any run exists.
    """
    from tracking_core import uri as uri_module

    if experiment_name is not None and experiment_id is not None:
        raise ProjectError("give an experiment name or an experiment id, not both")
    if version is not None and not isinstance(version, str):
        raise TypeError(
            f"version must be a branch, tag or commit, not {type(version).__name__}: the third positional "
            "argument is version, as in mlflow.projects.run; pass parameters=... by name"
        )
    given = {str(k): ("" if v is None else str(v)) for k, v in (parameters or {}).items()}
    if env_manager is not None and env_manager not in ("local", "virtualenv", "uv", "conda", "docker"):
        raise ProjectError(f"unknown env manager {env_manager!r}: use local, virtualenv, uv, conda or docker")
    if tracking_uri is None:
        from tracking_core import get_tracking_uri

        tracking_uri = get_tracking_uri()
    resolved = uri_module.resolve(tracking_uri)
    source = fetch(uri, version)
    storage_dir = tempfile.mkdtemp(prefix="autolog-project-params-")
    server: ServerProcess | None = None
    try:
        project = load_project(source.directory)
        entry = project.entry_point(entry_point)
        command, values = entry.command_for(given, storage_dir)
        if extra_args:
            command = " ".join([command, *map(shlex.quote, extra_args)])
        manager = env_manager or default_manager(project)
        environment = prepare(project, manager, build_image=build_image)
        tracker, experiment = _tracker_and_experiment(resolved.tracking_uri, experiment_name, experiment_id)
        if not uri_module.is_http_url(resolved.tracking_uri) and _wants_server(environment):
            server = ServerProcess(resolved)
    except BaseException:
        source.cleanup()
        _rmtree(storage_dir)
        raise
    # from here on, a run exists
    rerun = rerun_command(source, entry_point, given, manager)
    info = _create_run(tracker, experiment, run_name, source, project, entry_point, manager, values, version, rerun)
    run_id = info.run_id
    process: subprocess.Popen | None = None
    try:
        recorder = threading.Thread(  # off the path to the command's start
            target=_log_environment, args=(tracker, info, environment, source), name="autolog-project-lock"
        )
        recorder.start()
        env = _child_env(environment, resolved.tracking_uri, server.url if server else None, info)
        tracker.set_tags(run_id, {"autolog.run.command": command[:5000]})
        tracker.writer.flush()
        popen_kwargs: dict[str, Any] = {}
        if threading.current_thread() is threading.main_thread():
            popen_kwargs["preexec_fn"] = _set_pdeathsig
        argv = ["bash", "-c", command]
        if environment.image is not None:
            from . import docker

            store_dirs = docker.local_store_dirs(resolved.tracking_uri, resolved.artifact_root)
            container = f"autolog-run-{run_id}"
            argv = docker.run_argv(
                project, environment.image, environment.image_built, command, env, container, store_dirs
            )
        process = subprocess.Popen(
            argv,
            cwd=source.directory,
            env=env,
            stdin=None,
            stderr=subprocess.PIPE if capture_stderr else None,
            start_new_session=True,
            **popen_kwargs,
        )
        tail = _StderrTail(process) if capture_stderr else None

        def finish(status: str, code: int) -> None:
            _kill_group(process.pid)  # whatever the command left running in its group
            if environment.image is not None:
                from .docker import remove

                remove(f"autolog-run-{run_id}")  # the container outlives its killed client
            try:
                recorder.join()
                if tail is not None:
                    tail.join()
                    if status == "FAILED" and tail.data:
                        tracker.artifact_repository(info.artifact_uri).write_bytes(STDERR_ARTIFACT, bytes(tail.data))
                        hint = missing_module_hint(manager, bytes(tail.data))
                        if hint:
                            print(f"autolog run: {hint}", file=sys.stderr)
                tracker.set_tags(run_id, {"autolog.project.exit_code": str(code)})
                tracker.end_run(run_id, status)
                tracker.writer.flush()
            finally:
                if server:
                    server.stop()
                source.cleanup()
                _rmtree(storage_dir)

        submitted = SubmittedRun(run_id, process, finish)
        if not synchronous:  # the run ends with its command even if nobody waits for it
            threading.Thread(target=submitted._settle, name=f"autolog-project-{run_id[:8]}", daemon=True).start()
    except BaseException as exc:  # Ctrl-C (or an error) before the caller holds the SubmittedRun
        if process is not None:
            stop_group(process)
            if environment.image is not None:
                from .docker import remove

                remove(f"autolog-run-{run_id}")
        tracker.end_run(run_id, "KILLED" if isinstance(exc, KeyboardInterrupt) else "FAILED")
        if server:
            server.stop()
        source.cleanup()
        _rmtree(storage_dir)
        raise
    if synchronous:
        try:
            ok = submitted.wait()
        except KeyboardInterrupt:
            submitted.cancel()
            raise
        if not ok:
            raise ExecutionError(
                f"run {run_id} of {uri} ({entry_point}) {submitted.get_status()}, exit status {submitted.returncode}",
                submitted,
            )
    return submitted


class ExecutionError(RuntimeError):
    """The project's command ended with a non-zero status (``.submitted_run`` is its run)."""

    def __init__(self, message: str, submitted_run: SubmittedRun) -> None:
        super().__init__(message)
        self.submitted_run = submitted_run


class _StderrTail:
    """Copies the command's stderr to ours, keeping its last bytes."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.data = bytearray()
        self._stream = process.stderr
        self._thread = threading.Thread(target=self._copy, name="autolog-project-stderr", daemon=True)
        self._thread.start()

    def _copy(self) -> None:
        assert self._stream is not None
        fd = self._stream.fileno()
        out = getattr(sys.stderr, "buffer", None)
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            try:
                if out is not None:
                    out.write(chunk)
                    out.flush()
                else:
                    sys.stderr.write(chunk.decode(errors="replace"))
            except (OSError, ValueError):
                pass
            self.data += chunk
            if len(self.data) > STDERR_TAIL_BYTES:
                del self.data[: len(self.data) - STDERR_TAIL_BYTES]
        self._stream.close()

    def join(self) -> None:
        self._thread.join(10)


def _rmtree(path: str) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)


def _tracker_and_experiment(tracking_uri: str, name: str | None, experiment_id: str | None):
    from tracking_core.client.tracker import tracker_for

    tracker = tracker_for(tracking_uri)
    if experiment_id is not None:
        experiment = tracker.store.get_experiment(str(experiment_id))
        if experiment is None:
            raise ProjectError(f"no experiment with id {experiment_id}: give an existing id, or --experiment-name NAME")
        return tracker, experiment.name
    if name is not None and not name.strip():
        raise ProjectError("the experiment name must not be empty")
    if name is None:
        from tracking_core.client import fluent

        name = fluent._experiment_name or os.environ.get("AUTOLOG_EXPERIMENT_NAME") or None
    return tracker, name


def _parent_run_id() -> str | None:
    import tracking_core

    active = tracking_core.active_run()
    if active is not None:
        return active.info.run_id
    return os.environ.get("AUTOLOG_RUN_ID") or None


def rerun_command(source: Source, entry_point: str, given: dict[str, str], manager: str) -> str:
    """The ``autolog run ...`` line that runs this again: the same source at the same commit, the
    same entry point, parameters (as given) and environment manager."""
    if source.cleanup_paths and source.git_url:  # a git URI: its exact commit
        uri = source.git_url + (f"#{source.subdirectory}" if source.subdirectory else "")
        words = ["autolog", "run", uri, "--version", source.commit or ""]
    elif source.commit and source.dirty is False:  # a clean work tree: its repository at this commit
        words = ["autolog", "run", _in_repository(source.directory), "--version", source.commit]
    else:  # not in git, or uncommitted changes (recorded as source/git.diff): the directory as it will be
        words = ["autolog", "run", source.directory]
    if entry_point != "main":
        words += ["-e", entry_point]
    for key, value in given.items():
        words += ["-P", f"{key}={value}"]
    words += ["--env-manager", manager]
    return shlex.join(words)


def _in_repository(directory: str) -> str:
    """``TOPLEVEL#SUBDIR`` for a directory inside a git work tree (``--version`` clones the top level)."""
    top = subprocess.run(
        ["git", "-C", directory, "rev-parse", "--show-toplevel"], capture_output=True, text=True, check=False
    ).stdout.strip()
    if not top:
        return directory
    inside = os.path.relpath(directory, top)
    return top if inside == "." else f"{top}#{inside}"


def _create_run(tracker, experiment, run_name, source: Source, project, entry_point, manager, values, version, rerun):
    from tracking_core.lineage.liveness import owner_tags

    name = source.git_url if source.git_url and source.cleanup_paths else source.directory
    tags = {
        "autolog.source.name": name
        + (f"#{source.subdirectory}" if source.cleanup_paths and source.subdirectory else ""),
        "mlflow.source.type": "PROJECT",
        "autolog.project.uri": source.uri,
        "autolog.project.entry_point": entry_point,
        "mlflow.project.entryPoint": entry_point,
        "autolog.project.env_manager": manager,
        "mlflow.project.env": manager,
        "mlflow.project.backend": "local",
        "autolog.project.rerun": rerun[:5000],
        **owner_tags(),
    }
    if project.name:
        tags["autolog.project.name"] = project.name
    if source.git_url:
        tags["autolog.source.git.repo_url"] = source.git_url
        tags["mlflow.source.git.repoURL"] = source.git_url
        tags["mlflow.gitRepoURL"] = source.git_url
    if source.commit:
        tags["autolog.source.git.commit"] = source.commit
    if source.dirty is not None:
        tags["autolog.source.git.dirty"] = "true" if source.dirty else "false"
    if source.diff_truncated:
        tags["autolog.source.git.diff_truncated"] = "true"
    if version:
        tags["autolog.project.version"] = version
        tags["mlflow.source.git.branch"] = version
    if source.subdirectory:
        tags["autolog.project.subdirectory"] = source.subdirectory
    info = tracker.create_run(experiment, run_name, tags, parent_run_id=_parent_run_id())
    tracker.writer.keep_alive(info.run_id)
    if values:
        tracker.log_params(info.run_id, values)
    return info


def _log_environment(tracker, info, environment: Environment, source: Source) -> None:
    try:
        repository = tracker.artifact_repository(info.artifact_uri)
        lock = environment.lock()
        repository.write_bytes(LOCK_ARTIFACT, ("\n".join(lock) + "\n").encode())
        if source.diff:
            repository.write_bytes(DIFF_ARTIFACT, source.diff)
    except Exception as exc:  # the run goes on without them
        print(f"autolog run: cannot record the environment's lock: {type(exc).__name__}: {exc}", file=sys.stderr)


def _child_env(environment: Environment, tracking_uri: str, server_url: str | None, info) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("AUTOLOG_RUN_PAYLOAD", "PYTHONHOME"):
        env.pop(name, None)
    if environment.bin_dir:
        env["PATH"] = os.pathsep.join([environment.bin_dir, *filter(None, [env.get("PATH")])])
    env.update(environment.env_vars)
    env.update(
        {
            "AUTOLOG_RUN_ID": info.run_id,
            "AUTOLOG_TRACKING_URI": tracking_uri,
            "AUTOLOG_EXPERIMENT_ID": info.experiment_id,
            "MLFLOW_RUN_ID": info.run_id,
            "MLFLOW_EXPERIMENT_ID": info.experiment_id,
        }
    )
    env.pop("AUTOLOG_EXPERIMENT_NAME", None)  # the run's experiment is the one that counts
    if server_url:
        env["MLFLOW_TRACKING_URI"] = server_url
        for name in ("no_proxy", "NO_PROXY"):  # an http_proxy set for the project must not take our server's calls
            kept = [h for h in env.get(name, "").split(",") if h.strip()]
            env[name] = ",".join(kept + [h for h in ("127.0.0.1", "localhost") if h not in kept])
    elif tracking_uri.startswith(("http://", "https://")):
        env["MLFLOW_TRACKING_URI"] = tracking_uri
    else:
        env.pop("MLFLOW_TRACKING_URI", None)
    return env


def missing_module_hint(manager: str, stderr_tail: bytes) -> str | None:
    """What to do when a failed command could not import the tracking client it was written for."""
    if manager == "local" and b"No module named 'mlflow'" in stderr_tail:
        return (
            "the project imports mlflow, which is not installed in the local environment: use --env-manager "
            "uv or virtualenv (they install the project's python_env.yaml or conda.yaml, which list mlflow), "
            "or pip install mlflow here"
        )
    if manager != "local" and (
        b"No module named 'autolog" in stderr_tail or b"No module named 'tracking_core" in stderr_tail
    ):
        return (
            f"the project imports autolog, which its {manager} environment does not install: list autolog "
            "(and the plugins the project uses, such as autolog-sklearn) in its python_env.yaml dependencies, "
            "or run it with --env-manager local"
        )
    return None
