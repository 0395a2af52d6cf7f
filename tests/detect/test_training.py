"""Training detection on scripts: what a script writes decides train.metrics/model/plots."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from mlci.detect.training import detect_training
from mlci.detect.writes import read_source

from .conftest import copy_fixture

Repo = Callable[[dict[str, str]], Path]


def values(root: Path) -> dict[str, object]:
    detection = detect_training(root)
    return {guess.key: guess.value for guess in detection.guesses}


def notes(root: Path) -> dict[str, str]:
    return {note.key: note.text for note in detect_training(root).notes}


SKLEARN = """\
import json
import joblib
import matplotlib.pyplot as plt
import pandas as pd
from sklearn.linear_model import LogisticRegression

data = pd.read_csv("data/train.csv")
model = LogisticRegression().fit(data[["x"]], data["y"])
acc = model.score(data[["x"]], data["y"])
with open("metrics.json", "w") as f:
    json.dump({"accuracy": acc}, f)
joblib.dump(model, "model.joblib")
plt.plot([0, 1], [0, acc])
plt.savefig("plots/curve.png")
"""


def test_a_plain_script_field_by_field(repo: Repo) -> None:
    root = repo({"train.py": SKLEARN, "data/train.csv": "x,y\n1,0\n2,1\n"})
    detection = detect_training(root)
    assert values(root) == {
        "train.command": "python train.py",
        "train.metrics": ["metrics.json"],
        "train.model": "model.joblib",
        "train.plots": "plots",
        "train.data": ["data/train.csv"],
    }
    metrics = detection.get("train.metrics")
    assert metrics is not None
    assert metrics.line() == (
        "train.metrics: metrics.json, written by train.py line 11 (json.dump of a dict of numbers)"
    )
    model = detection.get("train.model")
    assert (
        model is not None and model.evidence == "written by train.py line 12 (joblib.dump of model)"
    )
    assert "train.runner.gpu" not in values(root)  # a CPU scikit-learn project
    assert notes(root)["train.params"] == "no params file is read by train.py; left out"


def test_key_value_text_metrics_like_cml_examples(repo: Repo) -> None:
    script = """\
from sklearn.ensemble import RandomForestRegressor
regr = RandomForestRegressor().fit(X, y)
train_score = regr.score(X, y)
test_score = regr.score(X_test, y_test)
with open("metrics.txt", "w") as outfile:
    outfile.write("Training variance explained: %2.1f%%\\n" % train_score)
    outfile.write(f"Test variance explained: {test_score}\\n")
"""
    root = repo({"train.py": script})
    detection = detect_training(root)
    metrics = detection.get("train.metrics")
    assert metrics is not None and metrics.value == ["metrics.txt"]
    assert metrics.evidence == "written by train.py line 5 (`key: value` lines)"


def test_metrics_by_format_not_by_name(repo: Repo) -> None:
    script = """\
import json, os
model.fit(x, y)
os.makedirs("out", exist_ok=True)
json.dump({"f1": f1, "auc": auc}, open(os.path.join("out", "report.json"), "w"))
json.dump([{"epoch": 1, "loss": 0.3}], open("history.json", "w"))
json.dump({"name": "forest", "version": 2}, open("card.json", "w"))
"""
    root = repo({"train.py": script})
    found = values(root)
    assert found["train.metrics"] == ["out/report.json"]  # a dict of numbers, any name
    assert found.get("train.plots") is None  # history.json sits at the root: noted
    assert "history.json" in notes(root)["train.plots"]


def test_no_model_guessed_when_no_script_writes_one(repo: Repo) -> None:
    # A model.joblib lying in the repository is not evidence: nothing writes it.
    root = repo({"train.py": "model.fit(x, y)\nprint(model.score(x, y))\n", "model.joblib": "x"})
    assert "train.model" not in values(root)
    assert notes(root)["train.model"] == "no model file is written by train.py; left out"
    assert notes(root)["train.metrics"] == "no metrics file is written by train.py; left out"


def test_argparse_default_output_and_gpu_evidence(repo: Repo) -> None:
    script = """\
import argparse
import torch

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=3)
parser.add_argument("--model-out", default="artifacts/model.pt")
args = parser.parse_args()
net = Net()
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
model = net.to(device)
for epoch in range(args.epochs):
    loss.backward()
torch.save(model.state_dict(), args.model_out)
"""
    root = repo({"train.py": script})
    detection = detect_training(root)
    assert values(root)["train.model"] == "artifacts/model.pt"
    gpu = detection.get("train.runner.gpu")
    assert gpu is not None and gpu.value is True
    assert gpu.evidence == "train.py line 9 selects a cuda device"


def test_cuda_call_is_gpu_evidence(repo: Repo) -> None:
    root = repo({"train.py": "import torch\nmodel = Net()\nmodel.cuda()\nmodel.fit()\n"})
    gpu = detect_training(root).get("train.runner.gpu")
    assert gpu is not None and gpu.evidence == "train.py line 3 moves model to cuda"


def test_tensorflow_gpu_query_is_gpu_evidence(repo: Repo) -> None:
    script = (
        'import tensorflow as tf\nprint(tf.config.list_physical_devices("GPU"))\nmodel.fit(x, y)\n'
    )
    gpu = detect_training(repo({"train.py": script})).get("train.runner.gpu")
    assert gpu is not None and gpu.evidence.startswith("train.py line 2 asks for GPUs")


def test_paths_relative_to_the_script_file(repo: Repo) -> None:
    script = """\
import json
from pathlib import Path

HERE = Path(__file__).parent
model.fit(x, y)
(HERE / "metrics.json").write_text(json.dumps({"acc": acc}))
"""
    root = repo({"src/train.py": script})
    assert values(root) == {
        "train.command": "python src/train.py",
        "train.metrics": ["src/metrics.json"],
    }


def test_writes_in_a_local_module_count(repo: Repo) -> None:
    root = repo(
        {
            "train.py": "from helpers import save\nmodel.fit(x, y)\nsave(model, {'acc': 0.9})\n",
            "helpers.py": (
                "import json, pickle\n"
                "def save(model, scores, path='models/clf.pkl'):\n"
                "    with open(path, 'wb') as f:\n"
                "        pickle.dump(model, f)\n"
                "    with open('scores.json', 'w') as f:\n"
                "        json.dump(scores, f)\n"
            ),
        }
    )
    found = values(root)
    assert found["train.model"] == "models/clf.pkl"
    assert found["train.metrics"] == ["scores.json"]


def test_a_script_that_fits_is_found_by_content(repo: Repo) -> None:
    root = repo(
        {
            "utils.py": "def load():\n    return 1\n",
            "pipelines/fit_model.py": (
                "def main():\n    model.fit(x, y)\n\nif __name__ == '__main__':\n    main()\n"
            ),
        }
    )
    assert values(root)["train.command"] == "python pipelines/fit_model.py"


def test_no_training_at_all(repo: Repo) -> None:
    root = repo({"README.md": "# notes\n", "utils.py": "def f():\n    return 1\n"})
    detection = detect_training(root)
    assert detection.guesses == ()
    assert notes(root)["train.command"].startswith("no dvc.yaml, MLproject, training script")


def test_params_file_read_by_the_script(repo: Repo) -> None:
    script = "import yaml\nparams = yaml.safe_load(open('config.yaml'))\nmodel.fit(x, y)\n"
    root = repo({"train.py": script, "config.yaml": "lr: 0.1\n"})
    detection = detect_training(root)
    params = detection.get("train.params")
    assert params is not None and (params.value, params.evidence) == (
        "config.yaml",
        "train.py reads it",
    )


def test_required_arguments_are_noted(repo: Repo) -> None:
    script = (
        "import argparse\np = argparse.ArgumentParser()\np.add_argument('data')\nmodel.fit(x, y)\n"
    )
    root = repo({"train.py": script})
    assert notes(root)["train.command"] == "train.py requires data: add them to train.command"


def test_metrics_only_logged_to_mlflow_name_the_store(repo: Repo) -> None:
    script = "import mlflow\nmodel.fit(x, y)\nmlflow.log_metric('rmse', 0.3)\n"
    root = repo({"train.py": script})
    metrics = detect_training(root).get("train.metrics")
    assert metrics is not None and metrics.value == ["mlflow.db"]
    assert metrics.evidence == (
        "train.py line 3 calls mlflow.log_metric; "
        "MLflow 3.7+ logs to sqlite:///mlflow.db by default"
    )


def test_mlflow_tracking_uri_set_in_the_script(repo: Repo) -> None:
    local = (
        "import mlflow\nmlflow.set_tracking_uri('file:./mlruns')\n"
        "model.fit(x, y)\nmlflow.log_metrics(m)\n"
    )
    assert values(repo({"train.py": local}))["train.metrics"] == ["mlruns"]


def test_mlflow_server_gives_a_note_not_a_guess(repo: Repo) -> None:
    remote = (
        "import mlflow\nmlflow.set_tracking_uri('http://mlflow:5000')\n"
        "model.fit(x, y)\nmlflow.log_metric('a', 1)\n"
    )
    root = repo({"train.py": remote})
    assert "train.metrics" not in values(root)
    assert "tracking.mlflow.uri" in notes(root)["train.metrics"]


def test_dvclive_outputs(repo: Repo) -> None:
    script = (
        "from dvclive import Live\nwith Live() as live:\n"
        "    model.fit(x, y)\n    live.log_metric('acc', 0.9)\n"
    )
    found = values(repo({"train.py": script}))
    assert found["train.metrics"] == ["dvclive/metrics.json"]
    assert found["train.plots"] == "dvclive/plots"


def test_a_computed_path_is_noted(repo: Repo) -> None:
    script = (
        "import torch\nfor epoch in range(3):\n"
        "    model.fit(x)\n    torch.save(model, f'ckpt_{epoch}.pt')\n"
    )
    root = repo({"train.py": script})
    assert "train.model" not in values(root)
    assert notes(root)["train"] == (
        "train.py line 4 writes a file whose name is computed at run time (torch.save of model)"
    )


def test_read_source_ignores_reads_and_unparsable_files(tmp_path: Path) -> None:
    facts = read_source("with open('params.yaml') as f:\n    p = f.read()\n", "t.py", tmp_path)
    assert facts.writes == () and [r.path for r in facts.reads] == ["params.yaml"]
    broken = read_source("def (:\n", "t.py", tmp_path)
    assert broken.error is not None and broken.error.startswith("t.py: does not parse")


def test_fixture_plain_sklearn(tmp_path: Path) -> None:
    """G1's fixture repository, seen by the training detector."""
    root = copy_fixture("plain-sklearn", tmp_path)
    found = values(root)
    assert found["train.command"] == "python train.py"
    assert found["train.metrics"] == ["metrics.json"]
    assert found["train.model"] == "model.joblib"
