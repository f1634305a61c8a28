"""``search_runs`` filters and ordering, applied to runs read from the store.

Filter grammar (a subset of MLflow's): clauses joined by ``and``, each
``<metrics|params|tags|attributes>.<key> <op> <value>`` with ``=  !=  <  <=  >  >=`` (numbers
for metrics, quoted strings otherwise) and ``LIKE`` for strings. Order: ``"<entity>.<key> [ASC|DESC]"``.
"""
from __future__ import annotations

import fnmatch
import operator
import re
from typing import Any, Callable, Iterable

from .entities import Run

_CLAUSE = re.compile(
    r"""^\s*(?P<entity>metrics|metric|params|param|tags|tag|attributes|attribute|attr)\.
        (?P<key>`[^`]+`|"[^"]+"|[\w.\-/@:]+)\s*
        (?P<op>!=|>=|<=|=|>|<|(?i:like))\s*
        (?P<value>'[^']*'|"[^"]*"|[-+0-9.eE]+|(?i:nan|inf|-inf))\s*$""",
    re.VERBOSE,
)
_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}
_ENTITY = {"metric": "metrics", "param": "params", "tag": "tags", "attribute": "attributes", "attr": "attributes"}


class FilterError(ValueError):
    pass


def _entity_value(run: Run, entity: str, key: str) -> Any:
    if entity == "metrics":
        return run.data.metrics.get(key)
    if entity == "params":
        return run.data.params.get(key)
    if entity == "tags":
        return run.data.tags.get(key)
    if key in ("run_id", "run_name", "status", "experiment_id", "start_time", "end_time", "artifact_uri"):
        return getattr(run.info, key)
    raise FilterError(f"unknown run attribute {key!r}")


def _split_and(text: str) -> list[str]:
    return [c for c in re.split(r"\s+(?i:and)\s+", text.strip()) if c]


def parse_filter(filter_string: str | None) -> Callable[[Run], bool]:
    if not filter_string or not filter_string.strip():
        return lambda run: True
    predicates = []
    for clause in _split_and(filter_string):
        match = _CLAUSE.match(clause)
        if not match:
            raise FilterError(f"cannot parse filter clause {clause!r}: expected e.g. metrics.acc > 0.9")
        entity = _ENTITY.get(match["entity"], match["entity"])
        key = match["key"].strip('`"')
        op = match["op"].lower()
        raw = match["value"]
        quoted = raw[:1] in ("'", '"')
        value: Any = raw[1:-1] if quoted else float(raw)
        if entity == "metrics" and quoted:
            raise FilterError(f"metric comparison in {clause!r} needs a number, not a string")
        if entity in ("params", "tags") and not quoted:
            raise FilterError(f"{entity} comparison in {clause!r} needs a quoted string")
        predicates.append(_predicate(entity, key, op, value))
    return lambda run: all(p(run) for p in predicates)


def _predicate(entity: str, key: str, op: str, value: Any) -> Callable[[Run], bool]:
    def check(run: Run) -> bool:
        actual = _entity_value(run, entity, key)
        if actual is None:
            return False
        if op == "like":
            pattern = str(value).replace("%", "*").replace("_", "?")
            return fnmatch.fnmatchcase(str(actual), pattern)
        if isinstance(value, float) and not isinstance(actual, (int, float)):
            try:
                actual = float(actual)
            except ValueError:
                return False
        try:
            return _OPS[op](actual, value)
        except TypeError:
            return False

    return check


def sort_runs(runs: Iterable[Run], order_by: list[str] | None) -> list[Run]:
    result = list(runs)
    for spec in reversed(order_by or []):
        parts = spec.strip().rsplit(None, 1)
        descending = len(parts) == 2 and parts[1].upper() == "DESC"
        field = parts[0] if len(parts) == 2 and parts[1].upper() in ("ASC", "DESC") else spec.strip()
        entity, _, key = field.partition(".")
        entity = _ENTITY.get(entity, entity)
        if entity not in ("metrics", "params", "tags", "attributes") or not key:
            raise FilterError(f"cannot order by {spec!r}: expected e.g. 'metrics.acc DESC'")
        present = [r for r in result if _entity_value(r, entity, key) is not None]
        missing = [r for r in result if _entity_value(r, entity, key) is None]
        present.sort(key=lambda r: _entity_value(r, entity, key), reverse=descending)
        result = present + missing
    return result
