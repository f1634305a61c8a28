"""How a run describes an XGBoost ``DMatrix`` it was given (hook ``autolog_describe_dataset``).

A sampled slice of rows (``DMatrix.slice``, evenly spaced, within ``SAMPLE_BYTES``) with their
labels and weights, and the feature names and types; a ``QuantileDMatrix`` or an external-memory
matrix keeps no raw rows, so only its shape and feature names (``digest_covers``: structure).
"""

from __future__ import annotations

from typing import Any

from autolog.plugin import SAMPLE_BYTES, DataSummary, hash_array, new_digest, row_sample


def describe(data: Any) -> DataSummary | None:
    """The summary of a ``DMatrix`` (or ``QuantileDMatrix``), None for anything else."""
    if (type(data).__module__ or "").split(".")[0] != "xgboost":
        return None
    if not (hasattr(data, "num_row") and hasattr(data, "num_col")):
        return None
    import numpy as np

    n_rows, n_columns = int(data.num_row()), int(data.num_col())
    names = list(data.feature_names or [])
    types = list(data.feature_types or [])
    digest = new_digest(type(data).__name__, n_rows, n_columns, names, types)
    covers = "structure"
    rows = row_sample(np, n_rows, SAMPLE_BYTES // max(8 * n_columns, 1))
    try:
        if "Quantile" in type(data).__name__:  # get_data() would give bin indices, not the rows
            raise TypeError("quantized")
        sample = data if rows is None else data.slice(rows)
        csr = sample.get_data()
        for part in (csr.data, csr.indices, csr.indptr, sample.get_label(), sample.get_weight()):
            hash_array(digest, np.asarray(part), np)
        covers = "content"
    except Exception:  # QuantileDMatrix and external-memory matrices keep no raw rows
        pass
    schema = (
        {"columns": [{"name": name, "type": types[i] if i < len(types) else "float"} for i, name in enumerate(names)]}
        if names
        else {"tensors": [{"name": "features", "dtype": "float32", "shape": [-1, n_columns]}]}
    )
    profile = {"shape": [n_rows, n_columns], "num_rows": n_rows}
    return DataSummary(digest, "xgboost", schema, profile, None, covers)
