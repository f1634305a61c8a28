"""Small SQL helpers of the registry and logged model stores: WHERE clauses of parsed filters (tags
as EXISTS), ORDER BY clauses from MLflow's ``order_by`` strings, an upsert that works on SQLite and
PostgreSQL, and chunks for IN lists."""

from __future__ import annotations

import sqlalchemy as sa

from ..errors import InvalidFilterError
from .search import Attributes, parse_order_by
from .sql_search import _compare

IN_CHUNK = 500


def order_clauses(order_by, attributes: Attributes, columns: dict, default: list, tail: list | None = None) -> list:
    parsed = parse_order_by(order_by, attributes) if order_by else []
    seen = set()
    clauses = []
    for item in parsed:
        if item.entity != "attributes":
            raise InvalidFilterError(f"invalid order_by: {item.entity}.{item.key} cannot order this search")
        if item.key in seen:
            raise InvalidFilterError(f"`order_by` contains duplicate fields: {order_by}")
        seen.add(item.key)
        clauses.append(columns[item.key].asc() if item.ascending else columns[item.key].desc())
    for key, ascending in default if not parsed else (tail or default):
        if key not in seen:
            seen.add(key)
            clauses.append(columns[key].asc() if ascending else columns[key].desc())
    return clauses


def upsert(conn, table: sa.Table, keys: dict, values: dict) -> None:
    """Insert or update one row by its primary key (both dialects)."""
    where = [table.c[k] == v for k, v in keys.items()]
    result = conn.execute(table.update().where(*where).values(**values))
    if result.rowcount == 0:
        conn.execute(table.insert().values(**keys, **values))


def chunks(items: list, size: int = IN_CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def filter_clause_sql(clause, name_column, tag_table, tag_keys, columns=None, tag_entity="tags"):
    """A filter clause as SQL: an attribute comparison or an EXISTS over the tag table."""
    if clause.entity == tag_entity and tag_table is not None:
        keys = [tag_table.c[k] == name_column.table.c[k] for k in tag_keys]
        if clause.op in ("IS NULL", "IS NOT NULL"):
            found = sa.exists().where(*keys, tag_table.c.key == clause.key)
            return ~found if clause.op == "IS NULL" else found
        if clause.op == "!=":  # as MLflow's registry: a model without the tag matches too
            return ~sa.exists().where(*keys, tag_table.c.key == clause.key, tag_table.c.value == clause.value)
        return sa.exists().where(
            *keys, tag_table.c.key == clause.key, _compare(tag_table.c.value, clause.op, clause.value)
        )
    if clause.entity != "attributes":
        raise InvalidFilterError(f"invalid filter: {clause.entity}.{clause.key} cannot be searched here")
    column = (columns or {"name": name_column})[clause.key]
    value = clause.value
    if isinstance(column.type, sa.Integer):
        value = (
            tuple(int(v) for v in value) if isinstance(value, tuple) else (int(value) if value is not None else None)
        )
    if clause.op == "IS NULL":
        return column.is_(None)
    if clause.op == "IS NOT NULL":
        return column.is_not(None)
    return _compare(column, clause.op, value)
