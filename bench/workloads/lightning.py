"""Lightning workload: a 3-epoch ``Trainer.fit`` of a small dense model on 2,000 x 20 (CPU).

No progress bar, logger, checkpointing or model summary, and a temporary root directory, so the
timing is the training and what autologging adds to it. MLflow's counterpart is ``mlflow.pytorch``.
"""

from __future__ import annotations

import tempfile
from typing import Any

import lightning.pytorch as L  # (ImportError: not installed)
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from . import Workload

EPOCHS = 3
_ROOT = tempfile.mkdtemp(prefix="autolog-bench-lightning-")


class DenseClassifier(L.LightningModule):
    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(20, 32), nn.ReLU(), nn.Linear(32, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)

    def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        x, y = batch
        loss = nn.functional.binary_cross_entropy_with_logits(self(x).squeeze(1), y)
        self.log("train_loss", loss, on_step=False, on_epoch=True)
        return loss

    def validation_step(self, batch: Any, batch_idx: int) -> None:
        x, y = batch
        self.log("val_loss", nn.functional.binary_cross_entropy_with_logits(self(x).squeeze(1), y))

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.Adam(self.parameters(), lr=1e-3)


def _prepare() -> tuple[DataLoader, DataLoader]:
    generator = torch.Generator().manual_seed(0)
    X = torch.randn(2000, 20, generator=generator)
    y = (X[:, :3].sum(dim=1) + torch.randn(2000, generator=generator) > 0).float()
    return (
        DataLoader(TensorDataset(X[:1600], y[:1600]), batch_size=64),
        DataLoader(TensorDataset(X[1600:], y[1600:]), batch_size=64),
    )


def _train(data: tuple[DataLoader, DataLoader]) -> Any:
    train, val = data
    trainer = L.Trainer(
        max_epochs=EPOCHS,
        accelerator="cpu",
        devices=1,
        logger=False,
        enable_progress_bar=False,
        enable_checkpointing=False,
        enable_model_summary=False,
        num_sanity_val_steps=0,
        default_root_dir=_ROOT,
    )
    model = DenseClassifier()
    trainer.fit(model, train, val)
    return model


WORKLOADS = [Workload("lightning Trainer.fit 3 epochs 2000x20", "lightning", "pytorch", _prepare, _train, repeat=5)]
