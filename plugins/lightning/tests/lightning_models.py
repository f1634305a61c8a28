"""LightningModules and data for the Lightning plugin tests (importable, so models rebuild)."""

from __future__ import annotations

import os
from typing import Any

import lightning.pytorch as L
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.set_num_threads(1)


def loaders(n: int = 256, batch_size: int = 64) -> tuple[DataLoader, DataLoader]:
    generator = torch.Generator().manual_seed(0)
    X = torch.randn(n, 8, generator=generator)
    y = X @ torch.randn(8, 1, generator=generator) + 0.1 * torch.randn(n, 1, generator=generator)
    split = n * 3 // 4
    return (
        DataLoader(TensorDataset(X[:split], y[:split]), batch_size=batch_size),
        DataLoader(TensorDataset(X[split:], y[split:]), batch_size=batch_size),
    )


class _RegressorSteps:
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)

    def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        x, y = batch
        loss = nn.functional.mse_loss(self(x), y)
        self.log("train_loss", loss, on_step=True, on_epoch=True)
        return loss

    def validation_step(self, batch: Any, batch_idx: int) -> None:
        x, y = batch
        self.log("val_loss", nn.functional.mse_loss(self(x), y))

    def test_step(self, batch: Any, batch_idx: int) -> None:
        x, y = batch
        self.log("test_loss", nn.functional.mse_loss(self(x), y))
        self.log("test_mae", nn.functional.l1_loss(self(x), y))

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.Adam(self.parameters(), lr=self.hparams.lr)


class Regressor(_RegressorSteps, L.LightningModule):
    def __init__(self, hidden: int = 8, lr: float = 0.01):
        super().__init__()
        self.save_hyperparameters()
        self.net = nn.Sequential(nn.Linear(8, hidden), nn.ReLU(), nn.Linear(hidden, 1))


def trainer(L_module: Any, root: str | os.PathLike, **kwargs: Any) -> Any:
    options = dict(
        max_epochs=3,
        accelerator="cpu",
        devices=1,
        logger=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        enable_checkpointing=False,
        default_root_dir=str(root),
    )
    options.update(kwargs)
    return L_module.Trainer(**options)


class TwoOptimizers(Regressor):
    """Manual optimization stepping two optimizers per batch: ``global_step`` grows by 2 a batch."""

    def __init__(self, hidden: int = 8, lr: float = 0.01):
        super().__init__(hidden, lr)
        self.automatic_optimization = False

    def training_step(self, batch: Any, batch_idx: int) -> None:
        x, y = batch
        first, second = self.optimizers()
        loss = nn.functional.mse_loss(self(x), y)
        first.zero_grad()
        second.zero_grad()
        self.manual_backward(loss)
        first.step()
        second.step()
        self.log("train_loss", loss, on_step=True, on_epoch=True)

    def configure_optimizers(self) -> Any:
        return [
            torch.optim.Adam(self.net[0].parameters(), lr=self.hparams.lr),
            torch.optim.Adam(self.net[2].parameters(), lr=self.hparams.lr),
        ]
