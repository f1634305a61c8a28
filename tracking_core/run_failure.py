"""Why a run FAILED: the exception that ended it, recorded as two tags on the run.

``autolog.failure.type`` holds the exception's class (``ValueError``, ``torch.cuda.OutOfMemoryError``)
and ``autolog.failure.message`` its message, cut to ``MAX_MESSAGE_LENGTH`` characters. They are
written when a run that autolog (or ``start_run`` as a context manager) ends FAILED because the
user's code raised; the exception itself still reaches the user unchanged. The UI shows them on
the run page and as the tooltip of the FAILED status in the runs table.
"""

from __future__ import annotations

from collections.abc import Mapping

TAG_FAILURE_TYPE = "autolog.failure.type"
TAG_FAILURE_MESSAGE = "autolog.failure.message"
MAX_MESSAGE_LENGTH = 1000


def exception_type_name(exc: BaseException) -> str:
    cls = type(exc)
    module = getattr(cls, "__module__", "") or ""
    name = getattr(cls, "__qualname__", None) or cls.__name__
    return name if module in ("builtins", "__main__", "") else f"{module}.{name}"


def failure_tags(exc: BaseException) -> dict[str, str]:
    """The tags that record ``exc`` as the reason a run failed (never raises)."""
    try:
        message = str(exc)
    except Exception:  # a broken __str__ must not hide the type
        message = ""
    message = " ".join(message.split()) if "\n" not in message.strip() else message.strip()
    if len(message) > MAX_MESSAGE_LENGTH:
        message = message[: MAX_MESSAGE_LENGTH - 1] + "…"
    return {TAG_FAILURE_TYPE: exception_type_name(exc), TAG_FAILURE_MESSAGE: message}


def failure_reason(tags: Mapping[str, str]) -> str | None:
    """``ValueError: Input X contains NaN.`` from a run's tags; None when none was recorded."""
    kind = tags.get(TAG_FAILURE_TYPE)
    if not kind:
        return None
    message = tags.get(TAG_FAILURE_MESSAGE) or ""
    return f"{kind}: {message}" if message else kind
