"""Fit a random forest on the prepared train set (stage `train` of dvc.yaml)."""

import pickle
import sys

import pandas as pd
import yaml
from sklearn.ensemble import RandomForestClassifier


def main(data_path: str, model_path: str) -> None:
    with open("params.yaml") as fd:
        params = yaml.safe_load(fd)["train"]
    data = pd.read_csv(data_path)
    model = RandomForestClassifier(
        n_estimators=params["n_estimators"],
        min_samples_split=params["min_split"],
        random_state=params["seed"],
    )
    model.fit(data.drop(columns="label"), data["label"])
    with open(model_path, "wb") as fd:
        pickle.dump(model, fd)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
