"""A native call's arguments by name, read the way XGBoost itself reads them.

``xgboost.train`` and ``xgboost.cv`` declare every argument after ``num_boost_round`` keyword-only,
but their decorator (``_deprecate_positional_args``) still accepts them positionally, with a
``FutureWarning``: it assigns the positional values to the parameters in declared order,
keyword-only ones included, over any keyword of the same name. XGBoost's own guide scripts call
``xgb.train(param, dtrain, num_round, watchlist)``. ``inspect.Signature.bind`` refuses such a call,
so the call is bound here as the decorator binds it.
"""

from __future__ import annotations

import inspect
from functools import cache
from typing import Any

_NAMED_KINDS = (
    inspect.Parameter.POSITIONAL_ONLY,
    inspect.Parameter.POSITIONAL_OR_KEYWORD,
    inspect.Parameter.KEYWORD_ONLY,
)


@cache
def signature(method: str) -> inspect.Signature:
    """The signature of ``xgboost.training.<method>`` (``train`` or ``cv``), behind its decorator."""
    import xgboost.training

    return inspect.signature(getattr(xgboost.training, method))


@cache
def parameter_names(method: str) -> tuple[str, ...]:
    """Parameter names in the order XGBoost assigns positional arguments to them."""
    return tuple(name for name, parameter in signature(method).parameters.items() if parameter.kind in _NAMED_KINDS)


def position(method: str, name: str) -> int:
    return parameter_names(method).index(name)


def call_arguments(method: str, args: tuple, kwargs: dict) -> dict[str, Any]:
    """Every argument of ``xgboost.<method>(*args, **kwargs)`` by name, defaults included."""
    given = dict(kwargs)
    given.update(zip(parameter_names(method), args, strict=False))  # positional wins, as in XGBoost's decorator
    found: dict[str, Any] = {}
    for name, parameter in signature(method).parameters.items():
        if name in given:
            found[name] = given.pop(name)
        elif parameter.default is not inspect.Parameter.empty:
            found[name] = parameter.default
    found.update(given)
    return found
