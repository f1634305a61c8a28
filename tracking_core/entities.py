"""The tracking entities users read back: experiments, runs (info + data) and metric points.

They are plain, immutable value objects; the store builds them, nothing mutates them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping


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


@dataclass(frozen=True)
class Experiment:
    experiment_id: str
    name: str
    artifact_location: str
    creation_time: int


@dataclass(frozen=True)
class Metric:
    key: str
    value: float
    timestamp: int
    step: int


@dataclass(frozen=True)
class RunInfo:
    run_id: str
    run_name: str
    experiment_id: str
    status: str
    start_time: int
    end_time: int | None
    artifact_uri: str


@dataclass(frozen=True)
class RunData:
    params: Mapping[str, str] = field(default_factory=dict)
    metrics: Mapping[str, float] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Run:
    info: RunInfo
    data: RunData

    def __repr__(self) -> str:
        return f"<Run {self.info.run_id} {self.info.run_name!r} {self.info.status}>"
