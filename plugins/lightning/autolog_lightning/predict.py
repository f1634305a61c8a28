"""The generic predict of the ``lightning`` flavor: the module's ``forward`` on a float tensor.

A LightningModule has no ``predict`` of its own that works without a Trainer and a DataLoader,
so the generic predict is what ``module(x)`` computes: the input (a DataFrame becomes its values)
is converted to one tensor of the module's floating dtype (its first floating parameter's, else
``float32``), on the CPU, and ``forward`` runs under ``torch.no_grad()`` in eval mode. The output
tensor comes back as a numpy array (raw outputs: logits for a classifier that returns logits).
A module whose ``forward`` takes several inputs, or returns something other than one tensor, is
outside this interface: load it with ``autolog.load_model(uri)`` and call it yourself.

Only a module whose class was importable when it was logged can be rebuilt (see ``flavor``);
otherwise the model directory holds its state dict only and loading for predict says so.
"""

from __future__ import annotations

from typing import Any

from .flavor import load_model


class LightningPredictor:
    def __init__(self, module: Any):
        import torch

        self.module = module.eval()
        self.dtype = next((p.dtype for p in module.parameters() if p.is_floating_point()), torch.float32)

    def predict(self, data: Any) -> Any:
        import numpy as np
        import pandas as pd
        import torch

        if isinstance(data, pd.DataFrame):
            data = data.to_numpy()
        array = np.asarray(data)
        if array.dtype.kind not in "biuf":
            raise TypeError(f"the lightning module takes numbers; got an array of {array.dtype}")
        with torch.no_grad():
            output = self.module(torch.tensor(array, dtype=self.dtype))  # a copy: pandas' arrays are read-only
        if not isinstance(output, torch.Tensor):
            raise TypeError(
                f"the module's forward returned {type(output).__name__}, not one tensor: load it with "
                f"autolog.load_model(uri) and call it yourself"
            )
        return output.detach().cpu().numpy()


def load_predictor(model_dir: str, flavor_conf: dict) -> LightningPredictor:
    from tracking_core import ModelLoadError

    module = load_model(model_dir, flavor_conf)
    if isinstance(module, dict):
        raise ModelLoadError(
            f"the lightning model in {model_dir!r} holds only its state dict (its class was not "
            f"importable when it was logged, e.g. defined in __main__): there is no module to "
            f"predict with; rebuild it yourself and load_state_dict(autolog.load_model(uri))"
        )
    return LightningPredictor(module)
