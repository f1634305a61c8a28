"""Readable random run names (``brave-otter-412``), the same on the client and the server."""

from __future__ import annotations

import os

_ADJECTIVES = (
    "brave",
    "calm",
    "eager",
    "fancy",
    "gentle",
    "happy",
    "jolly",
    "keen",
    "lively",
    "merry",
    "nimble",
    "proud",
    "quick",
    "silent",
    "tidy",
    "vast",
    "witty",
    "young",
    "zesty",
    "bold",
)
_NOUNS = (
    "otter",
    "falcon",
    "maple",
    "river",
    "comet",
    "badger",
    "cedar",
    "harbor",
    "lynx",
    "meadow",
    "orca",
    "pine",
    "quartz",
    "raven",
    "sparrow",
    "tiger",
    "willow",
    "yak",
    "zebra",
    "heron",
)


def generate_run_name() -> str:
    """A readable random name drawn from the OS, never from the user's seeded ``random`` state."""
    draw = os.urandom(3)
    return f"{_ADJECTIVES[draw[0] % len(_ADJECTIVES)]}-{_NOUNS[draw[1] % len(_NOUNS)]}-{100 + draw[2] * 900 // 256}"
