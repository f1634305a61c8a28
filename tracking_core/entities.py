"""The tracking entities users read back: experiments, runs (info + data) and metric points.

They are plain, immutable value objects (named tuples: no dataclasses import at ``import
autolog``); the store builds them, nothing mutates them.
"""
from __future__ import annotations

from types import MappingProxyType
from typing import Mapping, NamedTuple

_NO_TAGS: Mapping[str, str] = MappingProxyType({})


class RunStatus:
    """The four states a run can be in (strings, as stored)."""

    RUNNING = "RUNNING"
    FINISHED = "FINISHED"
    FAILED = "FAILED"
    KILLED = "KILLED"

    ALL = (RUNNING, FINISHED, FAILED, KILLED)
    TERMINAL = (FINISHED, FAILED, KILLED)

    @classmethod
    def validate(cls, status: str) -> str:
        if status not in cls.ALL:
            raise ValueError(f"invalid run status {status!r}: expected one of {', '.join(cls.ALL)}")
        return status


class LifecycleStage:
    ACTIVE = "active"
    DELETED = "deleted"


class Experiment(NamedTuple):
    experiment_id: str
    name: str
    artifact_location: str
    creation_time: int
    lifecycle_stage: str = LifecycleStage.ACTIVE
    last_update_time: int | None = None
    tags: Mapping[str, str] = _NO_TAGS


class Metric(NamedTuple):
    key: str
    value: float
    timestamp: int
    step: int


class RunInfo(NamedTuple):
    run_id: str
    run_name: str
    experiment_id: str
    status: str
    start_time: int
    end_time: int | None
    artifact_uri: str
    lifecycle_stage: str = LifecycleStage.ACTIVE


class RunData(NamedTuple):
    params: Mapping[str, str]
    metrics: Mapping[str, float]
    tags: Mapping[str, str]


class Run(NamedTuple):
    info: RunInfo
    data: RunData

    def __repr__(self) -> str:
        return f"<Run {self.info.run_id} {self.info.run_name!r} {self.info.status}>"
