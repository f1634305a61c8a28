"""Checks of autologging option values, run at the ``autolog()`` call.

A check is a callable ``check(value)`` that returns nothing for a good value and raises
``ValueError`` (or ``TypeError``) saying what a good value is. An integration declares checks for
its own options with ``Integration(option_checks={...})``; the common options are checked here.
``autolog()`` turns a failed check into one ``InvalidOptionError`` naming the option, before any
option takes effect, so a bad call changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

Check = Callable[[Any], None]


class InvalidOptionError(ValueError):
    """An option passed to ``autolog()`` / ``autolog.<name>.autolog()`` has a value it cannot take."""


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool) or type(value).__name__ == "bool_"  # numpy.bool_ too


def _is_int(value: Any) -> bool:
    return not _is_bool(value) and hasattr(value, "__index__")


def boolean(value: Any) -> None:
    if not _is_bool(value):
        raise ValueError("must be True or False")


def non_negative_int(value: Any) -> None:
    if not _is_int(value) or value < 0:
        raise ValueError("must be an integer >= 0")


def positive_int(value: Any) -> None:
    if not _is_int(value) or value < 1:
        raise ValueError("must be an integer >= 1")


def non_negative_number(value: Any) -> None:
    if _is_bool(value) or not isinstance(value, (int, float)) or value != value or value < 0:
        raise ValueError("must be a number >= 0")


def positive_number(value: Any) -> None:
    if _is_bool(value) or not isinstance(value, (int, float)) or not 0 < value < float("inf"):
        raise ValueError("must be a number > 0")


def string_list(value: Any) -> None:
    if isinstance(value, str) or not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ValueError("must be a list of strings")


def string_dict(value: Any) -> None:
    if not isinstance(value, dict) or not all(isinstance(k, str) and k for k in value):
        raise ValueError("must be a dict with non-empty string keys")


def model_name(value: Any) -> None:
    """A registered model name, as the registry takes it (MLflow's rule: no '/' or ':')."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be a non-empty string (the registered model's name)")
    if "/" in value or ":" in value:
        raise ValueError("must not contain '/' or ':' (a registered model name)")


def optional(check: Check) -> Check:
    """``check``, or None."""

    def check_optional(value: Any) -> None:
        if value is not None:
            try:
                check(value)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"{exc} or None") from None

    return check_optional


def one_of(*choices: Any) -> Check:
    def check_choice(value: Any) -> None:
        if value not in choices:
            raise ValueError(f"must be one of {', '.join(map(repr, choices))}")

    return check_choice


def names_from(*known: str) -> Check:
    """One of ``known``, or a list of them (e.g. importance types a framework can compute)."""

    def check_names(value: Any) -> None:
        names = [value] if isinstance(value, str) else value
        string_list(names)
        unknown = [name for name in names if name not in known]
        if unknown:
            raise ValueError(f"must name values among {', '.join(known)} (not {', '.join(unknown)})")

    return check_names


def anything(value: Any) -> None:
    """For options whose values the integration interprets itself (e.g. a class label)."""


COMMON_CHECKS: dict[str, Check] = {
    "log_models": boolean,
    "log_input_examples": boolean,
    "log_model_signatures": boolean,
    "disable": boolean,
    "exclusive": boolean,
    "disable_for_unsupported_versions": boolean,
    "silent": boolean,
    "extra_tags": optional(string_dict),
    "log_system_metrics": boolean,
    "system_metrics_interval": optional(positive_number),
    "log_datasets": boolean,
    "registered_model_name": optional(model_name),
}


def check_options(options: dict[str, Any], checks_by_owner: Iterable[tuple[str, dict[str, Check]]], call: str) -> None:
    """Run every applicable check; raise ``InvalidOptionError`` naming the first bad option."""
    owners = list(checks_by_owner)
    for name, value in options.items():
        for owner, checks in [("autolog", COMMON_CHECKS), *owners]:
            check = checks.get(name)
            if check is None:
                continue
            try:
                check(value)
            except (TypeError, ValueError) as exc:
                where = "" if owner == "autolog" else f" (integration {owner!r})"
                raise InvalidOptionError(f"{call}: option {name}={value!r} is invalid{where}: {exc}") from None
