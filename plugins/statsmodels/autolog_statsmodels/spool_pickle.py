"""How a results object is pickled for the summary worker: its per-group lists of arrays packed.

Models fit by group keep their data a second time as one small array per group: GEE's
``endog_li``, ``exog_li``, ``time_li``, ``cached_means`` and ``group_indices`` (50 clusters: 300
arrays). The pickler pays a few microseconds per array, three quarters of the 0.8 ms a small GEE's
results cost to pickle, all of it on the training thread. Here each such list (or tuple of
arrays per group, or dict of arrays by group label) of a statsmodels object is written as one
concatenated array and the group sizes, and unpickled as the same list of arrays (views into the
concatenated one: the summary only reads them). The user's objects are not touched: the pickler
writes a copy of the object holding the list. State-space results that load exactly as they were
are written as ``saving`` writes the run's model: their model and parameters, the Kalman filter
and smoother run again when the worker loads them.

Only what the artifact worker loads is pickled this way; the run's model is ``saving``'s. What the
worker could not load (a class or function of the user's ``__main__``: the worker's ``__main__`` is
another module) is refused with ``PicklingError`` as soon as the pickler meets it.
"""

from __future__ import annotations

import pickle
from types import FunctionType
from typing import IO, Any

from .overrides import Overrides, substitute

PROTOCOL = pickle.HIGHEST_PROTOCOL
MIN_GROUPS = 8  # fewer arrays than this cost less to pickle one by one


class _Packed:
    """One packed list: written as a call to ``unpack_*`` with the concatenated arrays."""

    __slots__ = ("reduce",)

    def __init__(self, reduce: tuple) -> None:
        self.reduce = reduce

    def __reduce__(self) -> tuple:
        return self.reduce


def unpack_list(lengths: list[int], *joined: Any) -> list:
    """The list of arrays (or of tuples of arrays, one per ``joined``) that ``_pack`` packed."""
    import numpy as np

    bounds = np.cumsum(lengths)[:-1]
    columns = [np.split(array, bounds) for array in joined]
    return columns[0] if len(columns) == 1 else list(zip(*columns, strict=True))


def unpack_dict(keys: Any, lengths: list[int], joined: Any) -> dict:
    return dict(zip(keys, unpack_list(lengths, joined), strict=True))


def _keys(mapping: dict) -> Any:
    """The dict's keys; numpy scalars of one type (group labels) as one array, which iterates as them."""
    import numpy as np

    kinds = {type(key) for key in mapping}
    if len(kinds) == 1 and issubclass(kinds.pop(), np.generic):
        keys = np.array(list(mapping))
        if keys.dtype.kind in "iufb":
            return keys
    return list(mapping)


def _joined(arrays: list) -> Any:
    """The arrays concatenated, when they are plain arrays of one dtype and the same trailing shape."""
    import numpy as np

    if {type(a) for a in arrays} != {np.ndarray} or len({a.dtype for a in arrays}) != 1:
        return None
    if arrays[0].ndim == 0 or arrays[0].dtype.hasobject:
        return None
    try:
        return np.concatenate(arrays)  # refuses arrays of other dimensions or trailing shapes
    except ValueError:
        return None


def _pack(value: Any) -> _Packed | None:
    """``value`` packed, when it is a list or dict of like arrays (or a list of like tuples of them)."""
    if type(value) is dict:
        if len(value) < MIN_GROUPS:
            return None
        arrays = list(value.values())
        joined = _joined(arrays)
        return None if joined is None else _Packed((unpack_dict, (_keys(value), [len(a) for a in arrays], joined)))
    if type(value) is not list or len(value) < MIN_GROUPS:
        return None
    first = value[0]
    if type(first) is tuple:
        if not first or {type(item) for item in value} != {tuple} or {len(item) for item in value} != {len(first)}:
            return None
        columns = [list(column) for column in zip(*value, strict=True)]
        lengths = [len(a) for a in columns[0]] if _joined(columns[0][:1]) is not None else None
        if lengths is None or any([len(a) for a in column] != lengths for column in columns[1:]):
            return None
        joined = [_joined(column) for column in columns]
        return None if any(j is None for j in joined) else _Packed((unpack_list, (lengths, *joined)))
    joined = _joined(value)
    return None if joined is None else _Packed((unpack_list, ([len(a) for a in value], joined)))


class SpoolPickler(pickle.Pickler):
    """A pickler that packs the per-group lists of statsmodels objects (see the module docstring)."""

    def __init__(self, file: IO[bytes], overrides: Overrides | None = None) -> None:
        super().__init__(file, protocol=PROTOCOL)
        self._copies: list[Any] = []  # alive until the dump ends, so no id is reused meanwhile
        self._overrides = overrides or {}

    def reducer_override(self, obj: Any) -> Any:
        module = type(obj).__module__
        if module == "__main__" or (isinstance(obj, type | FunctionType) and obj.__module__ == "__main__"):
            raise pickle.PicklingError(f"{obj!r} is defined in __main__: another process cannot load it")
        if not module.startswith("statsmodels."):
            return NotImplemented
        if self._overrides:
            rebuilt = substitute(self._overrides, obj, PROTOCOL)
            if rebuilt is not NotImplemented:
                return rebuilt
        state = getattr(obj, "__dict__", None)
        if type(state) is not dict:
            return NotImplemented
        packed = {}
        for name, value in state.items():
            if type(value) in (list, dict):
                found = _pack(value)
                if found is not None:
                    packed[name] = found
        if not packed:
            return NotImplemented
        # Written in obj's place (pickle's memo gives every other reference to obj the same).
        copy = object.__new__(type(obj))
        copy.__dict__.update(state)
        copy.__dict__.update(packed)
        self._copies.append(copy)
        return copy.__reduce_ex__(PROTOCOL)


def _rebuilt_state_space(results: Any) -> Overrides | None:
    """For state-space results that load exactly as they were (``state_space``): written as their model
    and parameters, the Kalman output computed again in the worker (an UnobservedComponents on 300
    points: 9 MB and 5-13 ms to pickle, against kilobytes)."""
    from . import saving, state_space

    inner = getattr(results, "_results", results)
    if not state_space.is_state_space(inner):
        return None
    overrides, note = state_space.overrides_for(inner, saving.family(inner.model))
    return overrides if note == state_space.REBUILT_NOTE else None


def dump(results: Any, file: IO[bytes]) -> None:
    SpoolPickler(file, _rebuilt_state_space(results)).dump(results)
