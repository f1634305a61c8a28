"""Where a run comes from: the user, the source file and its git commit, as tags; and MLflow's names.

``system_tags()`` is what every new run is tagged with (``autolog.user``, ``autolog.source.name``,
``autolog.source.git.commit``; computed once per process). ``with_mlflow_tags(tags)`` adds to a
batch of tags MLflow's equivalent of each of our system tags in it (``autolog.user`` ->
``mlflow.user``, ``autolog.source.name`` -> ``mlflow.source.name`` with ``mlflow.source.type``
``LOCAL``, ``autolog.source.git.commit`` -> ``mlflow.source.git.commit``, ``autolog.parentRunId``
-> ``mlflow.parentRunId``, ``autolog.autologging`` -> ``mlflow.autologging``), unless the batch sets
that MLflow tag itself. Runs are written with both in every store, so MLflow's UI and client (its
Source, User and Version columns, nested runs) read our runs as their own, against an ``mlflow
server`` as well as ours. ``code_source_tags()`` are the same facts under MLflow's names: the tags
of MLflow's ``code`` dataset source (data built in memory by this process).

``mlflow_duplicates(tags)`` names the MLflow tags that only repeat one of ours, for views that list
tags once.
"""

from __future__ import annotations

import os
import sys
from functools import lru_cache

TAG_PARENT_RUN_ID = "autolog.parentRunId"
TAG_USER = "autolog.user"
TAG_SOURCE_NAME = "autolog.source.name"
TAG_GIT_COMMIT = "autolog.source.git.commit"
TAG_AUTOLOGGING = "autolog.autologging"
MLFLOW_SOURCE_TYPE = "mlflow.source.type"
SOURCE_TYPE_LOCAL = "LOCAL"  # MLflow's SourceType for a script or an interactive session

MLFLOW_EQUIVALENTS = {
    TAG_USER: "mlflow.user",
    TAG_SOURCE_NAME: "mlflow.source.name",
    TAG_GIT_COMMIT: "mlflow.source.git.commit",
    TAG_PARENT_RUN_ID: "mlflow.parentRunId",
    TAG_AUTOLOGGING: "mlflow.autologging",
}


def _git_commit(start: str) -> str | None:
    directory = os.path.abspath(start)
    while True:
        head = os.path.join(directory, ".git", "HEAD")
        if os.path.isfile(head):
            try:
                with open(head) as fh:
                    ref = fh.read().strip()
                if not ref.startswith("ref: "):
                    return ref or None
                ref_path = os.path.join(directory, ".git", *ref[5:].split("/"))
                if os.path.isfile(ref_path):
                    with open(ref_path) as fh:
                        return fh.read().strip() or None
                packed = os.path.join(directory, ".git", "packed-refs")
                if os.path.isfile(packed):
                    with open(packed) as fh:
                        for line in fh:
                            parts = line.split()
                            if len(parts) == 2 and parts[1] == ref[5:]:
                                return parts[0]
            except OSError:
                return None
            return None
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def _user() -> str | None:
    """``getpass.getuser()``'s answer, without importing getpass (it imports termios: 2.5 ms of a first run)."""
    for name in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        user = os.environ.get(name)
        if user:
            return user
    try:
        import pwd

        return pwd.getpwuid(os.getuid())[0]
    except Exception:  # no pwd module (Windows) or no entry for this uid
        return None


@lru_cache(maxsize=1)
def system_tags() -> dict[str, str]:
    """Our tags of where this process's runs come from (``autolog.*`` names only)."""
    argv0 = sys.argv[0] if sys.argv else ""
    source = os.path.abspath(argv0) if argv0 and not argv0.startswith("-") else "<interactive>"
    tags = {TAG_SOURCE_NAME: source}
    user = _user()
    if user:
        tags[TAG_USER] = user
    commit = _git_commit(os.path.dirname(source) if os.path.isfile(source) else os.getcwd())
    if commit:
        tags[TAG_GIT_COMMIT] = commit
    return tags


def with_mlflow_tags(tags: dict[str, str]) -> dict[str, str]:
    """``tags`` plus MLflow's equivalent of each of our system tags in it (module docstring)."""
    added = {
        MLFLOW_EQUIVALENTS[key]: value
        for key, value in tags.items()
        if key in MLFLOW_EQUIVALENTS and MLFLOW_EQUIVALENTS[key] not in tags
    }
    if TAG_SOURCE_NAME in tags and MLFLOW_SOURCE_TYPE not in tags:
        added[MLFLOW_SOURCE_TYPE] = SOURCE_TYPE_LOCAL
    return {**tags, **added} if added else tags


def code_source_tags() -> dict[str, str]:
    """The tags of MLflow's ``code`` dataset source for data made by this process."""
    tags = with_mlflow_tags(dict(system_tags()))
    return {key: value for key, value in tags.items() if key.startswith("mlflow.")}


def mlflow_duplicates(tags: dict[str, str]) -> set[str]:
    """The MLflow tags in ``tags`` that repeat one of ours with the same value (and its source type)."""
    repeated = {
        mlflow_key
        for ours, mlflow_key in MLFLOW_EQUIVALENTS.items()
        if ours in tags and tags.get(mlflow_key) == tags[ours]
    }
    if "mlflow.source.name" in repeated and tags.get(MLFLOW_SOURCE_TYPE) == SOURCE_TYPE_LOCAL:
        repeated.add(MLFLOW_SOURCE_TYPE)
    return repeated
