"""The model format: a directory with an ``MLmodel`` YAML file, the native model, requirements.

A *flavor* knows how to save and load one kind of model. It is any object with ``name``,
``loader_module`` and ``save(model, model_dir) -> dict``; the loader module (importable by
name, recorded in MLmodel) has ``load_model(model_dir, flavor_conf)``. So ``load_model`` works
in a fresh process without any registry: MLmodel says which module reads the model.
A flavor with a ``predict_module`` attribute also gets a ``python_function`` section, the
generic predict interface (``pyfunc``). That section is also MLflow's: it names the
``loader_module`` that ``mlflow.pyfunc.load_model`` imports. A flavor whose files MLflow's own
flavor reads says so with ``mlflow_pyfunc(flavor_conf) -> dict`` (``{"loader_module":
"mlflow.sklearn", "model_path": "model.pkl"}``: the keys MLflow's loader reads); without it, or
when it returns None, MLflow is pointed at ``tracking_core.models.mlflow_pyfunc``, which loads through our
own predict where autolog and the plugin are installed.
"""

from __future__ import annotations

import datetime
import importlib
import json
import os
import platform
import shutil
import tempfile
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import metadata as importlib_metadata
from typing import Any, Protocol

import yaml

from ..errors import ModelLoadError
from .signature import infer_signature, input_example_payload

PREDICT_MODULE_KEY = "predict_module"
PYFUNC_FLAVOR = "python_function"  # the MLmodel section of the generic predict interface (pyfunc.py)
# MLflow's key in that section: the module whose _load_pyfunc(path) mlflow.pyfunc.load_model calls.
MLFLOW_LOADER_KEY = "loader_module"
AUTOLOG_MLFLOW_LOADER = "tracking_core.models.mlflow_pyfunc"
MLMODEL_FILE = "MLmodel"
REQUIREMENTS_FILE = "requirements.txt"
# A flavor's save() may return this key: distributions its files need at load time (not in MLmodel).
EXTRA_REQUIREMENTS_KEY = "extra_requirements"

_YamlDumper: type[Any]
_YamlLoader: type[Any]
try:
    _YamlDumper = yaml.CSafeDumper
    _YamlLoader = yaml.CSafeLoader
except AttributeError:  # pyyaml built without libyaml
    _YamlDumper = yaml.SafeDumper
    _YamlLoader = yaml.SafeLoader


class Flavor(Protocol):
    name: str
    loader_module: str

    def save(self, model: Any, model_dir: str) -> dict:
        """Write the model's files into ``model_dir``; return this flavor's MLmodel config (with
        ``extra_requirements``: distributions needed to load what it wrote, added to requirements.txt)."""


@dataclass(frozen=True)
class ModelInfo:
    model_dir: str
    artifact_path: str | None
    flavors: dict
    model_uuid: str
    run_id: str | None


@cache
def installed_version(distribution: str) -> str | None:
    try:
        return importlib_metadata.version(distribution)
    except importlib_metadata.PackageNotFoundError:
        return None


def pinned_requirements(distributions: Iterable[str]) -> list[str]:
    pins = []
    for name in distributions:
        version = installed_version(name)
        pins.append(f"{name}=={version}" if version else name)
    return pins


def save_model(
    model: Any,
    model_dir: str,
    flavor: Flavor,
    *,
    run_id: str | None = None,
    artifact_path: str | None = None,
    requirements: Iterable[str] = (),
    signature: dict | None = None,
    signature_inputs: Any = None,
    signature_outputs: Any = None,
    input_example: Any = None,
) -> ModelInfo:
    """Save ``model`` with ``flavor`` into ``model_dir`` (created; must not hold another model).

    The model is written into a staging directory beside ``model_dir`` and moved into place only
    once complete: a save that fails (a model that cannot be pickled, a full disk) leaves nothing.
    """
    if os.path.exists(os.path.join(model_dir, MLMODEL_FILE)):
        raise FileExistsError(f"a model is already saved in {model_dir}")
    parent = os.path.dirname(os.path.abspath(model_dir))
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=".saving-model-", dir=parent)
    try:
        info = _save_into(
            model,
            staging,
            flavor,
            run_id=run_id,
            artifact_path=artifact_path,
            requirements=requirements,
            signature=signature,
            signature_inputs=signature_inputs,
            signature_outputs=signature_outputs,
            input_example=input_example,
        )
        _move_into_place(staging, model_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return ModelInfo(model_dir, info.artifact_path, info.flavors, info.model_uuid, info.run_id)


def _move_into_place(staging: str, model_dir: str) -> None:
    if not os.path.isdir(model_dir) or not os.listdir(model_dir):
        os.replace(staging, model_dir)  # one rename (over an empty directory too)
        return
    for name in os.listdir(staging):  # the directory holds other artifacts: add the model's files
        os.replace(os.path.join(staging, name), os.path.join(model_dir, name))
    os.rmdir(staging)


def _save_into(
    model: Any,
    model_dir: str,
    flavor: Flavor,
    *,
    run_id: str | None,
    artifact_path: str | None,
    requirements: Iterable[str],
    signature: dict | None,
    signature_inputs: Any,
    signature_outputs: Any,
    input_example: Any,
) -> ModelInfo:
    flavor_conf = dict(flavor.save(model, model_dir) or {})
    requirements = [*requirements, *flavor_conf.pop(EXTRA_REQUIREMENTS_KEY, ())]
    flavor_conf.setdefault("loader_module", flavor.loader_module)
    model_uuid = uuid.uuid4().hex
    flavors = {flavor.name: flavor_conf}
    predict_section = pyfunc_section(flavor, flavor_conf)  # the generic predict interface, when the flavor has one
    if predict_section is not None:
        flavors[PYFUNC_FLAVOR] = predict_section
    mlmodel: dict[str, Any] = {
        "artifact_path": artifact_path,
        "flavors": flavors,
        "model_uuid": model_uuid,
        "run_id": run_id,
        "utc_time_created": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f"),
    }
    if signature is None and signature_inputs is not None:
        signature = infer_signature(signature_inputs, signature_outputs)
    if signature:
        mlmodel["signature"] = signature
    if input_example is not None:
        example = input_example_payload(input_example)
        if example is not None:
            payload, info = example
            with open(os.path.join(model_dir, info["artifact_path"]), "w") as fh:
                json.dump(payload, fh)
            mlmodel["saved_input_example_info"] = info
    with open(os.path.join(model_dir, REQUIREMENTS_FILE), "w") as fh:
        fh.write("".join(line + "\n" for line in pinned_requirements(requirements)))
    with open(os.path.join(model_dir, MLMODEL_FILE), "w") as fh:
        yaml.dump(mlmodel, fh, Dumper=_YamlDumper, default_flow_style=False, sort_keys=False)
    return ModelInfo(model_dir, artifact_path, mlmodel["flavors"], model_uuid, run_id)


def pyfunc_section(flavor: Any, flavor_conf: dict | None = None) -> dict | None:
    """The MLmodel ``python_function`` section for a model saved with ``flavor`` (None: it has no predict module).

    Our keys (``predict_module``, ``flavor``) and MLflow's (``loader_module`` and what its loader
    reads, from the flavor's ``mlflow_pyfunc(flavor_conf)``), so both load the model.
    """
    module = getattr(flavor, PREDICT_MODULE_KEY, None)
    if not module:
        return None
    mlflow_keys = getattr(flavor, "mlflow_pyfunc", None)
    mlflow_conf = mlflow_keys(flavor_conf or {}) if mlflow_keys is not None else None
    return {
        MLFLOW_LOADER_KEY: AUTOLOG_MLFLOW_LOADER,
        **(mlflow_conf or {}),
        PREDICT_MODULE_KEY: str(module),
        "flavor": flavor.name,
        "python_version": platform.python_version(),
    }


def read_mlmodel(model_dir: str) -> dict:
    path = os.path.join(model_dir, MLMODEL_FILE)
    if not os.path.isfile(path):
        raise ModelLoadError(f"no MLmodel file in {model_dir!r}: not a saved model directory")
    with open(path) as fh:
        return yaml.load(fh, Loader=_YamlLoader)


def load_model_from_dir(model_dir: str, flavor: str | None = None) -> Any:
    """Load the native model from a local model directory with its flavor's loader module."""
    mlmodel = read_mlmodel(model_dir)
    flavors = mlmodel.get("flavors") or {}
    if flavor is not None:
        if flavor not in flavors:
            raise ModelLoadError(f"model in {model_dir!r} has no flavor {flavor!r} (it has {sorted(flavors)})")
        candidates = [flavor]
    else:
        candidates = [name for name, conf in flavors.items() if isinstance(conf, dict) and conf.get("loader_module")]
        if not candidates:
            raise ModelLoadError(f"model in {model_dir!r} names no loader module in any flavor")
    name = candidates[0]
    conf = flavors[name]
    try:
        module = importlib.import_module(conf["loader_module"])
    except ImportError as exc:
        raise ModelLoadError(
            f"cannot load the {name!r} model in {model_dir!r}: its loader {conf['loader_module']!r} "
            f"is not importable ({exc}); install the plugin that saved it"
        ) from exc
    return module.load_model(model_dir, conf)
