"""Store migrations: alembic, used as a library, with the revisions shipped in this package.

Nothing here is imported when a store opens at the current schema version (``tracking_core.storage.schema``
reads the version with one SELECT); alembic is imported only to upgrade. Revisions live in
``versions/``, one file each, named ``NNNN_what.py`` with ``revision = "NNNN_what"`` (at most 32
characters: alembic's version column). A new revision: copy the newest file, set ``revision``
and ``down_revision``, write ``upgrade()`` with ``alembic.op`` (no import of ``tracking_core.storage.schema``:
a revision is a frozen snapshot), then update ``schema.py`` (tables) and ``schema_ddl.py``
(``KNOWN_VERSIONS``, and ``SQLITE_DDL``: ``tests/test_store_direct.py`` prints it) to the result.
``tests/test_migrations.py`` checks that a fresh store and a migrated one have the same schema, on
SQLite and PostgreSQL.
"""

from __future__ import annotations

import os

from sqlalchemy.engine import Connection

LEGACY_REVISION = "0001_initial"  # stores written before versioning have this schema, unstamped


def _config(connection: Connection):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", os.path.dirname(os.path.abspath(__file__)))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    config = _config(None)  # type: ignore[arg-type]
    head = ScriptDirectory.from_config(config).get_current_head()
    if head is None:
        raise RuntimeError("autolog ships no store migrations (its migrations folder is empty)")
    return head


def upgrade(connection: Connection, stamp_legacy: bool = False, target: str = "head") -> None:
    """Upgrade the database of ``connection`` to ``target`` (the newest revision), inside its open transaction.

    ``stamp_legacy``: the database has the tables of ``0001_initial`` but no version yet.
    """
    from alembic import command

    config = _config(connection)
    if stamp_legacy:
        command.stamp(config, LEGACY_REVISION)
    command.upgrade(config, target)
