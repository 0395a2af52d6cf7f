"""Fit a decision tree on train.csv and score it on the held-out test.csv."""

import json

import joblib
import pandas as pd
from sklearn.metrics import accuracy_score, f1_score
from sklearn.tree import DecisionTreeClassifier

MAX_DEPTH = 3


def main() -> None:
    train = pd.read_csv("train.csv")
    test = pd.read_csv("test.csv")
    features = [column for column in train.columns if column != "label"]
    model = DecisionTreeClassifier(max_depth=MAX_DEPTH, random_state=0)
    model.fit(train[features], train["label"])
    predicted = model.predict(test[features])
    metrics = {
        "accuracy": float(accuracy_score(test["label"], predicted)),
        "f1": float(f1_score(test["label"], predicted)),
    }
    with open("metrics.json", "w") as stream:
        json.dump(metrics, stream, indent=2)
    joblib.dump(model, "model.joblib")
    print(metrics)


if __name__ == "__main__":
    main()
