"""What a plugin describes its framework's data types with (re-exported by ``autolog.plugin``).

A describer (hook ``autolog_describe_dataset``) returns a ``DataSummary``: a ``DatasetDigest``
started with ``new_digest(type name, shape...)`` and fed with bounded samples (``hash_array``,
``DatasetDigest.add_array``, ``hash_file_sample``), the library's name as ``source_type``, a schema
(``tensor_schema`` or columns) and a profile. ``summarize(inner)`` describes data a container holds
(numpy, pandas, scipy, or another plugin's type). ``SAMPLE_BYTES`` is the sample budget and
``row_sample`` picks evenly spaced rows within it. See ``tracking_core.lineage.datasets``.
"""

from __future__ import annotations

from tracking_core.lineage.datasets import (
    SAMPLE_BYTES,
    DatasetDigest,
    DataSummary,
    file_source,
    hash_array,
    hash_file_sample,
    kind_of,
    new_digest,
    row_sample,
    summarize,
    tensor_schema,
)

__all__ = [
    "SAMPLE_BYTES",
    "DataSummary",
    "DatasetDigest",
    "file_source",
    "hash_array",
    "hash_file_sample",
    "kind_of",
    "new_digest",
    "row_sample",
    "summarize",
    "tensor_schema",
]
