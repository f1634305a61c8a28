"""What a plugin registers: one ``Integration`` per framework it autologs.

An integration names the module(s) to watch, the patch function to run once such a module is
imported, and the extra options it understands. Its supported version range is not written here:
it is read from the plugin distribution's ``framework`` extra (see ``autolog.versioning``).

It also declares what to log about its own training calls, as plain functions of the call
(``collect_params(call) -> dict`` ...): the core's default plugin ``autolog.default_plugins.
integrations`` calls them for this integration's calls only, so a plugin writes no
``if call.integration == NAME`` guard, and an error in one is that integration's one warning.
``after_training(call, status)`` runs however the training ended (``finally``-style: restore what
``before_training`` changed), before the ``autolog_run_ended`` observers. The hooks stay for
extensions and observers (adding to another integration's runs, alerts, exporters).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .patching import Patcher
    from .training_call import ArtifactToLog, ModelToLog, TrainingCall

COMMON_OPTIONS: dict[str, Any] = {
    "log_models": True,
    "log_input_examples": False,
    "log_model_signatures": True,
    "disable": False,
    "exclusive": False,
    "disable_for_unsupported_versions": False,
    "silent": False,
    "extra_tags": None,
    "log_system_metrics": False,  # runs autolog creates sample system/... metrics (lineage.system_metrics)
    "system_metrics_interval": None,  # seconds; None: env AUTOLOG_SYSTEM_METRICS_INTERVAL, else 10
    "log_datasets": True,  # dataset inputs: training/eval data of a fit, test data of post-training metrics
    "registered_model_name": None,  # each saved model also registered as a new version of this model
}


class Integration:
    """One framework a plugin autologs (keyword arguments as below; ``modules`` may be one string).

    ``should_log(instance, args, kwargs) -> bool``, when given, is asked before a run is created
    (e.g. only rank 0 of a distributed training logs); a call it vetoes runs unlogged.
    ``option_checks`` maps an option of its own to a check of its values (see
    ``autolog.option_checks``): a bad value is refused at the ``autolog()`` call.
    ``flavors`` are registered with the integration (as ``autolog_register_flavors`` would).
    ``before_training``, ``collect_*`` and ``after_training`` are its own collectors (module docstring).
    ``mlflow_flavor`` is MLflow's name for the same autologging (its ``mlflow.autologging`` tag, e.g.
    ``pytorch`` for Lightning); by default the integration's name.
    """

    def __init__(
        self,
        name: str,
        modules: tuple[str, ...] | str,
        patch: Callable[[ModuleType, Patcher], None],
        distribution: str | None = None,
        aliases: tuple[str, ...] = (),
        options: dict[str, Any] | None = None,
        framework: str | None = None,
        plugin_module: str | None = None,
        should_log: Callable[[Any, tuple, dict], bool] | None = None,
        option_checks: Mapping[str, Callable[[Any], None]] | None = None,
        flavors: tuple[Any, ...] = (),
        before_training: Callable[[TrainingCall], None] | None = None,
        collect_params: Callable[[TrainingCall], dict[str, Any] | None] | None = None,
        collect_metrics: Callable[[TrainingCall], dict[str, float] | None] | None = None,
        collect_tags: Callable[[TrainingCall], dict[str, Any] | None] | None = None,
        collect_artifacts: Callable[[TrainingCall], list[ArtifactToLog] | None] | None = None,
        collect_models: Callable[[TrainingCall], list[ModelToLog] | None] | None = None,
        after_training: Callable[[TrainingCall, str], None] | None = None,
        mlflow_flavor: str | None = None,
    ) -> None:
        self.name = name
        self.modules = (modules,) if isinstance(modules, str) else tuple(modules)
        self.patch = patch
        self.distribution = distribution
        self.aliases = tuple(aliases)
        self.options = dict(options or {})
        self.framework = framework
        self.plugin_module = plugin_module
        self.should_log = should_log
        self.option_checks = dict(option_checks or {})
        self.flavors = tuple(flavors)
        self.before_training = before_training
        self.collect_params = collect_params
        self.collect_metrics = collect_metrics
        self.collect_tags = collect_tags
        self.collect_artifacts = collect_artifacts
        self.collect_models = collect_models
        self.after_training = after_training
        self.mlflow_flavor = mlflow_flavor or name
        clash = set(self.options) & set(COMMON_OPTIONS)
        if clash:
            raise ValueError(f"integration {self.name!r} redefines common options {sorted(clash)}")
        unchecked = set(self.option_checks) - set(self.options)
        if unchecked:
            raise ValueError(
                f"integration {self.name!r} has checks for options it does not declare: {sorted(unchecked)}"
            )

    def __repr__(self) -> str:
        return f"Integration(name={self.name!r}, modules={self.modules!r}, distribution={self.distribution!r})"

    @property
    def defaults(self) -> dict[str, Any]:
        return {**COMMON_OPTIONS, **self.options}

    @property
    def top_level_modules(self) -> set[str]:
        return {m.split(".", 1)[0] for m in self.modules}


class IntegrationRegistry:
    def __init__(self) -> None:
        self.by_name: dict[str, Integration] = {}
        self.aliases: dict[str, str] = {}

    def register(self, integration: Integration) -> None:
        if not isinstance(integration, Integration):
            raise TypeError(f"register() takes an autolog.Integration, got {type(integration).__name__}")
        existing = self.by_name.get(integration.name)
        if existing is not None and existing is not integration:
            raise ValueError(f"two plugins register the integration {integration.name!r}")
        self.by_name[integration.name] = integration
        for alias in integration.aliases:
            self.aliases[alias] = integration.name

    def get(self, name: str) -> Integration | None:
        return self.by_name.get(self.aliases.get(name, name))

    def __iter__(self):
        return iter(list(self.by_name.values()))

    def modules_owned_by_others(self, name: str) -> set[str]:
        """Top-level modules other integrations patch (so a generic one can leave them alone)."""
        owned: set[str] = set()
        for other in self.by_name.values():
            if other.name != name:
                owned |= other.top_level_modules
        return owned
