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

from typing import Any

import sqlalchemy as sa

from ..batch import now_ms
from ..errors import RegistryExistsError, RegistryNotFoundError, RunNotFoundError
from ..registry_entities import (
    ModelVersion,
    ModelVersionStage,
    ModelVersionStatus,
    RegisteredModel,
    RegisteredModelAlias,
)
from ..uri import parse_models_uri
from .logged_model_store import LoggedModelStore
from .registry_checks import (
    check_alias,
    check_alias_to_set,
    check_model_name,
    check_tag,
    check_version,
    checked_max_results,
    tag_items,
)
from .registry_sql import IN_CHUNK, chunks, filter_clause_sql, order_clauses, upsert
from .schema import (
    logged_model_tags,
    logged_models,
    model_version_tags,
    model_versions,
    registered_model_aliases,
    registered_model_tags,
    registered_models,
    runs,
)
from .search import Attributes, parse_filter
from .sql_search import decode_page_token, encode_page_token

DELETED_STAGE = "Deleted_Internal"
MODEL_VERSIONS_TAG = "mlflow.modelVersions"
SEARCH_REGISTERED_MODELS_DEFAULT, SEARCH_REGISTERED_MODELS_MAX = 100, 1000
SEARCH_MODEL_VERSIONS_DEFAULT, SEARCH_MODEL_VERSIONS_MAX = 10_000, 200_000

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


class RegistryStore(LoggedModelStore):
    """The registry half of ``SqlStore`` (it provides ``engine``, ``_write`` and ``get_run``)."""

    engine: sa.engine.Engine

    def _write(self) -> sa.engine.Connection:  # pragma: no cover - SqlStore's
        raise NotImplementedError

    # -- registered models -------------------------------------------------------------------
    def create_registered_model(self, name, tags=None, description=None) -> RegisteredModel:
        check_model_name(name)
        items = tag_items(tags)
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
        for chunk in chunks(names):
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
        limit = checked_max_results(max_results, SEARCH_REGISTERED_MODELS_DEFAULT, SEARCH_REGISTERED_MODELS_MAX)
        _phase, offset = decode_page_token(page_token)
        query = sa.select(registered_models)
        for clause in parse_filter(filter_string, REGISTERED_MODEL_FILTER):
            query = query.where(filter_clause_sql(clause, registered_models.c.name, registered_model_tags, ("name",)))
        columns = {
            "name": registered_models.c.name,
            "creation_timestamp": registered_models.c.creation_time,
            "last_updated_timestamp": registered_models.c.last_updated_time,
        }
        query = query.order_by(*order_clauses(order_by, REGISTERED_MODEL_ORDER, columns, [("name", True)]))
        with self.engine.connect() as conn:
            rows = list(conn.execute(query.limit(limit + 1).offset(offset)))
            models = self._registered_models(conn, rows[:limit])
        token = encode_page_token("", offset + limit) if len(rows) > limit else None
        return models, token

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
            upsert(conn, registered_model_tags, {"name": name, "key": key}, {"value": value})

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
        ref = parse_models_uri(source)
        if ref.model_id is not None:
            model = self.get_logged_model(ref.model_id)
            return model.artifact_location, run_id or model.source_run_id, model_id or ref.model_id
        if ref.alias is not None:
            found = self.get_model_version_by_alias(ref.name, ref.alias)
        elif ref.version is not None:
            found = self.get_model_version(ref.name, ref.version)
        else:
            versions = self.get_latest_versions(ref.name, [ref.stage] if ref.stage else None)
            if not versions:
                raise RegistryNotFoundError(f"No version found for {ref.describe()}.")
            found = max(versions, key=lambda v: int(v.version))
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
        items = tag_items(tags)
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
        upsert(
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
        for chunk in chunks(names):
            where = [t.c.name.in_(chunk)]
            if len(numbers) <= IN_CHUNK:
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
        limit = checked_max_results(max_results, SEARCH_MODEL_VERSIONS_DEFAULT, SEARCH_MODEL_VERSIONS_MAX)
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
                filter_clause_sql(clause, model_versions.c.name, model_version_tags, ("name", "version"), columns)
            )
        default = [("last_updated_timestamp", False), ("name", True), ("version_number", False)]
        query = query.order_by(
            *order_clauses(
                order_by, MODEL_VERSION_ORDER, columns, default, tail=[("name", True), ("version_number", False)]
            )
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
            upsert(conn, model_version_tags, {"name": name, "version": number, "key": key}, {"value": value})

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
            upsert(conn, registered_model_aliases, {"name": name, "alias": alias}, {"version": number})
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


__all__ = ["RegisteredModelAlias", "RegistryStore"]
