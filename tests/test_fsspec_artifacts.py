"""Artifacts at an fsspec URL: fsspec's in-memory filesystem stands in for s3:// and friends."""

from __future__ import annotations

import os

import pytest

import autolog
from autolog.flavors import PickleFlavor
from tracking_core import fluent

pytest.importorskip("fsspec")


@pytest.fixture
def memory_artifacts(tmp_path, monkeypatch):
    import fsspec

    monkeypatch.setenv("AUTOLOG_ARTIFACT_ROOT", "memory://autolog-test/artifacts")
    previous = fluent._tracking_uri
    autolog.set_tracking_uri(f"sqlite:///{tmp_path / 'store.db'}")
    yield fsspec.filesystem("memory")
    fluent._tracking_uri = previous
    if fsspec.filesystem("memory").exists("/autolog-test"):
        fsspec.filesystem("memory").rm("/autolog-test", recursive=True)


def test_artifacts_and_models_round_trip_through_an_fsspec_url(memory_artifacts, tmp_path):
    local = tmp_path / "notes.txt"
    local.write_text("hello")
    with autolog.start_run() as run:
        autolog.log_text("some text", "reports/summary.txt")
        autolog.log_artifact(str(local), "files")
        autolog.log_model({"weights": [1, 2]}, PickleFlavor(), "model")
    assert run.info.artifact_uri.startswith("memory://autolog-test/artifacts/")

    client = autolog.TrackingClient()
    assert {f.path for f in client.list_artifacts(run.info.run_id)} == {"files", "model", "reports"}
    assert [f.path for f in client.list_artifacts(run.info.run_id, "files")] == ["files/notes.txt"]
    downloaded = client.download_artifacts(run.info.run_id, "reports/summary.txt", str(tmp_path / "out"))
    with open(downloaded) as fh:
        assert fh.read() == "some text"
    assert autolog.load_model(f"runs:/{run.info.run_id}/model") == {"weights": [1, 2]}
    assert memory_artifacts.exists(
        f"/autolog-test/artifacts/{run.info.experiment_id}/{run.info.run_id}/artifacts/model/MLmodel"
    )


def test_an_escaping_path_is_refused_before_anything_is_written(memory_artifacts):
    with autolog.start_run() as run:
        with pytest.raises(autolog.ArtifactPathError):
            autolog.log_text("x", "../outside.txt")
    assert not memory_artifacts.exists(f"/autolog-test/artifacts/1/{run.info.run_id}/outside.txt")
    assert not os.path.exists("outside.txt")
