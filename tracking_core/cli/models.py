"""The ``models`` commands of the ``autolog`` CLI: ``serve`` a logged model, ``predict`` on a file.

Both take ``-m runs:/<run_id>/<path>``, ``models:/NAME/VERSION``, ``models:/NAME@ALIAS``,
``models:/NAME/latest`` or ``models:/m-<logged model id>`` (read from ``--tracking-uri``, default
``AUTOLOG_TRACKING_URI`` or ``./autologruns``; a tracking server's URL too) or a local model
directory, and the inputs of the MLflow scoring protocol (``scoring``). Serving loads pickled
models: only serve models whose author you trust. The server binds to loopback unless ``--host``
says otherwise.

``serve -m models:/NAME@ALIAS`` serves the version the alias names when it starts;
``--watch-alias SECONDS`` checks the alias every SECONDS and, when it has moved, loads the version
it names and swaps it in with no failed request (``serving.ModelWatcher``). It follows
``models:/NAME/latest`` (a new version) and ``models:/NAME/STAGE`` alike.
"""

from __future__ import annotations

import argparse
import sys

from ..models.serving import DEFAULT_HOST, DEFAULT_MAX_BODY_MB, DEFAULT_PORT


def add_models_commands(subparsers) -> None:
    models = subparsers.add_parser("models", help="serve a logged model over HTTP, or predict on a file")
    commands = models.add_subparsers(dest="models_command", required=True)

    serve = commands.add_parser("serve", help="serve a model with the MLflow scoring protocol (/invocations)")
    _model_arguments(serve)
    serve.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"address to bind (default {DEFAULT_HOST}: this machine only; anyone who can "
        f"reach the server runs the model)",
    )
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    serve.add_argument("--workers", type=int, default=1, help="worker processes, each with the model (default 1)")
    serve.add_argument(
        "--max-body-mb",
        type=float,
        default=DEFAULT_MAX_BODY_MB,
        help=f"largest request body accepted, in MiB (default {DEFAULT_MAX_BODY_MB})",
    )
    serve.add_argument("--access-log", action="store_true", help="log every request")
    serve.add_argument(
        "--watch-alias",
        type=float,
        default=None,
        metavar="SECONDS",
        help="with -m models:/NAME@ALIAS (or models:/NAME/latest): check every SECONDS where the alias "
        "points and, when it moves, load that version and swap it in without failing a request",
    )
    serve.set_defaults(handler=serve_model)

    predict = commands.add_parser("predict", help="predict on a JSON or CSV file, without a server")
    _model_arguments(predict)
    predict.add_argument(
        "-i",
        "--input-path",
        required=True,
        help="input file: JSON as the server takes it (dataframe_split, dataframe_records, "
        "instances or inputs) or CSV (.csv)",
    )
    predict.add_argument("-o", "--output-path", default=None, help='write {"predictions": ...} here (default stdout)')
    predict.add_argument(
        "-t",
        "--content-type",
        default=None,
        choices=["json", "csv"],
        help="input format (default: csv for .csv files, json otherwise)",
    )
    predict.set_defaults(handler=predict_file)


def _model_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-m",
        "--model-uri",
        required=True,
        help="runs:/<run_id>/<path>, models:/NAME/VERSION, models:/NAME@ALIAS, models:/NAME/latest, "
        "models:/m-<id> or a local model directory",
    )
    parser.add_argument(
        "--tracking-uri",
        default=None,
        help="store holding runs:/ models (default: AUTOLOG_TRACKING_URI or ./autologruns)",
    )


def _model_dir(args: argparse.Namespace) -> str:
    return _resolve(args.model_uri, args.tracking_uri)[0]


def _resolve(model_uri: str, tracking_uri: str | None) -> tuple[str, str | None]:
    """(local model directory, registry version or None) for ``-m``."""
    from .. import uri as uri_module
    from ..client import fluent

    if tracking_uri:
        fluent.set_tracking_uri(tracking_uri)
    if uri_module.is_models_uri(model_uri):
        ref = uri_module.parse_models_uri(model_uri)
        if ref.model_id is None:
            from ..client.registry import local_dir_of, resolve_version, version_files_uri

            tracker = fluent._tracker()
            version = resolve_version(tracker.store, ref)
            return local_dir_of(tracker, version_files_uri(tracker.store, version)), version.version
    return fluent.local_model_dir(model_uri), None


def _watcher(model_uri: str, interval: float):
    """A ``ModelWatcher`` factory following the version ``model_uri`` (``models:/NAME@ALIAS``...) names."""
    from .. import uri as uri_module
    from ..client import fluent
    from ..client.registry import local_dir_of, resolve_version, version_files_uri
    from ..models.pyfunc import load_predict_model
    from ..models.serving import ModelWatcher
    from ..registry_entities import ModelVersion

    ref = uri_module.parse_models_uri(model_uri)
    tracker = fluent._tracker()
    seen: dict[str, ModelVersion] = {}

    def check() -> str:
        version = resolve_version(tracker.store, ref)
        seen[version.version] = version
        return version.version

    def load(number: str):
        version = seen.pop(number, None) or tracker.store.get_model_version(ref.name, number)
        return load_predict_model(local_dir_of(tracker, version_files_uri(tracker.store, version)))

    return lambda served: ModelWatcher(served, check, load, interval, label=model_uri)


def _check_watch(model_uri: str, seconds: float | None) -> str | None:
    """Why ``--watch-alias`` cannot follow ``model_uri`` (None when it can)."""
    from .. import uri as uri_module

    if seconds is None:
        return None
    if not seconds > 0 or seconds == float("inf"):
        return f"--watch-alias {seconds}: SECONDS must be a number > 0"
    if uri_module.is_models_uri(model_uri):
        ref = uri_module.parse_models_uri(model_uri)
        if ref.alias is not None or ref.latest or ref.stage is not None:
            return None
    return (
        f"--watch-alias follows an alias: -m must be models:/NAME@ALIAS (or models:/NAME/latest), "
        f"not {model_uri!r}, which always names the same files"
    )


WATCH_URI_ENV = "AUTOLOG_SERVE_MODEL_URI"
WATCH_SECONDS_ENV = "AUTOLOG_SERVE_WATCH_SECONDS"


def app_from_environment():
    """App factory of each worker process with ``--watch-alias`` and ``--workers N``: each resolves the
    alias and watches it on its own (environment prepared by ``serve_model``)."""
    import os

    from ..models.pyfunc import load_predict_model
    from ..models.serving import MAX_BODY_ENV, ServedModel, create_app

    model_uri = os.environ[WATCH_URI_ENV]
    model_dir, version = _resolve(model_uri, None)
    served = ServedModel(load_predict_model(model_dir), version)
    watcher = _watcher(model_uri, float(os.environ[WATCH_SECONDS_ENV]))(served)
    return create_app(served, int(os.environ[MAX_BODY_ENV]), watcher)


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1


def serve_model(args: argparse.Namespace) -> int:
    from ..errors import ModelLoadError, RegistryNotFoundError, RunNotFoundError

    if args.workers < 1:
        return _fail("--workers must be at least 1")
    if not 0 < args.port < 65536:
        return _fail(f"--port {args.port} is not a TCP port")
    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        return _fail(f"serving needs the server extra ({exc.name} is missing): pip install 'autolog[server]'")
    from ..models.serving import serve

    problem = _check_watch(args.model_uri, args.watch_alias)
    if problem:
        return _fail(problem)
    try:
        model_dir, version = _resolve(args.model_uri, args.tracking_uri)
        extra: dict = {}
        if args.watch_alias is not None:
            import os

            from ..client import fluent

            os.environ[WATCH_URI_ENV] = args.model_uri
            os.environ[WATCH_SECONDS_ENV] = str(args.watch_alias)
            os.environ["AUTOLOG_TRACKING_URI"] = fluent.get_tracking_uri()  # the workers' store
            extra = dict(
                watcher=_watcher(args.model_uri, args.watch_alias),
                worker_factory="tracking_core.cli.models:app_from_environment",
            )
        label = args.model_uri if version is None else f"{args.model_uri} (version {version})"
        serve(
            model_dir,
            host=args.host,
            port=args.port,
            workers=args.workers,
            max_body_bytes=int(args.max_body_mb * 1024 * 1024),
            access_log=args.access_log,
            version=version,
            label=label,
            **extra,
        )
    except (ModelLoadError, RunNotFoundError, RegistryNotFoundError, ValueError, OSError) as exc:
        return _fail(str(exc))
    return 0


def predict_file(args: argparse.Namespace) -> int:
    from ..errors import ModelLoadError, RegistryNotFoundError, RunNotFoundError
    from ..models.pyfunc import SignatureError, load_predict_model
    from ..models.scoring import CSV_TYPE, JSON_TYPE, ScoringError, predictions_body, read_input_file

    content_type = {"json": JSON_TYPE, "csv": CSV_TYPE}.get(args.content_type or "")
    try:
        model_dir = _model_dir(args)  # an unknown model, version or alias, a malformed URI: said as is
    except (ModelLoadError, RunNotFoundError, RegistryNotFoundError, ValueError, OSError) as exc:
        return _fail(str(exc))
    try:
        model = load_predict_model(model_dir)
        data, _kind = read_input_file(args.input_path, content_type)
        predictions = model.predict(data, from_text=True)
    except ScoringError as exc:
        return _fail(f"{args.input_path}: {exc.message}")
    except SignatureError as exc:
        return _fail(f"the input does not match the model's signature: {exc}")
    except (ModelLoadError, RunNotFoundError, OSError) as exc:
        return _fail(str(exc))
    except Exception as exc:  # the model refused the input
        return _fail(f"the model could not predict on this input: {type(exc).__name__}: {exc}")
    body = predictions_body(predictions)
    if args.output_path:
        with open(args.output_path, "wb") as fh:
            fh.write(body)
    else:
        sys.stdout.write(body.decode() + "\n")
    return 0
