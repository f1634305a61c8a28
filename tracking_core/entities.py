"""The tracking entities users read back: experiments, runs (info + data + inputs) and metric points.

``Run.inputs.dataset_inputs`` are the datasets a run was given, as MLflow names them: each a
``DatasetInput(dataset, tags)`` whose ``dataset`` has ``name``, ``digest``, ``source_type``,
``source``, ``schema`` and ``profile`` (the last three JSON text) and whose tags hold the context
(``mlflow.data.context``: ``training``, ``eval``, ``test``; also ``DatasetInput.context``).

They are plain, immutable value objects (named tuples: no dataclasses import at ``import
autolog``); the store builds them, nothing mutates them.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple

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


class LatestMetrics(dict):
    """``RunData.metrics`` as a store reads it: key -> latest value, a plain dict, which also knows
    each latest point's timestamp and step (MLflow's REST API reports all three)."""

    def __init__(self, points: Mapping[str, tuple[float, int, int]] | None = None):
        points = points or {}
        super().__init__({key: value for key, (value, _timestamp, _step) in points.items()})
        self.points = dict(points)  # key -> (value, timestamp, step)

    def latest(self, key: str) -> Metric:
        value, timestamp, step = self.points[key]
        return Metric(key, value, timestamp, step)


class RunData(NamedTuple):
    params: Mapping[str, str]
    metrics: Mapping[str, float]  # a LatestMetrics when read from a store
    tags: Mapping[str, str]


class Dataset(NamedTuple):
    name: str
    digest: str
    source_type: str
    source: str = "{}"  # JSON text
    schema: str | None = None  # JSON text
    profile: str | None = None  # JSON text


class InputTag(NamedTuple):
    key: str
    value: str


DATASET_CONTEXT_TAG = "mlflow.data.context"


class DatasetInput(NamedTuple):
    dataset: Dataset
    tags: tuple[InputTag, ...] = ()

    @property
    def context(self) -> str | None:
        return next((tag.value for tag in self.tags if tag.key == DATASET_CONTEXT_TAG), None)


class RunInputs(NamedTuple):
    dataset_inputs: tuple[DatasetInput, ...] = ()


_NO_INPUTS = RunInputs()


class Run(NamedTuple):
    info: RunInfo
    data: RunData
    inputs: RunInputs = _NO_INPUTS

    def __repr__(self) -> str:
        return f"<Run {self.info.run_id} {self.info.run_name!r} {self.info.status}>"
