"""Step 3: the model's RMSE on the data."""

import argparse
import csv
import json
import math

import autolog

parser = argparse.ArgumentParser()
parser.add_argument("--data", required=True)
parser.add_argument("--model", required=True)
args = parser.parse_args()

with open(args.model) as fh:
    model = json.load(fh)
with open(args.data) as fh:
    rows = [(float(r["x"]), float(r["y"])) for r in csv.DictReader(fh)]
rmse = math.sqrt(sum((model["a"] * x + model["b"] - y) ** 2 for x, y in rows) / len(rows))
autolog.log_metric("rmse", rmse)
print("rmse", rmse)
