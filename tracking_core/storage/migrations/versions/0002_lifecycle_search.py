"""Experiment lifecycle and tags; indexes for searches pushed down to SQL.

- ``experiments.lifecycle_stage`` ("active"/"deleted") and ``last_update_time`` (existing rows: their
  creation time); table ``experiment_tags``.
- Search: runs by experiment and start time; latest metric values by (key, value); params and
  tags by (key, value) on SQLite. PostgreSQL btree entries are limited to about 2.7 kB and values
  are unbounded text, so there params and tags get a hash index on the value (equality only).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_lifecycle_search"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("experiments", sa.Column("lifecycle_stage", sa.String(32), nullable=False, server_default="active"))
    op.add_column("experiments", sa.Column("last_update_time", sa.BigInteger, nullable=True))
    op.execute("UPDATE experiments SET last_update_time = creation_time")
    op.create_table(
        "experiment_tags",
        sa.Column(
            "experiment_id",
            sa.Integer,
            sa.ForeignKey("experiments.experiment_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("key", sa.String(250), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_index("ix_runs_experiment_start", "runs", ["experiment_id", "start_time"])
    op.create_index("ix_latest_metrics_key_value", "latest_metrics", ["key", "value", "run_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.create_index("ix_params_value_hash", "params", ["value"], postgresql_using="hash")
        op.create_index("ix_tags_value_hash", "tags", ["value"], postgresql_using="hash")
    else:
        op.create_index("ix_params_key_value", "params", ["key", "value", "run_id"])
        op.create_index("ix_tags_key_value", "tags", ["key", "value", "run_id"])
