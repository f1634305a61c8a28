"""Checks on what users log, done when they log it, so a bad value is a clear error at its call site
and never poisons a batch that holds good data."""

from __future__ import annotations

MAX_KEY_LENGTH = 250

_valid_keys: set[str] = set()


class InvalidKeyError(ValueError):
    pass


def check_key(key: object, kind: str) -> str:
    if key in _valid_keys:
        return key
    if not isinstance(key, str) or not key:
        raise InvalidKeyError(f"{kind} key must be a non-empty string, got {key!r}")
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidKeyError(f"{kind} key {key[:40]!r}... is longer than {MAX_KEY_LENGTH} characters")
    if key.startswith("/") or ".." in key.split("/") or any(ord(c) < 32 for c in key):
        raise InvalidKeyError(f"{kind} key {key!r} is not allowed (no leading '/', '..' part or control character)")
    if not _utf8(key):
        raise InvalidKeyError(f"{kind} key {key!r} is not valid unicode (a lone surrogate): stores keep UTF-8 text")
    if len(_valid_keys) < 100_000:
        _valid_keys.add(key)
    return key


def metric_value(key: str, value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise TypeError(f"metric {key!r}: value {value!r:.60} is not a number") from None
    except OverflowError:
        raise ValueError(f"metric {key!r}: value {str(value)[:40]}... is too large for a float") from None


INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def _int64(key: str, what: str, value: object) -> int:
    try:
        number = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError, OverflowError):
        raise TypeError(f"metric {key!r}: {what} {value!r} is not an integer") from None
    if not INT64_MIN <= number <= INT64_MAX:
        raise ValueError(f"metric {key!r}: {what} {value!r} is outside the 64-bit integer range")
    return number


def metric_step(key: str, step: object) -> int:
    return 0 if step is None else _int64(key, "step", step)


def metric_timestamp(key: str, timestamp: object) -> int:
    return _int64(key, "timestamp", timestamp)


def check_text(value: str, kind: str, key: str) -> str:
    if "\x00" in value:
        raise ValueError(f"{kind} {key!r}: value contains a NUL character, which stores cannot keep")
    if not _utf8(value):
        raise ValueError(f"{kind} {key!r}: value is not valid unicode (a lone surrogate): stores keep UTF-8 text")
    return value


def _utf8(text: str) -> bool:
    """False for text holding lone surrogates (from ``surrogateescape`` decoding, say): no store keeps them."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def as_text(value: object) -> str:
    return value if isinstance(value, str) else str(value)
