"""What one patched training call is, as every hook sees it: ``TrainingCall``, and what it logs.

``TrainingCall`` (the call, its run and options, with the helpers of ``call_helpers``),
``ModelToLog`` and ``ArtifactToLog`` (what collection hooks return). ``session`` creates the calls
and logs what they collect; these classes know nothing of the plugin manager (the per-step hook
is handed in), so every module of autolog can name them without importing the session.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import Any

from tracking_core.batch import now_ms
from tracking_core.client.fluent import HANDED_RUN_ENV
from tracking_core.validation import MAX_KEY_LENGTH, InvalidKeyError, check_key, metric_step

from . import safety
from .call_helpers import CallHelpers


class ArtifactToLog:
    """A file for the run: ``content`` (str or bytes) or ``local_path`` (an existing file)."""

    def __init__(self, artifact_file: str, content: str | bytes | None = None, local_path: str | None = None):
        self.artifact_file = artifact_file
        self.content = content
        self.local_path = local_path

    def __repr__(self) -> str:
        return f"ArtifactToLog({self.artifact_file!r})"


class ModelToLog:
    """A model to save as an artifact directory of the run, with ``flavor`` (see ``autolog.flavors``).

    ``size_bytes`` is an estimate, checked against the option ``max_model_size_mb`` where the
    integration has it.
    """

    def __init__(
        self,
        model: Any,
        flavor: Any,
        artifact_path: str = "model",
        signature_inputs: Any = None,
        signature_outputs: Any = None,
        input_example: Any = None,
        requirements: tuple[str, ...] = (),
        size_bytes: int | None = None,
    ):
        self.model = model
        self.flavor = flavor
        self.artifact_path = artifact_path
        self.signature_inputs = signature_inputs
        self.signature_outputs = signature_outputs
        self.input_example = input_example
        self.requirements = tuple(requirements)
        self.size_bytes = size_bytes

    def __repr__(self) -> str:
        return (
            f"ModelToLog({type(self.model).__name__}, {getattr(self.flavor, 'name', self.flavor)!r}, "
            f"{self.artifact_path!r})"
        )


class TrainingCall(CallHelpers):
    """One patched training call being logged; what every collection and lifecycle hook receives.

    ``function`` is the callable the user called (a bound method, or a function); its helpers
    (``arguments``, ``add_callback``, ``guarded``...) are documented in ``autolog.call_helpers``.
    """

    def __init__(
        self,
        integration: str,
        method: str,
        instance: Any,
        args: tuple,
        kwargs: dict,
        config: dict,
        run_id: str,
        owns_run: bool,
        result: Any = None,
        state: dict | None = None,
        tracker: Any = None,
        function: Callable[..., Any] | None = None,
        step_hook: Callable[..., Any] | None = None,
    ):
        self.function = function
        self.integration = integration
        self.method = method
        self.instance = instance
        self.args = args
        self.kwargs = kwargs
        self.config = config
        self.run_id = run_id
        self.owns_run = owns_run
        self.result = result
        self.state = state if state is not None else {}
        self.tracker = tracker
        self.step_hook = step_hook  # the autolog_step_metrics hook: observers of per-step metrics

    def __repr__(self) -> str:
        return f"TrainingCall({self.integration!r}, {self.method!r}, run_id={self.run_id!r})"

    @property
    def fresh_run(self) -> bool:
        """Whether the run is one autolog started for this call: not the user's, nor a project's run
        handed to this process (``autolog run``). Nothing is in it yet: the model goes to ``model/``."""
        return self.owns_run and os.environ.get(HANDED_RUN_ENV) != self.run_id

    def log_metrics(self, metrics: dict[str, float], step: int) -> None:
        """Log per-step metrics into this call's run (from any thread); never raises into training."""
        try:
            step = metric_step("step", step)
            clean = {loggable_key(k): float(v) for k, v in metrics.items() if is_number(v)}
            timestamp = now_ms()
            self.tracker.writer.log_metrics([(self.run_id, k, v, timestamp, step) for k, v in clean.items()])
            if self.step_hook is not None:
                self.step_hook(call=self, metrics=clean, step=step)
        except Exception as exc:
            safety.report(self.integration, exc, "logging step metrics", self.config.get("silent", False))


def loggable_key(name: Any) -> str:
    """A framework's metric name as every store accepts it (MLflow's key rules, in
    ``tracking_core.validation``): ``@`` becomes ``_at_`` (``ndcg@5`` -> ``ndcg_at_5``, as MLflow's
    XGBoost and LightGBM integrations write it), any other character MLflow refuses becomes ``_``, and
    empty, ``.`` and ``..`` path parts are dropped. A name that is already valid is returned as is."""
    try:
        return check_key(name, "metric")
    except InvalidKeyError:
        pass
    text = re.sub(r"[^/\w.\- :]", "_", str(name).replace("@", "_at_"))
    parts = [part for part in text.split("/") if part not in ("", ".", "..")]
    text = "/".join(parts)
    if text.startswith(".."):
        text = "_" + text
    return check_key(text[:MAX_KEY_LENGTH] or "_", "metric")


_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def loggable_param(value: Any) -> Any:
    """A param value that is the same on every run of the same code: a function, method or class
    (a custom ``eval_metric``, an activation) as its qualified name, not its repr, which carries a
    memory address; any other value whose text carries one (``<Foo object at 0x7f...>``, a list of
    functions) without the address. Plain values are returned as they are."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    qualname = getattr(value, "__qualname__", None)
    if isinstance(qualname, str) and callable(value):
        return qualname
    try:
        text = str(value)  # what the store would write (``tracking_core.validation.as_text``), once
    except Exception:
        return value
    return _ADDRESS.sub("", text) if "0x" in text else text


def is_number(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return not isinstance(value, str)
