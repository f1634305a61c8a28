"""Default plugin: the environment a training ran in, recorded on every run autolog logs into.

Tags (set when autolog starts logging a training call into a run):

- ``autolog.env.python``: Python version and implementation, e.g. ``3.12.3 CPython``
- ``autolog.env.platform``: ``<system>-<release>-<machine>``, e.g. ``Linux-6.1.0-18-amd64-x86_64``
- ``autolog.env.autolog``: the autolog version
- ``autolog.env.framework``: the framework's distribution and version, e.g. ``scikit-learn==1.9.1``
- ``autolog.env.plugin``: the plugin distribution and version, e.g. ``autolog-sklearn==0.1.0``

and one artifact per run, ``environment/requirements.txt``: every installed distribution as
``name==version`` (names as their ``.dist-info`` directories spell them), sorted.

Everything is computed once per process and cached: the distribution list by reading the names of
``*.dist-info`` directories on ``sys.path`` (parsing every METADATA file through
``importlib.metadata`` costs ~0.3-0.9 s for 150 distributions; directory names cost a few ms).
"""

from __future__ import annotations

import os
import sys
import threading
from typing import TYPE_CHECKING

from ..hookspecs import hookimpl

if TYPE_CHECKING:
    from ..training_call import TrainingCall

TAG_PREFIX = "autolog.env."
REQUIREMENTS_ARTIFACT = "environment/requirements.txt"

_lock = threading.Lock()
_process_tags: dict[str, str] | None = None
_integration_tags: dict[str, dict[str, str]] = {}
_requirements: str | None = None
_runs_done: set[str] = set()
_MAX_RUNS_REMEMBERED = 10_000


def process_tags() -> dict[str, str]:
    global _process_tags
    if _process_tags is None:
        from .. import __version__

        try:
            uname = os.uname()
            platform_name = f"{uname.sysname}-{uname.release}-{uname.machine}"
        except AttributeError:  # Windows: platform.platform() is slow elsewhere (it reads libc)
            import platform

            platform_name = platform.platform()
        version = ".".join(map(str, sys.version_info[:3]))
        _process_tags = {
            TAG_PREFIX + "python": f"{version} {sys.implementation.name.replace('cpython', 'CPython')}",
            TAG_PREFIX + "platform": platform_name,
            TAG_PREFIX + "autolog": __version__,
        }
    return _process_tags


def integration_tags(integration_name: str) -> dict[str, str]:
    """``autolog.env.framework`` and ``autolog.env.plugin`` of one integration (cached)."""
    found = _integration_tags.get(integration_name)
    if found is None:
        from .. import plugin_manager
        from ..versioning import framework_support

        found = {}
        integration = plugin_manager.registry().get(integration_name)
        if integration is not None:
            module = sorted(integration.top_level_modules)[0]
            support = framework_support(integration.distribution, module)
            if support.installed_version:
                found[TAG_PREFIX + "framework"] = f"{support.distribution or module}=={support.installed_version}"
            if integration.distribution:
                from importlib import metadata

                try:
                    found[TAG_PREFIX + "plugin"] = (
                        f"{integration.distribution}=={metadata.version(integration.distribution)}"
                    )
                except metadata.PackageNotFoundError:
                    pass
        _integration_tags[integration_name] = found
    return found


def installed_requirements() -> str:
    """Every installed distribution as ``name==version`` lines (cached for the process)."""
    global _requirements
    if _requirements is None:
        found: dict[str, str] = {}
        for entry in sys.path:
            try:
                names = os.listdir(entry or ".")
            except OSError:
                continue
            for name in names:
                if name.endswith(".dist-info"):
                    project, _, version = name[: -len(".dist-info")].partition("-")
                elif name.endswith(".egg-info"):
                    project, version = _egg_info(os.path.join(entry or ".", name))
                else:
                    continue
                key = project.lower().replace("-", "_").replace(".", "_")
                if project and version and key not in found:  # the first on sys.path is the one imported
                    found[key] = f"{project}=={version}"
        _requirements = "".join(f"{line}\n" for _key, line in sorted(found.items()))
    return _requirements


def _egg_info(path: str) -> tuple[str, str]:
    """``name-version-pyX.Y.egg-info`` or, for a development install, ``name.egg-info`` + its PKG-INFO."""
    stem = os.path.basename(path)[: -len(".egg-info")]
    parts = stem.split("-")
    if len(parts) >= 2:
        return parts[0], parts[1]
    pkg_info = os.path.join(path, "PKG-INFO") if os.path.isdir(path) else path
    try:
        with open(pkg_info, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.startswith("Version:"):
                    return stem, line.split(":", 1)[1].strip()
                if not line.strip():
                    break
    except OSError:
        pass
    return stem, ""


@hookimpl
def autolog_run_started(call: TrainingCall) -> None:
    if call.run_id in _runs_done:  # a second autologged fit in the user's run: recorded already
        return
    import tracking_core

    run = tracking_core.active_run()
    if run is None or run.info.run_id != call.run_id:
        return
    with _lock:
        tags = {**process_tags(), **integration_tags(call.integration)}
        requirements = installed_requirements()
    call.tracker.set_tags(call.run_id, tags)
    call.tracker.artifact_repository(run.info.artifact_uri).write_bytes(
        REQUIREMENTS_ARTIFACT, requirements.encode("utf-8")
    )
    if len(_runs_done) >= _MAX_RUNS_REMEMBERED:
        _runs_done.clear()
    _runs_done.add(call.run_id)
