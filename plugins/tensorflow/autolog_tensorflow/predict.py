"""The generic predict of the ``keras`` flavor: the model's outputs for a batch of inputs.

The input (a DataFrame becomes its values) is one array, the model's single input; the answer
is the model's output as a numpy array (probabilities for a softmax classifier: Keras models
have no ``predict`` of labels). Batches up to ``ONE_CALL_ROWS`` rows go through
``predict_on_batch`` (one call, no per-call setup: a single row costs a millisecond or so, not
the tens of milliseconds of ``predict``); larger ones through ``predict`` in Keras' batches.
"""

from __future__ import annotations

from typing import Any

from .flavor import load_model

ONE_CALL_ROWS = 1024


class KerasPredictor:
    def __init__(self, model: Any):
        self.model = model

    def predict(self, data: Any) -> Any:
        import numpy as np
        import pandas as pd

        if isinstance(data, pd.DataFrame):
            data = data.to_numpy()
        if len(data) <= ONE_CALL_ROWS:
            return np.asarray(self.model.predict_on_batch(data))
        return np.asarray(self.model.predict(data, verbose=0))


def load_predictor(model_dir: str, flavor_conf: dict) -> KerasPredictor:
    return KerasPredictor(load_model(model_dir, flavor_conf))
