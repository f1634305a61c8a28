"""``autolog run URI [-e ENTRY_POINT] [-P key=value ...] ...``: the project form of ``autolog run``.

``autolog run`` has two forms, told apart by ``--``: ``autolog run [options] -- python train.py``
runs a command with autologging (``autolog/run_command.py``); ``autolog run URI [options]`` runs a
project. The project options are declared on the one ``run`` parser (so ``--help`` shows them);
options written after the URI land in its remainder and are parsed here by ``project_parser``.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

ENV_MANAGERS = ("local", "virtualenv", "uv", "conda", "docker")
PROJECT_OPTIONS = (
    "entry_point",
    "param_list",
    "experiment_name",
    "experiment_id",
    "run_name",
    "version",
    "env_manager",
)


def add_project_options(parser: Any, suppress_defaults: bool = False) -> None:
    default: Any = argparse.SUPPRESS if suppress_defaults else None
    parser.add_argument("-e", "--entry-point", default=default, metavar="NAME", help="the entry point (default main)")
    parser.add_argument(
        "-P",
        "--param",
        dest="param_list",
        action="append",
        default=default,
        metavar="KEY=VALUE",
        help="a parameter (repeatable)",
    )
    parser.add_argument("--experiment-name", default=default, metavar="NAME", help="the run's experiment")
    parser.add_argument("--experiment-id", default=default, metavar="ID", help="the run's experiment, by id")
    parser.add_argument("--run-name", default=default, metavar="NAME", help="the run's name")
    parser.add_argument("--version", default=default, metavar="REF", help="git branch, tag or commit to run")
    parser.add_argument(
        "--env-manager",
        default=default,
        choices=ENV_MANAGERS,
        help="where the command runs (default: what the project declares: "
        "python_env -> virtualenv, conda_env -> conda, docker_env -> docker, none -> local)",
    )
    parser.add_argument(
        "--build-image",
        action="store_true",
        default=argparse.SUPPRESS if suppress_defaults else False,
        help="docker: build an image with the project copied in",
    )
    parser.add_argument(
        "--no-capture",
        action="store_true",
        default=argparse.SUPPRESS if suppress_defaults else False,
        help="leave the command's stderr alone (no stderr tail artifact on failure)",
    )


def project_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="autolog run URI", add_help=False, allow_abbrev=False)
    add_project_options(parser, suppress_defaults=True)
    parser.add_argument("--tracking-uri", default=argparse.SUPPRESS)
    from ..run_options import add_command_options

    add_command_options(parser, suppress_defaults=True)  # the command form's: refused with a hint
    parser.add_argument("extra", nargs="*")
    return parser


def used_project_options(args: argparse.Namespace) -> list[str]:
    names = [f"--{name.replace('_', '-')}" for name in PROJECT_OPTIONS if getattr(args, name, None) is not None]
    names += [
        flag
        for flag, name in (("--build-image", "build_image"), ("--no-capture", "no_capture"))
        if getattr(args, name, False)
    ]
    return ["-P" if n == "--param-list" else n for n in names]


def parse_params(items: list[str]) -> dict[str, str]:
    params = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ValueError(f"-P {item!r}: write KEY=VALUE, e.g. -P alpha=0.5")
        params[key] = value
    return params


def run_project(args: argparse.Namespace, words: list[str]) -> int:
    """``words``: the URI and whatever followed it."""
    uri, rest = words[0], words[1:]
    extra: list[str] = []
    if "--" in rest:
        cut = rest.index("--")
        rest, extra = rest[:cut], rest[cut + 1 :]
    later, unknown = project_parser().parse_known_args(rest)
    if unknown or later.extra:
        print(
            f"autolog run: unexpected {' '.join(unknown + later.extra)!r} after the project URI {uri!r}. "
            "To run a command, put -- before it: autolog run [options] -- python train.py",
            file=sys.stderr,
        )
        return 2
    for key, value in vars(later).items():
        if key == "param_list":
            args.param_list = (args.param_list or []) + value
        elif key != "extra":
            setattr(args, key, value)
    from ..run_options import used_command_options

    zero_code_only = used_command_options(args)
    if zero_code_only:
        hints = ["for a project use --experiment-name"] if "--experiment" in zero_code_only else []
        if set(zero_code_only) - {"--experiment"}:
            hints.append(
                "a project sets its autolog options in its own code (autolog.autolog(...), "
                "log_model(..., registered_model_name=...))"
            )
        print(
            f"autolog run: {', '.join(zero_code_only)} belong to the command form (autolog run [options] -- COMMAND)"
            + "".join(f"; {hint}" for hint in hints),
            file=sys.stderr,
        )
        return 2
    from . import ExecutionError, ProjectError, run

    _signals_as_interrupt()
    submitted = None
    try:
        params = parse_params(args.param_list or [])
        submitted = run(
            uri,
            entry_point=args.entry_point or "main",
            version=args.version,
            parameters=params,
            experiment_name=args.experiment_name,
            experiment_id=args.experiment_id,
            run_name=args.run_name,
            env_manager=args.env_manager,
            synchronous=False,
            tracking_uri=args.tracking_uri,
            capture_stderr=not args.no_capture,
            build_image=args.build_image,
            extra_args=extra,
        )
        code = _wait(submitted)
    except (ProjectError, ValueError) as exc:
        print(f"autolog run: {exc}", file=sys.stderr)
        return 2
    except ExecutionError as exc:  # not raised with synchronous=False; kept for clarity
        print(f"autolog run: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # between the start and the wait: stop what has started
        if submitted is None:
            print("autolog run: interrupted before the command started", file=sys.stderr)
            return 130
        return _cancel(submitted)
    # The run is ended and written. What is left is the interpreter's exit, whose last garbage
    # collection walks every object the store's imports made (~0.15 s): freezing them skips it.
    import gc

    gc.freeze()
    return code


def _signals_as_interrupt() -> None:
    """SIGTERM and SIGHUP stop ``autolog run`` as Ctrl-C does: the command's group stopped, the run KILLED."""
    import signal

    def stop(signum, _frame):
        raise KeyboardInterrupt

    for signum in (signal.SIGTERM, signal.SIGHUP):
        try:
            signal.signal(signum, stop)
        except (ValueError, OSError):
            pass


def _cancel(submitted) -> int:
    import signal

    print(f"autolog run: interrupted: stopping the command; run {submitted.run_id} KILLED", file=sys.stderr)
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the clean-up short
        submitted.cancel()
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    return 130


def _wait(submitted) -> int:

    try:
        submitted.wait()
    except KeyboardInterrupt:
        return _cancel(submitted)
    status = submitted.get_status()
    code = submitted.returncode or 0
    if status != "FINISHED":
        print(f"autolog run: run {submitted.run_id} {status} (exit status {code})", file=sys.stderr)
        return code if 0 < code < 256 else 1
    print(f"autolog run: run {submitted.run_id} FINISHED", file=sys.stderr)
    return 0
