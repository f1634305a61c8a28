"""Finding the training data in a fit call's arguments, without copying it."""
from __future__ import annotations

from typing import Any

_MISSING = object()


def argument(call, position: int, name: str, default: Any = None) -> Any:
    if len(call.args) > position:
        return call.args[position]
    return call.kwargs.get(name, default)


def training_data(call) -> tuple[Any, Any, Any]:
    """(X, y, sample_weight) as passed to fit / fit_transform / fit_predict."""
    X = argument(call, 0, "X")
    y = argument(call, 1, "y")
    sample_weight = call.kwargs.get("sample_weight")
    return X, y, sample_weight
