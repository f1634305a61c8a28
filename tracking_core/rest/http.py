"""A small HTTP client for the tracking REST API: stdlib ``http.client``, keep-alive, retries.

Kept on the standard library so ``import autolog`` stays light (orjson, when installed, reads
metric histories: see ``loads``). One connection per thread (and per process: a forked child opens
its own). Connection errors, 429 and 5xx are retried with exponential backoff (``Retry-After``
honoured); when the server stays unreachable the call raises ``ServerUnavailableError`` -- a
``ConnectionError``, so the batching writer keeps the data queued and tries again later.
Credentials come from ``AUTOLOG_TRACKING_USERNAME`` /
``AUTOLOG_TRACKING_PASSWORD`` (HTTP Basic) or ``AUTOLOG_TRACKING_TOKEN`` (Bearer).
"""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from collections.abc import Callable
from typing import IO, Any
from urllib.parse import urlencode, urlsplit

USERNAME_ENV = "AUTOLOG_TRACKING_USERNAME"
PASSWORD_ENV = "AUTOLOG_TRACKING_PASSWORD"
TOKEN_ENV = "AUTOLOG_TRACKING_TOKEN"
TIMEOUT_ENV = "AUTOLOG_HTTP_REQUEST_TIMEOUT"
RETRIES_ENV = "AUTOLOG_HTTP_REQUEST_MAX_RETRIES"
DEFAULT_TIMEOUT_SECONDS = 120.0
DEFAULT_MAX_RETRIES = 5
BACKOFF_FIRST_SECONDS = 0.25
BACKOFF_MAX_SECONDS = 4.0
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


_FAST_LOADS: Any = None  # orjson.loads once looked up, or False when orjson is not installed


def loads(data: bytes) -> Any:
    """``json.loads``, through orjson when it is installed (optional: ``autolog[server]`` brings it),
    for answers that may be big: a metric history of a million points is 80 MB of JSON, read three
    times faster. Same values: floats are read exactly, as ``json`` reads them; what orjson refuses
    and ``json`` takes (a bare ``NaN``, a lone surrogate) is read by ``json``. One difference, why
    only the history pages (MLflow's int64 fields) come this way: orjson reads an integer beyond
    64 bits as a float."""
    global _FAST_LOADS
    if _FAST_LOADS is None:
        try:
            import orjson

            _FAST_LOADS = orjson.loads
        except ImportError:
            _FAST_LOADS = False
    if _FAST_LOADS:
        try:
            return _FAST_LOADS(data)
        except ValueError:  # orjson.JSONDecodeError
            pass
    return json.loads(data)


class RestError(ValueError):
    """The server refused the request for what it carried (4xx): retrying the same cannot help."""

    def __init__(self, status: int, error_code: str, message: str, endpoint: str):
        super().__init__(f"{endpoint}: {error_code} ({status}): {message}")
        self.status, self.error_code, self.message, self.endpoint = status, error_code, message, endpoint


class ServerUnavailableError(ConnectionError):
    """The server could not be reached, kept failing (5xx, 429) or refused our credentials."""


def _auth_header() -> str | None:
    token = os.environ.get(TOKEN_ENV)
    if token:
        return f"Bearer {token}"
    user = os.environ.get(USERNAME_ENV)
    if user:
        secret = f"{user}:{os.environ.get(PASSWORD_ENV, '')}".encode()
        return "Basic " + base64.b64encode(secret).decode("ascii")
    return None


class HttpClient:
    def __init__(self, base_url: str):
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self.scheme = parts.scheme
        self.host = parts.hostname
        self.port = parts.port
        self.prefix = parts.path.rstrip("/")
        self.timeout = float(os.environ.get(TIMEOUT_ENV, DEFAULT_TIMEOUT_SECONDS))
        self.max_retries = int(os.environ.get(RETRIES_ENV, DEFAULT_MAX_RETRIES))
        self._local = threading.local()
        self._pid = os.getpid()
        if parts.username:  # http://user:password@host: credentials in the URL win over the environment
            from urllib.parse import unquote

            secret = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
            self._url_auth: str | None = "Basic " + base64.b64encode(secret).decode("ascii")
        else:
            self._url_auth = None

    # -- connections -------------------------------------------------------------------------
    def _connection(self):
        if self._pid != os.getpid():
            self._pid = os.getpid()
            self._local = threading.local()
        connection = getattr(self._local, "connection", None)
        if connection is None:
            import http.client

            if self.scheme == "https":
                connection = http.client.HTTPSConnection(self.host, self.port, timeout=self.timeout)
            else:
                connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            self._local.connection = connection
        return connection

    def _drop_connection(self) -> None:
        connection = getattr(self._local, "connection", None)
        self._local.connection = None
        if connection is not None:
            try:
                connection.close()
            except Exception:
                pass

    def reset_after_fork(self) -> None:
        self._pid = os.getpid()
        self._local = threading.local()

    # -- requests ------------------------------------------------------------------------------
    def request(
        self,
        method: str,
        path: str,
        *,
        query: dict | None = None,
        body: bytes | IO[bytes] | Any | None = None,  # bytes, or a file-like object read by http.client
        headers: dict[str, str] | None = None,
        body_length: int | None = None,
        retries: int | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        """Send one request (retried as the module says); returns (status, headers, body)."""
        import http.client

        target = self.prefix + path
        if query:
            target += "?" + urlencode({k: v for k, v in query.items() if v is not None}, doseq=True)
        all_headers = {"Accept": "application/json", "User-Agent": "autolog"}
        auth = self._url_auth or _auth_header()
        if auth:
            all_headers["Authorization"] = auth
        if headers:
            all_headers.update(headers)
        if body is not None:
            all_headers["Content-Length"] = str(len(body) if isinstance(body, (bytes, bytearray)) else body_length)
        attempts = (self.max_retries if retries is None else retries) + 1
        start_position = body.tell() if body is not None and hasattr(body, "tell") else None
        last_error = ""
        for attempt in range(attempts):
            if attempt:
                if start_position is not None:
                    body.seek(start_position)  # type: ignore[union-attr]
            connection = self._connection()
            try:
                connection.request(method, target, body=body, headers=all_headers)
                response = connection.getresponse()
                data = response.read()
                status = response.status
                response_headers = {k.lower(): v for k, v in response.getheaders()}
                if response_headers.get("connection", "").lower() == "close":
                    self._drop_connection()
            except (OSError, http.client.HTTPException) as exc:
                self._drop_connection()
                last_error = f"{type(exc).__name__}: {exc}"
                if attempt == 0 and isinstance(
                    exc, (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)
                ):
                    continue  # a kept-alive connection the server had closed: try a fresh one at once
                self._sleep(attempt, None)
                continue
            if status in RETRY_STATUSES:
                last_error = f"HTTP {status}: {data[:200].decode('utf-8', 'replace')}"
                if attempt + 1 < attempts:
                    self._sleep(attempt, response_headers.get("retry-after"))
                continue
            return status, response_headers, data
        raise ServerUnavailableError(
            f"tracking server {self.base_url} unreachable after {attempts} attempt(s) ({method} {path}): {last_error}"
        )

    def send_get(self, path: str, query: dict) -> Any:
        """Send a GET and return at once: the caller works while the server answers, then reads the
        answer with ``read_answer(sent)``. Not retried: ``None`` when sending failed; the caller then
        sends it again through ``request``. Until ``read_answer``, this thread's connection is busy."""
        import http.client

        target = self.prefix + path + "?" + urlencode({k: v for k, v in query.items() if v is not None}, doseq=True)
        headers = {"Accept": "application/json", "User-Agent": "autolog"}
        auth = self._url_auth or _auth_header()
        if auth:
            headers["Authorization"] = auth
        connection = self._connection()
        try:
            connection.request("GET", target, headers=headers)
        except (OSError, http.client.HTTPException):
            self._drop_connection()
            return None
        return connection

    def read_answer(self, sent: Any) -> tuple[int, dict[str, str], bytes] | None:
        """The answer to ``send_get``: (status, headers, body), or ``None`` when it failed or was a
        status worth retrying (the caller sends the request again through ``request``)."""
        import http.client

        try:
            response = sent.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self._drop_connection()
            return None
        headers = {k.lower(): v for k, v in response.getheaders()}
        if headers.get("connection", "").lower() == "close":
            self._drop_connection()
        if response.status in RETRY_STATUSES:
            return None
        return response.status, headers, data

    def abandon(self, sent: Any) -> None:
        """Give up a ``send_get`` whose answer will not be read: its connection is closed."""
        if sent is not None and getattr(self._local, "connection", None) is sent:
            self._drop_connection()

    def download(self, path: str, target: str, chunk_bytes: int = 1 << 20) -> int:
        """GET ``path`` into the file ``target`` in chunks (any size; retried whole); returns the status.

        Only a 200 writes the file; any other status is returned with nothing written."""
        import http.client

        headers = {"User-Agent": "autolog"}
        auth = self._url_auth or _auth_header()
        if auth:
            headers["Authorization"] = auth
        last_error = ""
        for attempt in range(self.max_retries + 1):
            connection = self._connection()
            try:
                connection.request("GET", self.prefix + path, headers=headers)
                response = connection.getresponse()
                if response.status != 200:
                    data = response.read()
                    if response.status in RETRY_STATUSES and attempt < self.max_retries:
                        self._sleep(attempt, response.getheader("retry-after"))
                        continue
                    if response.status in (401, 403):
                        self.check(response.status, data, path)
                    return response.status
                with open(target, "wb") as fh:
                    while True:
                        chunk = response.read(chunk_bytes)
                        if not chunk:
                            break
                        fh.write(chunk)
                return 200
            except (OSError, http.client.HTTPException) as exc:
                self._drop_connection()
                last_error = f"{type(exc).__name__}: {exc}"
                self._sleep(attempt, None)
        raise ServerUnavailableError(f"tracking server {self.base_url} unreachable (GET {path}): {last_error}")

    def _sleep(self, attempt: int, retry_after: str | None) -> None:
        delay = min(BACKOFF_MAX_SECONDS, BACKOFF_FIRST_SECONDS * (2**attempt))
        if retry_after and retry_after.isdigit():
            delay = min(float(retry_after), 30.0)
        time.sleep(delay)

    def call(self, method: str, endpoint: str, payload: dict | None = None, retries: int | None = None) -> dict:
        """A JSON API call (``endpoint`` below the base URL); a refusal raises ``RestError``."""
        if method == "GET":
            status, _headers, data = self.request("GET", endpoint, query=payload, retries=retries)
        else:
            body = json.dumps(payload or {}, separators=(",", ":"), allow_nan=False).encode("utf-8")
            status, _headers, data = self.request(
                method, endpoint, body=body, headers={"Content-Type": "application/json"}, retries=retries
            )
        return self.check(status, data, endpoint)

    def check(self, status: int, data: bytes, endpoint: str, decode: Callable[[bytes], Any] = json.loads) -> Any:
        if 200 <= status < 300:
            if not data:
                return {}
            try:
                return decode(data)
            except ValueError:
                raise ServerUnavailableError(
                    f"{endpoint}: the server answered {status} with a body that is not JSON: {data[:200]!r}"
                ) from None
        try:
            error = json.loads(data)
            code, message = error.get("error_code", "ERROR"), error.get("message", "")
        except (ValueError, AttributeError):
            code, message = "ERROR", data[:300].decode("utf-8", "replace")
        if status in (401, 403):
            # Wrong or missing credentials: nothing is wrong with the data, keep it queued.
            raise ServerUnavailableError(
                f"tracking server {self.base_url} refused us ({status} {code}): {message}. "
                f"Set {USERNAME_ENV}/{PASSWORD_ENV} or {TOKEN_ENV}."
            )
        raise RestError(status, code, message, endpoint)
