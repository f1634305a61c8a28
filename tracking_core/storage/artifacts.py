"""Artifact repositories: where a run's files live, a local directory or an fsspec URL.

Every artifact path is checked before anything is read or written: a path that escapes the run's
artifact directory (``../x``, an absolute path, a NUL byte, a symlink pointing out of a local
root) is refused with ``ArtifactPathError``. Besides what the client logs, repositories read,
stream, list and delete (the tracking server's proxied artifact service uses those).
"""

from __future__ import annotations

import os
import posixpath
import stat
from typing import NamedTuple

MAX_ARTIFACT_PATH_DEPTH = 100


class ArtifactPathError(ValueError):
    pass


class FileInfo(NamedTuple):
    path: str
    is_dir: bool
    file_size: int | None


def clean_artifact_path(path: str | None) -> str:
    """Normalise a relative artifact path ('' for the root); refuse anything that escapes it."""
    if path is None or path in ("", "."):
        return ""
    if not isinstance(path, str):
        raise ArtifactPathError(f"artifact path must be a string, got {type(path).__name__}")
    if "\x00" in path:
        raise ArtifactPathError(f"artifact path {path!r} contains a NUL byte")
    if not path.isascii():
        try:
            path.encode("utf-8")
        except UnicodeEncodeError:
            raise ArtifactPathError(f"artifact path {path!r} is not valid unicode (a lone surrogate)") from None
    unix = path.replace("\\", "/")
    if unix.startswith("/") or os.path.isabs(path) or (len(unix) > 1 and unix[1] == ":"):
        raise ArtifactPathError(f"artifact path {path!r} is absolute: give a path relative to the run")
    normal = posixpath.normpath(unix)
    parts = normal.split("/")
    if ".." in parts:
        raise ArtifactPathError(f"artifact path {path!r} escapes the run's artifact directory")
    if len(parts) > MAX_ARTIFACT_PATH_DEPTH:
        # Deeper trees cannot be removed by Python's recursive shutil.rmtree (deleting the run would fail).
        raise ArtifactPathError(
            f"artifact path {path[:80]!r}... has {len(parts)} levels of directories (at most {MAX_ARTIFACT_PATH_DEPTH})"
        )
    return "" if normal == "." else normal


def is_remote(uri: str) -> bool:
    return "://" in uri and not uri.startswith("file://")


def repository_for(artifact_uri: str) -> LocalArtifactRepository | FsspecArtifactRepository:
    if is_remote(artifact_uri):
        return FsspecArtifactRepository(artifact_uri)
    return LocalArtifactRepository(
        artifact_uri[len("file://") :] if artifact_uri.startswith("file://") else artifact_uri
    )


CHUNK_BYTES = 1 << 20


class LocalArtifactRepository:
    def __init__(self, root: str):
        self.root = root

    def _target(self, artifact_path: str | None) -> str:
        parts = [part for part in clean_artifact_path(artifact_path).split("/") if part]
        target = os.path.join(self.root, *parts)
        if self._through_a_link(parts):  # a symlink inside the root may point out of it
            root = os.path.realpath(self.root)
            real = os.path.realpath(target)
            if real != root and not real.startswith(root.rstrip(os.sep) + os.sep):
                raise ArtifactPathError(f"artifact path {artifact_path!r} leads out of the artifact root")
        return target

    def _through_a_link(self, parts: list[str]) -> bool:
        """Whether a component of the path below the root is a symlink (one lstat per existing one:
        resolving the whole path on every write cost a dozen system calls)."""
        current = self.root
        for part in parts:
            current = os.path.join(current, part)
            try:
                mode = os.lstat(current).st_mode
            except OSError:
                return False  # nothing below a missing component exists
            if stat.S_ISLNK(mode):
                return True
        return False

    def log_artifact(self, local_file: str, artifact_path: str | None = None) -> None:
        if not os.path.isfile(local_file):
            raise FileNotFoundError(f"cannot log artifact: {local_file!r} is not a file")
        directory = self._target(artifact_path)
        os.makedirs(directory, exist_ok=True)
        import shutil

        shutil.copy2(local_file, os.path.join(directory, os.path.basename(local_file)))

    def log_artifacts(self, local_dir: str, artifact_path: str | None = None) -> None:
        if not os.path.isdir(local_dir):
            raise FileNotFoundError(f"cannot log artifacts: {local_dir!r} is not a directory")
        import shutil

        shutil.copytree(local_dir, self._target(artifact_path), dirs_exist_ok=True)

    def write_bytes(self, artifact_file: str, data: bytes) -> None:
        clean = clean_artifact_path(artifact_file)
        if not clean:
            raise ArtifactPathError("artifact file name is empty")
        target = self._target(clean)
        try:
            fh = open(target, "wb")
        except FileNotFoundError:  # its directory is new (the common case has it: no mkdir call)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            fh = open(target, "wb")
        with fh:
            fh.write(data)

    def local_dir(self, artifact_path: str | None = None, create: bool = True) -> str:
        """A directory to write into directly (local repositories only). ``create=False``: only its
        parent is made, for a caller that moves a finished directory into place (``save_model``):
        renaming onto an existing empty directory first removes it, which on ext4 waits for the
        journal (about 3 ms, against 0.01 ms for a rename to a free name)."""
        target = self._target(artifact_path)
        os.makedirs(target if create else os.path.dirname(target), exist_ok=True)
        return target

    def list_artifacts(self, path: str | None = None) -> list[FileInfo]:
        clean = clean_artifact_path(path)
        directory = self._target(clean)
        if not os.path.isdir(directory):
            return []
        infos = []
        for name in sorted(os.listdir(directory)):
            full = os.path.join(directory, name)
            rel = posixpath.join(clean, name) if clean else name
            is_dir = os.path.isdir(full)
            infos.append(FileInfo(rel, is_dir, None if is_dir else os.path.getsize(full)))
        return infos

    def download_artifacts(self, path: str, dst_path: str | None = None) -> str:
        source = self._target(path)
        if not os.path.exists(source):
            raise FileNotFoundError(f"no artifact {path!r} in {self.root}")
        if dst_path is None:
            return source
        os.makedirs(dst_path, exist_ok=True)
        target = os.path.join(dst_path, os.path.basename(source.rstrip(os.sep)) or "artifacts")
        import shutil

        if os.path.isdir(source):
            shutil.copytree(source, target, dirs_exist_ok=True)
        else:
            shutil.copy2(source, target)
        return target

    # -- reading, streaming and deleting (the server's proxied artifact service) ----------------
    def read_bytes(self, artifact_file: str) -> bytes:
        target = self._target(artifact_file)
        if not os.path.isfile(target):
            raise FileNotFoundError(f"no artifact file {artifact_file!r}")
        with open(target, "rb") as fh:
            return fh.read()

    def is_file(self, artifact_path: str) -> bool:
        return os.path.isfile(self._target(artifact_path))

    def file_size(self, artifact_file: str) -> int:
        return os.path.getsize(self._target(artifact_file))

    def iter_bytes(self, artifact_file: str, chunk_size: int = CHUNK_BYTES):
        target = self._target(artifact_file)
        if not os.path.isfile(target):
            raise FileNotFoundError(f"no artifact file {artifact_file!r}")
        with open(target, "rb") as fh:
            while True:
                chunk = fh.read(chunk_size)
                if not chunk:
                    return
                yield chunk

    def open_write(self, artifact_file: str):
        """A binary file to write the artifact into (parent directories created)."""
        clean = clean_artifact_path(artifact_file)
        if not clean:
            raise ArtifactPathError("artifact file name is empty")
        target = self._target(clean)
        if os.path.isdir(target):
            raise ArtifactPathError(f"artifact path {artifact_file!r} is a directory")
        os.makedirs(os.path.dirname(target), exist_ok=True)
        return open(target, "wb")

    def put_file(self, local_file: str, artifact_file: str) -> None:
        """Copy a local file to ``artifact_file`` whole: readers never see a half-written file."""
        clean = clean_artifact_path(artifact_file)
        if not clean:
            raise ArtifactPathError("artifact file name is empty")
        target = self._target(clean)
        if os.path.isdir(target):
            raise ArtifactPathError(f"artifact path {artifact_file!r} is a directory")
        os.makedirs(os.path.dirname(target), exist_ok=True)
        import shutil

        partial = f"{target}.partial-{os.urandom(6).hex()}"
        try:
            shutil.copyfile(local_file, partial)
            os.replace(partial, target)
        finally:
            if os.path.exists(partial):
                os.remove(partial)

    def delete(self, artifact_path: str) -> None:
        clean = clean_artifact_path(artifact_path)
        if not clean:
            raise ArtifactPathError("refusing to delete the artifact root")
        target = self._target(clean)
        if os.path.isdir(target) and not os.path.islink(target):
            import shutil

            shutil.rmtree(target)
        elif os.path.lexists(target):
            os.remove(target)
        else:
            raise FileNotFoundError(f"no artifact {artifact_path!r}")


class FsspecArtifactRepository:
    """Artifacts at an fsspec URL (``s3://``, ``gs://``, ``memory://``...) when its backend is installed."""

    def __init__(self, root: str):
        import fsspec

        self.root = root.rstrip("/")
        self.fs, self._base = fsspec.core.url_to_fs(self.root)

    def _target(self, artifact_path: str | None) -> str:
        clean = clean_artifact_path(artifact_path)
        return f"{self._base}/{clean}" if clean else self._base

    def log_artifact(self, local_file: str, artifact_path: str | None = None) -> None:
        if not os.path.isfile(local_file):
            raise FileNotFoundError(f"cannot log artifact: {local_file!r} is not a file")
        self.fs.put_file(local_file, f"{self._target(artifact_path)}/{os.path.basename(local_file)}")

    def log_artifacts(self, local_dir: str, artifact_path: str | None = None) -> None:
        if not os.path.isdir(local_dir):
            raise FileNotFoundError(f"cannot log artifacts: {local_dir!r} is not a directory")
        base = self._target(artifact_path)
        for dirpath, _dirs, files in os.walk(local_dir):
            rel = os.path.relpath(dirpath, local_dir).replace(os.sep, "/")
            for name in files:
                dest = f"{base}/{name}" if rel == "." else f"{base}/{rel}/{name}"
                self.fs.put_file(os.path.join(dirpath, name), dest)

    def write_bytes(self, artifact_file: str, data: bytes) -> None:
        clean = clean_artifact_path(artifact_file)
        if not clean:
            raise ArtifactPathError("artifact file name is empty")
        with self.fs.open(self._target(clean), "wb") as fh:
            fh.write(data)

    def list_artifacts(self, path: str | None = None) -> list[FileInfo]:
        clean = clean_artifact_path(path)
        target = self._target(clean)
        if not self.fs.exists(target):
            return []
        infos = []
        for entry in sorted(self.fs.ls(target, detail=True), key=lambda e: e["name"]):
            name = entry["name"].rstrip("/").rsplit("/", 1)[-1]
            rel = posixpath.join(clean, name) if clean else name
            is_dir = entry.get("type") == "directory"
            infos.append(FileInfo(rel, is_dir, None if is_dir else entry.get("size")))
        return infos

    def download_artifacts(self, path: str, dst_path: str | None = None) -> str:
        import tempfile

        dst_path = dst_path or tempfile.mkdtemp(prefix="autolog-artifacts-")
        source = self._target(path)
        target = os.path.join(dst_path, source.rstrip("/").rsplit("/", 1)[-1])
        self.fs.get(source, target, recursive=self.fs.isdir(source))
        return target

    # -- reading, streaming and deleting (the server's proxied artifact service) ----------------
    def read_bytes(self, artifact_file: str) -> bytes:
        target = self._target(artifact_file)
        if not self.fs.isfile(target):
            raise FileNotFoundError(f"no artifact file {artifact_file!r}")
        with self.fs.open(target, "rb") as fh:
            return fh.read()

    def is_file(self, artifact_path: str) -> bool:
        return self.fs.isfile(self._target(artifact_path))

    def file_size(self, artifact_file: str) -> int:
        return int(self.fs.size(self._target(artifact_file)))

    def iter_bytes(self, artifact_file: str, chunk_size: int = CHUNK_BYTES):
        target = self._target(artifact_file)
        if not self.fs.isfile(target):
            raise FileNotFoundError(f"no artifact file {artifact_file!r}")
        with self.fs.open(target, "rb") as fh:
            while True:
                chunk = fh.read(chunk_size)
                if not chunk:
                    return
                yield chunk

    def open_write(self, artifact_file: str):
        clean = clean_artifact_path(artifact_file)
        if not clean:
            raise ArtifactPathError("artifact file name is empty")
        return self.fs.open(self._target(clean), "wb")

    def put_file(self, local_file: str, artifact_file: str) -> None:
        clean = clean_artifact_path(artifact_file)
        if not clean:
            raise ArtifactPathError("artifact file name is empty")
        self.fs.put_file(local_file, self._target(clean))

    def delete(self, artifact_path: str) -> None:
        clean = clean_artifact_path(artifact_path)
        if not clean:
            raise ArtifactPathError("refusing to delete the artifact root")
        target = self._target(clean)
        if not self.fs.exists(target):
            raise FileNotFoundError(f"no artifact {artifact_path!r}")
        self.fs.rm(target, recursive=self.fs.isdir(target))
