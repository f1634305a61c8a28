"""``autolog run [options] -- python train.py ARGS``: autologging for an unmodified script.

How: the ``autolog`` process replaces itself (``exec``) with the command, adding
``autolog/_run_bootstrap`` to ``PYTHONPATH`` and the options to the environment. That directory
holds a ``sitecustomize`` module, which Python imports at start-up before running the script: it
removes itself from ``sys.path`` and ``PYTHONPATH`` (so processes the script starts are left
alone), imports the environment's own ``sitecustomize`` if there is one, and calls
``autolog.autolog(**options)`` -- the effect of that call on the script's first line. This is
how ``opentelemetry-instrument`` works. Chosen over running the script in-process with
``runpy`` because the script then runs exactly as ``python train.py`` would: the interpreter the
user named (another venv, another version), a real ``__main__`` (pickling, multiprocessing
``spawn``), its own signal handling; and exit code, stdin/stdout/stderr and signals pass through
with nothing in between, since the ``autolog`` process has become the script's process. Nothing
is written to disk. The named interpreter must have autolog installed and must read
``PYTHONPATH`` and run ``site`` (not ``-I``, ``-E`` or ``-S``).

Runs that autologging creates or logs into get, besides the usual tags:
``autolog.run.command`` (the command line), ``autolog.source.name`` (the script's path),
``autolog.source.sha256`` (of the script's source), ``autolog.source.module`` (``-m`` form),
``autolog.source.git.commit`` and ``autolog.source.git.dirty`` (``true``/``false``, tracked files
only), and with a dirty tree the artifact ``source/git.diff`` (``git diff HEAD``, at most
``AUTOLOG_RUN_MAX_DIFF_BYTES``, default 1 MB; ``autolog.source.git.diff_truncated=true`` if cut).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
from typing import Any

from .git_state import DIFF_ARTIFACT, GitState
from .hookspecs import hookimpl
from .run_options import BOOLEAN_OPTIONS, add_command_options

PAYLOAD_ENV = "AUTOLOG_RUN_PAYLOAD"
BOOTSTRAP_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_run_bootstrap")
MAX_COMMAND_TAG_LENGTH = 5000


# -- the parent: parse, check, exec ----------------------------------------------------------------
def add_run_command(commands: Any) -> None:
    parser = commands.add_parser(
        "run",
        help="run a project (autolog run URI) or a command with autologging (autolog run -- python train.py)",
        description="Two forms, told apart by the -- before a command.\n\n"
        + textwrap.fill(
            "Command form: run COMMAND (python train.py ARGS, python -m module ARGS, or train.py ARGS) "
            "with autologging enabled, as if autolog.autolog() were its first line. Exit code and output "
            "are the command's.",
            100,
        )
        + "\n  example: autolog run --experiment demo -- python train.py --epochs 3"
        "\n  example: autolog run --registered-model-name wine -- python -m train\n\n"
        + textwrap.fill(
            "Project form: run an entry point of a project (a directory with an MLproject file, or any "
            ".py/.sh file of a directory) from a directory or a git URL (https://..., git@host:path, "
            "file://..., with #subdirectory), in its environment, as a tracked run handed to the command.",
            100,
        )
        + "\n  example: autolog run . -e main -P alpha=0.5 --env-manager uv\n"
        "  example: autolog run https://github.com/mlflow/mlflow-example.git --version master -P alpha=5.0",
        usage="autolog run [options] -- python train.py [ARGS ...]\n"
        "       autolog run URI [-e ENTRY_POINT] [-P KEY=VALUE ...] [--experiment-name NAME | --experiment-id ID]\n"
        "                   [--run-name NAME] [--version REF]"
        " [--env-manager local|virtualenv|uv|conda|docker] [--build-image] [--no-capture]",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--tracking-uri", metavar="URI", help="where runs go (env AUTOLOG_TRACKING_URI)")
    add_command_options(parser.add_argument_group("command form (autolog run [options] -- COMMAND)"))
    from .projects.cli import add_project_options

    add_project_options(parser.add_argument_group("project form (autolog run URI [options])"))
    parser.add_argument(
        "command",
        nargs=argparse.REMAINDER,
        help="-- then the command (command form), or the project URI (project form)",
    )
    parser.set_defaults(handler=run_command)


def options_from_args(args: argparse.Namespace) -> dict[str, Any]:
    options: dict[str, Any] = {name: getattr(args, name) for name in BOOLEAN_OPTIONS if getattr(args, name) is not None}
    if args.system_metrics_interval is not None:
        options["system_metrics_interval"] = args.system_metrics_interval
    if getattr(args, "registered_model_name", None) is not None:
        options["registered_model_name"] = args.registered_model_name
    tags = {}
    for item in args.extra_tag:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ValueError(f"--extra-tag {item!r}: write KEY=VALUE")
        tags[key] = value
    if tags:
        options["extra_tags"] = tags
    for item in args.option:
        name, sep, raw = item.partition("=")
        if not sep or not name.isidentifier():
            raise ValueError(f"--option {item!r}: write NAME=VALUE, e.g. --option max_tuning_runs=5")
        try:
            options[name] = json.loads(raw)
        except ValueError:
            options[name] = raw
    return options


_FLAGS_WITH_VALUE = ("-X", "-W", "--check-hash-based-pycs")


def parse_python_command(command: list[str]) -> tuple[list[str], str | None, str | None]:
    """(interpreter flags, "script" | "module" | "code" | None, script path or module name) of
    ``python [flags] script.py|-m module|-c code ...``."""
    flags: list[str] = []
    position = 1
    while position < len(command):
        arg = command[position]
        if arg == "-m" or arg == "-c":
            target = command[position + 1] if position + 1 < len(command) else None
            return flags, "module" if arg == "-m" else "code", target
        if arg.startswith(("-m", "-c")) and not arg.startswith("--"):
            return flags, "module" if arg[1] == "m" else "code", arg[2:]
        if arg == "-" or not arg.startswith("-"):
            return flags, "script", arg
        flags.append(arg)
        if arg in _FLAGS_WITH_VALUE and position + 1 < len(command):
            flags.append(command[position + 1])
            position += 1
        position += 1
    return flags, None, None


def prepare(args: argparse.Namespace) -> tuple[list[str], dict[str, str]]:
    """The command to exec and its environment; ``ValueError`` names what is wrong."""
    command = list(args.command)
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        raise ValueError("no command given: autolog run [options] -- python train.py [ARGS ...]")
    if command[0].endswith(".py"):
        command = [sys.executable, *command]
    flags, kind, target = parse_python_command(command)
    for flag in flags:
        if flag.startswith("-") and flag[1:2] != "-" and flag[1:2] not in ("X", "W") and set(flag[1:]) & set("IES"):
            raise ValueError(
                f"the interpreter option {flag} makes Python ignore PYTHONPATH or skip site, so "
                f"autologging could not be enabled: drop it"
            )
    options = options_from_args(args)
    from .option_checks import check_options
    from .plugin_manager import load_plugins

    check_options(options, [(i.name, i.option_checks) for i in load_plugins() if i.option_checks], "autolog run")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([BOOTSTRAP_DIR, *filter(None, [env.get("PYTHONPATH")])])
    env[PAYLOAD_ENV] = json.dumps(
        {
            "options": options,
            "command": command,
            "bootstrap_dir": BOOTSTRAP_DIR,
            "module": target if kind == "module" else None,
            "git_dir": os.path.dirname(os.path.abspath(target))
            if kind == "script" and target and os.path.isfile(target)
            else os.getcwd(),
        }
    )
    if args.experiment is not None:
        if not args.experiment.strip():
            raise ValueError("--experiment: the experiment name must not be empty")
        env["AUTOLOG_EXPERIMENT_NAME"] = args.experiment
    if args.tracking_uri is not None:
        from tracking_core import uri

        uri.resolve(args.tracking_uri)  # a bad URI is refused here, not inside the script
        env["AUTOLOG_TRACKING_URI"] = args.tracking_uri
    return command, env


def run_command(args: argparse.Namespace) -> int:
    if args.command and args.command[0] != "--":
        from .projects.cli import run_project

        return run_project(args, list(args.command))
    from .projects.cli import used_project_options

    project_only = used_project_options(args)
    if project_only:
        print(
            f"autolog run: {', '.join(project_only)} belong to the project form: autolog run URI [options] "
            "(no -- before a project)",
            file=sys.stderr,
        )
        return 2
    try:
        command, env = prepare(args)
    except ValueError as exc:
        print(f"autolog run: {exc}", file=sys.stderr)
        return 2
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        if os.name == "nt":  # Windows has no real exec: the caller would not get the exit code
            import subprocess

            return subprocess.call(command, env=env)
        os.execvpe(command[0], command, env)  # returns only on failure
    except OSError as exc:
        print(f"autolog run: cannot run {command[0]!r}: {exc.strerror or exc}", file=sys.stderr)
        return 127 if isinstance(exc, FileNotFoundError) else 126
    return 0  # not reached


# -- the child: enable autologging, record the source ----------------------------------------------
def bootstrap(payload_text: str) -> None:
    """Called by ``_run_bootstrap/sitecustomize.py`` at the start of the script's interpreter."""
    try:
        payload = json.loads(payload_text)
        import autolog

        from .plugin_manager import register_plugin

        source = SourcePlugin(
            payload.get("command") or [], payload.get("module"), payload.get("git_dir") or os.getcwd()
        )
        register_plugin(source, "autolog.run_command")
        autolog.autolog(**payload.get("options", {}))
    except Exception as exc:  # the script runs anyway, as it would without autolog
        print(f"autolog run: autologging is not enabled: {type(exc).__name__}: {exc}", file=sys.stderr)


def _sha256(path: str) -> str | None:
    import hashlib

    try:
        with open(path, "rb") as fh:
            return hashlib.sha256(fh.read()).hexdigest()
    except OSError:
        return None


class SourcePlugin:
    """Registered in the script's process: tags each run autologging logs into with its source."""

    def __init__(self, command: list[str], module: str | None, git_dir: str) -> None:
        import shlex

        self.command = shlex.join(command)[:MAX_COMMAND_TAG_LENGTH]
        self.module = module
        self.git = GitState(git_dir)
        self.runs_done: set[str] = set()
        self._tags: dict[str, str] | None = None

    def tags(self) -> dict[str, str]:
        if self._tags is None:
            tags = {"autolog.run.command": self.command}
            main_file = getattr(sys.modules.get("__main__"), "__file__", None)
            if main_file:
                path = os.path.abspath(main_file)
                tags["autolog.source.name"] = path
                digest = _sha256(path)
                if digest:
                    tags["autolog.source.sha256"] = digest
            if self.module:
                tags["autolog.source.module"] = self.module
            git = self.git.wait()
            if git.commit:
                tags["autolog.source.git.commit"] = git.commit
            if git.dirty is not None:
                tags["autolog.source.git.dirty"] = "true" if git.dirty else "false"
            if git.diff_truncated:
                tags["autolog.source.git.diff_truncated"] = "true"
            self._tags = tags
        return self._tags

    @hookimpl
    def autolog_run_started(self, call) -> None:
        if call.run_id in self.runs_done:
            return
        self.runs_done.add(call.run_id)
        call.tracker.set_tags(call.run_id, self.tags())
        if self.git.diff:
            import tracking_core

            run = tracking_core.active_run()
            if run is not None and run.info.run_id == call.run_id:
                call.tracker.artifact_repository(run.info.artifact_uri).write_bytes(DIFF_ARTIFACT, self.git.diff)
