"""Checks on what users log, done when they log it, so a bad value is a clear error at its call site
and never poisons a batch that holds good data."""
from __future__ import annotations

MAX_KEY_LENGTH = 250

_valid_keys: set[str] = set()


class InvalidKeyError(ValueError):
    pass


def check_key(key: object, kind: str) -> str:
    if key in _valid_keys:
        return key  # type: ignore[return-value]
    if not isinstance(key, str) or not key:
        raise InvalidKeyError(f"{kind} key must be a non-empty string, got {key!r}")
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidKeyError(f"{kind} key {key[:40]!r}... is longer than {MAX_KEY_LENGTH} characters")
    if key.startswith("/") or ".." in key.split("/") or any(ord(c) < 32 for c in key):
        raise InvalidKeyError(f"{kind} key {key!r} is not allowed (no leading '/', '..' part or control character)")
    if len(_valid_keys) < 100_000:
        _valid_keys.add(key)
    return key


def metric_value(key: str, value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise TypeError(f"metric {key!r}: value {value!r} is not a number") from None


def metric_step(key: str, step: object) -> int:
    if step is None:
        return 0
    try:
        return int(step)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise TypeError(f"metric {key!r}: step {step!r} is not an integer") from None


def as_text(value: object) -> str:
    return value if isinstance(value, str) else str(value)
