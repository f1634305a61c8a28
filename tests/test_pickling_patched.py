"""With autologging on, everything a user could pickle or copy without it still pickles and copies:
patched functions and methods pickle by reference, as the originals do, and load where autolog is
not enabled; ``copy.copy``/``copy.deepcopy`` of a patched function is the function itself (as for
any function), of a patched bound method a method bound to the (deep-copied) object."""

from __future__ import annotations

import copy
import json
import pickle
import subprocess
import sys
import textwrap

import autolog

from core_support import REPO_DIR


def test_patched_methods_pickle_by_reference(fw):
    autolog.autolog()
    module = fw.module
    assert type(module.Model.__dict__["fit"]).__name__ == "PatchedFunction"
    model = module.Model()
    assert pickle.loads(pickle.dumps(module.Model.fit)).__wrapped__ is module.Model.fit.__wrapped__
    bound = pickle.loads(pickle.dumps(model.fit))
    assert bound.__self__.__class__ is module.Model and bound.__name__ == "fit"
    payload = pickle.dumps({"fit": module.Model.fit})
    assert b"autolog.pickling" not in payload and b"wrapt" not in payload
    unbound = module.Model.fit  # (each access through the class makes a new proxy, equal to the last)
    assert copy.copy(unbound) is unbound and copy.deepcopy(unbound) is unbound
    model.marker = [1]
    shallow, deep = copy.copy(model.fit), copy.deepcopy(model.fit)
    assert shallow.__self__ is model and shallow == model.fit and type(shallow) is type(model.fit)
    assert deep.__self__ is not model and deep.__self__.marker == [1] and deep.__self__.marker is not model.marker
    assert deep.__name__ == "fit" and type(deep) is type(model.fit)
    holder = {"a": unbound, "b": [unbound], "c": module.Model.__dict__["fit"]}
    copied = copy.deepcopy(holder)
    assert copied["a"] is unbound and copied["b"][0] is unbound and copied["c"] is module.Model.__dict__["fit"]
    autolog.autolog(disable=True)
    # Loaded after autologging is off: the plain original, as a pickle of the original would give.
    assert pickle.loads(payload)["fit"] is module.Model.fit
    autolog.autolog(disable=True)


SKLEARN_EXAMPLE = """
    import pickle, sys
    import numpy as np
    import autolog
    autolog.set_tracking_uri(sys.argv[1])
    autolog.autolog()
    from sklearn.ensemble import GradientBoostingRegressor
    from sklearn.metrics import make_scorer, mean_pinball_loss
    from sklearn.model_selection import GridSearchCV
    rng = np.random.RandomState(0)
    X = rng.uniform(0, 10, (80, 1)); y = X[:, 0] * np.sin(X[:, 0]) + rng.normal(0, 1, 80)
    scorer = make_scorer(mean_pinball_loss, alpha=0.95, greater_is_better=False)
    search = GridSearchCV(GradientBoostingRegressor(loss="quantile", alpha=0.95, n_estimators=5),
                          {"max_depth": [1, 2]}, scoring=scorer, cv=2).fit(X, y)
    # The example clones searches holding the scorer: clone deep-copies it (and the patched metric).
    import copy
    from sklearn.base import clone
    assert copy.copy(mean_pinball_loss) is mean_pinball_loss is copy.deepcopy(mean_pinball_loss)
    assert copy.deepcopy(scorer)._score_func is mean_pinball_loss
    assert clone(search).scoring._score_func is mean_pinball_loss
    clone(search).fit(X, y)
    sys.stdout.buffer.write(pickle.dumps((pickle.dumps(scorer), pickle.dumps(search), X[:5], search.predict(X[:5]))))
"""

LOAD_WITHOUT_AUTOLOG = """
    import pickle, sys
    scorer, search, X, expected = pickle.loads(sys.stdin.buffer.read())
    scorer, search = pickle.loads(scorer), pickle.loads(search)
    assert "autolog" not in sys.modules, sorted(m for m in sys.modules if "autolog" in m)
    assert (search.predict(X) == expected).all()
    print(type(scorer).__name__, type(search).__name__, scorer._score_func.__name__)
"""


def test_sklearn_quantile_example_pickles_its_search_with_autolog_on(tmp_path):
    """scikit-learn's plot_gradient_boosting_quantile.py pickles a search holding a pinball-loss scorer."""
    made = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(SKLEARN_EXAMPLE), str(tmp_path / "runs")],
        capture_output=True,
        cwd=REPO_DIR,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr.decode()[-2000:]
    loaded = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(LOAD_WITHOUT_AUTOLOG)],
        input=made.stdout,
        capture_output=True,
        cwd=REPO_DIR,
        timeout=120,
    )
    assert loaded.returncode == 0, loaded.stderr.decode()[-2000:]
    assert loaded.stdout.decode().split() == ["_Scorer", "GridSearchCV", "mean_pinball_loss"]


EVERY_PATCH = """
    import copy, json, pickle, sys
    import autolog
    autolog.set_tracking_uri(sys.argv[1])
    import sklearn.linear_model, sklearn.metrics, sklearn.model_selection, xgboost, lightgbm
    import statsmodels.api, keras, lightning.pytorch
    from autolog import activation

    def ours(value):
        return getattr(value, "__wrapped__", value) if "PatchedFunction" in type(value).__name__ else value

    def round_trip(value):
        try:
            return ours(pickle.loads(pickle.dumps(value)))
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"

    def copies(value):
        out = []
        for how in (copy.copy, copy.deepcopy):
            try:
                done = how(value)
                # a function copies as itself; a bound method as a method of the same name
                out.append("same" if done is value else (type(ours(done)).__name__, getattr(done, "__name__", None)))
            except Exception as exc:
                out.append(f"{type(exc).__name__}: {exc}")
        return out

    autolog.autolog()
    patched = [(name, p.owner_ref(), p.attribute) for name, patcher in activation._patchers.items()
               for p in list(patcher._patches.values()) if p.owner_ref() is not None]
    autolog.autolog(disable=True)
    # What each original pickles as without autologging (some cannot be pickled at all).
    without = {(id(owner), attribute): round_trip(getattr(owner, attribute)) for _, owner, attribute in patched}
    copied_without = {(id(owner), attribute): copies(getattr(owner, attribute)) for _, owner, attribute in patched}
    autolog.autolog()
    checked, failures = 0, []
    for name, owner, attribute in patched:
        copied, plain = copies(getattr(owner, attribute)), copied_without[(id(owner), attribute)]
        if copied != plain:
            failures.append(f"{name}: {owner!r}.{attribute} copies as {copied}, without autolog {plain}")
        expected = without[(id(owner), attribute)]
        if isinstance(expected, str):
            continue  # the original itself does not pickle
        loaded = round_trip(getattr(owner, attribute))
        if loaded != expected:  # bound methods are new objects at each access: compare by ==
            failures.append(f"{name}: {owner!r}.{attribute}: {loaded!r}, without autolog {expected!r}")
        checked += 1
    print(json.dumps({"checked": checked, "failures": failures}))
"""


def test_every_plugins_patched_attributes_pickle_by_reference(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(EVERY_PATCH), str(tmp_path / "runs")],
        capture_output=True,
        text=True,
        cwd=REPO_DIR,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["failures"] == []
    assert result["checked"] > 50  # sklearn alone patches every estimator's fit
