"""What ``log_input``/``log_inputs`` accept, checked and turned into the rows the store writes.

A dataset input may be given as:

- a ``DatasetDescription`` (``tracking_core.lineage.datasets.describe_dataset``), its context becoming the
  input tag ``mlflow.data.context``;
- the data itself (a numpy array, DataFrame, DMatrix, ...), described here;
- a ``DatasetInput`` entity (as read back from ``Run.inputs``) or MLflow's ``DatasetInput`` JSON
  shape ``{"dataset": {"name", "digest", "source_type", "source", "schema", "profile"},
  "tags": [{"key", "value"}]}`` (what ``runs/log-inputs`` carries).

Limits are MLflow's: name 500 characters, digest 36 (ours are 16), source type 64, source 65,535,
schema 1 MiB, profile 16 MiB; input tag keys 255, values 500.
"""

from __future__ import annotations

from typing import Any

from ..batch import InputToLog
from ..entities import DATASET_CONTEXT_TAG, DatasetInput

MAX_NAME = 500
MAX_DIGEST = 64
MAX_SOURCE_TYPE = 64
MAX_SOURCE = 65_535
MAX_SCHEMA = 1_048_576
MAX_PROFILE = 16_777_216
MAX_TAG_KEY = 255
MAX_TAG_VALUE = 500


def _text(value: Any, what: str, limit: int, required: bool = True) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value):
        raise ValueError(f"dataset {what} must be a non-empty string, got {value!r:.80}")
    if len(value) > limit:
        raise ValueError(f"dataset {what} is {len(value)} characters long, more than the limit of {limit}")
    return value


def _tags(tags: Any) -> tuple[tuple[str, str], ...]:
    if tags is None:
        return ()
    if isinstance(tags, dict):
        pairs = list(tags.items())
    else:
        pairs = [(t["key"], t["value"]) if isinstance(t, dict) else (t[0], t[1]) for t in tags]
    checked: list[tuple[str, str]] = []
    for key, value in pairs:
        _text(key, "input tag key", MAX_TAG_KEY)
        checked.append((key, str(_text(str(value), f"input tag {key!r}", MAX_TAG_VALUE))))
    return tuple(checked)


def to_input(
    run_id: str, item: Any, context: str | None = None, name: str | None = None, tags: dict | None = None
) -> InputToLog:
    """One input of ``run_id`` (see the module docstring for what ``item`` may be)."""
    from .datasets import DatasetDescription, describe_dataset

    if isinstance(item, DatasetInput):
        item = {"dataset": item.dataset._asdict(), "tags": [t._asdict() for t in item.tags]}
    if not isinstance(item, (DatasetDescription, dict)):
        described = describe_dataset(item, name=name, context=context)
        if described is None:
            raise TypeError(
                f"cannot describe a dataset of type {type(item).__module__}.{type(item).__qualname__}: "
                "pass a numpy array, pandas DataFrame/Series, scipy sparse matrix, torch tensor or "
                "DataLoader, xgboost DMatrix, lightgbm Dataset, tf.data.Dataset, or a DatasetDescription"
            )
        item = described
    if isinstance(item, DatasetDescription):
        if name is not None or context is not None:
            import dataclasses

            item = dataclasses.replace(
                item,
                name=name if name is not None else item.name,
                context=context if context is not None else item.context,
            )
        item = item.to_mlflow()
    if not isinstance(item.get("dataset"), dict):
        raise ValueError(f"a dataset input needs a 'dataset' object, got {item!r:.120}")
    dataset = item["dataset"]
    all_tags = dict(_tags(item.get("tags")))
    if context is not None:
        all_tags[DATASET_CONTEXT_TAG] = context
    if tags:
        all_tags.update(_tags(tags))
    return InputToLog(
        run_id=run_id,
        name=_text(dataset.get("name"), "name", MAX_NAME),  # type: ignore[arg-type]
        digest=_text(dataset.get("digest"), "digest", MAX_DIGEST),  # type: ignore[arg-type]
        source_type=_text(dataset.get("source_type"), "source_type", MAX_SOURCE_TYPE),  # type: ignore[arg-type]
        source=_text(dataset.get("source") or "{}", "source", MAX_SOURCE),  # type: ignore[arg-type]
        schema=_text(dataset.get("schema"), "schema", MAX_SCHEMA, required=False),
        profile=_text(dataset.get("profile"), "profile", MAX_PROFILE, required=False),
        tags=tuple(all_tags.items()),
    )
