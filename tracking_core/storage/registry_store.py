"""The model registry and MLflow 3's logged models in the SQL store (mixed into ``SqlStore``).

Method names and signatures are MLflow's ``AbstractStore`` ones (model registry, and the logged
model part of the tracking store), so ``TrackingClient`` calls the same names on a local store
and on the REST store. Errors: ``RegistryNotFoundError`` (a ``LookupError``: unknown model,
version or logged model), ``RegistryExistsError`` (a model name taken), ``ValueError`` for bad
input; each message names the field, as MLflow's do.

- Versions are numbered per model from 1 and never reused: a deleted version is kept, marked
  (``current_stage = 'Deleted_Internal'``, as MLflow does), and hidden from every read.
- ``source`` is stored as given; ``storage_location`` is where the files are (``models:/m-<id>``
  resolved to the logged model's artifact location, ``models:/name/3`` to that version's), the
  answer of ``get_model_version_download_uri``.
- Searches page with offset tokens; version searches use ``ix_model_versions_updated`` (their
  default order) or ``ix_model_versions_run_id``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa

from ..batch import now_ms
from ..errors import InvalidFilterError, RegistryExistsError, RegistryNotFoundError, RunNotFoundError
from ..registry_entities import (
    LoggedModel,
    LoggedModelMetric,
    LoggedModelStatus,
    ModelVersion,
    ModelVersionStage,
    ModelVersionStatus,
    RegisteredModel,
    RegisteredModelAlias,
)
from .schema import (
    experiments,
    logged_model_metrics,
    logged_model_params,
    logged_model_tags,
    logged_models,
    model_version_tags,
    model_versions,
    registered_model_aliases,
    registered_model_tags,
    registered_models,
    run_model_outputs,
    runs,
)
from .search import Attributes, parse_filter, parse_order_by
from .sql_search import _compare, decode_page_token, encode_page_token

DELETED_STAGE = "Deleted_Internal"
MODEL_VERSIONS_TAG = "mlflow.modelVersions"
MAX_MODEL_NAME_LENGTH = 256
MAX_ALIAS_LENGTH = 255
MAX_TAG_KEY_LENGTH = 250
MAX_TAG_VALUE_LENGTH = 100_000  # MLflow's registry tag values (model version tags: 100,000)
SEARCH_REGISTERED_MODELS_DEFAULT, SEARCH_REGISTERED_MODELS_MAX = 100, 1000
SEARCH_MODEL_VERSIONS_DEFAULT, SEARCH_MODEL_VERSIONS_MAX = 10_000, 200_000
SEARCH_LOGGED_MODELS_DEFAULT, SEARCH_LOGGED_MODELS_MAX = 100, 1000
_ALIAS = re.compile(r"^[\w\-]+$")
_VERSION_LIKE = re.compile(r"^[vV]?\d+$")
_IN_CHUNK = 500
_INT32_MAX = 2**31 - 1

# Prebuilt statements of the hot single-version reads (no construct built per call).
_BY_ALIAS = (
    sa.select(model_versions)
    .join(
        registered_model_aliases,
        sa.and_(
            registered_model_aliases.c.name == model_versions.c.name,
            registered_model_aliases.c.version == model_versions.c.version,
        ),
    )
    .where(
        registered_model_aliases.c.name == sa.bindparam("name"),
        registered_model_aliases.c.alias == sa.bindparam("alias"),
    )
)
_VERSION = sa.select(model_versions).where(
    model_versions.c.name == sa.bindparam("name"),
    model_versions.c.version == sa.bindparam("version"),
    model_versions.c.current_stage != DELETED_STAGE,
)
# a version's tags ("t", key, value) and aliases ("a", alias, NULL) in one round trip
_VERSION_EXTRAS = sa.union_all(
    sa.select(sa.literal("t").label("kind"), model_version_tags.c.key, model_version_tags.c.value).where(
        model_version_tags.c.name == sa.bindparam("name"), model_version_tags.c.version == sa.bindparam("version")
    ),
    sa.select(sa.literal("a").label("kind"), registered_model_aliases.c.alias, sa.null().label("value")).where(
        registered_model_aliases.c.name == sa.bindparam("name"),
        registered_model_aliases.c.version == sa.bindparam("version"),
    ),
)
_MODEL_TAGS_RANGE = sa.select(model_version_tags.c.version, model_version_tags.c.key, model_version_tags.c.value).where(
    model_version_tags.c.name == sa.bindparam("name"),
    model_version_tags.c.version.between(sa.bindparam("low"), sa.bindparam("high")),
)
_MODEL_ALIASES = sa.select(registered_model_aliases.c.alias, registered_model_aliases.c.version).where(
    registered_model_aliases.c.name == sa.bindparam("name")
)

_RUN_ARTIFACT_URI = sa.select(runs.c.artifact_uri).where(
    runs.c.run_id == sa.bindparam("run_id"), runs.c.deleted == sa.false()
)

REGISTERED_MODEL_FILTER = Attributes(("name",), (), {})
MODEL_VERSION_FILTER = Attributes(
    ("name", "run_id", "source_path", "model_id"),
    ("version_number",),
    {"source": "source_path", "version": "version_number"},
)
REGISTERED_MODEL_ORDER = Attributes(
    ("name",), ("creation_timestamp", "last_updated_timestamp"), {"timestamp": "creation_timestamp"}
)
MODEL_VERSION_ORDER = Attributes(
    ("name",),
    ("version_number", "creation_timestamp", "last_updated_timestamp"),
    {"timestamp": "creation_timestamp", "version": "version_number"},
)
LOGGED_MODEL_FILTER = Attributes(
    ("name", "model_id", "model_type", "status", "source_run_id"),
    ("creation_timestamp", "creation_time", "last_updated_timestamp"),
    {},
)


# -- validation (MLflow's rules and messages) --------------------------------------------------
def check_model_name(name: Any, field: str = "name") -> str:
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"Missing value for required parameter '{field}'.")
    if "/" in name or ":" in name:
        raise ValueError(f"Invalid model name '{name}' ({field}). Names cannot contain '/' or ':'.")
    if len(name) > MAX_MODEL_NAME_LENGTH:
        raise ValueError(
            f"{field} '{name[:40]}...' is {len(name)} characters long; the limit is {MAX_MODEL_NAME_LENGTH}"
        )
    return name


def check_version(version: Any) -> int:
    try:
        number = int(str(version).strip())
    except (TypeError, ValueError):
        raise ValueError(f"Parameter 'version' must be an integer, got '{version}'.") from None
    if not 1 <= number <= _INT32_MAX:
        raise ValueError(f"Parameter 'version' must be a positive integer up to {_INT32_MAX}, got '{version}'.")
    return number


def check_alias(alias: Any) -> str:
    if not isinstance(alias, str) or alias == "":
        raise ValueError("Registered model alias name cannot be empty (alias).")
    if not _ALIAS.match(alias):
        raise ValueError(
            f"Invalid alias name: '{alias}' (alias). Names may only contain alphanumerics, underscores (_), "
            "and dashes (-)."
        )
    if len(alias) > MAX_ALIAS_LENGTH:
        raise ValueError(f"alias is {len(alias)} characters long; the limit is {MAX_ALIAS_LENGTH}")
    return alias


def check_alias_to_set(alias: Any) -> str:
    check_alias(alias)
    if alias.lower() == "latest":
        raise ValueError("'latest' alias name (case insensitive) is reserved (alias).")
    if _VERSION_LIKE.match(alias):
        raise ValueError(
            f"Version alias name '{alias}' is reserved (alias): an alias cannot look like a version number "
            "(3, v3), since models:/name/3 names the version"
        )
    return alias


def check_tag(key: Any, value: Any) -> tuple[str, str]:
    if not isinstance(key, str) or not key:
        raise ValueError("Missing value for required parameter 'key'.")
    if len(key) > MAX_TAG_KEY_LENGTH:
        raise ValueError(f"tag key '{key[:40]}...' is {len(key)} characters long; the limit is {MAX_TAG_KEY_LENGTH}")
    value = "" if value is None else str(value)
    if len(value) > MAX_TAG_VALUE_LENGTH:
        raise ValueError(f"tag value of '{key}' is {len(value)} characters long; the limit is {MAX_TAG_VALUE_LENGTH}")
    return key, value


def _tag_items(tags: Any) -> list[tuple[str, str]]:
    """Tags as a dict, or a list of objects with key/value (MLflow's tag entities)."""
    if not tags:
        return []
    items = tags.items() if isinstance(tags, Mapping) else ((t.key, t.value) for t in tags)
    return [check_tag(k, v) for k, v in items]


def _max_results(value: Any, default: int, limit: int) -> int:
    if value is None:
        return default
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"Invalid value for max_results: it must be a positive integer, got {value!r}")
    if value > limit:
        raise ValueError(f"Invalid value for max_results: it must be at most {limit}, but got value {value}")
    return value


def parse_models_uri(uri: str) -> tuple[str | None, str | None, str | None, str | None]:
    """``models:/m-<id>`` -> (None, None, None, id); ``models:/name/3``/``@alias``/``/latest``/``/Stage``
    -> (name, version, alias, None), version being "3", "latest" or a stage name."""
    rest = uri[len("models:") :]
    if rest.startswith("//"):
        raise ValueError(f"Invalid model URI '{uri}': a models:/ URI names no host")
    rest = rest.lstrip("/")
    if re.match(r"^m-[0-9a-f]{32}(/|$)", rest):
        return None, None, None, rest.split("/", 1)[0]
    if "@" in rest.split("/", 1)[0]:
        name, alias = rest.split("/", 1)[0].rsplit("@", 1)
        return name, None, alias, None
    parts = rest.split("/")
    if len(parts) < 2 or not parts[0] or not parts[1]:
        raise ValueError(f"Invalid model URI '{uri}': expected models:/<name>/<version>, models:/<name>@<alias>")
    return parts[0], parts[1], None, None


class RegistryStore:
    """The registry half of ``SqlStore`` (it provides ``engine``, ``_write`` and ``get_run``)."""

    engine: sa.engine.Engine

    def _write(self) -> sa.engine.Connection:  # pragma: no cover - SqlStore's
        raise NotImplementedError

    # -- registered models -------------------------------------------------------------------
    def create_registered_model(self, name, tags=None, description=None) -> RegisteredModel:
        check_model_name(name)
        items = _tag_items(tags)
        now = now_ms()
        try:
            with self._write() as conn, conn.begin():
                conn.execute(
                    registered_models.insert().values(
                        name=name, creation_time=now, last_updated_time=now, description=description
                    )
                )
                if items:
                    conn.execute(
                        registered_model_tags.insert(), [{"name": name, "key": k, "value": v} for k, v in items]
                    )
        except sa.exc.IntegrityError:
            raise RegistryExistsError(f"Registered Model (name={name}) already exists.") from None
        return self.get_registered_model(name)

    def _require_model(self, conn, name: str):
        row = conn.execute(sa.select(registered_models).where(registered_models.c.name == name)).first()
        if row is None:
            raise RegistryNotFoundError(f"Registered Model with name={name} not found")
        return row

    def _touch_model(self, conn, name: str, when: int | None = None) -> None:
        result = conn.execute(
            registered_models.update()
            .where(registered_models.c.name == name)
            .values(last_updated_time=when or now_ms())
        )
        if result.rowcount == 0:
            raise RegistryNotFoundError(f"Registered Model with name={name} not found")

    def update_registered_model(self, name, description) -> RegisteredModel:
        check_model_name(name)
        with self._write() as conn, conn.begin():
            result = conn.execute(
                registered_models.update()
                .where(registered_models.c.name == name)
                .values(description=description, last_updated_time=now_ms())
            )
            if result.rowcount == 0:
                raise RegistryNotFoundError(f"Registered Model with name={name} not found")
        return self.get_registered_model(name)

    def rename_registered_model(self, name, new_name) -> RegisteredModel:
        check_model_name(name)
        check_model_name(new_name, "new_name")
        try:
            with self._write() as conn, conn.begin():
                self._require_model(conn, name)
                conn.execute(
                    registered_models.update()
                    .where(registered_models.c.name == name)
                    .values(name=new_name, last_updated_time=now_ms())
                )
                # versions keep their storage location; sources naming the old name still resolve
        except sa.exc.IntegrityError:
            raise RegistryExistsError(f"Registered Model (name={new_name}) already exists.") from None
        return self.get_registered_model(new_name)

    def delete_registered_model(self, name) -> None:
        check_model_name(name)
        with self._write() as conn, conn.begin():
            result = conn.execute(registered_models.delete().where(registered_models.c.name == name))
            if result.rowcount == 0:
                raise RegistryNotFoundError(f"Registered Model with name={name} not found")

    def get_registered_model(self, name) -> RegisteredModel:
        check_model_name(name)
        with self.engine.connect() as conn:
            row = self._require_model(conn, name)
            return self._registered_models(conn, [row])[0]

    def _registered_models(self, conn, rows) -> list[RegisteredModel]:
        names = [row.name for row in rows]
        tags: dict[str, dict[str, str]] = {n: {} for n in names}
        aliases: dict[str, dict[str, str]] = {n: {} for n in names}
        latest: dict[str, list[ModelVersion]] = {n: [] for n in names}
        for chunk in _chunks(names):
            for r in conn.execute(sa.select(registered_model_tags).where(registered_model_tags.c.name.in_(chunk))):
                tags[r.name][r.key] = r.value
            for r in conn.execute(
                sa.select(registered_model_aliases).where(registered_model_aliases.c.name.in_(chunk))
            ):
                aliases[r.name][r.alias] = str(r.version)
            newest = (
                sa.select(model_versions.c.name, sa.func.max(model_versions.c.version).label("version"))
                .where(model_versions.c.name.in_(chunk), model_versions.c.current_stage != DELETED_STAGE)
                .group_by(model_versions.c.name, model_versions.c.current_stage)
                .subquery()
            )
            query = sa.select(model_versions).join(
                newest, sa.and_(model_versions.c.name == newest.c.name, model_versions.c.version == newest.c.version)
            )
            for version in self._versions(conn, list(conn.execute(query))):
                latest[version.name].append(version)
        return [
            RegisteredModel(
                name=row.name,
                creation_timestamp=row.creation_time,
                last_updated_timestamp=row.last_updated_time,
                description=row.description,
                latest_versions=tuple(sorted(latest[row.name], key=lambda v: int(v.version))),
                tags=tags[row.name],
                aliases=aliases[row.name],
            )
            for row in rows
        ]

    def search_registered_models(self, filter_string=None, max_results=None, order_by=None, page_token=None):
        limit = _max_results(max_results, SEARCH_REGISTERED_MODELS_DEFAULT, SEARCH_REGISTERED_MODELS_MAX)
        _phase, offset = decode_page_token(page_token)
        query = sa.select(registered_models)
        for clause in parse_filter(filter_string, REGISTERED_MODEL_FILTER):
            query = query.where(self._clause_sql(clause, registered_models.c.name, registered_model_tags, ("name",)))
        columns = {
            "name": registered_models.c.name,
            "creation_timestamp": registered_models.c.creation_time,
            "last_updated_timestamp": registered_models.c.last_updated_time,
        }
        query = query.order_by(*_order(order_by, REGISTERED_MODEL_ORDER, columns, [("name", True)]))
        with self.engine.connect() as conn:
            rows = list(conn.execute(query.limit(limit + 1).offset(offset)))
            models = self._registered_models(conn, rows[:limit])
        token = encode_page_token("", offset + limit) if len(rows) > limit else None
        return models, token

    def _clause_sql(self, clause, name_column, tag_table, tag_keys, columns=None, tag_entity="tags"):
        """A filter clause as SQL: an attribute comparison or an EXISTS over the tag table."""
        if clause.entity == tag_entity and tag_table is not None:
            keys = [tag_table.c[k] == name_column.table.c[k] for k in tag_keys]
            if clause.op in ("IS NULL", "IS NOT NULL"):
                found = sa.exists().where(*keys, tag_table.c.key == clause.key)
                return ~found if clause.op == "IS NULL" else found
            if clause.op == "!=":  # as MLflow's registry: a model without the tag matches too
                return ~sa.exists().where(*keys, tag_table.c.key == clause.key, tag_table.c.value == clause.value)
            return sa.exists().where(
                *keys, tag_table.c.key == clause.key, _compare(tag_table.c.value, clause.op, clause.value)
            )
        if clause.entity != "attributes":
            raise InvalidFilterError(f"invalid filter: {clause.entity}.{clause.key} cannot be searched here")
        column = (columns or {"name": name_column})[clause.key]
        value = clause.value
        if isinstance(column.type, sa.Integer):
            value = (
                tuple(int(v) for v in value)
                if isinstance(value, tuple)
                else (int(value) if value is not None else None)
            )
        if clause.op == "IS NULL":
            return column.is_(None)
        if clause.op == "IS NOT NULL":
            return column.is_not(None)
        return _compare(column, clause.op, value)

    def get_latest_versions(self, name, stages=None) -> list[ModelVersion]:
        check_model_name(name)
        wanted = [ModelVersionStage.canonical(s) for s in stages] if stages else None
        with self.engine.connect() as conn:
            self._require_model(conn, name)
            query = (
                sa.select(model_versions.c.current_stage, sa.func.max(model_versions.c.version).label("version"))
                .where(model_versions.c.name == name, model_versions.c.current_stage != DELETED_STAGE)
                .group_by(model_versions.c.current_stage)
            )
            if wanted:
                query = query.where(model_versions.c.current_stage.in_(wanted))
            numbers = sorted(r.version for r in conn.execute(query))
            rows = list(
                conn.execute(
                    sa.select(model_versions)
                    .where(model_versions.c.name == name, model_versions.c.version.in_(numbers))
                    .order_by(model_versions.c.version)
                )
            )
            return self._versions(conn, rows)

    def set_registered_model_tag(self, name, key, value) -> None:
        check_model_name(name)
        key, value = check_tag(key, value)
        with self._write() as conn, conn.begin():
            self._require_model(conn, name)
            _upsert(conn, registered_model_tags, {"name": name, "key": key}, {"value": value})

    def delete_registered_model_tag(self, name, key) -> None:
        check_model_name(name)
        with self._write() as conn, conn.begin():
            self._require_model(conn, name)
            conn.execute(
                registered_model_tags.delete().where(
                    registered_model_tags.c.name == name, registered_model_tags.c.key == key
                )
            )

    # -- model versions ---------------------------------------------------------------------------
    def run_artifact_uri(self, run_id: str) -> str:
        """The artifact URI of a live run (one indexed read); ``RunNotFoundError`` otherwise."""
        with self.engine.connect() as conn:
            uri = conn.execute(_RUN_ARTIFACT_URI, {"run_id": str(run_id)}).scalar()
        if uri is None:
            raise RunNotFoundError(run_id)
        return uri

    def _resolve_source(self, source: str, run_id: str | None, model_id: str | None):
        """(storage_location, run_id, model_id) for a version's source (``models:/`` URIs resolved)."""
        if not source.startswith("models:"):
            return source, run_id, model_id
        name, version, alias, logged_id = parse_models_uri(source)
        if logged_id is not None:
            model = self.get_logged_model(logged_id)
            return model.artifact_location, run_id or model.source_run_id, model_id or logged_id
        assert name is not None
        if alias is not None:
            found = self.get_model_version_by_alias(name, alias)
        elif version == "latest":
            versions = self.get_latest_versions(name)
            if not versions:
                raise RegistryNotFoundError(f"Latest version not found for model {name}.")
            found = max(versions, key=lambda v: int(v.version))
        else:
            found = self.get_model_version(name, version)
        return (
            self.get_model_version_download_uri(found.name, found.version),
            run_id or found.run_id,
            model_id or found.model_id,
        )

    def create_model_version(
        self, name, source, run_id=None, tags=None, run_link=None, description=None, model_id=None
    ) -> ModelVersion:
        check_model_name(name)
        if not isinstance(source, str) or not source:
            raise ValueError("Missing value for required parameter 'source'.")
        items = _tag_items(tags)
        if not run_id and model_id:
            run_id = self.get_logged_model(model_id).source_run_id
        storage_location, run_id, model_id = self._resolve_source(source, run_id or None, model_id or None)
        for attempt in range(5):
            now = now_ms()
            try:
                with self._write() as conn, conn.begin():
                    self._touch_model(conn, name, now)
                    latest = conn.execute(
                        sa.select(sa.func.max(model_versions.c.version)).where(model_versions.c.name == name)
                    ).scalar()
                    version = (latest or 0) + 1
                    conn.execute(
                        model_versions.insert().values(
                            name=name,
                            version=version,
                            creation_time=now,
                            last_updated_time=now,
                            description=description,
                            current_stage=ModelVersionStage.NONE,
                            source=source,
                            storage_location=storage_location,
                            run_id=run_id,
                            run_link=run_link,
                            status=ModelVersionStatus.READY,
                            model_id=model_id,
                        )
                    )
                    if items:
                        conn.execute(
                            model_version_tags.insert(),
                            [{"name": name, "version": version, "key": k, "value": v} for k, v in items],
                        )
                    if model_id:
                        self._tag_model_versions(conn, model_id, name, version)
                return ModelVersion(
                    name,
                    str(version),
                    now,
                    now,
                    description,
                    None,
                    ModelVersionStage.NONE,
                    source,
                    run_id,
                    ModelVersionStatus.READY,
                    None,
                    dict(items),
                    run_link,
                    (),
                    model_id,
                )
            except sa.exc.IntegrityError:
                if attempt == 4:
                    raise
        raise AssertionError("unreachable")

    def _tag_model_versions(self, conn, model_id: str, name: str, version: int) -> None:
        """The logged model's ``mlflow.modelVersions`` tag lists its registered versions, as MLflow keeps it."""
        import json

        where = [logged_model_tags.c.model_id == model_id, logged_model_tags.c.key == MODEL_VERSIONS_TAG]
        if (
            conn.execute(sa.select(logged_models.c.model_id).where(logged_models.c.model_id == model_id)).first()
            is None
        ):
            return
        current = conn.execute(sa.select(logged_model_tags.c.value).where(*where)).scalar()
        try:
            entries = json.loads(current) if current else []
        except ValueError:
            entries = []
        entries.append({"name": name, "version": version})
        _upsert(
            conn, logged_model_tags, {"model_id": model_id, "key": MODEL_VERSIONS_TAG}, {"value": json.dumps(entries)}
        )

    def _require_version(self, conn, name, version) -> Any:
        row = conn.execute(_VERSION, {"name": name, "version": version}).first()
        if row is None:
            raise RegistryNotFoundError(f"Model Version (name={name}, version={version}) not found")
        return row

    def _update_version(self, name, version, **values) -> ModelVersion:
        check_model_name(name)
        number = check_version(version)
        now = now_ms()
        with self._write() as conn, conn.begin():
            self._require_version(conn, name, number)
            conn.execute(
                model_versions.update()
                .where(model_versions.c.name == name, model_versions.c.version == number)
                .values(last_updated_time=now, **values)
            )
            self._touch_model(conn, name, now)
        return self.get_model_version(name, number)

    def update_model_version(self, name, version, description) -> ModelVersion:
        return self._update_version(name, version, description=description)

    def transition_model_version_stage(self, name, version, stage, archive_existing_versions=False) -> ModelVersion:
        check_model_name(name)
        number = check_version(version)
        stage = ModelVersionStage.canonical(stage)
        if archive_existing_versions and stage not in ModelVersionStage.ACTIVE:
            raise ValueError(
                f"Model version transition cannot archive existing model versions because '{stage}' is not an "
                f"Active stage. Valid stages are {', '.join(ModelVersionStage.ACTIVE)}"
            )
        now = now_ms()
        with self._write() as conn, conn.begin():
            self._require_version(conn, name, number)
            if archive_existing_versions:
                conn.execute(
                    model_versions.update()
                    .where(
                        model_versions.c.name == name,
                        model_versions.c.version != number,
                        model_versions.c.current_stage == stage,
                    )
                    .values(current_stage=ModelVersionStage.ARCHIVED, last_updated_time=now)
                )
            conn.execute(
                model_versions.update()
                .where(model_versions.c.name == name, model_versions.c.version == number)
                .values(current_stage=stage, last_updated_time=now)
            )
            self._touch_model(conn, name, now)
        return self.get_model_version(name, number)

    def delete_model_version(self, name, version) -> None:
        check_model_name(name)
        number = check_version(version)
        now = now_ms()
        with self._write() as conn, conn.begin():
            self._require_version(conn, name, number)
            conn.execute(
                registered_model_aliases.delete().where(
                    registered_model_aliases.c.name == name, registered_model_aliases.c.version == number
                )
            )
            conn.execute(
                model_version_tags.delete().where(
                    model_version_tags.c.name == name, model_version_tags.c.version == number
                )
            )
            conn.execute(
                model_versions.update()
                .where(model_versions.c.name == name, model_versions.c.version == number)
                .values(current_stage=DELETED_STAGE, last_updated_time=now, description=None, run_link=None)
            )
            self._touch_model(conn, name, now)

    def get_model_version(self, name, version) -> ModelVersion:
        check_model_name(name)
        number = check_version(version)
        with self.engine.connect() as conn:
            return self._versions(conn, [self._require_version(conn, name, number)])[0]

    def get_model_version_download_uri(self, name, version) -> str:
        check_model_name(name)
        number = check_version(version)
        with self.engine.connect() as conn:
            row = self._require_version(conn, name, number)
            return row.storage_location or row.source

    def _versions(self, conn, rows) -> list[ModelVersion]:
        """Model versions of ``model_versions`` rows, with their tags and aliases (two more queries)."""
        rows = [tuple(row) for row in rows]  # columns in table order (positional: fast)
        keys = {(row[0], row[1]) for row in rows}
        tags: dict[tuple[str, int], dict[str, str]] = {}
        aliases: dict[tuple[str, int], list[str]] = {}
        if len(rows) == 1:  # one version (get, get by alias): prebuilt statements
            one_tags: dict[str, str] = {}
            one_aliases: list[str] = []
            for kind, key, value in conn.execute(_VERSION_EXTRAS, {"name": rows[0][0], "version": rows[0][1]}):
                if kind == "t":
                    one_tags[key] = value
                else:
                    one_aliases.append(key)
            tags[rows[0][0], rows[0][1]] = one_tags
            aliases[rows[0][0], rows[0][1]] = one_aliases
            rows_to_tag: list = []
        else:
            rows_to_tag = rows
        by_name: dict[str, list[int]] = {}
        for row in rows_to_tag:
            by_name.setdefault(row[0], []).append(row[1])
        if len(by_name) <= 20:  # a few models (the usual search): prebuilt statements, no IN lists
            for name, versions in by_name.items():
                bounds = {"name": name, "low": min(versions), "high": max(versions)}
                for version, key, value in conn.execute(_MODEL_TAGS_RANGE, bounds):
                    if (name, version) in keys:
                        tags.setdefault((name, version), {})[key] = value
                for alias, version in conn.execute(_MODEL_ALIASES, {"name": name}):
                    if (name, version) in keys:
                        aliases.setdefault((name, version), []).append(alias)
            rows_to_tag = []
        names = sorted({row[0] for row in rows_to_tag})
        numbers = sorted({row[1] for row in rows_to_tag})
        t, a = model_version_tags, registered_model_aliases
        for chunk in _chunks(names):
            where = [t.c.name.in_(chunk)]
            if len(numbers) <= _IN_CHUNK:
                where.append(t.c.version.in_(numbers))
            for name, version, key, value in conn.execute(
                sa.select(t.c.name, t.c.version, t.c.key, t.c.value).where(*where)
            ):
                if (name, version) in keys:
                    tags.setdefault((name, version), {})[key] = value
            for name, alias, version in conn.execute(
                sa.select(a.c.name, a.c.alias, a.c.version).where(a.c.name.in_(chunk))
            ):
                if (name, version) in keys:
                    aliases.setdefault((name, version), []).append(alias)
        no_aliases: tuple[str, ...] = ()
        return [
            ModelVersion(
                name,
                str(version),
                created,
                updated,
                description,
                user_id,
                stage,
                source,
                run_id,
                status,
                status_message,
                tags.get((name, version), {}),
                run_link,
                tuple(sorted(aliases[(name, version)])) if (name, version) in aliases else no_aliases,
                model_id,
            )
            for (
                name,
                version,
                created,
                updated,
                description,
                user_id,
                stage,
                source,
                _location,
                run_id,
                run_link,
                status,
                status_message,
                model_id,
            ) in rows
        ]

    def search_model_versions(self, filter_string=None, max_results=None, order_by=None, page_token=None):
        limit = _max_results(max_results, SEARCH_MODEL_VERSIONS_DEFAULT, SEARCH_MODEL_VERSIONS_MAX)
        _phase, offset = decode_page_token(page_token)
        columns = {
            "name": model_versions.c.name,
            "run_id": model_versions.c.run_id,
            "source_path": model_versions.c.source,
            "model_id": model_versions.c.model_id,
            "version_number": model_versions.c.version,
            "creation_timestamp": model_versions.c.creation_time,
            "last_updated_timestamp": model_versions.c.last_updated_time,
        }
        query = sa.select(model_versions).where(model_versions.c.current_stage != DELETED_STAGE)
        for clause in parse_filter(filter_string, MODEL_VERSION_FILTER):
            query = query.where(
                self._clause_sql(clause, model_versions.c.name, model_version_tags, ("name", "version"), columns)
            )
        default = [("last_updated_timestamp", False), ("name", True), ("version_number", False)]
        query = query.order_by(
            *_order(order_by, MODEL_VERSION_ORDER, columns, default, tail=[("name", True), ("version_number", False)])
        )
        with self.engine.connect() as conn:
            rows = list(conn.execute(query.limit(limit + 1).offset(offset)))
            versions = self._versions(conn, rows[:limit])
        token = encode_page_token("", offset + limit) if len(rows) > limit else None
        return versions, token

    def set_model_version_tag(self, name, version, key, value) -> None:
        check_model_name(name)
        number = check_version(version)
        key, value = check_tag(key, value)
        with self._write() as conn, conn.begin():
            self._require_version(conn, name, number)
            _upsert(conn, model_version_tags, {"name": name, "version": number, "key": key}, {"value": value})

    def delete_model_version_tag(self, name, version, key) -> None:
        check_model_name(name)
        number = check_version(version)
        with self._write() as conn, conn.begin():
            self._require_version(conn, name, number)
            conn.execute(
                model_version_tags.delete().where(
                    model_version_tags.c.name == name,
                    model_version_tags.c.version == number,
                    model_version_tags.c.key == key,
                )
            )

    # -- aliases ------------------------------------------------------------------------------------
    def set_registered_model_alias(self, name, alias, version) -> None:
        check_model_name(name)
        check_alias_to_set(alias)
        number = check_version(version)
        with self._write() as conn, conn.begin():
            self._require_version(conn, name, number)
            _upsert(conn, registered_model_aliases, {"name": name, "alias": alias}, {"version": number})
            self._touch_model(conn, name)

    def delete_registered_model_alias(self, name, alias) -> None:
        check_model_name(name)
        check_alias(alias)
        with self._write() as conn, conn.begin():
            self._require_model(conn, name)
            conn.execute(
                registered_model_aliases.delete().where(
                    registered_model_aliases.c.name == name, registered_model_aliases.c.alias == alias
                )
            )

    def get_model_version_by_alias(self, name, alias) -> ModelVersion:
        check_model_name(name)
        check_alias(alias)
        with self.engine.connect() as conn:
            row = conn.execute(_BY_ALIAS, {"name": name, "alias": alias}).first()
            if row is None:
                self._require_model(conn, name)
                raise RegistryNotFoundError(f"Registered model alias {alias} not found (model {name}).")
            return self._versions(conn, [row])[0]

    # -- logged models (MLflow 3) --------------------------------------------------------------
    def create_logged_model(
        self, experiment_id, name=None, source_run_id=None, tags=None, params=None, model_type=None
    ) -> LoggedModel:
        key = _experiment_key(experiment_id, "experiment_id")
        model_id = f"m-{uuid.uuid4().hex}"
        name = name or f"model-{model_id[2:10]}"
        if not isinstance(name, str) or len(name) > 500:
            raise ValueError("name of a logged model must be a string of at most 500 characters")
        tag_items = _tag_items(tags)
        param_items = _param_items(params)
        now = now_ms()
        with self._write() as conn, conn.begin():
            experiment = conn.execute(sa.select(experiments).where(experiments.c.experiment_id == key)).first()
            if experiment is None:
                raise RegistryNotFoundError(f"No Experiment with id={experiment_id} exists")
            if experiment.lifecycle_stage != "active":
                raise ValueError(f"experiment_id {experiment_id}: the experiment is deleted")
            location = "/".join([experiment.artifact_location.rstrip("/"), "models", model_id, "artifacts"])
            conn.execute(
                logged_models.insert().values(
                    model_id=model_id,
                    experiment_id=key,
                    name=name,
                    artifact_location=location,
                    creation_time=now,
                    last_updated_time=now,
                    model_type=model_type,
                    source_run_id=source_run_id or None,
                    status=LoggedModelStatus.PENDING,
                )
            )
            if tag_items:
                conn.execute(
                    logged_model_tags.insert(), [{"model_id": model_id, "key": k, "value": v} for k, v in tag_items]
                )
            if param_items:
                conn.execute(
                    logged_model_params.insert(), [{"model_id": model_id, "key": k, "value": v} for k, v in param_items]
                )
        return self.get_logged_model(model_id)

    def _require_logged_model(self, conn, model_id) -> Any:
        row = conn.execute(
            sa.select(logged_models).where(
                logged_models.c.model_id == str(model_id), logged_models.c.lifecycle_stage == "active"
            )
        ).first()
        if row is None:
            raise RegistryNotFoundError(f"Logged model with ID '{model_id}' not found.")
        return row

    def get_logged_model(self, model_id) -> LoggedModel:
        with self.engine.connect() as conn:
            return self._logged_models(conn, [self._require_logged_model(conn, model_id)])[0]

    def _logged_models(self, conn, rows) -> list[LoggedModel]:
        ids = [row.model_id for row in rows]
        tags: dict[str, dict[str, str]] = {i: {} for i in ids}
        params: dict[str, dict[str, str]] = {i: {} for i in ids}
        metrics: dict[str, list[LoggedModelMetric]] = {i: [] for i in ids}
        for chunk in _chunks(ids):
            for r in conn.execute(sa.select(logged_model_tags).where(logged_model_tags.c.model_id.in_(chunk))):
                tags[r.model_id][r.key] = r.value
            for r in conn.execute(sa.select(logged_model_params).where(logged_model_params.c.model_id.in_(chunk))):
                params[r.model_id][r.key] = r.value
            for r in conn.execute(
                sa.select(logged_model_metrics)
                .where(logged_model_metrics.c.model_id.in_(chunk))
                .order_by(logged_model_metrics.c.id)
            ):
                metrics[r.model_id].append(
                    LoggedModelMetric(
                        r.key,
                        float("nan") if r.value is None else r.value,
                        r.timestamp,
                        r.step,
                        r.run_id,
                        r.model_id,
                        r.dataset_name,
                        r.dataset_digest,
                    )
                )
        return [
            LoggedModel(
                experiment_id=str(row.experiment_id),
                model_id=row.model_id,
                name=row.name,
                artifact_location=row.artifact_location,
                creation_timestamp=row.creation_time,
                last_updated_timestamp=row.last_updated_time,
                model_type=row.model_type,
                source_run_id=row.source_run_id,
                status=row.status,
                status_message=row.status_message,
                tags=tags[row.model_id],
                params=params[row.model_id],
                metrics=tuple(metrics[row.model_id]),
            )
            for row in rows
        ]

    def finalize_logged_model(self, model_id, status) -> LoggedModel:
        if status not in (LoggedModelStatus.READY, LoggedModelStatus.FAILED, LoggedModelStatus.PENDING):
            raise ValueError(f"Invalid status {status!r} for a logged model: expected READY or FAILED")
        with self._write() as conn, conn.begin():
            self._require_logged_model(conn, model_id)
            conn.execute(
                logged_models.update()
                .where(logged_models.c.model_id == model_id)
                .values(status=status, last_updated_time=now_ms())
            )
        return self.get_logged_model(model_id)

    def delete_logged_model(self, model_id) -> None:
        with self._write() as conn, conn.begin():
            self._require_logged_model(conn, model_id)
            conn.execute(
                logged_models.update()
                .where(logged_models.c.model_id == model_id)
                .values(lifecycle_stage="deleted", last_updated_time=now_ms())
            )

    def set_logged_model_tags(self, model_id, tags) -> None:
        items = _tag_items(tags)
        with self._write() as conn, conn.begin():
            self._require_logged_model(conn, model_id)
            for key, value in items:
                _upsert(conn, logged_model_tags, {"model_id": model_id, "key": key}, {"value": value})

    def delete_logged_model_tag(self, model_id, key) -> None:
        with self._write() as conn, conn.begin():
            self._require_logged_model(conn, model_id)
            result = conn.execute(
                logged_model_tags.delete().where(
                    logged_model_tags.c.model_id == model_id, logged_model_tags.c.key == key
                )
            )
            if result.rowcount == 0:
                raise RegistryNotFoundError(f"No tag with key {key!r} found for model with ID {model_id!r}.")

    def log_logged_model_params(self, model_id, params) -> None:
        items = _param_items(params)
        with self._write() as conn, conn.begin():
            self._require_logged_model(conn, model_id)
            for key, value in items:
                _upsert(conn, logged_model_params, {"model_id": model_id, "key": key}, {"value": value})

    def log_logged_model_metrics(self, model_id, metrics: Iterable[LoggedModelMetric]) -> None:
        """Metrics logged against a logged model (``runs/log-metric`` with a ``model_id``)."""
        rows = [
            {
                "model_id": model_id,
                "key": m.key,
                "value": None if m.value != m.value else m.value,
                "timestamp": m.timestamp,
                "step": m.step,
                "run_id": m.run_id,
                "dataset_name": m.dataset_name,
                "dataset_digest": m.dataset_digest,
            }
            for m in metrics
        ]
        if not rows:
            return
        with self._write() as conn, conn.begin():
            self._require_logged_model(conn, model_id)
            conn.execute(logged_model_metrics.insert(), rows)

    def log_run_outputs(self, run_id: str, outputs: Iterable[tuple[str, int]]) -> None:
        """Records that run ``run_id`` produced these logged models (model id, step)."""
        with self._write() as conn, conn.begin():
            for model_id, step in outputs:
                _upsert(conn, run_model_outputs, {"run_id": run_id, "model_id": model_id}, {"step": int(step)})

    def run_outputs(self, run_ids: list[str]) -> dict[str, list[tuple[str, int]]]:
        """run id -> [(model id, step), ...] of its logged models (MLflow's ``run.outputs.model_outputs``)."""
        found: dict[str, list[tuple[str, int]]] = {run_id: [] for run_id in run_ids}
        with self.engine.connect() as conn:
            for chunk in _chunks(list(run_ids)):
                for r in conn.execute(sa.select(run_model_outputs).where(run_model_outputs.c.run_id.in_(chunk))):
                    found[r.run_id].append((r.model_id, r.step))
        return found

    def search_logged_models(
        self, experiment_ids, filter_string=None, datasets=None, max_results=None, order_by=None, page_token=None
    ):
        """Logged models of the experiments matching the filter (attributes, ``params.``/``tags.``/``metrics.``)."""
        limit = _max_results(max_results, SEARCH_LOGGED_MODELS_DEFAULT, SEARCH_LOGGED_MODELS_MAX)
        _phase, offset = decode_page_token(page_token)
        keys = []
        for experiment_id in experiment_ids or []:
            keys.append(_experiment_key(experiment_id, "experiment_ids"))
        columns = {
            "name": logged_models.c.name,
            "model_id": logged_models.c.model_id,
            "model_type": logged_models.c.model_type,
            "status": logged_models.c.status,
            "source_run_id": logged_models.c.source_run_id,
            "creation_timestamp": logged_models.c.creation_time,
            "creation_time": logged_models.c.creation_time,
            "last_updated_timestamp": logged_models.c.last_updated_time,
        }
        query = sa.select(logged_models).where(
            logged_models.c.experiment_id.in_(keys), logged_models.c.lifecycle_stage == "active"
        )
        if datasets:  # models with a metric on one of these datasets (name, and digest when given)
            metric = logged_model_metrics
            matches = []
            for dataset in datasets:
                name = dataset.get("dataset_name") if isinstance(dataset, Mapping) else None
                if not isinstance(name, str) or not name:
                    raise ValueError("every entry of datasets needs a dataset_name (datasets)")
                digest = dataset.get("dataset_digest")
                match = metric.c.dataset_name == name
                if isinstance(digest, str) and digest:
                    match = sa.and_(match, metric.c.dataset_digest == digest)
                matches.append(match)
            query = query.where(sa.exists().where(metric.c.model_id == logged_models.c.model_id, sa.or_(*matches)))
        for clause in parse_filter(filter_string, LOGGED_MODEL_FILTER):
            if clause.entity in ("tags", "params"):
                table = logged_model_tags if clause.entity == "tags" else logged_model_params
                query = query.where(
                    self._clause_sql(clause, logged_models.c.model_id, table, ("model_id",), tag_entity=clause.entity)
                )
            elif clause.entity == "metrics":
                metric = logged_model_metrics
                same = [metric.c.model_id == logged_models.c.model_id, metric.c.key == clause.key]
                if clause.op in ("IS NULL", "IS NOT NULL"):
                    found = sa.exists().where(*same)
                    query = query.where(~found if clause.op == "IS NULL" else found)
                else:
                    query = query.where(sa.exists().where(*same, _compare(metric.c.value, clause.op, clause.value)))
            else:
                query = query.where(self._clause_sql(clause, logged_models.c.model_id, None, (), columns))
        order_columns = {k: v for k, v in columns.items()}
        ordering = []
        for spec in order_by or []:
            if isinstance(spec, Mapping):  # MLflow's REST form: {"field_name": ..., "ascending": ...}
                field = str(spec.get("field_name", ""))
                ascending = bool(spec.get("ascending", True))
            else:
                parts = str(spec).split()
                if not parts or len(parts) > 2 or (len(parts) == 2 and parts[1].upper() not in ("ASC", "DESC")):
                    raise InvalidFilterError(f"invalid order_by {str(spec)[:60]!r}: expected '<field> [ASC|DESC]'")
                field, ascending = parts[0], not (len(parts) > 1 and parts[1].upper() == "DESC")
            column = order_columns.get(field)
            if column is None:
                raise InvalidFilterError(f"invalid order_by: {field!r} is not a logged model field to order by")
            ordering.append(column.asc() if ascending else column.desc())
        query = query.order_by(*ordering, logged_models.c.creation_time.desc(), logged_models.c.model_id)
        with self.engine.connect() as conn:
            rows = list(conn.execute(query.limit(limit + 1).offset(offset)))
            models = self._logged_models(conn, rows[:limit])
        token = encode_page_token("", offset + limit) if len(rows) > limit else None
        return models, token


def _experiment_key(experiment_id: Any, field: str) -> int:
    try:
        key = int(str(experiment_id))
    except (TypeError, ValueError):
        raise ValueError(f"Invalid {field}: {str(experiment_id)[:40]!r} is not an experiment id") from None
    if not 0 <= key <= _INT32_MAX:
        raise ValueError(f"Invalid {field}: {key} is not an experiment id")
    return key


def _param_items(params: Any) -> list[tuple[str, str]]:
    if not params:
        return []
    items = params.items() if isinstance(params, Mapping) else ((p.key, p.value) for p in params)
    result = []
    for key, value in items:
        if not isinstance(key, str) or not key:
            raise ValueError("Missing value for required parameter 'key' of a param.")
        result.append((key, "" if value is None else str(value)))
    return result


def _order(order_by, attributes: Attributes, columns: dict, default: list, tail: list | None = None) -> list:
    parsed = parse_order_by(order_by, attributes) if order_by else []
    seen = set()
    clauses = []
    for item in parsed:
        if item.entity != "attributes":
            raise InvalidFilterError(f"invalid order_by: {item.entity}.{item.key} cannot order this search")
        if item.key in seen:
            raise InvalidFilterError(f"`order_by` contains duplicate fields: {order_by}")
        seen.add(item.key)
        clauses.append(columns[item.key].asc() if item.ascending else columns[item.key].desc())
    for key, ascending in default if not parsed else (tail or default):
        if key not in seen:
            seen.add(key)
            clauses.append(columns[key].asc() if ascending else columns[key].desc())
    return clauses


def _upsert(conn, table: sa.Table, keys: dict, values: dict) -> None:
    """Insert or update one row by its primary key (both dialects)."""
    where = [table.c[k] == v for k, v in keys.items()]
    result = conn.execute(table.update().where(*where).values(**values))
    if result.rowcount == 0:
        conn.execute(table.insert().values(**keys, **values))


def _chunks(items: list, size: int = _IN_CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


__all__ = ["RegisteredModelAlias", "RegistryStore", "parse_models_uri"]
