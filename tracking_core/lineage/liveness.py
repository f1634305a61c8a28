"""Telling a run whose process died from one still training, and marking the dead ones KILLED.

A run started through the fluent API records its owner as tags: ``autolog.owner.host``,
``autolog.owner.pid`` and ``autolog.owner.start`` (a token for when that process started: on
Linux the boot id and the start time in clock ticks from ``/proc``, elsewhere psutil's create
time), and the batching writer refreshes ``autolog.heartbeat`` every ``HEARTBEAT_SECONDS`` (10 s)
while the run is open. A RUNNING run's owner is gone when

- it ran on this host and no process has its pid, or the process that has it started at another
  time (the pid was reused): decided at once, whatever the heartbeat says;
- it ran on another host (or its start token cannot be compared) and neither a heartbeat nor its
  start was seen for ``SILENT_AFTER_SECONDS`` (120 s, twelve missed heartbeats).

``settle`` marks such runs KILLED in the store (end time: the last heartbeat, else the start) with
a tag ``autolog.killed.reason``; ``TrackingClient`` and ``autolog runs list`` call it on what they
read, so a dead run is never shown RUNNING to them. Runs without owner tags (created by older
versions or through the REST API by other clients) are left alone.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from typing import Any

from ..batch import WriteBatch
from ..entities import Run, RunStatus

HEARTBEAT_SECONDS = 10.0  # how often the batching writer refreshes a live run's heartbeat tag
TAG_HEARTBEAT = "autolog.heartbeat"

TAG_OWNER_HOST = "autolog.owner.host"
TAG_OWNER_PID = "autolog.owner.pid"
TAG_OWNER_START = "autolog.owner.start"
TAG_KILLED_REASON = "autolog.killed.reason"
SILENT_AFTER_SECONDS = 120.0

_owner: tuple[int, dict[str, str]] | None = None


def _boot_id() -> str | None:
    try:
        with open("/proc/sys/kernel/random/boot_id") as fh:
            return fh.read().strip()
    except OSError:
        return None


def process_start_token(pid: int) -> str | None:
    """A string that changes when ``pid`` names another process; None when there is no such process
    or it cannot be read."""
    boot = _boot_id()
    if boot is not None:
        try:
            with open(f"/proc/{pid}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            return None
        # The command name (field 2) may hold spaces and parentheses: fields after its last ')' count.
        fields = stat[stat.rindex(b")") + 2 :].split()
        return f"linux:{boot}:{int(fields[19])}"
    try:
        import psutil

        return f"psutil:{psutil.Process(pid).create_time():.3f}"
    except Exception:
        return None


def _hostname() -> str:
    import socket  # not at import: ``import autolog`` stays light

    return socket.gethostname()


def owner_tags() -> dict[str, str]:
    """The owner tags of runs this process starts (computed once per process)."""
    global _owner
    pid = os.getpid()
    if _owner is None or _owner[0] != pid:
        tags = {TAG_OWNER_HOST: _hostname(), TAG_OWNER_PID: str(pid)}
        token = process_start_token(pid)
        if token is not None:
            tags[TAG_OWNER_START] = token
        _owner = (pid, tags)
    return dict(_owner[1])


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def last_seen_ms(run: Run) -> int:
    beat = _int(run.data.tags.get(TAG_HEARTBEAT))  # written at the start too, then every HEARTBEAT_SECONDS
    return beat if beat is not None else (run.info.start_time or 0)


def owner_gone(run: Run, now_ms: int | None = None) -> str | None:
    """Why the owner of this RUNNING run is gone, or None if it may still be running."""
    if run.info.status != RunStatus.RUNNING:
        return None
    tags = run.data.tags
    pid = _int(tags.get(TAG_OWNER_PID))
    host = tags.get(TAG_OWNER_HOST)
    if pid is None or host is None:
        return None
    started = tags.get(TAG_OWNER_START)
    if host == _hostname() and started is not None and started.split(":")[0] in ("linux", "psutil"):
        token = process_start_token(pid)
        if token is None:
            return f"its process {pid} on {host} is gone"
        if token.split(":")[0] == started.split(":")[0]:
            return None if token == started else f"its process {pid} on {host} is gone (the pid was reused)"
    now_ms = time.time_ns() // 1_000_000 if now_ms is None else now_ms
    silent = (now_ms - last_seen_ms(run)) / 1000
    if silent > SILENT_AFTER_SECONDS:
        return (
            f"its process {pid} on {host} sent no heartbeat for {silent:.0f} s "
            f"(expected every {HEARTBEAT_SECONDS:.0f} s)"
        )
    return None


def settle(store: Any, runs: Iterable[Run]) -> list[Run]:
    """``runs`` with every RUNNING run whose owner is gone marked KILLED (in the store too).
    Every reader that shows runs (client, CLI, server API, UI) passes them through here."""
    settled = []
    for run in runs:
        reason = owner_gone(run)
        if reason is not None:
            run = _mark_killed(store, run, reason)
        settled.append(run)
    return settled


def _mark_killed(store: Any, run: Run, reason: str) -> Run:
    end_time = last_seen_ms(run)
    try:
        store.update_run(run.info.run_id, status=RunStatus.KILLED, end_time=end_time)
        if hasattr(store, "write"):
            try:
                store.write(WriteBatch(tags={(run.info.run_id, TAG_KILLED_REASON): reason}))
            except Exception:
                pass  # the status is what matters; a REST store takes tags through its own calls
    except Exception:
        pass  # a read-only store: still shown KILLED to this reader
    tags = {**run.data.tags, TAG_KILLED_REASON: reason}
    return run.__class__(
        run.info._replace(status=RunStatus.KILLED, end_time=end_time),
        run.data._replace(tags=tags) if hasattr(run.data, "_replace") else run.data,
    )


__all__ = [
    "HEARTBEAT_SECONDS",
    "SILENT_AFTER_SECONDS",
    "TAG_HEARTBEAT",
    "TAG_KILLED_REASON",
    "TAG_OWNER_HOST",
    "TAG_OWNER_PID",
    "TAG_OWNER_START",
    "owner_gone",
    "owner_tags",
    "settle",
]
