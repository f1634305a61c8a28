"""The environment of every autologged run: ``autolog.env.*`` tags and ``environment/requirements.txt``."""

from __future__ import annotations

import re
import sys
import time
from importlib import metadata

import pytest

import autolog
from autolog.default_plugins import environment

sklearn = pytest.importorskip("sklearn")
from sklearn.linear_model import LogisticRegression  # noqa: E402


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def _data():
    rng = __import__("random").Random(0)
    X = [[rng.random() for _ in range(4)] for _ in range(60)]
    y = [int(row[0] > 0.5) for row in X]
    return X, y


def requirements_of(client, run_id: str) -> str:
    path = client.download_artifacts(run_id, environment.REQUIREMENTS_ARTIFACT)
    with open(path, encoding="utf-8") as fh:
        return fh.read()


def test_an_autologged_fit_records_python_platform_framework_and_plugin(autolog_enable, autolog_store):
    autolog_enable("sklearn", log_models=False)
    LogisticRegression().fit(*_data())
    run = autolog.last_active_run()
    tags = run.data.tags
    assert tags["autolog.env.python"] == "{}.{}.{} CPython".format(*sys.version_info[:3])
    assert tags["autolog.env.platform"].startswith(__import__("platform").system())
    assert tags["autolog.env.autolog"] == autolog.__version__
    assert tags["autolog.env.framework"] == f"scikit-learn=={sklearn.__version__}"
    assert tags["autolog.env.plugin"] == f"autolog-sklearn=={metadata.version('autolog-sklearn')}"


def test_requirements_artifact_lists_every_installed_distribution(autolog_enable, autolog_store):
    autolog_enable("sklearn", log_models=False)
    LogisticRegression().fit(*_data())
    text = requirements_of(autolog_store, autolog.last_active_run().info.run_id)
    lines = text.splitlines()
    pinned = {_normalized(line.split("==")[0]): line.split("==")[1] for line in lines}
    assert all("==" in line for line in lines) and lines == sorted(lines, key=lambda s: _normalized(s.split("==")[0]))
    installed = {}
    for distribution in metadata.distributions():  # the first of a name on sys.path is the one imported
        installed.setdefault(_normalized(distribution.metadata["Name"]), distribution.version)
    assert pinned["scikit_learn"] == sklearn.__version__
    assert pinned["autolog"] == autolog.__version__
    assert pinned == installed


def test_computed_once_per_process_and_written_once_per_run(autolog_enable, autolog_store):
    autolog_enable("sklearn", log_models=False)
    data = _data()
    LogisticRegression().fit(*data)
    first = environment.installed_requirements()
    assert environment.installed_requirements() is first  # cached, not rebuilt
    with autolog.start_run() as run:
        LogisticRegression().fit(*data)
        LogisticRegression().fit(*data)
    listed = [info.path for info in autolog_store.list_artifacts(run.info.run_id, "environment")]
    assert listed == [environment.REQUIREMENTS_ARTIFACT]
    assert requirements_of(autolog_store, run.info.run_id) == first
    assert autolog_store.get_run(run.info.run_id).data.tags["autolog.env.framework"].startswith("scikit-learn==")


def test_environment_costs_well_under_a_millisecond_per_fit_once_cached(autolog_enable, autolog_store):
    autolog_enable("sklearn", log_models=False)
    LogisticRegression().fit(*_data())  # fills the caches
    timings = []
    for _ in range(20):
        with autolog.start_run() as run:
            call = autolog.TrainingCall("sklearn", "fit", None, (), {}, {}, run.info.run_id, True, tracker=run.tracker)
            started = time.perf_counter()
            environment.autolog_run_started(call)
            timings.append(time.perf_counter() - started)
    timings.sort()
    assert timings[len(timings) // 2] < 0.005, timings  # tags queued + one small file written
