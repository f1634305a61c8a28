"""Describing data of any framework: the core's describer for numpy, pandas and scipy, the
plugins' for their own types (hook ``autolog_describe_dataset``).

``install()`` (run by ``import autolog``) adds ``describe_with_plugins`` to
``tracking_core.lineage.datasets``'s describers, so every description (autologged inputs,
``autolog.log_input(dmatrix)``) asks the installed plugins about a type the core does not know.
The helpers a plugin builds its ``DataSummary`` with are in ``autolog.dataset_kit``, re-exported
by ``autolog.plugin``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tracking_core.lineage.describers import add_describer

if TYPE_CHECKING:
    from tracking_core.lineage.datasets import DataSummary


def describe_with_plugins(data: Any) -> DataSummary | None:
    """The first plugin's ``DataSummary`` of ``data`` (plugins loaded on first use), or None."""
    from .plugin_manager import load_plugins, plugin_manager

    load_plugins()
    return plugin_manager().hook.autolog_describe_dataset(data=data)


def install() -> None:
    add_describer(describe_with_plugins)


__all__ = ["describe_with_plugins", "install"]
