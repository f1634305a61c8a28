"""Where a run's data came from and what its process is doing.

``datasets`` (describing numpy, pandas and scipy data: digest, schema, profile; other types are
described by the describers registered with ``add_describer``, which autolog's plugins provide),
``dataset_inputs`` (what ``log_input`` accepts, turned into rows), ``system_metrics`` (a sampler of
CPU, memory, disk, network and GPU use), ``liveness`` (telling a dead run's process from a live
one, and marking the dead KILLED). No machine-learning framework is known here.

The registry of describers lives here, in the package itself, so that registering one (autolog
does it at import) imports no module.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Describer = Callable[[Any], Any]  # data -> datasets.DataSummary | None
describers: list[Describer] = []


def add_describer(describer: Describer) -> None:
    """Describe more types: ``describer(data)`` returns a ``DataSummary`` or None (not its type).

    Asked, in the order added, for data ``datasets`` does not know itself; added once however
    often it is given.
    """
    if describer not in describers:
        describers.append(describer)
