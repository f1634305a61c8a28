"""Which process of a distributed Lightning fit logs: global rank 0 only.

With ``strategy="ddp"`` Lightning launches the user's script again for every other rank
(environment ``LOCAL_RANK``/``NODE_RANK`` set), and launchers such as ``torchrun`` set ``RANK``;
each process calls ``Trainer.fit``. ``should_log`` is the integration's veto, asked before a run is
created: a process whose rank variables or whose Trainer say it is not global rank 0 trains
unlogged, so one fit makes one run. (Spawn-based strategies are handled by the callback instead:
see ``autolog_lightning.callback``.)
"""

from __future__ import annotations

import os
from typing import Any

RANK_VARIABLES = ("RANK", "LOCAL_RANK", "NODE_RANK")


def _nonzero(value: Any) -> bool:
    try:
        return int(str(value).strip()) != 0
    except (TypeError, ValueError):
        return False


def env_rank_is_zero(environ: Any = None) -> bool:
    """True unless one of ``RANK``, ``LOCAL_RANK``, ``NODE_RANK`` is set to a rank other than 0."""
    environ = os.environ if environ is None else environ
    return not any(_nonzero(environ[name]) for name in RANK_VARIABLES if environ.get(name))


def trainer_rank_is_zero(trainer: Any) -> bool:
    """True unless the Trainer already knows it is not global rank 0."""
    try:
        rank = trainer.global_rank
    except Exception:  # a strategy that cannot tell yet: decide on the environment alone
        return True
    return not _nonzero(rank)


def should_log(instance: Any, args: tuple, kwargs: dict) -> bool:
    """The ``Integration.should_log`` veto: only global rank 0 logs a ``Trainer.fit``."""
    return env_rank_is_zero() and trainer_rank_is_zero(instance)
