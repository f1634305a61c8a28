"""Shared fixtures for the Lightning plugin tests: tiny regressions on 256 x 8, CPU only."""

from __future__ import annotations

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))  # lightning_models, under --import-mode=importlib


@pytest.fixture
def lightning_enabled(autolog_enable):
    """Enable the lightning integration (options given) and return ``lightning.pytorch``."""

    def enable(**options):
        autolog_enable("lightning", **options)
        import lightning.pytorch as L

        return L

    return enable
