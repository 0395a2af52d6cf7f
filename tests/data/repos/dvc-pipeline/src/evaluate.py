"""Score the model on the test set (stage `evaluate`): metrics and plot data for DVC."""

import json
import os
import pickle
import sys

import pandas as pd
from sklearn import metrics

model_path, data_path = sys.argv[1], sys.argv[2]
EVAL = "eval"

with open(model_path, "rb") as fd:
    model = pickle.load(fd)
test = pd.read_csv(data_path)
x, y = test.drop(columns="label"), test["label"]
scores = model.predict_proba(x)[:, 1]
predicted = model.predict(x)

os.makedirs(os.path.join(EVAL, "plots"), exist_ok=True)
with open(os.path.join(EVAL, "metrics.json"), "w") as fd:
    json.dump(
        {
            "accuracy": metrics.accuracy_score(y, predicted),
            "roc_auc": metrics.roc_auc_score(y, scores),
            "avg_prec": metrics.average_precision_score(y, scores),
        },
        fd,
        indent=2,
    )

precision, recall, _ = metrics.precision_recall_curve(y, scores)
with open(os.path.join(EVAL, "plots", "prc.json"), "w") as fd:
    json.dump(
        {"prc": [{"precision": p, "recall": r} for p, r in zip(precision, recall, strict=True)]},
        fd,
        indent=2,
    )
pd.DataFrame({"actual": y, "predicted": predicted}).to_csv(
    os.path.join(EVAL, "plots", "confusion.csv"), index=False
)
