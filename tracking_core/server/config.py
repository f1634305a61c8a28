"""What ``autolog server`` was told: one value object, passed to worker processes as JSON."""

from __future__ import annotations

import json
import os
from typing import NamedTuple

CONFIG_ENV = "AUTOLOG_SERVER_CONFIG"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5000
MAX_JSON_BODY_BYTES = 1_000_000


class ServerConfig(NamedTuple):
    backend_store_uri: str | None = None  # directory, sqlite:///, postgresql://; None: ./autologruns
    artifacts_destination: str | None = None  # None: the store's artifact root
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    workers: int = 1
    allowed_hosts: tuple[str, ...] = ()  # empty: localhost names and the bound address
    cors_allowed_origins: tuple[str, ...] = ()
    users_file: str | None = None
    artifacts_only: bool = False
    serve_artifacts: bool = True
    max_json_body_bytes: int = MAX_JSON_BODY_BYTES

    def to_env(self) -> str:
        return json.dumps(self._asdict())

    @classmethod
    def from_env(cls) -> ServerConfig:
        raw = json.loads(os.environ[CONFIG_ENV])
        raw["allowed_hosts"] = tuple(raw.get("allowed_hosts") or ())
        raw["cors_allowed_origins"] = tuple(raw.get("cors_allowed_origins") or ())
        return cls(**raw)
