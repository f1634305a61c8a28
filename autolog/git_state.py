"""Commit, dirtiness and bounded diff of a git work tree, as ``autolog run`` records them for a
script (``autolog/run_command.py``) and for a project (``autolog/projects/sources.py``): the tags
``autolog.source.git.commit``/``.dirty`` and, for a dirty tree, the artifact ``source/git.diff``
(``git diff HEAD``, at most ``AUTOLOG_RUN_MAX_DIFF_BYTES``, default 1 MB).
"""

from __future__ import annotations

import os
import threading

MAX_DIFF_ENV = "AUTOLOG_RUN_MAX_DIFF_BYTES"
DEFAULT_MAX_DIFF_BYTES = 1_000_000
DIFF_ARTIFACT = "source/git.diff"


def _git(directory: str, *args: str, limit: int | None = None) -> tuple[int, bytes, bool]:
    """(exit code, stdout up to ``limit`` bytes, truncated)."""
    import subprocess

    process = subprocess.Popen(
        ["git", "-C", directory, *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL
    )
    assert process.stdout is not None
    with process.stdout:
        data = process.stdout.read(limit + 1) if limit is not None else process.stdout.read()
    truncated = limit is not None and len(data) > limit
    if truncated:
        process.kill()
    code = process.wait()
    return code, data[:limit] if truncated else data, truncated


class GitState:
    """Commit, dirtiness and bounded diff of the repository holding ``directory`` (read in a thread)."""

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self.commit: str | None = None
        self.dirty: bool | None = None
        self.diff = b""
        self.diff_truncated = False
        self._thread = threading.Thread(target=self._read, name="autolog-run-git", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            code, out, _ = _git(self.directory, "rev-parse", "HEAD")
            if code != 0:
                return
            self.commit = out.decode().strip()
            code, out, _ = _git(self.directory, "status", "--porcelain", "--untracked-files=no")
            if code != 0:
                return
            self.dirty = bool(out.strip())
            if self.dirty:
                limit = int(os.environ.get(MAX_DIFF_ENV) or DEFAULT_MAX_DIFF_BYTES)
                _code, self.diff, self.diff_truncated = _git(
                    self.directory, "diff", "HEAD", "--no-color", "--no-ext-diff", limit=limit
                )
        except Exception:  # no git, not a repository: nothing recorded
            pass

    def wait(self, timeout: float = 10.0) -> GitState:
        self._thread.join(timeout)
        return self
