"""MLflow 3's logged models in the SQL store (mixed into ``SqlStore`` under ``RegistryStore``): create,
get, finalize, delete, tags, params, metrics, searches, and a run's model outputs (``runs/outputs``).

Method names and signatures are those of MLflow's tracking ``AbstractStore``; errors as in
``registry_store``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa

from ..batch import now_ms
from ..errors import InvalidFilterError, RegistryNotFoundError
from ..registry_entities import LoggedModel, LoggedModelMetric, LoggedModelStatus
from .registry_checks import checked_max_results, experiment_key, param_items, tag_items
from .registry_sql import chunks, filter_clause_sql, upsert
from .schema import (
    experiments,
    logged_model_metrics,
    logged_model_params,
    logged_model_tags,
    logged_models,
    run_model_outputs,
)
from .search import Attributes, parse_filter
from .sql_search import _compare, decode_page_token, encode_page_token

SEARCH_LOGGED_MODELS_DEFAULT, SEARCH_LOGGED_MODELS_MAX = 100, 1000
LOGGED_MODEL_FILTER = Attributes(
    ("name", "model_id", "model_type", "status", "source_run_id"),
    ("creation_timestamp", "creation_time", "last_updated_timestamp"),
    {},
)


class LoggedModelStore:
    """The logged model part of ``SqlStore`` (it provides ``engine`` and ``_write``)."""

    engine: sa.engine.Engine

    def _write(self) -> sa.engine.Connection:  # pragma: no cover - SqlStore's
        raise NotImplementedError

    def create_logged_model(
        self, experiment_id, name=None, source_run_id=None, tags=None, params=None, model_type=None
    ) -> LoggedModel:
        key = experiment_key(experiment_id, "experiment_id")
        model_id = f"m-{uuid.uuid4().hex}"
        name = name or f"model-{model_id[2:10]}"
        if not isinstance(name, str) or len(name) > 500:
            raise ValueError("name of a logged model must be a string of at most 500 characters")
        tag_pairs = tag_items(tags)
        param_pairs = param_items(params)
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
            if tag_pairs:
                conn.execute(
                    logged_model_tags.insert(), [{"model_id": model_id, "key": k, "value": v} for k, v in tag_pairs]
                )
            if param_pairs:
                conn.execute(
                    logged_model_params.insert(), [{"model_id": model_id, "key": k, "value": v} for k, v in param_pairs]
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
        for chunk in chunks(ids):
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
        items = tag_items(tags)
        with self._write() as conn, conn.begin():
            self._require_logged_model(conn, model_id)
            for key, value in items:
                upsert(conn, logged_model_tags, {"model_id": model_id, "key": key}, {"value": value})

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
        items = param_items(params)
        with self._write() as conn, conn.begin():
            self._require_logged_model(conn, model_id)
            for key, value in items:
                upsert(conn, logged_model_params, {"model_id": model_id, "key": key}, {"value": value})

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
                upsert(conn, run_model_outputs, {"run_id": run_id, "model_id": model_id}, {"step": int(step)})

    def run_outputs(self, run_ids: list[str]) -> dict[str, list[tuple[str, int]]]:
        """run id -> [(model id, step), ...] of its logged models (MLflow's ``run.outputs.model_outputs``)."""
        found: dict[str, list[tuple[str, int]]] = {run_id: [] for run_id in run_ids}
        with self.engine.connect() as conn:
            for chunk in chunks(list(run_ids)):
                for r in conn.execute(sa.select(run_model_outputs).where(run_model_outputs.c.run_id.in_(chunk))):
                    found[r.run_id].append((r.model_id, r.step))
        return found

    def search_logged_models(
        self, experiment_ids, filter_string=None, datasets=None, max_results=None, order_by=None, page_token=None
    ):
        """Logged models of the experiments matching the filter (attributes, ``params.``/``tags.``/``metrics.``)."""
        limit = checked_max_results(max_results, SEARCH_LOGGED_MODELS_DEFAULT, SEARCH_LOGGED_MODELS_MAX)
        _phase, offset = decode_page_token(page_token)
        keys = []
        for experiment_id in experiment_ids or []:
            keys.append(experiment_key(experiment_id, "experiment_ids"))
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
                    filter_clause_sql(clause, logged_models.c.model_id, table, ("model_id",), tag_entity=clause.entity)
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
                query = query.where(filter_clause_sql(clause, logged_models.c.model_id, None, (), columns))
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
