"""The store's tables, its schema version, and what happens when a store is opened.

Opening costs one ``SELECT version_num FROM alembic_version`` when the schema is current (alembic
is not imported then). An empty database gets the current tables and is stamped with
``SCHEMA_VERSION`` directly. An older store (including one written before versioning, which has
the tables of ``0001_initial`` and no version table) is upgraded in place by the migrations in
``tracking_core/migrations`` inside one write transaction, so concurrent openers wait rather than
migrate twice. A store whose version this autolog does not know was written by a newer autolog:
it is refused (``StoreVersionError``) before anything is written to it.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ..errors import StoreVersionError
from .plain_sql import dataset_id  # noqa: F401  (its home before ``plain_sql``)
from .schema_ddl import KNOWN_VERSIONS, SCHEMA_VERSION, VERSION_TABLE

# The revisions this autolog knows and the newest (the schema the tables below describe) live in
# ``schema_ddl``, with these tables as SQLite statements: a new revision updates both.

_PG_SCHEMA_LOCK = 7236042195001  # advisory lock serializing schema creation/upgrade on PostgreSQL

metadata = sa.MetaData()

experiments = sa.Table(
    "experiments",
    metadata,
    sa.Column("experiment_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(256), nullable=False, unique=True),
    sa.Column("artifact_location", sa.Text, nullable=False),
    sa.Column("creation_time", sa.BigInteger, nullable=False),
    sa.Column("lifecycle_stage", sa.String(32), nullable=False, server_default="active"),
    sa.Column("last_update_time", sa.BigInteger, nullable=True),
)
experiment_tags = sa.Table(
    "experiment_tags",
    metadata,
    sa.Column(
        "experiment_id", sa.Integer, sa.ForeignKey("experiments.experiment_id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("key", sa.String(250), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)
runs = sa.Table(
    "runs",
    metadata,
    sa.Column("run_id", sa.String(32), primary_key=True),
    sa.Column("experiment_id", sa.Integer, sa.ForeignKey("experiments.experiment_id"), nullable=False),
    sa.Column("run_name", sa.String(256), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("start_time", sa.BigInteger, nullable=False),
    sa.Column("end_time", sa.BigInteger, nullable=True),
    sa.Column("artifact_uri", sa.Text, nullable=False),
    sa.Column("deleted", sa.Boolean, nullable=False, default=False),
    sa.Index("ix_runs_experiment_start", "experiment_id", "start_time"),
)
params = sa.Table(
    "params",
    metadata,
    sa.Column("run_id", sa.String(32), sa.ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True),
    sa.Column("key", sa.String(250), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)
tags = sa.Table(
    "tags",
    metadata,
    sa.Column("run_id", sa.String(32), sa.ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True),
    sa.Column("key", sa.String(250), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)
# PostgreSQL btree entries are limited to about 2.7 kB and values are unbounded text: there,
# params and tags get a hash index on the value (equality), elsewhere (key, value, run_id).
for _table in (params, tags):
    sa.Index(f"ix_{_table.name}_key_value", _table.c.key, _table.c.value, _table.c.run_id).ddl_if(dialect="sqlite")
    sa.Index(f"ix_{_table.name}_value_hash", _table.c.value, postgresql_using="hash").ddl_if(dialect="postgresql")
# A metric's points refer to their (run, key) series by a small integer: rows and index stay
# narrow, which halves the time to persist large histories.
metric_series = sa.Table(
    "metric_series",
    metadata,
    sa.Column("series_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.String(32), sa.ForeignKey("runs.run_id", ondelete="CASCADE"), nullable=False),
    sa.Column("key", sa.String(250), nullable=False),
    sa.UniqueConstraint("run_id", "key", name="uq_metric_series_run_key"),
)
metrics = sa.Table(
    "metrics",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("series_id", sa.Integer, sa.ForeignKey("metric_series.series_id", ondelete="CASCADE"), nullable=False),
    sa.Column("value", sa.Float(precision=53), nullable=True),  # NULL is NaN (SQLite stores NaN as NULL)
    sa.Column("timestamp", sa.BigInteger, nullable=False),
    sa.Column("step", sa.BigInteger, nullable=False),
    # the history order (step, timestamp, id) in one index scan (id: the row id, implied in SQLite)
    sa.Index("ix_metrics_series_step_time", "series_id", "step", "timestamp"),
)
latest_metrics = sa.Table(
    "latest_metrics",
    metadata,
    sa.Column("run_id", sa.String(32), sa.ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True),
    sa.Column("key", sa.String(250), primary_key=True),
    sa.Column("value", sa.Float(precision=53), nullable=True),
    sa.Column("timestamp", sa.BigInteger, nullable=False),
    sa.Column("step", sa.BigInteger, nullable=False),
    sa.Index("ix_latest_metrics_key_value", "key", "value", "run_id"),
)
# Dataset inputs, as MLflow keeps them: a dataset belongs to an experiment and is identified there by
# (name, digest); its id is derived from those three (``dataset_id``), so writers need no lookup.
# A run's inputs link it to datasets; an input's tags say its context (``mlflow.data.context``).
datasets = sa.Table(
    "datasets",
    metadata,
    sa.Column("dataset_id", sa.String(32), primary_key=True),
    sa.Column(
        "experiment_id", sa.Integer, sa.ForeignKey("experiments.experiment_id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("name", sa.String(500), nullable=False),
    sa.Column("digest", sa.String(64), nullable=False),
    sa.Column("dataset_source_type", sa.String(64), nullable=False),
    sa.Column("dataset_source", sa.Text, nullable=False),
    sa.Column("dataset_schema", sa.Text, nullable=True),
    sa.Column("dataset_profile", sa.Text, nullable=True),
    sa.Index("ix_datasets_digest", "digest"),
    sa.Index("ix_datasets_name", "name"),
)
run_inputs = sa.Table(
    "run_inputs",
    metadata,
    sa.Column("run_id", sa.String(32), sa.ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True),
    sa.Column("dataset_id", sa.String(32), sa.ForeignKey("datasets.dataset_id", ondelete="CASCADE"), primary_key=True),
    sa.Index("ix_run_inputs_dataset", "dataset_id", "run_id"),
)
input_tags = sa.Table(
    "input_tags",
    metadata,
    sa.Column("run_id", sa.String(32), primary_key=True),
    sa.Column("dataset_id", sa.String(32), primary_key=True),
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("value", sa.String(500), nullable=False),
    sa.ForeignKeyConstraint(
        ["run_id", "dataset_id"], ["run_inputs.run_id", "run_inputs.dataset_id"], ondelete="CASCADE"
    ),
    sa.Index("ix_input_tags_key_value", "key", "value"),
)


# The model registry (MLflow's): registered models by name, their numbered versions, tags and
# aliases. Children refer to the model by name with ON UPDATE CASCADE, so a rename is one UPDATE.
registered_models = sa.Table(
    "registered_models",
    metadata,
    sa.Column("name", sa.String(256), primary_key=True),
    sa.Column("creation_time", sa.BigInteger, nullable=False),
    sa.Column("last_updated_time", sa.BigInteger, nullable=False),
    sa.Column("description", sa.Text, nullable=True),
    sa.Index("ix_registered_models_updated", "last_updated_time"),
)
registered_model_tags = sa.Table(
    "registered_model_tags",
    metadata,
    sa.Column(
        "name",
        sa.String(256),
        sa.ForeignKey("registered_models.name", onupdate="CASCADE", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("key", sa.String(250), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)
model_versions = sa.Table(
    "model_versions",
    metadata,
    sa.Column(
        "name",
        sa.String(256),
        sa.ForeignKey("registered_models.name", onupdate="CASCADE", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("creation_time", sa.BigInteger, nullable=False),
    sa.Column("last_updated_time", sa.BigInteger, nullable=False),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("user_id", sa.String(256), nullable=True),
    sa.Column("current_stage", sa.String(20), nullable=False, server_default="None"),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("storage_location", sa.Text, nullable=False),  # where the files are (source resolved)
    sa.Column("run_id", sa.String(32), nullable=True),
    sa.Column("run_link", sa.Text, nullable=True),
    sa.Column("status", sa.String(20), nullable=False, server_default="READY"),
    sa.Column("status_message", sa.Text, nullable=True),
    sa.Column("model_id", sa.String(64), nullable=True),
    # searches: by run (run_id = / IN), newest first (the default order), by logged model
    sa.Index("ix_model_versions_run_id", "run_id"),
    sa.Index("ix_model_versions_model_id", "model_id"),
)
# The default order of version searches (newest first, then name, then version descending), across
# models and within one: one index scan, no sort, however many versions.
sa.Index(
    "ix_model_versions_updated",
    model_versions.c.last_updated_time.desc(),
    model_versions.c.name,
    model_versions.c.version.desc(),
)
sa.Index(
    "ix_model_versions_name_updated",
    model_versions.c.name,
    model_versions.c.last_updated_time.desc(),
    model_versions.c.version.desc(),
)
model_version_tags = sa.Table(
    "model_version_tags",
    metadata,
    sa.Column("name", sa.String(256), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("key", sa.String(250), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
    sa.ForeignKeyConstraint(
        ["name", "version"], ["model_versions.name", "model_versions.version"], onupdate="CASCADE", ondelete="CASCADE"
    ),
)
registered_model_aliases = sa.Table(
    "registered_model_aliases",
    metadata,
    sa.Column(
        "name",
        sa.String(256),
        sa.ForeignKey("registered_models.name", onupdate="CASCADE", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("alias", sa.String(256), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
)
# MLflow 3's logged models: a model outside any run (``m-<hex>``), in an experiment, with its own
# params, tags and metrics and its artifacts under ``<experiment artifact root>/models/<id>/artifacts``.
logged_models = sa.Table(
    "logged_models",
    metadata,
    sa.Column("model_id", sa.String(64), primary_key=True),
    sa.Column(
        "experiment_id", sa.Integer, sa.ForeignKey("experiments.experiment_id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("name", sa.String(500), nullable=False),
    sa.Column("artifact_location", sa.Text, nullable=False),
    sa.Column("creation_time", sa.BigInteger, nullable=False),
    sa.Column("last_updated_time", sa.BigInteger, nullable=False),
    sa.Column("model_type", sa.String(500), nullable=True),
    sa.Column("source_run_id", sa.String(32), nullable=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("status_message", sa.Text, nullable=True),
    sa.Column("lifecycle_stage", sa.String(32), nullable=False, server_default="active"),
    sa.Index("ix_logged_models_experiment_created", "experiment_id", "creation_time"),
    sa.Index("ix_logged_models_source_run", "source_run_id"),
)
logged_model_tags = sa.Table(
    "logged_model_tags",
    metadata,
    sa.Column("model_id", sa.String(64), sa.ForeignKey("logged_models.model_id", ondelete="CASCADE"), primary_key=True),
    sa.Column("key", sa.String(250), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)
logged_model_params = sa.Table(
    "logged_model_params",
    metadata,
    sa.Column("model_id", sa.String(64), sa.ForeignKey("logged_models.model_id", ondelete="CASCADE"), primary_key=True),
    sa.Column("key", sa.String(250), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)
logged_model_metrics = sa.Table(
    "logged_model_metrics",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("model_id", sa.String(64), sa.ForeignKey("logged_models.model_id", ondelete="CASCADE"), nullable=False),
    sa.Column("key", sa.String(250), nullable=False),
    sa.Column("value", sa.Float(precision=53), nullable=True),
    sa.Column("timestamp", sa.BigInteger, nullable=False),
    sa.Column("step", sa.BigInteger, nullable=False),
    sa.Column("run_id", sa.String(32), nullable=True),
    sa.Column("dataset_name", sa.String(500), nullable=True),
    sa.Column("dataset_digest", sa.String(64), nullable=True),
    sa.Index("ix_logged_model_metrics_model_key", "model_id", "key"),
)


# A run's logged models (MLflow 3's run outputs: ``runs/outputs``), with the step they were logged at.
run_model_outputs = sa.Table(
    "run_model_outputs",
    metadata,
    sa.Column("run_id", sa.String(32), sa.ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True),
    sa.Column("model_id", sa.String(64), sa.ForeignKey("logged_models.model_id", ondelete="CASCADE"), primary_key=True),
    sa.Column("step", sa.BigInteger, nullable=False, server_default="0"),
)


# Kept outside ``metadata``: alembic owns this table (same shape as the one it creates).
version_table = sa.Table(
    VERSION_TABLE,
    sa.MetaData(),
    sa.Column("version_num", sa.String(32), primary_key=True),
)

_MISSING = object()


def describe_url(database_url: str) -> str:
    """The URL without its password, for messages."""
    try:
        return sa.engine.make_url(database_url).render_as_string(hide_password=True)
    except Exception:
        return "<database>"


def read_version(conn: Connection) -> str | object | None:
    """The stamped version, None for an empty version table, ``_MISSING`` without one."""
    if not sa.inspect(conn).has_table(VERSION_TABLE):
        return _MISSING
    return conn.execute(sa.select(version_table.c.version_num)).scalar()


def current_version(engine: Engine) -> str | None:
    """The store's version as stamped (None: not versioned yet or empty). Reads only."""
    with engine.connect() as conn:
        version = read_version(conn)
        if version is _MISSING:
            return "0001_initial" if sa.inspect(conn).has_table("runs") else None
        return version  # type: ignore[return-value]


def _installed_version() -> str:
    from importlib import metadata as importlib_metadata

    try:
        return importlib_metadata.version("autolog")
    except importlib_metadata.PackageNotFoundError:
        return "unknown version"


def _refuse_if_newer(version: object, database_url: str) -> None:
    if isinstance(version, str) and version not in KNOWN_VERSIONS:
        ours = _installed_version()
        raise StoreVersionError(
            f"the tracking store {describe_url(database_url)} has schema version {version!r}, which this "
            f"autolog ({ours}, newest schema {SCHEMA_VERSION!r}) does not know: it was written by a newer "
            f"autolog. Nothing was written to it; upgrade autolog (pip install -U autolog) to use this store."
        )


def open_schema(engine: Engine, database_url: str) -> None:
    """Make the store usable by this autolog: nothing to do when current (one SELECT), else create,
    upgrade, or refuse (``StoreVersionError``)."""
    try:
        with engine.connect() as conn:
            version = conn.exec_driver_sql(f"SELECT version_num FROM {VERSION_TABLE}").scalar()
    except sa.exc.DBAPIError:
        version = _MISSING  # no version table: an empty database or a store written before versioning
    if version == SCHEMA_VERSION:
        return
    _refuse_if_newer(version, database_url)
    upgrade_schema(engine, database_url)


def upgrade_schema(engine: Engine, database_url: str) -> tuple[str | None, str]:
    """Create or upgrade the schema to ``SCHEMA_VERSION``; returns (version before, version after)."""
    with engine.connect().execution_options(autolog_write=True) as conn, conn.begin():
        if conn.dialect.name == "postgresql":
            # Concurrent CREATE TABLEs of one name collide (pg_type): first starts serialize here.
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_SCHEMA_LOCK})")
        version = read_version(conn)  # again: another process may have done it while we waited
        _refuse_if_newer(version, database_url)
        if version == SCHEMA_VERSION:
            return SCHEMA_VERSION, SCHEMA_VERSION
        legacy = version is _MISSING and sa.inspect(conn).has_table("runs")
        if not legacy and version in (_MISSING, None) and not sa.inspect(conn).has_table("experiments"):
            metadata.create_all(conn)
            version_table.create(conn, checkfirst=True)
            conn.execute(version_table.insert().values(version_num=SCHEMA_VERSION))
            return None, SCHEMA_VERSION
        from . import migrations

        migrations.upgrade(conn, stamp_legacy=legacy)
        before = "0001_initial" if legacy else version
        return before, SCHEMA_VERSION  # type: ignore[return-value]
