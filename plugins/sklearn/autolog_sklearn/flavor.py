"""The ``sklearn`` model flavor: the fitted estimator pickled, loaded back with only autolog."""
from __future__ import annotations

from autolog.flavors import PickleFlavor

REQUIREMENTS = ("scikit-learn",)


def sklearn_flavor() -> PickleFlavor:
    from sklearn import __version__

    return PickleFlavor("sklearn", extra_conf={"sklearn_version": __version__})
