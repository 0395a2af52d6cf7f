"""Train the example churn model and write its metrics, plot data and model file.

Reads params.yaml; writes metrics.json, plots/ (ROC and PR curves, confusion matrix,
feature importance), predictions.csv (the held-out rows with their scores) and
model.joblib. Seeded, so the same params and data give the same numbers.

    python train.py
"""

from __future__ import annotations

import json
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import yaml
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    log_loss,
    precision_recall_curve,
    precision_score,
    recall_score,
    roc_auc_score,
    roc_curve,
)
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

NUMERIC = ["tenure_months", "monthly_charges", "total_charges", "support_calls", "age"]
CATEGORICAL = ["contract", "payment_method", "region"]
# gender is kept out of the features on purpose; it is used to check fairness.


def build_model(spec: dict, seed: int) -> Pipeline:
    kind = spec.get("type", "random_forest")
    if kind == "random_forest":
        estimator = RandomForestClassifier(
            n_estimators=int(spec.get("n_estimators", 100)),
            max_depth=spec.get("max_depth"),
            random_state=seed,
            n_jobs=1,
        )
    elif kind == "logistic_regression":
        estimator = LogisticRegression(C=float(spec.get("C", 1.0)), max_iter=1000)
    elif kind == "gradient_boosting":
        estimator = HistGradientBoostingClassifier(
            max_depth=spec.get("max_depth"), random_state=seed
        )
    else:
        raise SystemExit(f"params.yaml: model.type: unknown model type {kind!r}")
    features = ColumnTransformer(
        [
            (
                "numeric",
                Pipeline(
                    [("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())]
                ),
                NUMERIC,
            ),
            ("categorical", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL),
        ]
    )
    return Pipeline([("features", features), ("model", estimator)])


def thin(frame: pd.DataFrame, points: int = 101) -> pd.DataFrame:
    """Keep curves small enough to commit and to chart in a PR comment."""
    if len(frame) <= points:
        return frame
    index = np.unique(np.linspace(0, len(frame) - 1, points).round().astype(int))
    return frame.iloc[index]


def main() -> None:
    params = yaml.safe_load(Path("params.yaml").read_text())
    data_params, model_params = params["data"], params["model"]
    seed = int(data_params.get("seed", 42))
    frame = pd.read_csv(data_params["train"])
    target = data_params.get("target", "churned")
    train, test = train_test_split(
        frame,
        test_size=float(data_params.get("test_size", 0.25)),
        random_state=seed,
        stratify=frame[target],
    )
    model = build_model(model_params, seed)
    model.fit(train[NUMERIC + CATEGORICAL], train[target])

    scores = model.predict_proba(test[NUMERIC + CATEGORICAL])[:, 1]
    predicted = (scores >= 0.5).astype(int)
    truth = test[target].to_numpy()
    metrics = {
        "accuracy": accuracy_score(truth, predicted),
        "precision": precision_score(truth, predicted, zero_division=0),
        "recall": recall_score(truth, predicted, zero_division=0),
        "f1": f1_score(truth, predicted, zero_division=0),
        "roc_auc": roc_auc_score(truth, scores),
        "log_loss": log_loss(truth, scores),
    }
    metrics = {name: round(float(value), 6) for name, value in metrics.items()}
    Path("metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")

    plots = Path("plots")
    plots.mkdir(exist_ok=True)
    fpr, tpr, thresholds = roc_curve(truth, scores)
    roc = pd.DataFrame({"fpr": fpr, "tpr": tpr, "threshold": np.minimum(thresholds, 1.0)})
    thin(roc).round(6).to_csv(plots / "roc.csv", index=False)
    precision, recall, _ = precision_recall_curve(truth, scores)
    pr = pd.DataFrame({"recall": recall, "precision": precision})
    thin(pr).round(6).to_csv(plots / "pr.csv", index=False)
    matrix = confusion_matrix(truth, predicted, labels=[0, 1])
    (plots / "confusion_matrix.json").write_text(
        json.dumps({"labels": ["stayed", "churned"], "matrix": matrix.tolist()}, indent=2) + "\n"
    )
    estimator = model.named_steps["model"]
    names = model.named_steps["features"].get_feature_names_out()
    if hasattr(estimator, "feature_importances_"):
        importance = estimator.feature_importances_
    elif hasattr(estimator, "coef_"):
        importance = np.abs(estimator.coef_[0])
    else:
        importance = None
    if importance is not None:
        table = pd.DataFrame({"feature": names, "importance": importance})
        table = table.sort_values("importance", ascending=False).round(6)
        table.to_csv(plots / "feature_importance.csv", index=False)

    test_out = test[["customer_id", "gender", target]].copy()
    test_out["prediction"] = predicted
    test_out["score"] = scores.round(6)
    test_out.to_csv("predictions.csv", index=False)
    joblib.dump(model, "model.joblib")
    print(json.dumps(metrics))


if __name__ == "__main__":
    main()
