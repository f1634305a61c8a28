"""Helpers of the project tests: writing projects, running ``autolog run``, reading the store."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import subprocess
import sys
import textwrap
import zipfile

import tracking_core


def write(directory, files: dict[str, str]) -> str:
    for name, text in files.items():
        path = os.path.join(directory, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(textwrap.dedent(text).lstrip("\n"))
    return str(directory)


def autolog_run(*args: str, cwd, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    environment = {**os.environ, **(env or {})}
    environment.pop("AUTOLOG_TESTING", None)
    return subprocess.run(
        [sys.executable, "-m", "autolog", "run", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def runs(store) -> list[tracking_core.Run]:
    client = tracking_core.TrackingClient(str(store))
    return client.search_runs(max_results=100)


def only_run(store) -> tracking_core.Run:
    found = runs(store)
    assert len(found) == 1, [(r.info.run_id, r.info.status) for r in found]
    return tracking_core.TrackingClient(str(store)).get_run(found[0].info.run_id)


def artifact_text(store, run_id: str, path: str) -> str:
    client = tracking_core.TrackingClient(str(store))
    with open(client.download_artifacts(run_id, path), encoding="utf-8") as fh:
        return fh.read()


def git(cwd, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def make_wheel(directory, name: str, version: str) -> str:
    """A pure-Python wheel ``name==version`` whose module says its version: a package index of one."""
    os.makedirs(directory, exist_ok=True)
    dist = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": f"__version__ = {version!r}\n",
        f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(text.encode())}")
    record.append(f"{dist}/RECORD,,")
    files[f"{dist}/RECORD"] = "\n".join(record) + "\n"
    path = os.path.join(directory, f"{name}-{version}-py3-none-any.whl")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for member, text in files.items():
            zf.writestr(member, text)
    with open(path, "wb") as fh:
        fh.write(buffer.getvalue())
    return path
