"""Serve the UI alone on a local store, for the UI tests (``python serve.py STORE_DIR PORT``).

The tracking server mounts the same routes; this keeps the UI tests independent of it.
"""

from __future__ import annotations

import sys


class LocalContext:
    """What the UI reads through: the store of a tracking URI and its artifact repositories."""

    def __init__(self, tracking_uri: str):
        from tracking_core import uri
        from tracking_core.storage.sql_store import get_store

        resolved = uri.resolve(tracking_uri)
        self.tracking_uri = resolved.tracking_uri
        self.store = get_store(resolved.database_url)

    def artifact_repository(self, run_info):
        from tracking_core.storage.artifacts import repository_for

        return repository_for(run_info.artifact_uri)


def app(tracking_uri: str):
    from starlette.applications import Starlette

    from tracking_core.ui import routes

    return Starlette(routes=routes(LocalContext(tracking_uri)))


if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app(sys.argv[1]), host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
