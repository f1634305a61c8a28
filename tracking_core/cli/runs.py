"""The ``runs`` commands of the ``autolog`` CLI: list runs and show one."""

from __future__ import annotations

import argparse
import datetime
import os
import sys

from ..client.tracking_client import TrackingClient
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


def list_runs(args: argparse.Namespace) -> int:
    client = TrackingClient(args.tracking_uri)
    names = [args.experiment] if args.experiment else None
    found = client.search_runs(experiment_names=names, max_results=args.max_results)
    print(f"{'RUN ID':32}  {'NAME':24}  {'STATUS':8}  {'STARTED':19}  INTEGRATION")
    for run in found:
        integration = run.data.tags.get("autolog.autologging", "-")
        print(
            f"{run.info.run_id:32}  {run.info.run_name[:24]:24}  {run.info.status:8}  "
            f"{_time(run.info.start_time):19}  {integration}"
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
