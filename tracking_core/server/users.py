"""The users file of ``autolog server --users-file``: names with scrypt-hashed passwords, and API tokens.

One entry per line, ``name:scrypt:N:r:p:<salt hex>:<hash hex>`` for a password, ``name:token:<sha256
hex>`` for a token (tokens are 256 random bits, so a plain hash suffices). ``autolog server users
add NAME`` writes it (mode 0600). A check of the wrong password costs a full scrypt like a right one,
whether or not the name exists, and the answer never says which part was wrong; a verified
``Authorization`` header is remembered (keyed by its hash) so only the first request of a client
pays for scrypt.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import threading

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
SALT_BYTES = 16
MAX_CACHED = 10_000


class UsersFileError(ValueError):
    pass


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=64 * 1024 * 1024, dklen=32)


def hash_password(password: str) -> str:
    salt = os.urandom(SALT_BYTES)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"scrypt:{SCRYPT_N}:{SCRYPT_R}:{SCRYPT_P}:{salt.hex()}:{digest.hex()}"


def _check_name(name: str) -> str:
    if not name or ":" in name or any(c.isspace() for c in name) or len(name) > 128:
        raise UsersFileError(f"user name {name!r} is not allowed (1-128 characters, no ':' or whitespace)")
    return name


def _read_lines(path: str) -> list[str]:
    try:
        with open(path, encoding="utf-8") as fh:
            return [line.rstrip("\n") for line in fh]
    except FileNotFoundError:
        return []


def _write_lines(path: str, lines: list[str]) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    partial = f"{path}.partial-{os.urandom(4).hex()}"
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("".join(line + "\n" for line in lines))
    os.replace(partial, path)


def add_user(path: str, name: str, password: str) -> None:
    """Add ``name`` with ``password`` (replacing an entry of the same name and kind)."""
    _check_name(name)
    if len(password) < 8:
        raise UsersFileError("a password needs at least 8 characters")
    lines = [line for line in _read_lines(path) if not line.startswith(f"{name}:scrypt:")]
    lines.append(f"{name}:{hash_password(password)}")
    _write_lines(path, lines)


def add_token(path: str, name: str) -> str:
    """A new API token for ``name`` (shown once; only its hash is kept)."""
    _check_name(name)
    token = base64.urlsafe_b64encode(os.urandom(32)).decode("ascii").rstrip("=")
    lines = [*_read_lines(path), f"{name}:token:{hashlib.sha256(token.encode()).hexdigest()}"]
    _write_lines(path, lines)
    return token


class Users:
    """The users file, re-read when it changes; ``check(authorization_header) -> user name | None``."""

    def __init__(self, path: str):
        self.path = path
        self._lock = threading.Lock()
        self._stamp: tuple[float, int] | None = None
        self._passwords: dict[str, tuple[int, int, int, bytes, bytes]] = {}
        self._tokens: dict[str, str] = {}
        self._verified: dict[bytes, str] = {}
        self._secret = os.urandom(32)
        self._load()
        if not self._passwords and not self._tokens:
            raise UsersFileError(
                f"users file {path!r} holds no users: add one with 'autolog server users add NAME --users-file {path}'"
            )

    def _load(self) -> None:
        try:
            info = os.stat(self.path)
        except FileNotFoundError:
            raise UsersFileError(
                f"users file {self.path!r} does not exist: create it with "
                f"'autolog server users add NAME --users-file {self.path}'"
            ) from None
        stamp = (info.st_mtime, info.st_size)
        if stamp == self._stamp:
            return
        passwords: dict[str, tuple[int, int, int, bytes, bytes]] = {}
        tokens: dict[str, str] = {}
        for number, line in enumerate(_read_lines(self.path), 1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            parts = line.split(":")
            try:
                if len(parts) == 7 and parts[1] == "scrypt":
                    passwords[parts[0]] = (
                        int(parts[2]),
                        int(parts[3]),
                        int(parts[4]),
                        bytes.fromhex(parts[5]),
                        bytes.fromhex(parts[6]),
                    )
                elif len(parts) == 3 and parts[1] == "token":
                    tokens[parts[2]] = parts[0]
                else:
                    raise ValueError("unknown entry")
            except ValueError:
                raise UsersFileError(f"{self.path}:{number}: not a users file entry") from None
        self._passwords, self._tokens, self._stamp = passwords, tokens, stamp
        self._verified = {}

    def _reload_if_changed(self) -> None:
        with self._lock:
            try:
                self._load()
            except UsersFileError:
                self._passwords, self._tokens, self._verified = {}, {}, {}

    def cached(self, authorization: str) -> str | None:
        """The user of a header verified before (cheap; no scrypt), else None."""
        self._reload_if_changed()
        return self._verified.get(self._key(authorization))

    def _key(self, authorization: str) -> bytes:
        return hmac.new(self._secret, authorization.encode("utf-8", "surrogateescape"), hashlib.sha256).digest()

    def check(self, authorization: str | None) -> str | None:
        """The user name if the header carries valid credentials, else None (may cost one scrypt)."""
        if not authorization:
            return None
        known = self.cached(authorization)
        if known is not None:
            return known
        scheme, _, value = authorization.strip().partition(" ")
        user = None
        if scheme.lower() == "basic":
            user = self._check_basic(value.strip())
        elif scheme.lower() == "bearer":
            user = self._tokens.get(hashlib.sha256(value.strip().encode()).hexdigest())
        if user is not None:
            with self._lock:
                if len(self._verified) >= MAX_CACHED:
                    self._verified.clear()
                self._verified[self._key(authorization)] = user
        return user

    def _check_basic(self, value: str) -> str | None:
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            decoded = ":"
        name, _, password = decoded.partition(":")
        entry = self._passwords.get(name)
        if entry is None:
            # Same work for an unknown name as for a known one: timing tells nothing.
            _scrypt(password, b"\0" * SALT_BYTES, SCRYPT_N, SCRYPT_R, SCRYPT_P)
            return None
        n, r, p, salt, expected = entry
        return name if hmac.compare_digest(_scrypt(password, salt, n, r, p), expected) else None
