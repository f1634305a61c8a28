"""Helpers of the registry tests: calling a model server in a loop from threads while an alias moves.

``calls_while_moving(server, moves)`` keeps ``threads`` connections calling ``/invocations`` (the
served model answers one constant for every row) while ``moves`` run one after the other: each
``(move, answer)`` moves the alias and waits until the server answers ``answer``, then lets the
calls go on a while. It returns what a user of the server would have seen: every answer with its
time and ``X-Model-Version`` header, every failed request, and how long each switch took.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class LoadResult:
    answers: list[tuple[float, Any, str | None]] = field(default_factory=list)  # (time, answer, version)
    errors: list[str] = field(default_factory=list)
    switch_seconds: list[float] = field(default_factory=list)
    by_connection: dict[int, list[Any]] = field(default_factory=dict)  # each connection's answers, in order

    def phases(self, connection: int) -> list[Any]:
        """A connection's answers with repeats collapsed (``[0, 1, 0]``: old model, new one, old again)."""
        collapsed: list[Any] = []
        for answer in self.by_connection.get(connection, []):
            if not collapsed or collapsed[-1] != answer:
                collapsed.append(answer)
        return collapsed

    def answers_after(self, index: int) -> list[Any]:
        return [answer for _, answer, _ in self.answers[index:]]


def calls_while_moving(
    port: int,
    body: dict,
    moves: list[tuple[Callable[[], None], Any]],
    threads: int = 4,
    settle_seconds: float = 1.0,
    switch_timeout: float = 60.0,
    min_answers_after: int = 40,
) -> LoadResult:
    result = LoadResult()
    payload = json.dumps(body).encode()
    stop = threading.Event()
    lock = threading.Lock()

    def call_in_a_loop(index: int) -> None:
        answered = result.by_connection.setdefault(index, [])
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while not stop.is_set():
            try:
                connection.request("POST", "/invocations", payload, {"Content-Type": "application/json"})
                response = connection.getresponse()
                data = response.read()
                if response.status != 200:
                    with lock:
                        result.errors.append(f"{response.status} {data[:200]!r}")
                    continue
                predictions = json.loads(data)["predictions"]
                if len(set(predictions)) != 1:  # one request answered by two models
                    with lock:
                        result.errors.append(f"mixed answers in one response: {predictions}")
                with lock:
                    result.answers.append((time.monotonic(), predictions[0], response.getheader("X-Model-Version")))
                    answered.append(predictions[0])
            except Exception as exc:  # a failed request: what these tests are about
                with lock:
                    result.errors.append(f"{type(exc).__name__}: {exc}")
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.close()

    workers = [threading.Thread(target=call_in_a_loop, args=(index,)) for index in range(threads)]
    try:
        for worker in workers:
            worker.start()
        time.sleep(settle_seconds)
        for move, answer in moves:
            moved_at = time.monotonic()
            move()
            deadline = moved_at + switch_timeout
            switched = None
            while switched is None and time.monotonic() < deadline:
                with lock:
                    switched = next((t for t, a, _ in result.answers if t > moved_at and a == answer), None)
                time.sleep(0.02)
            if switched is None:
                raise AssertionError(f"the server did not answer {answer!r} within {switch_timeout}s of the move")
            result.switch_seconds.append(switched - moved_at)
            # keep calling the new model: for a while, and for enough answers however loaded the machine is
            time.sleep(settle_seconds)
            while time.monotonic() < deadline:
                with lock:
                    after = sum(1 for t, _, _ in result.answers if t > switched)
                if after >= min_answers_after:
                    break
                time.sleep(0.02)
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=60)
    return result


def load_overhead_ms(uri: str, baseline: str, rounds: int = 60) -> tuple[float, float, float]:
    """(median ms of ``load_model(uri)``, of ``load_model(baseline)``, median of the paired differences):
    the two are loaded one after the other each round, so a busy machine slows both of a pair alike."""
    import statistics

    import autolog

    autolog.load_model(uri), autolog.load_model(baseline)  # warm: imports, connections
    first, second = [], []
    for _ in range(rounds):
        start = time.perf_counter()
        autolog.load_model(uri)
        middle = time.perf_counter()
        autolog.load_model(baseline)
        first.append(middle - start)
        second.append(time.perf_counter() - middle)
    differences = [a - b for a, b in zip(first, second, strict=True)]
    return tuple(statistics.median(values) * 1000 for values in (first, second, differences))  # type: ignore[return-value]


def registry_round_trip(client: Any, name: str, row: Any) -> None:
    """Every registry method of ``client`` on model ``name``, whose version 1 answers 0 and version 2
    answers 1 for ``row`` (``constants`` fixtures); the same assertions against any server."""
    import pytest

    import autolog

    client.update_registered_model(name, description="constant answers")
    client.set_registered_model_tag(name, "team", "blue")
    client.set_model_version_tag(name, 2, "validated", "yes")
    client.update_model_version(name, 2, description="answers 1")
    client.set_registered_model_alias(name, "champion", 2)
    client.set_registered_model_alias(name, "challenger", 1)

    model = client.get_registered_model(name)
    assert (model.description, model.tags, model.aliases) == (
        "constant answers",
        {"team": "blue"},
        {"champion": "2", "challenger": "1"},
    )
    champion = client.get_model_version_by_alias(name, "champion")
    assert (champion.version, champion.description, champion.tags, champion.aliases) == (
        "2",
        "answers 1",
        {"validated": "yes"},
        ("champion",),
    )
    assert client.get_model_version_download_uri(name, 2) == champion.source
    assert [m.name for m in client.search_registered_models(f"name = '{name}'")] == [name]
    page = client.search_model_versions(f"name = '{name}'", max_results=1)
    assert len(page) == 1 and page.token
    assert len(client.search_model_versions(f"name = '{name}'", max_results=1, page_token=page.token)) == 1
    client.transition_model_version_stage(name, 1, "Staging")
    assert {v.current_stage: v.version for v in client.get_latest_versions(name)} == {"None": "2", "Staging": "1"}
    assert autolog.load_model(f"models:/{name}/staging").predict(row) == [0]

    client.delete_registered_model_alias(name, "challenger")
    client.delete_model_version_tag(name, 2, "validated")
    client.delete_registered_model_tag(name, "team")
    assert client.get_registered_model(name).aliases == {"champion": "2"}
    renamed = f"{name}-renamed"
    client.rename_registered_model(name, renamed)
    assert autolog.load_model(f"models:/{renamed}@champion").predict(row) == [1]
    client.delete_model_version(renamed, 2)
    with pytest.raises(autolog.RegistryNotFoundError, match="no alias 'champion'"):
        autolog.load_model(f"models:/{renamed}@champion")  # deleting the version deleted its alias
    client.delete_registered_model(renamed)
    with pytest.raises(autolog.RegistryNotFoundError):
        client.get_registered_model(renamed)
