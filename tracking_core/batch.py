"""What the batching writer queues between flushes: new runs, params, tags, metric points, dataset inputs, run ends."""

from __future__ import annotations

import time
from typing import NamedTuple


def now_ms() -> int:
    return time.time_ns() // 1_000_000


class NewRun(NamedTuple):
    run_id: str
    experiment_id: str
    run_name: str
    start_time: int
    artifact_uri: str


class InputToLog(NamedTuple):
    """One dataset given to a run (``Run.inputs``), with its input tags (``mlflow.data.context``)."""

    run_id: str
    name: str
    digest: str
    source_type: str
    source: str
    schema: str | None
    profile: str | None
    tags: tuple[tuple[str, str], ...] = ()


class WriteBatch:
    """Everything logged since the last flush, applied in this order in one transaction."""

    __slots__ = ("inputs", "metrics", "new_runs", "params", "run_ends", "tags")

    def __init__(
        self,
        new_runs: list[NewRun] | None = None,
        params: dict[tuple[str, str], str] | None = None,
        tags: dict[tuple[str, str], str] | None = None,
        metrics: list[tuple[str, str, float, int, int]] | None = None,
        run_ends: dict[str, tuple[str, int | None]] | None = None,
        inputs: list[InputToLog] | None = None,
    ) -> None:
        self.new_runs = new_runs if new_runs is not None else []
        self.params = params if params is not None else {}
        self.tags = tags if tags is not None else {}
        self.metrics = metrics if metrics is not None else []
        self.run_ends = run_ends if run_ends is not None else {}
        self.inputs = inputs if inputs is not None else []

    def __repr__(self) -> str:
        return (
            f"WriteBatch(new_runs={self.new_runs!r}, params={self.params!r}, tags={self.tags!r}, "
            f"metrics={self.metrics!r}, run_ends={self.run_ends!r}, inputs={self.inputs!r})"
        )

    def __bool__(self) -> bool:
        return bool(self.new_runs or self.params or self.tags or self.metrics or self.run_ends or self.inputs)

    def __len__(self) -> int:
        return (
            len(self.new_runs)
            + len(self.params)
            + len(self.tags)
            + len(self.metrics)
            + len(self.run_ends)
            + len(self.inputs)
        )
