"""The model registry and MLflow 3's logged models (no existing table changes: nothing to move).

- ``registered_models`` (by name), ``registered_model_tags``, ``registered_model_aliases``;
  ``model_versions`` ((name, version), source, run, logged model, stage, status) and
  ``model_version_tags``. Children refer to the model's name with ON UPDATE/DELETE CASCADE.
- ``logged_models`` (``m-<hex>`` ids in an experiment), ``logged_model_tags``,
  ``logged_model_params``, ``logged_model_metrics``.

Version searches start from ``ix_model_versions_updated`` (the default order) or ``ix_model_versions_run_id``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_model_registry"
down_revision = "0004_dataset_inputs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "registered_models",
        sa.Column("name", sa.String(256), primary_key=True),
        sa.Column("creation_time", sa.BigInteger, nullable=False),
        sa.Column("last_updated_time", sa.BigInteger, nullable=False),
        sa.Column("description", sa.Text, nullable=True),
    )
    op.create_index("ix_registered_models_updated", "registered_models", ["last_updated_time"])
    op.create_table(
        "registered_model_tags",
        sa.Column(
            "name",
            sa.String(256),
            sa.ForeignKey("registered_models.name", onupdate="CASCADE", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("key", sa.String(250), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "model_versions",
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
    )
    op.create_index("ix_model_versions_run_id", "model_versions", ["run_id"])
    op.create_index(
        "ix_model_versions_updated",
        "model_versions",
        [sa.text("last_updated_time DESC"), "name", sa.text("version DESC")],
    )
    op.create_index(
        "ix_model_versions_name_updated",
        "model_versions",
        ["name", sa.text("last_updated_time DESC"), sa.text("version DESC")],
    )
    op.create_index("ix_model_versions_model_id", "model_versions", ["model_id"])
    op.create_table(
        "model_version_tags",
        sa.Column("name", sa.String(256), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("key", sa.String(250), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
        sa.ForeignKeyConstraint(
            ["name", "version"],
            ["model_versions.name", "model_versions.version"],
            onupdate="CASCADE",
            ondelete="CASCADE",
        ),
    )
    op.create_table(
        "registered_model_aliases",
        sa.Column(
            "name",
            sa.String(256),
            sa.ForeignKey("registered_models.name", onupdate="CASCADE", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("alias", sa.String(256), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_table(
        "logged_models",
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
    )
    op.create_index("ix_logged_models_experiment_created", "logged_models", ["experiment_id", "creation_time"])
    op.create_index("ix_logged_models_source_run", "logged_models", ["source_run_id"])
    for table in ("logged_model_tags", "logged_model_params"):
        op.create_table(
            table,
            sa.Column(
                "model_id", sa.String(64), sa.ForeignKey("logged_models.model_id", ondelete="CASCADE"), primary_key=True
            ),
            sa.Column("key", sa.String(250), primary_key=True),
            sa.Column("value", sa.Text, nullable=False),
        )
    op.create_table(
        "logged_model_metrics",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "model_id", sa.String(64), sa.ForeignKey("logged_models.model_id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("key", sa.String(250), nullable=False),
        sa.Column("value", sa.Float(precision=53), nullable=True),
        sa.Column("timestamp", sa.BigInteger, nullable=False),
        sa.Column("step", sa.BigInteger, nullable=False),
        sa.Column("run_id", sa.String(32), nullable=True),
        sa.Column("dataset_name", sa.String(500), nullable=True),
        sa.Column("dataset_digest", sa.String(64), nullable=True),
    )
    op.create_index("ix_logged_model_metrics_model_key", "logged_model_metrics", ["model_id", "key"])
    op.create_table(
        "run_model_outputs",
        sa.Column("run_id", sa.String(32), sa.ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True),
        sa.Column(
            "model_id", sa.String(64), sa.ForeignKey("logged_models.model_id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("step", sa.BigInteger, nullable=False, server_default="0"),
    )
