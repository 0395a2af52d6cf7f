"""Fit an ElasticNet on the wine data and log the run to MLflow (the MLproject's main entry)."""

import argparse

import mlflow
import numpy as np
import pandas as pd
from sklearn.linear_model import ElasticNet
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score
from sklearn.model_selection import train_test_split


def scores(actual, predicted):
    rmse = float(np.sqrt(mean_squared_error(actual, predicted)))
    return rmse, mean_absolute_error(actual, predicted), r2_score(actual, predicted)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--alpha", type=float, default=0.5)
    parser.add_argument("--l1-ratio", type=float, default=0.5)
    args = parser.parse_args()

    data = pd.read_csv("wine-quality.csv")
    train, test = train_test_split(data, test_size=0.25, random_state=40)
    train_x, test_x = train.drop(columns="quality"), test.drop(columns="quality")

    with mlflow.start_run():
        model = ElasticNet(alpha=args.alpha, l1_ratio=args.l1_ratio, random_state=42)
        model.fit(train_x, train["quality"])
        rmse, mae, r2 = scores(test["quality"], model.predict(test_x))
        print(f"ElasticNet(alpha={args.alpha}, l1_ratio={args.l1_ratio}): rmse {rmse:.4f}")

        mlflow.log_param("alpha", args.alpha)
        mlflow.log_param("l1_ratio", args.l1_ratio)
        mlflow.log_metric("rmse", rmse)
        mlflow.log_metric("mae", mae)
        mlflow.log_metric("r2", r2)
