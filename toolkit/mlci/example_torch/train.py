"""Train a small PyTorch classifier on CUDA when there is a GPU, else on the CPU.

Reads params.yaml; generates its data with scikit-learn's make_classification (no
download); writes metrics.json, plots/ (ROC and PR curves, confusion matrix) and
model.pt: the same metric and plot files as the scikit-learn example, so the same
gates and reports apply. Seeded, so the same params give the same numbers on the
same device.

    python train.py
"""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path

import numpy as np
import torch
import yaml
from sklearn.datasets import make_classification
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
from torch import nn


def pick_device(wanted: str = "auto") -> torch.device:
    if wanted == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if wanted == "cuda" and not torch.cuda.is_available():
        raise SystemExit("params.yaml: train.device is cuda but no CUDA GPU is usable here")
    return torch.device(wanted)


def make_data(spec: dict) -> tuple[np.ndarray, ...]:
    features, labels = make_classification(
        n_samples=int(spec.get("samples", 6000)),
        n_features=int(spec.get("features", 20)),
        n_informative=int(spec.get("informative", 8)),
        class_sep=float(spec.get("class_sep", 0.8)),
        flip_y=float(spec.get("flip_y", 0.03)),
        random_state=int(spec.get("seed", 42)),
    )
    train_x, test_x, train_y, test_y = train_test_split(
        features,
        labels,
        test_size=float(spec.get("test_size", 0.25)),
        random_state=int(spec.get("seed", 42)),
        stratify=labels,
    )
    # Standardise with the training split's statistics only: no test leakage.
    mean, std = train_x.mean(axis=0), train_x.std(axis=0) + 1e-8
    return (train_x - mean) / std, (test_x - mean) / std, train_y, test_y


def build_model(inputs: int, spec: dict) -> nn.Sequential:
    layers: list[nn.Module] = []
    width = inputs
    for hidden in spec.get("hidden", [64, 32]):
        layers += [
            nn.Linear(width, int(hidden)),
            nn.ReLU(),
            nn.Dropout(float(spec.get("dropout", 0.1))),
        ]
        width = int(hidden)
    layers.append(nn.Linear(width, 1))  # one logit: the score of class 1
    return nn.Sequential(*layers)


def fit(
    model: nn.Module, x: np.ndarray, y: np.ndarray, spec: dict, device: torch.device, seed: int
) -> nn.Module:
    generator = torch.Generator().manual_seed(seed)
    features = torch.tensor(x, dtype=torch.float32, device=device)
    labels = torch.tensor(y, dtype=torch.float32, device=device)
    optimiser = torch.optim.AdamW(
        model.parameters(),
        lr=float(spec.get("learning_rate", 0.003)),
        weight_decay=float(spec.get("weight_decay", 1e-4)),
    )
    loss_fn = nn.BCEWithLogitsLoss()
    batch = int(spec.get("batch_size", 256))
    model.to(device).train()
    for _ in range(int(spec.get("epochs", 25))):
        order = torch.randperm(len(features), generator=generator).to(device)
        for start in range(0, len(order), batch):
            rows = order[start : start + batch]
            optimiser.zero_grad(set_to_none=True)
            loss = loss_fn(model(features[rows]).squeeze(1), labels[rows])
            loss.backward()
            optimiser.step()
    return model


def predict(model: nn.Module, x: np.ndarray, device: torch.device) -> np.ndarray:
    model.eval()
    with torch.no_grad():
        logits = model(torch.tensor(x, dtype=torch.float32, device=device)).squeeze(1)
    return torch.sigmoid(logits).double().cpu().numpy()


def thin(rows: list[tuple[float, ...]], points: int = 101) -> list[tuple[float, ...]]:
    """Keep curves small enough to commit and to chart in a PR comment."""
    if len(rows) <= points:
        return rows
    keep = np.unique(np.linspace(0, len(rows) - 1, points).round().astype(int))
    return [rows[i] for i in keep]


def write_csv(path: Path, header: list[str], rows: list[tuple[float, ...]]) -> None:
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows([round(float(v), 6) for v in row] for row in thin(rows))


def main() -> None:
    params = yaml.safe_load(Path("params.yaml").read_text())
    data_spec, model_spec, train_spec = params["data"], params["model"], params["train"]
    seed = int(data_spec.get("seed", 42))
    torch.manual_seed(seed)
    device = pick_device(str(train_spec.get("device", "auto")))

    train_x, test_x, train_y, test_y = make_data(data_spec)
    started = time.perf_counter()
    model = fit(
        build_model(train_x.shape[1], model_spec), train_x, train_y, train_spec, device, seed
    )
    seconds = time.perf_counter() - started

    scores = predict(model, test_x, device)
    predicted = (scores >= 0.5).astype(int)
    metrics = {
        "accuracy": accuracy_score(test_y, predicted),
        "precision": precision_score(test_y, predicted, zero_division=0),
        "recall": recall_score(test_y, predicted, zero_division=0),
        "f1": f1_score(test_y, predicted, zero_division=0),
        "roc_auc": roc_auc_score(test_y, scores),
        "log_loss": log_loss(test_y, np.clip(scores, 1e-7, 1 - 1e-7)),
    }
    metrics = {name: round(float(value), 6) for name, value in metrics.items()}
    Path("metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")

    plots = Path("plots")
    plots.mkdir(exist_ok=True)
    fpr, tpr, thresholds = roc_curve(test_y, scores)
    write_csv(
        plots / "roc.csv",
        ["fpr", "tpr", "threshold"],
        list(zip(fpr, tpr, np.minimum(thresholds, 1.0), strict=True)),
    )
    precision, recall, _ = precision_recall_curve(test_y, scores)
    write_csv(plots / "pr.csv", ["recall", "precision"], list(zip(recall, precision, strict=True)))
    matrix = confusion_matrix(test_y, predicted, labels=[0, 1])
    (plots / "confusion_matrix.json").write_text(
        json.dumps({"labels": ["negative", "positive"], "matrix": matrix.tolist()}, indent=2) + "\n"
    )
    torch.save({"state_dict": model.cpu().state_dict(), "params": params}, "model.pt")
    print(json.dumps({"device": str(device), "train_seconds": round(seconds, 3), **metrics}))


if __name__ == "__main__":
    main()
