"""The team deployment for real: PostgreSQL, moto's S3 server, two ``autolog server`` processes sharing
them, eight client processes training real models through both at once; afterwards every point,
param and artifact is stored exactly once (checked in the database and in the bucket)."""

from __future__ import annotations

import sys

import pytest
from server_support import REPO_DIR

sys.path.insert(0, REPO_DIR)


def test_eight_clients_through_two_servers_store_everything_exactly_once():
    pytest.importorskip("moto")
    pytest.importorskip("s3fs")
    pytest.importorskip("sklearn")
    pytest.importorskip("xgboost")
    from bench import team

    runs, points = 2, 1500
    with team.deployment() as deploy:
        results = team.run_clients(deploy, 8, runs, points)
        totals = team.verify(deploy, results, runs, points)
    assert totals == {"runs": 16, "points": 16 * points, "params": 16 * 20, "artifacts": 16, "autolog_runs": 16}
