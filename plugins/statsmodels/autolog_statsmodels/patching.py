"""Which statsmodels methods are patched: ``fit`` of ``Model`` and of every subclass overriding it.

statsmodels defines ``fit`` on many classes (``RegressionModel``, ``GLM``, ``Logit``, ``MLEModel``,
``ARIMA``...), in modules imported lazily and in user code. At patch time every subclass of
``statsmodels.base.model.Model`` already defined is walked recursively; a wrapped
``Model.__init_subclass__`` patches classes defined afterwards (including the user's own). A class
that only inherits ``fit`` needs no patch of its own: the inherited attribute is patched.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

from autolog.plugin import report

NAME = "statsmodels"
METHOD = "fit"


def subclasses(cls: type) -> Iterator[type]:
    """Every subclass of ``cls``, recursively, each once."""
    seen: set[int] = set()
    stack: list[type] = list(cls.__subclasses__())
    while stack:
        klass = stack.pop()
        if id(klass) in seen:
            continue
        seen.add(id(klass))
        yield klass
        stack.extend(klass.__subclasses__())


def patch_class(cls: type, patcher: Any) -> bool:
    """Wrap ``cls.fit`` when ``cls`` defines it itself as a plain function."""
    own = cls.__dict__.get(METHOD)
    if own is None or not (inspect.isfunction(own) or hasattr(own, "__wrapped__")):
        return False
    return patcher.wrap_training(cls, METHOD)


def _subclass_hook(patcher: Any, silent: Callable[[], bool]) -> Callable[[Any, Any, tuple, dict], Any]:
    def on_subclass(wrapped: Any, instance: Any, args: tuple, kwargs: dict) -> Any:
        result = wrapped(*args, **kwargs)
        cls = getattr(wrapped, "__self__", None)  # the bound classmethod knows the new class
        if isinstance(cls, type):
            try:
                patch_class(cls, patcher)
            except Exception as exc:  # never break the user's class definition
                report(NAME, exc, f"patching {cls.__qualname__}.fit", silent())
        return result

    return on_subclass


def patch(module: ModuleType, patcher: Any, silent: Callable[[], bool] = lambda: False) -> None:
    """Called once ``statsmodels.base.model`` is imported (and again after re-enabling)."""
    base = module.Model
    patch_class(base, patcher)
    for cls in subclasses(base):
        patch_class(cls, patcher)
    patcher.wrap(base, "__init_subclass__", _subclass_hook(patcher, silent))
