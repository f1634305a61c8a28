"""The ``keras`` model flavor: ``.keras`` where Keras can rebuild the model, its weights where it cannot.

Keras' native ``model.keras`` holds a model's config (its architecture) and weights. A model whose
class is the user's own subclass of ``keras.Model`` can only be written and read back that way if
the class implements ``get_config()`` (Keras cannot record the arguments a ``Model`` subclass was
built with: ``demo_subclass.py`` and most tutorials fail in ``save``, or save a file that does not
load). So:

- Sequential, functional models and subclasses with their own ``get_config()``: ``model.keras``.
  The user's classes found in the model (the model's, its layers') are recorded as
  ``custom_objects`` (``module:qualname``) and handed to ``keras.saving.load_model`` on loading,
  so an unregistered custom class loads wherever it is importable.
- A subclass without its own ``get_config()`` (or whose ``.keras`` save fails): ``model.weights.h5``
  (``save_weights``), the class as ``model_class`` (``module:qualname``), the input shape it was
  built with (``build_config``) and the constructor arguments when they can be read back
  (``init_args``: every ``__init__`` parameter stored on the model under its own name, as
  ``self.units = units``; a parameter with a default may be missing). ``WEIGHTS_ONLY.txt`` in the
  model directory says what was not saved and how to rebuild by hand.

``load_model`` of a weights-only model imports the class (a class defined in ``__main__`` or a
notebook resolves only in that same program), calls ``cls(**init_args)``, builds it by calling it
on zeros of the recorded input shape (batch of 1) and loads the weights: the model predicts as the
saved one, uncompiled (no optimizer state). When the class cannot be imported or its arguments
were not recoverable, it raises ``ModelLoadError`` saying how to rebuild it by hand.
Keras is imported only when used.

MLflow: a ``model.keras`` of Keras' own classes is what MLflow's ``keras`` flavor reads (its
``data: model`` names the file without the ``.keras`` it adds), so ``mlflow.keras.load_model``
and ``mlflow.pyfunc.load_model`` load it without autolog. A model with the user's own classes
or saved as weights cannot be read by MLflow's flavor (it knows neither ``custom_objects`` nor
the rebuild): MLflow's ``python_function`` then loads it through autolog
(``tracking_core.models.mlflow_pyfunc``), where this plugin is installed.
"""

from __future__ import annotations

import importlib
import inspect
import os
from typing import Any

MODEL_FILE = "model.keras"
WEIGHTS_FILE = "model.weights.h5"
NOTE_FILE = "WEIGHTS_ONLY.txt"
_JSON_SCALARS = (str, int, float, bool, type(None))


def _is_keras_class(cls: type) -> bool:
    return cls.__module__.split(".", 1)[0] in ("keras", "tf_keras", "tensorflow")


def _class_path(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def resolve_class(path: str) -> Any:
    module_name, _, qualname = path.partition(":")
    found: Any = importlib.import_module(module_name)
    for part in qualname.split("."):
        found = getattr(found, part)
    return found


def custom_classes(model: Any) -> dict[str, str]:
    """``{class name: module:qualname}`` of the user's classes in the model (itself and its layers)."""
    try:
        layers = model._flatten_layers(include_self=True, recursive=True)
    except Exception:
        layers = [model]
    found: dict[str, str] = {}
    for layer in layers:
        cls = type(layer)
        if not _is_keras_class(cls):
            found.setdefault(cls.__name__, _class_path(cls))
    return found


def has_own_config(model: Any) -> bool:
    """Whether the model's class, or a non-Keras base of it, defines ``get_config``."""
    for cls in type(model).__mro__:
        if _is_keras_class(cls):
            return False
        if "get_config" in cls.__dict__:
            return True
    return False


def weights_only_reason(model: Any) -> str | None:
    """Why the model is saved as weights (a user subclass without ``get_config()``), or None."""
    cls = type(model)
    if _is_keras_class(cls) or has_own_config(model):
        return None
    return f"{cls.__qualname__} subclasses keras.Model without get_config(): Keras cannot save its architecture"


def _json_value(value: Any) -> bool:
    if isinstance(value, _JSON_SCALARS):
        return not (isinstance(value, float) and value != value)
    if isinstance(value, (list, tuple)):
        return all(_json_value(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _json_value(v) for k, v in value.items())
    return False


def recover_init_args(model: Any) -> dict[str, Any] | None:
    """The constructor arguments stored on the model under their own names; None if a required one is not."""
    import keras

    try:
        parameters = inspect.signature(type(model).__init__).parameters
    except (TypeError, ValueError):
        return None
    found: dict[str, Any] = {}
    for name, parameter in list(parameters.items())[1:]:
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        if parameter.kind is parameter.POSITIONAL_ONLY:
            return None
        own = name in getattr(model, "__dict__", {}) and not hasattr(keras.Model, name)
        value = getattr(model, name, None) if own else None
        if own and _json_value(value):
            found[name] = _plain(value)  # Keras tracks lists and dicts set on a layer in its own types
        elif parameter.default is parameter.empty:
            return None
    return found


def _plain(value: Any) -> Any:
    """Plain YAML-safe lists, dicts and scalars (shapes are tuples; numpy or Keras types become builtins)."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if value is None or type(value) in _JSON_SCALARS:
        return value
    for kind in (bool, int, float, str):
        if isinstance(value, kind):
            return kind(value)
    return int(value)


def _note(model: Any, reason: str, init_args: dict | None, build_config: Any) -> str:
    cls = type(model)
    path = _class_path(cls)
    shape = build_config.get("input_shape") if isinstance(build_config, dict) else None
    call = (
        f"model(np.zeros({tuple([1, *[d or 1 for d in shape[1:]]])!r}))"
        if isinstance(shape, list) and shape and all(isinstance(d, (int, type(None))) for d in shape)
        else "model(<a batch of inputs>)"
    )
    if init_args is not None:
        args = ", ".join(f"{k}={v!r}" for k, v in init_args.items())
        how = (
            f"autolog.load_model rebuilds it where {path} can be imported: {cls.__qualname__}({args}), "
            "called once on a batch of zeros, then its weights loaded."
        )
    else:
        args = "<the arguments it was built with>"
        how = (
            f"autolog.load_model cannot rebuild it: the arguments {cls.__qualname__} was built with are not "
            "stored on the model under their own names (as self.units = units), so they are unknown."
        )
    if cls.__module__ == "__main__":
        how += " A class defined in __main__ is found only by the same script or notebook."
    lines = [
        f"Saved: the weights of this {cls.__qualname__} ({WEIGHTS_FILE}) and what rebuilds it (MLmodel).",
        f"Not saved: its architecture and optimizer state. {reason}.",
        "",
        how,
        "By hand:",
        f"    from {cls.__module__} import {cls.__qualname__.split('.')[0]}",
        f"    model = {cls.__qualname__}({args})",
        f"    {call}",
        f"    model.load_weights('{WEIGHTS_FILE}')",
        "To save the whole model instead, implement get_config() (and from_config() if needed) on the class.",
    ]
    return "\n".join(lines) + "\n"


class KerasFlavor:
    name = "keras"
    loader_module = "autolog_tensorflow.flavor"
    predict_module = "autolog_tensorflow.predict"

    def save(self, model: Any, model_dir: str) -> dict:
        import keras

        conf: dict[str, Any] = {"keras_version": keras.__version__, "backend": keras.backend.backend()}
        custom = custom_classes(model)
        if custom:
            conf["custom_objects"] = custom
        reason = weights_only_reason(model)
        if reason is None:
            path = os.path.join(model_dir, MODEL_FILE)
            try:
                model.save(path)
            except Exception as exc:
                if os.path.exists(path):
                    os.remove(path)
                if _is_keras_class(type(model)):
                    raise
                first_line = next((line for line in str(exc).splitlines() if line.strip()), "")
                reason = f"saving it as {MODEL_FILE} failed ({type(exc).__name__}: {first_line.strip()[:200]})"
            else:
                data = MODEL_FILE.removesuffix(".keras")  # MLflow's key: the path it adds .keras to
                return {"model_file": MODEL_FILE, "save_format": "keras", "data": data, **conf}
        return {**conf, **self._save_weights(model, model_dir, reason)}

    def _save_weights(self, model: Any, model_dir: str, reason: str) -> dict:
        model.save_weights(os.path.join(model_dir, WEIGHTS_FILE))
        try:
            build_config = _plain(model.get_build_config())
        except Exception:
            build_config = None
        init_args = recover_init_args(model)
        with open(os.path.join(model_dir, NOTE_FILE), "w") as fh:
            fh.write(_note(model, reason, init_args, build_config))
        return {
            "save_format": "weights",
            "weights_file": WEIGHTS_FILE,
            "model_class": _class_path(type(model)),
            "init_args": init_args,
            "build_config": build_config,
            "not_saved": reason,
        }

    def mlflow_pyfunc(self, flavor_conf: dict) -> dict | None:
        """``mlflow.keras`` for a ``.keras`` of Keras' own classes; None (autolog's loader) otherwise."""
        if flavor_conf.get("save_format") != "keras" or flavor_conf.get("custom_objects"):
            return None
        return {"loader_module": "mlflow.keras"}

    def __repr__(self) -> str:
        return "<KerasFlavor>"


FLAVOR = KerasFlavor()


def requirements() -> tuple[str, ...]:
    """The installed framework distributions (tensorflow or tensorflow-cpu, keras) and this plugin."""
    from importlib import metadata

    found = []
    for name in ("tensorflow", "tensorflow-cpu", "keras"):
        try:
            metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
        found.append(name)
    return (*found, "autolog-tensorflow")


def _resolved_custom_objects(paths: dict[str, str]) -> dict[str, Any]:
    found = {}
    for name, path in (paths or {}).items():
        try:
            found[name] = resolve_class(path)
        except Exception:
            continue  # Keras names the class it cannot find, if the model needs it
    return found


def _zeros(shape: Any) -> Any:
    """A batch of one input of ``shape`` (nested lists/dicts of shapes give the same structure)."""
    import numpy as np

    if isinstance(shape, dict):
        return {k: _zeros(v) for k, v in shape.items()}
    if isinstance(shape, list) and shape and all(isinstance(d, int) or d is None for d in shape):
        return np.zeros((1, *[d if d is not None else 1 for d in shape[1:]]), dtype="float32")
    if isinstance(shape, list):
        return [_zeros(s) for s in shape]
    raise ValueError(f"cannot build an input of shape {shape!r}")


def _load_weights_only(model_dir: str, conf: dict) -> Any:
    from tracking_core import ModelLoadError

    path = conf.get("model_class") or "?"
    weights = os.path.join(model_dir, conf.get("weights_file", WEIGHTS_FILE))
    how = f"rebuild it by hand as {os.path.join(model_dir, NOTE_FILE)} says"
    try:
        cls = resolve_class(path)
    except Exception as exc:
        raise ModelLoadError(
            f"the model in {model_dir!r} was saved as weights only and its class {path} is not "
            f"importable here ({type(exc).__name__}: {exc}): {how}"
        ) from None
    init_args = conf.get("init_args")
    if init_args is None:
        raise ModelLoadError(
            f"the model in {model_dir!r} was saved as weights only and the arguments of "
            f"{path} could not be recorded: {how}"
        )
    build = conf.get("build_config") or {}
    try:
        model = cls(**init_args)
        if "input_shape" in build:
            model(_zeros(build["input_shape"]))
        elif "shapes_dict" in build:
            model(**{k.removesuffix("_shape"): _zeros(v) for k, v in build["shapes_dict"].items()})
        model.load_weights(weights)
    except Exception as exc:
        raise ModelLoadError(
            f"could not rebuild {path}({init_args}) and load its weights from {model_dir!r} "
            f"({type(exc).__name__}: {exc}): {how}"
        ) from None
    return model


def load_model(model_dir: str, flavor_conf: dict) -> Any:
    import keras

    if flavor_conf.get("save_format") == "weights":
        return _load_weights_only(model_dir, flavor_conf)
    return keras.saving.load_model(
        os.path.join(model_dir, flavor_conf.get("model_file", MODEL_FILE)),
        custom_objects=_resolved_custom_objects(flavor_conf.get("custom_objects") or {}),
    )
