"""The fast path of ``metrics/get-history`` (issue 20, item 10) keeps MLflow's wire format and every value.

The server writes history pages through orjson, the client reads them through orjson when it is
installed and builds the ``Metric`` objects in bulk; each has a slower path (no orjson, or what the
fast path refuses). Both paths must give the same JSON values, bit for bit: floats round-trip,
NaN and the infinities are MLflow's strings ``"NaN"``/``"Infinity"``/``"-Infinity"``, int64 steps
and timestamps stay exact, pages continue across points that share a step and timestamp, and
MLflow's own client reads it all unchanged. (Timings are in bench/history.py, not here.)
"""

from __future__ import annotations

import json
import math
import random
import struct
import subprocess

import pytest
from mlflow_reference import mlflow_python_or_skip
from server_support import api, server_env

from tracking_core import TrackingClient
from tracking_core.rest import http as http_module
from tracking_core.rest import rest_store
from tracking_core.server import protocol

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
SPECIAL = [math.nan, math.inf, -math.inf, 0.0, -0.0, 5e-324, -5e-324, 2.2250738585072014e-308, 1.7976931348623157e308]
SPECIAL += [-1.7976931348623157e308, 0.1, 1e16, 1e-7, 123456789.0, 2.0**53 + 2, 1 / 3]


def _bits(value: float) -> bytes:
    return struct.pack("<d", value)


def _random_doubles(count: int, seed: int = 20) -> list[float]:
    """Finite doubles from random bit patterns: every exponent, subnormals, both signs."""
    rng = random.Random(seed)
    out: list[float] = []
    while len(out) < count:
        value = struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0]
        if math.isfinite(value):
            out.append(value)
    return out


def _store_rows(values: list[float]) -> list[tuple]:
    """As the store gives them: ``None`` for NaN (SQLite stores NaN as NULL)."""
    steps = [0, 1, INT64_MAX, INT64_MIN, -1, 2**53 + 1]
    return [
        (None if v != v else v, [INT64_MAX, INT64_MIN, 0, 1_700_000_000_000][i % 4], steps[i % len(steps)])
        for i, v in enumerate(values)
    ]


def _expected(key: str, rows: list[tuple]) -> list[dict]:
    out = []
    for value, timestamp, step in rows:
        if value is None:
            shown: object = "NaN"
        elif math.isinf(value):
            shown = "Infinity" if value > 0 else "-Infinity"
        else:
            shown = value
        out.append({"key": key, "value": shown, "timestamp": timestamp, "step": step})
    return out


def _same(a: object, b: object) -> bool:
    """Equal JSON values with floats compared bit for bit (-0.0 is not 0.0) and types kept."""
    if isinstance(a, float) or isinstance(b, float):
        return type(a) is type(b) and _bits(a) == _bits(b)  # type: ignore[arg-type]
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


@pytest.mark.parametrize("fast", [True, False], ids=["orjson", "without-orjson"])
@pytest.mark.parametrize("key", ["loss", 'rate: "top-5" acc/val \u00e9\u2603 \\ \n end'])
@pytest.mark.parametrize("token", [None, "eyJ0b2tlbiI6IDF9"])
def test_history_page_json_is_mlflows_shape_with_every_value_exact(monkeypatch, fast, key, token):
    if not fast:
        monkeypatch.setattr(protocol, "orjson", None)
    elif protocol.orjson is None:
        pytest.skip("orjson is not installed (it comes with autolog[server])")
    rows = _store_rows(SPECIAL + _random_doubles(3000))
    body = protocol.metrics_page_json(key, rows, token)
    assert isinstance(body, protocol.RawJson)
    data = json.loads(body)
    assert list(data) == (["metrics", "next_page_token"] if token else ["metrics"])
    assert data.get("next_page_token") == token
    assert all(list(m) == ["key", "value", "timestamp", "step"] for m in data["metrics"])
    assert _same(data["metrics"], _expected(key, rows))
    assert b"NaN" in body and b'"Infinity"' in body and b'"-Infinity"' in body and b"null" not in body


def test_history_page_json_without_special_values_and_beyond_int64(monkeypatch):
    """A page with no NaN or infinity takes orjson's output as it is; an int orjson refuses (beyond
    64 bits: not from our store, which keeps int64) is written by the slower path, not lost."""
    rows = [(v, 1, i) for i, v in enumerate(_random_doubles(100, seed=3))]
    assert _same(json.loads(protocol.metrics_page_json("m", rows, None))["metrics"], _expected("m", rows))
    huge = [(0.5, 2**64 + 1, 0), (None, 1, -(2**70))]
    assert _same(json.loads(protocol.metrics_page_json("m", huge, None))["metrics"], _expected("m", huge))
    assert protocol.metrics_page_json("m", [], None) == b'{"metrics":[]}'


def test_history_pages_are_the_same_json_with_and_without_orjson(monkeypatch):
    rows = _store_rows(SPECIAL * 3 + _random_doubles(500, seed=9))
    fast = json.loads(protocol.metrics_page_json("k", rows, "t"))
    monkeypatch.setattr(protocol, "orjson", None)
    assert _same(fast, json.loads(protocol.metrics_page_json("k", rows, "t")))


@pytest.mark.parametrize("fast", [True, False], ids=["orjson", "json"])
def test_client_reads_pages_as_the_slow_path_does(monkeypatch, fast):
    """``loads`` + ``_metrics_from_json`` give exactly what ``json.loads`` + ``_metric_from_json``
    give, for our pages and for the other shapes MLflow's JSON allows (int64 as strings, an int
    value, a missing step, NaN as a bare literal that only ``json`` reads)."""
    monkeypatch.setattr(http_module, "_FAST_LOADS", None if fast else False)
    rows = _store_rows(SPECIAL + _random_doubles(2000, seed=5))
    bodies = [bytes(protocol.metrics_page_json("loss", rows, None))]
    odd = [
        {"key": "m", "value": 2, "timestamp": "1700000000000", "step": "9223372036854775807"},
        {"key": "m", "value": "-Infinity", "timestamp": 3},
        {"key": "m", "value": "NaN", "timestamp": None, "step": ""},
        {"key": "m", "value": 0.25, "timestamp": 4, "step": True},
        {"key": "m", "timestamp": 5, "step": 6},
    ]
    bodies.append(json.dumps({"metrics": odd}).encode())
    bodies.append(b'{"metrics": [{"key": "m", "value": NaN, "timestamp": 1, "step": 2}]}')
    bodies.append(b'{"metrics": []}')
    for body in bodies:
        expected = [rest_store._metric_from_json(item) for item in json.loads(body)["metrics"]]
        got = rest_store._metrics_from_json(http_module.loads(body)["metrics"])
        assert len(got) == len(expected)
        for mine, theirs in zip(got, expected, strict=True):
            assert type(mine) is rest_store.Metric and mine.key == theirs.key
            assert type(mine.value) is float and _bits(mine.value) == _bits(theirs.value)
            assert (type(mine.timestamp), type(mine.step)) == (int, int)
            assert (mine.timestamp, mine.step) == (theirs.timestamp, theirs.step)


def test_loads_falls_back_to_json_for_what_orjson_refuses(monkeypatch):
    monkeypatch.setattr(http_module, "_FAST_LOADS", None)
    value = http_module.loads(b'{"a": NaN, "b": -Infinity}')
    assert math.isnan(value["a"]) and value["b"] == -math.inf
    assert http_module.loads(b'{"s": "\\ud800"}') == {"s": "\ud800"}
    with pytest.raises(ValueError):
        http_module.loads(b"{not json")


def _log(server, run_id: str, key: str, points: list[tuple[object, int, int]]) -> None:
    for first in range(0, len(points), 1000):
        metrics = [{"key": key, "value": v, "timestamp": t, "step": s} for v, t, s in points[first : first + 1000]]
        status, body = api(server.url, "POST", "runs/log-batch", {"run_id": run_id, "metrics": metrics})
        assert status == 200, body


def _wire(value: float) -> object:
    if value != value:
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


@pytest.fixture(scope="module")
def logged(server):
    """One run: ``exact`` (special and random doubles, int64 extremes for steps and timestamps)
    and ``ties`` (points sharing a step and timestamp, so pages end inside a run of equal keys)."""
    status, body = api(server.url, "POST", "experiments/create", {"name": "history fast path"})
    assert status == 200, body
    status, body = api(server.url, "POST", "runs/create", {"experiment_id": body["experiment_id"]})
    run_id = body["run"]["info"]["run_id"]
    # -0.0 is left out here: SQLite keeps it as 0.0 (as under MLflow's server); the pages above have it
    values = [v for v in SPECIAL if _bits(v) != _bits(-0.0)] + _random_doubles(2500, seed=11)
    stamps = [INT64_MAX, 0, 1_700_000_000_000, 2**53 + 1]  # the server takes timestamps >= 0
    exact = [(v, stamps[i % 4], [i, INT64_MAX - i, INT64_MIN + i][i % 3]) for i, v in enumerate(values)]
    _log(server, run_id, "exact", [(_wire(v), t, s) for v, t, s in exact])
    ties = [(float(i), 7 if i % 3 else 8, i // 10) for i in range(95)]
    _log(server, run_id, "ties", ties)
    return run_id, exact, ties


def _sorted(points):
    return sorted(points, key=lambda p: (p[2], p[1]))  # stable: logging order among equal keys


@pytest.mark.parametrize("page", [25_000, 7], ids=["one-page", "pages-of-7"])
def test_tracking_client_reads_every_point_exactly_through_the_server(server, logged, monkeypatch, page):
    run_id, exact, ties = logged
    monkeypatch.setattr(rest_store, "HISTORY_PAGE", page)
    client = TrackingClient(server.url)
    for key, points in (("exact", exact), ("ties", ties)):
        history = client.get_metric_history(run_id, key)
        assert [(m.timestamp, m.step) for m in history] == [(t, s) for _v, t, s in _sorted(points)], key
        assert [_bits(m.value) for m in history] == [
            _bits(math.nan if v != v else v) for v, _t, _s in _sorted(points)
        ], key
        assert all(m.key == key and type(m.value) is float for m in history)


def test_server_answers_mlflows_strings_for_nan_and_infinities(server, logged):
    run_id, exact, _ties = logged
    status, body = api(server.url, "GET", "metrics/get-history", {"run_id": run_id, "metric_key": "exact"})
    assert status == 200
    assert _same(
        [m["value"] for m in body["metrics"]], [_wire(v) for v, _t, _s in _sorted(exact)]
    )  # NaN/inf as strings, finite values exact


MLFLOW_READ = r"""
import json, struct, sys
from mlflow.tracking import MlflowClient
client = MlflowClient(tracking_uri=sys.argv[1])
out = {}
for key in ("exact", "ties"):
    history = sorted(client.get_metric_history(sys.argv[2], key), key=lambda m: (m.step, m.timestamp))
    out[key] = [[struct.pack("<d", m.value).hex(), m.timestamp, m.step, m.key] for m in history]
print(json.dumps(out))
"""


def test_mlflows_client_reads_the_history_unchanged(server, logged, tmp_path):
    python = mlflow_python_or_skip()
    run_id, exact, ties = logged
    env = server_env()
    env.pop("PYTHONPATH", None)
    out = subprocess.run(
        [python, "-c", MLFLOW_READ, server.url, run_id],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env=env,
    )
    assert out.returncode == 0, out.stderr[-4000:]
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    for key, points in (("exact", exact), ("ties", ties)):
        expected = [[_bits(v).hex(), t, s, key] for v, t, s in _sorted(points)]
        assert [p[1:] for p in seen[key]] == [p[1:] for p in expected], key
        assert [_canonical(p[0]) for p in seen[key]] == [_canonical(p[0]) for p in expected], key


def _canonical(bits: str) -> str | None:
    """The bits of a double, NaN as None (any NaN payload is MLflow's NaN)."""
    value = struct.unpack("<d", bytes.fromhex(bits))[0]
    return None if value != value else bits


def test_token_at_end_reads_only_the_answers_own_last_member():
    assert rest_store._token_at_end(b'{"metrics":[],"next_page_token":"eyJhIjoxfQ=="}') == "eyJhIjoxfQ=="
    assert rest_store._token_at_end(b'{\n  "metrics": [],\n  "next_page_token": "a\\"b"\n}\n') == 'a"b'
    for body in (
        b'{"metrics":[]}',
        b'{"metrics":[{"key":"next_page_token","value":1.0}]}',
        b'{"metrics":[{"key":"m","x":{"next_page_token":"no"}}]}',
        b'{"next_page_token":"first","metrics":[]}',
        b'{"metrics":[],"next_page_token":""}',
        b'{"metrics":[],"next_page_token":"cut',
    ):
        assert rest_store._token_at_end(body) is None, body


def test_pages_are_asked_for_ahead_and_read_exactly(server, logged, monkeypatch):
    """Each next page is sent for while the last one is decoded; a failed read-ahead falls back to
    the plain (retried) request and still returns every point once."""
    run_id, exact, _ties = logged
    monkeypatch.setattr(rest_store, "HISTORY_PAGE", 100)
    store = rest_store.RestStore(server.url)
    calls = {"ahead": 0, "plain": 0}
    send_get, request = store.http.send_get, store.http.request

    def counting_send_get(*args, **kwargs):
        calls["ahead"] += 1
        return send_get(*args, **kwargs)

    def counting_request(*args, **kwargs):
        calls["plain"] += 1
        return request(*args, **kwargs)

    monkeypatch.setattr(store.http, "send_get", counting_send_get)
    monkeypatch.setattr(store.http, "request", counting_request)
    expected = [(_bits(math.nan if v != v else v), t, s) for v, t, s in _sorted(exact)]
    history = store.get_metric_history(run_id, "exact")
    assert [(_bits(m.value), m.timestamp, m.step) for m in history] == expected
    pages = -(-len(exact) // 100)
    assert calls == {"ahead": pages - 1, "plain": 1}

    # every other read-ahead lost (as when the connection drops): the plain request takes over
    read_answer, lost = store.http.read_answer, [0]

    def flaky_read_answer(sent):
        lost[0] += 1
        if lost[0] % 2:
            store.http.abandon(sent)
            return None
        return read_answer(sent)

    monkeypatch.setattr(store.http, "read_answer", flaky_read_answer)
    history = store.get_metric_history(run_id, "exact")
    assert [(_bits(m.value), m.timestamp, m.step) for m in history] == expected


MLFLOW_LOGGED = [(0.5, 10, 3), (math.nan, 11, 1), (math.inf, 12, 0), (-math.inf, 13, 2), (1 / 3, 9, 4)]
MLFLOW_LOGGED += [(v, 20 + i, 5 + i) for i, v in enumerate(_random_doubles(40, seed=2))]


def test_our_client_reads_a_paged_history_from_mlflows_server(tmp_path, monkeypatch):
    """MLflow's server pages with its own tokens and pretty-printed JSON: read ahead or not, every
    point comes back exactly, in step order."""
    python = mlflow_python_or_skip()
    from mlflow_reference import start_mlflow_server, stop_mlflow_server

    process, url = start_mlflow_server(python, tmp_path)
    try:
        status, body = api(url, "POST", "experiments/create", {"name": "history"})
        assert status == 200, body
        status, body = api(url, "POST", "runs/create", {"experiment_id": body["experiment_id"]})
        run_id = body["run"]["info"]["run_id"]
        _log(type("S", (), {"url": url}), run_id, "m", [(_wire(v), t, s) for v, t, s in MLFLOW_LOGGED])
        monkeypatch.setattr(rest_store, "HISTORY_PAGE", 7)
        store = rest_store.RestStore(url)
        sent: list[dict] = []
        send_get = store.http.send_get
        monkeypatch.setattr(store.http, "send_get", lambda path, query: sent.append(query) or send_get(path, query))
        history = store.get_metric_history(run_id, "m")
    finally:
        stop_mlflow_server(process)
    assert len(sent) == -(-len(MLFLOW_LOGGED) // 7) - 1  # its tokens were read off the pages' ends
    expected = sorted(MLFLOW_LOGGED, key=lambda p: p[2])
    assert [(m.step, m.timestamp) for m in history] == [(s, t) for _v, t, s in expected]
    # MLflow's SQL store keeps an infinity as the largest finite double of its sign
    kept = [math.copysign(1.7976931348623157e308, v) if math.isinf(v) else v for v, _t, _s in expected]
    assert [_bits(m.value) for m in history] == [_bits(math.nan if v != v else v) for v in kept]
