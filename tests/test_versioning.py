"""Version gating's own reading of ranges agrees with packaging, which it avoids importing."""

from __future__ import annotations

import pytest
from packaging.specifiers import SpecifierSet

from autolog.versioning import FrameworkSupport, _simple_contains

SPECIFIERS = ["<1.10,>=1.4", ">=2.0,<4", "<2.22,>=2.16", "==1.2", "!=1.5.0,>=1", ">1.0", "<=2.0.0", ""]
VERSIONS = [
    "1.9.1",
    "1.10",
    "1.10.0",
    "1.4",
    "1.3.9",
    "2.21.0",
    "2.22.0",
    "3.2.0",
    "4.0",
    "1.2",
    "1.2.0",
    "1.5",
    "1.0",
    "2.0",
    "0.9",
    "2.16.0",
]


@pytest.mark.parametrize("specifier", SPECIFIERS)
def test_plain_ranges_agree_with_packaging(specifier):
    for version in VERSIONS:
        assert _simple_contains(specifier, version) == SpecifierSet(specifier).contains(version), version


@pytest.mark.parametrize(
    "specifier,version", [("~=1.2", "1.3"), (">=1", "1.0rc1"), (">=1.0.dev0", "1.0"), (">=1", "1.0.post1")]
)
def test_unusual_ranges_and_versions_are_left_to_packaging(specifier, version):
    assert _simple_contains(specifier, version) is None
    support = FrameworkSupport(f"lib{specifier}", "lib", version)
    assert support.supported == SpecifierSet(specifier).contains(version, prereleases=True)
