"""One test per hook in autolog/hookspecs.py, named ``test_hook_<name>`` (the meta-test checks it).

Each registers a small second plugin beside the fake framework's plugin and shows what a user
notices when that hook is implemented.
"""

from __future__ import annotations

import json

import pytest

import autolog
from autolog import ArtifactToLog, ModelToLog, hookimpl
from autolog.flavors import PickleFlavor
from autolog.plugin_manager import flavors, register_plugin


def _add(plugin_cls, name="observer"):
    register_plugin(plugin_cls(), name)


def test_hook_autolog_register_integrations(fw, autolog_store):
    assert getattr(autolog, fw.name).integration.modules == (fw.module_name,)
    autolog.autolog()
    fw.module.Model(alpha=2.0).fit([1, 2])
    autolog.autolog(disable=True)
    run = autolog.last_active_run()
    assert run.data.tags["autolog.autologging"] == fw.name
    assert run.data.params == {"alpha": "2.0"}


def test_hook_autolog_register_flavors(fw, autolog_store):
    class FlavorPlugin:
        @hookimpl
        def autolog_register_flavors(self, register):
            register(PickleFlavor("fake_flavor"))

    _add(FlavorPlugin)
    names = [f.name for f in flavors()]
    assert "fake_flavor" in names and "python_pickle" in names


class ToyTable(list):
    """A framework's own data type: a list of floats no core describer knows."""


def test_hook_autolog_describe_dataset(fw, autolog_store):
    from autolog.plugin import DataSummary, new_digest

    class DescribeToyTables:
        @hookimpl
        def autolog_describe_dataset(self, data):
            if not isinstance(data, ToyTable):
                return None
            digest = new_digest("ToyTable", len(data))
            digest.update(repr(list(data)).encode())
            schema = {"columns": [{"name": "value", "type": "double"}]}
            return DataSummary(digest, "toytable", schema, {"num_rows": len(data)})

    _add(DescribeToyTables)
    autolog.autolog()
    fw.module.Model().fit(ToyTable([1.0, 2.0, 3.0]))
    autolog.autolog(disable=True)
    (given,) = autolog.last_active_run().inputs.dataset_inputs
    assert given.dataset.name == "X" and json.loads(given.dataset.profile)["library"] == "toytable"
    assert json.loads(given.dataset.profile)["num_rows"] == 3
    with autolog.start_run():  # by hand too, with the same digest for the same content
        autolog.log_input(ToyTable([1.0, 2.0, 3.0]), context="training", name="table")
    assert autolog.last_active_run().inputs.dataset_inputs[0].dataset.digest == given.dataset.digest


@pytest.fixture
def enabled(fw, autolog_store):
    autolog.autolog()
    yield fw
    autolog.autolog(disable=True)


def test_hook_autolog_before_training(enabled, autolog_store):
    seen_epochs = []

    class AddCallback:
        @hookimpl
        def autolog_before_training(self, call):
            callbacks = call.kwargs.get("callbacks") or []
            call.kwargs["callbacks"] = [*callbacks, lambda epoch: call.log_metrics({"epoch_seen": epoch}, epoch)]

    _add(AddCallback)
    user_callbacks = [seen_epochs.append]
    enabled.module.Model().fit([1.0], epochs=3, callbacks=user_callbacks)
    run_id = autolog.last_active_run().info.run_id
    assert [m.step for m in autolog_store.get_metric_history(run_id, "epoch_seen")] == [0, 1, 2]
    assert seen_epochs == [0, 1, 2] and len(user_callbacks) == 1


def test_hook_autolog_collect_params(enabled, autolog_store):
    class ExtraParams:
        @hookimpl
        def autolog_collect_params(self, call):
            return {"n_samples": len(call.args[0])}

    _add(ExtraParams)
    enabled.module.Model(alpha=0.25).fit([1.0, 2.0, 3.0])
    assert autolog.last_active_run().data.params == {"alpha": "0.25", "n_samples": "3"}


def test_hook_autolog_collect_metrics(enabled, autolog_store):
    class ExtraMetrics:
        @hookimpl
        def autolog_collect_metrics(self, call):
            return {"double_loss": 2 * call.result.loss_, "not_a_number": "text", "infinite": float("inf")}

    _add(ExtraMetrics)
    model = enabled.module.Model(alpha=1.0).fit([1.0, 2.0])
    metrics = autolog.last_active_run().data.metrics
    assert metrics == {"loss": model.loss_, "double_loss": 2 * model.loss_}


def test_hook_autolog_collect_tags(enabled, autolog_store):
    class Tags:
        @hookimpl
        def autolog_collect_tags(self, call):
            return {"model_kind": type(call.instance).__name__}

    _add(Tags)
    enabled.module.Inheriting().fit([1.0])
    assert autolog.last_active_run().data.tags["model_kind"] == "Inheriting"


def test_hook_autolog_collect_artifacts(enabled, autolog_store):
    class Artifacts:
        @hookimpl
        def autolog_collect_artifacts(self, call):
            return [
                ArtifactToLog("reports/params.json", content=json.dumps(call.instance.get_params())),
                ArtifactToLog("raw.bin", content=b"\x00\x01"),
            ]

    _add(Artifacts)
    enabled.module.Model(alpha=3.0).fit([1.0])
    run_id = autolog.last_active_run().info.run_id
    with open(autolog_store.download_artifacts(run_id, "reports/params.json")) as fh:
        assert json.load(fh) == {"alpha": 3.0}
    with open(autolog_store.download_artifacts(run_id, "raw.bin"), "rb") as fh:
        assert fh.read() == b"\x00\x01"


def test_hook_autolog_collect_models(enabled, autolog_store):
    class Models:
        @hookimpl
        def autolog_collect_models(self, call):
            return [ModelToLog(call.instance, PickleFlavor("fake_flavor"), "fake_model")]

    _add(Models)
    model = enabled.module.Model(alpha=4.0).fit([1.0, 1.0])
    run_id = autolog.last_active_run().info.run_id
    loaded = autolog.load_model(f"runs:/{run_id}/fake_model")
    assert loaded.loss_ == model.loss_ and loaded.alpha == 4.0


def test_hook_autolog_collect_models_is_not_asked_with_log_models_false(fw, autolog_store):
    asked = []

    class Models:
        @hookimpl
        def autolog_collect_models(self, call):
            asked.append(call)

    _add(Models)
    autolog.autolog(log_models=False)
    fw.module.Model().fit([1.0])
    autolog.autolog(disable=True)
    assert asked == []


def test_hook_autolog_run_started(enabled, autolog_store):
    started = []

    class Observer:
        @hookimpl
        def autolog_run_started(self, call):
            started.append((call.run_id, autolog.active_run().info.run_id, call.owns_run))

    _add(Observer)
    enabled.module.Model().fit([1.0])
    run_id = autolog.last_active_run().info.run_id
    assert started == [(run_id, run_id, True)]


def test_hook_autolog_step_metrics(enabled, autolog_store):
    steps = []

    class Callback:
        @hookimpl
        def autolog_before_training(self, call):
            call.kwargs["callbacks"] = [lambda epoch: call.log_metrics({"tick": epoch * 10}, epoch)]

    class Observer:
        @hookimpl
        def autolog_step_metrics(self, call, metrics, step):
            steps.append((step, metrics))

    _add(Callback, "callback")
    _add(Observer, "observer")
    enabled.module.Model().fit([1.0], epochs=2)
    assert steps == [(0, {"tick": 0.0}), (1, {"tick": 10.0})]


def test_hook_autolog_run_ended(enabled, autolog_store):
    ended = []

    class Observer:
        @hookimpl
        def autolog_run_ended(self, call, status):
            ended.append(status)

    _add(Observer)
    enabled.module.Model().fit([1.0])
    with pytest.raises(ValueError):
        enabled.module.Model(fail_with=ValueError("bad data")).fit([1.0])
    assert ended == ["FINISHED", "FAILED"]
