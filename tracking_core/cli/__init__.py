"""The command-line room: the ``autolog`` subcommands tracking_core provides.

``runs`` (``autolog runs list|show``, ``autolog db upgrade|current``), ``models``
(``autolog models serve|predict``), ``server`` (``autolog server``, ``autolog ui``). Commands sit
above every other room: they may import any of them, and none imports a command.
"""

from __future__ import annotations

import importlib
from typing import Any


def __getattr__(name: str) -> Any:
    # ``tracking_core.cli`` was one module (the runs and db commands) before it became this package.
    if name in ("add_runs_commands", "add_db_commands"):
        return getattr(importlib.import_module(".runs", __name__), name)
    raise AttributeError(f"module 'tracking_core.cli' has no attribute {name!r}")
