"""Bad input is a clear error at the call site, and nothing is written where it should not be."""

from __future__ import annotations

import os

import pytest

import autolog
from autolog import ArtifactPathError, ParamConflictError, RunNotFoundError


def _files_under(path) -> set[str]:
    return {os.path.relpath(os.path.join(d, f), path) for d, _dirs, files in os.walk(path) for f in files}


@pytest.mark.parametrize("bad_path", ["../x", "a/../../x", "..", "/abs/x"])
def test_artifact_paths_escaping_the_run_are_refused_and_nothing_is_written(autolog_store, tmp_path, bad_path):
    source = tmp_path / "src"
    source.mkdir()
    (source / "f.txt").write_text("data")
    before = _files_under(tmp_path)
    with autolog.start_run():
        attempts = [
            lambda: autolog.log_text("data", bad_path if bad_path != ".." else "../f.txt"),
            lambda: autolog.log_dict({"a": 1}, bad_path + ".json" if bad_path != ".." else "../d.json"),
            lambda: autolog.log_artifact(str(source / "f.txt"), bad_path),
            lambda: autolog.log_artifacts(str(source), bad_path),
        ]
        for attempt in attempts:
            with pytest.raises(ArtifactPathError, match=r"absolute|escapes"):
                attempt()
    new_files = _files_under(tmp_path) - before
    assert all(path.startswith(os.path.join("autologruns", "autolog.db")) for path in new_files), new_files
    assert not os.path.exists("/abs")


def test_artifact_error_names_the_bad_path(autolog_store):
    with autolog.start_run():
        with pytest.raises(ArtifactPathError) as caught:
            autolog.log_text("x", "../outside.txt")
    assert "'../outside.txt'" in str(caught.value)


def test_changing_a_logged_param_is_an_error_naming_the_key(autolog_store):
    with autolog.start_run() as run:
        autolog.log_param("learning_rate", 0.1)
        autolog.log_param("learning_rate", 0.1)  # the same value again is fine
        with pytest.raises(ParamConflictError, match="learning_rate") as caught:
            autolog.log_param("learning_rate", 0.2)
        assert caught.value.key == "learning_rate"
        assert "0.1" in str(caught.value) and "0.2" in str(caught.value)
        autolog.log_params({"depth": 3})
        with pytest.raises(ParamConflictError, match="'depth'"):
            autolog.log_params({"fresh": 1, "depth": 4})
    params = autolog_store.get_run(run.info.run_id).data.params
    assert params == {"learning_rate": "0.1", "depth": "3"}  # a refused call logs none of its params


def test_load_model_with_an_unknown_run_id_names_the_id(autolog_store):
    with pytest.raises(RunNotFoundError, match="0123456789abcdef0123456789abcdef"):
        autolog.load_model("runs:/0123456789abcdef0123456789abcdef/model")


def test_load_model_round_trips_a_logged_model(autolog_store):
    from autolog.flavors import PickleFlavor

    with autolog.start_run() as run:
        autolog.log_model({"weights": [1, 2, 3]}, PickleFlavor())
    assert autolog.load_model(f"runs:/{run.info.run_id}/model") == {"weights": [1, 2, 3]}


def test_an_unknown_option_is_a_type_error_for_a_plugin_and_ignored_with_a_warning_globally(fw, autolog_store):
    handle = getattr(autolog, fw.name)
    with pytest.raises(TypeError, match="log_everything"):
        handle.autolog(log_everything=True)
    with pytest.warns(UserWarning, match="ignores option.* log_everything"):
        autolog.autolog(log_everything=True)
    autolog.autolog(disable=True)
    assert not fw.module.Model.__dict__["fit"].__class__.__name__.endswith("Wrapper")


def test_an_option_only_one_plugin_knows_is_accepted_by_the_global_call(make_framework, autolog_store):
    knows = make_framework(options={"log_every_epoch": True})
    other = make_framework()
    autolog.autolog(log_every_epoch=False)
    try:
        assert getattr(autolog, knows.name).options["log_every_epoch"] is False
        assert "log_every_epoch" not in getattr(autolog, other.name).options
    finally:
        autolog.autolog(disable=True)


def test_artifact_path_too_deep_to_delete_is_refused_and_the_run_stays_deletable(autolog_store):
    import shutil

    with autolog.start_run() as run:
        with pytest.raises(ArtifactPathError, match="levels of directories"):
            autolog.log_text("x", "d/" * 1000 + "f.txt")
        autolog.log_text("x", "d/" * 99 + "f.txt")  # deep, but within the bound
    artifacts = run.info.artifact_uri.removeprefix("file://")
    shutil.rmtree(artifacts)  # Python's recursive removal copes: the run's files can be deleted
    assert not os.path.exists(artifacts)
