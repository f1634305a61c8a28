"""API errors in MLflow's format: ``{"error_code": "...", "message": "..."}`` with MLflow's HTTP statuses.

Every exception a handler lets out becomes one of these. Errors caused by the request are 4xx with
a message naming the problem; anything else is a 500 whose body says only that (the traceback
goes to the server log, never to the client).
"""

from __future__ import annotations

import logging

from ..errors import (
    ExperimentDeletedError,
    ExperimentExistsError,
    ExperimentNotFoundError,
    InvalidFilterError,
    InvalidPageTokenError,
    ParamConflictError,
    RegistryExistsError,
    RegistryNotFoundError,
    RunNotFoundError,
    TagNotFoundError,
)
from ..storage.artifacts import ArtifactPathError
from ..validation import InvalidKeyError

INVALID_PARAMETER_VALUE = "INVALID_PARAMETER_VALUE"
RESOURCE_DOES_NOT_EXIST = "RESOURCE_DOES_NOT_EXIST"
RESOURCE_ALREADY_EXISTS = "RESOURCE_ALREADY_EXISTS"
INVALID_STATE = "INVALID_STATE"
BAD_REQUEST = "BAD_REQUEST"
ENDPOINT_NOT_FOUND = "ENDPOINT_NOT_FOUND"
UNAUTHENTICATED = "UNAUTHENTICATED"
PERMISSION_DENIED = "PERMISSION_DENIED"
INTERNAL_ERROR = "INTERNAL_ERROR"
TEMPORARILY_UNAVAILABLE = "TEMPORARILY_UNAVAILABLE"

STATUS = {
    INVALID_PARAMETER_VALUE: 400,
    RESOURCE_ALREADY_EXISTS: 400,
    INVALID_STATE: 400,
    BAD_REQUEST: 400,
    RESOURCE_DOES_NOT_EXIST: 404,
    ENDPOINT_NOT_FOUND: 404,
    UNAUTHENTICATED: 401,
    PERMISSION_DENIED: 403,
    INTERNAL_ERROR: 500,
    TEMPORARILY_UNAVAILABLE: 503,
}

logger = logging.getLogger("autolog.server")


class ApiError(Exception):
    def __init__(self, message: str, error_code: str = INVALID_PARAMETER_VALUE, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.error_code = error_code
        self.status = status or STATUS.get(error_code, 400)


def as_api_error(exc: BaseException) -> ApiError:
    """The API error for an exception raised while handling a request."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(
        exc, (RunNotFoundError, ExperimentNotFoundError, TagNotFoundError, FileNotFoundError, RegistryNotFoundError)
    ):
        return ApiError(str(exc), RESOURCE_DOES_NOT_EXIST)
    if isinstance(exc, (ExperimentExistsError, RegistryExistsError)):
        return ApiError(str(exc), RESOURCE_ALREADY_EXISTS)
    if isinstance(exc, ExperimentDeletedError):
        return ApiError(str(exc), INVALID_STATE)
    if isinstance(
        exc, (InvalidFilterError, InvalidPageTokenError, ParamConflictError, InvalidKeyError, ArtifactPathError)
    ):
        return ApiError(str(exc), INVALID_PARAMETER_VALUE)
    if isinstance(exc, ValueError):
        # The store's refusals of what was asked (deleting the default experiment, a bad status...).
        return ApiError(str(exc), INVALID_PARAMETER_VALUE)
    if isinstance(exc, (IsADirectoryError, NotADirectoryError)):
        return ApiError(f"not a file: {exc.filename or ''}".strip(), INVALID_PARAMETER_VALUE)
    logger.error("autolog server: unexpected error", exc_info=exc)
    return ApiError("internal server error (details are in the server log)", INTERNAL_ERROR)
