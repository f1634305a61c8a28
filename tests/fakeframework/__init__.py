"""A fake training framework for the core tests: stands in for a real ML library.

Tests never import this package by its own name: ``conftest.framework`` copies this file to a
module with a unique name per test, so post-import hooks and patches never leak between tests.
"""

__version__ = "1.0"


class TrainingError(Exception):
    """What a user's failing training raises."""


class Model:
    """A fake model: ``fit`` sums X, scaled by ``alpha``."""

    def __init__(self, alpha=0.5, fail_with=None):
        self.alpha = alpha
        self.fail_with = fail_with
        self.fit_calls = 0

    def get_params(self):
        return {"alpha": self.alpha}

    def fit(self, X, y=None, *, epochs=1, callbacks=None):
        """Fit the fake model to X (and y) for ``epochs`` epochs; return self."""
        self.fit_calls += 1
        self.seen_args_ = (X, y, epochs, callbacks)
        for epoch in range(epochs):
            for callback in callbacks or []:
                callback(epoch)
        if self.fail_with is not None:
            raise self.fail_with  # the line a user's traceback must end on
        self.loss_ = float(sum(X)) * self.alpha
        return self


class Overriding(Model):
    """A subclass that overrides ``fit`` and calls ``Model.fit`` (a nested patched call)."""

    def fit(self, X, y=None, *, epochs=1, callbacks=None):
        """Fit through Model.fit, then mark the model as refined."""
        super().fit(X, y, epochs=epochs, callbacks=callbacks)
        self.refined_ = True
        return self


class Inheriting(Model):
    """A subclass that inherits ``fit``."""
