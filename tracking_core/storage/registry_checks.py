"""MLflow's rules for model registry input (names, versions, aliases, tags, max_results) with MLflow's
messages naming the field,: shared by the registry and logged
model halves of the SQL store and by the server."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

MAX_MODEL_NAME_LENGTH = 256
MAX_ALIAS_LENGTH = 255
MAX_TAG_KEY_LENGTH = 250
MAX_TAG_VALUE_LENGTH = 100_000  # MLflow's registry tag values (model version tags: 100,000)
INT32_MAX = 2**31 - 1
_ALIAS = re.compile(r"^[\w\-]+$")
_VERSION_LIKE = re.compile(r"^[vV]?\d+$")


def check_model_name(name: Any, field: str = "name") -> str:
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"Missing value for required parameter '{field}'.")
    if "/" in name or ":" in name:
        raise ValueError(f"Invalid model name '{name}' ({field}). Names cannot contain '/' or ':'.")
    if len(name) > MAX_MODEL_NAME_LENGTH:
        raise ValueError(
            f"{field} '{name[:40]}...' is {len(name)} characters long; the limit is {MAX_MODEL_NAME_LENGTH}"
        )
    return name


def check_version(version: Any) -> int:
    try:
        number = int(str(version).strip())
    except (TypeError, ValueError):
        raise ValueError(f"Parameter 'version' must be an integer, got '{version}'.") from None
    if not 1 <= number <= INT32_MAX:
        raise ValueError(f"Parameter 'version' must be a positive integer up to {INT32_MAX}, got '{version}'.")
    return number


def check_alias(alias: Any) -> str:
    if not isinstance(alias, str) or alias == "":
        raise ValueError("Registered model alias name cannot be empty (alias).")
    if not _ALIAS.match(alias):
        raise ValueError(
            f"Invalid alias name: '{alias}' (alias). Names may only contain alphanumerics, underscores (_), "
            "and dashes (-)."
        )
    if len(alias) > MAX_ALIAS_LENGTH:
        raise ValueError(f"alias is {len(alias)} characters long; the limit is {MAX_ALIAS_LENGTH}")
    return alias


def check_alias_to_set(alias: Any) -> str:
    check_alias(alias)
    if alias.lower() == "latest":
        raise ValueError("'latest' alias name (case insensitive) is reserved (alias).")
    if _VERSION_LIKE.match(alias):
        raise ValueError(
            f"Version alias name '{alias}' is reserved (alias): an alias cannot look like a version number "
            "(3, v3), since models:/name/3 names the version"
        )
    return alias


def check_tag(key: Any, value: Any) -> tuple[str, str]:
    if not isinstance(key, str) or not key:
        raise ValueError("Missing value for required parameter 'key'.")
    if len(key) > MAX_TAG_KEY_LENGTH:
        raise ValueError(f"tag key '{key[:40]}...' is {len(key)} characters long; the limit is {MAX_TAG_KEY_LENGTH}")
    value = "" if value is None else str(value)
    if len(value) > MAX_TAG_VALUE_LENGTH:
        raise ValueError(f"tag value of '{key}' is {len(value)} characters long; the limit is {MAX_TAG_VALUE_LENGTH}")
    return key, value


def tag_items(tags: Any) -> list[tuple[str, str]]:
    """Tags as a dict, or a list of objects with key/value (MLflow's tag entities)."""
    if not tags:
        return []
    items = tags.items() if isinstance(tags, Mapping) else ((t.key, t.value) for t in tags)
    return [check_tag(k, v) for k, v in items]


def checked_max_results(value: Any, default: int, limit: int) -> int:
    if value is None:
        return default
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"Invalid value for max_results: it must be a positive integer, got {value!r}")
    if value > limit:
        raise ValueError(f"Invalid value for max_results: it must be at most {limit}, but got value {value}")
    return value


def experiment_key(experiment_id: Any, field: str) -> int:
    try:
        key = int(str(experiment_id))
    except (TypeError, ValueError):
        raise ValueError(f"Invalid {field}: {str(experiment_id)[:40]!r} is not an experiment id") from None
    if not 0 <= key <= INT32_MAX:
        raise ValueError(f"Invalid {field}: {key} is not an experiment id")
    return key


def param_items(params: Any) -> list[tuple[str, str]]:
    if not params:
        return []
    items = params.items() if isinstance(params, Mapping) else ((p.key, p.value) for p in params)
    result = []
    for key, value in items:
        if not isinstance(key, str) or not key:
            raise ValueError("Missing value for required parameter 'key' of a param.")
        result.append((key, "" if value is None else str(value)))
    return result
