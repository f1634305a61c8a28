"""The proxied artifact service: ``/api/2.0/mlflow-artifacts/...`` (download, upload, delete, list, multipart).

Paths are relative to the server's ``--artifacts-destination``; clients reach a run's files
through the ``mlflow-artifacts:/`` URIs the tracking endpoints hand out. Every path from a request
is checked before anything touches storage: ``..`` parts, absolute paths, backslashes, NUL bytes,
percent-encoding left after the one decoding HTTP does (double-encoded traversal), and symlinks
out of the root (in the repository) are refused with 400.

Multipart upload follows MLflow's ``mpu/create|complete|abort`` messages; the part URLs it hands
out point back at this service (``mpu/upload/<path>?upload_id=&part_number=``), and parts wait in
``<destination>/.autolog-mpu/<upload_id>/`` -- shared storage, so any server process of a
deployment may receive any part.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from typing import Any
from urllib.parse import quote

from ..storage.artifacts import ArtifactPathError, LocalArtifactRepository, clean_artifact_path
from .context import ServerContext
from .errors import RESOURCE_DOES_NOT_EXIST, ApiError
from .protocol import get_objects, get_str, missing_value, req_int, req_str

MPU_DIR = ".autolog-mpu"
MAX_PARTS = 10_000
_PERCENT_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
_UPLOAD_ID = re.compile(r"^[0-9a-f]{32}$")
# Served inline only for types a browser cannot run; everything else downloads as bytes.
SAFE_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".txt": "text/plain; charset=utf-8",
    ".log": "text/plain; charset=utf-8",
    ".csv": "text/plain; charset=utf-8",
    ".json": "application/json",
    ".yaml": "text/plain; charset=utf-8",
    ".yml": "text/plain; charset=utf-8",
    ".md": "text/plain; charset=utf-8",
}
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "default-src 'none'; sandbox"}


INVALID_PATH = "Invalid path"  # MLflow's message, exactly: its tests and clients compare it whole


def _invalid_path(why: str) -> ApiError:
    return ApiError(f"{INVALID_PATH}: {why}")


def checked_path(path: str) -> str:
    """A request's artifact path, normalised, or ``ApiError`` 400 for anything that could escape.

    A path leaving the root (``..``) or an absolute one is MLflow's bare "Invalid path"; the other
    refusals, which MLflow does not make, say why after it."""
    if not isinstance(path, str):
        raise _invalid_path("an artifact path must be a string")
    if "\x00" in path:
        raise _invalid_path("the artifact path contains a NUL byte")
    if ".." in path.replace("\\", "/").split("/"):
        raise ApiError(INVALID_PATH)
    if path.startswith("/") or re.match(r"^[A-Za-z]:", path):
        raise ApiError(INVALID_PATH)
    if "\\" in path:
        raise _invalid_path(f"artifact path {path!r} contains a backslash")
    if _PERCENT_ESCAPE.search(path):
        raise _invalid_path(f"artifact path {path!r} is still percent-encoded after decoding (double encoding)")
    try:
        clean = clean_artifact_path(path)
    except ArtifactPathError as exc:
        raise _invalid_path(str(exc)) from None
    if clean.split("/")[0] == MPU_DIR:
        raise _invalid_path(f"artifact path {path!r} is reserved")
    return clean


def _repository(ctx: ServerContext):
    return ctx.destination_repository()


# -- handlers (sync; run in a worker thread) ---------------------------------------------------------
def list_artifacts(ctx: ServerContext, data: dict) -> dict:
    path = checked_path(get_str(data, "path") or "")
    files = []
    for info in _repository(ctx).list_artifacts(path or None):
        name = info.path.rsplit("/", 1)[-1]
        if not path and name == MPU_DIR:
            continue
        item: dict[str, Any] = {"path": name, "is_dir": info.is_dir}
        if not info.is_dir and info.file_size is not None:
            item["file_size"] = info.file_size
        files.append(item)
    return {"files": files}


def delete_artifact(ctx: ServerContext, path: str) -> dict:
    clean = checked_path(path)
    if not clean:
        raise ApiError("refusing to delete the artifact root")
    try:
        _repository(ctx).delete(clean)
    except FileNotFoundError:
        raise ApiError(f"no artifact {clean!r}", RESOURCE_DOES_NOT_EXIST) from None
    return {}


def download_target(ctx: ServerContext, path: str) -> tuple[Any, str, dict]:
    """(repository, clean path, headers) of a file to send; 404 when it is not a file."""
    return _file_target(_repository(ctx), checked_path(path))


def run_artifact_target(ctx: ServerContext, run_id: str | None, path: str | None) -> tuple[Any, str, dict]:
    """MLflow's legacy download, ``GET /get-artifact?run_uuid=&path=`` (``run_id=`` too): a file among
    a run's artifacts, through the run's repository, with the proxied service's checks and headers."""
    if not run_id:
        raise missing_value("run_id")
    if path is None:
        raise missing_value("path")
    clean = checked_path(path)
    run = ctx.store.get_run(run_id, include_deleted=True)  # RunNotFoundError: 404, as MLflow
    return _file_target(ctx.artifact_repository(run.info), clean)


def _file_target(repository, clean: str) -> tuple[Any, str, dict]:
    if not clean or not repository.is_file(clean):
        raise ApiError(f"no artifact file {clean!r}", RESOURCE_DOES_NOT_EXIST)
    extension = os.path.splitext(clean)[1].lower()
    headers = dict(SECURITY_HEADERS)
    headers["Content-Type"] = SAFE_TYPES.get(extension, "application/octet-stream")
    if extension not in SAFE_TYPES:
        headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(clean.rsplit('/', 1)[-1])}"
    return repository, clean, headers


def local_file(repository, clean: str) -> str | None:
    """The local file to send directly (local repositories), else None (stream it)."""
    if isinstance(repository, LocalArtifactRepository):
        return repository.download_artifacts(clean)
    return None


def store_upload(ctx: ServerContext, path: str, spooled_path: str) -> None:
    clean = checked_path(path)
    if not clean:
        raise ApiError("artifact path is empty: PUT /api/2.0/mlflow-artifacts/artifacts/<path>")
    _repository(ctx).put_file(spooled_path, clean)


MAX_UI_UPLOAD_BYTES = 10 * 1024 * 1024


def upload_run_artifact(ctx: ServerContext, run_id: str | None, path: str | None, data: bytes) -> dict:
    """MLflow's UI upload (``/ajax-api/2.0/mlflow/upload-artifact?run_uuid=&path=``): the request body,
    at most 10 MB, becomes the file ``path`` among the run's artifacts."""
    if not run_id:
        raise ApiError("Request must specify run_uuid.")
    if not path:
        raise ApiError("Request must specify path.")
    clean = checked_path(path)
    if not clean:
        raise ApiError(f"artifact path {path!r} names no file")
    if not data:
        raise ApiError("Request must specify data.")
    run = ctx.store.get_run(run_id, include_deleted=True)
    ctx.artifact_repository(run.info).write_bytes(clean, data)
    return {}


# -- multipart upload ---------------------------------------------------------------------------------
def _upload_id(data: dict) -> str:
    upload_id = req_str(data, "upload_id")
    if not _UPLOAD_ID.match(upload_id):
        raise ApiError(f"upload_id {upload_id[:40]!r} is not an upload id this server made")
    return upload_id


def create_multipart(ctx: ServerContext, path: str, data: dict, base_url: str) -> dict:
    clean = checked_path(path)
    if not clean:
        raise ApiError("artifact path is empty")
    num_parts = req_int(data, "num_parts", minimum=1, maximum=MAX_PARTS)
    upload_id = os.urandom(16).hex()
    target = quote(clean)
    credentials = [
        {
            "part_number": n,
            "headers": {},
            "url": f"{base_url}/api/2.0/mlflow-artifacts/mpu/upload/{target}?upload_id={upload_id}&part_number={n}",
        }
        for n in range(1, num_parts + 1)
    ]
    return {"upload_id": upload_id, "credentials": credentials}


def part_path(upload_id: str, part_number: int) -> str:
    return f"{MPU_DIR}/{upload_id}/{part_number:05d}"


def store_part(ctx: ServerContext, path: str, upload_id: str, part_number: int, spooled_path: str) -> str:
    checked_path(path)
    if not _UPLOAD_ID.match(upload_id):
        raise ApiError("upload_id is not an upload id this server made")
    if not 1 <= part_number <= MAX_PARTS:
        raise ApiError(f"part_number must be in [1, {MAX_PARTS}]")
    _repository(ctx).put_file(spooled_path, part_path(upload_id, part_number))
    digest = hashlib.md5(usedforsecurity=False)
    with open(spooled_path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def complete_multipart(ctx: ServerContext, path: str, data: dict) -> dict:
    clean = checked_path(path)
    if not clean:
        raise ApiError("artifact path is empty")
    upload_id = _upload_id(data)
    numbers = sorted(
        {req_int(part, "part_number", minimum=1, maximum=MAX_PARTS) for part in get_objects(data, "parts")}
    )
    if not numbers:
        raise ApiError("a multipart upload needs at least one part")
    repository = _repository(ctx)
    for number in numbers:
        if not repository.is_file(part_path(upload_id, number)):
            raise ApiError(f"part {number} of upload {upload_id} was never uploaded")
    with tempfile.NamedTemporaryFile(prefix="autolog-mpu-", delete=False) as joined:
        try:
            for number in numbers:
                for chunk in repository.iter_bytes(part_path(upload_id, number)):
                    joined.write(chunk)
            joined.close()
            repository.put_file(joined.name, clean)
        finally:
            os.remove(joined.name)
    repository.delete(f"{MPU_DIR}/{upload_id}")
    return {}


def abort_multipart(ctx: ServerContext, path: str, data: dict) -> dict:
    checked_path(path)
    upload_id = _upload_id(data)
    try:
        _repository(ctx).delete(f"{MPU_DIR}/{upload_id}")
    except FileNotFoundError:
        pass
    return {}
