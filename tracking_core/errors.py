"""Errors of the tracking core that users may catch (no heavy imports here)."""
from __future__ import annotations


class RunNotFoundError(LookupError):
    def __init__(self, run_id: str):
        super().__init__(f"no run with id {run_id!r} in the tracking store")
        self.run_id = run_id


class ParamConflictError(ValueError):
    def __init__(self, run_id: str, key: str, old: str, new: str):
        super().__init__(
            f"param {key!r} of run {run_id} was already logged as {old!r}; "
            f"a param cannot change its value (tried {new!r})"
        )
        self.key = key


class ModelLoadError(RuntimeError):
    pass
