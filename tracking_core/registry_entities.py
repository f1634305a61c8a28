"""The model registry's entities and MLflow 3's logged models, with MLflow's field names.

``RegisteredModel`` (a name, its versions, tags and aliases), ``ModelVersion`` (one registered
version of a model: ``source`` URI, ``run_id``, ``model_id``...), ``RegisteredModelAlias`` and
``LoggedModel`` (MLflow 3: a model that exists outside any run, id ``m-<hex>``). As MLflow's own
entities expose them: ``RegisteredModel.tags`` is a dict, ``RegisteredModel.aliases`` a dict
alias -> version (str), ``ModelVersion.tags`` a dict and ``ModelVersion.aliases`` a list of alias
names; ``LoggedModel.tags`` and ``.params`` dicts, ``.metrics`` a tuple of ``LoggedModelMetric``.
Versions are strings ("3"), times milliseconds since the epoch.

Plain immutable named tuples, like ``tracking_core.entities`` (a shared module: imports no room).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple

_EMPTY: Mapping[str, str] = MappingProxyType({})


class ModelVersionStatus:
    PENDING_REGISTRATION = "PENDING_REGISTRATION"
    FAILED_REGISTRATION = "FAILED_REGISTRATION"
    READY = "READY"

    ALL = (PENDING_REGISTRATION, FAILED_REGISTRATION, READY)


class ModelVersionStage:
    """MLflow 2's stages (deprecated in MLflow but still sent by its clients)."""

    NONE = "None"
    STAGING = "Staging"
    PRODUCTION = "Production"
    ARCHIVED = "Archived"

    ALL = (NONE, STAGING, PRODUCTION, ARCHIVED)
    ACTIVE = (STAGING, PRODUCTION)

    @classmethod
    def canonical(cls, stage: str) -> str:
        """The stage as stored ("production" -> "Production"); ValueError for an unknown one."""
        for known in cls.ALL:
            if stage is not None and stage.lower() == known.lower():
                return known
        raise ValueError(f"Invalid Model Version stage: {stage}. Value must be one of {', '.join(cls.ALL)}.")


class LoggedModelStatus:
    UNSPECIFIED = "UNSPECIFIED"
    PENDING = "PENDING"
    READY = "READY"
    FAILED = "FAILED"

    ALL = (UNSPECIFIED, PENDING, READY, FAILED)


class RegisteredModelAlias(NamedTuple):
    alias: str
    version: str


class RegisteredModelTag(NamedTuple):
    key: str
    value: str


class ModelVersionTag(NamedTuple):
    key: str
    value: str


class ModelVersion(NamedTuple):
    name: str
    version: str
    creation_timestamp: int
    last_updated_timestamp: int | None = None
    description: str | None = None
    user_id: str | None = None
    current_stage: str = ModelVersionStage.NONE
    source: str | None = None
    run_id: str | None = None
    status: str = ModelVersionStatus.READY
    status_message: str | None = None
    tags: Mapping[str, str] = _EMPTY
    run_link: str | None = None
    aliases: tuple[str, ...] = ()
    model_id: str | None = None

    def __repr__(self) -> str:
        return f"<ModelVersion {self.name!r} version {self.version}>"


class RegisteredModel(NamedTuple):
    name: str
    creation_timestamp: int | None = None
    last_updated_timestamp: int | None = None
    description: str | None = None
    latest_versions: tuple[ModelVersion, ...] = ()  # the latest version per stage, as MLflow reports
    tags: Mapping[str, str] = _EMPTY
    aliases: Mapping[str, str] = _EMPTY  # alias -> version

    def __repr__(self) -> str:
        return f"<RegisteredModel {self.name!r}>"


class LoggedModelMetric(NamedTuple):
    """A metric logged against a logged model (MLflow's ``Metric`` with its model/dataset fields)."""

    key: str
    value: float
    timestamp: int
    step: int
    run_id: str | None = None
    model_id: str | None = None
    dataset_name: str | None = None
    dataset_digest: str | None = None


class LoggedModel(NamedTuple):
    experiment_id: str
    model_id: str
    name: str
    artifact_location: str
    creation_timestamp: int
    last_updated_timestamp: int
    model_type: str | None = None
    source_run_id: str | None = None
    status: str = LoggedModelStatus.PENDING
    status_message: str | None = None
    tags: Mapping[str, str] = _EMPTY
    params: Mapping[str, str] = _EMPTY
    metrics: tuple[LoggedModelMetric, ...] = ()

    def __repr__(self) -> str:
        return f"<LoggedModel {self.model_id} {self.name!r} {self.status}>"
