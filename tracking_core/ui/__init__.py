"""The web UI: experiments, runs table, run page, metric charts, compare view, model registry.

Server-rendered HTML (Jinja2, every value autoescaped) with a little plain JavaScript and one
vendored chart library (uPlot, ``static/vendor``); no Node build step. The tracking server
mounts what ``routes(context)`` returns, where ``context`` has ``store`` (a ``SqlStore``),
``artifact_repository(run_info)`` and ``tracking_uri``.

URLs (all stable, so a page can be shared by copying its address):

- ``/`` experiments; ``/experiments/<id>[,<id>...]`` runs table (``filter``, ``order``,
  ``columns``, ``size``, ``page_token`` in the query); ``.../runs.csv`` the same table as CSV
- ``/runs/<run_id>`` run page; ``/runs/<run_id>/artifact?path=...`` an artifact's bytes
- ``/charts?runs=...&metrics=...&x=step|time|relative`` metric charts; ``/compare?runs=...``
- ``/models`` registered models (``q`` searches names); ``/models/<name>`` a model: versions,
  aliases, tags, descriptions. Its changes (aliases, descriptions) are ``fetch()`` calls to the
  REST API (``/ajax-api/2.0/mlflow/...``), so they pass the server's Origin and auth checks.
- ``/ui-api/...`` the JSON the pages read; ``/ui-static/...`` CSS, JavaScript, uPlot
"""

from __future__ import annotations

from typing import Any


def routes(context: Any) -> list:
    """The UI's Starlette routes, reading through ``context``."""
    from .web import build_routes

    return build_routes(context)


__all__ = ["routes"]
