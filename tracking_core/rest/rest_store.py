"""The REST store: the SqlStore interface over the MLflow REST API 2.0 (``autolog server`` or ``mlflow server``).

``write(batch)`` is what the batching writer calls: it cuts the batch into ``runs/log-batch``
requests within MLflow's limits (1000 metrics, 100 params, 100 tags, 1000 items, under 1 MB) and
sends the run ends as ``runs/update``. What was sent is taken out of the batch as it goes, so when
the server becomes unreachable half-way the writer re-queues only the rest: nothing is sent
twice, nothing is lost. Runs are created synchronously (``runs/create``): the server assigns
run ids (MLflow's API has no field for ours). Reads map MLflow's JSON back to our entities.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import json
import math
import operator
import re
from collections.abc import Iterable, Iterator
from typing import Any

from ..batch import WriteBatch
from ..entities import (
    Dataset,
    DatasetInput,
    Experiment,
    InputTag,
    LatestMetrics,
    LifecycleStage,
    Metric,
    Run,
    RunData,
    RunInfo,
    RunInputs,
)
from ..errors import ExperimentExistsError, RunNotFoundError
from .http import HttpClient, RestError, loads
from .rest_registry import RegistryRestMethods

API = "/api/2.0/mlflow"
MAX_METRICS = 1000
MAX_PARAMS_TAGS = 100
MAX_ITEMS = 1000
MAX_BODY_BYTES = 900_000  # MLflow's limit is 1,000,000; room for the envelope and estimates
HISTORY_PAGE = 25_000
HISTORY_ENDPOINT = f"{API}/metrics/get-history"
SEARCH_PAGE = 1000


def _float_out(value: float) -> Any:
    if value != value:
        return "NaN"
    if value in (math.inf, -math.inf):
        return "Infinity" if value > 0 else "-Infinity"
    return value


def _float_in(value: Any) -> float:
    if isinstance(value, str):
        return float(value.replace("Infinity", "inf"))
    return float(value) if value is not None else 0.0


def _int_in(value: Any, default: int | None = 0) -> int | None:
    return default if value is None or value == "" else int(value)


def _int0(value: Any) -> int:
    return 0 if value is None or value == "" else int(value)


def _pairs(items: list[dict] | None) -> dict[str, str]:
    return {item["key"]: item.get("value", "") for item in items or ()}


def experiment_from_json(data: dict) -> Experiment:
    creation = _int0(data.get("creation_time"))
    return Experiment(
        str(data["experiment_id"]),
        data.get("name", ""),
        data.get("artifact_location", ""),
        creation,
        data.get("lifecycle_stage") or LifecycleStage.ACTIVE,
        _int_in(data.get("last_update_time"), creation),
        _pairs(data.get("tags")),
    )


def run_info_from_json(info: dict) -> RunInfo:
    return RunInfo(
        run_id=info.get("run_id") or info["run_uuid"],
        run_name=info.get("run_name", ""),
        experiment_id=str(info.get("experiment_id", "")),
        status=info.get("status", "RUNNING"),
        start_time=_int0(info.get("start_time")),
        end_time=_int_in(info.get("end_time"), None),
        artifact_uri=info.get("artifact_uri", ""),
        lifecycle_stage=info.get("lifecycle_stage") or LifecycleStage.ACTIVE,
    )


def run_from_json(data: dict) -> Run:
    body = data.get("data") or {}
    metrics = LatestMetrics(
        {
            m["key"]: (_float_in(m.get("value")), int(m.get("timestamp") or 0), int(m.get("step") or 0))
            for m in body.get("metrics") or ()
        }
    )
    return Run(
        run_info_from_json(data["info"]),
        RunData(_pairs(body.get("params")), metrics, _pairs(body.get("tags"))),
        _inputs_from_json(data.get("inputs") or {}),
    )


def _inputs_from_json(data: dict) -> RunInputs:
    found = []
    for item in data.get("dataset_inputs") or ():
        dataset = item.get("dataset") or {}
        found.append(
            DatasetInput(
                Dataset(
                    dataset.get("name", ""),
                    dataset.get("digest", ""),
                    dataset.get("source_type", ""),
                    dataset.get("source", "{}"),
                    dataset.get("schema"),
                    dataset.get("profile"),
                ),
                tuple(InputTag(t.get("key", ""), t.get("value", "")) for t in item.get("tags") or ()),
            )
        )
    return RunInputs(tuple(found))


def _metric_from_json(item: dict) -> Metric:
    return Metric(item["key"], _float_in(item.get("value")), _int0(item.get("timestamp")), _int0(item.get("step")))


_BY_STEP_AND_TIME = operator.itemgetter(3, 2)  # a Metric's (step, timestamp)
_METRIC_FIELDS = operator.itemgetter("key", "value", "timestamp", "step")
_new_metric = functools.partial(tuple.__new__, Metric)
_VALUE, _TIMESTAMP, _STEP = operator.itemgetter(1), operator.itemgetter(2), operator.itemgetter(3)


def _metrics_from_json(items: list[dict]) -> list[Metric]:
    """``_metric_from_json`` of a history page, without a Python call per point: a float value and
    int timestamp and step (what MLflow's server and ours send) are taken as they are, checked
    afterwards in bulk; the points that are not (``"NaN"``, ``"Infinity"``, int64 as strings,
    missing fields) go through ``_metric_from_json``."""
    try:
        metrics = list(map(_new_metric, map(_METRIC_FIELDS, items)))
    except KeyError:
        return [_metric_from_json(item) for item in items]
    if (
        {float} != set(map(type, map(_VALUE, metrics)))
        or {int} != set(map(type, map(_TIMESTAMP, metrics)))
        or {int} != set(map(type, map(_STEP, metrics)))
    ):
        metrics = [
            metric
            if metric[1].__class__ is float and metric[2].__class__ is int and metric[3].__class__ is int
            else _metric_from_json(item)
            for metric, item in zip(metrics, items, strict=True)
        ]
    return metrics


def _history_query(run_id: str, key: str, max_results: int | None, page_token: str | None) -> dict[str, Any]:
    query: dict[str, Any] = {"run_id": run_id, "run_uuid": run_id, "metric_key": key}
    if max_results is not None:
        query["max_results"] = max_results
    if page_token:
        query["page_token"] = page_token
    return query


_TOKEN_AT_END = re.compile(rb'"next_page_token"\s*:\s*("(?:[^"\\]|\\.)*")\s*\}\s*\Z')


def _token_at_end(body: bytes) -> str | None:
    """The ``next_page_token`` of a history page when it is the answer's last member (as MLflow's
    server and ours write it), found without decoding the page; ``None`` otherwise. A key written
    as ``"next_page_token":`` is a key (a quote inside a string is escaped), and the one ``}`` after
    it closes the answer itself."""
    match = _TOKEN_AT_END.search(body, max(0, len(body) - 4096))
    if match is None:
        return None
    try:
        token = json.loads(match.group(1))
    except ValueError:
        return None
    return token if isinstance(token, str) and token else None


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """For making many tuples: the collector's passes over them would find nothing to free (as in
    ``SqlStore._points``)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _size(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-8")) * 2  # JSON escapes may grow it


class RestStore(RegistryRestMethods):
    """Reads and writes runs of a tracking server (and its model registry: ``rest_registry``). One per
    server URL and process."""

    def __init__(self, base_url: str):
        self.base_url = base_url.rstrip("/")
        self.http = HttpClient(self.base_url)

    def _call(self, method: str, endpoint: str, payload: dict | None = None, retries: int | None = None) -> dict:
        return self.http.call(method, f"{API}/{endpoint}", payload, retries=retries)

    def dispose_after_fork(self) -> None:
        self.http.reset_after_fork()

    # -- experiments ------------------------------------------------------------------------------
    def get_experiment_by_name(self, name: str) -> Experiment | None:
        try:
            data = self._call("GET", "experiments/get-by-name", {"experiment_name": name})
        except RestError as exc:
            if exc.error_code == "RESOURCE_DOES_NOT_EXIST":
                return None
            raise
        return experiment_from_json(data["experiment"])

    def get_experiment(self, experiment_id: str) -> Experiment | None:
        try:
            data = self._call("GET", "experiments/get", {"experiment_id": str(experiment_id)})
        except RestError as exc:
            if exc.error_code == "RESOURCE_DOES_NOT_EXIST":
                return None
            raise
        return experiment_from_json(data["experiment"])

    def create_experiment(
        self,
        name: str,
        artifact_location: str | None = None,
        tags: dict | None = None,
        artifact_root: str | None = None,
    ) -> str:
        payload: dict[str, Any] = {"name": name}
        if artifact_location:
            payload["artifact_location"] = artifact_location
        if tags:
            payload["tags"] = [{"key": k, "value": str(v)} for k, v in tags.items()]
        try:
            return str(self._call("POST", "experiments/create", payload)["experiment_id"])
        except RestError as exc:
            if exc.error_code == "RESOURCE_ALREADY_EXISTS":
                raise ExperimentExistsError(name) from None
            raise

    def get_or_create_experiment(self, name: str, artifact_root: str | None = None) -> Experiment:
        found = self.get_experiment_by_name(name)
        if found is None:
            try:
                self.create_experiment(name)
            except ExperimentExistsError:
                pass  # another client created it first
            found = self.get_experiment_by_name(name)
            if found is None:
                raise RestError(404, "RESOURCE_DOES_NOT_EXIST", f"experiment {name!r} vanished", "experiments/create")
        return found

    def set_experiment_tag(self, experiment_id: str, key: str, value: str) -> None:
        payload = {"experiment_id": str(experiment_id), "key": key, "value": value}
        self._call("POST", "experiments/set-experiment-tag", payload)

    def delete_experiment_tag(self, experiment_id: str, key: str) -> None:
        self._call("POST", "experiments/delete-experiment-tag", {"experiment_id": str(experiment_id), "key": key})

    def search_experiments(
        self,
        view_type: str = "ACTIVE_ONLY",
        max_results: int = 1000,
        filter_string: str | None = None,
        order_by: list[str] | None = None,
        page_token: str | None = None,
    ) -> tuple[list[Experiment], str | None]:
        payload: dict[str, Any] = {"view_type": view_type, "max_results": max_results}
        if filter_string:
            payload["filter"] = filter_string
        if order_by:
            payload["order_by"] = list(order_by)
        if page_token:
            payload["page_token"] = page_token
        data = self._call("POST", "experiments/search", payload)
        return [experiment_from_json(e) for e in data.get("experiments") or ()], data.get("next_page_token") or None

    def _all_experiment_ids(self) -> list[str]:
        ids: list[str] = []
        token = None
        while True:
            found, token = self.search_experiments(max_results=SEARCH_PAGE, page_token=token)
            ids += [e.experiment_id for e in found]
            if not token:
                return ids

    # -- runs -------------------------------------------------------------------------------------
    def create_run(self, experiment_id: str, run_name: str, start_time: int, tags: dict[str, str]) -> RunInfo:
        payload = {
            "experiment_id": str(experiment_id),
            "run_name": run_name,
            "start_time": start_time,
            "tags": [{"key": k, "value": v} for k, v in tags.items()],
        }
        user = tags.get("autolog.user")
        if user:
            payload["user_id"] = user
        return run_from_json(self._call("POST", "runs/create", payload)["run"]).info

    def get_run(self, run_id: str, include_deleted: bool = False) -> Run:
        try:
            run = run_from_json(self._call("GET", "runs/get", {"run_id": run_id})["run"])
        except RestError as exc:
            if exc.error_code == "RESOURCE_DOES_NOT_EXIST" or exc.status == 404:
                raise RunNotFoundError(run_id) from None
            raise
        if run.info.lifecycle_stage == LifecycleStage.DELETED and not include_deleted:
            raise RunNotFoundError(run_id)
        return run

    def get_param(self, run_id: str, key: str) -> str | None:
        return self.get_run(run_id, include_deleted=True).data.params.get(key)

    def update_run(
        self, run_id: str, status: str | None = None, end_time: int | None = None, run_name: str | None = None
    ) -> None:
        payload: dict[str, Any] = {"run_id": run_id, "run_uuid": run_id}
        if status is not None:
            payload["status"] = status
        if end_time is not None:
            payload["end_time"] = end_time
        if run_name is not None:
            payload["run_name"] = run_name
        self._call("POST", "runs/update", payload)

    def delete_run(self, run_id: str) -> None:
        self._run_call("runs/delete", run_id)

    def restore_run(self, run_id: str) -> None:
        self._run_call("runs/restore", run_id)

    def delete_tag(self, run_id: str, key: str) -> None:
        self._run_call("runs/delete-tag", run_id, key=key)

    def _run_call(self, endpoint: str, run_id: str, **extra: Any) -> None:
        try:
            self._call("POST", endpoint, {"run_id": run_id, **extra})
        except RestError as exc:
            if exc.error_code == "RESOURCE_DOES_NOT_EXIST" and endpoint != "runs/delete-tag":
                raise RunNotFoundError(run_id) from None
            raise

    def search_runs_page(
        self,
        experiment_ids: Iterable[str] | None,
        filter_string: str | None = None,
        order_by: list[str] | None = None,
        max_results: int = 1000,
        page_token: str | None = None,
        run_view_type: str = "ACTIVE_ONLY",
    ) -> tuple[list[Run], str | None]:
        ids = list(experiment_ids) if experiment_ids is not None else self._all_experiment_ids()
        if not ids:
            return [], None
        payload: dict[str, Any] = {
            "experiment_ids": [str(i) for i in ids],
            "max_results": max_results,
            "run_view_type": run_view_type,
        }
        if filter_string:
            payload["filter"] = filter_string
        if order_by:
            payload["order_by"] = list(order_by)
        if page_token:
            payload["page_token"] = page_token
        try:
            data = self._call("POST", "runs/search", payload)
        except RestError as exc:
            if exc.error_code == "INVALID_PARAMETER_VALUE":
                from ..errors import InvalidFilterError

                raise InvalidFilterError(exc.message) from None
            raise
        return [run_from_json(r) for r in data.get("runs") or ()], data.get("next_page_token") or None

    def search_runs(
        self, experiment_ids: Iterable[str] | None, max_results: int, order_newest_first: bool = True
    ) -> list[Run]:
        order = ["attributes.start_time DESC" if order_newest_first else "attributes.start_time ASC"]
        runs: list[Run] = []
        token = None
        while len(runs) < max_results:
            page, token = self.search_runs_page(
                experiment_ids, order_by=order, max_results=min(SEARCH_PAGE, max_results - len(runs)), page_token=token
            )
            runs += page
            if not token:
                break
        return runs

    # -- metrics ----------------------------------------------------------------------------------
    def get_metric_history_page(
        self, run_id: str, key: str, max_results: int | None = None, page_token: str | None = None
    ) -> tuple[list[Metric], str | None]:
        query = _history_query(run_id, key, max_results, page_token)
        status, _headers, body = self.http.request("GET", HISTORY_ENDPOINT, query=query)
        return self._history_page(run_id, status, body)

    def _history_page(self, run_id: str, status: int, body: bytes) -> tuple[list[Metric], str | None]:
        try:
            # Decoded and turned into Metric objects with the collector paused (not while waiting
            # for the server): NamedTuples stay tracked, and its passes over a growing history of
            # them would double the time of a million points.
            with _gc_paused():
                data = self.http.check(status, body, HISTORY_ENDPOINT, decode=loads)
                metrics = _metrics_from_json(data.get("metrics") or [])
        except RestError as exc:
            if exc.error_code == "RESOURCE_DOES_NOT_EXIST":
                raise RunNotFoundError(run_id) from None
            raise
        return metrics, data.get("next_page_token") or None

    def get_metric_history(self, run_id: str, key: str) -> list[Metric]:
        """Every point in (step, timestamp) order, in pages of ``HISTORY_PAGE`` as MLflow's client
        reads them. The next page is asked for as soon as a page has arrived (its token read off the
        end of the body, and checked once the page is decoded), so the server writes it while this
        process decodes: on two cores a million points take the time of the slower side, not of both."""
        points: list[Metric] = []
        answer: tuple[int, dict[str, str], bytes] | None = self.http.request(
            "GET", HISTORY_ENDPOINT, query=_history_query(run_id, key, HISTORY_PAGE, None)
        )
        sent = None
        try:
            while answer is not None:
                status, _headers, body = answer
                ahead = _token_at_end(body) if status == 200 else None
                if ahead:
                    sent = self.http.send_get(HISTORY_ENDPOINT, _history_query(run_id, key, HISTORY_PAGE, ahead))
                page, token = self._history_page(run_id, status, body)
                points += page
                if not token:
                    break
                answer = None
                if sent is not None and token == ahead:
                    answer = self.http.read_answer(sent)
                    sent = None
                if answer is None:  # not sent ahead, or that failed: the plain request, retried
                    self.http.abandon(sent)
                    sent = None
                    query = _history_query(run_id, key, HISTORY_PAGE, token)
                    answer = self.http.request("GET", HISTORY_ENDPOINT, query=query)
        finally:
            self.http.abandon(sent)
        with _gc_paused():
            steps = list(map(_STEP, points))
            if not all(map(operator.lt, steps, steps[1:])):  # one point per step, in order: nothing to sort
                points.sort(key=_BY_STEP_AND_TIME)  # stable: the server's order among equal (step, timestamp)
        return points

    # -- writes -----------------------------------------------------------------------------------
    def write(self, batch: WriteBatch) -> None:
        if batch.new_runs:
            raise ValueError("the REST store creates runs with create_run (the server assigns their ids)")
        sent_metrics: set[int] = set()
        sent_params: list[tuple[str, str]] = []
        sent_tags: list[tuple[str, str]] = []
        sent_ends: list[str] = []
        sent_inputs = 0
        try:
            for run_id, metric_indexes, param_keys, tag_keys in self._by_run(batch):
                for request, metric_part, param_part, tag_part in self._requests(
                    batch, run_id, metric_indexes, param_keys, tag_keys
                ):
                    self._call("POST", "runs/log-batch", request)
                    sent_metrics.update(metric_part)
                    sent_params += param_part
                    sent_tags += tag_part
            for item in batch.inputs:  # before the run ends, as they were logged
                self._call("POST", "runs/log-inputs", {"run_id": item.run_id, "datasets": [_input_json(item)]})
                sent_inputs += 1
            for run_id, (status, end_time) in list(batch.run_ends.items()):
                self.update_run(run_id, status=status, end_time=end_time)
                sent_ends.append(run_id)
        except BaseException:
            # Keep only what was not sent: the writer re-queues this same batch object.
            if sent_metrics:
                batch.metrics[:] = [m for i, m in enumerate(batch.metrics) if i not in sent_metrics]
            for pair in sent_params:
                batch.params.pop(pair, None)
            for pair in sent_tags:
                batch.tags.pop(pair, None)
            for run_id in sent_ends:
                batch.run_ends.pop(run_id, None)
            del batch.inputs[:sent_inputs]
            raise

    @staticmethod
    def _by_run(batch: WriteBatch):
        order: list[str] = []
        groups: dict[str, tuple[list[int], list, list]] = {}

        def group(run_id: str):
            found = groups.get(run_id)
            if found is None:
                found = groups[run_id] = ([], [], [])
                order.append(run_id)
            return found

        for index, point in enumerate(batch.metrics):
            group(point[0])[0].append(index)
        for pair in batch.params:
            group(pair[0])[1].append(pair)
        for pair in batch.tags:
            group(pair[0])[2].append(pair)
        for run_id in order:
            yield (run_id, *groups[run_id])

    @staticmethod
    def _requests(batch: WriteBatch, run_id: str, metric_indexes: list[int], param_keys: list, tag_keys: list):
        """log-batch payloads within the limits: params and tags first (they are few), then metrics."""
        metrics_all = batch.metrics
        position = {"p": 0, "t": 0, "m": 0}
        while position["p"] < len(param_keys) or position["t"] < len(tag_keys) or position["m"] < len(metric_indexes):
            size, items = 200, 0
            params: list[dict] = []
            tags: list[dict] = []
            metrics: list[dict] = []
            param_part: list[tuple[str, str]] = []
            tag_part: list[tuple[str, str]] = []
            metric_part: list[int] = []
            while position["p"] < len(param_keys) and len(params) < MAX_PARAMS_TAGS:
                pair = param_keys[position["p"]]
                value = batch.params[pair]
                cost = _size(pair[1]) + _size(value) + 30
                if items and size + cost > MAX_BODY_BYTES:
                    break
                params.append({"key": pair[1], "value": value})
                param_part.append(pair)
                size += cost
                items += 1
                position["p"] += 1
            while position["t"] < len(tag_keys) and len(tags) < MAX_PARAMS_TAGS:
                pair = tag_keys[position["t"]]
                value = batch.tags[pair]
                cost = _size(pair[1]) + _size(value) + 30
                if items and size + cost > MAX_BODY_BYTES:
                    break
                tags.append({"key": pair[1], "value": value})
                tag_part.append(pair)
                size += cost
                items += 1
                position["t"] += 1
            while position["m"] < len(metric_indexes) and len(metrics) < MAX_METRICS and items < MAX_ITEMS:
                index = metric_indexes[position["m"]]
                _run, key, number, timestamp, step = metrics_all[index]
                cost = _size(key) + 90
                if items and size + cost > MAX_BODY_BYTES:
                    break
                metrics.append({"key": key, "value": _float_out(number), "timestamp": timestamp, "step": step})
                metric_part.append(index)
                size += cost
                items += 1
                position["m"] += 1
            request: dict[str, Any] = {"run_id": run_id}
            if metrics:
                request["metrics"] = metrics
            if params:
                request["params"] = params
            if tags:
                request["tags"] = tags
            yield request, metric_part, param_part, tag_part


def _input_json(item) -> dict:
    """An ``InputToLog`` as MLflow's ``DatasetInput`` JSON."""
    dataset = {"name": item.name, "digest": item.digest, "source_type": item.source_type, "source": item.source}
    if item.schema is not None:
        dataset["schema"] = item.schema
    if item.profile is not None:
        dataset["profile"] = item.profile
    return {"dataset": dataset, "tags": [{"key": k, "value": v} for k, v in item.tags]}
