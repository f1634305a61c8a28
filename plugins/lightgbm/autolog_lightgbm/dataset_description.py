"""How a run describes a LightGBM ``Dataset`` it was given (hook ``autolog_describe_dataset``).

Its raw data when the Dataset keeps it: an array, DataFrame or sparse matrix is described as such
(``summarize``), a file path by its size and sampled bytes (the source is the file); once
constructed with ``free_raw_data=True`` only its shape is left (``digest_covers``: structure, or
labels when it has them). Feature names and labels are part of the digest.
"""

from __future__ import annotations

import os
from typing import Any

from autolog.plugin import DataSummary, file_source, hash_file_sample, new_digest, summarize


def describe(data: Any) -> DataSummary | None:
    """The summary of a ``lightgbm.Dataset``, None for anything else."""
    if (type(data).__module__ or "").split(".")[0] != "lightgbm" or type(data).__name__ != "Dataset":
        return None
    raw = getattr(data, "data", None)
    label = getattr(data, "label", None)
    source = None
    if isinstance(raw, (str, os.PathLike)):
        source = file_source(os.fspath(raw))
        digest = new_digest("lightgbm.Dataset", "file", source.get("size"))  # content, not mtime: a copy matches
        hash_file_sample(digest, os.fspath(raw))
        profile: dict[str, Any] = {}
        schema: dict[str, Any] = {}
        covers = "content"
    elif raw is not None and (inner := summarize(raw)) is not None:
        schema, profile, source, covers = inner.schema, inner.profile, inner.source, inner.covers
        digest = new_digest("lightgbm.Dataset")
        digest.update(inner.digest.digest())
    else:  # constructed with free_raw_data=True: only its shape, names and labels are left
        digest = new_digest("lightgbm.Dataset", "constructed")
        schema, covers, profile = {}, "structure", {}
        try:
            profile = {"shape": [data.num_data(), data.num_feature()], "num_rows": data.num_data()}
            digest.update(str(profile["shape"]).encode())
        except Exception:
            pass
    feature_names = getattr(data, "feature_name", None)
    if isinstance(feature_names, (list, tuple)):
        digest.update(f"|{list(feature_names)}".encode())
        schema = {
            **schema,
            "columns": schema.get("columns") or [{"name": str(n), "type": "unknown"} for n in feature_names],
        }
    if label is not None:
        labels = summarize(label)
        if labels is not None:
            digest.update(b"|label|" + labels.digest.digest())
            covers = "content" if covers == "content" else "labels"
    return DataSummary(digest, "lightgbm", schema, profile, source, covers)
