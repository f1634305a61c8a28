"""The model registry and MLflow 3 logged models in the SQL store, on SQLite and a real PostgreSQL.

What a user of ``TrackingClient`` (local store) or of ``autolog server`` relies on: version numbers
per model that are never reused, aliases that move, renames and deletes that carry tags, aliases and
versions along, ``models:/`` sources resolved, searches with MLflow's filters and pages, fast
searches over 10,000 versions, and an existing store upgraded with nothing lost.
"""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa

from tracking_core import migrations, schema
from tracking_core.errors import RegistryExistsError, RegistryNotFoundError
from tracking_core.storage.sql_store import SqlStore, make_engine

from postgres_support import PostgresServer, postgres_server  # noqa: F401 (fixture)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
    else:
        server: PostgresServer = request.getfixturevalue("postgres_server")
        url = server.create_database()
    result = SqlStore(url)
    result.default_artifact_root = str(tmp_path / "artifacts")
    yield result
    result.engine.dispose()


def test_versions_are_numbered_per_model_and_never_reused(store):
    store.create_registered_model("wine", tags={"team": "blue"}, description="red or white")
    store.create_registered_model("beer")
    assert [store.create_model_version("wine", f"/a/{i}").version for i in range(3)] == ["1", "2", "3"]
    assert store.create_model_version("beer", "/b").version == "1"
    store.delete_model_version("wine", "3")
    with pytest.raises(RegistryNotFoundError, match="version=3"):
        store.get_model_version("wine", "3")
    assert store.create_model_version("wine", "/a/4").version == "4"
    model = store.get_registered_model("wine")
    assert (model.description, dict(model.tags)) == ("red or white", {"team": "blue"})
    assert [v.version for v in model.latest_versions] == ["4"]  # the latest per stage
    with pytest.raises(RegistryExistsError):
        store.create_registered_model("wine")


def test_concurrent_version_creation_gives_distinct_numbers(store):
    store.create_registered_model("busy")
    made: list[str] = []

    def create():
        for _ in range(5):
            made.append(store.create_model_version("busy", "/m").version)

    threads = [threading.Thread(target=create) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(made, key=int) == [str(i) for i in range(1, 21)]


def test_alias_moves_and_follows_rename_and_delete(store):
    store.create_registered_model("m")
    for _ in range(3):
        store.create_model_version("m", "/m")
    store.set_registered_model_alias("m", "champion", "1")
    store.set_registered_model_alias("m", "champion", "2")  # moves
    store.set_registered_model_alias("m", "challenger", 3)
    store.set_model_version_tag("m", "2", "validated", "yes")
    assert store.get_model_version_by_alias("m", "champion").version == "2"
    store.rename_registered_model("m", "m2")
    version = store.get_model_version_by_alias("m2", "champion")
    assert (version.name, version.version, version.aliases, dict(version.tags)) == (
        "m2",
        "2",
        ("champion",),
        {"validated": "yes"},
    )
    assert dict(store.get_registered_model("m2").aliases) == {"champion": "2", "challenger": "3"}
    store.delete_model_version("m2", "3")  # takes its alias along
    assert dict(store.get_registered_model("m2").aliases) == {"champion": "2"}
    store.delete_registered_model_alias("m2", "champion")
    with pytest.raises(RegistryNotFoundError, match="alias champion"):
        store.get_model_version_by_alias("m2", "champion")
    with pytest.raises(RegistryNotFoundError):
        store.get_registered_model("m")
    store.delete_registered_model("m2")
    assert store.search_model_versions("name = 'm2'")[0] == []
    store.create_registered_model("m2")  # the name is free again, versions start over
    assert store.create_model_version("m2", "/m").version == "1"


@pytest.mark.parametrize("alias", ["v3", "V12", "3", "latest", "a/b", ""])
def test_aliases_that_look_like_versions_or_are_reserved_are_refused(tmp_path, alias):
    store = SqlStore(f"sqlite:///{tmp_path / 's.db'}")
    store.create_registered_model("m")
    store.create_model_version("m", "/m")
    with pytest.raises(ValueError, match="alias"):
        store.set_registered_model_alias("m", alias, "1")


def test_stages_for_mlflow_2_clients(store):
    store.create_registered_model("s")
    for _ in range(3):
        store.create_model_version("s", "/s")
    store.transition_model_version_stage("s", "1", "production", archive_existing_versions=False)
    store.transition_model_version_stage("s", "2", "Production", archive_existing_versions=True)
    stages = {v.version: v.current_stage for v in store.search_model_versions("name = 's'")[0]}
    assert stages == {"1": "Archived", "2": "Production", "3": "None"}
    assert [v.version for v in store.get_latest_versions("s", ["Production"])] == ["2"]
    assert [v.version for v in store.get_latest_versions("s")] == ["1", "2", "3"]
    with pytest.raises(ValueError, match="stage"):
        store.transition_model_version_stage("s", "1", "Gold", False)


def test_logged_model_lifecycle_and_models_uri_sources(store):
    experiment_id = store.create_experiment("lm")
    model = store.create_logged_model(experiment_id, name="model", params={"alpha": 0.5}, tags={"k": "v"})
    assert model.model_id.startswith("m-") and model.status == "PENDING"
    assert model.artifact_location.endswith(f"/{experiment_id}/models/{model.model_id}/artifacts")
    assert store.finalize_logged_model(model.model_id, "READY").status == "READY"
    store.set_logged_model_tags(model.model_id, {"k": "w", "other": "x"})
    store.delete_logged_model_tag(model.model_id, "other")
    store.log_logged_model_params(model.model_id, {"beta": "2"})
    got = store.get_logged_model(model.model_id)
    assert (dict(got.tags), dict(got.params)) == ({"k": "w"}, {"alpha": "0.5", "beta": "2"})
    other = store.create_logged_model(experiment_id, name="other", model_type="regressor")
    found, _ = store.search_logged_models([experiment_id], "params.alpha = '0.5' AND name = 'model'")
    assert [m.model_id for m in found] == [model.model_id]
    found, _ = store.search_logged_models([experiment_id], order_by=[{"field_name": "name", "ascending": False}])
    assert [m.name for m in found] == ["other", "model"]

    store.create_registered_model("reg")
    version = store.create_model_version("reg", f"models:/{model.model_id}")
    assert (version.source, version.model_id) == (f"models:/{model.model_id}", model.model_id)
    assert store.get_model_version_download_uri("reg", "1") == model.artifact_location
    copy = store.create_model_version("reg", "models:/reg/1")  # a version of a version: same files
    assert store.get_model_version_download_uri("reg", copy.version) == model.artifact_location
    store.delete_logged_model(other.model_id)
    with pytest.raises(RegistryNotFoundError, match=other.model_id):
        store.get_logged_model(other.model_id)


def test_searches_filter_order_and_page_as_mlflow(store):
    for name in ("alpha", "beta", "Gamma"):
        store.create_registered_model(name, tags={"kind": "tree" if name != "beta" else "linear"})
        for i in range(3):
            store.create_model_version(name, f"/{name}/{i}", run_id=f"run{i}", tags={"i": str(i)})
    names = lambda models: [m.name for m in models]  # noqa: E731
    assert names(store.search_registered_models()[0]) == ["Gamma", "alpha", "beta"]
    assert names(store.search_registered_models("name ILIKE 'g%'")[0]) == ["Gamma"]
    assert names(store.search_registered_models("tags.kind = 'tree'")[0]) == ["Gamma", "alpha"]
    assert names(store.search_registered_models("tags.kind != 'tree'")[0]) == ["beta"]
    first, token = store.search_registered_models(max_results=2, order_by=["name DESC"])
    rest, end = store.search_registered_models(max_results=2, order_by=["name DESC"], page_token=token)
    assert (names(first), names(rest), end) == (["beta", "alpha"], ["Gamma"], None)
    versions, _ = store.search_model_versions("run_id = 'run1'", order_by=["name ASC"])
    assert [(v.name, v.version) for v in versions] == [("Gamma", "2"), ("alpha", "2"), ("beta", "2")]
    versions, _ = store.search_model_versions("name = 'alpha' AND tags.i IN ('0', '2')")
    assert sorted(v.version for v in versions) == ["1", "3"]
    versions, _ = store.search_model_versions("name = 'beta' AND version_number > 1")
    assert sorted(v.version for v in versions) == ["2", "3"]
    with pytest.raises(ValueError, match="max_results"):
        store.search_registered_models(max_results=1001)
    with pytest.raises(ValueError):
        store.search_model_versions("metrics.acc > 1")


def test_search_over_ten_thousand_versions_is_fast(store):
    store.create_registered_model("big")
    store.create_registered_model("small")
    rows = [
        {
            "name": "big",
            "version": i,
            "creation_time": 1_000 + i,
            "last_updated_time": 1_000 + i,
            "source": f"/big/{i}",
            "storage_location": f"/big/{i}",
            "run_id": f"{i:032x}",
            "current_stage": "None",
            "status": "READY",
        }
        for i in range(1, 10_001)
    ]
    with store.engine.begin() as conn:
        conn.execute(schema.model_versions.insert(), rows)
    if store.engine.dialect.name == "postgresql":
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE model_versions")  # as autovacuum does after a bulk load
    store.create_model_version("small", "/small")
    timings = {}
    for label, call in {
        "newest page": lambda: store.search_model_versions(max_results=100),
        "one model": lambda: store.search_model_versions("name = 'small'"),
        "by run": lambda: store.search_model_versions(f"run_id = '{5000:032x}'"),
        "latest": lambda: store.get_registered_model("big"),
    }.items():
        started = time.perf_counter()
        for _ in range(5):
            call()
        timings[label] = (time.perf_counter() - started) / 5
    assert [v.version for v in store.search_model_versions(f"run_id = '{5000:032x}'")[0]] == ["5000"]
    assert store.search_model_versions(max_results=3)[0][0].name == "small"
    assert max(timings.values()) < 0.05, timings


def test_a_store_of_the_previous_schema_is_upgraded_with_nothing_lost(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    with engine.connect() as conn, conn.begin():
        migrations.upgrade(conn, target="0004_dataset_inputs")
        conn.execute(
            sa.text(
                "INSERT INTO experiments (experiment_id, name, artifact_location, creation_time, lifecycle_stage)"
                " VALUES (1, 'old', '/old/1', 5, 'active')"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO runs (run_id, experiment_id, run_name, status, start_time, artifact_uri, deleted)"
                " VALUES ('r1', 1, 'kept', 'FINISHED', 7, '/old/1/r1/artifacts', 0)"
            )
        )
        conn.execute(sa.text("INSERT INTO params (run_id, key, value) VALUES ('r1', 'alpha', '0.1')"))
    engine.dispose()
    assert schema.current_version(make_engine(url)) == "0004_dataset_inputs"
    store = SqlStore(url)
    assert schema.current_version(store.engine) == schema.SCHEMA_VERSION == "0005_model_registry"
    run = store.get_run("r1")
    assert (run.info.run_name, dict(run.data.params)) == ("kept", {"alpha": "0.1"})
    store.create_registered_model("after-upgrade")
    version = store.create_model_version("after-upgrade", "runs:/r1/model", run_id="r1")
    assert version.run_id == "r1" and store.get_model_version_download_uri("after-upgrade", "1") == "runs:/r1/model"
