"""The generated workflows are safe by construction, read from the parsed YAML.

- No job of a workflow that `pull_request` starts runs on a self-hosted runner: a fork
  controls every workflow file of such a run, so no condition written there guards one.
- GPU training for pull requests runs from `pull_request_target` (the definition on the
  default branch), checks out the head by exact SHA with a read-only token, uses no
  secrets and writes nothing to GitHub; a fork's code runs only for the `labeled` event
  of `github.fork_label`.
- Every job that holds a write token runs on `ubuntu-latest`, whatever mlci.yaml says.
- Every workflow starts from `permissions: {}` (or read-only).
- The release workflow (the merge loop) starts only from pushes to the default branch
  and manual runs; its GPU job reads only; the write, attestation and deploy jobs are
  GitHub-hosted, with the attestation permissions in the publish job alone.

The `if:` conditions are evaluated, for a set of events, by a small evaluator of
GitHub's expression language (the subset the templates use).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from tests.workflows.configs import (
    CUSTOM_FORK_LABEL,
    CUSTOM_SCHEDULE,
    DEPLOY,
    DEPLOY_NO_STAGE,
    FORKS_NEVER,
    GPU_LABELS,
    MATRIX,
    MINIMAL,
    PINNED,
    SELF_HOSTED_BUILD,
)
from tests.workflows.conftest import REPO_ROOT

from mlci.config import parse_config
from mlci.config.schema import MlciConfig
from mlci.errors import ConfigError
from mlci.workflows import render_files

TEMPLATES = REPO_ROOT / "toolkit" / "mlci" / "workflows" / "templates"
HOSTED = re.compile(r"^(ubuntu|windows|macos)-", re.IGNORECASE)
REPOSITORY = "octo-org/demo"
HEAD_SHA = "1234567890abcdef1234567890abcdef12345678"
WRITE_STEPS = re.compile(r"\bmlci\s+(comment|check-run|retrain)\b")

# Data checks on (example, custom-fork-label) and off (minimal, gpu-labels), drift on
# (example, pinned, custom-schedule) and off (minimal, forks-never), pinned actions,
# GPU labels, a custom fork label, forks never trained.
CONFIGS = {
    "default": MINIMAL,
    "gpu-labels": GPU_LABELS,
    "pinned": PINNED,
    "custom-fork-label": CUSTOM_FORK_LABEL,
    "custom-schedule": CUSTOM_SCHEDULE,
    "forks-never": FORKS_NEVER,
    "no-gpu": MATRIX["no-gpu"],
    "example": MATRIX["example"],
    "deploy": DEPLOY,
    "deploy-no-stage": DEPLOY_NO_STAGE,
}


# --- GitHub's expression language, the part the templates use ----------------------------

_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>\d+)|(?P<op>&&|\|\||==|!=|!|\(|\)|,)"
    r"|(?P<name>[A-Za-z_][\w-]*(?:\.(?:\*|[A-Za-z_][\w-]*))*))"
)


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        assert match and match.end() > pos, f"cannot read {text[pos:]!r}"
        kind = match.lastgroup
        assert kind is not None
        out.append((kind, match.group(kind)))
        pos = match.end()
    return out


def _lookup(context: dict[str, Any], path: str) -> Any:
    values: list[Any] = [context]
    star = False
    for part in path.split("."):
        if part == "*":
            star = True
            values = [v for value in values if isinstance(value, list) for v in value]
            continue
        values = [v.get(part) if isinstance(v, dict) else None for v in values]
    return values if star else values[0]


def _truthy(value: Any) -> bool:
    return value not in (None, False, "", 0)


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a.lower() == b.lower()  # GitHub compares strings ignoring case
    return bool(a == b)


def evaluate(expression: str, context: dict[str, Any]) -> Any:
    """Evaluate `expression` (with or without `${{ }}`) against `context`."""
    expression = expression.strip()
    if expression.startswith("${{") and expression.endswith("}}"):
        expression = expression[3:-2]
    tokens = _tokens(expression)
    pos = 0

    def peek() -> str | None:
        return tokens[pos][1] if pos < len(tokens) else None

    def take() -> tuple[str, str]:
        nonlocal pos
        pos += 1
        return tokens[pos - 1]

    def disjunction() -> Any:
        value = conjunction()
        while peek() == "||":
            take()
            right = conjunction()
            value = value if _truthy(value) else right
        return value

    def conjunction() -> Any:
        value = comparison()
        while peek() == "&&":
            take()
            right = comparison()
            value = right if _truthy(value) else value
        return value

    def comparison() -> Any:
        value = unary()
        while peek() in ("==", "!="):
            op = take()[1]
            right = unary()
            value = _equal(value, right) == (op == "==")
        return value

    def unary() -> Any:
        if peek() == "!":
            take()
            return not _truthy(unary())
        return primary()

    def primary() -> Any:
        kind, text = take()
        if text == "(":
            value = disjunction()
            assert take()[1] == ")"
            return value
        if kind == "str":
            return text[1:-1].replace("''", "'")
        if kind == "num":
            return int(text)
        if peek() == "(":
            take()
            args = []
            while peek() != ")":
                args.append(disjunction())
                if peek() == ",":
                    take()
            take()
            return _call(text, args)
        if text in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[text]
        return _lookup(context, text)

    value = disjunction()
    assert pos == len(tokens), f"left over in {expression!r}: {tokens[pos:]}"
    return value


def _call(name: str, args: list[Any]) -> Any:
    if name == "contains":
        haystack, needle = args
        if isinstance(haystack, list):
            return any(_equal(item, needle) for item in haystack)
        return str(needle).lower() in str(haystack or "").lower()
    if name == "format":
        text, *values = args
        return re.sub(r"\{(\d+)\}", lambda m: str(values[int(m.group(1))]), text)
    raise AssertionError(f"the evaluator does not know {name}()")


# --- events --------------------------------------------------------------------------------


def pr_event(action: str, *, fork: bool, label: str | None = None, labels: tuple = ()) -> dict:
    head_repo = "stranger/demo" if fork else REPOSITORY
    event: dict[str, Any] = {
        "action": action,
        "number": 7,
        "pull_request": {
            "number": 7,
            "head": {"sha": HEAD_SHA, "repo": {"full_name": head_repo}},
            "base": {"sha": "f" * 40, "repo": {"full_name": REPOSITORY}},
            "labels": [{"name": name} for name in labels],
        },
    }
    if label is not None:
        event["label"] = {"name": label}
    return {"event_name": "pull_request_target", "repository": REPOSITORY, "event": event}


def other_event(name: str) -> dict:
    return {"event_name": name, "repository": REPOSITORY, "event": {}}


def pr_events(fork_label: str) -> dict[str, dict]:
    """(name -> github context) of every pull-request event the training workflow gets."""
    events = {}
    for fork in (False, True):
        who = "fork" if fork else "same-repo"
        for action in ("opened", "synchronize", "reopened"):
            events[f"{who} {action}"] = pr_event(action, fork=fork)
        events[f"{who} synchronize labelled"] = pr_event(
            "synchronize", fork=fork, labels=(fork_label,)
        )
        events[f"{who} labeled other"] = pr_event("labeled", fork=fork, label="documentation")
        events[f"{who} labeled fork_label"] = pr_event(
            "labeled", fork=fork, label=fork_label, labels=(fork_label,)
        )
    return events


def condition(job: dict[str, Any], github: dict[str, Any]) -> bool:
    return _truthy(evaluate(str(job.get("if", "true")), {"github": github, "inputs": {}}))


# --- rendered workflows -----------------------------------------------------------------


def workflows(text: str) -> dict[str, dict[Any, Any]]:
    return {
        Path(f.path).name: yaml.safe_load(f.text)
        for f in render_files(parse_config(text))
        if f.kind == "workflow"
    }


def triggers(workflow: dict[Any, Any]) -> set[str]:
    on = workflow[True]  # PyYAML reads the key `on` as True
    return {on} if isinstance(on, str) else set(on)


def labels_of(job: dict[str, Any]) -> list[str]:
    runs_on = job["runs-on"]
    return [runs_on] if isinstance(runs_on, str) else list(runs_on)


def checkout_steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in job.get("steps", []) if "actions/checkout@" in s.get("uses", "")]


def training_jobs(config: MlciConfig, workflow: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: job
        for name, job in workflow["jobs"].items()
        if labels_of(job) == list(config.train.runner)
    }


def writes(job: dict[str, Any]) -> list[str]:
    permissions = job.get("permissions", {})
    if isinstance(permissions, str):
        return ["*"] if permissions == "write-all" else []
    return [scope for scope, level in permissions.items() if level == "write"]


# --- (a) pull_request workflows stay on GitHub-hosted runners -----------------------------


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_no_pull_request_job_runs_on_a_self_hosted_runner(name: str) -> None:
    config = parse_config(CONFIGS[name])
    gpu_labels = {x.lower() for x in config.train.runner if not HOSTED.match(x)}
    checked = 0
    for file, workflow in workflows(CONFIGS[name]).items():
        if "pull_request" not in triggers(workflow):
            continue
        for job_name, job in workflow["jobs"].items():
            labels = labels_of(job)
            where = f"{file}: {job_name} runs on {labels}"
            assert "self-hosted" not in {x.lower() for x in labels}, where
            assert not gpu_labels & {x.lower() for x in labels}, where
            assert all(HOSTED.match(x) for x in labels), where
            checked += 1
    assert checked >= 1  # mlci-ci.yml runs on pull_request


def test_a_self_hosted_build_runner_is_refused_with_the_key() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(SELF_HOSTED_BUILD)
    assert caught.value.message == (
        "mlci.yaml line 2: build.runner: self-hosted runners would run fork code from"
        " pull_request workflows ('self-hosted' is no GitHub-hosted label)"
    )
    assert "ubuntu-latest" in (caught.value.hint or "")
    # A scale set name alone, without the self-hosted label, is self-hosted too.
    with pytest.raises(ConfigError, match=r"build.runner: .*\('arc-cpu' is no GitHub-hosted"):
        parse_config("build: {runner: [arc-cpu]}\n")


def test_mlci_generate_refuses_a_self_hosted_build_runner(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mlci.cli import cli

    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "mlci.yaml").write_text(SELF_HOSTED_BUILD)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["generate"])
    assert result.exit_code == 2, result.output
    assert "build.runner: self-hosted runners would run fork code" in result.output
    assert not (tmp_path / ".github" / "workflows").exists()


# --- (b) GPU training: pull_request_target, exact SHA, read-only, writes nothing ----------


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_gpu_training_runs_from_the_default_branch_definition(name: str) -> None:
    config = parse_config(CONFIGS[name])
    train = workflows(CONFIGS[name])["mlci-train.yml"]
    on = train[True]
    # Pushes to the default branch train in mlci-release.yml.
    assert set(on) == {"pull_request_target", "workflow_dispatch"}
    assert set(on["pull_request_target"]["types"]) == {
        "opened",
        "synchronize",
        "reopened",
        "labeled",
    }
    assert "train" in training_jobs(config, train)


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_every_job_that_runs_pr_code_is_read_only_and_writes_nothing(name: str) -> None:
    """The training job, and any job of its workflow that checks the code out."""
    train = workflows(CONFIGS[name])["mlci-train.yml"]
    jobs = {n: j for n, j in train["jobs"].items() if checkout_steps(j)}
    assert "train" in jobs and checkout_steps(train["jobs"]["train"])
    for job_name, job in jobs.items():
        (checkout,) = checkout_steps(job)
        assert checkout["with"]["ref"] == "${{ github.event.pull_request.head.sha }}", job_name
        assert checkout["with"]["persist-credentials"] is False, job_name
        assert job["permissions"] == {"contents": "read"}, job_name
        text = yaml.safe_dump(job)
        assert "secrets." not in text, job_name
        assert "github.token" not in text and "GITHUB_TOKEN" not in text, job_name
        for step in job["steps"]:
            uses = step.get("uses", "")
            assert not re.search(r"/actions/(retrain-pr|comment|check-run)@", uses), step
            assert "github-script" not in uses, step
            if "/actions/report@" in uses:
                assert str(step.get("with", {}).get("post", "false")) == "false", step
                assert "token" not in step.get("with", {}), step
            assert not WRITE_STEPS.search(step.get("run", "")), step


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_fork_code_runs_only_for_the_labeled_event_of_the_fork_label(name: str) -> None:
    config = parse_config(CONFIGS[name])
    label = config.github.fork_label
    train = workflows(CONFIGS[name])["mlci-train.yml"]
    jobs = {n: j for n, j in train["jobs"].items() if checkout_steps(j)}
    events = pr_events(label)
    for job_name, job in jobs.items():
        for event_name, github in events.items():
            runs = condition(job, github)
            fork = event_name.startswith("fork")
            if event_name.endswith("labeled fork_label"):
                expected = config.github.allow_fork_training or not fork
            elif event_name.endswith("labeled other"):
                expected = False  # unrelated labels start nothing
            else:
                expected = not fork
            assert runs == expected, f"{job_name} on {event_name}: {job.get('if')}"
            if runs:
                ref = checkout_steps(job)[0]["with"]["ref"]
                assert evaluate(ref, {"github": github}) == HEAD_SHA
        assert condition(job, other_event("workflow_dispatch")), f"{job_name} on dispatch"


@pytest.mark.parametrize("name", ["default", "custom-fork-label", "forks-never"])
def test_a_push_to_a_fork_pull_request_removes_the_label(name: str) -> None:
    config = parse_config(CONFIGS[name])
    label = config.github.fork_label
    jobs = workflows(CONFIGS[name])["mlci-train.yml"]["jobs"]
    if not config.github.allow_fork_training:
        assert "remove-label" not in jobs  # the label opens nothing
        return
    job = jobs["remove-label"]
    assert job["permissions"] == {"pull-requests": "write"}
    assert job["runs-on"] == "ubuntu-latest"
    assert not checkout_steps(job) and "needs" not in job
    (step,) = job["steps"]
    assert step["env"]["LABEL"] == label
    assert "/issues/$PR_NUMBER/labels/" in step["run"]
    for event_name, github in pr_events(label).items():
        expected = event_name == "fork synchronize labelled"
        assert condition(job, github) == expected, event_name
    assert not condition(job, other_event("push"))


def test_the_report_workflow_finds_the_pull_request_and_commit_in_the_run_title() -> None:
    files = workflows(MINIMAL)
    github = pr_event("labeled", fork=True, label="safe-to-train")
    title = evaluate(files["mlci-train.yml"]["run-name"], {"github": github})
    assert title == f"mlci train: pull request #7 at {HEAD_SHA}"
    push = {**other_event("push"), "workflow": "mlci train"}
    assert evaluate(files["mlci-train.yml"]["run-name"], {"github": push}) == "mlci train"
    script = files["mlci-report.yml"]["jobs"]["post"]["steps"][-1]["run"]
    pattern = re.search(r"title='(.+?)'\n", script)
    assert pattern and re.match(pattern.group(1).replace("[0-9]", r"\d"), title)
    assert '--head-sha "$HEAD_SHA"' in script and 'HEAD_SHA="$sha"' in script
    # The artifact carries the number and the SHA the report compares with the title.
    train = files["mlci-train.yml"]["jobs"]
    for job in ("train", "awaiting-approval"):
        run = "\n".join(s.get("run", "") for s in train[job]["steps"])
        assert "mlci-report/pr-number" in run and "mlci-report/head-sha" in run, job


def test_report_images_are_linked_by_the_pr_job_and_published_by_the_trusted_one() -> None:
    """The PR's training job has a read-only token: its report only links the images; the
    report workflow publishes this commit's images (checked by mlci) before it posts, and
    gets contents: write for it only when images are on."""
    files = workflows(MINIMAL)
    steps = files["mlci-train.yml"]["jobs"]["train"]["steps"]
    report = next(s for s in steps if s.get("name") == "report")
    assert report["with"]["images"] == "link"
    post = files["mlci-report.yml"]["jobs"]["post"]
    assert post["permissions"]["contents"] == "write"
    script = post["steps"][-1]["run"]
    publish = script.index('mlci publish-images --from mlci-report --sha "$HEAD_SHA"')
    assert publish < script.index("mlci comment")  # the images exist before the comment
    assert post["steps"][-1]["env"]["ASSETS_BRANCH"] == "mlci/assets"
    off = workflows(MINIMAL + "github:\n  report_images: false\n")
    steps = off["mlci-train.yml"]["jobs"]["train"]["steps"]
    assert next(s for s in steps if s.get("name") == "report")["with"]["images"] == "off"
    quiet = off["mlci-report.yml"]["jobs"]["post"]
    assert "contents" not in quiet["permissions"]
    assert "publish-images" not in quiet["steps"][-1]["run"]


# --- (c) write tokens only on GitHub-hosted runners -----------------------------------------


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_every_job_with_a_write_token_runs_on_ubuntu_latest(name: str) -> None:
    seen = set()
    for file, workflow in workflows(CONFIGS[name]).items():
        for job_name, job in workflow["jobs"].items():
            if writes(job):
                assert job["runs-on"] == "ubuntu-latest", f"{file}: {job_name}"
                seen.add(job_name)
    assert "post" in seen  # the report workflow always writes


# --- (d) least privilege at the top -----------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_top_level_permissions_are_empty_or_read_only(name: str) -> None:
    for file, workflow in workflows(CONFIGS[name]).items():
        permissions = workflow.get("permissions")
        assert isinstance(permissions, dict), f"{file}: permissions: {permissions!r}"
        assert all(level in ("read", "none") for level in permissions.values()), file
        for job_name, job in workflow["jobs"].items():
            assert "timeout-minutes" in job, f"{file}: {job_name}"
            assert isinstance(job.get("permissions"), dict), f"{file}: {job_name}"
        assert "concurrency" in workflow, file


# --- silenced zizmor findings are justified in the template and the README -----------------


def test_every_silenced_zizmor_finding_is_justified() -> None:
    ignores: list[str] = []
    for template in sorted(TEMPLATES.glob("*.j2")):
        for line in template.read_text().splitlines():
            match = re.search(r"# zizmor: ignore\[([\w,-]+)\](.*)", line)
            if match:
                assert len(match.group(2).strip()) > 20, f"{template.name}: {line.strip()}"
                ignores += match.group(1).split(",")
    assert set(ignores) >= {"dangerous-triggers", "self-hosted-runner"}
    readme = (REPO_ROOT / "README.md").read_text()
    section = readme.split("### Pull requests from forks", 1)[1].split("\n### ", 1)[0]
    for rule in ignores:
        assert f"`{rule}`" in section, f"README: justify zizmor's {rule}"


# --- (e) the merge loop: mlci-release.yml ----------------------------------------------------


def release_workflow(name: str) -> dict[Any, Any]:
    return workflows(CONFIGS[name])["mlci-release.yml"]


def every_step(workflow: dict[Any, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(n, step) for n, job in workflow["jobs"].items() for step in job["steps"]]


def push_event(ref: str, before: str = "e" * 40) -> dict[str, Any]:
    return {"event_name": "push", "ref": ref, "repository": REPOSITORY, "event": {"before": before}}


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_releases_start_only_from_pushes_to_the_default_branch_and_manual_runs(name: str) -> None:
    config = parse_config(CONFIGS[name])
    release = release_workflow(name)
    on = release[True]
    assert set(on) == {"push", "workflow_dispatch"}, on  # never pull_request(_target)
    assert on["push"] == {"branches": [config.github.default_branch]}
    assert on["workflow_dispatch"]["inputs"]["bump"]["options"] == ["patch", "minor", "major"]
    # A manual run on another branch trains and releases nothing.
    train = release["jobs"]["train"]
    default = f"refs/heads/{config.github.default_branch}"
    assert condition(train, push_event(default))
    assert not condition(
        train, {**push_event("refs/heads/feature"), "event_name": "workflow_dispatch"}
    )
    # One release at a time per branch, never cancelled midway.
    assert release["concurrency"]["cancel-in-progress"] is False
    assert "github.ref" in release["concurrency"]["group"]


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_the_training_job_of_a_release_reads_only_and_holds_no_secret(name: str) -> None:
    config = parse_config(CONFIGS[name])
    release = release_workflow(name)
    assert "train" in training_jobs(config, release)
    self_hosted = [
        n for n, j in release["jobs"].items() if not all(map(HOSTED.match, labels_of(j)))
    ]
    assert self_hosted in ([], ["train"])  # only the training job may be self-hosted
    train = release["jobs"]["train"]
    assert train["permissions"] == {"contents": "read"}
    text = yaml.safe_dump(train)
    assert "secrets." not in text and "github.token" not in text and "GITHUB_TOKEN" not in text
    (checkout,) = checkout_steps(train)
    assert checkout["with"] == {"persist-credentials": False, "fetch-depth": 0}  # the push's SHA
    for step in train["steps"]:
        assert not re.search(r"\bmlci\s+(baseline|release|promote)\b", step.get("run", "")), step
    # It compares with the commit the push replaced, and with nothing for a new branch.
    base = train["env"]["MLCI_BASE"]
    assert evaluate(base, {"github": push_event("refs/heads/main", "a" * 40)}) == "a" * 40
    assert evaluate(base, {"github": push_event("refs/heads/main", "0" * 40)}) == ""
    assert evaluate(base, {"github": other_event("workflow_dispatch")}) == ""
    upload = next(s for s in train["steps"] if "upload-artifact@" in s.get("uses", ""))
    paths = upload["with"]["path"].split()
    assert {".mlci/runs", "validation.json", *config.train.metrics} <= set(paths)
    for optional in (config.train.model, config.data.profile, *config.release.files):
        assert optional is None or optional in paths
    assert upload["with"]["include-hidden-files"] is True  # .mlci/ is a hidden folder


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_release_jobs_with_write_tokens_are_hosted_and_attest_only_in_publish(name: str) -> None:
    config = parse_config(CONFIGS[name])
    jobs = release_workflow(name)["jobs"]
    attest = config.release.attest and config.train.model is not None
    expected = {"contents": "write"}
    if attest:
        expected |= {"id-token": "write", "attestations": "write"}
    publish = jobs["publish"]
    assert publish["permissions"] == expected
    assert publish["needs"] == ["train"]
    assert publish["if"] == "needs.train.outputs.gate-passed == 'true'"
    for job_name, job in jobs.items():
        if job_name != "publish":
            assert not {"id-token", "attestations"} & set(job["permissions"]), job_name
        if writes(job):
            assert job["runs-on"] == "ubuntu-latest", job_name
            # A job with a write token runs mlci only, never the project's install or code.
            for step in job["steps"]:
                assert config.build.install.strip() not in step.get("run", ""), job_name
    steps = {s.get("name"): s for s in publish["steps"]}
    attest_steps = [s for s in publish["steps"] if "attest-build-provenance@" in s.get("uses", "")]
    if attest:
        (step,) = attest_steps
        assert step["with"] == {"subject-path": "${{ steps.release.outputs.model-path }}"}
    else:
        assert attest_steps == []
    assert "mlci baseline publish --validation validation.json" in str(
        steps["publish the run record as the baseline"]["run"]
    )
    release_step = steps["release the model"]
    assert "/actions/release@" in release_step["uses"]
    assert release_step["with"]["validation"] == "validation.json"
    assert set(publish["outputs"]) == {"tag", "version", "model-path"}


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_the_deploy_job_waits_for_its_environment_and_reads_only(name: str) -> None:
    config = parse_config(CONFIGS[name])
    jobs = release_workflow(name)["jobs"]
    deploy = config.deploy
    if deploy.environment is None:
        assert set(jobs) == {"train", "publish"}
        return
    job = jobs["deploy"]
    assert job["environment"] == deploy.environment
    assert job["needs"] == ["publish"]
    assert job["permissions"] == {"contents": "read"}
    assert labels_of(job) == list(config.build.runner)
    assert all(HOSTED.match(x) for x in labels_of(job))
    step = job["steps"][-1]
    assert step["env"] == {
        "MLCI_MODEL_PATH": "${{ needs.publish.outputs.model-path }}",
        "MLCI_MODEL_VERSION": "${{ needs.publish.outputs.version }}",
        "MLCI_MODEL_TAG": "${{ needs.publish.outputs.tag }}",
    }
    assert step["run"].strip() == deploy.command.strip()
    if deploy.stage is None:
        assert "promote" not in jobs
        return
    promote = jobs["promote"]
    assert promote["needs"] == ["publish", "deploy"]  # only after the deploy succeeded
    assert promote["permissions"] == {"contents": "write"}
    assert promote["steps"][-1]["env"]["STAGE"] == deploy.stage
    assert promote["steps"][-1]["run"] == 'mlci promote "$TAG" --stage "$STAGE"'


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_every_checkout_drops_credentials_and_no_script_interpolates(name: str) -> None:
    for file, workflow in workflows(CONFIGS[name]).items():
        for job_name, step in every_step(workflow):
            if "actions/checkout@" in step.get("uses", ""):
                assert step["with"]["persist-credentials"] is False, f"{file}: {job_name}"
            # ${{ }} inside a script lets a value inject shell code: env: only.
            assert "${{" not in step.get("run", ""), f"{file}: {job_name}: {step.get('name')}"
