"""Who called ``fit``: the user, or scikit-learn itself.

scikit-learn fits estimators inside its own functions: ``recall_score`` and
``classification_report`` fit a ``LabelEncoder``, ``log_loss`` a ``LabelBinarizer``,
``CalibratedClassifierCV.predict_proba`` and ``learning_curve`` fit whatever they need. None of
that is the user's training. So an outermost training call is logged only when the code that called
it is not scikit-learn's: the first frame outside autolog is looked at, and if its module belongs to
the ``sklearn`` package the call runs unlogged (and, being the outermost call, every fit nested in
it too).

Calls that sklearn makes *for* the user are unaffected: its user-facing training entry points
(``Pipeline.fit``, a search's ``fit``, ``cross_validate``, ``learning_curve``...) are patched
themselves, so the fits they run are nested and were never logged on their own. One entry point
calling another counts as the user's call (``cross_val_score`` imported before ``autolog()``, so
unpatched, calling the patched ``cross_validate``). A few sklearn modules are only plumbing between
the user and a method (the ``set_output`` wrapper around ``fit_transform``, the joblib task wrapper
running ``delayed(estimator.fit)``) and are looked through.

The check walks a handful of frames: a few microseconds per outermost call.
"""

from __future__ import annotations

import sys
from types import FrameType
from typing import Any

_OURS = ("autolog", "autolog_sklearn", "tracking_core", "wrapt")
_SKLEARN_PLUMBING = frozenset({"sklearn.utils._set_output", "sklearn.utils._available_if", "sklearn.utils.parallel"})
_MAX_FRAMES = 64
_ENTRY_POINT_MODULE = "sklearn.model_selection._validation"


def _is_ours(module: str) -> bool:
    return module.split(".", 1)[0] in _OURS


def called_by_sklearn() -> bool:
    """True when the nearest caller outside autolog and sklearn's method plumbing is sklearn code."""
    frame: FrameType | None = sys._getframe(1)
    for _ in range(_MAX_FRAMES):
        if frame is None:
            return False
        module = frame.f_globals.get("__name__") or ""
        if not _is_ours(module) and module not in _SKLEARN_PLUMBING:
            if module == _ENTRY_POINT_MODULE and frame.f_code.co_name in _entry_points():
                return False
            return module == "sklearn" or module.startswith("sklearn.")
        frame = frame.f_back
    return False


def _entry_points() -> tuple[str, ...]:
    from .patching import CV_FUNCTIONS

    return CV_FUNCTIONS


def should_log(instance: Any, args: tuple, kwargs: dict) -> bool:
    """``Integration.should_log``: only the user's own training calls make runs."""
    return not called_by_sklearn()
