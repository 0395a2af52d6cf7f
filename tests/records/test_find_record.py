"""find_record and the resolver on a records branch made with real git."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from tests.records.conftest import history, make_record, put_on_branch, record_bytes

from mlci.config import parse_config
from mlci.gitutil import run_git as git
from mlci.records import find_record
from mlci.records.layout import record_json_path
from mlci.validate.baseline import resolve_baseline

BRANCH = "mlci/records"
CONFIG = parse_config("train:\n  command: python train.py\n  metrics: metrics.json\n")


def publish_local(root: Path, commit: str, **kw) -> None:  # type: ignore[no-untyped-def]
    record = make_record(commit, **kw)
    put_on_branch(root, BRANCH, {record_json_path(commit): record_bytes(record)})


def test_the_record_of_the_commit_itself_is_at_distance_0(repo: Path) -> None:
    c3, c2, *_ = history(repo)
    publish_local(repo, c2, acc=0.7)
    publish_local(repo, c3, acc=0.9)
    found = find_record(repo, BRANCH, c3, 100)
    assert found is not None
    assert (found.commit, found.distance, found.source) == (c3, 0, BRANCH)
    assert found.record.metrics == {"metrics.json": {"acc": 0.9}}


def test_the_nearest_ancestor_with_a_record_is_found_with_its_distance(repo: Path) -> None:
    c3, _, c1, c0 = history(repo)
    publish_local(repo, c0, acc=0.6)
    publish_local(repo, c1, acc=0.7)
    found = find_record(repo, BRANCH, c3, 100)
    assert found is not None and (found.commit, found.distance) == (c1, 2)


def test_a_record_beyond_max_distance_is_not_used(repo: Path) -> None:
    c3, _, c1, _ = history(repo)
    publish_local(repo, c1)
    assert find_record(repo, BRANCH, c3, 1) is None
    assert find_record(repo, BRANCH, c3, 2) is not None  # exactly at the bound counts


def test_malformed_failed_and_dirty_records_are_skipped_with_a_note(repo: Path) -> None:
    from mlci.records.branch import search_records

    c3, c2, c1, c0 = history(repo)
    put_on_branch(repo, BRANCH, {record_json_path(c3): b"{not json"})
    publish_local(repo, c2, status="failed")
    publish_local(repo, c1, dirty=True)
    publish_local(repo, c0, acc=0.5)
    search = search_records(repo, BRANCH, c3, 100)
    assert search.found is not None and (search.found.commit, search.found.distance) == (c0, 3)
    notes = "\n".join(search.notes)
    assert f"{BRANCH}:records/{c3}.json: skipped, not a readable run record" in notes
    assert f"records/{c2}.json: skipped, run 20261128T080000Z-{c2[:6]} failed" in notes
    assert "trained on uncommitted changes" in notes


def test_a_record_filed_under_another_commit_is_skipped(repo: Path) -> None:
    c3, c2, *_ = history(repo)
    put_on_branch(repo, BRANCH, {record_json_path(c3): record_bytes(make_record(c2))})
    assert find_record(repo, BRANCH, c3, 100) is None


def test_the_branch_is_fetched_from_origin_when_absent(repo: Path, tmp_path: Path) -> None:
    c3 = history(repo)[0]
    publish_local(repo, c3, acc=0.91)
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(repo), str(origin)], check=True)
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "-q", "--single-branch", "-b", "main", str(origin), str(clone)],
        check=True,
    )
    assert "mlci/records" not in git(clone, "branch", "-a")
    found = find_record(clone, BRANCH, c3, 100)
    assert found is not None and found.source == f"origin/{BRANCH}"
    assert found.record.metrics["metrics.json"]["acc"] == 0.91
    # Fetched into the remote-tracking ref only: no local branch, main untouched.
    assert git(clone, "rev-parse", f"refs/remotes/origin/{BRANCH}").strip()
    assert git(clone, "rev-parse", "main").strip() == c3


def test_a_failed_fetch_is_a_note_not_an_error(repo: Path, tmp_path: Path) -> None:
    from mlci.records.branch import search_records

    git(repo, "remote", "add", "origin", str(tmp_path / "nowhere.git"))
    search = search_records(repo, BRANCH, history(repo)[0], 100)
    assert search.found is None and search.branch.ref is None
    assert search.notes[0].startswith(f"no branch {BRANCH} here and could not fetch it from origin")


def test_no_records_branch_falls_through_to_committed_files(repo: Path) -> None:
    (repo / ".gitignore").write_text(".mlci/\n")
    (repo / "metrics.json").write_text('{"acc": 0.55}\n')
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "commit metrics")
    short = history(repo)[0][:7]
    baseline = resolve_baseline(CONFIG, repo, "main")
    assert baseline.source == "git-ref"
    assert baseline.description == f"`metrics.json` committed at `main` ({short})"
    assert baseline.notes == (f"no branch {BRANCH} in this repository: no published baselines",)
    assert baseline.metrics is not None and baseline.metrics.files[0].values == {"acc": 0.55}


def test_descriptions_name_the_base_by_branch_and_short_sha(repo: Path) -> None:
    c3, c2, c1, _ = history(repo)
    publish_local(repo, c3, acc=0.9)
    at_base = resolve_baseline(CONFIG, repo, "main")
    assert at_base.source == "records-branch" and at_base.distance == 0
    assert at_base.description == f"run record of `main` at {c3[:7]} from branch mlci/records"
    assert at_base.label == f"main ({c3[:7]})" and at_base.branch == BRANCH
    # A SHA given as --base: named by --base-branch, else shown short, never in full.
    named = resolve_baseline(CONFIG, repo, c3, base_name="main")
    assert named.description == at_base.description and named.label == f"main ({c3[:7]})"
    bare = resolve_baseline(CONFIG, repo, c3)
    assert bare.description == f"run record of {c3[:7]} from branch mlci/records"
    assert bare.label == c3[:7] and c3 not in bare.description
    # The nearest ancestor, stated with its distance.
    git(repo, "branch", "feature", c1)
    publish_local(repo, history(repo)[3])  # c0
    ancestor = resolve_baseline(CONFIG, repo, "feature")
    assert ancestor.description == (
        f"run record of {history(repo)[3][:7]}, 1 commit before the base `feature` "
        f"({c1[:7]}), from branch mlci/records"
    )
    far = resolve_baseline(CONFIG, repo, c2, base_name="release")
    assert far.distance == 2 and far.description == (
        f"run record of {history(repo)[3][:7]}, 2 commits before the base `release` "
        f"({c2[:7]}), from branch mlci/records"
    )


def test_no_baseline_at_a_sha_is_described_short(repo: Path) -> None:
    c3 = history(repo)[0]
    baseline = resolve_baseline(CONFIG, repo, c3)
    assert baseline.source == "none"
    assert baseline.description == (
        f"no baseline: no run record and no metrics file committed at {c3[:7]}"
    )


def test_the_records_branch_comes_before_the_local_run_record(repo: Path) -> None:
    from mlci.train.record import save_run

    c3 = history(repo)[0]
    save_run(repo, make_record(c3, acc=0.1, run="20261128T090000Z-local"))
    assert resolve_baseline(CONFIG, repo, "main").source == "run-record"
    publish_local(repo, c3, acc=0.9)
    published = resolve_baseline(CONFIG, repo, "main")
    assert published.source == "records-branch"
    assert published.metrics is not None and published.metrics.files[0].values == {"acc": 0.9}
    assert resolve_baseline(CONFIG, repo, "main", records_branch=False).source == "run-record"


@pytest.mark.parametrize("spec", ["mlflow:models:/churn@champion", "mlflow:runs:/abc"])
def test_mlflow_specs_go_to_the_tracking_backend(repo: Path, monkeypatch, spec) -> None:  # type: ignore[no-untyped-def]
    import sys
    import types

    from mlci.validate.baseline import Baseline

    calls = []
    module = types.ModuleType("mlci.tracking.mlflow")

    def baseline_from_uri(config, given, label):  # type: ignore[no-untyped-def]
        calls.append((given, label))
        return Baseline("mlflow", f"MLflow {given}")

    module.baseline_from_uri = baseline_from_uri  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "mlci.tracking.mlflow", module)
    assert resolve_baseline(CONFIG, repo, "main", spec).source == "mlflow"
    assert calls == [(spec, "metrics.json")]
