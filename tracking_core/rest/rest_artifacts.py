"""Artifacts through a tracking server's proxied artifact service (``mlflow-artifacts:/`` URIs).

The same methods as the local and fsspec repositories (``log_artifact``, ``log_artifacts``,
``write_bytes``, ``list_artifacts``, ``download_artifacts``, ``read_bytes``, ``delete``), each one
or a few HTTP requests on ``/api/2.0/mlflow-artifacts/artifacts/<path>``. Files larger than
``MULTIPART_THRESHOLD_BYTES`` go up in parts (``mpu/create``, one PUT per part, ``mpu/complete``),
so no single request carries a huge body and a failed part is retried alone.
"""

from __future__ import annotations

import os
import posixpath
from urllib.parse import quote

from ..storage.artifacts import FileInfo, clean_artifact_path
from .http import HttpClient, RestError

ARTIFACTS = "/api/2.0/mlflow-artifacts"
MULTIPART_THRESHOLD_BYTES = 100 * 1024 * 1024
MULTIPART_CHUNK_BYTES = 16 * 1024 * 1024


def proxied_root(artifact_uri: str) -> str:
    """``mlflow-artifacts:/a/b``, ``mlflow-artifacts:///a/b`` or ``mlflow-artifacts://host/a/b`` -> ``a/b``."""
    rest = artifact_uri[len("mlflow-artifacts:") :]
    if rest.startswith("//"):
        rest = rest[2:]
        rest = rest.split("/", 1)[1] if "/" in rest else ""
    return rest.strip("/")


class _PartReader:
    """A window of a file, read like a file (``http.client`` streams it)."""

    def __init__(self, handle, start: int, length: int):
        self.handle, self.start, self.length, self.position = handle, start, length, 0
        handle.seek(start)

    def read(self, size: int = -1) -> bytes:
        left = self.length - self.position
        size = left if size < 0 else min(size, left)
        data = self.handle.read(size) if size > 0 else b""
        self.position += len(data)
        return data

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int) -> None:
        self.position = offset
        self.handle.seek(self.start + offset)


class RestArtifactRepository:
    def __init__(self, http: HttpClient, artifact_uri: str):
        self.http = http
        self.artifact_uri = artifact_uri
        self.root = proxied_root(artifact_uri)

    def _full(self, artifact_path: str | None) -> str:
        clean = clean_artifact_path(artifact_path)
        return posixpath.join(self.root, clean) if clean else self.root

    def _url(self, full_path: str) -> str:
        return f"{ARTIFACTS}/artifacts/{quote(full_path)}"

    def _check(self, status: int, data: bytes, what: str) -> dict:
        return self.http.check(status, data, what)

    # -- writing ----------------------------------------------------------------------------------
    def _put_file(self, local_file: str, full_path: str) -> None:
        size = os.path.getsize(local_file)
        if size > MULTIPART_THRESHOLD_BYTES:
            self._put_multipart(local_file, full_path, size)
            return
        with open(local_file, "rb") as fh:
            status, _headers, data = self.http.request(
                "PUT",
                self._url(full_path),
                body=fh,
                body_length=size,
                headers={"Content-Type": "application/octet-stream"},
            )
        self._check(status, data, f"upload of {full_path}")

    def _put_multipart(self, local_file: str, full_path: str, size: int) -> None:
        parts = max(1, -(-size // MULTIPART_CHUNK_BYTES))
        created = self.http.call(
            "POST", f"{ARTIFACTS}/mpu/create/{quote(full_path)}", {"path": full_path, "num_parts": parts}
        )
        upload_id = created["upload_id"]
        done = []
        try:
            with open(local_file, "rb") as fh:
                for credential in sorted(created["credentials"], key=lambda c: int(c["part_number"])):
                    number = int(credential["part_number"])
                    start = (number - 1) * MULTIPART_CHUNK_BYTES
                    length = min(MULTIPART_CHUNK_BYTES, size - start)
                    url = credential["url"]
                    target = url[len(self.http.base_url) :] if url.startswith(self.http.base_url) else url
                    if "://" in target:
                        raise RestError(400, "UNSUPPORTED", f"part URL {url!r} is not on this server", "mpu")
                    status, headers, data = self.http.request(
                        "PUT",
                        target,
                        body=_PartReader(fh, start, length),
                        body_length=length,
                        headers={**(credential.get("headers") or {}), "Content-Type": "application/octet-stream"},
                    )
                    self._check(status, data, f"part {number} of {full_path}")
                    done.append({"part_number": number, "etag": headers.get("etag", "").strip('"')})
            self.http.call(
                "POST",
                f"{ARTIFACTS}/mpu/complete/{quote(full_path)}",
                {"path": full_path, "upload_id": upload_id, "parts": done},
            )
        except BaseException:
            try:
                self.http.call(
                    "POST",
                    f"{ARTIFACTS}/mpu/abort/{quote(full_path)}",
                    {"path": full_path, "upload_id": upload_id},
                    retries=1,
                )
            except Exception:
                pass
            raise

    def log_artifact(self, local_file: str, artifact_path: str | None = None) -> None:
        if not os.path.isfile(local_file):
            raise FileNotFoundError(f"cannot log artifact: {local_file!r} is not a file")
        self._put_file(local_file, posixpath.join(self._full(artifact_path), os.path.basename(local_file)))

    def log_artifacts(self, local_dir: str, artifact_path: str | None = None) -> None:
        if not os.path.isdir(local_dir):
            raise FileNotFoundError(f"cannot log artifacts: {local_dir!r} is not a directory")
        base = self._full(artifact_path)
        for dirpath, _dirs, files in os.walk(local_dir):
            rel = os.path.relpath(dirpath, local_dir).replace(os.sep, "/")
            for name in sorted(files):
                target = posixpath.join(base, name) if rel == "." else posixpath.join(base, rel, name)
                self._put_file(os.path.join(dirpath, name), target)

    def write_bytes(self, artifact_file: str, data: bytes) -> None:
        clean = clean_artifact_path(artifact_file)
        if not clean:
            raise ValueError("artifact file name is empty")
        status, _headers, body = self.http.request(
            "PUT", self._url(self._full(clean)), body=bytes(data), headers={"Content-Type": "application/octet-stream"}
        )
        self._check(status, body, f"upload of {artifact_file}")

    # -- reading ----------------------------------------------------------------------------------
    def list_artifacts(self, path: str | None = None) -> list[FileInfo]:
        clean = clean_artifact_path(path)
        status, _headers, data = self.http.request("GET", f"{ARTIFACTS}/artifacts", query={"path": self._full(clean)})
        listing = self._check(status, data, "artifact listing")
        infos = []
        for item in listing.get("files") or ():
            name = item["path"].rsplit("/", 1)[-1]
            is_dir = bool(item.get("is_dir", False))
            size = item.get("file_size")
            infos.append(
                FileInfo(
                    posixpath.join(clean, name) if clean else name,
                    is_dir,
                    None if is_dir or size is None else int(size),
                )
            )
        return sorted(infos, key=lambda info: info.path)

    def read_bytes(self, artifact_file: str) -> bytes:
        status, _headers, data = self.http.request("GET", self._url(self._full(artifact_file)))
        if status == 404:
            raise FileNotFoundError(f"no artifact file {artifact_file!r}")
        if not 200 <= status < 300:
            self._check(status, data, f"download of {artifact_file}")
        return data

    def _download_file(self, artifact_file: str, target: str) -> None:
        os.makedirs(os.path.dirname(target) or ".", exist_ok=True)
        status = self.http.download(self._url(self._full(artifact_file)), target)
        if status == 404:
            raise FileNotFoundError(f"no artifact file {artifact_file!r}")
        if status != 200:
            raise RestError(status, "ERROR", f"download of {artifact_file} failed", "mlflow-artifacts")

    def download_artifacts(self, path: str, dst_path: str | None = None) -> str:
        import tempfile

        clean = clean_artifact_path(path)
        dst_path = dst_path or tempfile.mkdtemp(prefix="autolog-artifacts-")
        entries = self.list_artifacts(clean) if clean else self.list_artifacts()
        name = clean.rsplit("/", 1)[-1] if clean else "artifacts"
        target = os.path.join(dst_path, name)
        if not entries:
            try:
                self._download_file(clean, target)
            except FileNotFoundError:
                raise FileNotFoundError(f"no artifact {path!r} in {self.artifact_uri}") from None
            return target
        os.makedirs(target, exist_ok=True)
        pending = list(entries)
        while pending:
            entry = pending.pop()
            relative = entry.path[len(clean) :].lstrip("/") if clean else entry.path
            local = os.path.join(target, *relative.split("/"))
            if entry.is_dir:
                os.makedirs(local, exist_ok=True)
                pending += self.list_artifacts(entry.path)
            else:
                self._download_file(entry.path, local)
        return target

    def delete(self, artifact_path: str) -> None:
        status, _headers, data = self.http.request("DELETE", self._url(self._full(artifact_path)))
        if status == 404:
            raise FileNotFoundError(f"no artifact {artifact_path!r}")
        self._check(status, data, f"delete of {artifact_path}")


__all__ = ["RestArtifactRepository", "proxied_root"]
