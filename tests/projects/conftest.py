"""Fixtures of the project tests: a store per test, one environment cache per session (building a
uv or virtualenv environment is the slow part: tests that share a spec share its environment),
and a package index of small wheels made here (environments are built offline)."""

from __future__ import annotations

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from projects_support import make_wheel


@pytest.fixture(scope="session")
def projects_cache(tmp_path_factory):
    return str(tmp_path_factory.mktemp("projects-cache"))


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory):
    directory = str(tmp_path_factory.mktemp("wheels"))
    for version in ("1.0", "2.0"):
        make_wheel(directory, "tinydep", version)
    return directory


@pytest.fixture
def store(tmp_path, monkeypatch, projects_cache, wheelhouse):
    """The tracking store of the test, set for this process and the ``autolog run`` it starts."""
    path = str(tmp_path / "store")
    monkeypatch.setenv("AUTOLOG_TRACKING_URI", path)
    monkeypatch.setenv("AUTOLOG_PROJECTS_CACHE", projects_cache)
    monkeypatch.delenv("AUTOLOG_RUN_ID", raising=False)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("AUTOLOG_EXPERIMENT_NAME", raising=False)
    # offline: uv and pip see only the test's wheels
    monkeypatch.setenv("UV_OFFLINE", "1")
    monkeypatch.setenv("UV_NO_INDEX", "1")
    monkeypatch.setenv("UV_FIND_LINKS", wheelhouse)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", wheelhouse)
    monkeypatch.setenv("UV_CACHE_DIR", os.path.join(projects_cache, "uv-cache"))
    import tracking_core

    settings = tracking_core.tracking_settings() if hasattr(tracking_core, "tracking_settings") else None
    tracking_core.set_tracking_uri(path)
    yield path
    if settings is not None:
        tracking_core.restore_tracking_settings(settings)
    else:
        tracking_core.set_tracking_uri(None)
