"""What every benchmark shares: the repository root and the environment of measured subprocesses."""

from __future__ import annotations

import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def bench_env() -> dict[str, str]:
    """The example extension plugin renders a PNG per classifier fit: it is not the product, so it is
    left out of the measurements (a user who installs it chooses that cost)."""
    return {
        **os.environ,
        "PYTHONWARNINGS": "ignore",
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "AUTOLOG_DISABLED_PLUGINS": "sklearn_confusion",
    }
