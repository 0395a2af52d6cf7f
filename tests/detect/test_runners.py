"""train.runner: self-hosted GPU labels only when the project needs a GPU."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from mlci.detect.evidence import Guess
from mlci.detect.files import project_files
from mlci.detect.installs import detect_installs
from mlci.detect.runners import GPU_LABELS, detect_runner

Repo = Callable[[dict[str, str]], Path]


def runner(
    root: Path, training: Guess | None = None, gpu: bool = False
) -> tuple[object, str, list[str]]:
    files = project_files(root)
    deps = detect_installs(root, files).dependencies
    detection = detect_runner(root, files, deps, training, gpu=gpu)
    guess = detection.get("train.runner")
    assert guess is not None
    return guess.value, guess.evidence, [n.line() for n in detection.notes]


SWITCH = (
    "train.runner: to train on a GPU, set train.runner: [self-hosted, linux, x64, gpu] (or rerun "
    "`mlci init --gpu` on a repository without mlci.yaml), then `mlci generate`"
)


def test_scikit_learn_trains_on_github_hosted_runners_with_a_note(repo: Repo) -> None:
    root = repo({"requirements.txt": "scikit-learn\n", "train.py": "print('fit')\n"})
    value, evidence, notes = runner(root)
    assert value == ["ubuntu-latest"]
    assert evidence == (
        "no GPU framework (torch, jax, tensorflow) among the dependencies: GitHub-hosted runners"
    )
    assert notes == [SWITCH]


def test_torch_without_cuda_use_stays_on_cpu(repo: Repo) -> None:
    root = repo({"requirements.txt": "torch\n", "train.py": "import torch\nx = torch.ones(2)\n"})
    value, evidence, notes = runner(root)
    assert value == ["ubuntu-latest"]
    assert evidence.startswith("torch is a dependency but no code uses CUDA or a GPU device")
    assert notes == [SWITCH]


def test_torch_with_cuda_use_gets_the_gpu_labels(repo: Repo) -> None:
    root = repo(
        {
            "requirements.txt": "torch\n",
            "train.py": "import torch\n# model.cuda() in a comment does not count\n"
            "device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')\n",
        }
    )
    value, evidence, notes = runner(root)
    assert value == GPU_LABELS
    assert evidence == "torch is a dependency and train.py line 3 uses a GPU"
    assert notes == []


def test_the_training_detectors_gpu_evidence_and_the_flag(repo: Repo) -> None:
    root = repo({"requirements.txt": "scikit-learn\n"})
    value, evidence, _ = runner(
        root, Guess("train.runner.gpu", True, "train.py line 12 moves the model to cuda")
    )
    assert (value, evidence) == (GPU_LABELS, "train.py line 12 moves the model to cuda")
    value, evidence, _ = runner(root, gpu=True)
    assert (value, evidence) == (GPU_LABELS, "asked for with --gpu")
