"""Lightning Trainer.fit autologging: params, per-epoch metrics, early stopping, summary, model."""

from __future__ import annotations

import pytest
import torch
from lightning_models import Regressor, TwoOptimizers, loaders, trainer

import autolog


def recorder(L, seen: dict):
    class Record(L.Callback):
        def on_train_epoch_end(self, trainer, pl_module):
            seen[trainer.current_epoch] = {k: float(v) for k, v in trainer.callback_metrics.items()}

    return Record()


def test_fit_logs_params_and_per_epoch_metrics_equal_to_lightning(lightning_enabled, autolog_store, tmp_path):
    L = lightning_enabled()
    seen: dict = {}
    train, val = loaders()
    trainer(L, tmp_path, callbacks=[recorder(L, seen)]).fit(Regressor(), train, val)

    run = autolog.last_active_run()
    assert run.info.status == "FINISHED"
    assert run.data.tags["autolog.autologging"] == "lightning"
    params = run.data.params
    assert params["epochs"] == "3" and params["optimizer_name"] == "Adam"
    assert float(params["learning_rate"]) == pytest.approx(0.01)
    assert params["optimizer_betas"] == "(0.9, 0.999)"
    for key in ("train_loss_epoch", "val_loss"):
        history = autolog_store.get_metric_history(run.info.run_id, key)
        assert [m.step for m in history] == [0, 1, 2]
        assert [m.value for m in history] == pytest.approx([seen[e][key] for e in range(3)])


def test_early_stopping_params_and_metrics(lightning_enabled, autolog_store, tmp_path):
    L = lightning_enabled()
    from lightning.pytorch.callbacks import EarlyStopping

    stopper = EarlyStopping(monitor="val_loss", patience=1, min_delta=1e6, mode="min")
    train, val = loaders()
    t = trainer(L, tmp_path, max_epochs=10, callbacks=[stopper])
    t.fit(Regressor(), train, val)

    run = autolog.last_active_run()
    epochs_run = t.current_epoch
    assert 0 < epochs_run < 10
    assert len(autolog_store.get_metric_history(run.info.run_id, "val_loss")) == epochs_run
    assert {k: run.data.params[k] for k in ("monitor", "patience", "min_delta", "mode")} == {
        "monitor": "val_loss",
        "patience": "1",
        "min_delta": "1000000.0",
        "mode": "min",
    }
    assert run.data.metrics["stopped_epoch"] == stopper.stopped_epoch > 0
    val_losses = [m.value for m in autolog_store.get_metric_history(run.info.run_id, "val_loss")]
    assert run.data.metrics["best_epoch"] == val_losses.index(min(val_losses))
    assert "restored_epoch" not in run.data.metrics  # Lightning's EarlyStopping restores no weights


def test_summary_model_round_trip_and_checkpoint(lightning_enabled, autolog_store, tmp_path):
    L = lightning_enabled()
    train, val = loaders()
    model = Regressor(hidden=4, lr=0.02)
    trainer(L, tmp_path, max_epochs=2, enable_checkpointing=True).fit(model, train, val)

    run_id = autolog.last_active_run().info.run_id
    names = {a.path for a in autolog_store.list_artifacts(run_id)}
    assert {"model_summary.txt", "model", "checkpoints"} <= names
    with open(autolog_store.download_artifacts(run_id, "model_summary.txt")) as fh:
        assert "Linear" in fh.read()
    assert autolog_store.list_artifacts(run_id, "checkpoints")[0].path.endswith(".ckpt")
    loaded = autolog.load_model(f"runs:/{run_id}/model")
    assert type(loaded) is Regressor and loaded.hparams.hidden == 4
    x = torch.randn(5, 8)
    with torch.no_grad():
        assert torch.allclose(loaded(x), model.eval()(x))


def test_log_models_false_and_every_n_steps(lightning_enabled, autolog_store, tmp_path):
    L = lightning_enabled(log_models=False, log_every_n_steps=2)
    train, val = loaders()  # 3 training batches per epoch
    trainer(L, tmp_path, max_epochs=2, enable_checkpointing=True).fit(Regressor(), train, val)

    run_id = autolog.last_active_run().info.run_id
    names = {a.path for a in autolog_store.list_artifacts(run_id)}
    assert "model" not in names and "checkpoints" not in names
    assert [m.step for m in autolog_store.get_metric_history(run_id, "train_loss_step")] == [2, 4, 6]
    assert len(autolog_store.get_metric_history(run_id, "train_loss_epoch")) == 2


def test_pytorch_lightning_trainer_is_patched_too(autolog_enable, autolog_store, tmp_path):
    autolog_enable("pytorch_lightning")
    import pytorch_lightning as pl
    from torch import nn

    class Tiny(pl.LightningModule):
        def __init__(self):
            super().__init__()
            self.net = nn.Linear(8, 1)

        def training_step(self, batch, batch_idx):
            x, y = batch
            loss = nn.functional.mse_loss(self.net(x), y)
            self.log("loss", loss, on_epoch=True, on_step=False)
            return loss

        def configure_optimizers(self):
            return torch.optim.SGD(self.parameters(), lr=0.1)

    train, _ = loaders()
    trainer(pl, tmp_path, max_epochs=2).fit(Tiny(), train)
    run = autolog.last_active_run()
    assert run.data.params["optimizer_name"] == "SGD"
    assert len(autolog_store.get_metric_history(run.info.run_id, "loss")) == 2
    # a class defined in a function cannot be rebuilt: the model loads as its state dict
    assert set(autolog.load_model(f"runs:/{run.info.run_id}/model")) == {"net.weight", "net.bias"}


def test_a_model_larger_than_max_model_size_mb_is_skipped_with_one_warning(
    lightning_enabled, autolog_store, tmp_path, monkeypatch
):
    monkeypatch.delenv("AUTOLOG_TESTING", raising=False)
    L = lightning_enabled(max_model_size_mb=0.0001)
    train, val = loaders()
    with pytest.warns(autolog.AutologWarning, match="larger than max_model_size_mb"):
        trainer(L, tmp_path, max_epochs=1).fit(Regressor(), train, val)
    run = autolog.last_active_run()
    assert run.info.status == "FINISHED"
    assert "model" not in {f.path for f in autolog_store.list_artifacts(run.info.run_id)}


def test_every_n_steps_logs_only_what_was_logged_at_the_step(lightning_enabled, autolog_store, tmp_path):
    """No epoch-level value (val_loss, train_loss_epoch) re-logged under a *_step name (issue 21, item 5)."""
    L = lightning_enabled(log_every_n_steps=1)
    train, val = loaders()  # 3 training batches per epoch
    trainer(L, tmp_path, max_epochs=3).fit(Regressor(), train, val)

    run = autolog.last_active_run()
    step_keys = {key for key in run.data.metrics if key.endswith("_step")}
    assert step_keys == {"train_loss_step"}
    steps = autolog_store.get_metric_history(run.info.run_id, "train_loss_step")
    assert [m.step for m in steps] == list(range(1, 10))
    assert len({m.value for m in steps}) == 9  # each the loss of its own step
    assert [m.step for m in autolog_store.get_metric_history(run.info.run_id, "val_loss")] == [0, 1, 2]


def test_every_n_steps_with_two_optimizers_counts_training_steps(lightning_enabled, autolog_store, tmp_path):
    L = lightning_enabled(log_every_n_steps=2)
    train, val = loaders()  # 3 training batches per epoch; global_step grows by 2 a batch
    fitted = trainer(L, tmp_path, max_epochs=2)
    fitted.fit(TwoOptimizers(), train, val)
    assert fitted.global_step == 12

    run_id = autolog.last_active_run().info.run_id
    assert [m.step for m in autolog_store.get_metric_history(run_id, "train_loss_step")] == [2, 4, 6]


def test_saved_hyperparameters_are_run_params(lightning_enabled, autolog_store, tmp_path):
    """A module's save_hyperparameters() values are its configuration (issue 21, item 18)."""
    L = lightning_enabled()
    train, val = loaders()
    trainer(L, tmp_path, max_epochs=1).fit(Regressor(hidden=5, lr=0.02), train, val)

    params = autolog.last_active_run().data.params
    assert params["hidden"] == "5" and params["lr"] == "0.02"
    assert params["learning_rate"] == "0.02" and params["epochs"] == "1"
