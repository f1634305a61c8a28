import pytest

import autolog


@pytest.fixture
def toy(template_plugin, autolog_enable):
    autolog_enable("template")
    import toyframework

    return toyframework


def test_fit_logs_params_metrics_per_epoch_loss_and_model(toy, autolog_store):
    X, y = [1.0, 2.0, 3.0], [2.0, 4.0, 6.0]
    model = toy.Model(lr=0.05).fit(X, y, epochs=4)

    run = autolog.last_active_run()
    assert run.data.tags["autolog.autologging"] == "template"
    assert run.data.params == {"lr": "0.05", "epochs": "4"}
    assert run.data.metrics["training_loss"] == pytest.approx(model.loss_)
    history = autolog_store.get_metric_history(run.info.run_id, "loss")
    assert [m.step for m in history] == [0, 1, 2, 3]
    assert history[-1].value == pytest.approx(model.loss_)
    loaded = autolog.load_model(f"runs:/{run.info.run_id}/model")
    assert loaded.predict([10.0]) == model.predict([10.0])


def test_user_callbacks_list_is_left_unchanged(toy, autolog_store):
    seen = []
    callbacks = [lambda epoch, loss: seen.append(epoch)]
    toy.Model().fit([1.0], [1.0], epochs=2, callbacks=callbacks)
    assert len(callbacks) == 1 and seen == [0, 1]


def test_disable_restores_the_original_fit(toy, autolog_store):
    patched = toy.Model.__dict__["fit"]
    autolog.template.autolog(disable=True)
    assert toy.Model.__dict__["fit"] is not patched
    assert not hasattr(toy.Model.__dict__["fit"], "__wrapped__")


def test_arguments_passed_positionally_are_read_and_the_callback_still_added(toy, autolog_store):
    seen = []
    callbacks = [lambda epoch, loss: seen.append(epoch)]
    toy.Model(lr=0.05).fit([1.0, 2.0], [2.0, 4.0], 3, callbacks)

    run = autolog.last_active_run()
    assert run.data.params["epochs"] == "3"
    assert [m.step for m in autolog_store.get_metric_history(run.info.run_id, "loss")] == [0, 1, 2]
    assert seen == [0, 1, 2] and len(callbacks) == 1


def test_a_bad_option_value_is_refused_at_the_autolog_call(toy, autolog_store):
    with pytest.raises(autolog.InvalidOptionError, match="log_every_epoch"):
        autolog.template.autolog(log_every_epoch="yes")
