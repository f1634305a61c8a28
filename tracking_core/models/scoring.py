"""The MLflow scoring protocol: request bodies to model input, predictions to the response body.

Shared by ``autolog models serve`` (``/invocations``) and ``autolog models predict`` (a file), so
both take the same inputs (the shapes of the MLflow Models documentation, so existing clients
work):

- ``application/json``: an object with exactly one of
  ``dataframe_split`` (``{"columns": [...], "data": [[...]], "index": [...]}``),
  ``dataframe_records`` (``[{"col": value, ...}, ...]``),
  ``instances`` (a list of rows, or of ``{name: value}`` records) or
  ``inputs`` (an array, ``{name: column}``, or a list of ``{name: value}`` records, as MLflow's
  scoring server reads it); ``params`` may be present but must be empty (no
  autolog flavor takes inference params). Any other key is an error naming it.
- ``text/csv``: a header row and rows.

The response is ``{"predictions": ...}``: an array's ``tolist()``, a DataFrame's records; NaN
and infinities become ``null``. Errors are ``ScoringError`` with the HTTP status and MLflow error
code the server answers with.
"""

from __future__ import annotations

import io
import json
import math
from typing import Any

BAD_REQUEST = "BAD_REQUEST"
INPUT_FORMATS = ("dataframe_split", "dataframe_records", "instances", "inputs")
JSON_TYPE = "application/json"
CSV_TYPE = "text/csv"


class ScoringError(Exception):
    """A request the model cannot score; ``status`` and ``error_code`` are what the server answers."""

    def __init__(self, message: str, status: int = 400, error_code: str = BAD_REQUEST):
        super().__init__(message)
        self.message = message
        self.status = status
        self.error_code = error_code

    def body(self) -> bytes:
        return json.dumps({"error_code": self.error_code, "message": self.message}).encode()


def media_type(content_type: str | None) -> str:
    """``application/json`` or ``text/csv`` for a Content-Type header, else a 415 ``ScoringError``."""
    if not content_type:
        raise ScoringError(f"no Content-Type: send {JSON_TYPE} or {CSV_TYPE}", 415)
    main, *parameters = (part.strip() for part in content_type.split(";"))
    main = main.lower()
    if main not in (JSON_TYPE, CSV_TYPE):
        raise ScoringError(f"unsupported Content-Type {content_type!r}: send {JSON_TYPE} or {CSV_TYPE}", 415)
    for parameter in parameters:
        key, _, value = parameter.partition("=")
        if key.strip().lower() != "charset":
            raise ScoringError(f"unsupported Content-Type parameter {key.strip()!r} in {content_type!r}", 415)
        if value.strip().strip('"').lower() not in ("utf-8", "utf8"):
            raise ScoringError(f"unsupported charset {value.strip()!r}: send UTF-8", 415)
    return main


def parse_body(body: bytes, kind: str) -> Any:
    """Model input (DataFrame or ndarray) from a request body of media type ``kind``."""
    return parse_csv(body) if kind == CSV_TYPE else parse_json(body)


def parse_json(body: bytes | str) -> Any:
    try:
        payload = json.loads(body.decode("utf-8") if isinstance(body, bytes) else body)
    except UnicodeDecodeError:
        raise ScoringError("the body is not UTF-8 text") from None
    except ValueError as exc:  # JSONDecodeError, or an integer past Python's digit limit
        raise ScoringError(f"the body is not valid JSON: {exc}") from None
    except RecursionError:
        raise ScoringError("the JSON body is nested too deeply") from None
    if not isinstance(payload, dict):
        raise ScoringError(
            f"the JSON body must be an object with one of {', '.join(INPUT_FORMATS)}; "
            f"got {type(payload).__name__ if not isinstance(payload, list) else 'a list'}"
        )
    unknown = sorted(set(payload) - {*INPUT_FORMATS, "params"})
    if unknown:
        raise ScoringError(
            f"unknown key(s) {', '.join(repr(k) for k in unknown)} in the JSON body: it takes "
            f"exactly one of {', '.join(INPUT_FORMATS)}"
        )
    formats = [key for key in INPUT_FORMATS if key in payload]
    if len(formats) != 1:
        raise ScoringError(
            f"the JSON body must have exactly one of {', '.join(INPUT_FORMATS)}; "
            f"got {', '.join(formats) if formats else 'none'}"
        )
    if payload.get("params"):
        raise ScoringError("this model takes no params: send the input alone")
    key = formats[0]
    try:
        return _PARSERS[key](payload[key])
    except ScoringError:
        raise
    except (ValueError, TypeError) as exc:
        raise ScoringError(f"{key}: {exc}") from None


def _dataframe_split(value: Any) -> Any:
    import pandas as pd

    if not isinstance(value, dict) or "data" not in value:
        raise ScoringError('dataframe_split must be an object {"columns": [...], "data": [[...], ...]}')
    extra = sorted(set(value) - {"columns", "data", "index"})
    if extra:
        raise ScoringError(
            f"dataframe_split: unknown key(s) {', '.join(repr(k) for k in extra)} (it has columns, data, index)"
        )
    data = value["data"]
    if not isinstance(data, list) or not all(isinstance(row, list) for row in data):
        raise ScoringError("dataframe_split: data must be a list of rows (lists)")
    columns = value.get("columns")
    if columns is not None and (not isinstance(columns, list) or any(len(row) != len(columns) for row in data)):
        raise ScoringError("dataframe_split: every row must have one value per column")
    index = value.get("index")
    if data and columns and all(type(v) in (int, float) for v in data[0]):
        import numpy as np

        try:
            numbers = np.array(data, dtype=float)  # all numbers (ints that are whole floats fit int columns)
        except (TypeError, ValueError):  # a string or null further down: pandas types each column
            numbers = None
        if numbers is not None and numbers.ndim == 2:
            return pd.DataFrame(numbers, columns=columns, index=index, copy=False)
    return pd.DataFrame(data, columns=columns, index=index)


def _dataframe_records(value: Any) -> Any:
    import pandas as pd

    if not isinstance(value, list) or not all(isinstance(row, dict) for row in value):
        raise ScoringError("dataframe_records must be a list of objects ({column: value})")
    return pd.DataFrame.from_records(value)


def _instances(value: Any) -> Any:
    import numpy as np
    import pandas as pd

    if not isinstance(value, list):
        raise ScoringError("instances must be a list (of rows, or of {name: value} objects)")
    if value and all(isinstance(row, dict) for row in value):
        return pd.DataFrame.from_records(value)
    return _array(np, value, "instances")


def _inputs(value: Any) -> Any:
    import numpy as np
    import pandas as pd

    if isinstance(value, dict):
        columns = {name: column if isinstance(column, list) else [column] for name, column in value.items()}
        if len({len(column) for column in columns.values()}) > 1:
            raise ScoringError("inputs: every named input must have the same number of values")
        return pd.DataFrame(columns)
    if not isinstance(value, list):
        raise ScoringError("inputs must be an array, an object {name: values} or a list of {name: value} records")
    if value and all(isinstance(row, dict) for row in value):  # records, as MLflow reads them
        return pd.DataFrame.from_records(value)
    return _array(np, value, "inputs")


def _array(np: Any, value: list, key: str) -> Any:
    try:
        array = np.asarray(value)
    except ValueError:
        raise ScoringError(f"{key}: the rows have different lengths") from None
    if array.dtype == object and any(isinstance(v, (list, dict)) for v in array.ravel().tolist()):
        raise ScoringError(f"{key}: the rows have different lengths")
    return array


_PARSERS = {
    "dataframe_split": _dataframe_split,
    "dataframe_records": _dataframe_records,
    "instances": _instances,
    "inputs": _inputs,
}


def parse_csv(body: bytes | str) -> Any:
    import pandas as pd

    if isinstance(body, bytes):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError:
            raise ScoringError("the CSV body is not UTF-8 text") from None
    if not body.strip():
        raise ScoringError("the CSV body is empty: send a header row and rows")
    try:
        return pd.read_csv(io.StringIO(body))
    except (ValueError, pd.errors.ParserError) as exc:
        raise ScoringError(f"the body is not valid CSV: {str(exc).strip().splitlines()[0]}") from None


def predictions_body(predictions: Any) -> bytes:
    """``{"predictions": ...}`` as JSON bytes (NaN and infinities as null)."""
    import numpy as np
    import pandas as pd

    if isinstance(predictions, pd.DataFrame):
        jsonable: Any = predictions.to_dict(orient="records")
    elif isinstance(predictions, (np.ndarray, pd.Series)):
        jsonable = predictions.tolist()
    else:
        jsonable = predictions
    try:
        return json.dumps({"predictions": jsonable}, allow_nan=False, default=_default).encode()
    except ValueError:  # NaN or infinity somewhere: null, as JSON has no such numbers
        return json.dumps({"predictions": _finite(jsonable)}, allow_nan=False, default=_default).encode()


def _default(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, bytes):
        import base64

        return base64.b64encode(value).decode("ascii")
    return str(value)


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, list):
        return [_finite(v) for v in value]
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    return value


def read_input_file(path: str, content_type: str | None = None) -> tuple[Any, str]:
    """Model input from a file (``.csv`` is CSV, anything else JSON unless ``content_type`` says)."""
    kind = media_type(content_type) if content_type else (CSV_TYPE if path.lower().endswith(".csv") else JSON_TYPE)
    with open(path, "rb") as fh:
        return parse_body(fh.read(), kind), kind
