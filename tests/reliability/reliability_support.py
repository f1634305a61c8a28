"""Shared helpers of the reliability tests: fresh interpreters, tmpfs mounts, stores."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
PYTHON = sys.executable


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTOLOG_", "PYTEST_"))}
    env.update({"PYTHONPATH": REPO, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONWARNINGS": "default", "OMP_NUM_THREADS": "1"})
    env.update(extra)
    return env


def run_child(args: list[str], timeout: float = 240, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PYTHON, *args], capture_output=True, text=True, timeout=timeout, env=child_env(**env), cwd=REPO
    )


class Tmpfs:
    """A small tmpfs mounted at ``path`` (root only); ``remount(ro=True)`` makes it read-only."""

    def __init__(self, path: str, size: str = "2m"):
        self.path = path
        os.makedirs(path, exist_ok=True)
        result = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", path], capture_output=True, text=True
        )
        if result.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs (needs root and mount permission): {result.stderr.strip()}")

    def remount(self, ro: bool) -> None:
        subprocess.run(["mount", "-o", f"remount,{'ro' if ro else 'rw'}", self.path], check=True)

    def fill(self, name: str = "filler") -> str:
        """Fill the filesystem to the last byte (big writes, then single bytes); returns the file's path."""
        path = os.path.join(self.path, name)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        try:
            for chunk in (b"\0" * 65536, b"\0" * 512, b"\0"):
                try:
                    while True:
                        os.write(fd, chunk)
                except OSError:
                    pass
        finally:
            os.close(fd)
        return path

    def free(self, filler: str) -> None:
        os.remove(filler)

    def unmount(self) -> None:
        for _ in range(50):
            if subprocess.run(["umount", self.path], capture_output=True).returncode == 0:
                return
            time.sleep(0.1)
        subprocess.run(["umount", "-l", self.path], capture_output=True)


def make_store(path: str) -> None:
    """Create a store (schema and the Default experiment) at ``path`` in a fresh interpreter."""
    code = "import autolog, sys; autolog.set_tracking_uri(sys.argv[1]); r = autolog.start_run(); autolog.end_run()"
    result = run_child(["-c", code, path], timeout=120)
    assert result.returncode == 0, result.stderr


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"
