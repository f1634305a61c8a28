"""The ``lightning`` model flavor: a LightningModule's state dict and how to rebuild it.

``save`` writes ``state_dict.pt`` and, when the module's class is importable by name (not defined
in ``__main__`` or a closure), the class path and its saved hyperparameters (``init_args.pkl``,
from ``save_hyperparameters()``). ``load_model`` rebuilds the module with ``cls(**init_args)``,
loads the weights and returns it in eval mode; without an importable class it returns the state
dict. torch is imported only when used.
"""

from __future__ import annotations

import importlib
import os
import pickle
from typing import Any

STATE_DICT_FILE = "state_dict.pt"
INIT_ARGS_FILE = "init_args.pkl"


def class_path(model: Any) -> str | None:
    """``module:QualName`` if importing it gives back this model's class, else None."""
    cls = type(model)
    if cls.__module__ == "__main__" or "<locals>" in cls.__qualname__:
        return None
    try:
        found: Any = importlib.import_module(cls.__module__)
        for part in cls.__qualname__.split("."):
            found = getattr(found, part)
    except Exception:
        return None
    return f"{cls.__module__}:{cls.__qualname__}" if found is cls else None


class LightningFlavor:
    name = "lightning"
    loader_module = "autolog_lightning.flavor"
    predict_module = "autolog_lightning.predict"

    def save(self, model: Any, model_dir: str) -> dict:
        import torch

        torch.save(model.state_dict(), os.path.join(model_dir, STATE_DICT_FILE))
        conf: dict[str, Any] = {"state_dict": STATE_DICT_FILE, "torch_version": str(torch.__version__)}
        path = class_path(model)
        if path is not None:
            init_args = dict(getattr(model, "hparams", None) or {})
            try:
                with open(os.path.join(model_dir, INIT_ARGS_FILE), "wb") as fh:
                    pickle.dump(init_args, fh, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception:  # hyperparameters that do not pickle: weights only
                os.remove(os.path.join(model_dir, INIT_ARGS_FILE))
            else:
                conf.update({"model_class": path, "init_args": INIT_ARGS_FILE})
        return conf

    def __repr__(self) -> str:
        return "<LightningFlavor>"


FLAVOR = LightningFlavor()


def load_model(model_dir: str, flavor_conf: dict) -> Any:
    import torch

    state_dict = torch.load(
        os.path.join(model_dir, flavor_conf.get("state_dict", STATE_DICT_FILE)), map_location="cpu", weights_only=True
    )
    path = flavor_conf.get("model_class")
    if not path:
        return state_dict
    module_name, _, qualname = path.partition(":")
    cls: Any = importlib.import_module(module_name)
    for part in qualname.split("."):
        cls = getattr(cls, part)
    with open(os.path.join(model_dir, flavor_conf.get("init_args", INIT_ARGS_FILE)), "rb") as fh:
        init_args = pickle.load(fh)
    model = cls(**init_args)
    model.load_state_dict(state_dict)
    return model.eval()


def requirements(trainer_class: type) -> tuple[str, ...]:
    """torch, the Lightning distribution the Trainer comes from, and this plugin."""
    lightning = "pytorch-lightning" if trainer_class.__module__.startswith("pytorch_lightning") else "lightning"
    return ("torch", lightning, "autolog-lightning")
