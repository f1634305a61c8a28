"""MLflow's JSON shapes: request fields read and checked, entities written out.

MLflow's messages are protobuf rendered as JSON: int64 fields may arrive as numbers or as strings,
doubles as numbers or as ``"NaN"``/``"Infinity"``/``"-Infinity"``; unknown fields are ignored.
Responses use plain numbers and those three strings for non-finite metric values (what protobuf's
parser on the MLflow client accepts). Every bad field is an ``ApiError`` naming it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from typing import Any

try:  # in the server extra; get-history of a big metric is written in half the time with it
    import orjson
except ImportError:  # pragma: no cover - a server installed without the extra's orjson
    orjson = None  # type: ignore[assignment]

from ..entities import Experiment, Metric, Run, RunInfo
from ..lineage.dataset_sources import MLFLOW_SOURCE_TYPES, to_mlflow_source
from .errors import INVALID_PARAMETER_VALUE, ApiError

MAX_JSON_DEPTH = 32
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


# -- parsing ------------------------------------------------------------------------------------
def _too_deep(value: Any, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values() if isinstance(v, (dict, list)))
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item if isinstance(v, (dict, list)))
    return False


def parse_json_body(body: bytes) -> dict:
    if not body.strip():
        return {}
    try:
        data = json.loads(body)
    except RecursionError:
        raise ApiError(f"request JSON is nested deeper than {MAX_JSON_DEPTH} levels") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(f"malformed JSON in request body: {exc}", "MALFORMED_REQUEST", 400) from None
    if not isinstance(data, dict):
        raise ApiError(f"request body must be a JSON object, got {type(data).__name__}")
    if _too_deep(data, MAX_JSON_DEPTH):
        raise ApiError(f"request JSON is nested deeper than {MAX_JSON_DEPTH} levels")
    return data


def _missing(name: str) -> ApiError:
    return ApiError(
        f"Missing value for required parameter '{name}'. See the API docs for more "
        "information about request parameters.",
        INVALID_PARAMETER_VALUE,
    )


missing_value = _missing

MAX_SHOWN_VALUE = 200  # characters of a refused value repeated in the message


def invalid_value(name: str, value: Any, explanation: str | None = None) -> ApiError:
    """MLflow's wording for a bad field, ``Invalid value <json> for parameter '<name>' supplied``
    (clients and MLflow's tests match on it), then what was wrong with it."""
    try:
        shown = json.dumps(value, sort_keys=True, separators=(",", ":"))
    except (TypeError, ValueError):
        shown = repr(value)
    if len(shown) > MAX_SHOWN_VALUE:
        shown = shown[:MAX_SHOWN_VALUE] + "..."
    message = f"Invalid value {shown} for parameter '{name}' supplied"
    return ApiError(f"{message}: {explanation}" if explanation else f"{message}.", INVALID_PARAMETER_VALUE)


def get_str(
    data: dict, name: str, required: bool = False, default: str | None = None, max_length: int | None = None
) -> str | None:
    value = data.get(name)
    if value is None or (value == "" and required):
        if required:
            raise _missing(name)
        return default
    if not isinstance(value, str):
        raise invalid_value(name, value, f"it must be a string, not {_type_name(value)}")
    if "\x00" in value:
        raise invalid_value(name, value, "it contains a NUL character")
    if not value.isascii() and any("\ud800" <= c <= "\udfff" for c in value):
        raise invalid_value(name, value, "it contains a lone surrogate, which is not text")
    if max_length is not None and len(value) > max_length:
        raise invalid_value(name, value, f"it is {len(value)} characters long; the limit is {max_length}")
    return value


def get_int(
    data: dict,
    name: str,
    required: bool = False,
    default: int | None = None,
    minimum: int = INT64_MIN,
    maximum: int = INT64_MAX,
) -> int | None:
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise _missing(name)
        return default
    if isinstance(value, bool):
        raise invalid_value(name, value, "it must be an integer")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise invalid_value(name, value, "it must be an integer") from None
    if not isinstance(value, int):
        raise invalid_value(name, value, f"it must be an integer, not {_type_name(value)}")
    if not minimum <= value <= maximum:
        raise invalid_value(name, value, f"it must be between {minimum} and {maximum}")
    return value


def req_str(data: dict, name: str, max_length: int | None = None) -> str:
    value = get_str(data, name, required=True, max_length=max_length)
    if value is None:
        raise _missing(name)
    return value


def text(data: dict, name: str, max_length: int | None = None) -> str:
    """A string field that defaults to ``""``."""
    return get_str(data, name, default="", max_length=max_length) or ""


def req_int(data: dict, name: str, minimum: int = INT64_MIN, maximum: int = INT64_MAX) -> int:
    value = get_int(data, name, required=True, minimum=minimum, maximum=maximum)
    if value is None:
        raise _missing(name)
    return value


def req_float(data: dict, name: str) -> float:
    value = get_float(data, name, required=True)
    if value is None:
        raise _missing(name)
    return value


_SPECIAL_FLOATS = {"nan": math.nan, "infinity": math.inf, "-infinity": -math.inf, "inf": math.inf, "-inf": -math.inf}


def get_float(data: dict, name: str, required: bool = False) -> float | None:
    value = data.get(name)
    if value is None:
        if required:
            raise _missing(name)
        return None
    if isinstance(value, bool):
        raise invalid_value(name, value, "it must be a number")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        special = _SPECIAL_FLOATS.get(value.strip().lower())
        if special is not None:
            return special
        try:
            return float(value)
        except ValueError:
            pass
    raise invalid_value(name, value, "it must be a number")


def _type_name(value: Any) -> str:
    """The JSON type of a value, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def get_list(data: dict, name: str) -> list:
    value = data.get(name)
    if value is None:
        return []
    if isinstance(value, str):
        return [value]  # a single query-string value
    if not isinstance(value, list):
        raise invalid_value(name, value, f"it must be a list, not {_type_name(value)}")
    return value


def get_objects(data: dict, name: str) -> list[dict]:
    """A list of JSON objects (never from a query string: a string is refused, not a list of one)."""
    value = data.get(name)
    if isinstance(value, str):
        raise invalid_value(name, value, "it must be a list of objects, not a string")
    items = get_list(data, name)
    for item in items:
        if not isinstance(item, dict):
            raise invalid_value(name, value, f"every entry must be an object, not {_type_name(item)}")
    return items


def key_values(data: dict, name: str, max_value_length: int | None = None) -> dict[str, str]:
    """``[{"key": k, "value": v}, ...]`` as a dict (keys checked)."""
    result: dict[str, str] = {}
    for item in get_objects(data, name):
        result[req_str(item, "key")] = text(item, "value", max_length=max_value_length)
    return result


# -- writing ----------------------------------------------------------------------------------
def float_out(value: float) -> float | str:
    if value != value:
        return "NaN"
    if value in (math.inf, -math.inf):
        return "Infinity" if value > 0 else "-Infinity"
    return value


def metric_json(metric: Metric) -> dict:
    return {"key": metric.key, "value": float_out(metric.value), "timestamp": metric.timestamp, "step": metric.step}


def run_info_json(info: RunInfo, tags: Mapping[str, str] | None, public_uri: Callable[[str], str]) -> dict:
    tags = tags or {}
    out = {
        "run_id": info.run_id,
        "run_uuid": info.run_id,
        "run_name": info.run_name,
        "experiment_id": str(info.experiment_id),
        "user_id": tags.get("mlflow.user") or tags.get("autolog.user") or "",
        "status": info.status,
        "start_time": info.start_time,
        "artifact_uri": public_uri(info.artifact_uri),
        "lifecycle_stage": getattr(info, "lifecycle_stage", None) or "active",
    }
    if info.end_time is not None:
        out["end_time"] = info.end_time
    return out


def _latest_metric_json(key: str, value: float, point: tuple[float, int, int] | None) -> dict:
    """A run's latest metric: MLflow's client reads its timestamp and step (0 when not known)."""
    timestamp, step = (point[1], point[2]) if point is not None else (0, 0)
    return {"key": key, "value": float_out(value), "timestamp": timestamp, "step": step}


def run_json(run: Run, public_uri: Callable[[str], str], metrics: list[Metric] | None = None) -> dict:
    data = run.data
    if metrics is None:
        points = getattr(data.metrics, "points", {})
        metric_items = [_latest_metric_json(k, v, points.get(k)) for k, v in data.metrics.items()]
    else:
        metric_items = [metric_json(m) for m in metrics]
    return {
        "info": run_info_json(run.info, data.tags, public_uri),
        "data": {
            "metrics": metric_items,
            "params": [{"key": k, "value": v} for k, v in data.params.items()],
            "tags": [{"key": k, "value": v} for k, v in data.tags.items()],
        },
        "inputs": inputs_json(getattr(run, "inputs", None)),
    }


def inputs_json(inputs) -> dict:
    """``Run.inputs`` as MLflow's ``RunInputs`` JSON (``{}`` when there are none)."""
    if not inputs or not inputs.dataset_inputs:
        return {}
    return {"dataset_inputs": [dataset_input_json(item) for item in inputs.dataset_inputs]}


def dataset_input_json(item) -> dict:
    dataset = {key: value for key, value in item.dataset._asdict().items() if value is not None}
    if dataset.get("source_type") not in MLFLOW_SOURCE_TYPES:
        dataset.update(_mlflow_source(dataset.get("source")) or {})
    return {"dataset": dataset, "tags": [{"key": tag.key, "value": tag.value} for tag in item.tags]}


def _mlflow_source(source_json: str | None) -> dict | None:
    """A dataset source autolog stored before sources took MLflow's shapes (the library's name as its
    type, the source ``{}`` or ``{"type": "local", "uri": ...}``), as MLflow's ``get_source`` reads
    one; None for any other source, which is answered as it was logged (as MLflow's server does)."""
    try:
        source = json.loads(source_json) if source_json else {}
    except ValueError:
        return None
    if not isinstance(source, dict) or (source and "type" not in source):
        return None
    if source.get("uri") or source.get("url"):
        source_type, shaped = to_mlflow_source(source)
    else:  # made in memory, by whom is not known any more
        source_type, shaped = "code", {"tags": {}}
    return {"source_type": source_type, "source": json.dumps(shaped)}


def experiment_json(experiment: Experiment, public_uri: Callable[[str], str]) -> dict:
    tags = getattr(experiment, "tags", None) or {}
    return {
        "experiment_id": str(experiment.experiment_id),
        "name": experiment.name,
        "artifact_location": public_uri(experiment.artifact_location),
        "lifecycle_stage": getattr(experiment, "lifecycle_stage", None) or "active",
        "last_update_time": getattr(experiment, "last_update_time", None) or experiment.creation_time,
        "creation_time": experiment.creation_time,
        "tags": [{"key": k, "value": v} for k, v in tags.items()],
    }


class RawJson(bytes):
    """A response body already serialised (large answers built faster than through dicts)."""


_NON_FINITE = {"nan": '"NaN"', "inf": '"Infinity"', "-inf": '"-Infinity"'}


def metrics_page_json(key: str, rows: list[tuple], next_page_token: str | None) -> RawJson:
    """``{"metrics": [...], "next_page_token": ...}`` for a history page of one metric, from the
    store's ``(value or None for NaN, timestamp, step)`` rows.

    Through orjson (the server extra) when installed: a million points in under half the time of
    ``repr`` per float (orjson writes the shortest text that reads back as the same double, as
    ``repr`` does, in C). orjson writes NaN and the infinities as ``null``, so a page holding one
    is written again with MLflow's strings. Without orjson, or for what it refuses, the text is
    built here as before."""
    if orjson is not None:
        try:
            return RawJson(_metrics_page_orjson(key, rows, next_page_token))
        except TypeError:  # orjson.JSONEncodeError: an int beyond 64 bits, a value of another type
            pass
    prefix = '{"key":' + json.dumps(key, ensure_ascii=False) + ',"value":'
    parts: list[str] = []
    append = parts.append
    for value, timestamp, step in rows:
        text = _NON_FINITE["nan"] if value is None else repr(float(value))
        if text[-1] in "fn":  # inf, -inf, nan
            text = _NON_FINITE[text]
        append(f'{prefix}{text},"timestamp":{timestamp},"step":{step}}}')
    tail = "" if not next_page_token else ',"next_page_token":' + json.dumps(next_page_token)
    return RawJson(('{"metrics":[' + ",".join(parts) + "]" + tail + "}").encode("utf-8"))


def _metrics_page_orjson(key: str, rows: list[tuple], next_page_token: str | None) -> bytes:
    assert orjson is not None
    metrics = [{"key": key, "value": value, "timestamp": timestamp, "step": step} for value, timestamp, step in rows]
    payload: dict[str, Any] = {"metrics": metrics}
    if next_page_token:
        payload["next_page_token"] = next_page_token
    body = orjson.dumps(payload)
    # ``"value":null`` cannot occur inside a JSON string (the quote would be escaped): only a NaN
    # (``None`` from the store) or an infinity puts it there.
    if b'"value":null' in body:
        for metric in metrics:
            value = metric["value"]
            if value is None or value - value != 0.0:
                metric["value"] = "NaN" if value is None else float_out(value)
        body = orjson.dumps(payload)
    return body


def dumps(payload: Any) -> bytes:
    if isinstance(payload, RawJson):
        return payload
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")
