"""Fixtures of the server tests: one ``autolog server`` per test module, and the fluent API pointed at it."""

from __future__ import annotations

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mlflow_reference import mlflow_python_or_skip, start_mlflow_server, stop_mlflow_server
from server_support import start_server

import tracking_core
from tracking_core.client import fluent


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A running ``autolog server`` on a fresh directory store (one per test module)."""
    store = tmp_path_factory.mktemp("server-store")
    process = start_server("--backend-store-uri", str(store / "autologruns"))
    process.store_dir = store / "autologruns"
    yield process
    process.stop()


@pytest.fixture
def http_tracking(server, monkeypatch):
    """The fluent API and ``TrackingClient()`` talk to ``server`` for the duration of a test."""
    monkeypatch.setenv("AUTOLOG_TESTING", "1")
    previous_uri, previous_experiment = fluent._tracking_uri, fluent._experiment_name
    tracking_core.set_tracking_uri(server.url)
    fluent._experiment_name = None
    yield tracking_core.TrackingClient(server.url)
    while tracking_core.active_run() is not None:
        tracking_core.end_run()
    fluent._tracking_uri, fluent._experiment_name = previous_uri, previous_experiment


@pytest.fixture(scope="session")
def mlflow_python():
    """The python of the real MLflow's venv (bench/.mlflow-venv): skipped, or failed under make test, when missing."""
    return mlflow_python_or_skip()


@pytest.fixture(scope="session")
def mlflow_server(mlflow_python, tmp_path_factory):
    """The URL of one real ``mlflow server`` (3.17.2, SQLite) shared by the tests of a session (of a
    worker under xdist): the reference our server is compared with, and a target of our client.
    Tests using it work in experiments of their own names."""
    process, url = start_mlflow_server(mlflow_python, tmp_path_factory.mktemp("mlflow-server"))
    yield url
    stop_mlflow_server(process)
