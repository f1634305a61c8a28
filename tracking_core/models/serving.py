"""``autolog models serve``: a loaded model behind the MLflow scoring protocol (Starlette on uvicorn).

Endpoints: ``GET /ping`` and ``GET /health`` (200 once the model is loaded: it is loaded before
the server listens), ``GET /version`` (autolog's version, as text), ``POST /invocations``
(``scoring`` formats; ``{"predictions": ...}``). Errors are JSON ``{"error_code", "message"}``:
415 for a content type other than JSON or CSV, 413 for a body over the limit, 400 (``BAD_REQUEST``)
for anything wrong with the input (bad JSON, an unknown key, a signature violation, an input the
model itself refuses). Nothing reaches the client as a traceback: an unexpected error is a 500
saying to look at the server log, where the traceback goes.

Following an alias (``--watch-alias SECONDS``, ``ModelWatcher``): the app serves a ``ServedModel``
whose ``model`` a watcher thread replaces when the alias moves. The watcher asks where the alias
points every SECONDS (one registry call); when it names another version, the watcher loads that
version in its own thread while the current model keeps answering, then swaps the reference in
one assignment. A request reads the reference once, when it starts: it is answered wholly by the
old model or wholly by the new one, and none fails during the swap. A version that does not load,
or a registry that cannot be reached, leaves the current model serving (logged, retried at the
next check). Each worker process (``--workers N``) watches on its own. Responses carry the served
registry version in the ``X-Model-Version`` header.

Predictions run on the event loop thread, one at a time per worker: a model's predict is CPU
work that holds the GIL, so a thread pool would only add overhead; ``--workers N`` runs N
processes (each loads the model) for parallel requests.

Starlette and uvicorn are the ``autolog[server]`` extra, imported only here.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Callable
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


class ServedModel:
    """The model an app serves, replaceable while it serves (``ModelWatcher``); ``version`` is the
    registry version it is (None for a model that is not a registry version)."""

    __slots__ = ("current",)

    def __init__(self, model: PredictModel, version: str | None = None):
        self.current: tuple[PredictModel, str | None] = (model, version)

    @property
    def model(self) -> PredictModel:
        return self.current[0]

    @property
    def version(self) -> str | None:
        return self.current[1]

    def swap(self, model: PredictModel, version: str | None) -> None:
        self.current = (model, version)  # one assignment: a request reads model and version together


class ModelWatcher:
    """Every ``interval`` seconds ``check()`` says which version the alias names; when it differs from
    the one served, ``load(version)`` (in this thread) and swap. ``check`` and ``load`` come from the
    CLI, which knows the registry; this module only serves."""

    def __init__(
        self,
        served: ServedModel,
        check: Callable[[], str],
        load: Callable[[str], PredictModel],
        interval: float,
        label: str = "the alias",
    ):
        self.served, self.check, self.load, self.interval, self.label = served, check, load, interval, label
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_problem = ""
        self.swaps = 0

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="autolog-watch-alias", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=timeout)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.poll()

    def poll(self) -> bool:
        """One check; True when the served model was swapped."""
        try:
            version = self.check()
            if version == self.served.version:
                self._last_problem = ""
                return False
            model = self.load(version)
        except Exception as exc:  # keep serving the current model; say why once per distinct problem
            problem = _one_line(exc)
            if problem != self._last_problem:
                self._last_problem = problem
                logger.warning(
                    "autolog models serve: %s: still serving version %s (%s)", self.label, self.served.version, problem
                )
                print(
                    f"autolog models serve: warning: {self.label} could not be followed, still serving version "
                    f"{self.served.version}: {problem}",
                    file=sys.stderr,
                    flush=True,
                )
            return False
        previous = self.served.version
        self.served.swap(model, version)
        self.swaps += 1
        self._last_problem = ""
        print(
            f"autolog models serve: {self.label} moved from version {previous} to {version}: now serving it",
            file=sys.stderr,
            flush=True,
        )
        return True


def create_app(
    model: PredictModel | ServedModel,
    max_body_bytes: int = DEFAULT_MAX_BODY_MB * 1024 * 1024,
    watcher: ModelWatcher | None = None,
) -> Any:
    """The ASGI app serving ``model`` (a ``ServedModel`` when it may be swapped by ``watcher``)."""
    from contextlib import asynccontextmanager

    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse, Response
    from starlette.routing import Route

    version = autolog_version()
    served = model if isinstance(model, ServedModel) else ServedModel(model)

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
            current, served_version = served.current  # one model (and its version) for the whole request
            try:
                predictions = current.predict(data, from_text=True)
            except (ScoringError, SignatureError):
                raise
            except Exception as exc:  # the model refused this input (wrong feature count, bad values...)
                logger.info("autolog models serve: predict failed", exc_info=True)
                raise ScoringError(f"the model could not predict on this input: {_one_line(exc)}") from None
            headers = {"X-Model-Version": served_version} if served_version is not None else None
            return Response(predictions_body(predictions), media_type="application/json", headers=headers)
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
    if watcher is None:
        return Starlette(routes=routes)

    @asynccontextmanager
    async def lifespan(_app: Any):
        watcher.start()
        try:
            yield
        finally:
            watcher.stop(timeout=1.0)

    return Starlette(routes=routes, lifespan=lifespan)


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
    *,
    version: str | None = None,
    watcher: Callable[[ServedModel], ModelWatcher] | None = None,
    worker_factory: str = "tracking_core.models.serving:app_from_environment",
    label: str | None = None,
) -> None:
    """Load the model in ``model_dir`` and serve it until interrupted.

    ``version``: the registry version it is (the ``X-Model-Version`` header). ``watcher`` makes the
    ``ModelWatcher`` that follows an alias (``--watch-alias``). With ``workers > 1`` every worker
    builds its app with ``worker_factory`` (``module:function``), which reads what it serves from the
    environment the caller prepared."""
    import uvicorn

    options: dict[str, Any] = dict(
        host=host, port=port, access_log=access_log, log_level="info" if access_log else "warning", server_header=False
    )
    where = f"http://{host if ':' not in host else f'[{host}]'}:{port}"
    what = label or model_dir
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
        load_predict_model(model_dir)  # load once here too: a model that does not load fails before any worker starts
        print(f"autolog models serve: {what} on {where} ({workers} workers)", file=sys.stderr, flush=True)
        uvicorn.run(worker_factory, factory=True, workers=workers, **options)
        return
    model = load_predict_model(model_dir)
    served = ServedModel(model, version)
    print(f"autolog models serve: {what} ({model.flavor}) on {where}", file=sys.stderr, flush=True)
    uvicorn.run(create_app(served, max_body_bytes, watcher(served) if watcher else None), **options)
