"""Run searches pushed down to SQL, on real SQLite and a real PostgreSQL server (``postgres_support``).

Every operator on every entity kind, ordering by attributes, params, metrics and tags (missing
values last, as MLflow), paging that returns every run exactly once, and clear errors for bad
filters, orders and page tokens. A larger random store checks every plan the SQLite search can
choose against a plain Python reading of the same rules.
"""

from __future__ import annotations

import math
import random

import pytest

from tracking_core.batch import NewRun, WriteBatch
from tracking_core.errors import InvalidFilterError, InvalidPageTokenError
from tracking_core.storage import sql_search
from tracking_core.storage.sql_store import SqlStore

from postgres_support import PostgresServer, postgres_server  # noqa: F401 (fixture)

NAN = math.nan
# name: (start_time, status, params, metrics, tags)
RUNS = {
    "r0": (
        1000,
        "FINISHED",
        {"model": "svm", "lr": "0.1"},
        {"acc": 0.7, "loss": 0.5},
        {"stage": "dev", "team": "Vision"},
    ),
    "r1": (
        2000,
        "FINISHED",
        {"model": "tree", "lr": "0.01"},
        {"acc": 0.9, "loss": 0.2},
        {"stage": "prod", "team": "nlp"},
    ),
    "r2": (3000, "FAILED", {"model": "tree", "lr": "0.1"}, {"acc": 0.8, "loss": NAN}, {"stage": "dev"}),
    "r3": (4000, "FINISHED", {"model": "forest"}, {"acc": 0.8}, {"team": "vision", "note": "cats and dogs"}),
    "r4": (5000, "KILLED", {}, {"loss": 0.9}, {"stage": "prod"}),
    "r5": (6000, "RUNNING", {"model": "svm", "lr": "0.001"}, {"acc": 0.95, "loss": -1.5}, {"stage": "it's"}),
}
NEWEST_FIRST = ["r5", "r4", "r3", "r2", "r1", "r0"]


def _write_runs(store: SqlStore, experiment_id: str, runs: dict, run_ids: dict[str, str]) -> None:
    batch = WriteBatch()
    for name, (start, status, params, metrics, tags) in runs.items():
        run_id = run_ids[name]
        batch.new_runs.append(NewRun(run_id, experiment_id, name, start, f"/tmp/a/{run_id}"))
        batch.params.update({(run_id, k): v for k, v in params.items()})
        batch.tags.update({(run_id, k): v for k, v in tags.items()})
        batch.metrics += [(run_id, k, v, start, 0) for k, v in metrics.items()]
        if status != "RUNNING":
            batch.run_ends[run_id] = (status, start + 500)
    store.write(batch)


def _new_store(request, tmp_path_factory) -> SqlStore:
    if request.param == "sqlite":
        return SqlStore(f"sqlite:///{tmp_path_factory.mktemp('search') / 'search.db'}")
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return SqlStore(server.create_database())


class Searcher:
    def __init__(self, store: SqlStore):
        self.store = store
        self.experiment_id = store.create_experiment("search", artifact_root="/tmp/a")
        self.other_experiment = store.create_experiment("other", artifact_root="/tmp/a")
        self.ids = {name: f"{index:02d}" + "ab" * 15 for index, name in enumerate(RUNS)}
        self.names = {run_id: name for name, run_id in self.ids.items()}
        _write_runs(store, self.experiment_id, RUNS, self.ids)
        self.ids["elsewhere"] = "ff" * 16
        _write_runs(
            store,
            self.other_experiment,
            {"elsewhere": (9000, "FINISHED", {"model": "svm"}, {"acc": 1.0}, {})},
            self.ids,
        )
        self.names[self.ids["elsewhere"]] = "elsewhere"

    def __call__(self, filter_string=None, order_by=None, max_results=1000, experiments=None, view="ACTIVE_ONLY"):
        runs, token = self.store.search_runs_page(
            [self.experiment_id] if experiments is None else experiments,
            filter_string,
            order_by,
            max_results,
            None,
            view,
        )
        assert token is None
        return [self.names[r.info.run_id] for r in runs]


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def search(request, tmp_path_factory):
    """The six runs, shared by the tests that only read."""
    searcher = Searcher(_new_store(request, tmp_path_factory))
    yield searcher
    searcher.store.engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def fresh_search(request, tmp_path_factory):
    """The six runs in a store of the test's own (it deletes and restores)."""
    searcher = Searcher(_new_store(request, tmp_path_factory))
    yield searcher
    searcher.store.engine.dispose()


@pytest.mark.parametrize(
    "filter_string, expected",
    [
        # metrics: numbers; a run lacking the metric (or with NaN) never matches
        ("metrics.acc = 0.8", ["r3", "r2"]),
        ("metrics.acc != 0.8", ["r5", "r1", "r0"]),
        ("metrics.acc < 0.8", ["r0"]),
        ("metrics.acc <= 0.8", ["r3", "r2", "r0"]),
        ("metrics.acc > 0.8", ["r5", "r1"]),
        ("metrics.acc >= 0.9", ["r5", "r1"]),
        ("metrics.loss < 0", ["r5"]),
        ("metrics.loss >= -1e9", ["r5", "r4", "r1", "r0"]),  # r2's NaN matches nothing
        ("metrics.acc IN (0.7, 0.95)", ["r5", "r0"]),
        ("metrics.acc NOT IN (0.7, 0.95)", ["r3", "r2", "r1"]),
        ("metrics.acc IS NULL", ["r4"]),
        ("metrics.loss IS NOT NULL", ["r5", "r4", "r2", "r1", "r0"]),
        ("metrics.`acc` > 0.85", ["r5", "r1"]),
        # params: text
        ("params.model = 'tree'", ["r2", "r1"]),
        ("params.model != 'tree'", ["r5", "r3", "r0"]),
        ("params.model LIKE 's%'", ["r5", "r0"]),
        ("params.model LIKE 'S%'", []),
        ("params.model ILIKE 'S_M'", ["r5", "r0"]),
        ("params.lr IN ('0.1', '0.001')", ["r5", "r2", "r0"]),
        ("params.lr NOT IN ('0.1')", ["r5", "r1"]),
        ("params.lr IS NULL", ["r4", "r3"]),
        ('param."model" = "forest"', ["r3"]),
        # tags
        ("tags.stage = 'dev'", ["r2", "r0"]),
        ("tags.stage != 'dev'", ["r5", "r4", "r1"]),
        ("tags.team LIKE 'v%'", ["r3"]),
        ("tags.team ILIKE 'v%'", ["r3", "r0"]),
        ("tags.stage IN ('prod', 'it''s')", ["r5", "r4", "r1"]),
        ("tags.stage NOT IN ('prod')", ["r5", "r2", "r0"]),
        ("tags.team IS NOT NULL", ["r3", "r1", "r0"]),
        ("tags.note = 'cats and dogs'", ["r3"]),
        ('tags.stage = "it\'s"', ["r5"]),
        # attributes
        ("attributes.status = 'FINISHED'", ["r3", "r1", "r0"]),
        ("attributes.status IN ('FAILED', 'KILLED')", ["r4", "r2"]),
        ("status != 'FINISHED'", ["r5", "r4", "r2"]),
        ("attributes.run_name LIKE 'r%' and attributes.run_name NOT IN ('r0', 'r1')", ["r5", "r4", "r3", "r2"]),
        ("tags.mlflow.runName = 'r3'", ["r3"]),
        ("attributes.start_time >= 4000", ["r5", "r4", "r3"]),
        ("attributes.created < 2000", ["r0"]),
        ("attributes.end_time IS NULL", ["r5"]),
        ("attributes.end_time > 2500", ["r4", "r3", "r2"]),
        # several clauses, every kind at once
        ("metrics.acc > 0.5 and params.model = 'tree' and tags.stage = 'dev' and attributes.status = 'FAILED'", ["r2"]),
        ("params.model = 'svm' AND metrics.acc < 0.9", ["r0"]),
        ("", NEWEST_FIRST),
    ],
)
def test_each_operator_on_each_entity(search, filter_string, expected):
    assert search(filter_string) == expected


def test_run_id_and_experiment_id_attributes(search):
    ids = search.ids
    assert search(f"attributes.run_id IN ('{ids['r1']}', '{ids['r4']}')") == ["r4", "r1"]
    assert search(f"attributes.run_id = '{ids['r0']}'") == ["r0"]
    both = [search.experiment_id, search.other_experiment]
    assert search(f"attributes.experiment_id = '{search.other_experiment}'", experiments=both) == ["elsewhere"]
    assert search("params.model = 'svm'", experiments=both) == ["elsewhere", "r5", "r0"]
    assert search(f"attributes.experiment_id LIKE '{search.other_experiment}%'", experiments=both) == ["elsewhere"]
    assert search("attributes.experiment_id = 'not-an-id'", experiments=both) == []


@pytest.mark.parametrize(
    "order_by, expected",
    [
        (["metrics.acc DESC"], ["r5", "r1", "r3", "r2", "r0", "r4"]),  # ties newest first; r4 lacks acc: last
        (["metrics.acc"], ["r0", "r3", "r2", "r1", "r5", "r4"]),  # missing last ascending too
        (["metrics.loss ASC"], ["r5", "r1", "r0", "r4", "r3", "r2"]),  # NaN (r2) and missing (r3) last
        (["metrics.loss DESC"], ["r4", "r0", "r1", "r5", "r3", "r2"]),
        (["params.model ASC", "metrics.acc DESC"], ["r3", "r5", "r0", "r1", "r2", "r4"]),
        (["params.lr DESC"], ["r2", "r0", "r1", "r5", "r4", "r3"]),
        (["tags.team"], ["r0", "r1", "r3", "r5", "r4", "r2"]),
        (["tags.stage DESC", "attributes.start_time ASC"], ["r1", "r4", "r5", "r0", "r2", "r3"]),
        (["attributes.run_name DESC"], ["r5", "r4", "r3", "r2", "r1", "r0"]),
        (["attributes.start_time"], ["r0", "r1", "r2", "r3", "r4", "r5"]),
        (["attributes.end_time DESC"], ["r4", "r3", "r2", "r1", "r0", "r5"]),  # r5 is still running: no end time
        (["attributes.status", "metrics.acc"], ["r2", "r0", "r3", "r1", "r4", "r5"]),
        (None, NEWEST_FIRST),
    ],
)
def test_order_by_attributes_params_metrics_and_tags_missing_last(search, order_by, expected):
    assert search(order_by=order_by) == expected


def test_filter_and_order_together_and_max_results(search):
    assert search("metrics.acc > 0.75", ["metrics.acc"]) == ["r3", "r2", "r1", "r5"]
    runs, token = search.store.search_runs_page([search.experiment_id], "metrics.acc > 0.75", ["metrics.acc"], 2)
    assert [search.names[r.info.run_id] for r in runs] == ["r3", "r2"] and token is not None


def test_deleted_runs_by_view_type(fresh_search):
    search = fresh_search
    search.store.delete_run(search.ids["r1"])
    assert "r1" not in search()
    assert search(view="DELETED_ONLY") == ["r1"]
    assert search(view="ALL") == NEWEST_FIRST
    assert search("params.model = 'tree'", view=3) == ["r2", "r1"]
    assert search.store.count_runs([search.experiment_id], None, "DELETED_ONLY") == 1
    search.store.restore_run(search.ids["r1"])
    assert search() == NEWEST_FIRST


def test_runs_of_a_deleted_experiment_are_left_out_unless_it_is_named(fresh_search):
    search = fresh_search
    search.store.delete_experiment(search.other_experiment)
    runs, _ = search.store.search_runs_page(None, "params.model = 'svm'")
    assert sorted(search.names[r.info.run_id] for r in runs) == ["r0", "r5"]
    assert search(experiments=[search.other_experiment]) == ["elsewhere"]


def test_count_runs_matches_the_search(search):
    for filter_string in (
        None,
        "metrics.acc >= 0.8",
        "params.model = 'tree' and tags.stage = 'dev'",
        "metrics.acc IS NULL",
    ):
        assert search.store.count_runs([search.experiment_id], filter_string) == len(search(filter_string))


@pytest.mark.parametrize(
    "order_by",
    [None, ["metrics.acc DESC"], ["metrics.loss"], ["params.model", "tags.stage DESC"], ["attributes.end_time"]],
)
@pytest.mark.parametrize("page_size", [1, 2, 4])
def test_paging_returns_every_run_exactly_once_in_order(search, order_by, page_size):
    whole = search(order_by=order_by)
    seen, token, pages = [], None, 0
    while True:
        runs, token = search.store.search_runs_page([search.experiment_id], None, order_by, page_size, token)
        assert len(runs) <= page_size
        seen += [search.names[r.info.run_id] for r in runs]
        pages += 1
        if token is None:
            break
        assert isinstance(token, str)
    assert seen == whole and len(set(seen)) == len(RUNS)
    assert pages == max(1, math.ceil(len(RUNS) / page_size))


@pytest.mark.parametrize(
    "filter_string, named",
    [
        ("metrics.acc >> 1", "> 1"),
        ("metrics.acc = 'high'", "'high'"),
        ("params.lr > 0.1", "params.lr (not >)"),
        ("params.lr = 0.1", "0.1"),
        ("metrics.acc > 0.5 or metrics.acc < 0.1", "OR is not supported"),
        ("metric.acc > 0.5 and", "found the end"),
        ("attributes.colour = 'red'", "known attribute"),
        ("bogus.acc > 1", "bogus.acc"),
        ("params.model = 'svm", "closing '"),
        ("tags.stage IN 'dev'", "parenthesized list"),
        ("metrics.acc > 1 metrics.loss < 2", "AND between clauses"),
    ],
)
def test_a_bad_filter_is_an_error_naming_the_bad_part(search, filter_string, named):
    with pytest.raises(InvalidFilterError) as error:
        search(filter_string)
    assert filter_string in str(error.value) and named in str(error.value)
    assert isinstance(error.value, ValueError)


def test_bad_order_by_page_token_and_max_results_are_clear_errors(search):
    with pytest.raises(InvalidFilterError, match="DOWN"):
        search(order_by=["metrics.acc DOWN"])
    with pytest.raises(InvalidFilterError, match="colour"):
        search(order_by=["attributes.colour"])
    with pytest.raises(InvalidPageTokenError, match="page token"):
        search.store.search_runs_page([search.experiment_id], page_token="not-a-token")
    token = sql_search.encode_page_token("", 2)  # a one-phase token given to a two-phase search
    with pytest.raises(InvalidPageTokenError):
        search.store.search_runs_page([search.experiment_id], order_by=["metrics.acc"], page_token=token)
    with pytest.raises(ValueError, match="max_results"):
        search(max_results=0)
    with pytest.raises(ValueError, match="50000"):
        search(max_results=50_001)
    with pytest.raises(ValueError, match="view type"):
        search(view="SOME")


# -- every SQLite plan gives the same answer as a plain reading of the rules -------------------------------
def _python_search(runs: dict, clauses, orders) -> list[str]:
    def value(name, entity, key):
        start, status, params, metrics, tags = runs[name]
        if entity == "attributes":
            return {"start_time": start, "status": status, "run_name": name}[key]
        found = {"params": params, "metrics": metrics, "tags": tags}[entity].get(key)
        return None if isinstance(found, float) and math.isnan(found) else found

    def matches(name, clause):
        actual = value(name, clause.entity, clause.key)
        if actual is None:
            return False
        op, expected = clause.op, clause.value
        return {
            "=": actual == expected,
            "!=": actual != expected,
            "<": actual < expected if op == "<" else None,
            ">": actual > expected if op == ">" else None,
            "IN": op == "IN" and actual in expected,
        }[op]

    chosen = sorted((n for n in runs if all(matches(n, c) for c in clauses)), key=lambda n: n, reverse=False)
    chosen.sort(key=lambda n: n)  # run ids sort like names here
    chosen.sort(key=lambda n: -runs[n][0])
    for order in reversed(orders):
        present = [n for n in chosen if value(n, order.entity, order.key) is not None]
        missing = [n for n in chosen if value(n, order.entity, order.key) is None]
        present.sort(key=lambda n: value(n, order.entity, order.key), reverse=not order.ascending)
        chosen = present + missing
    return chosen


@pytest.fixture(scope="module")
def random_store(tmp_path_factory):
    rng = random.Random(11)
    runs = {}
    for index in range(1500):
        params = {"p": f"v{rng.randrange(6)}"} if rng.random() < 0.9 else {}
        metrics = {
            k: rng.choice([round(rng.random(), 2), NAN]) if rng.random() < 0.05 else round(rng.random(), 2)
            for k in ("x", "y")
            if rng.random() < 0.9
        }
        tags = {"team": rng.choice(["a", "b", "c"])} if rng.random() < 0.8 else {}
        runs[f"run{index:05d}"] = (rng.randrange(1, 400) * 1000, "FINISHED", params, metrics, tags)
    store = SqlStore(f"sqlite:///{tmp_path_factory.mktemp('random') / 'r.db'}")
    experiment_id = store.create_experiment("random", artifact_root="/tmp/a")
    _write_runs(store, experiment_id, runs, {name: name.ljust(32, "0") for name in runs})
    yield store, experiment_id, runs
    store.engine.dispose()


RANDOM_CASES = [
    ("metrics.x < 0.5 and params.p = 'v3'", ["metrics.y DESC"]),
    ("metrics.x > 0.9", ["metrics.y"]),
    ("params.p IN ('v1', 'v2') and tags.team = 'b'", None),
    ("tags.team = 'a' and metrics.y > 0.2", ["params.p", "metrics.x DESC"]),
    ("params.p = 'v0'", ["attributes.start_time"]),
    (None, ["metrics.x DESC"]),
    ("metrics.y != 0.5", ["tags.team DESC"]),
]


@pytest.mark.parametrize("driver", ["auto", "o", "r", "f0", "f1", None])
@pytest.mark.parametrize("filter_string, order_by", RANDOM_CASES)
def test_every_sqlite_plan_returns_what_the_rules_say_page_by_page(
    random_store, monkeypatch, driver, filter_string, order_by
):
    store, experiment_id, runs = random_store
    search = sql_search.RunSearch("sqlite", [experiment_id], filter_string, order_by, "ACTIVE_ONLY")
    drivers = {None} | {f.alias for f in search.value_filters} | ({"o"} if search.first else set()) | {"r"}
    if driver != "auto":
        if driver not in drivers:
            pytest.skip(f"no plan {driver} for this search")
        monkeypatch.setattr(
            sql_search.RunSearch,
            "_choose_driver",
            lambda self, conn, phase, needed: driver if (driver != "o" or phase == "A") else None,
        )
    expected = _python_search(runs, search.clauses, search.orders)
    seen, token = [], None
    while True:
        page, token = store.search_runs_page([experiment_id], filter_string, order_by, 97, token)
        seen += [r.info.run_name for r in page]
        if token is None:
            break
    assert seen == expected
    assert store.count_runs([experiment_id], filter_string) == len(expected)
