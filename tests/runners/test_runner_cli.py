"""`mlci runner check` end to end: fake nvidia-smi on PATH, and this machine for real."""

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.runners.runner_fakes import DRIVER_FAILED, ONE_GPU, TWO_GPUS

from mlci.cli import cli


@pytest.fixture
def actions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """Run in an empty folder, with the Actions output and summary files in it."""
    monkeypatch.chdir(tmp_path)
    files = {"output": tmp_path / "github_output", "summary": tmp_path / "step_summary.md"}
    monkeypatch.setenv("GITHUB_OUTPUT", str(files["output"]))
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(files["summary"]))
    return files


def check(*args: str):
    return CliRunner().invoke(cli, ["runner", "check", "--no-frameworks", *args])


def parse_outputs(path: Path) -> dict[str, str]:
    found = {}
    lines = path.read_text().splitlines()
    for i, line in enumerate(lines):
        if "<<ghadelimiter_" in line:
            name = line.split("<<", 1)[0]
            found[name] = lines[i + 1] if lines[i + 1] != line.split("<<", 1)[1] else ""
    return found


def test_one_gpu_required_and_present(fake_smi, path_with, actions):
    path_with(fake_smi(ONE_GPU))
    result = check("--require-gpu", "--min-gpu-memory", "80")
    assert result.exit_code == 0, result.output
    assert "GPU 0   NVIDIA H200, 150.8 GB (0.5 GB used), 3% busy" in result.output
    assert "GPUs    1 (driver 580.159.03, CUDA 13.0)" in result.output
    assert result.output.rstrip().endswith("GPU requirement: met")
    assert parse_outputs(actions["output"]) == {"gpu-count": "1", "gpu-name": "NVIDIA H200"}
    summary = actions["summary"].read_text()
    assert summary.startswith("### Runner check: GPU requirement met\n")
    assert "| GPU 0 | NVIDIA H200, 150.8 GB (0.5 GB used), 3% busy |" in summary


def test_two_gpus_json(fake_smi, path_with, actions):
    path_with(fake_smi(TWO_GPUS))
    result = check("--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["runner"]["gpu_count"] == 2
    assert [g["name"] for g in data["runner"]["gpu"]["gpus"]] == [
        "Tesla T4",
        "NVIDIA A100-SXM4-40GB",
    ]
    assert data["check"] == {
        "required_gpu": False,
        "min_gpu_memory_gb": None,
        "problems": [],
        "warnings": [],
        "passed": True,
    }
    assert parse_outputs(actions["output"]) == {"gpu-count": "2", "gpu-name": "Tesla T4"}


def test_gpus_too_small_exit_1_naming_them(fake_smi, path_with, actions):
    path_with(fake_smi(TWO_GPUS))
    result = check("--min-gpu-memory", "80")
    assert result.exit_code == 1
    assert result.output.splitlines()[-1].startswith(
        "Error: a GPU with at least 80 GB is required but runner '"
    )
    assert "has only GPU 0 (Tesla T4, 16.1 GB), GPU 1 (NVIDIA A100-SXM4-40GB, 42.9 GB). Fix: " in (
        result.output
    )


def test_failing_driver_exit_1_with_the_driver_message(fake_smi, path_with, actions):
    path_with(fake_smi(DRIVER_FAILED, exit_code=9))
    result = check("--require-gpu")
    assert result.exit_code == 1
    assert (
        "nvidia-smi failed (exit 9): NVIDIA-SMI has failed because it couldn't"
        in (result.output.splitlines()[-1])
    )
    assert parse_outputs(actions["output"]) == {"gpu-count": "0", "gpu-name": ""}
    assert "GPU requirement NOT met" in actions["summary"].read_text()


def test_failing_driver_without_requirement_says_no_gpu_and_passes(fake_smi, path_with, actions):
    path_with(fake_smi(DRIVER_FAILED, exit_code=9))
    result = check()
    assert result.exit_code == 0
    assert "GPUs    no GPU (nvidia-smi failed (exit 9): NVIDIA-SMI has failed" in result.output


def test_require_gpu_comes_from_mlci_yaml(path_with, actions):
    path_with(None)
    Path("mlci.yaml").write_text("train:\n  require_gpu: true\n")
    assert check().exit_code == 1
    assert check("--no-require-gpu").exit_code == 0


def test_this_machine_for_real_has_no_gpu(actions):
    """No fake: the real PATH of this machine, which has no GPU, and the real frameworks."""
    if shutil.which("nvidia-smi"):
        pytest.skip("this machine has nvidia-smi: the no-GPU path is covered by the fakes")
    result = CliRunner().invoke(cli, ["runner", "check", "--require-gpu"])
    assert result.exit_code == 1
    last = result.output.splitlines()[-1]
    assert re.fullmatch(
        r"Error: a GPU is required but runner '[^']+' has none: nvidia-smi is not on PATH: "
        r"no NVIDIA driver installed\. Fix: run the job on a runner with a suitable GPU: set "
        r"train\.runner in mlci\.yaml to its labels \(see `mlci runners status`\)",
        last,
    ), last
    # The label column is as wide as its longest label ("Frameworks" when none is installed).
    assert re.search(r"^GPUs +no GPU \(nvidia-smi is not on PATH", result.output, re.M)
    try:
        import torch
    except ImportError:
        return
    if not torch.cuda.is_available():
        assert re.search(rf"^torch +{re.escape(torch.__version__)}", result.output, re.M)
        assert "torch 2" not in last  # no GPU at all: the framework is not blamed
