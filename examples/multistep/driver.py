"""The driver: runs prepare, train and evaluate as steps of this run, each one's artifact the
next one's input. Steps run in this project's environment (env_manager="local")."""

import argparse
import os

import autolog
import autolog.projects

parser = argparse.ArgumentParser()
parser.add_argument("--alpha", type=float, default=0.1)
parser.add_argument("--rows", type=float, default=200)
args = parser.parse_args()

here = os.path.dirname(os.path.abspath(__file__))
client = autolog.TrackingClient()


def step(entry_point, **parameters):
    submitted = autolog.projects.run(here, entry_point=entry_point, parameters=parameters, env_manager="local")
    return client.get_run(submitted.run_id).info.artifact_uri


data = step("prepare", rows=args.rows) + "/data/data.csv"
model = step("train", data=data, alpha=args.alpha) + "/model/model.json"
step("evaluate", data=data, model=model)
print("steps done")
