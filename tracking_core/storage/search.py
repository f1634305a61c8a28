"""The search syntax of MLflow, parsed into clauses (no SQL here: ``sql_search`` turns them into queries).

Filter: clauses joined by ``AND`` (``OR`` is not supported), each ``<entity>.<key> <op> <value>``:

- entities ``metrics``/``metric``, ``params``/``param``/``parameters``, ``tags``/``tag``,
  ``attributes``/``attribute``/``attr``/``run``; a key with spaces or dots is quoted in backticks
  or double quotes (``metrics.`val loss```, ``params."a.b"``); a bare name is an attribute.
- metrics and numeric attributes (``start_time``/``created``, ``end_time``): ``= != < <= > >=``,
  ``IN (1, 2)`` / ``NOT IN``, with numbers;
- params, tags and text attributes (``run_id``, ``run_name``, ``status``, ``artifact_uri``,
  ``experiment_id``): ``= !=``, ``LIKE``/``ILIKE`` (``%`` and ``_`` wildcards; ``LIKE`` is
  case-sensitive), ``IN ('a', 'b')`` / ``NOT IN``, with quoted strings;
- ``IS NULL`` / ``IS NOT NULL``: the run lacks / has the key.
- dataset inputs (``datasets``/``dataset``): ``datasets.name``, ``datasets.digest``,
  ``datasets.context`` with the text comparisons; the clauses on datasets of one filter hold for
  one and the same input of the run (``datasets.name = 'X' AND datasets.context = 'eval'``).

A run lacking the key never matches a comparison. ``tags.mlflow.runName`` is the run name.
Order: ``"<entity>.<key> [ASC|DESC]"``; runs lacking the value (or with NaN) come last either way.

Limits (each clause and order key may become a join, and SQLite joins at most 64 tables; it also
bounds LIKE patterns to 50,000 bytes): at most ``MAX_FILTER_CLAUSES`` clauses, ``MAX_ORDER_BY_KEYS``
order keys, ``MAX_FILTER_VALUES`` values in the IN lists of a filter, ``MAX_FILTER_VALUE_LENGTH``
characters in a value.
Every error is an ``InvalidFilterError`` quoting the filter and naming the bad token.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from ..errors import InvalidFilterError

FilterError = InvalidFilterError  # the name this module used before

Value = str | float | tuple | None

ENTITY_ALIASES = {
    "metric": "metrics",
    "metrics": "metrics",
    "param": "params",
    "params": "params",
    "parameter": "params",
    "parameters": "params",
    "tag": "tags",
    "tags": "tags",
    "attribute": "attributes",
    "attributes": "attributes",
    "attr": "attributes",
    "run": "attributes",
    "dataset": "datasets",
    "datasets": "datasets",
}
RUN_STRING_ATTRIBUTES = ("run_id", "run_name", "status", "artifact_uri", "experiment_id")
RUN_NUMBER_ATTRIBUTES = ("start_time", "end_time")
RUN_ATTRIBUTE_ALIASES = {
    "created": "start_time",
    "Created": "start_time",
    "run name": "run_name",
    "runName": "run_name",
    "experimentId": "experiment_id",
}
EXPERIMENT_STRING_ATTRIBUTES = ("name", "experiment_id", "lifecycle_stage")
EXPERIMENT_NUMBER_ATTRIBUTES = ("creation_time", "last_update_time")

DATASET_KEYS = ("name", "digest", "context")

MAX_FILTER_CLAUSES = 50
MAX_ORDER_BY_KEYS = 10
MAX_FILTER_VALUES = 10_000
MAX_FILTER_VALUE_LENGTH = 10_000

NUMBER_OPS = ("=", "!=", "<", "<=", ">", ">=", "IN", "NOT IN", "IS NULL", "IS NOT NULL")
STRING_OPS = ("=", "!=", "LIKE", "ILIKE", "IN", "NOT IN", "IS NULL", "IS NOT NULL")


class Clause(NamedTuple):
    entity: str  # metrics | params | tags | attributes
    key: str
    op: str  # one of NUMBER_OPS / STRING_OPS, upper case
    value: Value  # float for numbers, str, a tuple for IN lists, None for IS [NOT] NULL


class OrderBy(NamedTuple):
    entity: str
    key: str
    ascending: bool


class Attributes(NamedTuple):
    strings: tuple[str, ...]
    numbers: tuple[str, ...]
    aliases: dict


RUN_ATTRIBUTES = Attributes(RUN_STRING_ATTRIBUTES, RUN_NUMBER_ATTRIBUTES, RUN_ATTRIBUTE_ALIASES)
EXPERIMENT_ATTRIBUTES = Attributes(EXPERIMENT_STRING_ATTRIBUTES, EXPERIMENT_NUMBER_ATTRIBUTES, {})

_SPACE = re.compile(r"\s*")
_WORD = re.compile(r"[A-Za-z_][\w]*")
_BARE_KEY = re.compile(r"[\w\-/@:+]+(?:\.[\w\-/@:+]+)*")
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?![\w.])|[-+]?(?i:inf|infinity|nan)(?!\w)")
_OPERATOR = re.compile(r"!=|<>|>=|<=|=|>|<|(?i:not\s+in|in|like|ilike|is\s+not\s+null|is\s+null)(?!\w)")
_QUOTED = {
    "'": re.compile(r"'((?:[^'\\]|\\.|'')*)'"),
    '"': re.compile(r'"((?:[^"\\]|\\.)*)"'),
    "`": re.compile(r"`([^`]*)`"),
}


class _Reader:
    """A cursor over the text being parsed; every error quotes the text and what is at the cursor."""

    def __init__(self, text: str, what: str):
        self.text, self.what, self.pos = text, what, 0

    def skip_space(self) -> None:
        self.pos = _SPACE.match(self.text, self.pos).end()  # type: ignore[union-attr]  # \s* always matches

    def at_end(self) -> bool:
        self.skip_space()
        return self.pos >= len(self.text)

    def match(self, pattern: re.Pattern) -> re.Match | None:
        self.skip_space()
        found = pattern.match(self.text, self.pos)
        if found:
            self.pos = found.end()
        return found

    def peek_char(self) -> str:
        self.skip_space()
        return self.text[self.pos : self.pos + 1]

    def fail(self, expected: str) -> InvalidFilterError:
        self.skip_space()
        rest = self.text[self.pos :]
        found = f"found {rest[:30]!r}" if rest else "found the end"
        return InvalidFilterError(
            f"invalid {self.what} {self.text!r}: expected {expected} at position {self.pos}, {found}"
        )


def _unquote(reader: _Reader, expected: str) -> str | None:
    quote = reader.peek_char()
    pattern = _QUOTED.get(quote)
    if pattern is None:
        return None
    found = pattern.match(reader.text, reader.pos)
    if found is None:
        raise reader.fail(f"{expected} with a closing {quote}")
    reader.pos = found.end()
    body = found.group(1)
    if quote == "'":
        body = body.replace("''", "'")
    return re.sub(r"\\(.)", r"\1", body) if quote != "`" else body


def _identifier(reader: _Reader, attributes: Attributes) -> tuple[str, str]:
    """``entity.key`` (or a bare attribute name) -> (entity, key), validated."""
    reader.skip_space()
    start = reader.pos
    word = reader.match(_WORD)
    if word is None:
        raise reader.fail("an identifier such as metrics.acc, params.lr, tags.team or attributes.status")
    entity = ENTITY_ALIASES.get(word.group(0).lower()) if reader.text[reader.pos : reader.pos + 1] == "." else None
    if entity is None:
        # a bare name, e.g. ``status`` or ``name``: an attribute; words glued with dots are one bare key
        reader.pos = start
        bare = reader.match(_BARE_KEY)
        return "attributes", _attribute(reader, attributes, bare.group(0), start)  # type: ignore[union-attr]
    reader.pos += 1  # the dot
    key = _unquote(reader, "a key") if reader.text[reader.pos : reader.pos + 1] in ("`", '"') else None
    if key is None:
        bare = _BARE_KEY.match(reader.text, reader.pos)
        if bare is None:
            raise reader.fail(f"a key after {word.group(0)!r}.")
        reader.pos = bare.end()
        key = bare.group(0)
    if not key:
        raise reader.fail(f"a non-empty key after {word.group(0)!r}.")
    if entity == "attributes":
        return entity, _attribute(reader, attributes, key, start)
    if entity == "datasets" and key not in DATASET_KEYS:
        reader.pos = start
        raise reader.fail(f"datasets.{' / datasets.'.join(DATASET_KEYS)} (not datasets.{key})")
    if entity == "tags" and key == "mlflow.runName" and "run_name" in attributes.strings:
        return "attributes", "run_name"
    return entity, key


def _attribute(reader: _Reader, attributes: Attributes, name: str, start: int) -> str:
    name = attributes.aliases.get(name, name)
    if name not in attributes.strings and name not in attributes.numbers:
        known = ", ".join(attributes.strings + attributes.numbers)
        reader.pos = start
        raise reader.fail(f"a known attribute ({known}), or an entity prefix metrics./params./tags.")
    return name


def _number(reader: _Reader, context: str) -> float:
    found = reader.match(_NUMBER)
    if found is None:
        raise reader.fail(f"a number ({context} compares numbers)")
    return float(found.group(0))


def _string(reader: _Reader, context: str) -> str:
    start = reader.pos
    value = _unquote(reader, "a string")
    if value is None or reader.text[reader.pos - 1 : reader.pos] == "`":
        raise reader.fail(f"a quoted string such as 'abc' ({context} compares text)")
    if len(value) > MAX_FILTER_VALUE_LENGTH:
        raise InvalidFilterError(
            f"invalid filter: the value compared with {context} at position {start} is {len(value)} characters "
            f"long; the limit is {MAX_FILTER_VALUE_LENGTH}"
        )
    return value


def _clause(reader: _Reader, attributes: Attributes) -> Clause:
    entity, key = _identifier(reader, attributes)
    numeric = entity == "metrics" or (entity == "attributes" and key in attributes.numbers)
    context = f"{entity}.{key}" if entity != "attributes" else f"attribute {key}"
    op_match = reader.match(_OPERATOR)
    if op_match is None:
        raise reader.fail(f"a comparison after {context} (" + ", ".join(NUMBER_OPS if numeric else STRING_OPS) + ")")
    op = " ".join(op_match.group(0).upper().split())
    op = "!=" if op == "<>" else op
    allowed = NUMBER_OPS if numeric else STRING_OPS
    if op not in allowed:
        reader.pos = op_match.start()
        raise reader.fail(f"one of {', '.join(allowed)} for {context} (not {op})")
    if op in ("IS NULL", "IS NOT NULL"):
        return Clause(entity, key, op, None)
    read = _number if numeric else _string
    if op in ("IN", "NOT IN"):
        if reader.peek_char() != "(":
            raise reader.fail(f"a parenthesized list after {op}, e.g. ('a', 'b')")
        reader.pos += 1
        values = [read(reader, context)]
        while reader.peek_char() == ",":
            reader.pos += 1
            values.append(read(reader, context))
        if reader.peek_char() != ")":
            raise reader.fail(f"',' or ')' in the list after {op}")
        reader.pos += 1
        return Clause(entity, key, op, tuple(values))
    return Clause(entity, key, op, read(reader, context))


_AND = re.compile(r"(?i:and)(?!\w)")
_OR = re.compile(r"(?i:or)(?!\w)")


def parse_filter(filter_string: str | None, attributes: Attributes = RUN_ATTRIBUTES) -> list[Clause]:
    """The clauses of a filter (an empty list for None or blank)."""
    if filter_string is None or not filter_string.strip():
        return []
    if not isinstance(filter_string, str):
        raise InvalidFilterError(f"a filter must be a string, got {filter_string!r}")
    reader = _Reader(filter_string, "filter")
    clauses = [_clause(reader, attributes)]
    while not reader.at_end():
        if reader.match(_AND) is None:
            if _OR.match(reader.text, reader.pos):
                raise reader.fail("AND (OR is not supported: search twice, or use IN)")
            raise reader.fail("AND between clauses, or the end of the filter")
        if len(clauses) == MAX_FILTER_CLAUSES:
            raise InvalidFilterError(
                f"invalid filter: it has more than {MAX_FILTER_CLAUSES} clauses; a filter can have at most "
                f"{MAX_FILTER_CLAUSES} clauses joined by AND"
            )
        clauses.append(_clause(reader, attributes))
    values = sum(len(clause.value) for clause in clauses if isinstance(clause.value, tuple))
    if values > MAX_FILTER_VALUES:
        raise InvalidFilterError(
            f"invalid filter: its IN lists hold {values} values; the limit is {MAX_FILTER_VALUES} in one filter"
        )
    return clauses


_DIRECTION = re.compile(r"(?i:asc|desc)(?!\w)")


def parse_order_by(
    order_by: list[str] | tuple[str, ...] | None, attributes: Attributes = RUN_ATTRIBUTES
) -> list[OrderBy]:
    """``["metrics.rmse DESC", "attributes.start_time"]`` -> OrderBy clauses (ascending by default)."""
    if order_by is None:
        return []
    if isinstance(order_by, str):
        order_by = [order_by]
    if len(order_by) > MAX_ORDER_BY_KEYS:
        raise InvalidFilterError(
            f"invalid order_by: {len(order_by)} keys given; order_by can have at most {MAX_ORDER_BY_KEYS} keys"
        )
    parsed = []
    for spec in order_by:
        if not isinstance(spec, str):
            raise InvalidFilterError(f"an order_by clause must be a string, got {spec!r}")
        reader = _Reader(spec, "order_by clause")
        entity, key = _identifier(reader, attributes)
        direction = reader.match(_DIRECTION)
        if not reader.at_end():
            raise reader.fail("ASC, DESC or the end of the clause")
        parsed.append(OrderBy(entity, key, direction is None or direction.group(0).upper() == "ASC"))
    return parsed
