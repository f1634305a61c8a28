"""The public plugin-author API (``autolog.plugin``): an integration declares its own collectors,
``TrainingCall``'s helpers, and the runs of trained objects for calls after training."""

from __future__ import annotations

import types
import warnings

import pytest

import autolog
import tracking_core
from autolog import plugin as api
from autolog.testing import register_plugin


def declarative_plugin(name: str, module_name: str, **collectors):
    """A plugin module that only registers one integration with the given collectors."""

    def patch(module, patcher):
        patcher.wrap_training(module.Model, "fit")
        patcher.wrap_training(module.Inheriting, "fit")

    integration = api.Integration(name=name, modules=(module_name,), patch=patch, **collectors)
    plugin = types.ModuleType(f"plugin_{name}")

    @api.hookimpl
    def autolog_register_integrations(register):
        register(integration)

    plugin.autolog_register_integrations = autolog_register_integrations
    return plugin


@pytest.fixture
def declared(make_framework):
    """``declared(**collectors)``: a fresh fake framework whose plugin declares only collectors."""

    def make(**collectors):
        framework = make_framework(register=False)
        register_plugin(declarative_plugin(framework.name, framework.module_name, **collectors), framework.name)
        framework.module = framework.import_()
        return framework

    return make


def test_the_plugin_module_exports_what_a_plugin_needs():
    for name in (
        "Integration",
        "TrainingCall",
        "ModelToLog",
        "ArtifactToLog",
        "hookimpl",
        "Patcher",
        "PickleFlavor",
        "report",
        "warn_once",
        "in_training",
        "current_call",
        "TAG_AUTOLOGGING",
        "options",
        "option_checks",
        "remember_run",
        "run_of",
        "post_training_wrapper",
    ):
        assert hasattr(api, name), name
        assert name in api.__all__
    assert api.TAG_AUTOLOGGING == "autolog.autologging"


def test_declared_collectors_log_their_integrations_calls_only(declared, make_framework, autolog_store):
    calls = []
    fw = declared(
        collect_params=lambda call: calls.append(call.integration) or {"alpha": call.instance.alpha},
        collect_metrics=lambda call: {"loss": call.instance.loss_},
        collect_tags=lambda call: {"kind": type(call.instance).__name__},
        collect_artifacts=lambda call: [api.ArtifactToLog("notes/a.txt", content="hello")],
        collect_models=lambda call: [api.ModelToLog(call.instance, api.PickleFlavor("fake"))],
    )
    other = make_framework()  # another integration (the old-style fake plugin)
    other.module = other.import_()
    autolog.autolog()
    fw.module.Model(alpha=3.0).fit([1, 2])
    run = autolog.last_active_run()
    other.module.Model(alpha=1.0).fit([1])
    other_run = autolog.last_active_run()
    autolog.autolog(disable=True)

    assert run.data.params == {"alpha": "3.0"}
    assert run.data.metrics == {"loss": 9.0}
    assert run.data.tags["kind"] == "Model"
    paths = {f.path for f in autolog_store.list_artifacts(run.info.run_id)}
    assert {"notes", "model"} <= paths
    assert autolog.load_model(f"runs:/{run.info.run_id}/model").alpha == 3.0
    assert calls == [fw.name]  # not asked for the other integration's call
    assert "kind" not in other_run.data.tags


def test_a_failing_collector_costs_only_itself_with_one_warning_naming_the_plugin(declared, autolog_store, monkeypatch):
    monkeypatch.delenv("AUTOLOG_TESTING")

    def broken(call):
        raise RuntimeError("collector bug")

    fw = declared(collect_params=broken, collect_metrics=lambda call: {"loss": call.instance.loss_})
    autolog.autolog()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fw.module.Model(alpha=2.0).fit([1, 2])
    autolog.autolog(disable=True)
    run = autolog.last_active_run()
    assert run.data.metrics == {"loss": 6.0} and run.data.params == {}
    messages = [str(w.message) for w in caught if issubclass(w.category, autolog.AutologWarning)]
    assert len(messages) == 1
    assert "collector bug" in messages[0] and "collecting params" in messages[0]


def test_after_training_runs_however_training_ends_and_before_training_can_add_a_callback(declared, autolog_store):
    ended = []
    epochs = []

    def before(call):
        assert call.add_callback(lambda epoch: epochs.append(epoch))

    fw = declared(before_training=before, after_training=lambda call, status: ended.append(status))
    autolog.autolog()
    user_callbacks = [lambda epoch: None]
    fw.module.Model().fit([1], epochs=2, callbacks=user_callbacks)
    with pytest.raises(ZeroDivisionError):
        fw.module.Model(fail_with=ZeroDivisionError("user bug")).fit([1])
    autolog.autolog(disable=True)
    assert ended == ["FINISHED", "FAILED"]
    assert epochs == [0, 1, 0]
    assert len(user_callbacks) == 1  # the user's list was copied, not changed


def test_call_arguments_are_bound_against_the_signature(declared, autolog_store):
    seen = {}

    def before(call):
        seen["arguments"] = call.arguments
        seen["epochs"] = call.argument("epochs")
        call.replace_argument("y", [9])
        seen["user_y"] = call.user_argument("y")

    fw = declared(before_training=before)
    autolog.autolog()
    model = fw.module.Model()
    model.fit([1, 2], [3], epochs=4)
    autolog.autolog(disable=True)
    assert seen["arguments"] == {"X": [1, 2], "y": [3], "epochs": 4, "callbacks": None}
    assert seen["epochs"] == 4 and seen["user_y"] == [3]
    assert model.seen_args_[1] == [9]  # replaced where the user passed it (positionally)


def test_guarded_reports_an_error_once_and_training_goes_on(declared, autolog_store, monkeypatch):
    monkeypatch.delenv("AUTOLOG_TESTING")

    def before(call):
        with call.guarded("preparing the summary"):
            raise ValueError("summary bug")
        call.state["after_guard"] = True

    got = {}
    fw = declared(before_training=before, after_training=lambda call, status: got.update(call.state))
    autolog.autolog()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = fw.module.Model(alpha=1.0).fit([2])
    autolog.autolog(disable=True)
    assert model.loss_ == 2.0 and got["after_guard"]
    messages = [str(w.message) for w in caught if issubclass(w.category, autolog.AutologWarning)]
    assert len(messages) == 1 and "preparing the summary" in messages[0] and "summary bug" in messages[0]


def test_call_logs_into_its_own_run_from_another_thread(declared, autolog_store):
    import threading

    def before(call):
        thread = threading.Thread(
            target=lambda: (call.log_text("from a thread", "thread.txt"), call.set_tags({"thread": "yes"}))
        )
        thread.start()
        thread.join()

    fw = declared(before_training=before)
    autolog.autolog()
    fw.module.Model().fit([1])
    autolog.autolog(disable=True)
    run = autolog.last_active_run()
    assert run.data.tags["thread"] == "yes"
    assert [f.path for f in autolog_store.list_artifacts(run.info.run_id, None)].count("thread.txt") == 1
    assert len(autolog_store.search_runs()) == 1  # nothing went to a new run


def test_integration_flavors_are_registered(declared, autolog_store):
    flavor = api.PickleFlavor("declared_flavor", accepts=lambda model: getattr(model, "alpha", None) == 7)
    fw = declared(flavors=(flavor,))
    with autolog.start_run():
        info = autolog.log_model(fw.module.Model(alpha=7))
    assert "declared_flavor" in info.flavors


def test_an_evaluation_after_training_goes_into_the_trained_run(declared, autolog_store, monkeypatch):
    """remember_run / run_of / post_training_wrapper: the Keras-evaluate pattern, in the core."""
    monkeypatch.delenv("AUTOLOG_TESTING")
    evaluated = []

    def on_result(result, instance, args, kwargs):
        run = api.run_of(instance)
        if run is not None:
            if result < 0:
                raise RuntimeError("evaluation logging bug")
            evaluated.append(run.run_id)
            run.log_metrics({"eval_score": result})

    def evaluate(self, X):
        return float(sum(X)) - 10 if X == [-1] else float(sum(X))

    fw = declared(
        after_training=lambda call, status: status == "FINISHED" and api.remember_run(call.instance, call, step=3)
    )
    import wrapt

    # What a patch function does with ``patcher.wrap(Model, "evaluate", wrapper)``.
    fw.module.Model.evaluate = wrapt.FunctionWrapper(
        evaluate, api.post_training_wrapper(fw.name, on_result, "logging evaluate metrics")
    )
    autolog.autolog()
    model = fw.module.Model(alpha=1.0).fit([1])
    run_id = autolog.last_active_run().info.run_id
    assert model.evaluate([2, 3]) == 5.0
    assert api.run_of(fw.module.Model()) is None  # never trained: nothing logged for it
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert model.evaluate([-1]) == -11.0  # the logging fails: the result is still the user's
    autolog.autolog(disable=True)
    assert model.evaluate([4]) == 4.0  # disabled: not logged
    history = autolog_store.get_metric_history(run_id, "eval_score")
    assert [(m.value, m.step) for m in history] == [(5.0, 3)]
    assert evaluated == [run_id]
    assert any("evaluation logging bug" in str(w.message) for w in caught)


def test_tracking_core_open_run_ids_and_settings(tmp_path):
    before = tracking_core.tracking_settings()
    try:
        tracking_core.set_tracking_uri(str(tmp_path / "store"))
        tracking_core.set_experiment("exp-a")
        assert tracking_core.tracking_settings() == (str(tmp_path / "store"), "exp-a")
        with tracking_core.start_run() as run:
            assert run.info.run_id in tracking_core.open_run_ids()
        assert run.info.run_id not in tracking_core.open_run_ids()
    finally:
        tracking_core.restore_tracking_settings(before)
    assert tracking_core.tracking_settings() == before
