"""Fits that sklearn runs in joblib worker threads belong to the training call that started them.

Context variables do not follow work into threads, so without this a GridSearchCV under the
threading backend would log every candidate fit as a run of its own. ``Parallel.__call__`` runs
in the training call's thread: its context is captured there and attached to each task (beside
the task object, never on it: tasks are pickled for worker processes); the task then runs in a
copy of that context, wherever joblib runs it.
"""

from __future__ import annotations

import contextvars
import weakref

from autolog.plugin import in_training

_contexts: weakref.WeakKeyDictionary[object, contextvars.Context] = weakref.WeakKeyDictionary()


def _attach_context(tasks, context):
    for task in tasks:
        try:
            _contexts[task[0]] = context
        except TypeError:  # not weak-referenceable: it runs as it would without autolog
            pass
        yield task


def _parallel_call(wrapped, instance, args, kwargs):
    if not in_training() or not args:
        return wrapped(*args, **kwargs)
    return wrapped(_attach_context(args[0], contextvars.copy_context()), *args[1:], **kwargs)


def _run_in_context(wrapped, instance, args, kwargs):
    context = _contexts.get(instance)
    if context is None:
        return wrapped(*args, **kwargs)
    return context.copy().run(wrapped, *args, **kwargs)


def patch_parallel(module, patcher) -> None:
    parallel = getattr(module, "Parallel", None)
    task_wrapper = getattr(module, "_FuncWrapper", None)
    if parallel is not None and task_wrapper is not None:
        patcher.wrap(parallel, "__call__", _parallel_call)
        patcher.wrap(task_wrapper, "__call__", _run_in_context)
