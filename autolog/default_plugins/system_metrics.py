"""Default plugin: ``log_system_metrics=True`` samples system metrics into the runs autolog creates.

The sampler is ``tracking_core.lineage.system_metrics`` (it knows nothing of autologging). It is started
when autolog creates a run for a training call and stopped when that run ends (``end_run`` stops
it). A run the user started is left alone: ``start_run(log_system_metrics=True)`` is how a user
asks for it there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..hookspecs import hookimpl

if TYPE_CHECKING:
    from ..training_call import TrainingCall


@hookimpl
def autolog_run_started(call: TrainingCall) -> None:
    if not (call.owns_run and call.config.get("log_system_metrics")):
        return
    import tracking_core
    from tracking_core.lineage import system_metrics

    run = tracking_core.active_run()
    if run is not None and run.info.run_id == call.run_id:
        system_metrics.attach(run, call.config.get("system_metrics_interval"))
