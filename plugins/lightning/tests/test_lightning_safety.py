"""What autologging must never change about a Lightning fit: errors, callbacks, nesting, disable."""

from __future__ import annotations

import pytest
from lightning_models import Regressor, loaders, trainer

import autolog


class Boom(Exception):
    pass


def test_trainer_callbacks_are_left_as_they_were(lightning_enabled, autolog_store, tmp_path):
    L = lightning_enabled()
    from lightning.pytorch.callbacks import EarlyStopping

    user_list = [EarlyStopping(monitor="val_loss")]
    t = trainer(L, tmp_path, max_epochs=1, callbacks=user_list)
    before, before_items, loggers = t.callbacks, list(t.callbacks), list(t.loggers)
    train, val = loaders()
    t.fit(Regressor(), train, val)
    assert t.callbacks is before and t.callbacks == before_items
    assert list(t.loggers) == loggers and len(user_list) == 1


def test_user_callback_exception_propagates_run_failed_callbacks_restored(lightning_enabled, autolog_store, tmp_path):
    L = lightning_enabled()

    class Explode(L.Callback):
        def on_train_epoch_end(self, trainer, pl_module):
            if trainer.current_epoch == 1:
                raise Boom("user error")

    t = trainer(L, tmp_path, callbacks=[Explode()])
    before = list(t.callbacks)
    train, val = loaders()
    with pytest.raises(Boom, match="user error"):
        t.fit(Regressor(), train, val)
    run = autolog.last_active_run()
    assert run.info.status == "FAILED"
    assert len(autolog_store.get_metric_history(run.info.run_id, "val_loss")) == 1
    assert t.callbacks == before


def test_failing_metric_extraction_warns_and_training_finishes(lightning_enabled, autolog_store, tmp_path, monkeypatch):
    import autolog_lightning.callback

    def broken(metrics):
        raise RuntimeError("cannot read metrics")

    monkeypatch.setattr(autolog_lightning.callback, "scalar_metrics", broken)
    monkeypatch.delenv("AUTOLOG_TESTING")
    L = lightning_enabled(log_every_n_steps=1)
    train, val = loaders()
    t = trainer(L, tmp_path, max_epochs=2)
    with pytest.warns(autolog.AutologWarning, match="logging per-iteration metrics"):
        t.fit(Regressor(), train, val)
    assert t.state.finished and t.current_epoch == 2
    run = autolog.last_active_run()
    assert run.info.status == "FINISHED"
    assert autolog_store.get_metric_history(run.info.run_id, "val_loss") == []
    assert "epochs" in run.data.params


def test_nested_fit_logs_once(lightning_enabled, autolog_store, tmp_path):
    L = lightning_enabled()
    train, val = loaders()

    class FitAnother(L.Callback):
        def on_train_start(self, trainer_, pl_module):
            trainer(L, tmp_path / "inner", max_epochs=1).fit(Regressor(), train)

    trainer(L, tmp_path, max_epochs=2, callbacks=[FitAnother()]).fit(Regressor(), train, val)
    runs = autolog_store.search_runs()
    assert len(runs) == 1
    assert len(autolog_store.get_metric_history(runs[0].info.run_id, "val_loss")) == 2


def test_disable_restores_the_original_fit(lightning_enabled, autolog_store):
    L = lightning_enabled()
    assert hasattr(L.Trainer.__dict__["fit"], "__wrapped__")
    autolog.pytorch_lightning.autolog(disable=True)
    assert not hasattr(L.Trainer.__dict__["fit"], "__wrapped__")
