"""Hostile and odd input through the server's REST endpoints (a real ``autolog server``), with hypothesis.

Every request is answered 200 with the value stored and read back identical through ``runs/get``
and ``metrics/get-history``, or 4xx with an MLflow error code and a message naming the field;
never a 5xx. A sentinel run created first is read back unchanged after every example.
"""

from __future__ import annotations

import math
import os
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "server"))
from server_support import api, start_server
from test_hostile_input import ANY_TEXT, NASTY  # noqa: F401  (also loads the hypothesis profiles)

JSON_SCALARS = st.one_of(
    ANY_TEXT,
    st.integers(min_value=-(2**70), max_value=2**70),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.lists(st.integers(), max_size=2),
)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    process = start_server("--backend-store-uri", str(tmp_path_factory.mktemp("rest") / "store"))
    try:
        status, body = api(process.url, "POST", "runs/create", {"experiment_id": "0", "run_name": "sentinel"})
        assert status == 200, body
        sentinel = body["run"]["info"]["run_id"]
        assert (
            api(
                process.url,
                "POST",
                "runs/log-batch",
                {
                    "run_id": sentinel,
                    "params": [{"key": "p", "value": "v"}],
                    "tags": [{"key": "t", "value": "<i>"}],
                    "metrics": [{"key": "m", "value": 0.5, "timestamp": 1, "step": s} for s in range(3)],
                },
            )[0]
            == 200
        )
        yield process.url, sentinel
    finally:
        process.stop()


def _intact(url: str, sentinel: str) -> None:
    status, body = api(url, "GET", "runs/get", {"run_id": sentinel})
    assert status == 200, body
    data = body["run"]["data"]
    assert {p["key"]: p["value"] for p in data["params"]} == {"p": "v"}
    assert {t["key"]: t["value"] for t in data["tags"]}["t"] == "<i>"
    status, body = api(url, "GET", "metrics/get-history", {"run_id": sentinel, "metric_key": "m"})
    assert status == 200 and [m["step"] for m in body["metrics"]] == [0, 1, 2]


def _new_run(url: str) -> str:
    status, body = api(url, "POST", "runs/create", {"experiment_id": "0"})
    assert status == 200, body
    return body["run"]["info"]["run_id"]


def _refused_or_ok(status: int, body, *fields: str) -> bool:
    """True when accepted; False when refused properly (4xx, an error code, a message naming a field)."""
    assert status < 500, f"server error {status}: {body}"
    if status == 200:
        return True
    assert isinstance(body, dict) and body.get("error_code"), body
    message = body.get("message", "")
    assert any(f and (f[:20] in message or repr(f)[1:21] in message) for f in fields), (fields, message)
    return False


def _run_data(url: str, run_id: str) -> dict:
    status, body = api(url, "GET", "runs/get", {"run_id": run_id})
    assert status == 200, body
    return body["run"]["data"]


@given(key=st.one_of(ANY_TEXT, JSON_SCALARS), value=st.one_of(ANY_TEXT, JSON_SCALARS))
def test_log_parameter_stores_identical_or_refuses_naming_the_field(server, key, value):
    url, sentinel = server
    run_id = _new_run(url)
    status, body = api(url, "POST", "runs/log-parameter", {"run_id": run_id, "key": key, "value": value})
    if _refused_or_ok(status, body, str(key), "key", "value", "param"):
        params = {p["key"]: p["value"] for p in _run_data(url, run_id).get("params", [])}
        assert params[key] == (value if isinstance(value, str) else params[key])
    _intact(url, sentinel)


@given(key=ANY_TEXT, value=st.one_of(ANY_TEXT, JSON_SCALARS))
def test_set_tag_stores_identical_or_refuses_naming_the_field(server, key, value):
    url, sentinel = server
    run_id = _new_run(url)
    status, body = api(url, "POST", "runs/set-tag", {"run_id": run_id, "key": key, "value": value})
    if _refused_or_ok(status, body, key, "key", "value", "tag"):
        tags = {t["key"]: t["value"] for t in _run_data(url, run_id).get("tags", [])}
        if isinstance(value, str):
            assert tags[key] == value
    _intact(url, sentinel)


@given(
    key=ANY_TEXT,
    value=st.one_of(
        st.floats(),
        st.integers(min_value=-(2**70), max_value=2**70),
        ANY_TEXT,
        st.sampled_from(["NaN", "Infinity", "-Infinity", None]),
    ),
    step=st.one_of(st.integers(min_value=-(2**70), max_value=2**70), st.none(), ANY_TEXT),
    timestamp=st.one_of(st.integers(min_value=-(2**70), max_value=2**70), ANY_TEXT),
)
def test_log_metric_stores_identical_or_refuses_naming_the_field(server, key, value, step, timestamp):
    url, sentinel = server
    if isinstance(value, float) and not math.isfinite(value):
        value = "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")  # JSON has no NaN
    run_id = _new_run(url)
    payload = {"run_id": run_id, "key": key, "value": value, "timestamp": timestamp}
    if step is not None:
        payload["step"] = step
    status, body = api(url, "POST", "runs/log-metric", payload)
    if _refused_or_ok(status, body, key, "key", "value", "timestamp", "step", "metric"):
        status, history = api(url, "GET", "metrics/get-history", {"run_id": run_id, "metric_key": key})
        assert status == 200, history
        (point,) = history["metrics"]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            assert float(point["value"]) == float(value)
        # An empty string is an absent field (as in a query string): the default step 0.
        assert int(point["step"]) == (int(step) if step not in (None, "") else 0)
    _intact(url, sentinel)


@given(name=ANY_TEXT)
def test_run_names_are_stored_identical_or_refused(server, name):
    url, sentinel = server
    status, body = api(url, "POST", "runs/create", {"experiment_id": "0", "run_name": name})
    if _refused_or_ok(status, body, name, "run_name", "name"):
        run_id = body["run"]["info"]["run_id"]
        status, got = api(url, "GET", "runs/get", {"run_id": run_id})
        assert status == 200
        assert got["run"]["info"]["run_name"] == name or (name == "" and got["run"]["info"]["run_name"])
    _intact(url, sentinel)


SEARCH_KEYS = st.sampled_from(["m", "loss", "a.b", "with space", "p", "t", "x" * 250])
SEARCH_VALUES = st.one_of(
    st.sampled_from(["'v'", "'<i>'", "'%'", "''"]), ANY_TEXT.map(lambda t: "'" + t.replace("'", "''") + "'")
)
NUMBERS = st.one_of(st.integers(-(2**70), 2**70).map(str), st.sampled_from(["0.5", "1e308", "-inf", "nan", "1e999"]))
CLAUSES = st.one_of(
    st.builds(
        lambda k, op, n: f"metrics.`{k}` {op} {n}", SEARCH_KEYS, st.sampled_from(["<", ">=", "=", "!="]), NUMBERS
    ),
    st.builds(
        lambda e, k, op, v: f"{e}.`{k}` {op} {v}",
        st.sampled_from(["params", "tags"]),
        SEARCH_KEYS,
        st.sampled_from(["=", "!=", "LIKE", "ILIKE"]),
        SEARCH_VALUES,
    ),
    st.builds(lambda e, k: f"{e}.`{k}` IS NOT NULL", st.sampled_from(["metrics", "params", "tags"]), SEARCH_KEYS),
    st.builds(
        lambda vs: "attributes.run_id IN (" + ", ".join(vs) + ")", st.lists(SEARCH_VALUES, min_size=1, max_size=30)
    ),
    st.builds(lambda v: f"datasets.name = {v}", SEARCH_VALUES),
    st.sampled_from(["attributes.status = 'RUNNING'", "attributes.start_time > 0", "tags.mlflow.runName LIKE '%'"]),
)
ORDERS = st.one_of(
    st.builds(
        lambda e, k, d: f"{e}.`{k}` {d}",
        st.sampled_from(["metrics", "params", "tags"]),
        SEARCH_KEYS,
        st.sampled_from(["", "ASC", "DESC"]),
    ),
    st.sampled_from(["attributes.start_time DESC", "attributes.run_name", "attributes.end_time ASC"]),
)


# lengths around the limits (50 clauses, 10 order keys) and past SQLite's 64 tables in one join
CLAUSE_COUNTS = st.sampled_from([0, 1, 10, 49, 50, 51, 64, 65, 150])
ORDER_COUNTS = st.sampled_from([0, 1, 9, 10, 11, 65, 150])


@given(
    clauses=CLAUSE_COUNTS.flatmap(lambda n: st.lists(CLAUSES, min_size=n, max_size=n)),
    orders=ORDER_COUNTS.flatmap(lambda n: st.lists(ORDERS, min_size=n, max_size=n)),
    long_in=st.integers(min_value=0, max_value=12_000),
)
def test_long_filters_and_order_lists_are_answered_or_refused_never_a_500(server, clauses, orders, long_in):
    """Filters of up to 150 clauses and order lists of up to 150 keys (past SQLite's 64-table joins)."""
    url, sentinel = server
    if long_in > 9_000:  # an IN list near and past the limit of values in one filter
        clauses = [*clauses, "attributes.run_id IN (" + ", ".join(["'x'"] * long_in) + ")"]
    condition = " and ".join(clauses)
    status, body = api(url, "POST", "runs/search", {"experiment_ids": ["0"], "filter": condition, "order_by": orders})
    if not _refused_or_ok(status, body, "filter", "order_by", "clause", "limit", "invalid"):
        assert body["error_code"] == "INVALID_PARAMETER_VALUE", body
    experiment_filter = " and ".join(c for c in clauses if c.startswith("tags."))
    experiment_orders = [o for o in orders if o.startswith(("tags.", "attributes.start"))]
    status, body = api(url, "POST", "experiments/search", {"filter": experiment_filter, "order_by": experiment_orders})
    if not _refused_or_ok(status, body, "filter", "order_by", "clause", "limit", "invalid"):
        assert body["error_code"] == "INVALID_PARAMETER_VALUE", body
    _intact(url, sentinel)
