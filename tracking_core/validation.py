"""Checks on what users log, done when they log it, so a bad value is a clear error at its call site
and never poisons a batch that holds good data.

The rules are MLflow's, so that what one store accepts every store accepts (a run logged locally can
be copied to an MLflow server, a client written against our server works against MLflow's):

- keys: at most 250 characters of letters, digits, ``_ - . / : `` and spaces, that a path
  normalisation leaves unchanged (no ``a//b``, ``./a``, ``a/..``, leading ``/`` or trailing ``/``);
- param values longer than 6,000 characters and tag values longer than 8,000 are cut to that length,
  with a warning naming the key, as MLflow 3 cuts them (rather than refusing the value, or the batch
  holding it);
- metric timestamps are non-negative 64-bit integers; steps any 64-bit integer.
"""

from __future__ import annotations

import posixpath
import re

MAX_KEY_LENGTH = 250
MAX_PARAM_VALUE_LENGTH = 6000
MAX_TAG_VALUE_LENGTH = 8000
KEY_CHARACTERS = r"[/\w.\- :]*"
_KEY_RULE = "keys may only contain letters, digits, underscores, dashes, periods, colons, spaces and slashes"


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
    if not _utf8(key):
        raise InvalidKeyError(f"{kind} key {key!r} is not valid unicode (a lone surrogate): stores keep UTF-8 text")
    if not re.fullmatch(KEY_CHARACTERS, key):
        bad = "".join(sorted({c for c in key if not re.fullmatch(KEY_CHARACTERS, c)}))
        raise InvalidKeyError(f"{kind} key {key!r} has characters MLflow does not allow ({bad!r}): {_KEY_RULE}")
    if posixpath.normpath(key) != key or key == "." or key.startswith(("..", "/")):
        raise InvalidKeyError(
            f"{kind} key {key!r} is not allowed: keys may be used as file paths and this one would resolve "
            f"to {posixpath.normpath(key)!r} (no leading '/', '..' or '.' parts, '//' or trailing '/')"
        )
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
    number = _int64(key, "timestamp", timestamp)
    if number < 0:
        raise ValueError(f"metric {key!r}: timestamp {number} is negative (milliseconds since 1970 are expected)")
    return number


_warned_truncated: set[tuple[str, str]] = set()


def truncated(value: str, kind: str, key: str, limit: int) -> str:
    """``value`` cut to ``limit`` characters, as MLflow stores it, with one warning per key and process."""
    if len(value) <= limit:
        return value
    if (kind, key) not in _warned_truncated and len(_warned_truncated) < 10_000:
        _warned_truncated.add((kind, key))
        import logging  # only when a value is cut: ``import autolog`` stays without logging

        logging.getLogger("tracking_core").warning(
            "%s %r: value of %d characters is truncated to %d characters (the limit of MLflow stores)",
            kind,
            key,
            len(value),
            limit,
        )
    return value[:limit]


def param_text(key: str, value: object) -> str:
    """A param value as stored: text, checked, at most ``MAX_PARAM_VALUE_LENGTH`` characters."""
    return truncated(check_text(as_text(value), "param", key), "param", key, MAX_PARAM_VALUE_LENGTH)


def tag_text(key: str, value: object) -> str:
    """A tag value as stored: text, checked, at most ``MAX_TAG_VALUE_LENGTH`` characters."""
    return truncated(check_text(as_text(value), "tag", key), "tag", key, MAX_TAG_VALUE_LENGTH)


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
