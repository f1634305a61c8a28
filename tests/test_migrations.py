"""Store schema versions: an older store is upgraded in place with nothing lost, a newer one is refused.

``tests/fixtures/store_0001.db`` was written by autolog before schema versioning existed
(``make_store_0001.py`` beside it), with ``store_0001.expected.json`` holding what reading it back
returned then. Real SQLite files and a real PostgreSQL server (``postgres_support``).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

import autolog
from tracking_core import fluent, migrations, schema
from tracking_core.errors import RunNotFoundError, StoreVersionError
from tracking_core.storage.sql_store import SqlStore, make_engine

from core_support import REPO_DIR, run_python
from postgres_support import PostgresServer, postgres_server  # noqa: F401 (fixture)

FIXTURES = Path(__file__).parent / "fixtures"
EXPECTED = json.loads((FIXTURES / "store_0001.expected.json").read_text())


def _copy_fixture(tmp_path: Path) -> str:
    target = tmp_path / "old.db"
    shutil.copyfile(FIXTURES / "store_0001.db", target)
    return f"sqlite:///{target}"


def _number(value):
    return float(value) if isinstance(value, str) else value


def _same_number(actual: float, expected) -> bool:
    expected = _number(expected)
    return (math.isnan(actual) and math.isnan(expected)) or actual == expected


def assert_fixture_contents(url: str) -> None:
    """Everything the fixture held before versioning reads back the same through today's client."""
    client = autolog.TrackingClient(url)
    for name, (experiment_id, location, created) in EXPECTED["experiments"].items():
        experiment = client.get_experiment_by_name(name)
        assert (experiment.experiment_id, experiment.artifact_location, experiment.creation_time) == (
            experiment_id,
            location,
            created,
        )
        assert experiment.lifecycle_stage == "active"
        assert experiment.last_update_time == created
    for run_id, expected in EXPECTED["runs"].items():
        run = client.get_run(run_id)
        assert list(run.info)[:7] == expected["info"]
        assert run.info.lifecycle_stage == "active"
        assert dict(run.data.params) == expected["params"]
        assert dict(run.data.tags) == expected["tags"]
        assert run.data.metrics.keys() == expected["metrics"].keys()
        for key, value in expected["metrics"].items():
            assert _same_number(run.data.metrics[key], value), key
        for key, points in expected["histories"].items():
            history = client.get_metric_history(run_id, key)
            assert [(m.timestamp, m.step) for m in history] == [(t, s) for _v, t, s in points]
            assert all(_same_number(m.value, v) for m, (v, _t, _s) in zip(history, points, strict=True))
    for run_id in EXPECTED["deleted"]:
        with pytest.raises(RunNotFoundError):
            client.get_run(run_id)
    assert len(client.search_runs()) == len(EXPECTED["runs"])


@pytest.fixture
def fluent_state(monkeypatch):
    """The fluent API's tracking URI and experiment, restored after the test."""
    monkeypatch.setattr(fluent, "_tracking_uri", None)
    monkeypatch.setattr(fluent, "_experiment_name", None)


def test_a_store_written_before_versioning_opens_upgraded_with_nothing_lost(tmp_path, fluent_state):
    url = _copy_fixture(tmp_path)
    engine = make_engine(url)
    assert schema.current_version(engine) == "0001_initial"

    assert_fixture_contents(url)  # opening it upgraded it

    assert schema.current_version(engine) == schema.SCHEMA_VERSION
    # and it takes new data: a new experiment gets the next id, a new run lands beside the old ones
    autolog.set_tracking_uri(url)
    experiment = autolog.set_experiment("after-upgrade")
    with autolog.start_run(run_name="new") as run:
        autolog.log_metric("loss", 0.5, step=3)
    assert experiment.experiment_id == "3"
    client = autolog.TrackingClient(url)
    assert client.get_run(run.info.run_id).data.metrics == {"loss": 0.5}
    assert len(client.search_runs()) == len(EXPECTED["runs"]) + 1


def test_autolog_db_upgrade_upgrades_a_store_explicitly_and_says_so(tmp_path):
    url = _copy_fixture(tmp_path)
    command = [sys.executable, "-m", "autolog.cli", "db", "upgrade", url]
    env = {**os.environ, "PYTHONPATH": REPO_DIR}
    current = subprocess.run(
        [sys.executable, "-m", "autolog.cli", "db", "current", url],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
    )
    assert "schema version 0001_initial (older" in current.stdout, current.stderr
    nowhere = tmp_path / "nowhere"
    missing = subprocess.run(
        [sys.executable, "-m", "autolog.cli", "db", "current", str(nowhere)],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
    )
    assert "no store there yet" in missing.stdout and not nowhere.exists()
    first = subprocess.run(command, capture_output=True, text=True, env=env, timeout=180)
    assert first.returncode == 0, first.stderr
    assert f"upgraded from schema version 0001_initial to {schema.SCHEMA_VERSION}" in first.stdout
    again = subprocess.run(command, capture_output=True, text=True, env=env, timeout=180)
    assert f"already at schema version {schema.SCHEMA_VERSION}" in again.stdout
    assert schema.current_version(make_engine(url)) == schema.SCHEMA_VERSION
    assert_fixture_contents(url)


def test_processes_opening_an_old_store_at_once_upgrade_it_once(tmp_path):
    url = _copy_fixture(tmp_path)
    code = "import sys, tracking_core as t; c = t.TrackingClient(sys.argv[1]); print(len(c.search_runs()))"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOLOG_")}
    env["PYTHONPATH"] = REPO_DIR
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", code, url], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    for worker in workers:
        out, err = worker.communicate(timeout=60)
        assert worker.returncode == 0, err
        assert out.strip() == str(len(EXPECTED["runs"]))
    assert_fixture_contents(url)


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_store_newer_than_this_autolog_is_refused_and_left_untouched(tmp_path, fluent_state):
    store_dir = tmp_path / "store"
    database = store_dir / "autolog.db"
    url = f"sqlite:///{database}"
    SqlStore(url).engine.dispose()
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    engine.dispose()
    before = _file_digest(database)

    with pytest.raises(StoreVersionError, match="9999_from_the_future") as error:
        SqlStore(url)
    message = str(error.value)
    assert "newer autolog" in message and "upgrade autolog" in message and str(database) in message

    autolog.set_tracking_uri(str(store_dir))  # the fluent API refuses it too, before writing anything
    with pytest.raises(StoreVersionError, match="9999_from_the_future"):
        autolog.start_run()
    result = run_python(
        f"from autolog.cli import main; raise SystemExit(main(['db', 'upgrade', {url!r}]))", check=False
    )
    assert result.returncode == 1
    assert "9999_from_the_future" in result.stderr and "upgrade autolog" in result.stderr
    assert _file_digest(database) == before


def test_opening_a_current_store_reads_one_version_and_never_imports_alembic(tmp_path):
    code = """
import sys
import tracking_core as t
t.set_tracking_uri(sys.argv[1])
with t.start_run():
    t.log_metric("x", 1.0)
assert "alembic" not in sys.modules, "a fresh store imported alembic"
"""
    store = str(tmp_path / "store")
    run_python(code.replace("sys.argv[1]", repr(store)))
    reopen = """
import sys
import sqlalchemy as sa
statements = []
from tracking_core import store as store_module
real = store_module.make_engine
def counting(url):
    engine = real(url)
    sa.event.listen(engine, "before_cursor_execute", lambda c, cur, stmt, *a: statements.append(stmt))
    return engine
store_module.make_engine = counting
store_module.get_store(sys.argv[1])
assert "alembic" not in sys.modules, "opening a current store imported alembic"
print(statements)
"""
    url = f"sqlite:///{tmp_path / 'store' / 'autolog.db'}"
    result = run_python(reopen.replace("sys.argv[1]", repr(url)))
    statements = eval(result.stdout)
    assert [s for s in statements if not s.startswith(("PRAGMA", "BEGIN"))] == [
        "SELECT version_num FROM alembic_version"
    ]


def schema_of(engine: sa.engine.Engine) -> dict:
    inspector = sa.inspect(engine)
    described = {}
    for table in sorted(inspector.get_table_names()):
        described[table] = {
            "columns": [(c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)],
            "primary_key": inspector.get_pk_constraint(table)["constrained_columns"],
            "indexes": sorted(
                (i["name"], tuple(i["column_names"]), bool(i["unique"])) for i in inspector.get_indexes(table)
            ),
            "unique": sorted(tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)),
            "foreign_keys": sorted(
                (tuple(f["constrained_columns"]), f["referred_table"], tuple(f["referred_columns"]))
                for f in inspector.get_foreign_keys(table)
            ),
        }
    return described


def _fresh_and_migrated(fresh_url: str, migrated_url: str) -> tuple[dict, dict]:
    SqlStore(fresh_url).engine.dispose()
    engine = make_engine(migrated_url)
    with engine.connect().execution_options(autolog_write=True) as conn, conn.begin():
        migrations.upgrade(conn)  # every revision from an empty database
    fresh = make_engine(fresh_url)
    try:
        assert schema.current_version(engine) == schema.current_version(fresh) == schema.SCHEMA_VERSION
        return schema_of(fresh), schema_of(engine)
    finally:
        engine.dispose()
        fresh.dispose()


def test_a_fresh_store_has_the_schema_the_migrations_build_sqlite(tmp_path):
    fresh, migrated = _fresh_and_migrated(f"sqlite:///{tmp_path / 'fresh.db'}", f"sqlite:///{tmp_path / 'm.db'}")
    assert fresh == migrated
    assert "ix_latest_metrics_key_value" in {i[0] for i in fresh["latest_metrics"]["indexes"]}


def test_schema_version_is_the_newest_migration():
    assert migrations.head_revision() == schema.SCHEMA_VERSION
    assert all(len(v) <= 32 for v in schema.KNOWN_VERSIONS)  # alembic's version column


def test_a_fresh_store_has_the_schema_the_migrations_build_postgres(postgres_server: PostgresServer):  # noqa: F811
    fresh, migrated = _fresh_and_migrated(postgres_server.create_database(), postgres_server.create_database())
    assert fresh == migrated
    assert "ix_params_value_hash" in {i[0] for i in fresh["params"]["indexes"]}


def test_a_postgres_store_of_the_old_schema_is_upgraded_with_nothing_lost(
    postgres_server: PostgresServer,  # noqa: F811
    tmp_path,
    monkeypatch,
):
    """The fixture's rows copied into a PostgreSQL database built by revision 0001, then opened."""
    monkeypatch.setenv("AUTOLOG_ARTIFACT_ROOT", str(tmp_path / "artifacts"))
    url = postgres_server.create_database(f"old_{uuid.uuid4().hex[:8]}")
    engine = make_engine(url)
    with engine.connect() as conn, conn.begin():
        migrations.upgrade(conn, target="0001_initial")
        conn.exec_driver_sql("DROP TABLE alembic_version")  # as written before versioning: no version table
    source = make_engine(_copy_fixture(tmp_path))
    old_tables = sa.MetaData()
    old_tables.reflect(engine)
    with source.connect() as read, engine.begin() as write:
        for name in ("experiments", "runs", "params", "tags", "metric_series", "metrics", "latest_metrics"):
            rows = [dict(r._mapping) for r in read.execute(sa.select(old_tables.tables[name]))]
            for row in rows:
                row.update({k: bool(v) for k, v in row.items() if k == "deleted"})
            write.execute(old_tables.tables[name].insert(), rows)
        for table, column in (("experiments", "experiment_id"), ("metric_series", "series_id"), ("metrics", "id")):
            write.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), (SELECT max({column}) FROM {table}))"
            )
    assert schema.current_version(engine) == "0001_initial"

    assert_fixture_contents(url)

    assert schema.current_version(engine) == schema.SCHEMA_VERSION
    engine.dispose()
    source.dispose()
