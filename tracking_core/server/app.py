"""Assembles the ASGI app: MLflow REST routes, the proxied artifact service, the UI, the security layer.

``create_app(config)`` builds one app around one ``ServerContext``. Handlers are plain functions
run in worker threads (the store is synchronous); this module turns their dicts and ``ApiError``s
into JSON responses, reads request bodies within their limits, and never lets a traceback reach a
client. ``app_from_environment`` is the factory uvicorn's worker processes call (``--workers N``).
"""

from __future__ import annotations

import importlib.util
import os
import re
import tempfile
from collections.abc import Callable
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from .. import uri as uri_module
from . import artifact_api, registry_api, tracking_api
from .config import ServerConfig
from .context import ServerContext
from .errors import BAD_REQUEST, ENDPOINT_NOT_FOUND, ApiError, as_api_error
from .protocol import dumps, missing_value, parse_json_body
from .security import SecurityMiddleware, default_allowed_hosts
from .users import Users

API = "/api/2.0/mlflow"
ARTIFACTS = "/api/2.0/mlflow-artifacts"
# MLflow serves every endpoint under both prefixes; its UI (and its tests) use the second.
PREFIXES = ("/api/2.0", "/ajax-api/2.0")
AJAX_API = "/ajax-api/2.0/mlflow"
JSON_TYPE = "application/json"
UPLOAD_SPOOL_BYTES = 8 * 1024 * 1024


def json_response(payload: Any, status: int = 200) -> Response:
    return Response(dumps(payload), status_code=status, media_type=JSON_TYPE)


def error_response(exc: BaseException) -> Response:
    error = as_api_error(exc)
    return json_response({"error_code": error.error_code, "message": error.message}, error.status)


async def read_body(request: Request, limit: int, what: str = "request body") -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ApiError(f"{what} is {int(declared)} bytes; the limit is {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(f"{what} is larger than the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def read_json(request: Request, limit: int) -> dict:
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type != JSON_TYPE:
        raise ApiError(f"Content-Type must be {JSON_TYPE} (got {content_type or 'none'!r})", BAD_REQUEST)
    return parse_json_body(await read_body(request, limit))


def query_fields(request: Request) -> dict:
    fields: dict[str, Any] = {}
    for key in request.query_params.keys():
        values = request.query_params.getlist(key)
        fields[key] = values if len(values) > 1 or key in ("experiment_ids", "order_by") else values[0]
    return fields


def json_endpoint(handler: Callable[[ServerContext, dict], dict], ctx: ServerContext, limit: int):
    async def endpoint(request: Request) -> Response:
        try:
            if request.method in ("GET", "HEAD"):
                data = query_fields(request)
            else:
                data = await read_json(request, limit)
            return json_response(await run_in_threadpool(handler, ctx, data))
        except Exception as exc:
            return error_response(exc)

    endpoint.__name__ = handler.__name__
    return endpoint


def registry_endpoint(handler: Callable[[ServerContext, dict], dict], ctx: ServerContext, limit: int):
    """As ``json_endpoint``, with the path's fields (``logged-models/{model_id}``) and an empty body
    allowed (MLflow's client sends DELETE and PATCH requests with or without one)."""

    async def endpoint(request: Request) -> Response:
        try:
            if request.method in ("GET", "HEAD"):
                data = query_fields(request)
            else:
                body = await read_body(request, limit)
                content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
                if body.strip() and content_type != JSON_TYPE:
                    raise ApiError(f"Content-Type must be {JSON_TYPE} (got {content_type or 'none'!r})", BAD_REQUEST)
                data = parse_json_body(body)
            data.update(request.path_params)
            return json_response(await run_in_threadpool(handler, ctx, data))
        except Exception as exc:
            error = as_api_error(exc)
            # a message quoting what was sent may hold a lone surrogate, which JSON cannot carry
            message = error.message.encode("utf-8", "backslashreplace").decode("utf-8")
            return json_response({"error_code": error.error_code, "message": message}, error.status)

    endpoint.__name__ = handler.__name__
    return endpoint


async def _spool(request: Request) -> str:
    """The request body in a temporary file (streamed: any size); the caller removes it."""
    handle = tempfile.NamedTemporaryFile(prefix="autolog-upload-", delete=False)
    try:
        async for chunk in request.stream():
            handle.write(chunk)
    except BaseException:
        handle.close()
        os.remove(handle.name)
        raise
    handle.close()
    return handle.name


def file_response(repository, clean: str, headers: dict) -> Response:
    """An artifact file: sent from disk for a local repository, else streamed from the repository."""
    media_type = headers.pop("Content-Type")
    local = artifact_api.local_file(repository, clean)
    if local is not None:
        return FileResponse(local, headers=headers, media_type=media_type)
    return StreamingResponse(
        iterate_in_threadpool(repository.iter_bytes(clean)), headers=headers, media_type=media_type
    )


def artifact_routes(ctx: ServerContext, limit: int) -> list[Route]:
    async def artifact(request: Request) -> Response:
        path = request.path_params["path"]
        try:
            if request.method == "PUT":
                artifact_api.checked_path(path)
                spooled = await _spool(request)
                try:
                    await run_in_threadpool(artifact_api.store_upload, ctx, path, spooled)
                finally:
                    os.remove(spooled)
                return json_response({})
            if request.method == "DELETE":
                return json_response(await run_in_threadpool(artifact_api.delete_artifact, ctx, path))
            return file_response(*await run_in_threadpool(artifact_api.download_target, ctx, path))
        except Exception as exc:
            return error_response(exc)

    async def listing(request: Request) -> Response:
        try:
            return json_response(await run_in_threadpool(artifact_api.list_artifacts, ctx, query_fields(request)))
        except Exception as exc:
            return error_response(exc)

    async def multipart(request: Request) -> Response:
        action, path = request.path_params["action"], request.path_params["path"]
        try:
            if action == "upload" and request.method == "PUT":
                artifact_api.checked_path(path)
                upload_id = request.query_params.get("upload_id", "")
                number = request.query_params.get("part_number", "")
                if not number.isdigit():
                    raise ApiError("part_number must be a positive integer")
                spooled = await _spool(request)
                try:
                    etag = await run_in_threadpool(artifact_api.store_part, ctx, path, upload_id, int(number), spooled)
                finally:
                    os.remove(spooled)
                response = json_response({})
                response.headers["ETag"] = f'"{etag}"'
                return response
            if request.method != "POST" or action not in ("create", "complete", "abort"):
                raise ApiError(f"no multipart action {action!r} for {request.method}", ENDPOINT_NOT_FOUND)
            data = await read_json(request, limit)
            if action == "create":
                base = f"{request.url.scheme}://{request.headers.get('host', '')}"
                result = await run_in_threadpool(artifact_api.create_multipart, ctx, path, data, base)
            elif action == "complete":
                result = await run_in_threadpool(artifact_api.complete_multipart, ctx, path, data)
            else:
                result = await run_in_threadpool(artifact_api.abort_multipart, ctx, path, data)
            return json_response(result)
        except Exception as exc:
            return error_response(exc)

    routes = []
    for prefix in PREFIXES:
        routes += [
            Route(f"{prefix}/mlflow-artifacts/artifacts", listing, methods=["GET"]),
            Route(f"{prefix}/mlflow-artifacts/artifacts/{{path:path}}", artifact, methods=["GET", "PUT", "DELETE"]),
            Route(f"{prefix}/mlflow-artifacts/mpu/{{action}}/{{path:path}}", multipart, methods=["POST", "PUT"]),
        ]
    return routes


def logged_model_file_routes(ctx: ServerContext) -> list[Route]:
    """MLflow 3's ``GET logged-models/{model_id}/artifacts/files?artifact_file_path=...``: one logged model file."""

    async def download(request: Request) -> Response:
        try:
            repository, clean, headers = await run_in_threadpool(
                registry_api.logged_model_file,
                ctx,
                request.path_params["model_id"],
                request.query_params.get("artifact_file_path"),
            )
            media_type = headers.pop("Content-Type")
            local = artifact_api.local_file(repository, clean)
            if local is not None:
                return FileResponse(local, headers=headers, media_type=media_type)
            return StreamingResponse(
                iterate_in_threadpool(repository.iter_bytes(clean)), headers=headers, media_type=media_type
            )
        except Exception as exc:
            return error_response(exc)

    return [
        Route(f"{prefix}/mlflow/logged-models/{{model_id}}/artifacts/files", download, methods=["GET"])
        for prefix in PREFIXES
    ]


def upload_route(ctx: ServerContext) -> Route:
    """MLflow's UI upload: ``POST /ajax-api/2.0/mlflow/upload-artifact?run_uuid=&path=`` with the bytes."""

    async def upload(request: Request) -> Response:
        try:
            data = await read_body(request, artifact_api.MAX_UI_UPLOAD_BYTES, "artifact")
            run_id, path = request.query_params.get("run_uuid"), request.query_params.get("path")
            return json_response(await run_in_threadpool(artifact_api.upload_run_artifact, ctx, run_id, path, data))
        except Exception as exc:
            return error_response(exc)

    return Route(f"{AJAX_API}/upload-artifact", upload, methods=["POST"])


def legacy_artifact_routes(ctx: ServerContext) -> list[Route]:
    """MLflow's downloads outside the REST prefixes: ``GET /get-artifact?run_uuid=&path=`` (a run's
    file, as MLflow's UI fetched them) and ``/model-versions/get-artifact`` (the registry is not
    served here: its path is still checked first, so a traversal is refused as MLflow refuses it)."""

    async def get_artifact(request: Request) -> Response:
        params = request.query_params
        try:
            target = await run_in_threadpool(
                artifact_api.run_artifact_target,
                ctx,
                params.get("run_id") or params.get("run_uuid"),
                params.get("path"),
            )
            return file_response(*target)
        except Exception as exc:
            return error_response(exc)

    async def model_version_artifact(request: Request) -> Response:
        try:
            path = request.query_params.get("path")
            if path is None:
                raise missing_value("path")
            artifact_api.checked_path(path)
            raise ApiError("autolog server keeps no model registry: model-versions/get-artifact", ENDPOINT_NOT_FOUND)
        except Exception as exc:
            return error_response(exc)

    return [
        Route("/get-artifact", get_artifact, methods=["GET"]),
        Route("/model-versions/get-artifact", model_version_artifact, methods=["GET"]),
    ]


def build_context(config: ServerConfig) -> ServerContext:
    resolved = uri_module.resolve(config.backend_store_uri or uri_module.DEFAULT_TRACKING_DIR)
    destination = config.artifacts_destination or resolved.artifact_root
    if "://" not in destination:
        destination = os.path.abspath(os.path.expanduser(destination))
    store = None
    if not config.artifacts_only:
        from ..storage.sql_store import get_store

        store = get_store(resolved.database_url)
    return ServerContext(store, destination, resolved.tracking_uri, serve_artifacts=config.serve_artifacts)


def _ui_routes(ctx: ServerContext) -> list:
    if importlib.util.find_spec("tracking_core.ui") is None:
        return []
    from .. import ui

    make_routes = getattr(ui, "routes", None)
    return list(make_routes(ctx)) if make_routes is not None else []


def create_app(config: ServerConfig, ctx: ServerContext | None = None) -> Starlette:
    ctx = ctx or build_context(config)
    limit = config.max_json_body_bytes
    routes: list = []
    if not config.artifacts_only:
        tracking_api.ensure_default_experiment(ctx)
        for methods, path, handler in tracking_api.ROUTES:
            body_limit = min(limit, tracking_api.BODY_LIMITS.get(path, limit))
            endpoint = json_endpoint(handler, ctx, body_limit)
            for prefix in PREFIXES:
                routes.append(Route(f"{prefix}/mlflow/{path}", endpoint, methods=list(methods)))
        for methods, path, handler in registry_api.ROUTES:
            endpoint = registry_endpoint(handler, ctx, limit)
            for prefix in PREFIXES:
                routes.append(Route(f"{prefix}/mlflow/{path}", endpoint, methods=list(methods)))
        routes += logged_model_file_routes(ctx)
        for methods, path, handler in tracking_api.AJAX_ROUTES:
            routes.append(Route(f"{AJAX_API}/{path}", json_endpoint(handler, ctx, limit), methods=list(methods)))
        if config.serve_artifacts:
            routes.append(upload_route(ctx))
        routes += legacy_artifact_routes(ctx)
    if config.serve_artifacts:
        routes += artifact_routes(ctx, limit)

    async def health(_request: Request) -> Response:
        return PlainTextResponse("OK")

    async def version(_request: Request) -> Response:
        from importlib.metadata import version as dist_version

        return PlainTextResponse(dist_version("autolog"))

    routes += [Route("/health", health), Route("/version", version)]
    if not config.artifacts_only:
        routes += _ui_routes(ctx)

    async def http_error(request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status_code", 400)
        path = request.url.path
        if status == 404 and "//" in path:
            # As MLflow's server (werkzeug) does: ``//get-artifact`` is redirected to ``/get-artifact``
            # (the target starts with one slash: never another host).
            merged = re.sub("/{2,}", "/", path)
            query = request.url.query
            return RedirectResponse(merged + (f"?{query}" if query else ""), status_code=308)
        code = ENDPOINT_NOT_FOUND if status in (404, 405) else BAD_REQUEST
        message = "no such endpoint" if status == 404 else str(getattr(exc, "detail", "bad request"))
        return json_response({"error_code": code, "message": message}, status)

    users = Users(config.users_file) if config.users_file else None
    allowed = list(config.allowed_hosts) or default_allowed_hosts(config.host)
    app = Starlette(
        routes=routes,
        exception_handlers={HTTPException: http_error},
        middleware=[
            Middleware(
                SecurityMiddleware, allowed_hosts=allowed, cors_origins=list(config.cors_allowed_origins), users=users
            )
        ],
    )
    app.state.context = ctx
    return app


def app_from_environment() -> Starlette:
    """The app of a uvicorn worker process: the configuration comes from ``AUTOLOG_SERVER_CONFIG``."""
    return create_app(ServerConfig.from_env())
