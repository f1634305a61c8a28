"""The name of the user's variable holding a value: ``X_test`` for ``model.score(X_test, y_test)``.

Post-training metrics and the test datasets they record are named after the data the user passed
(``accuracy_score_X_test``, the dataset ``X_test``). ``caller_variable_name(value, skip=(...))``
walks up from its caller, past the frames of autolog, its plugins (modules named ``autolog_*``),
``tracking_core``, ``wrapt`` and the packages named in ``skip`` (the framework: ``sklearn``,
``keras``), to the first frame of user code, and returns the first local name there bound to that
very object (names starting with ``_`` excepted), or None. Cost: one walk of the stack and a scan
of that frame's locals (identity comparisons only); nothing is kept.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from types import FrameType
from typing import Any

_ALWAYS_SKIPPED = ("autolog", "tracking_core", "wrapt")


def _skipped(module: str, skip: tuple[str, ...]) -> bool:
    top = module.partition(".")[0]
    return top in _ALWAYS_SKIPPED or top in skip or top.startswith("autolog_")


def caller_variable_name(value: Any, skip: Iterable[str] = ()) -> str | None:
    """The user's variable name for ``value`` (see the module docstring), None if there is none."""
    if value is None:
        return None
    skipped = tuple(skip)
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and _skipped(frame.f_globals.get("__name__") or "", skipped):
        frame = frame.f_back
    if frame is None:
        return None
    for name, candidate in frame.f_locals.items():
        if candidate is value and name.isidentifier() and not name.startswith("_"):
            return name
    return None
