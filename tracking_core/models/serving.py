"""``autolog models serve``: a loaded model behind the MLflow scoring protocol (Starlette on uvicorn).

Endpoints: ``GET /ping`` and ``GET /health`` (200 once the model is loaded: it is loaded before
the server listens), ``GET /version`` (autolog's version, as text), ``POST /invocations``
(``scoring`` formats; ``{"predictions": ...}``). Errors are JSON ``{"error_code", "message"}``:
415 for a content type other than JSON or CSV, 413 for a body over the limit, 400 (``BAD_REQUEST``)
for anything wrong with the input (bad JSON, an unknown key, a signature violation, an input the
model itself refuses). Nothing reaches the client as a traceback: an unexpected error is a 500
saying to look at the server log, where the traceback goes.

Predictions run on the event loop thread, one at a time per worker: a model's predict is CPU
work that holds the GIL, so a thread pool would only add overhead; ``--workers N`` runs N
processes (each loads the model) for parallel requests.

Starlette and uvicorn are the ``autolog[server]`` extra, imported only here.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

from .pyfunc import PredictModel, SignatureError, load_predict_model
from .scoring import ScoringError, media_type, parse_body, predictions_body

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5001
DEFAULT_MAX_BODY_MB = 64
MODEL_DIR_ENV = "AUTOLOG_SERVE_MODEL_DIR"
MAX_BODY_ENV = "AUTOLOG_SERVE_MAX_BODY_BYTES"

logger = logging.getLogger("autolog.serve")


def autolog_version() -> str:
    from importlib import metadata

    try:
        return metadata.version("autolog")
    except metadata.PackageNotFoundError:
        return "unknown"


def create_app(model: PredictModel, max_body_bytes: int = DEFAULT_MAX_BODY_MB * 1024 * 1024) -> Any:
    """The ASGI app serving ``model``."""
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse, Response
    from starlette.routing import Route

    version = autolog_version()

    def error(exc: ScoringError) -> Response:
        return Response(exc.body(), status_code=exc.status, media_type="application/json")

    async def ping(_request: Any) -> Response:
        return Response("\n", media_type="application/json")

    async def version_endpoint(_request: Any) -> Response:
        return PlainTextResponse(version)

    async def invocations(request: Any) -> Response:
        try:
            kind = media_type(request.headers.get("content-type"))
            body = await _read_body(request, max_body_bytes)
            data = parse_body(body, kind)
            try:
                predictions = model.predict(data, from_text=True)
            except (ScoringError, SignatureError):
                raise
            except Exception as exc:  # the model refused this input (wrong feature count, bad values...)
                logger.info("autolog models serve: predict failed", exc_info=True)
                raise ScoringError(f"the model could not predict on this input: {_one_line(exc)}") from None
            return Response(predictions_body(predictions), media_type="application/json")
        except ScoringError as exc:
            return error(exc)
        except SignatureError as exc:
            return error(ScoringError(f"the input does not match the model's signature: {exc}"))
        except Exception:
            logger.exception("autolog models serve: unexpected error")
            return error(ScoringError("internal error (details are in the server log)", 500, "INTERNAL_ERROR"))

    routes = [
        Route("/ping", ping, methods=["GET"]),
        Route("/health", ping, methods=["GET"]),
        Route("/version", version_endpoint, methods=["GET"]),
        Route("/invocations", invocations, methods=["POST"]),
    ]
    return Starlette(routes=routes)


def _one_line(exc: BaseException) -> str:
    text = next((line.strip() for line in str(exc).splitlines() if line.strip()), "")
    return f"{type(exc).__name__}: {text[:500]}" if text else type(exc).__name__


async def _read_body(request: Any, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            if int(declared) > limit:
                raise _too_large(limit)
        except ValueError:
            raise ScoringError("invalid Content-Length header") from None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(limit: int) -> ScoringError:
    return ScoringError(
        f"the body is larger than the limit of {limit} bytes (--max-body-mb)", 413, "REQUEST_LIMIT_EXCEEDED"
    )


def app_from_environment() -> Any:
    """App factory for uvicorn's worker processes (``--workers N``): the model directory from the env."""
    model_dir = os.environ[MODEL_DIR_ENV]
    limit = int(os.environ.get(MAX_BODY_ENV, DEFAULT_MAX_BODY_MB * 1024 * 1024))
    return create_app(load_predict_model(model_dir), limit)


def serve(
    model_dir: str,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    workers: int = 1,
    max_body_bytes: int = DEFAULT_MAX_BODY_MB * 1024 * 1024,
    access_log: bool = False,
) -> None:
    """Load the model in ``model_dir`` and serve it until interrupted."""
    import uvicorn

    options: dict[str, Any] = dict(
        host=host, port=port, access_log=access_log, log_level="info" if access_log else "warning", server_header=False
    )
    where = f"http://{host if ':' not in host else f'[{host}]'}:{port}"
    if host not in ("127.0.0.1", "localhost", "::1"):
        print(
            f"autolog models serve: warning: listening on {host}, not loopback: anyone who can reach port {port} "
            f"can call the model, without authentication",
            file=sys.stderr,
            flush=True,
        )
    if workers > 1:
        os.environ[MODEL_DIR_ENV] = model_dir
        os.environ[MAX_BODY_ENV] = str(max_body_bytes)
        app_from_environment()  # load once here too: a model that does not load fails before any worker starts
        print(f"autolog models serve: {model_dir} on {where} ({workers} workers)", file=sys.stderr, flush=True)
        uvicorn.run("tracking_core.models.serving:app_from_environment", factory=True, workers=workers, **options)
        return
    model = load_predict_model(model_dir)
    print(f"autolog models serve: {model_dir} ({model.flavor}) on {where}", file=sys.stderr, flush=True)
    uvicorn.run(create_app(model, max_body_bytes), **options)
