"""What the batching writer queues between flushes: new runs, params, tags, metric points, run ends."""
from __future__ import annotations

import time
from dataclasses import dataclass, field


def now_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass
class NewRun:
    run_id: str
    experiment_id: str
    run_name: str
    start_time: int
    artifact_uri: str


@dataclass
class WriteBatch:
    """Everything logged since the last flush, applied in this order in one transaction."""

    new_runs: list[NewRun] = field(default_factory=list)
    params: dict[tuple[str, str], str] = field(default_factory=dict)
    tags: dict[tuple[str, str], str] = field(default_factory=dict)
    metrics: list[tuple[str, str, float, int, int]] = field(default_factory=list)
    run_ends: dict[str, tuple[str, int]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.new_runs or self.params or self.tags or self.metrics or self.run_ends)

    def __len__(self) -> int:
        return len(self.new_runs) + len(self.params) + len(self.tags) + len(self.metrics) + len(self.run_ends)
