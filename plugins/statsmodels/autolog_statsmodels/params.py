"""Params of a ``fit`` call: the arguments as the user passed them plus the defaults that apply.

The signature is read from the unwrapped ``fit`` of the model's class (cached per function), the
call is bound to it and defaults are applied. A ``**kwargs`` catch-all contributes one param per
keyword actually given; a ``*args`` catch-all only when given. Values become strings (long ones
are cut at ``MAX_VALUE_LENGTH`` characters, as MLflow's limit).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

MAX_VALUE_LENGTH = 6000

_signatures: dict[Callable[..., Any], inspect.Signature | None] = {}


def _signature(function: Callable[..., Any]) -> inspect.Signature | None:
    try:
        return _signatures[function]
    except (KeyError, TypeError):
        pass
    try:
        signature: inspect.Signature | None = inspect.signature(inspect.unwrap(function))
    except (TypeError, ValueError):
        signature = None
    try:
        _signatures[function] = signature
    except TypeError:
        pass
    return signature


def as_text(value: Any) -> str:
    text = value if isinstance(value, str) else str(value)
    return text if len(text) <= MAX_VALUE_LENGTH else text[: MAX_VALUE_LENGTH - 3] + "..."


def fit_params(instance: Any, method: str, args: tuple, kwargs: dict) -> dict[str, str]:
    """``{name: str(value)}`` for one call of ``instance.<method>(*args, **kwargs)``."""
    function = inspect.unwrap(getattr(type(instance), method))
    signature = _signature(function)
    if signature is None:
        return {k: as_text(v) for k, v in kwargs.items()}
    try:
        bound = signature.bind(instance, *args, **kwargs)
    except TypeError:  # the call itself was wrong; fit raised and nothing is logged anyway
        return {k: as_text(v) for k, v in kwargs.items()}
    bound.apply_defaults()
    params: dict[str, str] = {}
    receiver = next(iter(signature.parameters), None)  # ``self``
    for name, value in bound.arguments.items():
        if name == receiver:
            continue
        kind = signature.parameters[name].kind
        if kind is inspect.Parameter.VAR_KEYWORD:
            params.update({k: as_text(v) for k, v in value.items()})
        elif kind is inspect.Parameter.VAR_POSITIONAL:
            if value:
                params[name] = as_text(value)
        else:
            params[name] = as_text(value)
    return params
