"""Distributed Lightning fits: one run per fit, made by global rank 0 only.

``ddp_spawn`` pickles the Trainer (our callback included) into worker processes: the fit must
work, the workers must log nothing, and the parent's run ends FINISHED with what it can see.
A process that Lightning's ``ddp`` launcher starts for another rank (``LOCAL_RANK=1``) trains
unlogged.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import textwrap

import pytest
import torch
from lightning_models import Regressor, loaders, trainer

import autolog

TESTS_DIR = os.path.dirname(__file__)


def gloo_available() -> bool:
    import torch.distributed as dist

    return dist.is_available() and dist.is_gloo_available()


@pytest.mark.skipif(not gloo_available(), reason="torch.distributed with gloo is not available")
def test_ddp_spawn_fit_succeeds_and_the_parent_run_is_finished(lightning_enabled, autolog_store, tmp_path, monkeypatch):
    # The workers see the same store: a worker that logged would add runs or metrics to it.
    monkeypatch.setenv("AUTOLOG_TRACKING_URI", str(tmp_path / "autologruns"))
    monkeypatch.chdir(tmp_path)
    L = lightning_enabled()
    train, val = loaders(n=64, batch_size=16)
    model = Regressor()
    t = trainer(L, tmp_path, max_epochs=1, strategy="ddp_spawn", devices=2, num_sanity_val_steps=0)
    t.fit(model, train, val)

    assert t.state.finished
    runs = autolog_store.search_runs()
    assert len(runs) == 1
    run = runs[0]
    assert run.info.status == "FINISHED" and run.data.tags["autolog.autologging"] == "lightning"
    assert run.data.params["epochs"] == "1"
    assert run.data.metrics["val_loss"] == pytest.approx(float(t.callback_metrics["val_loss"]))
    assert len(autolog_store.get_metric_history(run.info.run_id, "val_loss")) == 1
    loaded = autolog.load_model(f"runs:/{run.info.run_id}/model")  # the weights the workers trained
    x = torch.randn(4, 8)
    with torch.no_grad():
        assert torch.allclose(loaded(x), model.eval()(x))


def test_a_pickled_callback_is_inert(lightning_enabled, autolog_store, tmp_path):
    L = lightning_enabled()
    seen: list = []

    class Pickle(L.Callback):
        def on_train_start(self, trainer_, pl_module):
            ours = trainer_.callbacks[-1]
            copy = pickle.loads(pickle.dumps(ours))
            seen.append((type(copy) is type(ours), ours.call is not None, copy.call))
            copy.on_train_epoch_end(trainer_, pl_module)  # logs nothing, raises nothing

    train, _ = loaders(n=32, batch_size=16)
    trainer(L, tmp_path, max_epochs=1, callbacks=[Pickle()]).fit(Regressor(), train)
    assert seen == [(True, True, None)]
    run_id = autolog.last_active_run().info.run_id
    assert [m.step for m in autolog_store.get_metric_history(run_id, "train_loss_epoch")] == [0]


def test_a_process_of_another_rank_trains_without_a_run(tmp_path):
    store = tmp_path / "autologruns"
    script = tmp_path / "rank1.py"
    script.write_text(
        textwrap.dedent(f"""
        import autolog
        autolog.lightning.autolog()
        import lightning.pytorch as L
        from lightning_models import Regressor, loaders, trainer

        train, _ = loaders(n=32, batch_size=16)
        t = trainer(L, {str(tmp_path)!r}, max_epochs=1)
        t.fit(Regressor(), train)
        print("trained", t.state.finished, t.global_step, autolog.last_active_run())
    """)
    )
    env = {
        **os.environ,
        "LOCAL_RANK": "1",
        "AUTOLOG_TESTING": "1",
        "AUTOLOG_TRACKING_URI": str(store),
        "PYTHONPATH": os.pathsep.join([TESTS_DIR, os.environ.get("PYTHONPATH", "")]),
    }
    done = subprocess.run(
        [sys.executable, str(script)], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "trained True 2 None" in done.stdout
    assert not store.exists() or autolog.TrackingClient(str(store)).search_runs() == []


def test_a_pytorch_lightning_callback_unpickles_in_a_fresh_process_without_its_call(
    autolog_enable, autolog_store, tmp_path
):
    # (the lightning.pytorch classes unpickle in the ddp_spawn workers above)
    autolog_enable("pytorch_lightning")
    import pytorch_lightning as pl
    from pl_models import PlRegressor

    ours: list = []

    class Grab(pl.Callback):
        def on_train_start(self, trainer_, pl_module):
            ours.append(pickle.dumps(trainer_.callbacks[-1]))

    train, _ = loaders(n=32, batch_size=16)
    trainer(pl, tmp_path, max_epochs=1, callbacks=[Grab()]).fit(PlRegressor(), train)
    code = (
        "import pickle, sys; c = pickle.loads(sys.stdin.buffer.read()); "
        "print(type(c).__module__, type(c).__qualname__, c.call, type(c).__mro__[-2].__module__)"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([TESTS_DIR, os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", code], input=ours[0], env=env, capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.decode().split() == [
        "autolog_lightning.callback",
        "AutologCallback_pytorch_lightning",
        "None",
        "pytorch_lightning.callbacks.callback",
    ]
