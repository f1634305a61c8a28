"""The ``models`` commands of the ``autolog`` CLI: ``serve`` a logged model, ``predict`` on a file.

Both take ``-m runs:/<run_id>/<path>`` (read from ``--tracking-uri``, default
``AUTOLOG_TRACKING_URI`` or ``./autologruns``) or a local model directory, and the inputs of the
MLflow scoring protocol (``scoring``). Serving loads pickled models: only serve models whose
author you trust. The server binds to loopback unless ``--host`` says otherwise.
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
    parser.add_argument("-m", "--model-uri", required=True, help="runs:/<run_id>/<path> or a local model directory")
    parser.add_argument(
        "--tracking-uri",
        default=None,
        help="store holding runs:/ models (default: AUTOLOG_TRACKING_URI or ./autologruns)",
    )


def _model_dir(args: argparse.Namespace) -> str:
    from ..client import fluent

    if args.tracking_uri:
        fluent.set_tracking_uri(args.tracking_uri)
    return fluent.local_model_dir(args.model_uri)


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1


def serve_model(args: argparse.Namespace) -> int:
    from ..errors import ModelLoadError, RunNotFoundError

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

    try:
        model_dir = _model_dir(args)
        serve(
            model_dir,
            host=args.host,
            port=args.port,
            workers=args.workers,
            max_body_bytes=int(args.max_body_mb * 1024 * 1024),
            access_log=args.access_log,
        )
    except (ModelLoadError, RunNotFoundError, ValueError, OSError) as exc:
        return _fail(str(exc))
    return 0


def predict_file(args: argparse.Namespace) -> int:
    from ..errors import ModelLoadError, RunNotFoundError
    from ..models.pyfunc import SignatureError, load_predict_model
    from ..models.scoring import CSV_TYPE, JSON_TYPE, ScoringError, predictions_body, read_input_file

    content_type = {"json": JSON_TYPE, "csv": CSV_TYPE}.get(args.content_type or "")
    try:
        model = load_predict_model(_model_dir(args))
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
