"""The UI's request handlers: pages rendered from templates, the JSON they read, artifact bytes.

Handlers are plain functions (Starlette runs them in its thread pool, as the store is
synchronous). Every page goes out with a Content-Security-Policy that allows only this origin's
scripts (no inline script: page data travels in ``<script type="application/json">``), so a
logged value that slipped through escaping still could not run.
"""

from __future__ import annotations

import gzip
import json
import math
import os
import shutil
import time
from collections import defaultdict
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode

import jinja2
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..lineage.dataset_sources import source_text
from ..lineage.datasets import PROFILE_LIBRARY
from ..lineage.run_context import mlflow_duplicates
from ..run_failure import failure_reason
from ..storage.artifacts import ArtifactPathError
from . import editing, queries
from .artifact_view import ArtifactReader, kind_of, raw_headers
from .chart_address import chart_specs, smoothing, step_spreads
from .columns import (
    ATTRIBUTE_COLUMNS,
    HIDEABLE_ATTRIBUTES,
    INTEGRATION_COLUMN,
    TAG_INTEGRATION,
    Column,
    cell,
    csv_header,
    csv_row,
    format_bytes,
    format_columns,
    format_duration,
    format_value,
    format_widths,
    parse_columns,
    parse_hidden,
    parse_pins,
    parse_widths,
)
from .defaults import chart_metrics, common_first, varying_first
from .timestamps import time_element

HERE = os.path.dirname(os.path.abspath(__file__))
STATIC_PREFIX = "/ui-static"
PAGE_SIZES = (25, 50, 100, 250, 500)
DEFAULT_PAGE_SIZE = 50
DEFAULT_ORDER = "attributes.start_time DESC"
MAX_CHART_RUNS = 1000  # the charts page fetches histories 200 runs a request
MAX_CHART_KEYS = 50
MAX_COMPARE_RUNS = 100
MAX_LIVE_RUNS = 500
MAX_BACK_TOKENS = 20
CHILDREN_LISTED = 10  # child runs named on a parent's page (the rest behind a link)
TREE_FIRST = 300  # artifact entries rendered with the page; the rest on request
SYSTEM_TAG_PREFIXES = ("autolog.", "mlflow.")
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "frame-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'"
)
SECURITY_HEADERS = {
    "content-security-policy": PAGE_CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "SAMEORIGIN",
}


def build_routes(context: Any) -> list:
    ui = UI(context)
    return [
        Route("/", ui.experiments_page, name="ui_experiments"),
        Route("/experiments/{ids}", ui.runs_page, name="ui_runs"),
        Route("/experiments/{ids}/runs.csv", ui.runs_csv, name="ui_runs_csv"),
        Route("/experiments/{ids}/deleted", ui.deleted_runs_page, name="ui_deleted_runs"),
        Route("/runs/{run_id}", ui.run_page, name="ui_run"),
        Route("/runs/{run_id}/artifact", ui.artifact_raw, name="ui_artifact"),
        Route("/charts", ui.charts_page, name="ui_charts"),
        Route("/compare", ui.compare_page, name="ui_compare"),
        Route("/models", ui.models_page, name="ui_models"),
        Route("/models/{name}", ui.model_page, name="ui_model"),
        Route("/ui-api/runs/{run_id}/artifacts", ui.api_artifacts),
        Route("/ui-api/runs/{run_id}/preview", ui.api_preview),
        Route("/ui-api/metrics", ui.api_metrics),
        Route("/ui-api/experiments/{ids}/count", ui.api_count),
        Route("/ui-api/live-runs", ui.api_live_runs),
        Mount(STATIC_PREFIX, app=CachedStatic(os.path.join(HERE, "static")), name="ui_static"),
    ]


class UI:
    def __init__(self, context: Any):
        self.context = context
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(os.path.join(HERE, "templates")),
            autoescape=True,
            trim_blocks=True,
            lstrip_blocks=True,
        )  # a missing optional value renders empty
        self.env.filters.update(value=format_value, time=time_element, filesizeformat=format_bytes)
        self.env.globals.update(
            static=STATIC_PREFIX,
            asset_version=_asset_version(),
            duration=format_duration,
            cell=cell,
            integration_tag=TAG_INTEGRATION,
            tracking_uri=str(getattr(context, "tracking_uri", "")),
            failure_reason=failure_reason,
            version=_version(),
        )

    @property
    def store(self):
        return self.context.store

    # -- rendering helpers ------------------------------------------------------------------------
    def render(self, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        html = self.env.get_template(template).render(**values)
        return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)

    def error_page(
        self, status: int, title: str, message: str, hint: str | None = None, back: tuple[str, str] | None = None
    ) -> HTMLResponse:
        return self.render("error.html", status=status, title=title, message=message, hint=hint, back=back)

    def reader(self, run) -> ArtifactReader:
        return ArtifactReader(self.context.artifact_repository(run.info))

    # -- experiments ------------------------------------------------------------------------------
    def experiments_page(self, request: Request) -> Response:
        rows = queries.experiment_rows(self.store)
        rows.sort(key=lambda r: -(r.last_activity or r.experiment.creation_time or 0))
        return self.render(
            "experiments.html",
            rows=rows,
            total_runs=sum(r.run_count for r in rows),
            deleted=editing.deleted_experiments(self.store),
        )

    def deleted_runs_page(self, request: Request) -> Response:
        """The deleted runs of experiments, to restore (one or many)."""
        found, error = self._experiments_or_404(request.path_params["ids"])
        if error:
            return error
        ids = [e.experiment_id for e in found]
        runs, more = editing.deleted_runs(self.store, ids)
        return self.render("deleted_runs.html", experiments=found, ids=",".join(ids), runs=runs, more=more)

    # -- runs table -------------------------------------------------------------------------------
    def _experiments_or_404(self, ids_text: str):
        ids = [i for i in ids_text.split(",") if i]
        found = queries.get_experiments(self.store, ids) if ids else [None]
        missing = [i for i, e in zip(ids or [ids_text], found, strict=False) if e is None]
        if missing:
            return None, self.error_page(
                404, "Experiment not found", f"There is no experiment with id {', '.join(missing)} in this store."
            )
        return found, None

    def runs_page(self, request: Request) -> Response:
        started = time.perf_counter()
        found, error = self._experiments_or_404(request.path_params["ids"])
        if error:
            return error
        ids = [e.experiment_id for e in found]
        q = request.query_params
        filter_string = (q.get("filter") or "").strip()
        order = (q.get("order") or "").strip() or DEFAULT_ORDER
        size = _int(q.get("size"), DEFAULT_PAGE_SIZE, 1, max(PAGE_SIZES))
        token = q.get("page_token") or None
        start = _int(q.get("start"), 0, 0, 10**9)
        back = [t for t in (q.get("back") or "").split(" ") if t][-MAX_BACK_TOKENS:]
        keys = queries.column_keys(self.store, ids)
        problem = None
        runs: list = []
        next_token = None
        problem_title = "Bad filter"
        try:
            runs, next_token = queries.search_page(self.store, ids, filter_string, [order], size, token)
        except queries.page_token_errors() as exc:
            problem, problem_title = f"{exc}. Start again from the first page.", "Bad page address"
        except queries.filter_errors() as exc:
            problem = str(exc)
        rows = self._tree_rows(runs)
        # Default columns depend on the runs shown: links carry them, so sorting or paging keeps them.
        columns = parse_columns(q.get("columns"), keys, runs)
        pinned = parse_pins(q.get("pin"), columns)
        widths = parse_widths(q.get("widths"))
        hidden = parse_hidden(q.get("hide"))
        base = {
            "filter": filter_string,
            "order": order if order != DEFAULT_ORDER else "",
            "columns": format_columns(columns),
            "pin": format_columns(pinned),
            "widths": format_widths(widths),
            "hide": ",".join(hidden),
            "size": size if size != DEFAULT_PAGE_SIZE else None,
        }

        def url(**changes: Any) -> str:
            return _url(request.url.path, {**base, **changes})

        paging = {
            "first": url() if start else None,
            "next": url(page_token=next_token, start=start + size, back=" ".join([*back, token or "-"]))
            if next_token
            else None,
            "prev": (
                url(
                    page_token=None if back[-1] == "-" else back[-1],
                    start=max(0, start - size),
                    back=" ".join(back[:-1]) or None,
                )
                if back
                else (url() if start else None)
            ),
        }
        return self.render(
            "runs.html",
            experiments=found,
            ids=",".join(ids),
            rows=rows,
            columns=[c for c in columns if c not in pinned],
            pinned=pinned,
            pin_param=base["pin"],
            widths_param=base["widths"],
            hidden=hidden,
            hide_param=base["hide"],
            attribute_choices=[c for c in HIDEABLE_ATTRIBUTES if len(found) > 1 or c[0] != "attributes.experiment"],
            integration_col=INTEGRATION_COLUMN,
            filter_keys={"params": keys.params, "metrics": keys.metrics, "tags": keys.tags},
            max_compare=MAX_COMPARE_RUNS,
            max_chart=MAX_CHART_RUNS,
            keys=keys,
            chosen=format_columns(columns),
            chosen_set={c.name for c in columns},
            columns_param=format_columns(columns) or None,
            columns_in_address=q.get("columns") is not None,
            filter=filter_string,
            order=order,
            problem=problem,
            problem_title=problem_title,
            count_url=_url(f"/ui-api/experiments/{','.join(ids)}/count", {"filter": filter_string}),
            start=start,
            size=size,
            page_sizes=PAGE_SIZES,
            paging=paging,
            url=url,
            sort_links=self._sort_links(order, columns, url),
            csv_url=_url(request.url.path + "/runs.csv", base),
            multi=len(found) > 1,
            names={e.experiment_id: e.name for e in found},
            attribute_columns=ATTRIBUTE_COLUMNS,
            elapsed_ms=round((time.perf_counter() - started) * 1000),
        )

    @staticmethod
    def _sort_links(order: str, columns: list[Column], url) -> dict[str, tuple[str, str]]:
        """column order name -> (link, arrow) where a click sorts by it (toggling direction)."""
        current, _, direction = (
            order.rpartition(" ") if order.upper().endswith((" ASC", " DESC")) else (order, "", "ASC")
        )
        links = {}
        names = [n for _, n in ATTRIBUTE_COLUMNS if n] + [c.order_name for c in columns]
        for name in names:
            if name == current:
                flip = "ASC" if direction.upper() == "DESC" else "DESC"
                links[name] = (url(order=f"{name} {flip}"), "▼" if direction.upper() == "DESC" else "▲")
            else:
                first = "DESC" if name.startswith("metrics.") or name == "attributes.start_time" else "ASC"
                links[name] = (url(order=f"{name} {first}"), "")
        return links

    def _tree_rows(self, runs: list) -> list[dict]:
        """Runs in page order, each child right under its parent when both are on the page."""
        on_page = {r.run_id: r for r in (run.info for run in runs)}
        children: dict[str, list] = defaultdict(list)
        top = []
        for run in runs:
            parent = run.data.tags.get(queries.TAG_PARENT)
            if parent and parent in on_page and parent != run.info.run_id:
                children[parent].append(run)
            else:
                top.append(run)
        counts = queries.child_counts(self.store, list(on_page))
        outside = {run.data.tags.get(queries.TAG_PARENT) for run in top} - {None, ""}
        parent_names = queries.run_names(self.store, outside)
        rows: list[dict] = []
        seen: set[str] = set()

        def add(run, depth: int, parent_id: str | None) -> None:
            if run.info.run_id in seen:
                return
            seen.add(run.info.run_id)
            parent = run.data.tags.get(queries.TAG_PARENT) or None
            rows.append(
                {
                    "run": run,
                    "depth": depth,
                    "tree_parent": parent_id,
                    "children": counts.get(run.info.run_id, 0),
                    "children_here": len(children.get(run.info.run_id, ())),
                    "parent": parent,
                    "parent_name": parent_names.get(parent) if depth == 0 and parent else None,
                    "duration": format_duration(run.info.start_time, run.info.end_time),
                }
            )
            for child in children.get(run.info.run_id, ()):
                add(child, depth + 1, run.info.run_id)

        for run in top:
            add(run, 0, None)
        for run in runs:  # a cycle of parent tags: still show every run
            add(run, 0, None)
        return rows

    def api_count(self, request: Request) -> Response:
        """How many runs match: asked by the page after its rows show (a count can take longer
        than the page of rows itself)."""
        found, error = self._experiments_or_404(request.path_params["ids"])
        if error:
            return _json_error(404, "no such experiment")
        try:
            count = queries.count_runs(
                self.store, [e.experiment_id for e in found], (request.query_params.get("filter") or "").strip()
            )
        except queries.filter_errors() as exc:
            return _json_error(400, str(exc))
        return _json(request, {"count": count})

    def api_live_runs(self, request: Request) -> Response:
        """Status, duration and the named column cells of some runs: what the runs table polls
        while runs on it are RUNNING."""
        q = request.query_params
        run_ids = [r for r in (q.get("runs") or "").split(",") if r][:MAX_LIVE_RUNS]
        columns = parse_columns(q.get("columns") or "", queries.ColumnKeys([], [], [], [], []))
        now = int(time.time() * 1000)
        answer = []
        for run in queries.live_runs(self.store, run_ids):
            info = run.info
            running = info.status == "RUNNING"
            answer.append(
                {
                    "run_id": info.run_id,
                    "status": info.status,
                    "duration": format_duration(info.start_time, now if running else info.end_time),
                    "cells": {c.name: format_value(cell(run, c)) for c in columns},
                }
            )
        return _json(request, {"runs": answer})

    def runs_csv(self, request: Request) -> Response:
        found, error = self._experiments_or_404(request.path_params["ids"])
        if error:
            return error
        ids = [e.experiment_id for e in found]
        q = request.query_params
        filter_string = (q.get("filter") or "").strip()
        order = (q.get("order") or "").strip() or DEFAULT_ORDER
        columns = parse_columns(q.get("columns"), queries.column_keys(self.store, ids))
        try:
            first, token = queries.search_page(self.store, ids, filter_string, [order], 1000, None)
        except queries.filter_errors() as exc:
            return Response(f"bad filter: {exc}\n", status_code=400, media_type="text/plain; charset=utf-8")

        def rows() -> Iterator[str]:
            yield csv_header(columns)
            page, next_token = first, token
            while True:
                yield "".join(csv_row(run, columns) for run in page)
                if not next_token:
                    return
                page, next_token = queries.search_page(self.store, ids, filter_string, [order], 1000, next_token)

        name = "runs-" + "-".join(ids) + ".csv"
        return StreamingResponse(
            rows(),
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": f'attachment; filename="{name}"', "x-content-type-options": "nosniff"},
        )

    # -- run page ---------------------------------------------------------------------------------
    def _run_or_404(self, run_id: str):
        run, deleted = queries.get_run(self.store, run_id)
        if run is None or deleted:
            if deleted:
                name = f"{run.info.run_name} ({run_id})" if run is not None else run_id
                return None, self.render(
                    "error.html",
                    status=404,
                    title="Run deleted",
                    message=f"Run {name} was deleted.",
                    hint="Restore it to see it again in its experiment (MLflow's clients see it again too).",
                    restore_run=run_id,
                    back=(f"/experiments/{run.info.experiment_id}", "Runs of its experiment") if run else None,
                )
            return None, self.error_page(
                404,
                "Run not found",
                f"There is no run with id {run_id} in this store.",
                "Check the address, or find the run from the experiments list.",
            )
        return run, None

    def run_page(self, request: Request) -> Response:
        run, error = self._run_or_404(request.path_params["run_id"])
        if error:
            return error
        info = run.info
        experiment = self.store.get_experiment(info.experiment_id)
        steps = queries.latest_steps(self.store, info.run_id)
        metrics = [(k, run.data.metrics[k], steps.get(k, (None, None))[0]) for k in sorted(run.data.metrics)]
        user_tags = {k: v for k, v in sorted(run.data.tags.items()) if not k.startswith(SYSTEM_TAG_PREFIXES)}
        repeated = mlflow_duplicates(run.data.tags)  # mlflow.user etc. only repeat our autolog.* tags
        system_tags = {
            k: v for k, v in sorted(run.data.tags.items()) if k.startswith(SYSTEM_TAG_PREFIXES) and k not in repeated
        }
        parent_id = run.data.tags.get(queries.TAG_PARENT)
        parent_name = queries.run_names(self.store, [parent_id]).get(parent_id) if parent_id else None
        children = queries.child_counts(self.store, [info.run_id]).get(info.run_id, 0)
        child_list = queries.child_runs(self.store, info.run_id, CHILDREN_LISTED) if children else []
        reader = self.reader(run)
        artifact_error = None
        listing: list[dict] = []
        models: list[dict] = []
        plots: list[dict] = []
        try:
            listing = reader.list("")
            models = reader.models(listing)
            plots = reader.plots(listing)
        except Exception as exc:  # an unreachable bucket must not take the whole page down
            artifact_error = f"{type(exc).__name__}: {exc}"
        registered = self._run_versions(info)
        for model in models:
            model["registered"] = [r for r in registered if r["path"] == model["path"]]
        page_data = {
            "run_id": info.run_id,
            "run_name": info.run_name,
            "status": info.status,
            "start_time": info.start_time,
            "metrics": [m[0] for m in metrics],
            "plots": plots,
            "first_preview": next((e["path"] for e in listing if not e["is_dir"] and e["kind"] != "binary"), None),
            "tree_shown": TREE_FIRST,
        }
        children_url = _url(
            f"/experiments/{info.experiment_id}", {"filter": f"tags.`{queries.TAG_PARENT}` = '{info.run_id}'"}
        )
        return self.render(
            "run.html",
            run=run,
            info=info,
            experiment=experiment,
            metrics=metrics,
            params=sorted(run.data.params.items()),
            user_tags=user_tags,
            system_tags=system_tags,
            parent_id=parent_id,
            parent_name=parent_name,
            children=children,
            children_url=children_url,
            child_list=child_list,
            created_by=run.data.tags.get("autolog.user") or run.data.tags.get("mlflow.user"),
            source=run.data.tags.get("autolog.source.name") or run.data.tags.get("mlflow.source.name"),
            listing=listing[:TREE_FIRST],
            more=len(listing) - TREE_FIRST,
            models=models,
            plots=plots,
            datasets=dataset_rows(run),
            registered=registered,
            artifact_error=artifact_error,
            page_data=page_data,
            integration=run.data.tags.get(TAG_INTEGRATION),
            duration=format_duration(info.start_time, info.end_time),
            note=run.data.tags.get(editing.TAG_NOTE, ""),
            failure=failure_reason(run.data.tags) if info.status == "FAILED" else None,
        )

    # -- model registry ---------------------------------------------------------------------------
    def models_page(self, request: Request) -> Response:
        q = request.query_params
        search = (q.get("q") or "").strip()
        token = q.get("page_token") or None
        back = [t for t in (q.get("back") or "").split(" ") if t][-MAX_BACK_TOKENS:]
        bad_search: tuple[type[BaseException], ...] = (*queries.filter_errors(), ValueError)
        problem = None
        models: list = []
        next_token = None
        try:
            models, next_token = queries.search_models(self.store, search, token)
        except queries.page_token_errors() as exc:
            problem = f"{exc}. Start again from the first page."
        except bad_search as exc:
            problem = str(exc)
        rows = []
        for model in models:
            newest = max(model.latest_versions, key=lambda v: int(v.version), default=None)
            by_version: dict[str, list[str]] = defaultdict(list)
            for alias, version in sorted(model.aliases.items()):
                by_version[version].append(alias)
            rows.append(
                {
                    "model": model,
                    "url": model_url(model.name),
                    "newest": newest,
                    "aliases": sorted(model.aliases.items(), key=lambda a: (-int(a[1]), a[0])),
                    "stages": [v for v in model.latest_versions if v.current_stage not in ("None", None)],
                }
            )

        def url(**changes: Any) -> str:
            return _url("/models", {"q": search, **changes})

        paging = {
            "next": url(page_token=next_token, back=" ".join([*back, token or "-"])) if next_token else None,
            "prev": url(page_token=None if back[-1] == "-" else back[-1], back=" ".join(back[:-1]) or None)
            if back
            else None,
        }
        return self.render(
            "models.html", rows=rows, search=search, problem=problem, paging=paging, url=url, first=not token
        )

    def model_page(self, request: Request) -> Response:
        name = request.path_params["name"]
        back = ("/models", "All models")
        try:
            model = self.store.get_registered_model(name)
        except LookupError:
            return self.error_page(
                404,
                "Model not found",
                f"There is no registered model named {name!r} in this store.",
                "Check the address, or find the model in the list of models.",
                back=back,
            )
        except ValueError as exc:
            return self.error_page(400, "Bad model name", str(exc), back=back)
        token = request.query_params.get("page_token") or None
        try:
            versions, next_token = queries.model_versions(self.store, name, token)
        except queries.page_token_errors() as exc:
            return self.error_page(400, "Bad page address", f"{exc}.", back=(model_url(name), model.name))
        run_ids = {v.run_id for v in versions if v.run_id}
        run_names = queries.run_names(self.store, run_ids)
        artifact_uris = queries.run_artifact_uris(self.store, run_ids)
        rows = [
            {
                "version": v,
                "run_name": run_names.get(v.run_id) if v.run_id else None,
                "path": self._path_in_run(v, artifact_uris.get(v.run_id or "")),
            }
            for v in versions
        ]
        page_data = {"name": model.name, "versions": [v.version for v in versions]}
        return self.render(
            "model.html",
            model=model,
            rows=rows,
            aliases=sorted(model.aliases.items(), key=lambda a: (-int(a[1]), a[0])),
            next_url=_url(model_url(name), {"page_token": next_token}) if next_token else None,
            paged=bool(token),
            page_data=page_data,
            model_url=model_url(name),
        )

    def _path_in_run(self, version, artifact_uri: str | None = None) -> str | None:
        """The artifact path inside its run of a version's source (``model``), when it is one."""
        source = version.source or ""
        if source.startswith("runs:/"):
            parts = source[len("runs:/") :].split("/", 1)
            return parts[1].strip("/") if len(parts) > 1 else ""
        if artifact_uri is None:
            return None
        concrete = getattr(self.context, "concrete_uri", None)
        try:
            source = concrete(source) if concrete else source
            root = concrete(artifact_uri) if concrete else artifact_uri
        except ValueError:
            return None
        root = root.rstrip("/")
        if source.rstrip("/") == root:
            return ""
        return source[len(root) + 1 :].strip("/") if source.startswith(root + "/") else None

    def _run_versions(self, info) -> list[dict]:
        try:
            versions = queries.run_versions(self.store, info.run_id)
        except Exception:  # the registry must never take the run page down
            return []
        return [
            {"version": v, "url": model_url(v.name), "path": self._path_in_run(v, info.artifact_uri)} for v in versions
        ]

    # -- artifacts ------------------------------------------------------------------------------
    def artifact_raw(self, request: Request) -> Response:
        run, error = self._run_or_404(request.path_params["run_id"])
        if error:
            return error
        path = request.query_params.get("path", "")
        download = request.query_params.get("download") == "1"
        reader = self.reader(run)
        try:
            if not path or request.query_params.get("zip") == "1":
                archive = reader.zip_directory(path)
                name = (path.rstrip("/").rsplit("/", 1)[-1] or run.info.run_id) + ".zip"
                from starlette.background import BackgroundTask

                return FileResponse(
                    archive,
                    media_type="application/zip",
                    filename=name,
                    headers={"x-content-type-options": "nosniff"},
                    background=BackgroundTask(shutil.rmtree, os.path.dirname(archive), True),
                )
            headers = raw_headers(path, download)
            local = reader.local_path(path)
            if local is not None:
                if os.path.isdir(local):
                    return _text_error(400, f"{path!r} is a directory: download it as a zip (add zip=1)")
                if not os.path.isfile(local):
                    return _text_error(404, f"no artifact {path!r} in run {run.info.run_id}")
                media = headers.pop("content-type")
                return FileResponse(local, media_type=media, headers=headers)
            data = reader.read_bytes(path)
            media = headers.pop("content-type")
            return Response(data, media_type=media, headers=headers)
        except ArtifactPathError as exc:
            return _text_error(400, str(exc))
        except (FileNotFoundError, NotADirectoryError):
            return _text_error(404, f"no artifact {path!r} in run {run.info.run_id}")
        except IsADirectoryError:
            return _text_error(400, f"{path!r} is a directory: download it as a zip (add zip=1)")

    def api_artifacts(self, request: Request) -> Response:
        run, error = self._run_or_404(request.path_params["run_id"])
        if error:
            return _json_error(404, f"no run {request.path_params['run_id']}")
        try:
            return _json(request, {"files": self.reader(run).list(request.query_params.get("path"))})
        except ArtifactPathError as exc:
            return _json_error(400, str(exc))

    def api_preview(self, request: Request) -> Response:
        run, error = self._run_or_404(request.path_params["run_id"])
        if error:
            return _json_error(404, f"no run {request.path_params['run_id']}")
        path = request.query_params.get("path", "")
        try:
            preview = self.reader(run).preview(path)
        except ArtifactPathError as exc:
            return _json_error(400, str(exc))
        except (FileNotFoundError, NotADirectoryError):
            return _json_error(404, f"no artifact {path!r}")
        except IsADirectoryError:
            return _json_error(400, f"{path!r} is a directory")
        preview["raw_url"] = _url(f"/runs/{run.info.run_id}/artifact", {"path": path})
        preview["download_url"] = _url(f"/runs/{run.info.run_id}/artifact", {"path": path, "download": "1"})
        return _json(request, preview)

    # -- charts -----------------------------------------------------------------------------------
    def _runs_from_query(self, request: Request, limit: int) -> tuple[list[str], list, str | None]:
        """(ids asked for, up to ``limit``; those runs that exist; a notice when more were asked)."""
        text = (request.query_params.get("runs") or "").replace(" ", ",")
        asked = list(dict.fromkeys(r for r in text.split(",") if r))
        wanted = asked[:limit]
        selected = max(len(asked), _int(request.query_params.get("selected"), 0, 0, 10**7))
        notice = None
        if selected > len(wanted):
            notice = (
                f"{selected:,} runs were selected; the first {len(wanted)} are shown "
                f"(this page holds at most {limit} runs). Narrow the selection with a filter to see the others."
            )
        return wanted, queries.get_runs(self.store, wanted), notice

    def _experiment_runs(self, request: Request) -> tuple[list[str], list]:
        """The runs of ``experiments=ID,ID`` matching ``filter=`` (the newest MAX_CHART_RUNS): an
        address that charts a whole sweep, however many runs it has."""
        q = request.query_params
        ids = [e for e in (q.get("experiments") or "").split(",") if e]
        runs, _ = queries.search_page(self.store, ids, (q.get("filter") or "").strip(), None, MAX_CHART_RUNS, None)
        return ids, runs

    def charts_page(self, request: Request) -> Response:
        limit_notice = None
        if request.query_params.get("experiments") and not request.query_params.get("runs"):
            try:
                wanted, runs = self._experiment_runs(request)
            except queries.filter_errors() as exc:
                return self.error_page(400, "Bad filter", str(exc))
        else:
            wanted, runs, limit_notice = self._runs_from_query(request, MAX_CHART_RUNS)
        if not runs:
            return self.error_page(
                404 if wanted else 400,
                "No runs to chart",
                "None of the runs in this address exist."
                if wanted
                else "Choose runs to chart: select them in a runs table, or open a run's page.",
            )
        keys = sorted({k for run in runs for k in run.data.metrics})
        specs = chart_specs(request.query_params.get("metrics") or "", keys) or [
            {"keys": [k]} for k in chart_metrics(runs)
        ]
        chosen = [k for spec in specs for k in spec["keys"]]
        x = request.query_params.get("x") if request.query_params.get("x") in ("step", "time", "relative") else "step"
        params = sorted({k for run in runs for k in run.data.params})
        return self.render(
            "charts.html",
            runs=runs,
            keys=keys,
            chosen=chosen,
            x=x,
            limit_notice=limit_notice,
            page_data={
                "runs": [_run_brief(r) for r in runs],
                "metrics": chosen,
                "charts": specs,
                "x": x,
                "log": request.query_params.get("log") == "1",
                "smoothing": smoothing(request.query_params.get("smooth")),
                "all_metrics": keys,
                "params": {k: [r.data.params.get(k) for r in runs] for k in params},
                "latest": {k: [_finite(r.data.metrics.get(k)) for r in runs] for k in keys},
                "step_spread": step_spreads(self.store, [r.info.run_id for r in runs], keys),
            },
        )

    def api_metrics(self, request: Request) -> Response:
        q = request.query_params
        run_ids = [r for r in (q.get("runs") or "").split(",") if r][:MAX_CHART_RUNS]
        keys = [k for k in q.getlist("key") if k][:MAX_CHART_KEYS]
        if not run_ids or not keys:
            return _json_error(400, "give runs=ID,ID and one key=METRIC per metric")
        points = _int(q.get("points"), 1000, 10, 5000)
        runs = {r.info.run_id: r for r in queries.get_runs(self.store, run_ids)}
        started = time.perf_counter()
        histories = queries.metric_histories(self.store, list(runs), keys, points)
        series = []
        for (run_id, key), (history, total) in sorted(
            histories.items(), key=lambda i: (i[0][1], run_ids.index(i[0][0]))
        ):
            if not history:
                continue
            t0 = history[0].timestamp
            series.append(
                {
                    "run_id": run_id,
                    "key": key,
                    "total": total,
                    "t0": t0,
                    "step": [p.step for p in history],
                    "time": [p.timestamp - t0 for p in history],
                    "value": [_finite(p.value) for p in history],
                }
            )
        return _json(
            request,
            {
                "series": series,
                "runs": {i: _run_brief(r) for i, r in runs.items()},
                "elapsed_ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )

    # -- compare ----------------------------------------------------------------------------------
    def compare_page(self, request: Request) -> Response:
        wanted, runs, limit_notice = self._runs_from_query(request, MAX_COMPARE_RUNS)
        if len(runs) < 1:
            return self.error_page(
                404 if wanted else 400,
                "Nothing to compare",
                "None of the runs in this address exist."
                if wanted
                else "Select two or more runs in a runs table, then press Compare.",
            )
        param_keys = sorted({k for r in runs for k in r.data.params})
        metric_keys = sorted({k for r in runs for k in r.data.metrics})

        def differs(values: list) -> bool:
            return len({format_value(v) if v is not None else None for v in values}) > 1

        params = [(k, [r.data.params.get(k) for r in runs]) for k in param_keys]
        metrics = [(k, [r.data.metrics.get(k) for r in runs]) for k in metric_keys]
        extremes = {}
        for key, values in metrics:
            numbers = [v for v in values if v is not None and not math.isnan(v)]
            if len(numbers) > 1 and min(numbers) != max(numbers):
                extremes[key] = (min(numbers), max(numbers))
        page_data = {
            "runs": [_run_brief(r) for r in runs],
            "params": varying_first({k: list(values) for k, values in params}),
            "metrics": {k: [_finite(v) for v in values] for k, values in metrics},
            "metric_order": list(common_first({k: [v for v in values] for k, values in metrics})),
            "x": "step",
        }
        return self.render(
            "compare.html",
            runs=runs,
            integration_values=[r.data.tags.get(TAG_INTEGRATION, "") for r in runs],
            params=[(k, v, differs(v)) for k, v in params],
            metrics=[(k, v, differs(v)) for k, v in metrics],
            extremes=extremes,
            page_data=page_data,
            missing=len(wanted) - len(runs),
            limit_notice=limit_notice,
        )


class CachedStatic:
    """The static files; a URL carrying ``?v=<hash of the files>`` is cached for a year, so pages
    load their CSS and scripts without asking again (a new version changes the URL)."""

    def __init__(self, directory: str):
        self.app = StaticFiles(directory=directory)

    async def __call__(self, scope, receive, send) -> None:
        versioned = b"v=" in scope.get("query_string", b"")

        async def send_with_cache(message) -> None:
            if versioned and message["type"] == "http.response.start":
                from starlette.datastructures import MutableHeaders

                MutableHeaders(scope=message)["cache-control"] = "public, max-age=31536000, immutable"
            await send(message)

        await self.app(scope, receive, send_with_cache)


def _asset_version() -> str:
    import hashlib

    digest = hashlib.sha1()
    root = os.path.join(HERE, "static")
    for folder, _dirs, files in sorted(os.walk(root)):
        for name in sorted(files):
            with open(os.path.join(folder, name), "rb") as fh:
                digest.update(name.encode() + fh.read())
    return digest.hexdigest()[:12]


# -- small helpers -----------------------------------------------------------------------------------
def _int(text: str | None, default: int, low: int, high: int) -> int:
    try:
        return min(high, max(low, int(text))) if text else default
    except ValueError:
        return default


def model_url(name: str) -> str:
    """The model page's address (a name may hold any character but ``/`` and ``:``)."""
    return "/models/" + quote(name, safe="")


def _url(path: str, params: dict[str, Any]) -> str:
    clean = {k: v for k, v in params.items() if v not in (None, "")}
    return path + ("?" + urlencode(clean) if clean else "")


def _finite(value: float | None) -> float | None:
    if value is None or math.isnan(value) or math.isinf(value):
        return None
    return float(f"{value:.8g}")


def _run_brief(run) -> dict:
    info = run.info
    return {
        "run_id": info.run_id,
        "run_name": info.run_name,
        "status": info.status,
        "start_time": info.start_time,
        "end_time": info.end_time,
        "experiment_id": info.experiment_id,
    }


def _json(request: Request, data: Any, status: int = 200) -> Response:
    body = json.dumps(data, separators=(",", ":"), allow_nan=False).encode()
    headers = {"x-content-type-options": "nosniff", "cache-control": "no-store"}
    if len(body) > 2048 and "gzip" in request.headers.get("accept-encoding", ""):
        body = gzip.compress(body, compresslevel=5)
        headers["content-encoding"] = "gzip"
        headers["vary"] = "Accept-Encoding"
    return Response(body, status_code=status, media_type="application/json", headers=headers)


def _json_error(status: int, message: str) -> Response:
    return Response(
        json.dumps({"error": message}),
        status_code=status,
        media_type="application/json",
        headers={"x-content-type-options": "nosniff"},
    )


def _text_error(status: int, message: str) -> Response:
    return Response(
        message + "\n",
        status_code=status,
        media_type="text/plain; charset=utf-8",
        headers={"x-content-type-options": "nosniff"},
    )


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("autolog")
    except Exception:
        return ""


__all__ = ["build_routes", "kind_of"]


def dataset_rows(run) -> list[dict]:
    """The run's dataset inputs for the run page: name, context, digest, kind, shape and columns."""
    rows = []
    for item in (getattr(run, "inputs", None) and run.inputs.dataset_inputs) or ():
        dataset = item.dataset
        profile = _json_or_empty(dataset.profile)
        schema = _json_or_empty(dataset.schema)
        columns = schema.get("mlflow_colspec") or schema.get("mlflow_tensorspec") or []
        described = [f"{c.get('name', '')}: {c.get('type', '')}".strip(": ") for c in columns if isinstance(c, dict)]
        rows.append(
            {
                "name": dataset.name,
                "context": item.context or "",
                "digest": dataset.digest,
                "source_type": profile.get(PROFILE_LIBRARY) or dataset.source_type,  # older runs: the library
                "shape": " x ".join(map(str, profile.get("shape") or [])),
                "columns": ", ".join(described[:8]) + (f" (+{len(described) - 8} more)" if len(described) > 8 else ""),
                "source": source_text(dataset.source),
            }
        )
    return rows


def _json_or_empty(text: str | None) -> dict:
    import json

    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
