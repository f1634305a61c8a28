"""The revisions (a package only so that they ship in the wheel; alembic loads them by path)."""
