"""Reading and replacing the arguments of one ``Model.fit`` call, however they were passed.

``Model.fit(x, y, batch_size, epochs, verbose, callbacks, ...)`` accepts positional arguments, so
a name is looked up in ``call.kwargs`` first and then at its position. The logging callback goes
into a *new* list that replaces the user's in the call (the user's list is never touched).
"""
from __future__ import annotations

from typing import Any

from autolog import TrainingCall

# The positional order of keras.Model.fit (Keras 3), after ``self``.
FIT_ARGUMENTS: tuple[str, ...] = (
    "x", "y", "batch_size", "epochs", "verbose", "callbacks", "validation_split", "validation_data",
    "shuffle", "class_weight", "sample_weight", "initial_epoch", "steps_per_epoch", "validation_steps",
    "validation_batch_size", "validation_freq",
)
DEFAULTS: dict[str, Any] = {"epochs": 1, "initial_epoch": 0}
_USER_CALLBACKS = "user_callbacks"


def get(call: TrainingCall, name: str, default: Any = None) -> Any:
    if name in call.kwargs:
        return call.kwargs[name]
    index = FIT_ARGUMENTS.index(name)
    if index < len(call.args):
        return call.args[index]
    return DEFAULTS.get(name, default)


def user_callbacks(call: TrainingCall) -> list[Any]:
    """The callbacks the user passed (before ours was added)."""
    if _USER_CALLBACKS in call.state:
        return call.state[_USER_CALLBACKS]
    callbacks = get(call, "callbacks")
    return _as_list(callbacks)


def _as_list(callbacks: Any) -> list[Any]:
    if callbacks is None:
        return []
    if isinstance(callbacks, (list, tuple)):
        return list(callbacks)
    inner = getattr(callbacks, "callbacks", None)  # a keras CallbackList
    return list(inner) if isinstance(inner, list) else [callbacks]


def add_callback(call: TrainingCall, callback: Any) -> None:
    """Pass ``[*user callbacks, callback]`` to fit instead of the user's callbacks."""
    original = get(call, "callbacks")
    users = _as_list(original)
    call.state[_USER_CALLBACKS] = users
    if original is not None and not isinstance(original, (list, tuple)):
        if hasattr(original, "callbacks") and hasattr(original, "append"):
            return  # a prebuilt CallbackList is the user's object: leave it alone, log no epochs
    replaced = [*users, callback]
    index = FIT_ARGUMENTS.index("callbacks")
    if "callbacks" not in call.kwargs and index < len(call.args):
        call.args = (*call.args[:index], replaced, *call.args[index + 1:])
    else:
        call.kwargs["callbacks"] = replaced
