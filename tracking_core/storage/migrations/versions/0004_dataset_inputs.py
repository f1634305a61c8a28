"""Dataset inputs of runs, as MLflow records them (``runs/log-inputs``).

- ``datasets``: one row per (experiment, name, digest); ``dataset_id`` is derived from those three
  (``tracking_core.storage.schema.dataset_id``), with the source type, source, schema and profile as text.
- ``run_inputs``: which runs were given which datasets.
- ``input_tags``: tags of one run's input, such as its context (``mlflow.data.context``).

Searches by ``datasets.digest``/``datasets.name`` start from their indexes; by context from
``input_tags (key, value)``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_dataset_inputs"
down_revision = "0003_history_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "datasets",
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
    )
    op.create_index("ix_datasets_digest", "datasets", ["digest"])
    op.create_index("ix_datasets_name", "datasets", ["name"])
    op.create_table(
        "run_inputs",
        sa.Column("run_id", sa.String(32), sa.ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True),
        sa.Column(
            "dataset_id", sa.String(32), sa.ForeignKey("datasets.dataset_id", ondelete="CASCADE"), primary_key=True
        ),
    )
    op.create_index("ix_run_inputs_dataset", "run_inputs", ["dataset_id", "run_id"])
    op.create_table(
        "input_tags",
        sa.Column("run_id", sa.String(32), primary_key=True),
        sa.Column("dataset_id", sa.String(32), primary_key=True),
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("value", sa.String(500), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id", "dataset_id"], ["run_inputs.run_id", "run_inputs.dataset_id"], ondelete="CASCADE"
        ),
    )
    op.create_index("ix_input_tags_key_value", "input_tags", ["key", "value"])
