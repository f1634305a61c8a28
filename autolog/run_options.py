"""The command form's options of ``autolog run`` (``autolog run [options] -- COMMAND``): the autolog
options given to the command's ``autolog.autolog(...)``, and ``--experiment``.

Declared here for both forms: the command form's parser takes them (``autolog/run_command.py``);
the project form's (``autolog/projects/cli.py``) knows them only to refuse them with a hint, since
a project sets its autolog options in its own code.
"""

from __future__ import annotations

import argparse
from typing import Any

BOOLEAN_OPTIONS = (
    "log_models",
    "log_input_examples",
    "log_model_signatures",
    "log_system_metrics",
    "log_datasets",
    "silent",
    "exclusive",
    "disable_for_unsupported_versions",
)
COMMAND_OPTIONS = (
    "experiment",
    *BOOLEAN_OPTIONS,
    "registered_model_name",
    "system_metrics_interval",
    "extra_tag",
    "option",
)


def add_command_options(parser: Any, suppress_defaults: bool = False) -> None:
    """The command form's options; ``suppress_defaults`` for the project form's parser, which refuses them."""

    def default(value: Any) -> Any:
        return argparse.SUPPRESS if suppress_defaults else value

    parser.add_argument(
        "--experiment",
        metavar="NAME",
        default=default(None),
        help="experiment of the runs (env AUTOLOG_EXPERIMENT_NAME)",
    )
    for name in BOOLEAN_OPTIONS:
        parser.add_argument(
            f"--{name.replace('_', '-')}",
            dest=name,
            action=argparse.BooleanOptionalAction,
            default=default(None),
            help=f"autolog option {name}",
        )
    parser.add_argument(
        "--registered-model-name",
        metavar="NAME",
        default=default(None),
        help="autolog option registered_model_name: each saved model is also registered as a new version of NAME",
    )
    parser.add_argument(
        "--system-metrics-interval",
        type=float,
        metavar="SECONDS",
        default=default(None),
        help="autolog option system_metrics_interval",
    )
    parser.add_argument(
        "--extra-tag",
        action="append",
        default=default([]),
        metavar="KEY=VALUE",
        help="a tag for every run autolog creates (repeatable)",
    )
    parser.add_argument(
        "--option",
        action="append",
        default=default([]),
        metavar="NAME=VALUE",
        help="any other autolog option, VALUE as JSON or else a string (repeatable), e.g. --option max_tuning_runs=5",
    )


def used_command_options(args: argparse.Namespace) -> list[str]:
    """The command form's options given in ``args``, as written (``--no-log-models``)."""
    used = []
    for name in COMMAND_OPTIONS:
        value = getattr(args, name, None)
        if value is None or value == []:
            continue
        flag = name.replace("_", "-")
        used.append(f"--no-{flag}" if value is False and name in BOOLEAN_OPTIONS else f"--{flag}")
    return used
