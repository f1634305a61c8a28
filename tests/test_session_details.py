"""Details of the session around a training call that a plugin author or user notices."""

from __future__ import annotations

import pytest

import autolog
from autolog import ArtifactToLog, hookimpl
from autolog.plugin_manager import register_plugin


def test_an_artifact_from_a_local_file_is_stored_under_the_name_asked_for(fw, autolog_store, tmp_path):
    local = tmp_path / "tmp123.html"
    local.write_text("<p>summary</p>")

    class Reports:
        @hookimpl
        def autolog_collect_artifacts(self, call):
            return [
                ArtifactToLog("reports/summary.html", local_path=str(local)),
                ArtifactToLog("same/tmp123.html", local_path=str(local)),
            ]

    register_plugin(Reports(), "reports")
    autolog.autolog()
    fw.module.Model(alpha=2.0).fit([1, 2])
    autolog.autolog(disable=True)
    run_id = autolog.last_active_run().info.run_id
    assert [f.path for f in autolog_store.list_artifacts(run_id, "reports")] == ["reports/summary.html"]
    assert [f.path for f in autolog_store.list_artifacts(run_id, "same")] == ["same/tmp123.html"]
    with open(autolog_store.download_artifacts(run_id, "reports/summary.html")) as fh:
        assert fh.read() == "<p>summary</p>"


def test_a_plugin_writing_to_call_config_changes_only_that_call(fw, autolog_store):
    seen = []

    class Writer:
        @hookimpl
        def autolog_before_training(self, call):
            seen.append(call.config["log_models"])
            call.config["log_models"] = False

    register_plugin(Writer(), "writer")
    autolog.autolog()
    fw.module.Model(alpha=1.0).fit([1, 2])
    fw.module.Model(alpha=2.0).fit([1, 2])
    assert seen == [True, True]
    assert autolog.integration_handle(fw.name).options["log_models"] is True
    from autolog.config import config

    with pytest.raises(TypeError):
        config.effective(autolog.integration_handle(fw.name).integration)["silent"] = True
    autolog.autolog(disable=True)


class SavesModel:
    @hookimpl
    def autolog_collect_models(self, call):
        from autolog import ModelToLog
        from autolog.flavors import PickleFlavor

        return [ModelToLog({"alpha": call.instance.alpha}, PickleFlavor())]


def test_two_autologged_fits_in_one_user_run_keep_both_models(fw, autolog_store):
    register_plugin(SavesModel(), "saves_model")
    autolog.autolog()
    with autolog.start_run() as run:
        fw.module.Model(alpha=1.0).fit([1, 2])
        fw.module.Model(alpha=5.0).fit([1, 2])
    autolog.autolog(disable=True)
    run_id = run.info.run_id
    names = {f.path for f in autolog_store.list_artifacts(run_id)}
    assert {"model", "model-2"} <= names
    assert autolog.load_model(f"runs:/{run_id}/model") == {"alpha": 1.0}
    assert autolog.load_model(f"runs:/{run_id}/model-2") == {"alpha": 5.0}


def test_param_values_carry_no_memory_address():
    """(issue 21, item 19) a function, class or object with an address-bearing repr logs the same text every run."""
    import functools

    from autolog.training_call import loggable_param

    def my_metric(a, b):
        return 0.0

    class Thing:
        pass

    assert loggable_param(my_metric) == my_metric.__qualname__
    assert loggable_param(Thing) == Thing.__qualname__
    assert loggable_param(len) == "len"
    assert "0x" not in loggable_param(Thing()) and "Thing object" in loggable_param(Thing())
    assert "0x" not in loggable_param([my_metric, 1])
    assert "0x" not in loggable_param(functools.partial(my_metric, 1))
    assert loggable_param(0.5) == 0.5 and loggable_param("x at 0x1") == "x at 0x1" and loggable_param(None) is None
    assert loggable_param((1, 2)) == "(1, 2)"
