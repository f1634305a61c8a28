"""The summary worker's pickles (``spool_pickle``): per-group lists of arrays are packed into one
array each and come back as the same lists, and the user's objects are left as they were."""

from __future__ import annotations

import io
import pickle

import numpy as np
import statsmodels.api as sm
from autolog_statsmodels import spool_pickle


def _gee(clusters: int = 40):
    rng = np.random.default_rng(1)
    groups = np.repeat(np.arange(clusters), 3)
    X = sm.add_constant(rng.normal(size=(3 * clusters, 2)))
    y = (X @ np.array([0.1, 0.7, -0.4]) + rng.normal(size=3 * clusters) > 0).astype(float)
    return sm.GEE(y, X, groups, family=sm.families.Binomial(), cov_struct=sm.cov_struct.Exchangeable()).fit()


def _round_trip(results):
    buffer = io.BytesIO()
    spool_pickle.dump(results, buffer)
    return buffer.getvalue(), pickle.loads(buffer.getvalue())


def _objects_made(data: bytes) -> int:
    import pickletools

    return sum(1 for opcode, _arg, _pos in pickletools.genops(data) if opcode.name in ("REDUCE", "NEWOBJ"))


def test_per_cluster_lists_come_back_equal_and_of_the_same_types():
    results = _gee()
    model = results.model
    _, loaded = _round_trip(results)
    back = loaded.model
    for name in ("endog_li", "exog_li", "time_li"):
        original, restored = getattr(model, name), getattr(back, name)
        assert isinstance(restored, list) and len(restored) == len(original) == 40
        for a, b in zip(original, restored, strict=True):
            assert a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)
    assert list(back.group_indices) == list(model.group_indices)
    assert type(next(iter(back.group_indices))) is type(next(iter(model.group_indices)))
    assert all(np.array_equal(model.group_indices[k], back.group_indices[k]) for k in model.group_indices)
    assert [type(x) for x in back.cached_means[0]] == [type(x) for x in model.cached_means[0]]
    pairs = zip(model.cached_means, back.cached_means, strict=True)
    assert all(np.array_equal(a, b) for pair in pairs for a, b in zip(*pair, strict=True))
    assert back.cov_struct.model is back  # shared references stay shared
    np.testing.assert_allclose(loaded.bse, results.bse)


def test_packing_makes_the_pickle_fewer_objects_and_leaves_the_users_model_alone():
    results = _gee(clusters=200)
    before = {name: value for name, value in vars(results.model).items() if isinstance(value, list | dict)}
    data, _ = _round_trip(results)
    plain = pickle.dumps(results, protocol=pickle.HIGHEST_PROTOCOL)
    # One array per list instead of 200: far fewer objects made on loading.
    assert _objects_made(data) < _objects_made(plain) / 10
    after = {name: value for name, value in vars(results.model).items() if isinstance(value, list | dict)}
    assert all(after[name] is value for name, value in before.items())  # the same objects, not replaced


def test_lists_that_are_not_like_arrays_are_pickled_as_they_are():
    ragged = [np.zeros((2, 3)), np.zeros((2, 4))] * 5  # trailing shapes differ: cannot be one array
    mixed = [np.zeros(2), np.zeros(2, dtype=np.int64)] * 5
    short = [np.zeros(2)] * 3
    for value in (ragged, mixed, short, ["a"] * 10, [np.float64(1.0)] * 10):
        assert spool_pickle._pack(value) is None


def test_state_space_results_go_as_their_model_and_load_with_the_same_summary():
    """An UnobservedComponents' Kalman output is most of its pickle: the worker computes it again."""
    from autolog_statsmodels.artifacts import coefficients_csv, summary_text

    rng = np.random.default_rng(4)
    series = np.cumsum(rng.normal(size=300)) + np.sin(np.arange(300) * 2 * np.pi / 12)
    results = sm.tsa.UnobservedComponents(series, "local level", freq_seasonal=[{"period": 12, "harmonics": 6}]).fit(
        disp=False, maxiter=20
    )
    data, loaded = _round_trip(results)
    assert len(data) < len(pickle.dumps(results, protocol=pickle.HIGHEST_PROTOCOL)) / 50

    def without_clock(text: str) -> str:
        return "\n".join(line for line in text.splitlines() if "Date:" not in line and "Time:" not in line)

    assert without_clock(summary_text(loaded)) == without_clock(summary_text(results))
    assert coefficients_csv(loaded) == coefficients_csv(results)
    np.testing.assert_allclose(loaded.forecast(5), results.forecast(5))
