"""Checks every request passes before it reaches an endpoint (a plain ASGI middleware).

- ``Host`` must name this server (``--allowed-hosts``; default: the localhost names and the bound
  address): a DNS-rebinding page reaching 127.0.0.1 under its own name is refused (403).
- A state-changing request (anything but GET/HEAD/OPTIONS) carrying an ``Origin`` other than the
  server's own and not in ``--cors-allowed-origins`` is refused (403): a page on another site
  cannot create runs with a "simple" ``text/plain`` POST. JSON endpoints also demand
  ``Content-Type: application/json`` (in ``app``), which no cross-site form can send.
- CORS headers go only to the allowed origins; preflights from others get 403.
- With ``--users-file``, every request but ``/health`` needs valid HTTP Basic credentials (or a
  bearer token); anything else gets 401 with the same message, whatever was wrong.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool

from .users import Users

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
LOCAL_NAMES = ("localhost", "127.0.0.1", "::1")
OPEN_PATHS = {"/health"}
CORS_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
CORS_HEADERS = "Authorization, Content-Type"
DEFAULT_PORTS = {"http": 80, "https": 443}


def _hostname(host: str) -> str:
    """``example.com:5000`` -> ``example.com``; ``[::1]:5000`` -> ``::1``."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    if host.count(":") == 1:
        return host.split(":", 1)[0]
    return host


def default_allowed_hosts(bound_host: str) -> list[str]:
    hosts = list(LOCAL_NAMES)
    if bound_host not in ("0.0.0.0", "::", ""):
        hosts.append(bound_host)
    else:
        import socket

        for name in {socket.gethostname(), socket.getfqdn()}:
            if name:
                hosts.append(name)
    return hosts


class HostMatcher:
    def __init__(self, patterns: list[str]):
        self.any = "*" in patterns
        self.exact = {_hostname(p) for p in patterns if not p.startswith("*")}
        self.suffixes = tuple(p[1:].lower() for p in patterns if p.startswith("*.") and len(p) > 2)

    def __call__(self, host: str) -> bool:
        if self.any:
            return True
        name = _hostname(host)
        return name in self.exact or (bool(self.suffixes) and name.endswith(self.suffixes))


def _host_port(authority: str, scheme: str) -> tuple[str, int] | None:
    """``Example.com:5000`` -> ("example.com", 5000); no port -> the scheme's default; None if malformed."""
    try:
        parts = urlsplit(f"//{authority.strip()}")
        port = parts.port or DEFAULT_PORTS.get(scheme)
    except ValueError:
        return None
    if not parts.hostname or port is None or parts.path not in ("", "/"):
        return None
    return parts.hostname.lower(), port


def _same_origin(origin: str, host: str, scheme: str) -> bool:
    """Whether ``Origin`` is this server's own: the same scheme, host and port (``https://h:p`` is
    another origin than ``http://h:p``, whose pages must not write here)."""
    origin_scheme, separator, authority = origin.partition("://")
    if not separator or origin_scheme.lower() != scheme.lower():
        return False
    mine = _host_port(host, scheme)
    return mine is not None and _host_port(authority, scheme) == mine


async def _send_json(send, status: int, error_code: str, message: str, extra: list | None = None) -> None:
    body = json.dumps({"error_code": error_code, "message": message}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers + (extra or [])})
    await send({"type": "http.response.body", "body": body})


class SecurityMiddleware:
    def __init__(
        self,
        app: Callable[..., Awaitable[Any]],
        allowed_hosts: list[str],
        cors_origins: list[str],
        users: Users | None = None,
    ) -> None:
        self.app = app
        self.host_allowed = HostMatcher(allowed_hosts)
        self.cors_any = "*" in cors_origins
        self.cors_origins = {o.rstrip("/").lower() for o in cors_origins if o != "*"}
        self.users = users

    def _cors_allowed(self, origin: str) -> bool:
        return self.cors_any or origin.rstrip("/").lower() in self.cors_origins

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers: dict[bytes, bytes] = {}
        for name, value in scope["headers"]:
            headers.setdefault(name, value)
        host = headers.get(b"host", b"").decode("latin-1")
        if not self.host_allowed(host):
            await _send_json(
                send,
                403,
                "PERMISSION_DENIED",
                f"Host header {host[:100]!r} is not allowed: start the server with --allowed-hosts",
            )
            return
        method = scope["method"]
        raw_origin = headers.get(b"origin")
        origin = raw_origin.decode("latin-1") if raw_origin is not None else None
        cors_ok = origin is not None and origin != "null" and self._cors_allowed(origin)
        if origin is not None and method == "OPTIONS" and b"access-control-request-method" in headers:
            if not cors_ok:
                await _send_json(send, 403, "PERMISSION_DENIED", f"origin {origin[:100]!r} is not allowed (CORS)")
                return
            await send(
                {
                    "type": "http.response.start",
                    "status": 204,
                    "headers": [
                        (b"access-control-allow-origin", raw_origin),
                        (b"access-control-allow-methods", CORS_METHODS.encode()),
                        (b"access-control-allow-headers", CORS_HEADERS.encode()),
                        (b"access-control-max-age", b"600"),
                        (b"vary", b"Origin"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": b""})
            return
        if (
            origin is not None
            and method not in SAFE_METHODS
            and not cors_ok
            and not _same_origin(origin, host, scope.get("scheme", "http"))
        ):
            await _send_json(
                send,
                403,
                "PERMISSION_DENIED",
                f"cross-origin {method} from {origin[:100]!r} refused: not in --cors-allowed-origins",
            )
            return
        if self.users is not None and scope["path"] not in OPEN_PATHS:
            authorization = headers.get(b"authorization", b"").decode("latin-1")
            user = self.users.cached(authorization) if authorization else None
            if user is None and authorization:
                user = await run_in_threadpool(self.users.check, authorization)
            if user is None:
                await _send_json(
                    send,
                    401,
                    "UNAUTHENTICATED",
                    "You are not authenticated: give a valid user name and password (HTTP Basic) or token",
                    [(b"www-authenticate", b'Basic realm="autolog"')],
                )
                return
            scope.setdefault("state", {})["user"] = user
        if not cors_ok:
            await self.app(scope, receive, send)
            return

        async def send_with_cors(message):
            if message["type"] == "http.response.start":
                message = dict(message)
                message["headers"] = [
                    *message.get("headers", []),
                    (b"access-control-allow-origin", raw_origin),
                    (b"vary", b"Origin"),
                ]
            await send(message)

        await self.app(scope, receive, send_with_cors)
