"""How a run describes a ``tf.data.Dataset`` it was given (hook ``autolog_describe_dataset``).

Without iterating it: the element spec, the cardinality and the stages of the pipeline, plus the
source tensors of ``from_tensor_slices``/``from_tensors`` pipelines (attributes tf.data keeps; not
after ``flat_map``/``interleave``/``from_generator``, whose elements are made by user code) or the
file names of a ``TFRecordDataset`` (``digest_covers``: content, file names or structure).
"""

from __future__ import annotations

import itertools
import sys
from typing import Any

from autolog.plugin import DataSummary, hash_array, new_digest


def describe(data: Any) -> DataSummary | None:
    """The summary of a ``tf.data.Dataset``, None for anything else."""
    module = type(data).__module__ or ""
    if not (module.split(".")[0] == "tensorflow" or "tensorflow" in module):
        return None
    tf = sys.modules.get("tensorflow")
    if tf is None or not isinstance(data, tf.data.Dataset):
        return None
    import numpy as np

    tensors = []
    for path, component in _spec_leaves(data.element_spec, ""):
        dtype = getattr(component, "dtype", None)
        shape = getattr(component, "shape", None)
        tensors.append(
            {
                "name": path,
                "dtype": getattr(dtype, "name", str(dtype)),
                "shape": [-1 if d is None else d for d in shape.as_list()]
                if shape is not None and shape.rank is not None
                else None,
            }
        )
    try:
        cardinality = int(data.cardinality())
    except Exception:
        cardinality = -2
    chain = _chain(data)
    stages = [type(d).__name__ for d in chain]
    digest = new_digest("tf.data", stages, tensors, cardinality)
    covers, source = "structure", None
    # Elements come from the root's tensors unless a stage makes new ones from them (from_generator
    # is flat_map over from_tensors(0); interleave opens files named by them).
    if not any(word in stage for stage in stages for word in ("FlatMap", "Interleave", "Generator")):
        for source_tensor in _source_tensors(chain[-1], tf):
            try:
                hash_array(digest, np.asarray(source_tensor.numpy()), np)
                covers = "content"
            except Exception:
                pass
    filenames = getattr(chain[-1], "_filenames", None)  # TFRecordDataset / TextLineDataset
    if filenames is not None:
        try:
            names = [n.decode() if isinstance(n, bytes) else str(n) for n in np.asarray(filenames.numpy()).reshape(-1)]
            digest.update("|files|".join(names).encode())
            source = {"type": "local", "uri": names[0] if len(names) == 1 else names}
            covers = "file names"
        except Exception:
            pass
    profile = {
        "num_elements": cardinality if cardinality >= 0 else None,
        "cardinality": {-1: "infinite", -2: "unknown"}.get(cardinality, cardinality),
    }
    return DataSummary(digest, "tensorflow", {"tensors": tensors}, profile, source, covers)


def _spec_leaves(spec: Any, path: str):
    """(path, TensorSpec) of a nested element spec: dict keys and tuple positions joined by dots."""
    if isinstance(spec, dict):
        for key in sorted(spec, key=str):
            yield from _spec_leaves(spec[key], f"{path}.{key}" if path else str(key))
    elif isinstance(spec, (tuple, list)):
        for position, item in enumerate(spec):
            yield from _spec_leaves(item, f"{path}.{position}" if path else str(position))
    else:
        yield path or "element", spec


def _chain(ds: Any) -> list:
    """The pipeline from ``ds`` back to its source, through attributes tf.data keeps (no iteration)."""
    chain: list[Any] = []
    seen: set[int] = set()
    while ds is not None and id(ds) not in seen and len(chain) < 100:
        seen.add(id(ds))
        chain.append(ds)
        ds = getattr(ds, "_input_dataset", None)
    return chain


def _source_tensors(source: Any, tf: Any) -> list:
    tensors = getattr(source, "_tensors", None)
    if tensors is None:
        return []
    return list(itertools.islice((t for t in tf.nest.flatten(tensors) if hasattr(t, "numpy")), 16))
