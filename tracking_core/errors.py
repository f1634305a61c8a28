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


class StoreVersionError(RuntimeError):
    """The store's schema is newer than this autolog knows (written by a newer autolog)."""


class ExperimentExistsError(ValueError):
    def __init__(self, name: str, deleted: bool = False):
        state = " (deleted: restore it or choose another name)" if deleted else ""
        super().__init__(f"an experiment named {name!r} already exists{state}")
        self.name = name


class ExperimentNotFoundError(LookupError):
    def __init__(self, experiment: str):
        super().__init__(f"no experiment {experiment} in the tracking store")


class ExperimentDeletedError(ValueError):
    def __init__(self, name: str):
        super().__init__(f"experiment {name!r} is deleted: restore it or use another name")
        self.name = name


class TagNotFoundError(LookupError):
    def __init__(self, run_id: str, key: str):
        super().__init__(f"No tag with name: {key} in run with id {run_id}")  # MLflow's wording
        self.run_id, self.key = run_id, key


class ExperimentTagNotFoundError(TagNotFoundError):
    def __init__(self, experiment_id: str, key: str):
        LookupError.__init__(self, f"No tag with name: {key} in experiment with id {experiment_id}")
        self.experiment_id, self.key = experiment_id, key


class InvalidFilterError(ValueError):
    """A search filter or order_by that cannot be parsed or applied; the message names the bad part."""


class InvalidPageTokenError(ValueError):
    """A page token not made by this search (or corrupted)."""


class RegistryNotFoundError(LookupError):
    """A registered model, model version, alias or logged model that does not exist (RESOURCE_DOES_NOT_EXIST)."""


class RegistryExistsError(ValueError):
    """A registered model (or alias target) that already exists (RESOURCE_ALREADY_EXISTS)."""
