"""Training workloads the benchmarks run without autolog, with autolog and with MLflow's autolog.

Each framework adds ``bench/workloads/<name>.py`` with ``WORKLOADS: list[Workload]``. ``prepare``
imports the framework and builds the data (not timed); ``train(data)`` trains once (timed).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Workload:
    name: str  # e.g. "sklearn LogisticRegression 2000x20"
    integration: str  # autolog integration name, e.g. "sklearn"
    mlflow_flavor: str | None  # mlflow module with autolog(), e.g. "sklearn"; None if MLflow has none
    prepare: Callable[[], Any]
    train: Callable[[Any], Any]
    repeat: int = 20  # timed repetitions per mode


def all_workloads(only: set[str] | None = None) -> list[Workload]:
    found: list[Workload] = []
    for info in pkgutil.iter_modules(__path__):
        if only and info.name not in only:
            continue
        try:
            module = importlib.import_module(f"{__name__}.{info.name}")
        except ImportError as exc:  # framework not installed
            print(f"skipping {info.name} workloads: {exc}")
            continue
        found.extend(module.WORKLOADS)
    return found
