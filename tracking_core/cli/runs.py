"""The ``runs`` commands of the ``autolog`` CLI: list runs and show one."""

from __future__ import annotations

import argparse
import datetime
import os
import sys

from ..client.tracking_client import TrackingClient
from ..entities import Run
from ..errors import RunNotFoundError


def _time(ms: int | None) -> str:
    if ms is None:
        return "-"
    return datetime.datetime.fromtimestamp(ms / 1000).strftime("%Y-%m-%d %H:%M:%S")


def add_runs_commands(subparsers) -> None:
    runs = subparsers.add_parser("runs", help="list and inspect tracked runs")
    runs.add_argument(
        "--tracking-uri", default=None, help="store to read (default: AUTOLOG_TRACKING_URI or ./autologruns)"
    )
    commands = runs.add_subparsers(dest="runs_command", required=True)
    listing = commands.add_parser("list", help="list runs, newest first")
    listing.add_argument("--experiment", default=None, help="only runs of this experiment")
    listing.add_argument("--max-results", type=int, default=50)
    listing.set_defaults(handler=list_runs)
    show = commands.add_parser("show", help="show one run's params, metrics, tags and artifacts")
    show.add_argument("run_id")
    show.set_defaults(handler=show_run)


_PARENT_TAGS = ("autolog.parentRunId", "mlflow.parentRunId")
_MODEL_TAGS = ("estimator_name", "autolog.model_class")


def _parent(run: Run) -> str | None:
    return next((run.data.tags[tag] for tag in _PARENT_TAGS if run.data.tags.get(tag)), None)


def _nested(found: list[Run]) -> list[tuple[int, Run]]:
    """(depth, run) with each run's children right below it, indented (as the UI shows a search's
    candidates under it); a run whose parent is not in the listing is shown at the top level."""
    by_id = {run.info.run_id: run for run in found}
    children: dict[str, list[Run]] = {}
    roots = []
    for run in found:
        parent = _parent(run)
        if parent is not None and parent in by_id and parent != run.info.run_id:
            children.setdefault(parent, []).append(run)
        else:
            roots.append(run)
    ordered: list[tuple[int, Run]] = []
    seen: set[str] = set()
    stack = [(0, run) for run in reversed(roots)]
    while stack:
        depth, run = stack.pop()
        if run.info.run_id in seen:
            continue
        seen.add(run.info.run_id)
        ordered.append((depth, run))
        stack.extend((depth + 1, child) for child in reversed(children.get(run.info.run_id, [])))
    ordered.extend((0, run) for run in found if run.info.run_id not in seen)  # a cycle: shown flat
    return ordered


def list_runs(args: argparse.Namespace) -> int:
    client = TrackingClient(args.tracking_uri)
    names = [args.experiment] if args.experiment else None
    found = client.search_runs(experiment_names=names, max_results=args.max_results)
    print(f"{'RUN ID':32}  {'NAME':28}  {'STATUS':8}  {'STARTED':19}  {'INTEGRATION':12}  MODEL")
    for depth, run in _nested(found):
        tags = run.data.tags
        integration = tags.get("autolog.autologging", "-")
        model = next((tags[tag] for tag in _MODEL_TAGS if tags.get(tag)), "-")
        name = ("  " * (depth - 1) + "└ " if depth else "") + (run.info.run_name or "")
        print(
            f"{run.info.run_id:32}  {name[:28]:28}  {run.info.status:8}  "
            f"{_time(run.info.start_time):19}  {integration:12}  {model}"
        )
    if not found:
        print(f"(no runs in {client.tracking_uri})")
    return 0


def show_run(args: argparse.Namespace) -> int:
    client = TrackingClient(args.tracking_uri)
    try:
        run = client.get_run(args.run_id)
    except RunNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    info = run.info
    print(f"run {info.run_id} ({info.run_name})")
    print(f"  status      {info.status}")
    print(f"  experiment  {info.experiment_id}")
    print(f"  started     {_time(info.start_time)}   ended {_time(info.end_time)}")
    print(f"  artifacts   {info.artifact_uri}")
    for title, values in (("params", run.data.params), ("metrics", run.data.metrics), ("tags", run.data.tags)):
        print(f"{title}:")
        for key in sorted(values):
            print(f"  {key} = {values[key]}")
    print("artifact files:")
    for item in client.list_artifacts(info.run_id):
        print(f"  {item.path}{'/' if item.is_dir else ''}")
    return 0


def add_db_commands(subparsers) -> None:
    db = subparsers.add_parser("db", help="tracking store schema: show its version, upgrade it")
    commands = db.add_subparsers(dest="db_command", required=True)
    upgrade = commands.add_parser("upgrade", help="upgrade a store's schema in place to this autolog's version")
    upgrade.add_argument("uri", help="a store directory, sqlite:///PATH or postgresql://...")
    upgrade.set_defaults(handler=upgrade_db)
    current = commands.add_parser("current", help="print a store's schema version")
    current.add_argument("uri", help="a store directory, sqlite:///PATH or postgresql://...")
    current.set_defaults(handler=current_db)


def _database(uri: str) -> tuple[str, str]:
    from .. import uri as uri_module
    from ..storage.schema import describe_url

    url = uri_module.resolve(uri).database_url
    return url, describe_url(url)


def upgrade_db(args: argparse.Namespace) -> int:
    from ..errors import StoreVersionError
    from ..storage.schema import upgrade_schema
    from ..storage.sql_store import make_engine

    url, shown = _database(args.uri)
    engine = make_engine(url)
    try:
        before, after = upgrade_schema(engine, url)
    except StoreVersionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    if before == after:
        print(f"{shown}: already at schema version {after}")
    elif before is None:
        print(f"{shown}: created at schema version {after}")
    else:
        print(f"{shown}: upgraded from schema version {before} to {after}")
    return 0


def current_db(args: argparse.Namespace) -> int:
    from ..storage.schema import KNOWN_VERSIONS, SCHEMA_VERSION, current_version
    from ..storage.sql_store import make_engine

    url, shown = _database(args.uri)
    path = url[len("sqlite:///") :] if url.startswith("sqlite:///") else None
    if path and path != ":memory:" and not os.path.exists(path):
        print(f"{shown}: no store there yet")  # and do not create one by looking
        return 0
    engine = make_engine(url)
    try:
        version = current_version(engine)
    finally:
        engine.dispose()
    if version is None:
        print(f"{shown}: empty (no autolog store yet)")
    elif version == SCHEMA_VERSION:
        print(f"{shown}: schema version {version} (current)")
    elif version in KNOWN_VERSIONS:
        print(
            f"{shown}: schema version {version} (older; `autolog db upgrade` or opening it upgrades it "
            f"to {SCHEMA_VERSION})"
        )
    else:
        print(f"{shown}: schema version {version} (newer than this autolog: upgrade autolog)")
    return 0
