"""After a Lightning fit: test/validate metrics in the fit's run; calling styles; option values."""

from __future__ import annotations

import pytest
from lightning_models import Regressor, loaders, trainer

import autolog


def test_test_and_validate_after_fit_log_into_the_fits_run(lightning_enabled, autolog_store, tmp_path):
    L = lightning_enabled()
    train, val = loaders()
    model = Regressor()
    t = trainer(L, tmp_path, max_epochs=2, enable_checkpointing=True)
    t.fit(model, train, val)
    run_id = autolog.last_active_run().info.run_id

    (tested,) = t.test(model, val, verbose=False)
    (validated,) = t.validate(dataloaders=val, verbose=False)  # the trainer's module, best checkpoint

    run = autolog_store.get_run(run_id)
    assert run.info.status == "FINISHED"
    assert run.data.metrics["test_loss"] == pytest.approx(tested["test_loss"])
    assert run.data.metrics["test_mae"] == pytest.approx(tested["test_mae"])
    assert [m.step for m in autolog_store.get_metric_history(run_id, "test_loss")] == [2]
    val_history = autolog_store.get_metric_history(run_id, "val_loss")
    assert [m.step for m in val_history] == [0, 1, 2]  # the fit's epochs, then validate()
    assert val_history[-1].value == pytest.approx(validated["val_loss"])
    assert len(autolog_store.search_runs()) == 1


def test_a_module_loaded_from_a_checkpoint_is_tested_into_the_trainers_fit_run(
    lightning_enabled, autolog_store, tmp_path
):
    L = lightning_enabled()
    train, val = loaders()
    t = trainer(L, tmp_path, max_epochs=1, enable_checkpointing=True)
    t.fit(Regressor(), train, val)
    run_id = autolog.last_active_run().info.run_id

    restored = Regressor.load_from_checkpoint(t.checkpoint_callback.best_model_path)
    (tested,) = t.test(model=restored, dataloaders=val, verbose=False)
    assert autolog_store.get_run(run_id).data.metrics["test_loss"] == pytest.approx(tested["test_loss"])


def test_testing_without_an_autologged_fit_logs_nothing(lightning_enabled, autolog_store, tmp_path):
    L = lightning_enabled()
    _, val = loaders()
    results = trainer(L, tmp_path).test(Regressor(), val, verbose=False)
    assert "test_loss" in results[0]
    assert autolog_store.search_runs() == []


def test_fit_with_a_positional_datamodule_logs_like_one_by_name(lightning_enabled, autolog_store, tmp_path):
    L = lightning_enabled()
    train, val = loaders()

    class Data(L.LightningDataModule):
        def train_dataloader(self):
            return train

        def val_dataloader(self):
            return val

    model = Regressor()
    t = trainer(L, tmp_path, max_epochs=2)
    t.fit(model, Data())  # Lightning accepts a datamodule in the train_dataloaders position
    run = autolog.last_active_run()
    assert [m.step for m in autolog_store.get_metric_history(run.info.run_id, "val_loss")] == [0, 1]
    assert "model" in {f.path for f in autolog_store.list_artifacts(run.info.run_id)}


def test_fit_with_keyword_arguments_only_saves_the_model(lightning_enabled, autolog_store, tmp_path):
    L = lightning_enabled()
    train, val = loaders()
    trainer(L, tmp_path, max_epochs=1).fit(model=Regressor(), train_dataloaders=train, val_dataloaders=val)
    run_id = autolog.last_active_run().info.run_id
    assert type(autolog.load_model(f"runs:/{run_id}/model")) is Regressor


@pytest.mark.parametrize(
    "option, value",
    [
        ("log_every_n_steps", 0),
        ("log_every_n_steps", -5),
        ("log_every_n_steps", 1.5),
        ("max_model_size_mb", -0.5),
        ("log_every_epoch", 1),
    ],
)
def test_a_bad_option_value_is_a_value_error_naming_it(autolog_store, option, value):
    with pytest.raises(ValueError, match=option):
        autolog.lightning.autolog(**{option: value})
    with pytest.raises(ValueError, match=option):
        autolog.autolog(**{option: value})


def test_test_after_its_run_was_deleted_warns_and_returns_lightnings_results(
    lightning_enabled, autolog_store, tmp_path, monkeypatch
):
    monkeypatch.delenv("AUTOLOG_TESTING")
    L = lightning_enabled()
    train, val = loaders()
    model = Regressor()
    t = trainer(L, tmp_path, max_epochs=1)
    t.fit(model, train, val)
    autolog_store.delete_run(autolog.last_active_run().info.run_id)
    with pytest.warns(autolog.AutologWarning, match="test/validate"):
        results = t.test(model, val, verbose=False)
    assert set(results[0]) == {"test_loss", "test_mae"}


def test_random_split_loaders_of_the_same_size_are_told_apart_by_content(lightning_enabled, autolog_store, tmp_path):
    """A Subset (random_split) is digested by its content: test() after fit records its test set
    even when the validation set has the same size (issue 21, item 14)."""
    import torch
    from torch.utils.data import DataLoader, TensorDataset, random_split

    L = lightning_enabled()
    generator = torch.Generator().manual_seed(0)
    X = torch.randn(300, 8, generator=generator)
    y = X @ torch.randn(8, 1, generator=generator)
    train_set, val_set, test_set = random_split(TensorDataset(X, y), [200, 50, 50], generator=generator)
    model = Regressor()
    t = trainer(L, tmp_path, max_epochs=1)
    t.fit(model, DataLoader(train_set, batch_size=50), DataLoader(val_set, batch_size=50))
    run_id = autolog.last_active_run().info.run_id
    t.test(model, DataLoader(test_set, batch_size=50), verbose=False)

    inputs = autolog_store.get_run(run_id).inputs.dataset_inputs
    contexts = sorted(i.context for i in inputs)
    assert contexts == ["eval", "test", "training"]
    assert len({i.dataset.digest for i in inputs}) == 3
