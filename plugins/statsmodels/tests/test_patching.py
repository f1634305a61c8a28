"""Which methods are patched, and that ``disable=True`` restores the exact originals."""

from __future__ import annotations

from autolog_statsmodels.patching import subclasses

import autolog


def own_fits(base: type) -> dict[type, object]:
    return {cls: cls.__dict__["fit"] for cls in [base, *subclasses(base)] if "fit" in cls.__dict__}


def test_every_class_defining_fit_is_patched(sm_autolog, autolog_store):
    import statsmodels.base.model as base_model

    sm = sm_autolog()
    fits = own_fits(base_model.Model)
    assert len(fits) > 30
    unpatched = [cls.__qualname__ for cls, fit in fits.items() if not hasattr(fit, "__wrapped__")]
    assert unpatched == []
    for cls in (sm.OLS, sm.WLS, sm.GLS, sm.GLM, sm.Logit, sm.Probit, sm.Poisson, sm.tsa.ARIMA, sm.tsa.SARIMAX):
        assert hasattr(cls.fit, "__wrapped__"), cls


def test_disable_restores_the_original_attributes(sm_autolog, autolog_store):
    import statsmodels.api  # noqa: F401  (the model modules)
    import statsmodels.base.model as base_model

    before = own_fits(base_model.Model)
    inherits_init_subclass = "__init_subclass__" not in base_model.Model.__dict__
    sm_autolog()
    assert any(before[cls] is not fit for cls, fit in own_fits(base_model.Model).items())

    autolog.statsmodels.autolog(disable=True)

    after = own_fits(base_model.Model)
    assert all(after[cls] is before[cls] for cls in before)
    assert ("__init_subclass__" not in base_model.Model.__dict__) is inherits_init_subclass


def test_subclass_defined_after_enabling_is_patched_and_unpatched(sm_autolog, autolog_store):
    sm = sm_autolog()

    class Custom(sm.OLS):
        def fit(self, **kwargs):
            return super().fit(**kwargs)

    assert hasattr(Custom.__dict__["fit"], "__wrapped__")
    autolog.statsmodels.autolog(disable=True)
    assert not hasattr(Custom.__dict__["fit"], "__wrapped__")


def test_disabled_fit_logs_nothing(sm_autolog, regression, autolog_store):
    sm = sm_autolog()
    autolog.statsmodels.autolog(disable=True)
    X, y = regression
    sm.OLS(y, X).fit()
    assert autolog_store.search_runs() == []
