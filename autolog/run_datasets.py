"""Datasets recorded as a run's inputs, each at most once: the training call's and those seen after it.

The default plugin ``autolog.default_plugins.datasets`` records the datasets a training call was
given (contexts ``training``/``eval``) and notes their digests here (``note_recorded``). Plugins
record what their framework sees later through ``log_dataset_input(target, data, name, context,
targets=None)`` (exported by ``autolog.plugin``): the test set of a post-training metric
(``context="test"``), the loaders a Lightning datamodule built during the fit. ``target`` is the
``TrainingCall`` (while its run is being logged) or the ``TrainedRun`` of a trained object
(``run_of(model)``, the run usually over by then: written by run id).

Rules, so that a serving loop or a metric computed in a loop stays cheap and the run stays readable:

- only while the option ``log_datasets`` (default True) of the run's integration is on;
- once per run and content: a dataset whose digest the run already has (in any context) is not
  recorded again, so data used for training and then scored stays ``training`` (the store keys an
  input by name and digest, and a second write would overwrite its context tag);
- the same object (same ``data`` and ``targets``, alive) seen again for a run is skipped before it is
  described; nothing keeps the data alive (weak references, the object's id otherwise forgotten);
- at most ``MAX_DATASETS_AFTER_TRAINING`` (100) datasets per run through this function; the runs
  of the last ``MAX_RUNS`` (1,024) trainings are known here. For a run no longer known (or never
  seen in this process) the run's recorded inputs are read back from the store once.

Cost: one ``describe_dataset`` (about 0.06 ms for a 2,000 x 20 array, bounded on large data) and one
queued write, only when something is recorded. A store that cannot record inputs (a tracking
server without ``runs/log-inputs``) is skipped silently, as for training.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tracking_core.lineage.datasets import DatasetDescription

    from .trained_runs import TrainedRun
    from .training_call import TrainingCall

OPTION = "log_datasets"
MAX_RUNS = 1024
MAX_DATASETS_AFTER_TRAINING = 100
_MAX_OBJECTS = 32  # per run: a bounded memory of objects already looked at


class _RunRecord:
    """What one run has as inputs (digest -> context) and which objects were already looked at."""

    __slots__ = ("added", "digests", "objects")

    def __init__(self, digests: dict[str, str | None] | None = None) -> None:
        self.digests: dict[str, str | None] = dict(digests or {})
        self.objects: dict[tuple[int, int], tuple[Any, Any]] = {}
        self.added = 0

    def seen(self, data: Any, targets: Any) -> bool:
        refs = self.objects.get((id(data), id(targets)))
        return refs is not None and _alive(refs[0]) is data and _alive(refs[1]) is targets

    def remember(self, data: Any, targets: Any) -> None:
        refs = (_weak(data), _weak(targets))
        if refs[0] is None or (targets is not None and refs[1] is None):
            return  # not weakly referable: not remembered (never kept alive)
        if len(self.objects) >= _MAX_OBJECTS:
            self.objects.clear()
        self.objects[(id(data), id(targets))] = refs


def _weak(obj: Any) -> Any:
    if obj is None:
        return None
    try:
        return weakref.ref(obj)
    except TypeError:
        return None


def _alive(ref: Any) -> Any:
    return None if ref is None else ref()


_records: OrderedDict[str, _RunRecord] = OrderedDict()
_lock = threading.Lock()


def _remember_run(run_id: str, record: _RunRecord) -> _RunRecord:
    with _lock:
        existing = _records.get(run_id)
        if existing is not None:
            _records.move_to_end(run_id)
            return existing
        _records[run_id] = record
        while len(_records) > MAX_RUNS:
            _records.popitem(last=False)
        return record


def note_recorded(run_id: str, descriptions: list[DatasetDescription]) -> None:
    """The training call of ``run_id`` recorded ``descriptions`` (the default plugin's call)."""
    record = _remember_run(run_id, _RunRecord())
    with _lock:
        for description in descriptions:
            record.digests.setdefault(description.digest, description.context)


def recorded_contexts(run_id: str) -> dict[str, str | None]:
    """Digest -> context of what this process knows ``run_id`` has as inputs (a copy)."""
    with _lock:
        record = _records.get(run_id)
        return dict(record.digests) if record is not None else {}


def _is_call(target: Any) -> bool:
    """A ``TrainingCall`` (else a ``TrainedRun``)."""
    from .trained_runs import TrainedRun

    return not isinstance(target, TrainedRun)


def enabled(target: TrainingCall | TrainedRun) -> bool:
    """Whether the option ``log_datasets`` is on for ``target``'s integration (now)."""
    from .trained_runs import TrainedRun, _options

    if not isinstance(target, TrainedRun):
        return bool(target.config.get(OPTION, True))
    options = _options(target.integration)
    return options is not None and bool(options.get(OPTION, True))


def _record_of(target: Any) -> _RunRecord:
    with _lock:
        record = _records.get(target.run_id)
        if record is not None:
            _records.move_to_end(target.run_id)
            return record
    digests: dict[str, str | None] = {}
    if not _is_call(target):  # a run trained before this process knew it, or forgotten: ask the store
        try:
            run = target.client.get_run(target.run_id)
            digests = {i.dataset.digest: i.context for i in run.inputs.dataset_inputs}
        except Exception:
            pass
    return _remember_run(target.run_id, _RunRecord(digests))


def _write(target: Any, description: DatasetDescription) -> bool:
    if _is_call(target):
        log_inputs = getattr(target.tracker, "log_inputs", None)
        if log_inputs is None:
            return False
        log_inputs(target.run_id, [description])
        return True
    try:
        target.client.log_inputs(target.run_id, [description])
    except NotImplementedError:  # a store without dataset inputs
        return False
    return True


def log_dataset_input(
    target: TrainingCall | TrainedRun, data: Any, name: str, context: str, targets: Any = None
) -> bool:
    """Record ``data`` (``targets`` hashed into its digest) as an input of ``target``'s run named
    ``name`` with ``context`` (``training``, ``eval`` or ``test``), unless that run already has it
    or ``log_datasets`` is off (see the module docstring). True if it was recorded."""
    if data is None or not enabled(target):
        return False
    record = _record_of(target)
    with _lock:
        if record.seen(data, targets) or record.added >= MAX_DATASETS_AFTER_TRAINING:
            return False
    from tracking_core.lineage.datasets import describe_dataset

    description = describe_dataset(data, name=name, context=context, targets=targets)
    with _lock:
        record.remember(data, targets)
        if description is None or description.digest in record.digests:
            return False
        record.digests[description.digest] = context
        record.added += 1
    return _write(target, description)
