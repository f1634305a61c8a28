"""Searches pushed down to SQL: parsed filters and orders (``search``) become SELECTs.

Each filter clause on a metric, param or tag is an inner join on that (run, key) row with the
condition on its value (a run lacking the key never matches), so a query can start from the
index of whichever clause is most selective: ``latest_metrics (key, value)`` for metric ranges,
params and tags by value. Order keys after the first are outer joins whose missing values sort
last; the first, if a metric, param or tag, splits the search in two phases (``RunSearch``). Runs
are finally ordered newest first and by id, so the order is total and offset page tokens return
every run exactly once. Experiment searches are small and use SQLAlchemy expressions.
"""

from __future__ import annotations

import base64
import json
import math
from typing import Any, NamedTuple

import sqlalchemy as sa

from ..entities import DATASET_CONTEXT_TAG, LifecycleStage
from ..errors import InvalidFilterError, InvalidPageTokenError
from .schema import experiment_tags, experiments
from .search import EXPERIMENT_ATTRIBUTES, Clause, OrderBy, parse_filter, parse_order_by

MAX_RESULTS_LIMIT = 50_000  # as MLflow's search_runs
VIEW_TYPES: dict = {
    "ACTIVE_ONLY": "ACTIVE_ONLY",
    "DELETED_ONLY": "DELETED_ONLY",
    "ALL": "ALL",
    1: "ACTIVE_ONLY",
    2: "DELETED_ONLY",
    3: "ALL",
    None: "ACTIVE_ONLY",
}


def view_type(value) -> str:
    key = value.upper() if isinstance(value, str) else value
    if key not in VIEW_TYPES:
        raise ValueError(f"invalid view type {value!r}: expected ACTIVE_ONLY, DELETED_ONLY or ALL")
    return VIEW_TYPES[key]


def check_max_results(max_results: int) -> int:
    if not isinstance(max_results, int) or isinstance(max_results, bool) or max_results < 1:
        raise ValueError(f"max_results must be a positive integer, got {max_results!r}")
    if max_results > MAX_RESULTS_LIMIT:
        raise ValueError(f"max_results {max_results} is more than the limit of {MAX_RESULTS_LIMIT}")
    return max_results


# -- page tokens ------------------------------------------------------------------------------------
def encode_page_token(phase: str, offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"phase": phase, "offset": offset}).encode()).decode()


def decode_page_token(token: str | None, two_phases: bool = False) -> tuple[str, int]:
    """(phase, offset): phase "A"/"B" for two-phase searches (see ``RunSearch``), "" otherwise."""
    if token is None or token == "":
        return ("A" if two_phases else ""), 0
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        phase, offset = data["phase"], data["offset"]
        if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
            raise ValueError
        if phase not in (("A", "B") if two_phases else ("",)):
            raise ValueError
        return phase, offset
    except Exception:
        raise InvalidPageTokenError(
            f"invalid page token {str(token)[:60]!r}: pass the next_page_token of the "
            "previous page of the same search unchanged"
        ) from None


# -- run searches ------------------------------------------------------------------------------------
# Plain SQL text: the join order is part of the plan on SQLite (below), which SQLAlchemy's
# constructs cannot express (``CROSS JOIN ... ON`` fixes the outer loop in SQLite).
_TABLES = {"metrics": "latest_metrics", "params": "params", "tags": "tags"}
_RUN_COLUMNS = "r.run_id, r.experiment_id, r.run_name, r.status, r.start_time, r.end_time, r.artifact_uri, r.deleted"
_NULLABLE_ATTRIBUTES = ("end_time",)
COUNT_CAP = 25_000  # SQLite: filter matches counted up to this many to choose the plan


class _Sql:
    """Bound parameters for a statement being written (named, so SQLAlchemy adapts the paramstyle)."""

    def __init__(self, dialect: str):
        self.dialect = dialect
        self.params: dict = {}

    def bind(self, value) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f":{name}"

    def compare(self, column: str, op: str, value, integer: bool = False) -> str:
        if op in ("LIKE", "ILIKE") and integer:
            column, value = f"CAST({column} AS TEXT)", str(value)
        if op in ("IN", "NOT IN"):
            if not value:
                return "1 = 0" if op == "IN" else "1 = 1"
            return f"{column} {op} (" + ", ".join(self.bind(v) for v in value) + ")"
        if op == "ILIKE":
            if self.dialect == "postgresql":
                return f"{column} ILIKE {self.bind(value)}"
            return f"lower({column}) LIKE lower({self.bind(value)})"
        return f"{column} {op} {self.bind(value)}"


class _ValueFilter(NamedTuple):
    alias: str
    table: str
    key_sql: str  # "f0.key = :p3"
    condition: str  # "f0.value < :p4"
    clause: Clause


class RunSearch:
    """One search: filter and order parsed, the SQL for its phases, pages and counts.

    Ordered by a metric/param/tag first, the search has two phases: runs that have that value
    (ordered by it), then runs that lack it (or whose metric is NaN); a page token records the phase
    and the offset in it. Otherwise it has one phase. On SQLite the query starts (``CROSS JOIN``)
    from the cheapest of: the order key's index, read in order until the page is full (cost about
    the rows needed divided by the fraction of runs the filter passes), or the filter clause with
    the fewest matching rows (counted up to ``COUNT_CAP``), whose runs are then sorted. PostgreSQL
    plans the same SQL itself.
    """

    def __init__(self, dialect: str, experiment_ids, filter_string: str | None, order_by, run_view: str):
        self.dialect = dialect
        self.sql = _Sql(dialect)
        self.clauses = parse_filter(filter_string)
        self.orders = parse_order_by(order_by)
        self.run_conditions: list[str] = []
        self.value_filters: list[_ValueFilter] = []
        self._experiments(experiment_ids)
        if run_view == "ACTIVE_ONLY":
            self.run_conditions.append(f"r.deleted = {self.sql.bind(False)}")
        elif run_view == "DELETED_ONLY":
            self.run_conditions.append(f"r.deleted = {self.sql.bind(True)}")
        for clause in self.clauses:
            if clause.entity != "datasets":
                self._filter(clause)
        self._datasets([c for c in self.clauses if c.entity == "datasets"])
        for order in self.orders:
            if order.entity == "datasets":
                raise InvalidFilterError(
                    f"invalid order_by {order_by!r}: runs cannot be ordered by datasets.{order.key}"
                )
        self.first = self.orders[0] if self.orders and self.orders[0].entity != "attributes" else None
        self.order_joins: list[str] = []
        self.order_terms: list[str] = []
        self._counts: dict[str, int] = {}
        for index, order in enumerate(self.orders):
            if order is self.first:
                continue
            self._order(index, order)
        seen = {(o.entity, o.key) for o in self.orders}
        if ("attributes", "start_time") not in seen:
            self.order_terms.append("r.start_time DESC")
        if ("attributes", "run_id") not in seen:
            self.order_terms.append("r.run_id ASC")
        if self.first is not None:
            self.first_key = self.sql.bind(self.first.key)
            self.first_table = _TABLES[self.first.entity]

    # -- building blocks ----------------------------------------------------------------------------
    def _experiments(self, experiment_ids) -> None:
        if experiment_ids is None:
            self.experiment_ids = None
            self.run_conditions.append(
                "r.experiment_id IN (SELECT experiment_id FROM experiments WHERE lifecycle_stage = "
                f"{self.sql.bind(LifecycleStage.ACTIVE)})"
            )
            return
        ids = []
        for experiment_id in experiment_ids:
            try:
                ids.append(int(experiment_id))
            except (TypeError, ValueError):
                continue  # not an id this store made: no runs
        self.experiment_ids = ids
        self.run_conditions.append(self.sql.compare("r.experiment_id", "IN", ids))

    def _datasets(self, clauses: list[Clause]) -> None:
        """Clauses on dataset inputs: one input of the run must satisfy them all (run ids from the
        ``datasets`` name/digest indexes, or ``input_tags (key, value)`` for a context)."""
        if not clauses:
            return
        sql = self.sql
        conditions: list[str] = []
        context_join = ""
        for clause in clauses:
            if clause.key == "context":
                context_join = (
                    "LEFT JOIN input_tags it ON it.run_id = ri.run_id AND it.dataset_id = ri.dataset_id "
                    f"AND it.key = {sql.bind(DATASET_CONTEXT_TAG)}"
                )
                column = "it.value"
            else:
                column = f"ds.{clause.key}"
            if clause.op in ("IS NULL", "IS NOT NULL"):
                if clause.key != "context" and clause.op == "IS NULL":  # lacks a dataset: has no inputs
                    self.run_conditions.append("r.run_id NOT IN (SELECT run_id FROM run_inputs)")
                    continue
                conditions.append(f"{column} {clause.op}")
            else:
                conditions.append(sql.compare(column, clause.op, clause.value))
        if not conditions:
            return
        self.run_conditions.append(
            "r.run_id IN (SELECT ri.run_id FROM run_inputs ri JOIN datasets ds ON ds.dataset_id = ri.dataset_id "
            f"{context_join} WHERE {' AND '.join(conditions)})"
        )

    def _filter(self, clause: Clause) -> None:
        sql = self.sql
        if clause.entity == "attributes":
            column = f"r.{clause.key}"
            if clause.op in ("IS NULL", "IS NOT NULL"):
                self.run_conditions.append(f"{column} {clause.op}")
            else:
                self.run_conditions.append(
                    sql.compare(
                        column,
                        clause.op,
                        _attribute_value(clause.key, clause.value, clause.op),
                        integer=clause.key == "experiment_id",
                    )
                )
            return
        table = _TABLES[clause.entity]
        if clause.op in ("IS NULL", "IS NOT NULL"):
            exists = f"EXISTS (SELECT 1 FROM {table} x WHERE x.run_id = r.run_id AND x.key = {sql.bind(clause.key)})"
            self.run_conditions.append(exists if clause.op == "IS NOT NULL" else f"NOT {exists}")
            return
        value = _numbers(clause.op, clause.value) if clause.entity == "metrics" else clause.value
        alias = f"f{len(self.value_filters)}"
        if clause.entity == "metrics" and isinstance(value, float) and math.isnan(value):
            condition = "1 = 0"  # NaN equals nothing, and is stored as NULL
        else:
            condition = sql.compare(f"{alias}.value", clause.op, value)
        self.value_filters.append(
            _ValueFilter(alias, table, f"{alias}.key = {sql.bind(clause.key)}", condition, clause)
        )

    def _order(self, index: int, order: OrderBy) -> None:
        direction = "ASC" if order.ascending else "DESC"
        if order.entity == "attributes":
            column = f"r.{order.key}"
            if order.key in _NULLABLE_ATTRIBUTES:
                self.order_terms.append(f"({column} IS NULL)")
        else:
            alias = f"o{index}"
            self.order_joins.append(
                f"LEFT JOIN {_TABLES[order.entity]} {alias} ON {alias}.run_id = r.run_id "
                f"AND {alias}.key = {self.sql.bind(order.key)}"
            )
            column = f"{alias}.value"
            self.order_terms.append(f"({column} IS NULL)")
        self.order_terms.append(f"{column} {direction}")

    # -- plans ----------------------------------------------------------------------------------------
    def _from(self, driver: str | None, with_first: bool) -> tuple[str, list[str]]:
        """FROM clause starting at ``driver`` (an alias, "o" for the first order key, "r" or None for
        runs), and the driver's own conditions for the WHERE clause.

        Starting from a value table (SQLite), the other filters are probed next, most selective
        first (their (key, value, run_id) indexes answer without reading the table), and the run row
        is read last: only for rows that passed every filter.
        """
        sqlite_plan = self.dialect == "sqlite" and driver not in (None, "r")
        join = "CROSS JOIN" if self.dialect == "sqlite" and driver is not None else "JOIN"
        where: list[str] = []
        parts: list[str] = []
        others = [f for f in self.value_filters if f.alias != driver]
        if driver == "o":
            parts.append(f"{self.first_table} o")
            where += [f"o.key = {self.first_key}", "o.value IS NOT NULL"]
        elif sqlite_plan:
            chosen = next(f for f in self.value_filters if f.alias == driver)
            parts.append(f"{chosen.table} {chosen.alias}")
            where += [chosen.key_sql, chosen.condition]
        else:
            parts.append("runs r")
        run_id = f"{driver}.run_id" if sqlite_plan else "r.run_id"
        if sqlite_plan:
            others.sort(key=lambda f: self._counts.get(f.alias, 0))
        for f in others:
            parts.append(f"{join} {f.table} {f.alias} ON {f.alias}.run_id = {run_id} AND {f.key_sql} AND {f.condition}")
        if sqlite_plan:
            parts.append(f"{join} runs r ON r.run_id = {run_id}")
        if with_first and driver != "o":
            parts.append(
                f"{join} {self.first_table} o ON o.run_id = r.run_id AND o.key = {self.first_key} "
                "AND o.value IS NOT NULL"
            )
        return " ".join(parts + self.order_joins), where

    def _select(self, conn, phase: str, limit: int, offset: int) -> list:
        driver = self._choose_driver(conn, phase, limit + offset) if self.dialect == "sqlite" else None
        from_sql, where = self._from(driver, with_first=phase == "A")
        where = where + self.run_conditions
        terms = list(self.order_terms)
        if phase == "A":
            assert self.first is not None  # phase A exists only with an order key
            terms.insert(0, f"o.value {'ASC' if self.first.ascending else 'DESC'}")
        elif phase == "B":
            where.append(
                f"NOT EXISTS (SELECT 1 FROM {self.first_table} x WHERE x.run_id = r.run_id "
                f"AND x.key = {self.first_key} AND x.value IS NOT NULL)"
            )
        sql = (
            f"SELECT {_RUN_COLUMNS} FROM {from_sql} WHERE {' AND '.join(where)} "
            f"ORDER BY {', '.join(terms)} LIMIT {int(limit)} OFFSET {int(offset)}"
        )
        return conn.execute(sa.text(sql), self.sql.params).all()

    def _choose_driver(self, conn, phase: str, needed: int) -> str | None:
        """The alias to start from: "o" (the first order key's index, in order), "r" (runs in start
        time order), a filter's alias, or None (let SQLite choose)."""
        counts = self._counts = {f.alias: self._count_matches(conn, f) for f in self.value_filters}
        best = min(counts, key=lambda alias: counts[alias]) if counts else None
        # Reading an index in order pays when values rarely tie: metric values and start times do,
        # a param's few values do not (each tie group would be read whole to sort by the next key).
        in_order = None
        if phase == "A" and self.first is not None and self.first.entity == "metrics":
            in_order = "o"
        elif (
            phase == ""
            and self.experiment_ids is not None
            and len(self.experiment_ids) == 1
            and (not self.orders or (self.orders[0].entity, self.orders[0].key) == ("attributes", "start_time"))
        ):
            in_order = "r"
        if best is None or in_order is None:
            return in_order if best is None else best
        total = max(conn.execute(sa.text("SELECT max(rowid) FROM runs")).scalar() or 1, 1)
        passing = 1.0
        for count in counts.values():
            passing *= min(count, total) / total
        order_cost = needed / passing if passing > 0 else math.inf
        return in_order if order_cost < counts[best] else best

    def _count_matches(self, conn, value_filter: _ValueFilter) -> int:
        alias = value_filter.alias
        sql = (
            f"SELECT count(*) FROM (SELECT 1 FROM {value_filter.table} {alias} WHERE {value_filter.key_sql} "
            f"AND {value_filter.condition} LIMIT {COUNT_CAP})"
        )
        return conn.execute(sa.text(sql), self.sql.params).scalar()

    # -- public ---------------------------------------------------------------------------------------
    def page(self, conn, max_results: int, page_token: str | None) -> tuple[list, str | None]:
        """Rows of one page (max_results of them) and the next page token (None at the end)."""
        phase, offset = decode_page_token(page_token, two_phases=self.first is not None)
        rows = self._select(conn, phase, max_results + 1, offset)
        if phase == "A" and len(rows) <= max_results:
            # the runs with the first order value are done: continue with the runs lacking it
            more = self._select(conn, "B", max_results + 1 - len(rows), 0)
            taken = max_results - len(rows)
            rows += more
            if len(rows) > max_results:
                return rows[:max_results], encode_page_token("B", taken)
            return rows, None
        if len(rows) > max_results:
            return rows[:max_results], encode_page_token(phase, offset + max_results)
        return rows, None

    def count(self, conn) -> int:
        driver = None
        if self.dialect == "sqlite" and self.value_filters:
            driver = self._choose_driver(conn, "count", 0)
        from_sql, where = self._from(driver, with_first=False)
        where = where + self.run_conditions
        return conn.execute(
            sa.text(f"SELECT count(*) FROM {from_sql} WHERE {' AND '.join(where)}"), self.sql.params
        ).scalar()


def _numbers(op: str, value):
    """Metric comparisons: NaN matches nothing (it is stored as NULL)."""
    if isinstance(value, tuple):
        return tuple(v for v in value if not math.isnan(v))
    return value


def _attribute_value(key: str, value, op: str = "="):
    if key == "experiment_id" and op not in ("LIKE", "ILIKE"):  # stored as an integer

        def as_id(v):
            try:
                return int(v)
            except ValueError:
                return -1  # matches no experiment

        return tuple(as_id(v) for v in value) if isinstance(value, tuple) else as_id(value)
    if key in ("start_time", "end_time", "creation_time", "last_update_time"):
        return tuple(int(v) for v in value) if isinstance(value, tuple) else value
    return value


def _compare(column, op: str, value):
    """The same comparisons as ``_Sql.compare``, as SQLAlchemy expressions (experiment searches)."""
    if op in ("LIKE", "ILIKE") and isinstance(column.type, sa.Integer):
        column = sa.cast(column, sa.String)
        value = str(value)
    if op == "=":
        return column == value
    if op == "!=":
        return column != value
    if op == "<":
        return column < value
    if op == "<=":
        return column <= value
    if op == ">":
        return column > value
    if op == ">=":
        return column >= value
    if op == "LIKE":
        return column.like(value)
    if op == "ILIKE":
        return column.ilike(value)
    if op == "IN":
        return column.in_(list(value))
    if op == "NOT IN":
        return column.not_in(list(value))
    raise InvalidFilterError(f"unsupported comparison {op}")  # the parser never lets this through


# -- experiments --------------------------------------------------------------------------------------
def search_experiments_query(view: str, filter_string: str | None, order_by) -> sa.Select:
    clauses = parse_filter(filter_string, EXPERIMENT_ATTRIBUTES)
    orders = parse_order_by(order_by, EXPERIMENT_ATTRIBUTES)
    query = sa.select(experiments)
    if view == "ACTIVE_ONLY":
        query = query.where(experiments.c.lifecycle_stage == LifecycleStage.ACTIVE)
    elif view == "DELETED_ONLY":
        query = query.where(experiments.c.lifecycle_stage == LifecycleStage.DELETED)
    for clause in clauses:
        if clause.entity == "attributes":
            column = experiments.c[clause.key]
            value = _attribute_value(clause.key, clause.value, clause.op)
            if clause.op in ("IS NULL", "IS NOT NULL"):
                query = query.where(column.is_(None) if clause.op == "IS NULL" else column.is_not(None))
            else:
                query = query.where(_compare(column, clause.op, value))
        elif clause.entity == "tags":
            present = sa.select(experiment_tags.c.experiment_id).where(experiment_tags.c.key == clause.key)
            if clause.op in ("IS NULL", "IS NOT NULL"):
                condition = experiments.c.experiment_id.in_(present)
                query = query.where(condition if clause.op == "IS NOT NULL" else ~condition)
            else:
                query = query.where(
                    experiments.c.experiment_id.in_(
                        present.where(_compare(experiment_tags.c.value, clause.op, clause.value))
                    )
                )
        else:
            raise InvalidFilterError(
                f"invalid experiment filter {filter_string!r}: experiments have no "
                f"{clause.entity} (use name, creation_time, last_update_time or tags.<key>)"
            )
    terms: list[Any] = []
    for index, order in enumerate(orders):
        if order.entity == "attributes":
            column = experiments.c[order.key]
        elif order.entity == "tags":
            alias = experiment_tags.alias(f"o{index}")
            query = query.outerjoin(
                alias, sa.and_(alias.c.experiment_id == experiments.c.experiment_id, alias.c.key == order.key)
            )
            column = alias.c.value
        else:
            raise InvalidFilterError(f"invalid experiment order_by {order_by!r}: experiments have no {order.entity}")
        if order.entity == "tags" or column.nullable:
            terms.append(column.is_(None))
        terms.append(column.asc() if order.ascending else column.desc())
    if not orders:  # newest first; ids grow, so experiments created in the same millisecond too
        terms += [experiments.c.creation_time.desc(), experiments.c.experiment_id.desc()]
    else:
        terms.append(experiments.c.experiment_id.asc())
    return query.order_by(*terms)
