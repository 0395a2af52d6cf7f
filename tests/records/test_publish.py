"""Publishing records through the Git Data API, against the GitHub fake over HTTP."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tests.github_fake import DEFAULT_REPO as REPO
from tests.records.conftest import make_record, record_bytes

from mlci.errors import GateFailed, InputError
from mlci.github.outbox import Outbox
from mlci.github.records import TRAILER, publish_record
from mlci.records.layout import MAX_FILE_BYTES, record_files, record_json_path
from mlci.train.record import run_folder, save_run

BRANCH = "mlci/records"
A, B = "a" * 40, "b" * 40


def files_of(commit: str, acc: float = 0.8) -> dict[str, bytes]:
    return {record_json_path(commit): record_bytes(make_record(commit, acc=acc))}


def refs(fake) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return dict(fake.state.data["repos"][REPO]["refs"])


def test_first_publish_makes_an_orphan_branch_and_leaves_main_alone(fake, client) -> None:
    main = refs(fake)["refs/heads/main"]
    result = publish_record(client, BRANCH, files_of(A), "mlci: record of aaaaaaa")
    assert result.created_branch and not result.unchanged and result.commit
    assert refs(fake) == {"refs/heads/main": main, f"refs/heads/{BRANCH}": result.commit}
    commit = fake.state.data["repos"][REPO]["objects"][result.commit]
    assert commit["parents"] == [] and TRAILER in commit["message"]
    assert (
        fake.state.file_at(REPO, BRANCH, record_json_path(A))
        == files_of(A)[record_json_path(A)].decode()
    )
    assert fake.state.file_at(REPO, BRANCH, "README.md") is None  # nothing of main's tree


def test_the_same_record_again_commits_nothing(fake, client) -> None:
    first = publish_record(client, BRANCH, files_of(A), "one")
    again = publish_record(client, BRANCH, files_of(A), "one")
    assert again.unchanged and again.commit is None and not again.created_branch
    assert refs(fake)[f"refs/heads/{BRANCH}"] == first.commit


def test_a_second_record_is_added_on_top(fake, client) -> None:
    first = publish_record(client, BRANCH, files_of(A), "one")
    second = publish_record(client, BRANCH, files_of(B, acc=0.9), "two")
    objects = fake.state.data["repos"][REPO]["objects"]
    assert objects[second.commit]["parents"] == [first.commit]
    assert fake.state.file_at(REPO, BRANCH, record_json_path(A)) is not None
    assert '"acc": 0.9' in fake.state.file_at(REPO, BRANCH, record_json_path(B))


def test_binary_files_go_up_as_blobs(fake, client) -> None:
    files = {**files_of(A), f"records/{A}/plots/raw.bin": bytes([0, 255, 1])}
    publish_record(client, BRANCH, files, "bin")
    assert any("/git/blobs" in r for r in fake.requests)


def test_a_publish_racing_another_starts_over_on_the_new_tip(fake, client, monkeypatch) -> None:
    from mlci.github import records

    publish_record(client, BRANCH, files_of(A), "one")
    real = records.write_tree
    raced: list[str] = []

    def tree_then_someone_publishes(*args, **kwargs):  # type: ignore[no-untyped-def]
        tree = real(*args, **kwargs)
        if not raced:  # between our read of the tip and our ref update
            raced.append(
                fake.state.push_files(REPO, BRANCH, {"records/other.json": "{}\n"}, "x", "bot")
            )
        return tree

    monkeypatch.setattr(records, "write_tree", tree_then_someone_publishes)
    result = publish_record(client, BRANCH, files_of(B), "two")
    assert result.attempts == 2
    objects = fake.state.data["repos"][REPO]["objects"]
    assert objects[result.commit]["parents"] == raced  # on top of the other publish
    assert fake.state.file_at(REPO, BRANCH, "records/other.json") == "{}\n"
    assert fake.state.file_at(REPO, BRANCH, record_json_path(B)) is not None
    patches = [r for r in fake.requests if r.startswith("PATCH")]
    assert [r.rsplit(" ", 1)[1] for r in patches] == ["422", "200"]  # refused, then ours


def test_a_branch_that_keeps_moving_is_a_service_error(fake, client, monkeypatch) -> None:
    from mlci.github import records
    from mlci.github.errors import GitHubServiceError

    publish_record(client, BRANCH, files_of(A), "one")
    real = records.write_tree
    count = iter(range(100))

    def always_raced(*args, **kwargs):  # type: ignore[no-untyped-def]
        tree = real(*args, **kwargs)
        fake.state.push_files(REPO, BRANCH, {f"x{next(count)}": "x\n"}, "x", "bot")
        return tree

    monkeypatch.setattr(records, "write_tree", always_raced)
    with pytest.raises(GitHubServiceError, match=f"branch {BRANCH} kept moving"):
        publish_record(client, BRANCH, files_of(B), "two")


def test_dry_run_writes_the_files_to_the_outbox(tmp_path: Path) -> None:
    result = publish_record(
        None, BRANCH, files_of(A), "one", outbox=Outbox(tmp_path), outbox_key=A[:7]
    )
    assert result.dry_run and result.commit is None
    written = tmp_path / f"records-{A[:7]}" / record_json_path(A)
    assert written.read_bytes() == files_of(A)[record_json_path(A)]


def test_record_files_bring_the_plot_data_kept_with_the_run(tmp_path: Path) -> None:
    record = make_record(A)
    save_run(tmp_path, record)
    plots = run_folder(tmp_path, record.id) / "plots"
    plots.mkdir(parents=True)
    (plots / "loss.csv").write_text("epoch,loss\n1,0.5\n")
    (plots / "huge.csv").write_bytes(b"x" * (MAX_FILE_BYTES + 1))
    os.symlink("/etc/passwd", plots / "link.csv")
    published = record_files(tmp_path, record, "plots")
    assert sorted(published.files) == [f"records/{A}.json", f"records/{A}/plots/loss.csv"]
    # Byte for byte what save_run wrote.
    saved = (tmp_path / ".mlci" / "runs" / f"{record.id}.json").read_bytes()
    assert published.files[f"records/{A}.json"] == saved
    notes = "\n".join(published.notes)
    assert "plots/huge.csv: left out, 5.0 MB (over 5 MB)" in notes
    assert "plots/link.csv: left out, a link" in notes


def test_record_files_fall_back_to_train_plots_in_the_work_tree(tmp_path: Path) -> None:
    (tmp_path / "plots").mkdir()
    (tmp_path / "plots" / "roc.json").write_text("{}")
    published = record_files(tmp_path, make_record(A), "plots")
    assert f"records/{A}/plots/roc.json" in published.files


def test_a_plots_folder_that_links_out_of_the_repository_is_left_out(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.csv").write_text("a\n1\n")
    root = tmp_path / "repo"
    root.mkdir()
    os.symlink(outside, root / "plots")
    published = record_files(root, make_record(A), "plots")
    assert list(published.files) == [f"records/{A}.json"] and published.notes


@pytest.mark.parametrize(
    ("record", "error", "text"),
    [
        (make_record(A, status="failed"), GateFailed, "failed; only a succeeded run"),
        (make_record(A, dirty=True), InputError, "trained on uncommitted changes"),
        (make_record(""), InputError, "has no commit"),
    ],
)
def test_only_a_clean_succeeded_run_is_publishable(tmp_path, record, error, text) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error, match=text):
        record_files(tmp_path, record)
