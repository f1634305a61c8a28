"""Who called a training entry point: the user, or the framework itself.

Frameworks fit models inside their own functions (statsmodels' ``adfuller(x, autolag="AIC")`` fits
17 OLS models, ``get_influence().summary_frame()`` refits leave-one-out, ``TreatmentEffect.ipw()``
fits private models; scikit-learn's ``recall_score`` fits a ``LabelEncoder``). None of that is the
user's training: a plugin's ``should_log`` returns ``not called_by_library(("statsmodels",))`` and
an outermost call whose nearest caller outside autolog (the core, its plugins ``autolog_*``,
``tracking_core``, ``wrapt``, ``pluggy``) is the framework's own code runs unlogged, with every fit
nested in it. The user's calls into the framework (``model.fit()``) are logged as before; fits the
framework runs inside a logged call were never logged on their own (only the outermost call logs).
The walk looks at a handful of frames: microseconds per outermost call.
"""

from __future__ import annotations

import sys
from types import FrameType

_OURS = ("autolog", "tracking_core", "wrapt", "pluggy")
_MAX_FRAMES = 64


def _ours(top: str) -> bool:
    return top in _OURS or top.startswith("autolog_")


def called_by_library(packages: tuple[str, ...], look_through: frozenset[str] = frozenset()) -> bool:
    """True when the nearest caller outside autolog (and outside the modules in ``look_through``,
    plumbing between the user and a method) is code of one of the top-level ``packages``."""
    frame: FrameType | None = sys._getframe(1)
    for _ in range(_MAX_FRAMES):
        if frame is None:
            return False
        module = frame.f_globals.get("__name__") or ""
        top = module.split(".", 1)[0]
        if not _ours(top) and module not in look_through:
            return top in packages
        frame = frame.f_back
    return False
