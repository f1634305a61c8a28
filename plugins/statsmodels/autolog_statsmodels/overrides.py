"""What the model's pickler (``saving``) writes in place of a few objects, without touching them.

Two kinds of override, both keyed by ``id(obj)`` and keeping the object itself (so a recycled id
never matches):

- attributes: a copy of the object with some attributes replaced (the training data as None, a
  workspace as ``{}``);
- a rebuild: what ``__reduce__`` would return, a recipe that makes the object again when loaded
  (``state_space``: the Kalman filter's output as ``model.smooth(params, ...)``).

Every reference to an overridden object, wherever it is held, gets the same substitute (pickle's
memo), so the loaded objects share what the user's objects share.
"""

from __future__ import annotations

from typing import Any, NamedTuple


class Rebuild(NamedTuple):
    """The object written as ``reduce`` (a ``__reduce__`` value: callable, args[, state])."""

    reduce: tuple


# id(obj) -> (obj, {attribute: value written instead} or a Rebuild)
Overrides = dict[int, tuple[Any, "dict[str, Any] | Rebuild"]]


def add(overrides: Overrides, obj: Any, attributes: dict[str, Any]) -> None:
    """Write ``obj`` with ``attributes`` replaced (merged with earlier ones; a rebuild wins)."""
    if obj is None or not attributes or not hasattr(obj, "__dict__"):
        return
    entry = overrides.setdefault(id(obj), (obj, {}))[1]
    if isinstance(entry, dict):
        entry.update(attributes)


def rebuild(overrides: Overrides, obj: Any, reduce: tuple) -> None:
    """Write ``obj`` as ``reduce``: loading calls it instead of restoring the object's attributes."""
    overrides[id(obj)] = (obj, Rebuild(reduce))


def substitute(overrides: Overrides, obj: Any, protocol: int) -> Any:
    """For ``Pickler.reducer_override``: the override's reduce value, or NotImplemented."""
    entry = overrides.get(id(obj))
    if entry is None or entry[0] is not obj:
        return NotImplemented
    if isinstance(entry[1], Rebuild):
        return entry[1].reduce
    copy = object.__new__(type(obj))
    copy.__dict__.update(obj.__dict__)
    copy.__dict__.update(entry[1])
    return copy.__reduce_ex__(protocol)
