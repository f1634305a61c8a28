"""Concurrent writers: 8 threads and 4 processes, each autologging sklearn fits into its own run and
logging a metric history, into one store at once: nothing lost or duplicated, every run complete.

Into SQLite, PostgreSQL (a throwaway server, ``postgres_support``) and through ``autolog server``
restarted once while they log. Short versions here (2,000 points each); ``make soak`` logs 10,000.
"""

from __future__ import annotations

import os

import pytest

from bench.soak import _Server, concurrency

from postgres_support import postgres_server, postgres_url  # noqa: F401  (fixtures)

POINTS = 2_000


def _check(result: dict) -> None:
    assert result["failures"] == [], result["failures"]
    assert result["runs"] == result["expected_runs"], result
    assert result["lost"] == 0 and result["duplicated"] == 0 and result["incomplete"] == 0, result


def test_sqlite_takes_12_concurrent_writers_without_loss(tmp_path):
    _check(concurrency("sqlite:///" + os.path.join(tmp_path, "c.db"), points=POINTS, fits=2))


def test_postgresql_takes_12_concurrent_writers_without_loss(postgres_url):  # noqa: F811
    pytest.importorskip("psycopg2")
    import sqlalchemy as sa

    database = f"conc_{os.getpid()}"
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {database}")
    admin.dispose()
    _check(concurrency(postgres_url.rsplit("/", 1)[0] + "/" + database, points=POINTS, fits=2))


def test_the_server_restarted_mid_run_takes_12_concurrent_writers_without_loss(tmp_path):
    server = _Server(str(tmp_path))
    try:
        _check(concurrency(server.url, points=POINTS, fits=2, restart_server=server.restart))
    finally:
        server.stop()
