"""The storage room: where runs live, behind a local tracking URI or a tracking server.

``schema`` (tables, schema version, opening a store), ``migrations`` (alembic revisions),
``sql_store`` (``SqlStore``: SQLite and PostgreSQL through SQLAlchemy Core; before the rooms it was
``tracking_core.store``, a path that still imports), ``sqlite_direct`` (``DirectSqliteStore``: what
a training process writes a local SQLite store through, with the standard library's ``sqlite3``),
``plain_sql`` (the write path and run reads both share), ``schema_ddl`` (the schema version and
the SQLite tables without SQLAlchemy), ``sqlite_connection`` (every SQLite connection's settings),
``search`` (MLflow's filter syntax, parsed),
``sql_search`` (parsed searches as SELECTs), ``artifacts`` (artifact repositories: a local directory
or an fsspec URL, every path checked against its root).

Nothing here knows the fluent API, the REST protocol, the server or the UI.
"""
