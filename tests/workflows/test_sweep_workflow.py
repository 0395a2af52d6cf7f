"""mlci-train.yml with `train.sweep`: a job lists the candidates, a matrix trains each one
on the GPU runners, and a GitHub-hosted, read-only job reports them all.

The trust rules of test_trust_model.py hold for every job of it: GPU labels on the
matrix job only, fork code only for the labelled SHA, read-only tokens, no secrets, no
`${{ }}` inside a script; and the files pass actionlint, zizmor and the schema.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.workflows import test_trust_model as trust
from tests.workflows.configs import FORKS_NEVER, MATRIX, MINIMAL, PINNED
from tests.workflows.conftest import render_into, require_tool

from mlci.config import parse_config
from mlci.workflows import render_files

EXAMPLE = MATRIX["example"]
GRID = "  sweep: {model.max_depth: [3, 5, 8]}\n  select: {metric: roc_auc}\n  max_parallel: 2\n"
GATES = "validate:\n  gates:\n    roc_auc: {min: 0.5}\n"

SWEEPS = {
    # Data checks, a drift check, GPU labels, forks trained once labelled.
    "example": EXAMPLE.replace("  timeout_minutes: 30\n", "  timeout_minutes: 30\n" + GRID),
    # A list of parameter sets; the default max_parallel.
    "minimal-list": MINIMAL
    + "train:\n  sweep: [{model.max_depth: 4}, {model.max_depth: 8, model.n_estimators: 50}]\n"
    + "  select: {metric: roc_auc}\n"
    + GATES,
    "forks-never": FORKS_NEVER
    + "train:\n  sweep: {model.max_depth: [4, 8]}\n  select: {metric: roc_auc}\n"
    + GATES,
    "pinned": PINNED
    + "train:\n  sweep: {lr: [0.1, 0.01]}\n  select: {metric: loss}\n  max_parallel: 1\n"
    + "validate:\n  gates:\n    loss: {max: 2}\n",
}
assert "sweep:" in SWEEPS["example"]

GPU_JOB = "train"
SWEEP_JOBS = {"candidates", GPU_JOB, "collect"}


def train_workflow(text: str) -> dict[Any, Any]:
    return trust.workflows(text)["mlci-train.yml"]


def steps_by_name(job: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {step["name"]: step for step in job["steps"]}


@pytest.fixture
def with_status_functions(monkeypatch: pytest.MonkeyPatch) -> None:
    """The trust model's evaluator, plus `cancelled()` (false: the run goes on)."""
    known = trust._call

    def call(name: str, args: list[Any]) -> Any:
        if name == "cancelled":
            return False
        return known(name, args)

    monkeypatch.setattr(trust, "_call", call)


def condition(job: dict[str, Any], github: dict[str, Any], needs: dict[str, str]) -> bool:
    context = {
        "github": github,
        "inputs": {},
        "needs": {k: {"result": v} for k, v in needs.items()},
    }
    return trust._truthy(trust.evaluate(str(job.get("if", "true")), context))


ALL_PASSED = {"candidates": "success", "train": "success", "data-check": "success"}


# --- shape -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(SWEEPS))
def test_a_sweep_lists_trains_each_candidate_and_collects(name: str) -> None:
    config = parse_config(SWEEPS[name])
    jobs = train_workflow(SWEEPS[name])["jobs"]
    assert set(jobs) >= SWEEP_JOBS

    listing = jobs["candidates"]
    assert listing["runs-on"] == "ubuntu-latest"
    assert listing["permissions"] == {"contents": "read"}
    assert listing["outputs"] == {"candidates": "${{ steps.list.outputs.candidates }}"}
    step = steps_by_name(listing)["list the candidates"]
    assert step["id"] == "list"
    assert 'listed="$(mlci sweep --list --json)"' in step["run"]
    # The project's install command (its code) never runs there.
    assert "install the project" not in steps_by_name(listing)

    train = jobs[GPU_JOB]
    assert trust.labels_of(train) == list(config.train.runner)
    assert train["strategy"] == {
        "fail-fast": False,
        "max-parallel": config.train.max_parallel,
        "matrix": {"candidate": "${{ fromJSON(needs.candidates.outputs.candidates) }}"},
    }
    assert "candidates" in train["needs"]
    # A job-level concurrency group without the candidate would cancel pending siblings.
    assert train["concurrency"]["group"].endswith("-${{ matrix.candidate.id }}")
    assert train["concurrency"]["cancel-in-progress"] is False
    steps = steps_by_name(train)
    trained = steps["train the candidate"]
    assert trained["env"]["CANDIDATE"] == "${{ matrix.candidate.id }}"
    assert 'args=(--candidate "$CANDIDATE" --candidates-dir mlci-candidates)' in trained["run"]
    assert 'mlci train "${args[@]}"' in trained["run"]
    upload = steps["upload the candidate's record"]
    assert upload["with"]["name"] == "candidate-${{ matrix.candidate.id }}"
    assert upload["with"]["path"] == "mlci-candidates"
    assert upload["if"] == "always() && steps.train.outputs.run-record != ''"
    # A candidate job neither validates nor reports: the collecting job does, once.
    assert not any("/actions/validate@" in s.get("uses", "") for s in train["steps"])
    assert not any("/actions/report@" in s.get("uses", "") for s in train["steps"])
    assert not any(s.get("with", {}).get("name") == "mlci-report" for s in train["steps"])
    # The candidate's model comes from the copy it trained in.
    model = steps["upload the candidate's model"]["with"]
    assert model["include-hidden-files"] is True
    for path in model["path"].splitlines():
        assert path.startswith(".mlci/sweep/${{ matrix.candidate.id }}/"), path

    collect = jobs["collect"]
    assert collect["runs-on"] == "ubuntu-latest"
    assert collect["permissions"] == {"contents": "read"}
    assert {"candidates", GPU_JOB} <= set(collect["needs"])
    assert collect["if"].startswith("!cancelled()")
    steps = steps_by_name(collect)
    assert "install the project" not in steps
    download = steps["download the candidates' records"]
    assert download["with"] == {
        "pattern": "candidate-*",
        "path": "mlci-candidates",
        "merge-multiple": True,
    }
    report = steps["report"]
    assert "args=(--candidates mlci-candidates --out mlci-report" in report["run"]
    assert 'mlci report "${args[@]}"' in report["run"]
    note = steps["note the pull request and the outcome"]
    assert note["env"]["OUTCOME"] == "${{ steps.report.outcome }}"
    for file in ("pr-number", "head-sha", "outcome", "report.md"):
        assert f"mlci-report/{file}" in note["run"]
    (posted,) = [s for s in collect["steps"] if s.get("with", {}).get("name") == "mlci-report"]
    assert posted["if"] == "always()" and posted["with"]["path"] == "mlci-report"
    # The one report artifact of the run: mlci-report.yml posts it as one comment.
    uploads = [
        s["with"]["name"]
        for job in jobs.values()
        for s in job["steps"]
        if "upload-artifact@" in s.get("uses", "")
    ]
    assert uploads.count("mlci-report") == 1 + ("awaiting-approval" in jobs) + (
        "data-check" in jobs
    )


def test_the_data_check_gates_the_candidates_and_the_collecting_job() -> None:
    jobs = train_workflow(SWEEPS["example"])["jobs"]
    assert jobs[GPU_JOB]["needs"] == ["candidates", "data-check"]
    assert jobs["collect"]["needs"] == ["data-check", "candidates", "train"]
    assert "needs.data-check.result == 'success'" in jobs["collect"]["if"]
    steps = steps_by_name(jobs["collect"])
    assert "--data-check mlci-data-check/data-check.json" in steps["report"]["run"]
    assert steps["download the data check results"]["with"]["name"] == "mlci-data-check"
    without = train_workflow(SWEEPS["minimal-list"])["jobs"]
    assert "data-check" not in without and without[GPU_JOB]["needs"] == ["candidates"]


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_without_a_sweep_the_training_workflow_has_no_matrix(name: str) -> None:
    jobs = train_workflow(MATRIX[name])["jobs"]
    assert not {"candidates", "collect"} & set(jobs)
    assert "strategy" not in jobs["train"]
    assert "sweep" not in yaml.safe_dump(jobs)


@pytest.mark.parametrize("name", sorted(SWEEPS))
def test_a_sweep_changes_the_training_workflow_only(name: str) -> None:
    sweep_keys = ("  sweep:", "  select:", "  max_parallel:", "  max_candidates:")
    lines = SWEEPS[name].splitlines(keepends=True)
    base = "".join(line for line in lines if not line.startswith(sweep_keys))
    plain = {f.path: f.text for f in render_files(parse_config(base))}
    swept = {f.path: f.text for f in render_files(parse_config(SWEEPS[name]))}
    assert set(plain) == set(swept)
    changed = {path for path in plain if plain[path] != swept[path]}
    assert changed == {".github/workflows/mlci-train.yml"}


# --- trust -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(SWEEPS))
def test_gpu_labels_only_on_the_matrix_job(name: str) -> None:
    config = parse_config(SWEEPS[name])
    gpu = {x.lower() for x in config.train.runner if not trust.HOSTED.match(x)}
    for file, workflow in trust.workflows(SWEEPS[name]).items():
        for job_name, job in workflow["jobs"].items():
            labels = {x.lower() for x in trust.labels_of(job)}
            on_gpu = bool(gpu & labels) or "self-hosted" in labels
            expected = (file, job_name) in {
                ("mlci-train.yml", GPU_JOB),
                ("mlci-release.yml", "train"),
            }
            assert on_gpu == expected, f"{file}: {job_name} runs on {labels}"
            if trust.writes(job):
                assert job["runs-on"] == "ubuntu-latest", f"{file}: {job_name}"


@pytest.mark.parametrize("name", sorted(SWEEPS))
def test_sweep_jobs_read_only_no_secrets_exact_sha(name: str) -> None:
    workflow = train_workflow(SWEEPS[name])
    assert trust.triggers(workflow) == {"pull_request_target", "workflow_dispatch"}
    assert workflow["permissions"] == {}
    for job_name in SWEEP_JOBS:
        job = workflow["jobs"][job_name]
        assert job["permissions"] == {"contents": "read"}, job_name
        (checkout,) = trust.checkout_steps(job)
        assert checkout["with"]["ref"] == "${{ github.event.pull_request.head.sha }}", job_name
        assert checkout["with"]["persist-credentials"] is False, job_name
        text = yaml.safe_dump(job)
        assert "secrets." not in text and "github.token" not in text, job_name
        assert "GITHUB_TOKEN" not in text and "github-token" not in text, job_name
        for step in job["steps"]:
            assert "${{" not in step.get("run", ""), f"{job_name}: {step['name']}"
            assert not trust.WRITE_STEPS.search(step.get("run", "")), step
            assert "--post" not in step.get("run", ""), step
        assert "timeout-minutes" in job


@pytest.mark.parametrize("name", sorted(SWEEPS))
def test_sweep_jobs_run_pr_code_only_for_trusted_events(
    name: str, with_status_functions: None
) -> None:
    config = parse_config(SWEEPS[name])
    jobs = train_workflow(SWEEPS[name])["jobs"]
    events = trust.pr_events(config.github.fork_label)
    for job_name in SWEEP_JOBS:
        job = jobs[job_name]
        for event_name, github in events.items():
            fork = event_name.startswith("fork")
            if event_name.endswith("labeled fork_label"):
                expected = config.github.allow_fork_training or not fork
            elif event_name.endswith("labeled other"):
                expected = False
            else:
                expected = not fork
            runs = condition(job, github, ALL_PASSED)
            assert runs == expected, f"{job_name} on {event_name}: {job.get('if')}"
            if runs:
                ref = trust.checkout_steps(job)[0]["with"]["ref"]
                assert trust.evaluate(ref, {"github": github}) == trust.HEAD_SHA
        assert condition(job, trust.other_event("workflow_dispatch"), ALL_PASSED), job_name


def test_failed_candidates_still_get_their_report(with_status_functions: None) -> None:
    collect = train_workflow(SWEEPS["example"])["jobs"]["collect"]
    dispatch = trust.other_event("workflow_dispatch")
    assert condition(collect, dispatch, {**ALL_PASSED, "train": "failure"})
    # No list of candidates, or a failed data check (which reported itself): no report.
    assert not condition(collect, dispatch, {**ALL_PASSED, "candidates": "failure"})
    assert not condition(collect, dispatch, {**ALL_PASSED, "data-check": "failure"})


# --- the scripts, run -------------------------------------------------------------------------


def run_step(step: dict[str, Any], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """A step's script as GitHub runs a `run:` without `shell:` (bash -e)."""
    return subprocess.run(
        ["bash", "-e", "-c", step["run"]],
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_list_step_writes_one_line_of_json_and_fails_with_mlci(tmp_path: Path) -> None:
    """The matrix comes from one `candidates=` line of GITHUB_OUTPUT; a failing `mlci
    sweep` fails the step instead of handing an empty matrix on."""
    step = steps_by_name(train_workflow(SWEEPS["example"])["jobs"]["candidates"])[
        "list the candidates"
    ]
    require_tool("jq")
    listing = [{"id": "c1", "params": {"model.max_depth": 3}}, {"id": "c2", "params": {}}]
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "mlci"
    fake.write_text(f"#!/bin/sh\nprintf '%s\\n' '{json.dumps(listing, indent=2)}'\nexit $RC\n")
    fake.chmod(0o755)
    output = tmp_path / "output"
    path = f"{bin_dir}{os.pathsep}{os.environ['PATH']}"
    env = {"PATH": path, "GITHUB_OUTPUT": str(output), "RC": "0"}
    done = run_step(step, tmp_path, env)
    assert done.returncode == 0, done.stderr
    (line,) = output.read_text().splitlines()
    assert line.startswith("candidates=")
    assert json.loads(line.removeprefix("candidates=")) == listing
    assert 'c1: {"model.max_depth":3}' in done.stdout
    output.unlink()
    failed = run_step(step, tmp_path, {**env, "RC": "2"})
    assert failed.returncode != 0 and not output.exists()


# --- the linters -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rendered_sweeps(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("sweeps")
    for name, text in SWEEPS.items():
        render_into(base / name, text)
    return {name: base / name for name in SWEEPS}


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)


@pytest.mark.parametrize("name", sorted(SWEEPS))
def test_actionlint_and_zizmor_pass(rendered_sweeps: dict[str, Path], name: str) -> None:
    root = rendered_sweeps[name]
    shellcheck = require_tool("shellcheck")
    lint = _run([require_tool("actionlint"), "-shellcheck", shellcheck], root)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    for persona in ("regular", "auditor"):
        args = [require_tool("zizmor"), "--offline", "--no-progress", "--persona", persona, "."]
        zizmor = _run(args, root)
        assert zizmor.returncode == 0, zizmor.stdout + zizmor.stderr
        assert "No findings to report" in zizmor.stdout


def test_the_workflow_schema_passes(rendered_sweeps: dict[str, Path]) -> None:
    files = [
        str(root / ".github" / "workflows" / "mlci-train.yml") for root in rendered_sweeps.values()
    ]
    schema = _run(
        [require_tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *files],
        Path.cwd(),
    )
    assert schema.returncode == 0, schema.stdout + schema.stderr
