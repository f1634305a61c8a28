"""The store room: where runs live, on the server side of a training process or behind a local URI.

``schema`` (tables, schema version, opening a store), ``migrations`` (alembic revisions),
``sql_store`` (``SqlStore``: SQLite and PostgreSQL through SQLAlchemy Core), ``search`` (MLflow's
filter syntax, parsed) and ``sql_search`` (parsed searches as SELECTs), ``artifacts`` (artifact
repositories: a local directory or an fsspec URL, every path checked against its root).

Nothing here knows the fluent API, the REST protocol, the server or the UI. Importing this
package imports nothing heavy: ``from tracking_core.store import SqlStore`` (the names the store
module had before it became this package) loads ``sql_store`` on first use.
"""

from __future__ import annotations

import importlib
from typing import Any


def __getattr__(name: str) -> Any:
    if name.startswith("__") or name == "sql_store":
        raise AttributeError(name)
    sql_store = importlib.import_module(".sql_store", __name__)

    try:
        return getattr(sql_store, name)
    except AttributeError:
        raise AttributeError(f"module 'tracking_core.store' has no attribute {name!r}") from None
