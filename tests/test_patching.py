"""Patching: inherited and overridden fit, idempotent enabling, exact revert, metadata preserved."""

from __future__ import annotations

import inspect

import wrapt

import autolog


def _own_fits(module):
    return {cls: cls.__dict__.get("fit") for cls in (module.Model, module.Overriding, module.Inheriting)}


def test_inherited_and_overridden_fit_are_both_logged(fw, autolog_enable, autolog_store):
    autolog_enable(fw.name)
    inheriting = fw.module.Inheriting(alpha=4).fit([1])
    inherited_run = autolog.last_active_run()
    overriding = fw.module.Overriding(alpha=5).fit([1])
    overridden_run = autolog.last_active_run()

    assert inheriting.loss_ == 4.0 and overriding.refined_
    assert inherited_run.info.run_id != overridden_run.info.run_id
    assert inherited_run.data.params == {"alpha": "4"}
    assert overridden_run.data.params == {"alpha": "5"}
    assert {r.data.tags["autolog.autologging"] for r in (inherited_run, overridden_run)} == {fw.name}


def test_enabling_twice_patches_once(fw, autolog_enable, autolog_store):
    original = fw.module.Model.__dict__["fit"]
    autolog_enable(fw.name)
    autolog_enable(None)
    autolog_enable(fw.name)
    patched = fw.module.Model.__dict__["fit"]
    assert isinstance(patched, wrapt.FunctionWrapper)
    assert patched.__wrapped__ is original  # one wrapper, directly around the original

    model = fw.module.Model().fit([2])
    assert model.fit_calls == 1
    assert len(autolog_store.search_runs()) == 1


def test_disable_restores_every_patched_attribute_identically(fw, autolog_store):
    module = fw.module
    before = _own_fits(module)
    assert before[module.Inheriting] is None

    autolog.autolog()
    patched = _own_fits(module)
    assert all(patched[cls] is not before[cls] for cls in before)  # inherited fit got its own wrapper

    autolog.autolog(disable=True)
    after = _own_fits(module)
    assert after[module.Model] is before[module.Model]
    assert after[module.Overriding] is before[module.Overriding]
    assert "fit" not in module.Inheriting.__dict__
    assert module.Inheriting.fit is module.Model.fit is before[module.Model]

    module.Model().fit([1])
    assert autolog_store.search_runs() == []


def test_per_library_disable_reverts_and_reenabling_patches_again(fw, autolog_store):
    handle = getattr(autolog, fw.name)
    original = fw.module.Model.__dict__["fit"]
    handle.autolog()
    handle.autolog(disable=True)
    assert fw.module.Model.__dict__["fit"] is original
    handle.autolog(disable=False)
    try:
        fw.module.Model().fit([1])
    finally:
        handle.autolog(disable=True)
    assert len(autolog_store.search_runs()) == 1
    assert fw.module.Model.__dict__["fit"] is original


def test_patched_fit_keeps_signature_docstring_and_name(fw, autolog_enable, autolog_store):
    module = fw.module
    original = module.Model.__dict__["fit"]
    original_override = module.Overriding.__dict__["fit"]
    autolog_enable(fw.name)
    for cls, expected in (
        (module.Model, original),
        (module.Inheriting, original),
        (module.Overriding, original_override),
    ):
        assert inspect.signature(cls.fit) == inspect.signature(expected)
        assert inspect.signature(cls().fit) == inspect.signature(expected.__get__(cls()))
        assert cls.fit.__doc__ == expected.__doc__
        assert cls.fit.__name__ == "fit"
    assert "X, y=None, *, epochs=1, callbacks=None" in str(inspect.signature(module.Model().fit))


def test_the_original_fit_gets_the_users_arguments_once_and_its_result_is_returned(fw, autolog_enable, autolog_store):
    autolog_enable(fw.name)
    callbacks = [lambda epoch: None]
    model = fw.module.Model()
    result = model.fit([1, 2], "y", epochs=2, callbacks=callbacks)
    assert result is model
    assert model.fit_calls == 1
    assert model.seen_args_ == ([1, 2], "y", 2, callbacks)


def test_a_per_library_call_without_disable_enables_again_after_a_disable(fw, autolog_store):
    handle = getattr(autolog, fw.name)
    handle.autolog(disable=True)
    handle.autolog(log_models=False)
    try:
        assert handle.options["disable"] is False and handle.options["log_models"] is False
        fw.module.Model().fit([1])
    finally:
        handle.autolog(disable=True)
    assert len(autolog_store.search_runs()) == 1


def test_a_per_library_call_enables_its_library_after_a_global_disable(fw, autolog_store):
    handle = getattr(autolog, fw.name)
    autolog.autolog(disable=True)
    handle.autolog()
    try:
        fw.module.Model().fit([1])
    finally:
        handle.autolog(disable=True)
    assert len(autolog_store.search_runs()) == 1


def test_patched_classes_that_the_user_drops_are_not_kept_alive(fw, autolog_enable, autolog_store):
    import gc
    import weakref

    autolog_enable(fw.name)

    def make_class():
        class Temporary(fw.module.Model):
            def fit(self, X, y=None, *, epochs=1, callbacks=None):
                return super().fit(X, y, epochs=epochs, callbacks=callbacks)

        return Temporary

    from autolog.activation import patcher_for
    from autolog.plugin_manager import registry

    patcher = patcher_for(registry().get(fw.name))
    temporary = make_class()
    patcher.wrap_training(temporary, "fit")
    count = len(patcher)
    reference = weakref.ref(temporary)
    del temporary
    gc.collect()
    assert reference() is None
    assert len(patcher) == count - 1
