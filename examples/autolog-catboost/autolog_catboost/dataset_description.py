"""How a run describes a CatBoost ``Pool`` it was given (hook ``autolog_describe_dataset``).

A third-party plugin describes its framework's data types the way ours do: through the helpers of
``autolog.plugin``. A ``Pool`` keeps its features as CatBoost's own quantized or raw storage:
``get_features()`` returns them for numeric pools (sampled into the digest with the labels and
weights); a pool with categorical features is described by its shape, feature names and labels.
"""

from __future__ import annotations

from typing import Any

from autolog.plugin import DataSummary, hash_array, new_digest


def describe(data: Any) -> DataSummary | None:
    """The summary of a ``catboost.Pool``, None for anything else."""
    if (type(data).__module__ or "").split(".")[0] != "catboost" or type(data).__name__ != "Pool":
        return None
    import numpy as np

    n_rows, n_columns = int(data.num_row()), int(data.num_col())
    names = [str(name) for name in (data.get_feature_names() or [])]
    digest = new_digest("catboost.Pool", n_rows, n_columns, names)
    covers = "structure"
    label = data.get_label()
    if label is not None:
        hash_array(digest, np.asarray(label), np)
        covers = "labels"
    try:
        hash_array(digest, np.asarray(data.get_features()), np)
        hash_array(digest, np.asarray(data.get_weight()), np)
        covers = "content"
    except Exception:  # categorical or quantized features: not readable as one numeric array
        pass
    schema = {"columns": [{"name": name, "type": "float"} for name in names]}
    profile = {"shape": [n_rows, n_columns], "num_rows": n_rows}
    return DataSummary(digest, "catboost", schema, profile, None, covers)
