"""The describers of data types beyond numpy, pandas and scipy (see ``datasets``).

A list and the function that adds to it, on their own so that registering a describer (autolog
does it at import) imports nothing.
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
