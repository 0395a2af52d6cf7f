"""`mlci baseline publish|show` and the merge loop: main publishes, a PR compares with it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.github_fake import DEFAULT_REPO as REPO
from tests.github_fake import DEFAULT_TOKEN, Fault
from tests.records.conftest import put_on_branch

from mlci.cli import cli
from mlci.gitutil import init_repository
from mlci.gitutil import run_git as git
from mlci.train.record import list_runs

BRANCH = "mlci/records"
TRAIN = """
import json, os, yaml
p = yaml.safe_load(open("params.yaml"))
metrics = {"acc": 0.7 + p["depth"] / 100, "loss": 0.5 - p["depth"] / 100}
json.dump(metrics, open("metrics.json", "w"))
open("model.bin", "wb").write(b"m" * p["depth"])
os.makedirs("plots", exist_ok=True)
open("plots/loss.csv", "w").write("epoch,loss\\n1,0.9\\n2,%s\\n" % (0.5 - p["depth"] / 100))
"""
CONFIG = """
project: loop
train:
  command: python train.py
  params: params.yaml
  metrics: metrics.json
  model: model.bin
  plots: plots
validate:
  gates:
    acc: {min: 0.5, max_drop: 0.01}
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project on main whose metrics, model and plots are never committed."""
    root = tmp_path / "project"
    root.mkdir()
    init_repository(root)
    (root / "train.py").write_text(TRAIN)
    (root / "mlci.yaml").write_text(CONFIG)
    (root / "params.yaml").write_text("depth: 4\n")
    (root / ".gitignore").write_text(".mlci/\nmetrics.json\nmodel.bin\nplots/\n")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def env(fake, no_waiting, monkeypatch, project):  # type: ignore[no-untyped-def]
    return {
        "GITHUB_TOKEN": DEFAULT_TOKEN,
        "GITHUB_API_URL": fake.url,
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_EVENT_PATH": "",
        "GITHUB_EVENT_NAME": "",
        "GITHUB_OUTPUT": str(project.parent / "out.txt"),
    }


def run(env, *args):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def outputs(env) -> dict[str, str]:  # type: ignore[no-untyped-def]
    text = Path(env["GITHUB_OUTPUT"]).read_text()
    found = {}
    lines = text.splitlines()
    for i, line in enumerate(lines):  # name<<delimiter / value / delimiter
        if "<<" in line:
            found[line.split("<<")[0]] = lines[i + 1]
        elif "=" in line:
            key, _, value = line.partition("=")
            found[key] = value
    return found


def train(env) -> str:  # type: ignore[no-untyped-def]
    result = run(env, "train")
    assert result.exit_code == 0, result.output
    return git(Path.cwd(), "rev-parse", "HEAD").strip()


def test_publish_sets_outputs_and_a_second_publish_is_unchanged(fake, env, project) -> None:
    commit = train(env)
    first = run(env, "baseline", "publish")
    assert first.exit_code == 0, first.output
    path = f"records/{commit}.json"
    assert f"published the run record of {commit[:7]} to {BRANCH}: {path}" in first.output
    assert "created the branch" in first.output
    assert outputs(env)["path"] == path and outputs(env)["branch"] == BRANCH
    tip = fake.state.data["repos"][REPO]["refs"][f"refs/heads/{BRANCH}"]
    assert outputs(env)["commit"] == tip
    assert fake.state.file_at(REPO, BRANCH, f"records/{commit}/plots/loss.csv")
    again = run(env, "baseline", "publish", "--json", "-")
    assert again.exit_code == 0
    assert json.loads(again.output)["unchanged"] is True
    assert fake.state.data["repos"][REPO]["refs"][f"refs/heads/{BRANCH}"] == tip


def test_failed_gates_in_the_validation_exit_1_and_publish_nothing(fake, env, project) -> None:
    train(env)
    lenient = CONFIG.replace("max_drop: 0.01", "max_drop: 0.01, allow_missing_baseline: true")
    (project / "mlci.yaml").write_text(lenient.replace("min: 0.5", "min: 0.9"))
    validated = run(env, "validate", "--json", "validation.json")
    assert validated.exit_code == 1, validated.output
    result = run(env, "baseline", "publish", "--validation", "validation.json")
    assert result.exit_code == 1
    assert "validation.json: the gates failed: acc, so this run is no baseline" in result.output
    assert f"refs/heads/{BRANCH}" not in fake.state.data["repos"][REPO]["refs"]


def test_a_validation_of_another_commit_exits_2(fake, env, project) -> None:
    train(env)
    lenient = CONFIG.replace("max_drop: 0.01", "max_drop: 0.01, allow_missing_baseline: true")
    (project / "mlci.yaml").write_text(lenient)
    validated = run(env, "validate", "--json", "validation.json")
    assert validated.exit_code == 0, validated.output
    data = json.loads((project / "validation.json").read_text())
    assert data["commit"] == git(project, "rev-parse", "HEAD").strip()
    (project / "validation.json").write_text(json.dumps({**data, "commit": "f" * 40}))
    result = run(env, "baseline", "publish", "--validation", "validation.json")
    assert result.exit_code == 2
    assert "validation.json: validates commit fffffff, but the run record is of" in result.output
    assert f"refs/heads/{BRANCH}" not in fake.state.data["repos"][REPO]["refs"]


def test_a_failed_run_exits_1(fake, env, project) -> None:
    (project / "train.py").write_text("import sys; sys.exit(3)\n")
    git(project, "commit", "-qam", "break")
    assert run(env, "train").exit_code == 2
    result = run(env, "baseline", "publish")
    assert result.exit_code == 1 and "only a succeeded run is a baseline" in result.output


def test_a_dirty_record_exits_2(fake, env, project) -> None:
    (project / "params.yaml").write_text("depth: 5\n")  # not committed
    train(env)
    result = run(env, "baseline", "publish")
    assert result.exit_code == 2 and "trained on uncommitted changes" in result.output


def test_no_record_exits_2(fake, env, project) -> None:
    result = run(env, "baseline", "publish")
    assert result.exit_code == 2 and "no run records yet" in result.output


def test_github_failing_exits_3(fake, env, project) -> None:
    train(env)
    fake.add_fault(Fault("/git/", status=502, times=0))
    result = run(env, "baseline", "publish")
    assert result.exit_code == 3, result.output


def test_without_a_token_the_files_go_to_the_outbox(fake, env, project) -> None:
    commit = train(env)
    result = run(env, "baseline", "publish", "--dry-run")
    assert result.exit_code == 0 and "dry run (--dry-run)" in result.output
    box = project / ".mlci" / "outbox" / f"records-{commit[:7]}"
    assert (box / "records" / f"{commit}.json").is_file()
    assert not fake.requests or all("/git/" not in r for r in fake.requests)


def _branch_from_the_fake(fake, root: Path, paths) -> None:  # type: ignore[no-untyped-def]
    """The records branch as a clone would have it, made from what the publish sent."""
    files = {p: fake.state.file_at(REPO, BRANCH, p).encode() for p in paths}
    put_on_branch(root, BRANCH, files)


def test_the_merge_loop_main_publishes_and_a_pr_compares_with_it(fake, env, project) -> None:
    main_commit = train(env)
    published = run(env, "baseline", "publish", "--json", "publish.json")
    assert published.exit_code == 0, published.output
    paths = json.loads((project / "publish.json").read_text())["paths"]
    _branch_from_the_fake(fake, project, paths)
    # The PR: a changed param, trained on its own branch; main's metrics were never committed.
    git(project, "checkout", "-qb", "feature")
    (project / "params.yaml").write_text("depth: 6\n")
    git(project, "commit", "-qam", "deeper")
    train(env)
    assert len(list_runs(project)) == 2
    shown = run(env, "baseline", "show", "--base", "main")
    assert shown.output.splitlines()[0] == (
        f"baseline: run record of `main` at {main_commit[:7]} from branch {BRANCH}"
    )
    report = run(env, "report", "--base", "main", "--no-html")
    assert report.exit_code == 0, report.output
    assert f"from branch {BRANCH}" in report.output
    markdown = (project / ".mlci" / "report" / "report.md").read_text()
    assert f"run record of `main` at {main_commit[:7]} from branch {BRANCH}" in markdown
    assert "0.74" in markdown and "0.76" in markdown  # main's acc, then the PR's
    assert main_commit not in markdown  # named short, never by the full SHA
    data = json.loads((project / ".mlci" / "report" / "report.json").read_text())
    assert data["baseline"]["source"] == "records-branch"
    # validate and the diffs read the same baseline.
    validated = run(env, "validate", "--base", main_commit, "--base-branch", "main")
    assert validated.exit_code == 0, validated.output
    assert validated.output.splitlines()[0] == (
        f"baseline: run record of `main` at {main_commit[:7]} from branch {BRANCH}"
    )
    diff = run(env, "metrics", "diff", "--base", "main")
    assert diff.exit_code == 0 and "0.74" in diff.output and "0.76" in diff.output
    params = run(env, "params", "diff", "--base", "main")
    assert params.exit_code == 0 and "depth" in params.output


def test_baseline_show_json_names_the_ancestor_and_its_distance(fake, env, project) -> None:
    main_commit = train(env)
    run(env, "baseline", "publish", "--json", "publish.json")
    _branch_from_the_fake(
        fake, project, json.loads((project / "publish.json").read_text())["paths"]
    )
    (project / "notes.txt").write_text("x\n")
    git(project, "add", "-A")
    git(project, "commit", "-qm", "docs")
    head = git(project, "rev-parse", "HEAD").strip()
    shown = run(env, "baseline", "show", "--base", head, "--base-branch", "main", "--json")
    data = json.loads(shown.output)
    assert data["source"] == "records-branch" and data["distance"] == 1
    assert data["record_commit"] == main_commit and data["label"] == f"main ({head[:7]})"
    assert data["description"] == (
        f"run record of {main_commit[:7]}, 1 commit before the base `main` ({head[:7]}), "
        f"from branch {BRANCH}"
    )


def test_report_names_a_sha_base_by_its_branch(fake, env, project) -> None:
    main_commit = train(env)
    run(env, "baseline", "publish", "--json", "publish.json")
    _branch_from_the_fake(
        fake, project, json.loads((project / "publish.json").read_text())["paths"]
    )
    result = run(env, "report", "--base", main_commit, "--base-branch", "main", "--no-html")
    assert result.exit_code == 0, result.output
    markdown = (project / ".mlci" / "report" / "report.md").read_text()
    assert f"run record of `main` at {main_commit[:7]} from branch {BRANCH}" in markdown
    assert main_commit not in markdown


def test_metrics_diff_at_a_sha_says_where_the_base_came_from(fake, env, project) -> None:
    main_commit = train(env)
    run(env, "baseline", "publish", "--json", "publish.json")
    _branch_from_the_fake(
        fake, project, json.loads((project / "publish.json").read_text())["paths"]
    )
    result = run(env, "metrics", "diff", "--base", main_commit, "--base-branch", "main")
    assert result.exit_code == 0
    assert (
        f"note: base: run record of `main` at {main_commit[:7]} from branch {BRANCH}"
        in result.output
    )
    # Explicit PATHS are not what the records hold: read them as committed.
    other = run(env, "metrics", "diff", "metrics.json", "--base", "main")
    assert "from branch" not in other.output


def test_a_fresh_checkout_overlays_the_base_plots_from_the_records_branch(
    fake, env, project
) -> None:
    """CI checks out the PR with no `.mlci/runs` of main: the base side of a plot comes
    from the plot data published with main's record."""
    import shutil

    train(env)
    published = run(env, "baseline", "publish", "--json", "publish.json")
    assert published.exit_code == 0, published.output
    paths = json.loads((project / "publish.json").read_text())["paths"]
    assert any(p.endswith("/plots/loss.csv") for p in paths), paths
    _branch_from_the_fake(fake, project, paths)
    shutil.rmtree(project / ".mlci")  # main's run folder is gone, as in a fresh checkout
    git(project, "checkout", "-qb", "feature")
    (project / "params.yaml").write_text("depth: 6\n")
    git(project, "commit", "-qam", "deeper")
    train(env)
    report = run(env, "report", "--base", "main", "--no-html")
    assert report.exit_code == 0, report.output
    markdown = (project / ".mlci" / "report" / "report.md").read_text()
    assert f"from branch {BRANCH}" in markdown
    chart = markdown[markdown.index("xychart-beta") :]
    assert "0.46" in chart and "0.44" in chart  # main's last loss beside the PR's
