"""Signature enforcement: the input a model is given, checked and converted against its signature.

The MLmodel ``signature.inputs`` is either a column schema (``[{"name", "type", "required"}...]``)
or one tensor (``[{"type": "tensor", "tensor-spec": {"dtype", "shape"}}]``). The rules:

- Columns the schema requires and the input lacks are an error naming them; columns it does not
  know are dropped; the rest are put in the schema's order.
- A value is converted only where nothing is lost: integers to a wider integer, or to any
  integer type their values fit; integers to floats; floats to a wider float. Floats never become
  integers, numbers never become strings or booleans: such a column is an error naming it and both types.
- One exception, by decision: floats are read at the signature's float width, ``float64`` data
  given to a ``float32`` model included. A float32 signature means the model computes in
  float32 (Keras, XGBoost's DMatrix, torch modules): the framework itself would make the same
  cast on its native ``predict``, and refusing the user's own float64 training data is no help.
- Input decoded from text (JSON or CSV bodies: ``from_text=True``) has no type of its own: a
  number is a number. So floats whose every value is a whole number fit an integer column (a
  JSON row ``[0.5, 2]`` becomes floats in one array); ``2.5`` is still an error.

Errors are ``SignatureError`` (a ``ValueError``) with a message meant for the caller.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

COLUMN_DTYPES = {
    "boolean": "bool",
    "integer": "int32",
    "long": "int64",
    "float": "float32",
    "double": "float64",
    "string": "object",
    "binary": "object",
    "datetime": "datetime64[ns]",
}


class SignatureError(ValueError):
    """The input does not match the model's signature (the message names the column or tensor)."""


class InputSchema:
    """A parsed ``signature.inputs``: ``columns`` [(name, type, required)] or ``tensor`` (dtype, shape)."""

    def __init__(self, entries: list[dict]):
        self.entries = entries
        self.columns: list[tuple[str, str, bool]] | None = None
        self.tensor: tuple[str, tuple[int, ...]] | None = None
        if len(entries) == 1 and entries[0].get("type") == "tensor":
            spec = entries[0].get("tensor-spec") or {}
            self.tensor = (str(spec.get("dtype", "float64")), tuple(int(d) for d in spec.get("shape") or ()))
        elif entries and all(e.get("type") != "tensor" and e.get("name") is not None for e in entries):
            self.columns = [
                (str(e["name"]), str(e.get("type", "double")), bool(e.get("required", True))) for e in entries
            ]

    @classmethod
    def from_mlmodel(cls, mlmodel: dict) -> InputSchema | None:
        signature = mlmodel.get("signature") or {}
        inputs = signature.get("inputs")
        if not inputs:
            return None
        entries = json.loads(inputs) if isinstance(inputs, str) else inputs
        schema = cls(entries)
        return schema if schema.columns is not None or schema.tensor is not None else None

    def describe(self) -> str:
        if self.columns is not None:
            return ", ".join(f"{name}: {kind}" for name, kind, _ in self.columns)
        dtype, shape = self.tensor  # type: ignore[misc]
        return f"tensor {dtype} {list(shape)}"


def enforce(data: Any, schema: InputSchema, from_text: bool = False) -> Any:
    """``data`` (DataFrame or ndarray) made to match ``schema``, or ``SignatureError``."""
    if schema.columns is not None:
        return _enforce_columns(data, schema.columns, from_text)
    return _enforce_tensor(data, schema.tensor, from_text)  # type: ignore[arg-type]


def _enforce_columns(data: Any, columns: list[tuple[str, str, bool]], from_text: bool) -> Any:
    import numpy as np
    import pandas as pd

    if isinstance(data, np.ndarray):
        data = _ndarray_as_frame(data, columns)
    if not isinstance(data, pd.DataFrame):
        raise SignatureError(
            f"the model expects columns ({', '.join(c[0] for c in columns)}); got {type(data).__name__}"
        )
    present = {str(c): c for c in data.columns}
    missing = [name for name, _, required in columns if required and name not in present]
    if missing:
        raise SignatureError(
            f"missing column(s) {', '.join(repr(m) for m in missing)}: the model's signature "
            f"requires {', '.join(repr(c[0]) for c in columns if c[2])}"
        )
    wanted = [(name, kind) for name, kind, _ in columns if name in present]
    if list(present) == [name for name, _ in wanted] and all(
        _already(dtype, kind) for dtype, (_, kind) in zip(data.dtypes.tolist(), wanted, strict=False)
    ):
        return data  # the common case: nothing to drop, reorder or convert
    converted = {
        name: _convert(
            data[present[name]].to_numpy(), np.dtype(COLUMN_DTYPES[kind]), kind, f"column {name!r}", from_text
        )
        for name, kind in wanted
    }
    return pd.DataFrame(converted, index=data.index)


def _ndarray_as_frame(data: Any, columns: list[tuple[str, str, bool]]) -> Any:
    import pandas as pd

    if data.ndim == 1 and len(columns) == 1:
        data = data.reshape(-1, 1)  # one value per row
    elif data.ndim == 1 and data.shape[0] == len(columns):
        data = data.reshape(1, -1)  # one row
    if data.ndim != 2 or data.shape[1] != len(columns):
        raise SignatureError(
            f"the model expects {len(columns)} column(s) "
            f"({', '.join(c[0] for c in columns)}); got an array of shape {data.shape}"
        )
    return pd.DataFrame({name: data[:, i] for i, (name, _, _) in enumerate(columns)})


def _already(dtype: Any, kind: str) -> bool:
    if kind == "string":
        return dtype.kind == "O" or str(dtype) in ("str", "string")
    if kind == "binary":
        return dtype.kind == "O"
    return dtype == _numpy_dtype(kind)


@cache
def _numpy_dtype(kind: str) -> Any:
    import numpy as np

    return np.dtype(COLUMN_DTYPES[kind])


def _enforce_tensor(data: Any, tensor: tuple[str, tuple[int, ...]], from_text: bool) -> Any:
    import numpy as np
    import pandas as pd

    dtype_name, shape = tensor
    if isinstance(data, pd.DataFrame):
        data = data.to_numpy()
    data = np.asarray(data)
    if (
        shape
        and data.ndim == len(shape) - 1
        and len(shape) >= 2
        and data.ndim >= 1
        and tuple(data.shape) == tuple(shape[1:])
    ):
        data = data.reshape((1, *data.shape))  # a single instance without its batch dimension
    if shape and (
        data.ndim != len(shape) or any(want not in (-1, got) for want, got in zip(shape, data.shape, strict=True))
    ):
        raise SignatureError(
            f"the model expects a tensor of shape {list(shape)} (-1: any size); got shape {list(data.shape)}"
        )
    try:
        target = np.dtype(dtype_name)
    except TypeError:
        return data
    if data.dtype == target:
        return data
    return _convert(data, target, dtype_name, "the input tensor", from_text)


def _convert(values: Any, target: Any, kind: str, what: str, from_text: bool) -> Any:
    """``values`` as ``target`` where nothing is lost, else ``SignatureError`` naming ``what``."""
    import numpy as np

    source = values.dtype
    if source == target:
        return values
    if source.kind in "OUS":
        return _convert_objects(values, target, kind, what, from_text)
    if source.kind == "b" or target.kind == "b":
        raise _type_error(what, source, kind)
    if target.kind == "O":  # string or binary from numbers
        raise _type_error(what, source, kind)
    if target.kind == "M":
        if source.kind == "M":
            return values.astype(target)
        raise _type_error(what, source, kind)
    if source.kind in "iu" and target.kind in "iu":
        if np.can_cast(source, target) or values.size == 0:
            return values.astype(target)
        info = np.iinfo(target)
        if values.min() >= info.min and values.max() <= info.max:
            return values.astype(target)
        raise SignatureError(f"{what}: values outside the range of {kind} ({target})")
    if source.kind == "f" and target.kind in "iu" and from_text and _whole_numbers_within(values, target):
        return values.astype(target)
    if source.kind in "iuf" and target.kind == "f":  # integers to floats; floats wider, or narrower by decision
        return values.astype(target)
    raise _type_error(what, source, kind)


def _whole_numbers_within(values: Any, target: Any) -> bool:
    import numpy as np

    if values.size == 0:
        return True
    info = np.iinfo(target)
    return bool(
        np.isfinite(values).all()
        and (values == np.round(values)).all()
        and values.min() >= info.min
        and values.max() <= info.max
    )


def _convert_objects(values: Any, target: Any, kind: str, what: str, from_text: bool) -> Any:
    import numpy as np

    if target.kind == "O":
        if kind == "string" and not all(isinstance(v, str) for v in values.ravel().tolist()):
            bad = next(v for v in values.ravel().tolist() if not isinstance(v, str))
            raise SignatureError(f"{what}: expected strings, found {bad!r}")
        return values.astype(object)
    if target.kind == "M" and from_text:
        import pandas as pd

        try:
            return pd.to_datetime(values.ravel()).to_numpy().reshape(values.shape)
        except (ValueError, TypeError) as exc:
            raise SignatureError(f"{what}: not datetimes ({exc})") from None
    items = values.ravel().tolist()
    if any(v is None for v in items):
        raise SignatureError(f"{what}: missing values, the model expects {kind} ({target})")
    try:
        inferred = np.asarray(items).reshape(values.shape)
    except ValueError:
        raise _type_error(what, values.dtype, kind) from None
    if inferred.dtype.kind in "OUS":
        sample = next((v for v in items if isinstance(v, (str, bytes))), items[0] if items else None)
        raise SignatureError(f"{what}: expected {kind} ({target}), found {sample!r}")
    return _convert(inferred, target, kind, what, from_text)


def _type_error(what: str, source: Any, kind: str) -> SignatureError:
    return SignatureError(
        f"{what} has type {source}; the model expects {kind}: it is not converted (information could be lost)"
    )
