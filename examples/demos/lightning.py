"""Lightning demo: a tiny regression LightningModule, 3 epochs on CPU, nothing written to the cwd."""

from __future__ import annotations

import tempfile

import lightning.pytorch  # noqa: F401  (ImportError here means: not installed, skip)


def demo() -> str:
    import lightning.pytorch as L
    import torch
    from torch import nn
    from torch.utils.data import DataLoader, TensorDataset

    class Regressor(L.LightningModule):
        def __init__(self, lr: float = 0.01):
            super().__init__()
            self.save_hyperparameters()
            self.net = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1))

        def forward(self, x):
            return self.net(x)

        def training_step(self, batch, batch_idx):
            x, y = batch
            loss = nn.functional.mse_loss(self(x), y)
            self.log("train_loss", loss, on_step=False, on_epoch=True)
            return loss

        def validation_step(self, batch, batch_idx):
            x, y = batch
            self.log("val_loss", nn.functional.mse_loss(self(x), y))

        def configure_optimizers(self):
            return torch.optim.Adam(self.parameters(), lr=self.hparams.lr)

    generator = torch.Generator().manual_seed(0)
    X = torch.randn(512, 8, generator=generator)
    y = X @ torch.randn(8, 1, generator=generator)
    train = DataLoader(TensorDataset(X[:384], y[:384]), batch_size=64)
    val = DataLoader(TensorDataset(X[384:], y[384:]), batch_size=64)
    with tempfile.TemporaryDirectory() as root:
        trainer = L.Trainer(
            max_epochs=3,
            accelerator="cpu",
            devices=1,
            logger=False,
            enable_progress_bar=False,
            enable_model_summary=False,
            default_root_dir=root,
        )
        trainer.fit(Regressor(), train, val)
    val_loss = float(trainer.callback_metrics["val_loss"])
    return f"Lightning Trainer.fit, {trainer.current_epoch} epochs: val_loss {val_loss:.3f}"
