"""autolog-template: autologging for ``toyframework`` (copy this plugin to start a new one).

Registers one integration: ``toyframework.Model.fit`` is patched; each outermost fit logs the
model's params, its final ``training_loss``, per-epoch ``loss`` and the fitted model (pickled).
"""
from __future__ import annotations

from autolog import Integration, ModelToLog, hookimpl
from autolog.flavors import PickleFlavor

NAME = "template"
FLAVOR = PickleFlavor("toyframework")


def patch(module, patcher) -> None:
    """Called once ``toyframework`` is imported (and again after re-enabling)."""
    patcher.wrap_training(module.Model, "fit")


@hookimpl
def autolog_register_integrations(register) -> None:
    register(Integration(name=NAME, modules=("toyframework",), patch=patch, options={"log_every_epoch": True}))


@hookimpl
def autolog_before_training(call) -> None:
    if call.integration == NAME and call.config["log_every_epoch"]:
        user_callbacks = call.kwargs.get("callbacks") or []
        call.kwargs["callbacks"] = [*user_callbacks, lambda epoch, loss: call.log_metrics({"loss": loss}, step=epoch)]


@hookimpl
def autolog_collect_params(call):
    if call.integration == NAME:
        return dict(call.instance.get_params(), epochs=call.kwargs.get("epochs", 1))


@hookimpl
def autolog_collect_metrics(call):
    if call.integration == NAME:
        return {"training_loss": call.instance.loss_}


@hookimpl
def autolog_collect_models(call):
    if call.integration == NAME:
        X = call.args[0] if call.args else call.kwargs.get("X")
        return [ModelToLog(call.instance, FLAVOR, signature_inputs=X, input_example=X,
                           requirements=("autolog-template",))]
