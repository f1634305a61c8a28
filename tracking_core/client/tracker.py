"""One tracking destination per tracking URI and process: ``tracker_for``.

The fluent API and ``TrackingClient`` both go through a ``Tracker`` (``local_tracker``): it
creates runs, queues what is logged on the batching writer, and flushes before every read so a
process always reads what it wrote. An ``http(s)://`` URI gets a ``RestTracker`` instead, imported
only then (it keeps ``import autolog`` light).
"""

from __future__ import annotations

import os
import threading

from .. import uri as uri_module
from ..errors import ParamConflictError, RunNotFoundError
from .local_tracker import (
    DEFAULT_EXPERIMENT_NAME,
    MAX_RUN_NAME_LENGTH,
    TAG_GIT_COMMIT,
    TAG_PARENT_RUN_ID,
    TAG_SOURCE_NAME,
    TAG_USER,
    Tracker,
    system_tags,
)

_trackers: dict[tuple[int, str], Tracker] = {}
_trackers_lock = threading.Lock()


def tracker_for(tracking_uri: str | None) -> Tracker:
    resolved = uri_module.resolve(tracking_uri)
    key = (os.getpid(), resolved.database_url)
    tracker = _trackers.get(key)
    if tracker is None:
        with _trackers_lock:
            tracker = _trackers.get(key)
            if tracker is None:
                if uri_module.is_http_url(resolved.database_url):
                    from .rest_tracker import RestTracker  # only for http(s) URIs: keeps import light

                    tracker = _trackers[key] = RestTracker(resolved)
                else:
                    tracker = _trackers[key] = Tracker(resolved)
    if tracker.resolved != resolved:
        # Same database, but AUTOLOG_ARTIFACT_ROOT changed since: new experiments go to the new root.
        tracker.resolved = resolved
    return tracker


__all__ = [
    "DEFAULT_EXPERIMENT_NAME",
    "MAX_RUN_NAME_LENGTH",
    "TAG_GIT_COMMIT",
    "TAG_PARENT_RUN_ID",
    "TAG_SOURCE_NAME",
    "TAG_USER",
    "ParamConflictError",
    "RunNotFoundError",
    "Tracker",
    "system_tags",
    "tracker_for",
]


def __getattr__(name: str):
    if name == "generate_run_name":  # its home before ``run_names``
        from ..run_names import generate_run_name

        return generate_run_name
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
