"""Version gating: the framework range a plugin supports, read from the plugin's own metadata.

The range is declared once, as the plugin distribution's ``framework`` extra
(``framework = ["scikit-learn>=1.4,<2"]``). It is read with ``importlib.metadata`` before the
framework is imported. When the named distribution is not installed, the distribution that
provides the same top-level module is used (``tensorflow-cpu`` for ``tensorflow``).
"""

from __future__ import annotations

import re
import sys
from functools import cache
from typing import NamedTuple

FRAMEWORK_EXTRA = "framework"


# Requires-Dist lines as wheel metadata writes them: ``name[extras] specifier ; extra == "framework"``.
# Parsed here: packaging.requirements costs ~80 ms to import, a third of what autolog() may take.
# Patterns compiled on first use (re caches them): compiling four at import cost 0.5 ms of ``import autolog``.
_REQUIREMENT = r"^\s*(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*\(?(?P<spec>[^;()]*)\)?\s*$"
_FRAMEWORK_MARKER = r"^\s*extra\s*==\s*[\"']" + FRAMEWORK_EXTRA + r"[\"']\s*$"


def _split_requirement(requirement: str) -> tuple[str, str]:
    match = re.match(_REQUIREMENT, requirement)
    if match is None:
        raise ValueError(f"cannot read the framework requirement {requirement!r}")
    parts = sorted(part.strip() for part in match["spec"].split(",") if part.strip())
    return match["name"], ",".join(parts)  # sorted, as packaging prints a SpecifierSet


class FrameworkSupport(NamedTuple):
    requirement: str | None  # as declared, e.g. "scikit-learn>=1.4,<2"
    distribution: str | None  # the installed distribution providing the framework
    installed_version: str | None

    @property
    def specifier(self) -> str:
        return _split_requirement(self.requirement)[1] if self.requirement else ""

    @property
    def supported(self) -> bool | None:
        """True/False when both the range and the installed version are known, else None."""
        if not self.requirement or not self.installed_version:
            return None
        simple = _simple_contains(self.specifier, self.installed_version)
        if simple is not None:
            return simple
        from packaging.specifiers import SpecifierSet  # ~45 ms to import: only for unusual versions

        return SpecifierSet(self.specifier).contains(self.installed_version, prereleases=True)


_RELEASE = r"^\d+(\.\d+)*$"
_CLAUSE = r"^(>=|<=|==|!=|>|<)\s*(\d+(?:\.\d+)*)$"
_COMPARE = {
    ">=": lambda a, b: a >= b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    "<": lambda a, b: a < b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


def _release(text: str) -> tuple[int, ...]:
    parts = [int(p) for p in text.split(".")]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def _simple_contains(specifier: str, version: str) -> bool | None:
    """Plain release versions against plain comparison clauses; None when packaging must decide."""
    if not re.match(_RELEASE, version):
        return None
    installed = _release(version)
    for clause in filter(None, (c.strip() for c in specifier.split(","))):
        match = re.match(_CLAUSE, clause)
        if match is None:
            return None
        if not _COMPARE[match[1]](installed, _release(match[2])):
            return False
    return True


@cache
def declared_requirement(plugin_distribution: str) -> str | None:
    from importlib import metadata

    try:
        requires = metadata.requires(plugin_distribution) or []
    except metadata.PackageNotFoundError:
        return None
    for line in requires:
        requirement, _, marker = line.partition(";")
        if re.match(_FRAMEWORK_MARKER, marker):
            name, specifier = _split_requirement(requirement)
            return f"{name}{specifier}"
    return None


@cache
def _provider_of(top_level_module: str) -> str | None:
    from importlib import metadata

    providers = metadata.packages_distributions().get(top_level_module) or []
    return providers[0] if providers else None


def _version(distribution: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


# Found support, per (plugin distribution, top-level module), for the process: every module an
# integration watches asks again when it is imported (sklearn: eight), and each metadata lookup scans
# sys.path (a few ms each, most of ``autolog.autolog()``'s own time). Only complete answers are kept:
# a framework not installed yet may be installed and imported later in the process.
_supports: dict[tuple[str | None, str], FrameworkSupport] = {}


def framework_support(plugin_distribution: str | None, top_level_module: str) -> FrameworkSupport:
    key = (plugin_distribution, top_level_module)
    found = _supports.get(key)
    if found is None:
        found = _framework_support(plugin_distribution, top_level_module)
        if found.installed_version is not None:
            _supports[key] = found
    return found


def _framework_support(plugin_distribution: str | None, top_level_module: str) -> FrameworkSupport:
    requirement = declared_requirement(plugin_distribution) if plugin_distribution else None
    distribution = None
    if requirement:
        distribution = _split_requirement(requirement)[0]
    version = _version(distribution) if distribution else None
    # Not installed under its own name: find who provides its module (tensorflow-cpu for tensorflow),
    # then who provides the module that was imported (keras when the plugin watches keras).
    candidates = [distribution.replace("-", "_").lower()] if distribution else []
    if version is None and candidates:
        # Fast path: the framework's module is usually imported already; its __version__ is the
        # installed version whatever the distribution is called (finding that costs ~0.6 s).
        imported = sys.modules.get(candidates[0])
        module_version = getattr(imported, "__version__", None)
        if isinstance(module_version, str):
            return FrameworkSupport(requirement, distribution, module_version)
    for module in (*candidates, top_level_module):
        if version is not None:
            break
        distribution = _provider_of(module)
        version = _version(distribution) if distribution else None
    return FrameworkSupport(requirement, distribution, version)
