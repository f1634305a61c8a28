"""mypy (``make lint``) catches a plugin whose collector has the wrong signature."""

from __future__ import annotations

import textwrap

import pytest

from core_support import REPO_DIR

PLUGIN = """
from __future__ import annotations

from typing import Any

from autolog.plugin import Integration, TrainingCall


def patch(module: Any, patcher: Any) -> None:
    patcher.wrap_training(module.Model, "fit")


def params(call: TrainingCall) -> dict[str, Any]:
    return {"alpha": call.instance.alpha}


def metrics(call, status):  # the shape of after_training, given as a metrics collector
    return {}


INTEGRATION = Integration(name="typed", modules="typedframework", patch=patch, collect_params=params,
                          collect_metrics={collector})
"""


@pytest.mark.parametrize("collector, errors", [("metrics", 1), ("params", 0)])
def test_a_collector_with_the_wrong_signature_is_a_mypy_error(collector, errors, tmp_path):
    api = pytest.importorskip("mypy.api")
    source = tmp_path / "typed_plugin.py"
    source.write_text(textwrap.dedent(PLUGIN.replace("{collector}", collector)))
    stdout, _stderr, status = api.run(
        [
            str(source),
            "--config-file",
            f"{REPO_DIR}/pyproject.toml",
            "--cache-dir",
            f"{REPO_DIR}/.mypy_cache",
            "--no-error-summary",
        ]
    )
    found = [line for line in stdout.splitlines() if ": error:" in line]
    assert len(found) == errors, stdout
    if errors:
        assert 'Argument "collect_metrics" to "Integration"' in found[0]
        assert status == 1
