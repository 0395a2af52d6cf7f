"""Split the raw data into a train and a test set (stage `prepare` of dvc.yaml)."""

import csv
import os
import random

import yaml

with open("params.yaml") as fd:
    params = yaml.safe_load(fd)["prepare"]
with open("data/raw.csv", newline="") as fd:
    header, *rows = list(csv.reader(fd))
random.Random(params["seed"]).shuffle(rows)
cut = int(len(rows) * params["split"])
os.makedirs(os.path.join("data", "prepared"), exist_ok=True)
for name, part in (("test.csv", rows[:cut]), ("train.csv", rows[cut:])):
    with open(os.path.join("data", "prepared", name), "w", newline="") as fd:
        csv.writer(fd).writerows([header, *part])
