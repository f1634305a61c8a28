"""The ``autolog`` command: ``autolog plugins`` and the tracking ``runs`` commands."""

from __future__ import annotations

import argparse
import sys

from tracking_core.cli.models import add_models_commands
from tracking_core.cli.runs import add_db_commands, add_runs_commands
from tracking_core.cli.server import add_server_commands

from .run_command import add_run_command


def plugins_table() -> list[dict[str, str]]:
    from importlib import metadata

    from . import activation
    from .plugin_manager import load_plugins
    from .versioning import framework_support

    rows = []
    for integration in sorted(load_plugins(), key=lambda i: i.name):
        distribution = integration.distribution or "-"
        try:
            version = metadata.version(distribution) if integration.distribution else "-"
        except metadata.PackageNotFoundError:
            version = "-"
        framework_module = sorted(integration.top_level_modules)[0]
        support = framework_support(integration.distribution, framework_module)
        if support.installed_version is None:
            status = "framework not installed"
        elif support.supported is False:
            status = "unsupported version"
        else:
            status = "active" if activation.is_active(integration) else "ready"
        rows.append(
            {
                "integration": integration.name,
                "distribution": distribution,
                "version": version,
                "framework": support.distribution or integration.framework or framework_module,
                "supported": support.specifier or "any",
                "installed": support.installed_version or "-",
                "status": status,
            }
        )
    return rows


def show_plugins(_args: argparse.Namespace) -> int:
    rows = plugins_table()
    columns = ["integration", "distribution", "version", "framework", "supported", "installed", "status"]
    widths = {c: max([len(c)] + [len(r[c]) for r in rows]) for c in columns}
    print("  ".join(c.upper().ljust(widths[c]) for c in columns))
    for row in rows:
        print("  ".join(row[c].ljust(widths[c]) for c in columns))
    if not rows:
        print("(no autolog plugins installed: pip install autolog-sklearn, for example)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="autolog", description="autolog: autologging for ML training")
    commands = parser.add_subparsers(dest="command", required=True)
    plugins = commands.add_parser("plugins", help="list installed autolog plugins and their status")
    plugins.set_defaults(handler=show_plugins)
    add_runs_commands(commands)
    add_db_commands(commands)
    add_models_commands(commands)
    add_server_commands(commands)
    add_run_command(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
