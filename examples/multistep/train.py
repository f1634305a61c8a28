"""Step 2: fit y = a*x + b with ridge penalty alpha on a; log the model as model/model.json."""

import argparse
import csv
import json

import autolog

parser = argparse.ArgumentParser()
parser.add_argument("--data", required=True)
parser.add_argument("--alpha", type=float, default=0.1)
args = parser.parse_args()

with open(args.data) as fh:
    rows = [(float(r["x"]), float(r["y"])) for r in csv.DictReader(fh)]
n = len(rows)
mean_x = sum(x for x, _ in rows) / n
mean_y = sum(y for _, y in rows) / n
sxy = sum((x - mean_x) * (y - mean_y) for x, y in rows)
sxx = sum((x - mean_x) ** 2 for x, _ in rows)
a = sxy / (sxx + args.alpha)
b = mean_y - a * mean_x
autolog.log_dict({"a": a, "b": b}, "model/model.json")
autolog.log_metrics({"a": a, "b": b})
print(json.dumps({"a": a, "b": b}))
