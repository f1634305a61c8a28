"""A training process writes a local SQLite store without SQLAlchemy, and loses nothing by it.

``tracking_core.storage.sqlite_direct`` (issue 21 item 21: importing SQLAlchemy was most of what a
one-fit script paid): the tables it creates are the ones SQLAlchemy creates, what it writes reads
back the same through ``SqlStore``, concurrent first runs create one store, and a process that
only logs and reads its own runs back never imports SQLAlchemy.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import autolog
from tracking_core.storage import schema_ddl
from tracking_core.storage.sql_store import SqlStore
from tracking_core.storage.sqlite_direct import DirectSqliteStore, direct_path

from core_support import REPO_DIR, run_python


def _master(path) -> list[tuple]:
    """The schema as SQLite keeps it (by name: SQLAlchemy creates a table's indexes in no fixed order)."""
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name").fetchall()


def test_a_store_created_without_sqlalchemy_has_exactly_the_tables_sqlalchemy_creates(tmp_path):
    SqlStore(f"sqlite:///{tmp_path / 'sqlalchemy.db'}").close()
    DirectSqliteStore(f"sqlite:///{tmp_path / 'direct.db'}", str(tmp_path / "direct.db")).close()
    expected = _master(tmp_path / "sqlalchemy.db")
    with sqlite3.connect(tmp_path / "sqlalchemy.db") as conn:  # in creation order: tables before their indexes
        created = [sql for (sql,) in conn.execute("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid")]
    statements = "".join(f"    {sql!r},\n" for sql in created)
    assert _master(tmp_path / "direct.db") == expected, (
        "schema.py changed: paste into tracking_core/storage/schema_ddl.py\nSQLITE_DDL = (\n" + statements + ")"
    )
    with sqlite3.connect(tmp_path / "direct.db") as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(schema_ddl.SCHEMA_VERSION,)]


def test_only_plain_sqlite_file_urls_are_opened_directly():
    assert direct_path("sqlite:////data/runs/autolog.db") == "/data/runs/autolog.db"
    assert direct_path("sqlite:///relative.db") == "relative.db"
    for url in (
        "sqlite://",
        "sqlite:///:memory:",
        "sqlite:///file:x?mode=ro&uri=true",
        "sqlite:///a.db?timeout=5",
        "sqlite:///a%20b.db",
        "postgresql://u@h/db",
    ):
        assert direct_path(url) is None, url


def test_what_a_training_process_writes_reads_back_the_same_through_sqlstore(autolog_store, tmp_path):
    autolog.set_experiment("direct")
    with autolog.start_run(run_name="r", tags={"team": "a"}) as run:
        autolog.log_params({"alpha": 0.5, "layers": [1, 2]})
        for step in range(3):
            autolog.log_metrics({"loss": 1.0 / (step + 1), "acc": step / 3}, step=step)
        autolog.log_input(np.arange(12.0).reshape(4, 3), context="training", name="toy")
    direct = autolog_store._tracker._direct
    assert direct is not None  # a local store: the training path is the direct one
    through_direct = direct.get_run(run.info.run_id)
    store = SqlStore(autolog_store._tracker.resolved.database_url)
    through_sqlalchemy = store.get_run(run.info.run_id)
    assert through_direct == through_sqlalchemy
    assert autolog.last_active_run() == through_sqlalchemy
    assert through_direct.info.status == "FINISHED" and through_direct.data.tags["team"] == "a"
    assert through_direct.data.params == {"alpha": "0.5", "layers": "[1, 2]"}
    assert through_direct.data.metrics == {"loss": 1.0 / 3, "acc": 2 / 3}
    assert [d.dataset.name for d in through_direct.inputs.dataset_inputs] == ["toy"]
    assert [m.value for m in autolog_store.get_metric_history(run.info.run_id, "loss")] == [1.0, 0.5, 1.0 / 3]
    root = autolog_store._tracker.resolved.artifact_root
    for name in ("Default", "direct"):
        assert direct.get_or_create_experiment(name, root) == store.get_experiment_by_name(name)
    assert store.get_experiment_by_name("Default").experiment_id == "0"  # MLflow's id of the default experiment


def test_a_process_that_logs_and_reads_its_runs_back_never_imports_sqlalchemy(tmp_path):
    code = textwrap.dedent(
        """
        import sys
        import autolog
        autolog.autolog()
        with autolog.start_run():
            autolog.log_param("alpha", 1)
            autolog.log_metric("loss", 0.25, step=1)
        run = autolog.last_active_run()
        assert run.info.status == "FINISHED", run.info
        assert run.data.params == {"alpha": "1"} and run.data.metrics == {"loss": 0.25}, run.data
        print(sorted(m for m in sys.modules if m.split(".")[0] in ("sqlalchemy", "alembic")))
        """
    )
    for _ in ("a new store", "the store again"):
        out = run_python(code, cwd=str(tmp_path), env={"AUTOLOG_LOAD_PLUGINS": ""}).stdout
        assert out.strip().splitlines()[-1] == "[]"
    assert (tmp_path / "autologruns" / "autolog.db").exists()


def test_processes_starting_their_first_run_in_a_new_store_at_once_create_it_once(tmp_path):
    code = "import autolog\nwith autolog.start_run():\n    autolog.log_metric('m', 1.0)\n"
    env = {"PYTHONPATH": REPO_DIR, "PATH": "/usr/bin:/bin", "AUTOLOG_TRACKING_URI": str(tmp_path / "store")}
    workers = [
        subprocess.Popen([sys.executable, "-c", code], env=env, stderr=subprocess.PIPE, text=True) for _ in range(4)
    ]
    for worker in workers:
        _out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
    client = autolog.TrackingClient(str(tmp_path / "store"))
    runs = client.search_runs()
    assert len(runs) == 4 and {r.data.metrics["m"] for r in runs} == {1.0}
    assert [e.name for e in client._tracker.store.search_experiments()[0]] == ["Default"]
    with sqlite3.connect(tmp_path / "store" / "autolog.db") as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(schema_ddl.SCHEMA_VERSION,)]


def test_a_store_newer_than_this_autolog_is_refused_by_the_direct_path_too(tmp_path):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    DirectSqliteStore(url, str(tmp_path / "new.db")).close()
    with sqlite3.connect(tmp_path / "new.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    from tracking_core.errors import StoreVersionError

    with pytest.raises(StoreVersionError, match="9999_from_the_future"):
        DirectSqliteStore(url, str(tmp_path / "new.db"))
