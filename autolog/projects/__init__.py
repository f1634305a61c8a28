"""Projects: run an MLproject (or a directory of scripts), from a directory or a git URI, in its
own environment, as a tracked run. ``autolog run URI ...`` on the command line; here::

    import autolog.projects
    submitted = autolog.projects.run(".", entry_point="main", parameters={"alpha": 0.5}, env_manager="uv")
    submitted.run_id, submitted.get_status()

Modules: ``spec`` (the MLproject format), ``sources`` (directories and git), ``environments``
(local, uv, virtualenv, conda), ``runner`` (the run and its process), ``cli`` (``autolog run URI``).
"""

from __future__ import annotations

from .runner import ExecutionError, SubmittedRun, run
from .spec import ProjectError

__all__ = ["ExecutionError", "ProjectError", "SubmittedRun", "run"]
