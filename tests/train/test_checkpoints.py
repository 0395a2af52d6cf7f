"""Resumable training (`mlci.train.checkpoints`): a training command killed midway is
rerun and starts from its last checkpoint, from the runner cache or from a downloaded
artifact of the failed attempt; the record says it resumed."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mlci.config import parse_config
from mlci.errors import InputError
from mlci.gitutil import init_repository
from mlci.gitutil import run_git as git
from mlci.train import run_training
from mlci.train.cache import RunnerCache
from mlci.train.checkpoints import MARKER, checkpoint_key, latest_checkpoint

# One checkpoint file per step; the first attempt kills itself (SIGKILL) after step 3.
# Each attempt logs the steps it ran, so a test can see where a rerun started.
TRAIN = """
import json, os, signal, sys
folder = os.environ["MLCI_CHECKPOINT_DIR"]
resume = os.environ.get("MLCI_RESUME_FROM")
start = int(open(resume).read()) if resume else 0
os.makedirs(folder, exist_ok=True)
ran = []
for step in range(start + 1, 6):
    path = os.path.join(folder, f"step-{step}")
    open(path, "w").write(str(step))
    ran.append(step)
    with open(sys.argv[1], "a") as log:
        log.write(f"{step}\\n")
    if step == 3 and not resume and os.environ.get("KILL_AT_3") == "1":
        os.kill(os.getpid(), signal.SIGKILL)
json.dump({"acc": 0.9, "started_at": start}, open("metrics.json", "w"))
open("model.bin", "w").write("m")
"""


def _config(cache_dir: Path, log: Path) -> str:
    return (
        "train:\n"
        f"  command: python train.py {log}\n"
        "  metrics: metrics.json\n"
        "  model: model.bin\n"
        "  checkpoints: ckpt\n"
        f"  cache: {{dir: {cache_dir}}}\n"
    )


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    init_repository(root)
    (root / "train.py").write_text(TRAIN)
    (root / "params.yaml").write_text("lr: 0.1\n")
    (root / ".gitignore").write_text(".mlci/\nckpt/\nmetrics.json\nmodel.bin\n")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    return root


def _steps(log: Path) -> list[int]:
    return [int(line) for line in log.read_text().split()] if log.exists() else []


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, **extra}


def test_killed_training_resumes_from_its_checkpoint(project: Path, tmp_path: Path) -> None:
    cache_dir, log = tmp_path / "cache", tmp_path / "steps.log"
    config = parse_config(_config(cache_dir, log))

    first = run_training(config, project, env=_env(KILL_AT_3="1"))
    assert first.status == "failed"
    # The shell that runs the command reports the SIGKILL as 128 + 9.
    assert first.errors[0] == f"`python train.py {log}` exited with code 137"
    assert first.resumed is None
    assert _steps(log) == [1, 2, 3]
    entries = RunnerCache(cache_dir).entries()
    assert [e.key[:5] for e in entries] == ["ckpt-"]
    assert entries[0].meta == {"attempt": 1}

    # The rerun lands on a fresh checkout: the checkpoints folder is gone.
    shutil.rmtree(project / "ckpt")
    log.write_text("")
    second = run_training(config, project, env=_env(KILL_AT_3="1"))
    assert second.status == "succeeded", second.errors
    assert _steps(log) == [4, 5]  # started after step 3, did not train 1-3 again
    assert second.metrics["metrics.json"]["started_at"] == 3
    assert second.resumed == {"from": "ckpt/step-3", "attempt": 2, "source": "cache"}
    saved = json.loads((project / ".mlci" / "runs" / f"{second.id}.json").read_text())
    assert saved["resumed"]["from"] == "ckpt/step-3"
    # A finished training drops its checkpoint entry: a later rerun trains from scratch.
    assert RunnerCache(cache_dir).entries() == []


def test_other_params_do_not_resume(project: Path, tmp_path: Path) -> None:
    cache_dir, log = tmp_path / "cache", tmp_path / "steps.log"
    config = parse_config(_config(cache_dir, log))
    run_training(config, project, env=_env(KILL_AT_3="1"))
    (project / "params.yaml").write_text("lr: 0.2\n")
    shutil.rmtree(project / "ckpt")
    log.write_text("")
    record = run_training(config, project, env=_env())
    assert record.status == "succeeded" and record.resumed is None
    assert _steps(log) == [1, 2, 3, 4, 5]


def test_resume_from_a_downloaded_artifact(project: Path, tmp_path: Path) -> None:
    log = tmp_path / "steps.log"
    config = parse_config(_config(tmp_path / "cache-runner-1", log))
    run_training(config, project, env=_env(KILL_AT_3="1"))
    # The workflow uploaded the folder as an artifact; the rerun runs on another runner
    # (an empty cache) and downloads it.
    artifact = tmp_path / "artifact"
    shutil.copytree(project / "ckpt", artifact)
    assert json.loads((artifact / MARKER).read_text())["attempt"] == 1
    shutil.rmtree(project / "ckpt")
    log.write_text("")
    fresh = parse_config(_config(tmp_path / "cache-runner-2", log))
    record = run_training(fresh, project, env=_env(), resume_from=artifact)
    assert record.status == "succeeded", record.errors
    assert record.resumed == {"from": "ckpt/step-3", "attempt": 2, "source": "artifact"}
    assert _steps(log) == [4, 5]


def test_artifact_of_another_commit_is_refused(project: Path, tmp_path: Path) -> None:
    artifact = tmp_path / "artifact"
    artifact.mkdir()
    (artifact / "step-2").write_text("2")
    other = checkpoint_key("0" * 40, None)
    (artifact / MARKER).write_text(json.dumps({"key": other, "commit": "0" * 40, "attempt": 1}))
    config = parse_config(_config(tmp_path / "cache", tmp_path / "log"))
    with pytest.raises(InputError, match=r"--resume-from .*: checkpoints of another run"):
        run_training(config, project, env=_env(), resume_from=artifact)


def test_latest_checkpoint_is_the_newest_in_natural_order(tmp_path: Path) -> None:
    for name in ("step-9", "step-10", ".hidden"):
        (tmp_path / name).write_text(name)
        os.utime(tmp_path / name, ns=(10**18, 10**18))  # same time: names decide
    assert latest_checkpoint(tmp_path) == tmp_path / "step-10"
    assert latest_checkpoint(tmp_path / "missing") is None


SLOW_TRAIN = """
import os, sys, time
folder = os.environ["MLCI_CHECKPOINT_DIR"]
os.makedirs(folder, exist_ok=True)
open(os.path.join(folder, "step-1"), "w").write("1")
open(sys.argv[1], "w").write("ready")
time.sleep(120)
"""


def test_sigterm_to_mlci_still_saves_the_checkpoints(project: Path, tmp_path: Path) -> None:
    """A cancelled job: the runner sends SIGTERM to mlci, which stops the training and
    saves the checkpoints and the record on its way out."""
    cache_dir, ready = tmp_path / "cache", tmp_path / "ready"
    (project / "slow.py").write_text(SLOW_TRAIN)
    (project / "mlci.yaml").write_text(
        _config(cache_dir, ready).replace("python train.py", "python slow.py")
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "mlci", "train"],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not ready.exists():  # waits for the training to write its checkpoint
        assert process.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 2, output
    assert "mlci train was stopped (SIGTERM or interrupt)" in output
    entries = RunnerCache(cache_dir).entries()
    assert len(entries) == 1
    assert (entries[0].folder / "files" / "ckpt" / "step-1").read_text() == "1"
