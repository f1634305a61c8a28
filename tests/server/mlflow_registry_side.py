"""Run by the real MLflow (bench/.mlflow-venv), never imported by our tests: MLflow's client using the
model registry and MLflow 3 logged models of a tracking server, printing what it saw as one JSON line.

    python mlflow_registry_side.py flow URL      log_model(registered_model_name=), register_model, aliases,
                                                 search, load by alias, autolog(registered_model_name=)
    python mlflow_registry_side.py errors URL    bad input: the error code and message of each
    python mlflow_registry_side.py docs URL      the rest of MLflow's registry workflow documentation: a
                                                 custom pyfunc model, copy_model_version, stages and
                                                 get_latest_versions, alias case, tags, deleting; only
                                                 values that do not depend on the server (ids, times) printed
"""

import json
import sys
import warnings

import mlflow
import numpy as np
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

warnings.filterwarnings("ignore")


def flow(url):
    from sklearn.linear_model import LinearRegression

    mlflow.set_tracking_uri(url)
    mlflow.set_experiment("registry-flow")
    client = MlflowClient()
    X = np.arange(30, dtype=float).reshape(10, 3)
    y = X @ np.array([1.0, 2.0, 3.0]) + 0.5
    model = LinearRegression().fit(X, y)
    with mlflow.start_run() as run:
        info = mlflow.sklearn.log_model(model, name="model", registered_model_name="wine")
        mlflow.log_metric("rmse", 0.25, model_id=info.model_id)
    logged = client.get_logged_model(info.model_id)
    second = mlflow.register_model(f"runs:/{run.info.run_id}/model", "wine", tags={"team": "blue"})
    client.set_registered_model_alias("wine", "champion", second.version)
    client.update_model_version("wine", second.version, description="the better one")
    client.set_registered_model_tag("wine", "owner", "ana")
    by_alias = client.get_model_version_by_alias("wine", "champion")
    prediction = mlflow.pyfunc.load_model("models:/wine@champion").predict(X[:2]).tolist()
    native = mlflow.sklearn.load_model("models:/wine/1").predict(X[:1]).tolist()
    versions = client.search_model_versions("name = 'wine'")
    by_run = client.search_model_versions(f"run_id = '{run.info.run_id}'")
    tagged = client.search_model_versions("name = 'wine' AND tags.team = 'blue'")
    client.rename_registered_model("wine", "wine-renamed")
    renamed = client.get_registered_model("wine-renamed")
    renamed_alias = client.get_model_version_by_alias("wine-renamed", "champion").version
    after_rename = mlflow.pyfunc.load_model("models:/wine-renamed@champion").predict(X[:1]).tolist()
    client.delete_registered_model_alias("wine-renamed", "champion")
    aliases_after_delete = client.get_registered_model("wine-renamed").aliases
    client.delete_model_version("wine-renamed", "1")
    remaining = [v.version for v in client.search_model_versions("name = 'wine-renamed'")]
    third = client.create_model_version("wine-renamed", f"models:/{info.model_id}", model_id=info.model_id)

    mlflow.set_experiment("registry-autolog")
    mlflow.sklearn.autolog(registered_model_name="auto-wine")
    LinearRegression().fit(X, y)
    LinearRegression().fit(X, y + 1)
    mlflow.sklearn.autolog(disable=True)
    auto_versions = sorted(v.version for v in client.search_model_versions("name = 'auto-wine'"))
    auto_latest = mlflow.pyfunc.load_model("models:/auto-wine/latest").predict(X[:1]).tolist()
    names = sorted(m.name for m in client.search_registered_models())
    experiment_id = mlflow.get_experiment_by_name("registry-flow").experiment_id
    searched = client.search_logged_models([experiment_id])
    by_metric = client.search_logged_models([experiment_id], filter_string="metrics.rmse < 0.3")
    model_metrics = {m.key: m.value for m in client.get_logged_model(info.model_id).metrics}
    print(
        json.dumps(
            {
                "run_id": run.info.run_id,
                "logged": {
                    "model_id": info.model_id,
                    "status": str(logged.status),
                    "name": logged.name,
                    "source_run_id": logged.source_run_id,
                    "artifact_location": logged.artifact_location,
                },
                "first_version": info.registered_model_version,
                "second": {"version": second.version, "source": second.source, "run_id": second.run_id},
                "by_alias": {
                    "version": by_alias.version,
                    "aliases": list(by_alias.aliases),
                    "description": by_alias.description,
                    "tags": by_alias.tags,
                },
                "prediction": prediction,
                "expected": model.predict(X[:2]).tolist(),
                "native": native,
                "versions": [v.version for v in versions],
                "by_run": sorted(v.version for v in by_run),
                "tagged": [v.version for v in tagged],
                "renamed": {"name": renamed.name, "tags": renamed.tags, "aliases": renamed.aliases},
                "renamed_alias": renamed_alias,
                "after_rename": after_rename,
                "aliases_after_delete": aliases_after_delete,
                "remaining": remaining,
                "third": third.version,
                "auto_versions": auto_versions,
                "auto_latest": auto_latest,
                "auto_expected": (model.predict(X[:1]) + 1).tolist(),
                "names": names,
                "searched_logged": sorted(m.model_id for m in searched),
                "by_metric": [m.model_id for m in by_metric],
                "model_metrics": model_metrics,
            }
        )
    )


def errors(url):
    mlflow.set_tracking_uri(url)
    client = MlflowClient()
    client.create_registered_model("errs")
    mlflow.set_experiment("registry-errors")
    with mlflow.start_run() as run:
        mlflow.log_text("x", "model/MLmodel")
    client.create_model_version("errs", f"runs:/{run.info.run_id}/model", run_id=run.info.run_id)
    cases = {
        "name_with_slash": lambda: client.create_registered_model("a/b"),
        "duplicate_model": lambda: client.create_registered_model("errs"),
        "unknown_model": lambda: client.get_registered_model("nope"),
        "unknown_version": lambda: client.get_model_version("errs", "99"),
        "unknown_alias": lambda: client.get_model_version_by_alias("errs", "nope"),
        "alias_v3": lambda: client.set_registered_model_alias("errs", "v3", "1"),
        "alias_3": lambda: client.set_registered_model_alias("errs", "3", "1"),
        "alias_to_missing_version": lambda: client.set_registered_model_alias("errs", "champion", "7"),
        "source_outside": lambda: client.create_model_version("errs", "/etc"),
        "source_other_bucket": lambda: client.create_model_version("errs", "s3://elsewhere/model"),
        "source_unknown_run": lambda: client.create_model_version("errs", "runs:/0123456789abcdef0123456789abcdef/m"),
        "version_for_unknown_model": lambda: client.create_model_version("nope", f"runs:/{run.info.run_id}/model"),
        "unknown_logged_model": lambda: client.get_logged_model("m-0123456789abcdef0123456789abcdef"),
        "load_unknown_alias": lambda: mlflow.pyfunc.load_model("models:/errs@nope"),
    }
    seen = {}
    for name, case in cases.items():
        try:
            case()
            seen[name] = None
        except MlflowException as exc:
            seen[name] = {"code": exc.error_code, "message": exc.message}
    print(json.dumps(seen))


def docs(url):
    from sklearn.linear_model import Ridge

    mlflow.set_tracking_uri(url)
    mlflow.set_experiment("registry-docs")
    client = MlflowClient()
    X = np.arange(40, dtype=float).reshape(20, 2)
    y = X[:, 0] * 2 + X[:, 1]

    class Doubler(mlflow.pyfunc.PythonModel):
        def predict(self, context, model_input, params=None):
            return np.asarray(model_input, dtype=float) * 2

    forest = Ridge(alpha=0.5).fit(X, y)  # the docs' forest: trees need skops_trusted_types in MLflow 3.17
    with mlflow.start_run() as run:
        logged = mlflow.sklearn.log_model(forest, name="sklearn-model", input_example=X[:2])
        mlflow.pyfunc.log_model(name="doubler", python_model=Doubler(), registered_model_name="doubler")
    seen = {}
    first = mlflow.register_model(f"runs:/{run.info.run_id}/sklearn-model", "forest")
    client.create_registered_model("forest-copy", description="copied versions")
    copied = client.copy_model_version(f"models:/forest/{first.version}", "forest-copy")
    seen["copied"] = {"version": copied.version, "name": copied.name, "run_id": copied.run_id == run.info.run_id}
    seen["copy_predicts"] = mlflow.pyfunc.load_model("models:/forest-copy/1").predict(X[:3]).tolist()
    seen["forest_predicts"] = forest.predict(X[:3]).tolist()
    seen["doubler"] = mlflow.pyfunc.load_model("models:/doubler/1").predict(np.array([[1.0, 2.0]])).tolist()

    client.set_registered_model_alias("forest", "champion", first.version)
    # MLflow 3 keeps log_model's files with the logged model: a version made by hand names it (the docs'
    # runs:/ source of MLflow 2 makes a version that neither server can load)
    second = client.create_model_version(
        "forest", f"models:/{logged.model_id}", run_id=run.info.run_id, model_id=logged.model_id
    )
    client.set_registered_model_alias("forest", "Champion", second.version)
    seen["alias_case"] = {
        "champion": client.get_model_version_by_alias("forest", "champion").version,
        "Champion": client.get_model_version_by_alias("forest", "Champion").version,
        "aliases": dict(sorted(client.get_registered_model("forest").aliases.items())),
    }
    client.delete_registered_model_alias("forest", "Champion")
    seen["aliases_left"] = dict(client.get_registered_model("forest").aliases)

    client.set_registered_model_tag("forest", "task", "regression")
    client.set_model_version_tag("forest", first.version, "validation_status", "approved")
    seen["tags"] = {
        "model": client.get_registered_model("forest").tags,
        "version": client.get_model_version("forest", first.version).tags,
    }
    client.delete_registered_model_tag("forest", "task")
    client.delete_model_version_tag("forest", first.version, "validation_status")
    seen["tags_after_delete"] = {
        "model": client.get_registered_model("forest").tags,
        "version": client.get_model_version("forest", first.version).tags,
    }

    staged = client.transition_model_version_stage("forest", second.version, "Production")
    seen["stage"] = staged.current_stage
    seen["by_stage"] = mlflow.pyfunc.load_model("models:/forest/Production").predict(X[:1]).tolist()
    client.transition_model_version_stage("forest", first.version, "Production", archive_existing_versions=True)
    seen["stages_after_archive"] = {v.version: v.current_stage for v in client.search_model_versions("name = 'forest'")}
    seen["latest_production"] = [v.version for v in client.get_latest_versions("forest", stages=["Production"])]

    client.update_registered_model("forest", description="a small forest")
    client.update_model_version("forest", second.version, description="second try")
    client.rename_registered_model("forest", "forest-renamed")
    renamed = client.get_registered_model("forest-renamed")
    seen["renamed"] = {
        "description": renamed.description,
        "latest": sorted(v.version for v in renamed.latest_versions),
        "version_description": client.get_model_version("forest-renamed", second.version).description,
    }
    seen["like"] = sorted(m.name for m in client.search_registered_models(filter_string="name LIKE 'forest%'"))
    seen["listed"] = [
        (mv.name, mv.version, mv.run_id == run.info.run_id)
        for mv in client.search_model_versions("name='forest-renamed'")
    ]
    for version in (first.version, second.version):
        client.delete_model_version(name="forest-renamed", version=version)
    client.delete_registered_model(name="forest-renamed")
    seen["names_after_delete"] = sorted(
        m.name for m in client.search_registered_models() if m.name.startswith(("forest", "doubler"))
    )
    print(json.dumps(seen))


if __name__ == "__main__":
    {"flow": flow, "errors": errors, "docs": docs}[sys.argv[1]](sys.argv[2])
