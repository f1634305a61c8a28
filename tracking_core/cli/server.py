"""``autolog server``, ``autolog ui`` and ``autolog server users add NAME``.

Building the parser imports nothing heavy; starting a server checks for the ``autolog[server]``
extra first and names it when it is missing. The server binds its socket itself (``--port 0``
picks a free port), prints the URL it serves, and stops cleanly on SIGINT/SIGTERM (uvicorn
finishes the requests in flight). ``--workers N`` runs N processes on the one socket.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from typing import Any

from ..server.config import CONFIG_ENV, DEFAULT_HOST, DEFAULT_PORT, ServerConfig

EXTRA_HINT = "autolog server needs the server extra: pip install 'autolog[server]'"
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _csv(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _add_serving_options(parser: argparse.ArgumentParser, ui: bool) -> None:
    parser.add_argument(
        "--backend-store-uri",
        default=None,
        help="store: a directory, sqlite:///PATH or postgresql://... (default ./autologruns"
        + (" or AUTOLOG_TRACKING_URI" if ui else "")
        + ")",
    )
    parser.add_argument(
        "--artifacts-destination",
        default=None,
        help="where artifacts go: a directory or an fsspec URL such as s3://bucket/prefix "
        "(default: the store's artifacts directory)",
    )
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"address to bind (default {DEFAULT_HOST})")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0: any free)")
    parser.add_argument("--workers", type=int, default=1, help="server processes (default 1)")
    parser.add_argument(
        "--allowed-hosts",
        type=_csv,
        default=[],
        help="comma-separated Host header names accepted (default: localhost names and the "
        "bound address; '*' for any, '*.example.com' for a domain)",
    )
    parser.add_argument(
        "--cors-allowed-origins",
        type=_csv,
        default=[],
        help="comma-separated origins allowed to call the API from a browser",
    )
    parser.add_argument(
        "--users-file",
        default=None,
        help="require HTTP Basic credentials from this file (autolog server users add NAME)",
    )
    if not ui:
        parser.add_argument(
            "--artifacts-only", action="store_true", help="serve only the proxied artifact service (no tracking API)"
        )


def add_server_commands(subparsers) -> None:
    server = subparsers.add_parser("server", help="run the tracking server (MLflow REST API 2.0)")
    _add_serving_options(server, ui=False)
    server.set_defaults(handler=run_server_command)
    commands = server.add_subparsers(dest="server_command")
    users = commands.add_parser("users", help="manage the users file")
    user_commands = users.add_subparsers(dest="users_command", required=True)
    add = user_commands.add_parser("add", help="add (or replace) a user with a password, or a token")
    add.add_argument("name")
    add.add_argument("--users-file", required=True, dest="target_users_file", help="the file to write")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    add.add_argument("--token", action="store_true", help="create an API token (printed once) instead")
    add.set_defaults(handler=add_user_command)

    ui = subparsers.add_parser("ui", help="browse runs of the local store (the tracking server on it)")
    _add_serving_options(ui, ui=True)
    ui.set_defaults(handler=run_ui_command)


def add_user_command(args: argparse.Namespace) -> int:
    from ..server.users import UsersFileError, add_token, add_user

    try:
        if args.token:
            token = add_token(args.target_users_file, args.name)
            print(f"token for {args.name} (shown once; clients set AUTOLOG_TRACKING_TOKEN):\n{token}")
            return 0
        if args.password_stdin:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = getpass.getpass(f"password for {args.name}: ")
            if getpass.getpass("again: ") != password:
                print("error: the passwords differ", file=sys.stderr)
                return 1
        add_user(args.target_users_file, args.name, password)
    except UsersFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"user {args.name} written to {args.target_users_file}")
    return 0


def _config(args: argparse.Namespace, backend: str | None) -> ServerConfig:
    return ServerConfig(
        backend_store_uri=backend,
        artifacts_destination=args.artifacts_destination,
        host=args.host,
        port=args.port,
        workers=max(1, args.workers),
        allowed_hosts=tuple(args.allowed_hosts),
        cors_allowed_origins=tuple(args.cors_allowed_origins),
        users_file=args.users_file,
        artifacts_only=getattr(args, "artifacts_only", False),
    )


def run_server_command(args: argparse.Namespace) -> int:
    return serve(_config(args, args.backend_store_uri))


def run_ui_command(args: argparse.Namespace) -> int:
    backend = args.backend_store_uri or os.environ.get("AUTOLOG_TRACKING_URI") or None
    if backend and backend.startswith(("http://", "https://")):
        print(
            f"error: autolog ui shows a local store; {backend} is a server already: open it in a browser",
            file=sys.stderr,
        )
        return 2
    return serve(_config(args, backend))


def is_loopback(host: str) -> bool:
    if host in LOOPBACK:
        return True
    import ipaddress

    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def exposure_warning(host: str, users_file: str | None) -> str | None:
    """The warning printed when the server listens beyond this machine without credentials."""
    if is_loopback(host) or users_file:
        return None
    return (
        f"WARNING: serving on {host} without --users-file: anyone who can reach this address can read "
        "and write every run. Add users (autolog server users add NAME --users-file FILE) or bind 127.0.0.1."
    )


def bind_socket(host: str, port: int):
    """The listening socket, made with ``IPPROTO_TCP`` explicitly: asyncio sets TCP_NODELAY on the
    connections it accepts only then (uvicorn's own helper passes 0, and with Nagle's algorithm every
    kept-alive request waited ~40 ms for a delayed ACK)."""
    import socket

    family, kind, proto, _name, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto or socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(address)
    sock.set_inheritable(True)
    return sock


def _server_class():
    import contextlib

    import uvicorn

    class Server(uvicorn.Server):
        """uvicorn's server, but a SIGINT/SIGTERM that stopped it gracefully is not raised again
        afterwards: a clean stop exits with status 0."""

        @contextlib.contextmanager
        def capture_signals(self):
            with super().capture_signals():
                try:
                    yield
                finally:
                    captured = getattr(self, "_captured_signals", None)
                    if isinstance(captured, list):
                        captured.clear()

    return Server


def serve(config: ServerConfig) -> int:
    try:
        import starlette  # noqa: F401
        import uvicorn
    except ImportError:
        print(f"error: {EXTRA_HINT}", file=sys.stderr)
        return 2
    from ..server.app import build_context, create_app
    from ..server.users import UsersFileError
    from ..storage.sql_store import SQLITE_CACHE_ENV

    os.environ.setdefault(SQLITE_CACHE_ENV, "64")  # a server reads big stores; a training process mostly writes

    try:
        ctx = build_context(config)
        app = create_app(config, ctx)
    except (UsersFileError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    warning = exposure_warning(config.host, config.users_file)
    if warning:
        print(warning, file=sys.stderr, flush=True)
    uvicorn_config = uvicorn.Config(
        "tracking_core.server.app:app_from_environment" if config.workers > 1 else app,
        factory=config.workers > 1,
        host=config.host,
        port=config.port,
        workers=config.workers,
        log_level="warning",
        access_log=False,
        server_header=False,
        timeout_graceful_shutdown=10,
    )
    try:
        sock = bind_socket(config.host, config.port)
    except OSError as exc:
        print(f"error: cannot listen on {config.host}:{config.port}: {exc}", file=sys.stderr)
        return 2
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    what = "artifact server" if config.artifacts_only else "tracking server"
    print(
        f"autolog {what} serving http://{shown}:{port} (store: {ctx.tracking_uri}, artifacts: "
        f"{ctx.artifacts_destination}; Ctrl+C stops it)",
        flush=True,
    )
    if config.workers > 1:
        from uvicorn.supervisors import Multiprocess

        os.environ[CONFIG_ENV] = config._replace(port=port).to_env()
        import inspect

        supervisor: Any = Multiprocess
        if "target" in inspect.signature(Multiprocess.__init__).parameters:  # uvicorn before 0.50
            supervisor(uvicorn_config, target=_server_class()(uvicorn_config).run, sockets=[sock]).run()
        else:
            supervisor(uvicorn_config, sockets=[sock]).run()
    else:
        _server_class()(uvicorn_config).run(sockets=[sock])
    print(f"autolog {what} stopped", flush=True)
    return 0
