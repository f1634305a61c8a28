"""Default plugin: the generic ``python_pickle`` flavor, the fallback for any picklable model."""

from __future__ import annotations

from ..flavors import PickleFlavor
from ..hookspecs import hookimpl


@hookimpl(trylast=True)
def autolog_register_flavors(register) -> None:
    register(PickleFlavor("python_pickle", accepts=lambda _model: True))
