"""The autolog test kit, a pytest plugin (entry point ``pytest11``) for plugin authors and us.

Fixtures (opt-in, so installing autolog changes nobody's test suite):

- ``autolog_store``: a fresh tracking store in ``tmp_path`` for one test, strict mode
  (``AUTOLOG_TESTING=1``: autolog's own errors fail the test), and at teardown a check that no run
  was left active and that every integration was reverted. Yields a ``TrackingClient``.
- ``autolog_enable``: ``autolog_enable("sklearn", **options)`` enables one integration for the
  test (or every one with ``None``) and disables it again afterwards.

``register_plugin(module, name)`` / ``unregister_plugin(name)`` register a plugin that is not
installed (a plugin's own tests before ``pip install``). The kit uses only public calls of
``tracking_core``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

import tracking_core

from . import activation
from .api import autolog, integration_handle
from .config import config
from .plugin_manager import load_plugins, register_plugin, unregister_plugin
from .safety import TESTING_ENV, forget_warnings


def reset_autologging() -> None:
    """Disable every integration, forget all options, end every active run of this context."""
    for integration in load_plugins():
        activation.disable(integration)
    config.reset()
    while tracking_core.active_run() is not None:
        tracking_core.end_run()
    forget_warnings()


def leaked_runs() -> list[str]:
    """Ids of runs still open in this process, in any thread or task."""
    return tracking_core.open_run_ids()


@pytest.fixture
def autolog_store(tmp_path, monkeypatch) -> Iterator[tracking_core.TrackingClient]:
    monkeypatch.setenv(TESTING_ENV, "1")
    monkeypatch.delenv("AUTOLOG_TRACKING_URI", raising=False)
    previous = tracking_core.tracking_settings()
    store_dir = tmp_path / "autologruns"
    tracking_core.restore_tracking_settings(tracking_core.TrackingSettings(None, None))  # Default experiment
    tracking_core.set_tracking_uri(str(store_dir))
    try:
        yield tracking_core.TrackingClient(str(store_dir))
        leaked = leaked_runs()
        still_patched = [i.name for i in load_plugins() if activation.is_active(i)]
    finally:
        reset_autologging()
        tracking_core.restore_tracking_settings(previous)
    if leaked:
        pytest.fail(f"runs left active by the test: {', '.join(leaked)}")
    if still_patched:
        pytest.fail(f"integrations left enabled by the test: {', '.join(still_patched)}")


@pytest.fixture
def autolog_enable(autolog_store) -> Iterator[Callable[..., None]]:
    enabled: list[str | None] = []

    def enable(name: str | None = None, **options: Any) -> None:
        if name is None:
            autolog(**options)
        else:
            integration_handle(name).autolog(**options)
        enabled.append(name)

    yield enable
    for name in enabled:
        if name is None:
            autolog(disable=True)
        else:
            integration_handle(name).autolog(disable=True)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "autolog_integration(name): the integration a test exercises")


__all__ = [
    "autolog_enable",
    "autolog_store",
    "leaked_runs",
    "register_plugin",
    "reset_autologging",
    "unregister_plugin",
]
