"""Fixtures of the server tests: one ``autolog server`` per test module, and the fluent API pointed at it."""

from __future__ import annotations

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
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
