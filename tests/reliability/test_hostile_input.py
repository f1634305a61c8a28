"""Hostile and odd input through the public logging API, checked with hypothesis.

Whatever the key, value, step, timestamp or name (any unicode, lone surrogates, NaN/inf, huge
numbers and strings, deep JSON, text that looks like SQL, a path or HTML): it is either stored and
read back identical, or refused at the call with an error naming the field. Between examples the
store stays intact: a sentinel run logged first is read back unchanged and SQLite's integrity
check passes. ``HYPOTHESIS_PROFILE=soak`` runs many more examples (``make soak``).
"""

from __future__ import annotations

import json
import math
import os
import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tracking_core

# CI's profile is derandomized, so a run of `make test` is reproducible; `make soak` explores at random.
settings.register_profile(
    "default",
    max_examples=20,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile(
    "soak",
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

NASTY = [
    "'; DROP TABLE runs; --",
    '" OR 1=1 --',
    "../../etc/passwd",
    "..",
    "/abs/path",
    "C:\\Windows\\system32",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "%s%s%n",
    "{0}{1}",
    "${HOME}",
    "\u202eevil",
    "a\x00b",
    "\ud800",
    "null",
    "NaN",
    "😀" * 100,
    " ",
    "tags.x = 'y'",
    "params.`a b`",
]
ANY_TEXT = st.one_of(
    st.text(st.characters(exclude_categories=()), max_size=60),
    st.sampled_from(NASTY),
    st.text(max_size=10).map(lambda s: s * 1000),
)
NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.booleans(),
    st.sampled_from(["1.5", "nan", "x", None, 10**400]),
)
INTEGERS = st.one_of(st.integers(min_value=-(2**70), max_value=2**70), st.sampled_from([None, 1.5, "3", "x"]))


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """A store with a sentinel run; the fluent API points at it for the module."""
    root = tmp_path_factory.mktemp("hostile") / "store"
    previous = tracking_core.client.fluent._tracking_uri
    tracking_core.set_tracking_uri(str(root))
    with tracking_core.start_run(run_name="sentinel") as run:
        tracking_core.log_params({"p": "v"})
        tracking_core.set_tag("t", "<b>x</b>")
        for step in range(5):
            tracking_core.log_metric("m", step * 0.5, step=step)
    client = tracking_core.TrackingClient(str(root))
    sentinel = client.get_run(run.info.run_id)
    yield client, sentinel, str(root / "autolog.db")
    tracking_core.client.fluent._tracking_uri = previous


def _intact(store) -> None:
    client, sentinel, database = store
    again = client.get_run(sentinel.info.run_id)
    assert again.data.params == sentinel.data.params and again.data.metrics == sentinel.data.metrics
    assert again.data.tags["t"] == "<b>x</b>" and again.info.run_name == "sentinel"
    assert [m.value for m in client.get_metric_history(sentinel.info.run_id, "m")] == [0.0, 0.5, 1.0, 1.5, 2.0]
    with sqlite3.connect(database) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def _refusal_names(exc: BaseException, *fields: object) -> None:
    message = str(exc)
    assert any(repr(f)[:40].strip("'\"")[:20] in message or str(f)[:20] in message for f in fields), (
        f"{type(exc).__name__}: {message!r} names none of {fields!r}"
    )


def _logged(store, action, *fields):
    """Run ``action`` in a fresh run: True when it was accepted, False when refused (naming a field)."""
    with tracking_core.start_run() as run:
        try:
            action()
        except (ValueError, TypeError, LookupError, OSError) as exc:  # OSError: the filesystem's refusal
            _refusal_names(exc, *fields)
            return run, False
    return run, True


@given(key=ANY_TEXT, value=st.one_of(ANY_TEXT, NUMBERS))
def test_params_are_stored_identical_or_refused_naming_the_key(store, key, value):
    run, accepted = _logged(store, lambda: tracking_core.log_param(key, value), key, "param")
    if accepted:
        assert store[0].get_run(run.info.run_id).data.params[key] == (value if isinstance(value, str) else str(value))
    _intact(store)


@given(tags=st.dictionaries(ANY_TEXT, ANY_TEXT, max_size=4))
def test_tags_are_stored_identical_or_refused_naming_the_key(store, tags):
    run, accepted = _logged(store, lambda: tracking_core.set_tags(tags), *tags, "tag")
    if accepted:
        stored = store[0].get_run(run.info.run_id).data.tags
        assert {k: stored[k] for k in tags} == tags
    _intact(store)


@given(key=ANY_TEXT, value=NUMBERS, step=INTEGERS, timestamp=INTEGERS)
def test_metrics_are_stored_identical_or_refused_naming_the_metric(store, key, value, step, timestamp):
    run, accepted = _logged(
        store, lambda: tracking_core.log_metric(key, value, step=step, timestamp=timestamp), key, "metric"
    )
    if accepted:
        (point,) = store[0].get_metric_history(run.info.run_id, key)
        expected = float(value)
        assert point.value == expected or (math.isnan(point.value) and math.isnan(expected))
        assert point.step == (0 if step is None else int(step))
        if timestamp is not None:
            assert point.timestamp == int(timestamp)
    _intact(store)


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | ANY_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ANY_TEXT, inner, max_size=4),
    max_leaves=30,
)


@given(obj=JSON, name=st.one_of(st.sampled_from(["d.json", "sub/d.json", "a b.json"]), ANY_TEXT))
def test_log_dict_round_trips_json_or_refuses_naming_the_file(store, obj, name):
    run, accepted = _logged(store, lambda: tracking_core.log_dict(obj, name), name, "artifact")
    if accepted:
        path = store[0].download_artifacts(run.info.run_id, name)
        with open(path, encoding="utf-8") as fh:
            assert json.load(fh) == json.loads(json.dumps(obj, default=str))
    _intact(store)


def test_log_dict_refuses_json_too_deep_to_encode_naming_the_file(store):
    deep: list = []
    for _ in range(100_000):
        deep = [deep]
    _run, accepted = _logged(store, lambda: tracking_core.log_dict(deep, "deep.json"), "deep.json")
    assert not accepted
    _intact(store)


@given(text=ANY_TEXT, name=st.one_of(st.sampled_from(["t.txt", "x/y/z.txt"]), ANY_TEXT))
def test_log_text_round_trips_or_refuses_naming_the_file(store, text, name):
    run, accepted = _logged(store, lambda: tracking_core.log_text(text, name), name, "artifact")
    if accepted:
        path = store[0].download_artifacts(run.info.run_id, name)
        with open(path, encoding="utf-8", newline="") as fh:
            assert fh.read() == text
    _intact(store)


@given(name=ANY_TEXT)
def test_run_names_are_stored_identical_or_refused_naming_the_run_name(store, name):
    try:
        run = tracking_core.start_run(run_name=name)
    except (ValueError, TypeError) as exc:
        _refusal_names(exc, name, "run 'name'")
        return
    tracking_core.end_run()
    stored = store[0].get_run(run.info.run_id).info.run_name
    assert stored == name or (name == "" and stored)  # an empty name asks for a generated one, as in MLflow
    _intact(store)
