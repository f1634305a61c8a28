"""Metric history read in one ordered index scan: (series, step, timestamp) replaces (series, step).

The history order is (step, timestamp, id); the point id is the table's row id, which SQLite keeps at
the end of every index entry, so this index gives the whole order without a sort (a covering index
with the value would put the value before the id and was no faster: a series' rows sit together).
"""

from __future__ import annotations

from alembic import op

revision = "0003_history_index"
down_revision = "0002_lifecycle_search"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_metrics_series_step_time", "metrics", ["series_id", "step", "timestamp"])
    op.drop_index("ix_metrics_series_step", table_name="metrics")
