"""What the UI's editing needs from the store: deleted experiments and deleted runs to restore.

The changes themselves (rename, delete, restore, tags, notes) are not made here: the pages send
them to the REST API (``/ajax-api/2.0/mlflow/...``, see ``static/edit.js``), the same endpoints
MLflow's clients call, so the server's Origin checks and ``--users-file`` authentication apply
and a client sees every change. This module only reads what those pages list.
"""

from __future__ import annotations

from typing import Any

TAG_NOTE = "mlflow.note.content"  # MLflow's run (and experiment) description
MAX_DELETED_RUNS = 500


def deleted_experiments(store: Any) -> list:
    """The deleted (restorable) experiments, most recently changed first."""
    found: list = []
    token = None
    while True:
        page, token = store.search_experiments(view_type="DELETED_ONLY", max_results=1000, page_token=token)
        found.extend(page)
        if not token:
            break
    found.sort(key=lambda e: -(getattr(e, "last_update_time", None) or e.creation_time or 0))
    return found


def deleted_runs(store: Any, experiment_ids: list[str]) -> tuple[list, bool]:
    """(deleted runs of these experiments newest first, whether there are more than shown)."""
    runs, token = store.search_runs_page(experiment_ids, max_results=MAX_DELETED_RUNS, run_view_type="DELETED_ONLY")
    return runs, token is not None


def deleted_run_count(store: Any, experiment_ids: list[str]) -> int:
    return store.count_runs(experiment_ids, run_view_type="DELETED_ONLY")
