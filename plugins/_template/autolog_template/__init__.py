"""autolog-template: autologging for ``toyframework`` (copy this plugin to start a new one).

Registers one integration: ``toyframework.Model.fit`` is patched; each outermost fit logs the
model's params, its final ``training_loss``, per-epoch ``loss`` and the fitted model (pickled).
The integration declares what it logs; autolog calls these functions for its own fits only.
"""

from __future__ import annotations

from typing import Any

from autolog.plugin import Integration, ModelToLog, Patcher, PickleFlavor, TrainingCall, hookimpl, option_checks

NAME = "template"
FLAVOR = PickleFlavor("toyframework")


def patch(module: Any, patcher: Patcher) -> None:
    """Called once ``toyframework`` is imported (and again after re-enabling)."""
    patcher.wrap_training(module.Model, "fit")


def before_training(call: TrainingCall) -> None:
    if call.config["log_every_epoch"]:  # a copy of the user's list, with ours at the end
        call.add_callback(lambda epoch, loss: call.log_metrics({"loss": loss}, step=epoch))


def params(call: TrainingCall) -> dict[str, Any]:
    return dict(call.instance.get_params(), epochs=call.argument("epochs"))


def metrics(call: TrainingCall) -> dict[str, float]:
    return {"training_loss": call.instance.loss_}


def models(call: TrainingCall) -> list[ModelToLog]:
    X = call.argument("X")
    return [ModelToLog(call.instance, FLAVOR, signature_inputs=X, input_example=X, requirements=("autolog-template",))]


INTEGRATION = Integration(
    name=NAME,
    modules=("toyframework",),
    patch=patch,
    options={"log_every_epoch": True},
    option_checks={"log_every_epoch": option_checks.boolean},
    before_training=before_training,
    collect_params=params,
    collect_metrics=metrics,
    collect_models=models,
)


@hookimpl
def autolog_register_integrations(register: Any) -> None:
    register(INTEGRATION)
