"""Model flavors plugins can use as they are: pickle-based saving for Python objects.

A flavor is any object with ``name``, ``loader_module`` and ``save(model, model_dir) -> dict``;
``loader_module`` names a module with ``load_model(model_dir, flavor_conf)``. A flavor may also
have ``accepts(model) -> bool``: ``log_model(model)`` without a flavor uses the first registered
flavor (``autolog_register_flavors``) that accepts the model. ``PickleFlavor`` is such an object
whose loader is this module, so its models load with only autolog installed.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

PICKLE_FILE = "model.pkl"


class PickleFlavor:
    loader_module = "autolog.flavors"

    def __init__(
        self, name: str = "python_pickle", extra_conf: dict | None = None, accepts: Callable[[Any], bool] | None = None
    ):
        self.name = name
        self.extra_conf = dict(extra_conf or {})
        self._accepts = accepts

    def accepts(self, model: Any) -> bool:
        """Whether ``log_model`` without a flavor should use this one (none, unless told)."""
        return self._accepts is not None and bool(self._accepts(model))

    def save(self, model: Any, model_dir: str) -> dict:
        data, serialization_format = _pickled(model)
        with open(os.path.join(model_dir, PICKLE_FILE), "wb") as fh:
            fh.write(data)
        conf = {"pickled_model": PICKLE_FILE, "serialization_format": serialization_format, **self.extra_conf}
        if serialization_format == "cloudpickle":
            conf["extra_requirements"] = ["cloudpickle"]
        return conf

    def __repr__(self) -> str:
        return f"<PickleFlavor {self.name!r}>"


def _pickled(model: Any) -> tuple[bytes, str]:
    """The model's bytes, and "pickle" or "cloudpickle".

    The standard library's pickle when it gives a pickle that loads elsewhere: it is fast and
    loading needs nothing more. cloudpickle (as MLflow does for scikit-learn) when stdlib pickle
    fails (a lambda, a local class) or refers to ``__main__`` (a class defined in a notebook or the
    training script, which stdlib pickle saves by a name no other process can resolve):
    cloudpickle saves such classes by value.
    """
    import pickle

    try:
        data = pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)
        if b"__main__" not in data:
            return data, "pickle"
    except (pickle.PicklingError, AttributeError, TypeError):
        pass
    try:
        import cloudpickle
    except ImportError:  # the error above is the one worth showing
        return pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL), "pickle"
    return cloudpickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL), "cloudpickle"


def load_model(model_dir: str, flavor_conf: dict) -> Any:
    import pickle

    with open(os.path.join(model_dir, flavor_conf.get("pickled_model", PICKLE_FILE)), "rb") as fh:
        return pickle.load(fh)


def flavor_for(model: Any) -> Any:
    """The first registered flavor that accepts ``model`` (the generic pickle flavor comes last)."""
    from .plugin_manager import flavors

    for flavor in flavors():
        accepts = getattr(flavor, "accepts", None)
        if accepts is not None and accepts(model):
            return flavor
    return PickleFlavor(accepts=lambda _model: True)


def log_model(model: Any, flavor: Any = None, artifact_path: str = "model", **save_options: Any):
    """Log ``model`` into the active run, with ``flavor`` or the registered flavor that accepts it."""
    import tracking_core

    return tracking_core.log_model(
        model, flavor if flavor is not None else flavor_for(model), artifact_path, **save_options
    )
