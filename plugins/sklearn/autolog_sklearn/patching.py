"""What the sklearn integration patches, lazily.

At ``autolog()`` time only classes that already exist are patched: the subclasses of
``BaseEstimator`` found through ``__subclasses__()`` (no sklearn module is imported for it). A
hook on ``BaseEstimator.__init_subclass__`` patches every estimator class defined later, sklearn's
own (modules imported later) and third-party subclasses alike. Classes from modules another
integration watches (xgboost, lightgbm...) are left to that integration.

The module-level functions (``cross_val_predict``..., the ``sklearn.metrics`` functions of
post-training metrics) are also rebound in user modules that imported them before ``autolog()``
(``Patcher.rebind_imports``), so ``from sklearn.metrics import accuracy_score`` at the top of a
script works whatever the order.
"""

from __future__ import annotations

from typing import Any

from autolog.plugin import report

from . import curves, post_training

TRAINING_METHODS = ("fit", "fit_transform", "fit_predict")
CV_FUNCTIONS = ("cross_validate", "cross_val_score", "cross_val_predict", *curves.FUNCTIONS)


def _all_subclasses(root: type) -> list[type]:
    seen: set[type] = set()
    stack: list[type] = [root]
    while stack:
        subclasses: list[type] = stack.pop().__subclasses__()
        for sub in subclasses:
            if sub not in seen:
                seen.add(sub)
                stack.append(sub)
    return list(seen)


def _definer(cls: type, attribute: str) -> type | None:
    for klass in cls.__mro__:
        if attribute in klass.__dict__:
            return klass
    return None


class EstimatorPatcher:
    def __init__(self, patcher, skip_modules: frozenset[str], post_training_enabled: bool, silent: bool = False):
        self.patcher = patcher
        self.skip_modules = skip_modules
        self.post_training_enabled = post_training_enabled
        self.silent = silent

    def patch_class(self, cls: type) -> None:
        from sklearn.base import BaseEstimator

        if cls.__module__.split(".", 1)[0] in self.skip_modules:
            return
        for attribute in TRAINING_METHODS:
            self._patch_where_defined(cls, attribute, BaseEstimator, training=True)
        if self.post_training_enabled:
            for attribute in post_training.PREDICT_METHODS:
                self._patch_where_defined(cls, attribute, BaseEstimator, wrapper=post_training.predict_wrapper)
            self._patch_where_defined(cls, "score", BaseEstimator, wrapper=post_training.score_wrapper)

    def _patch_where_defined(
        self, cls: type, attribute: str, base: type, training: bool = False, wrapper: Any = None
    ) -> None:
        definer = _definer(cls, attribute)
        if definer is None or definer is object:
            return
        # Methods of sklearn estimators are patched where they are defined; methods a mixin
        # outside the estimator hierarchy provides (TransformerMixin.fit_transform) on the class.
        if definer.__module__.split(".", 1)[0] in self.skip_modules:
            return
        owner = definer if issubclass(definer, base) else cls
        if training:
            self.patcher.wrap_training(owner, attribute)
        else:
            self.patcher.wrap(owner, attribute, wrapper)

    def patch_existing(self) -> None:
        from sklearn.base import BaseEstimator

        for cls in _all_subclasses(BaseEstimator):
            self.patch_class(cls)

    def hook_new_classes(self) -> None:
        from sklearn.base import BaseEstimator

        def on_subclass(wrapped, instance, args, kwargs):
            result = wrapped(*args, **kwargs)
            try:
                if isinstance(instance, type):
                    self.patch_class(instance)
            except Exception as exc:  # a class definition never fails because of autolog (but warns)
                report(post_training.NAME, exc, f"patching the new estimator class {instance!r}", self.silent)
            return result

        self.patcher.wrap(BaseEstimator, "__init_subclass__", on_subclass)


def patch_cv_functions(module, patcher) -> None:
    # The private module too: cross_val_score looks cross_validate up there, so a
    # cross_val_score imported before autolog() still makes one run. (learning_curve and
    # friends live in sklearn.model_selection._validation as well.)
    import importlib

    validation = importlib.import_module("sklearn.model_selection._validation")
    for owner in (module, validation):
        for name in CV_FUNCTIONS:
            if hasattr(owner, name):
                patcher.wrap_training(owner, name)
    patcher.rebind_imports(module, CV_FUNCTIONS)


def patch_metric_functions(module, patcher) -> None:
    for name in post_training.METRIC_FUNCTIONS:
        if hasattr(module, name):
            patcher.wrap(module, name, post_training.metric_wrapper(name))
    patcher.rebind_imports(module, post_training.METRIC_FUNCTIONS)
