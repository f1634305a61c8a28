"""Where a project comes from: a local directory, or a git repository at a branch, tag or commit.

A git URI (``https://``, ``http://``, ``git://``, ``ssh://``, ``file://``, ``git@host:path``, or a
local repository path given with ``--version``) is cloned once into a bare mirror under the cache
(``AUTOLOG_PROJECTS_CACHE``, default ``~/.cache/autolog/projects``), fetched again on each run,
and checked out at the commit into a fresh directory that is removed after the run (a run may
write into its directory; a shared checkout would carry one run's files into the next). A
``#sub/dir`` suffix names the project's directory inside the repository. Runs record the URL,
the commit, and for a local directory in a git work tree whether it is dirty (and the diff), as
``autolog run -- ...`` does.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field

from .spec import ProjectError

CACHE_ENV = "AUTOLOG_PROJECTS_CACHE"
GIT_SCHEMES = ("https://", "http://", "git://", "ssh://", "git+ssh://", "file://")
_SCP_LIKE = re.compile(r"^[\w.-]+@[\w.-]+:(?!//)")


def cache_root() -> str:
    root = os.environ.get(CACHE_ENV) or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "autolog", "projects"
    )
    os.makedirs(root, exist_ok=True)
    return root


@dataclass
class Source:
    uri: str  # as given
    directory: str  # the project's directory (inside the checkout for a git URI)
    git_url: str | None = None  # the repository, for a git URI
    commit: str | None = None
    version: str | None = None
    subdirectory: str = ""
    dirty: bool | None = None
    diff: bytes = b""
    diff_truncated: bool = False
    cleanup_paths: list[str] = field(default_factory=list)

    def cleanup(self) -> None:
        for path in self.cleanup_paths:
            shutil.rmtree(path, ignore_errors=True)
        self.cleanup_paths.clear()


def split_subdirectory(uri: str) -> tuple[str, str]:
    base, _sep, sub = uri.partition("#")
    sub = sub.strip("/")
    if sub and (os.path.isabs(sub) or ".." in sub.split("/")):
        raise ProjectError(f"{uri}: the subdirectory after # must be a relative path inside the repository, without ..")
    return base, sub


def is_git_uri(uri: str) -> bool:
    return uri.startswith(GIT_SCHEMES) or bool(_SCP_LIKE.match(uri))


def fetch(uri: str, version: str | None = None) -> Source:
    """The project's directory for ``uri`` (``ProjectError`` when it cannot be had)."""
    base, sub = split_subdirectory(uri)
    if not base:
        raise ProjectError("no project URI: give a directory (e.g. .) or a git URL")
    if is_git_uri(base) or version is not None:
        if not is_git_uri(base):
            if not os.path.isdir(base):
                raise ProjectError(f"no project directory {base}: give an existing directory or a git URL")
            if _git_out(["git", "-C", base, "rev-parse", "--show-toplevel"]) is None:
                raise ProjectError(
                    f"--version {version}: {base} is not a git repository; drop --version to run it as it is"
                )
            base = os.path.abspath(base)
        return _fetch_git(uri, base, sub, version)
    directory = os.path.abspath(os.path.join(base, sub))
    if not os.path.isdir(directory):
        what = "file" if os.path.exists(directory) else "directory"
        raise ProjectError(
            f"no project directory {directory} ({what} given): give a project directory, "
            "a git URL (https://..., file://..., git@host:path), "
            "or put -- before a command: autolog run -- python train.py"
        )
    source = Source(uri, directory, subdirectory=sub)
    from ..git_state import GitState

    state = GitState(directory).wait()
    source.commit, source.dirty, source.diff, source.diff_truncated = (
        state.commit,
        state.dirty,
        state.diff,
        state.diff_truncated,
    )
    if state.commit:
        source.git_url = _git_out(["git", "-C", directory, "config", "--get", "remote.origin.url"])
    return source


def _git_out(command: list[str], cwd: str | None = None) -> str | None:
    try:
        result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        raise ProjectError("git is not installed: install git to run a project from a git URI") from None
    return result.stdout.strip() if result.returncode == 0 else None


def _git(command: list[str], what: str, cwd: str | None = None) -> None:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}
    try:
        result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, stdin=subprocess.DEVNULL, env=env)
    except FileNotFoundError:
        raise ProjectError("git is not installed: install git to run a project from a git URI") from None
    if result.returncode != 0:
        message = (result.stderr or result.stdout).strip().splitlines()
        raise ProjectError(f"{what}: {message[-1] if message else 'git failed'}")


def _fetch_git(uri: str, url: str, sub: str, version: str | None) -> Source:
    import fcntl

    root = cache_root()
    mirrors = os.path.join(root, "git")
    os.makedirs(mirrors, exist_ok=True)
    mirror = os.path.join(mirrors, hashlib.sha256(url.encode()).hexdigest()[:20] + ".git")
    with open(mirror + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two runs of one repository fetch one at a time
        if not os.path.isdir(mirror):
            partial = tempfile.mkdtemp(prefix="clone-", dir=mirrors)
            try:
                _git(["git", "clone", "--mirror", "--quiet", url, partial], f"cannot clone {url}")
                os.replace(partial, mirror)
            finally:
                shutil.rmtree(partial, ignore_errors=True)
        else:
            _git(["git", "-C", mirror, "fetch", "--quiet", "--prune", "--tags", "origin"], f"cannot fetch {url}")
        ref = version or "HEAD"
        commit = _git_out(["git", "-C", mirror, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"])
        if commit is None and version and re.fullmatch(r"[0-9a-fA-F]{7,40}", version):
            subprocess.run(
                ["git", "-C", mirror, "fetch", "--quiet", "origin", version],
                capture_output=True,
                stdin=subprocess.DEVNULL,
            )
            commit = _git_out(["git", "-C", mirror, "rev-parse", "--verify", "--quiet", f"{version}^{{commit}}"])
        if commit is None:
            branches = _git_out(
                ["git", "-C", mirror, "for-each-ref", "--format=%(refname:short)", "refs/heads", "refs/tags"]
            )
            names = ", ".join((branches or "").split()[:20]) or "none"
            raise ProjectError(
                f"--version {ref}: no such branch, tag or commit in {url} "
                f"(branches and tags: {names}): give one of them or a commit"
            )
    checkouts = os.path.join(root, "checkouts")
    os.makedirs(checkouts, exist_ok=True)
    work = tempfile.mkdtemp(prefix=commit[:12] + "-", dir=checkouts)
    try:
        _git(["git", "clone", "--quiet", "--shared", "--no-checkout", mirror, work], f"cannot check out {url}")
        _git(["git", "-C", work, "checkout", "--quiet", "--detach", commit], f"cannot check out {commit} of {url}")
        _git(["git", "-C", work, "remote", "set-url", "origin", url], "cannot set the origin")
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    directory = os.path.join(work, sub) if sub else work
    source = Source(uri, directory, git_url=url, commit=commit, version=version, subdirectory=sub, dirty=False)
    source.cleanup_paths.append(work)
    if not os.path.isdir(directory):
        source.cleanup()
        raise ProjectError(f"{uri}: the repository has no directory {sub} at {commit[:12]}: fix the part after #")
    return source
