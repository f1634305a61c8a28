"""Step 1: make a data set (y = 3x + 1 + noise) and log it as the artifact data/data.csv."""

import argparse
import csv
import os
import random
import tempfile

import autolog

parser = argparse.ArgumentParser()
parser.add_argument("--rows", type=float, default=200)
parser.add_argument("--seed", type=float, default=0)
args = parser.parse_args()

rng = random.Random(int(args.seed))
path = os.path.join(tempfile.mkdtemp(), "data.csv")
with open(path, "w", newline="") as fh:
    writer = csv.writer(fh)
    writer.writerow(["x", "y"])
    for _ in range(int(args.rows)):
        x = rng.uniform(-1, 1)
        writer.writerow([x, 3 * x + 1 + rng.gauss(0, 0.1)])
autolog.log_artifact(path, "data")  # logs into the step's run (handed over by autolog run)
autolog.log_metric("rows", int(args.rows))
