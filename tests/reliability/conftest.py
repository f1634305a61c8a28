"""The reliability tests import their helpers (``reliability_support``, ``frameworks``) from this directory."""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
