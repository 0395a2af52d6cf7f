"""The example's own tests: what `build.test` runs in its CI workflow."""

import pandas as pd

from train import CATEGORICAL, NUMERIC, build_model


def test_model_learns_better_than_chance():
    frame = pd.read_csv("data/reference.csv").head(1500)
    model = build_model({"type": "logistic_regression"}, seed=0)
    model.fit(frame[NUMERIC + CATEGORICAL], frame["churned"])
    assert model.score(frame[NUMERIC + CATEGORICAL], frame["churned"]) > 0.6


def test_model_handles_missing_support_calls():
    frame = pd.read_csv("data/current.csv").head(500)
    assert frame["support_calls"].isna().any()
    model = build_model({"type": "random_forest", "n_estimators": 10}, seed=0)
    model.fit(frame[NUMERIC + CATEGORICAL], frame["churned"])
