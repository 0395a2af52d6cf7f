"""The fake's tags, releases, release assets and contents, driven through PyGithub.

These are the calls `mlci release`, `mlci promote` and `mlci baseline publish` make;
the `fake` fixture fails a test whose requests or responses break GitHub's schemas.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import urllib.request
from pathlib import Path

import pytest
import requests
from tests.github_fake import DEFAULT_REPO as REPO
from tests.github_fake import DEFAULT_TOKEN, FakeGitHub, FakeState
from tests.github_fake.schema import shared_schemas

from github import Auth, Github, GithubException, InputGitAuthor

TAGGER = InputGitAuthor("mlci bot", "mlci@example.com", "2024-03-04T05:06:07+02:00")
AUTH = {"Authorization": f"token {DEFAULT_TOKEN}"}
UPLOAD = "POST /repos/{owner}/{repo}/releases/{release_id}/assets"


def pygithub_repo(url: str):  # type: ignore[no-untyped-def]
    """A repository as a plain PyGithub client sees it (eager, no retries, no waits)."""
    gh = Github(
        auth=Auth.Token(DEFAULT_TOKEN),
        base_url=url,
        retry=None,
        seconds_between_requests=0,
        seconds_between_writes=0,
    )
    return gh.get_repo(REPO)


@pytest.fixture
def repo(client):  # type: ignore[no-untyped-def]
    """The repository through mlci's own client (lazy PyGithub objects)."""
    return client.repo


def main_sha(fake: FakeGitHub) -> str:
    return str(fake.state.data["repos"][REPO]["refs"]["refs/heads/main"])


def git(cwd: Path, *args: str, env: dict[str, str] | None = None) -> str:
    return subprocess.run(
        ["git", "-C", str(cwd), *args],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    ).stdout.strip()


# -- git tags and refs ---------------------------------------------------------------------
def test_annotated_tag_sha_is_the_one_real_git_computes(fake, repo, tmp_path):
    # The same blob in both places (the fake hashes blobs as git does), then the same
    # annotated tag on it: `git tag -a` here, POST /git/tags there.
    blob = repo.create_git_blob("model bytes\n", "utf-8").sha
    (tmp_path / "model.txt").write_text("model bytes\n")
    git(tmp_path, "init", "-q")
    assert git(tmp_path, "hash-object", "-w", "model.txt") == blob
    env = {
        "GIT_COMMITTER_NAME": TAGGER._identity["name"],
        "GIT_COMMITTER_EMAIL": TAGGER._identity["email"],
        "GIT_COMMITTER_DATE": TAGGER._identity["date"],
    }
    git(tmp_path, "tag", "-a", "churn@v0.1.0", blob, "-m", "Release churn 0.1.0", env=env)
    local = git(tmp_path, "rev-parse", "refs/tags/churn@v0.1.0")

    tag = repo.create_git_tag("churn@v0.1.0", "Release churn 0.1.0\n", blob, "blob", TAGGER)

    assert tag.sha == local
    assert tag.object.sha == blob and tag.object.type == "blob"
    assert tag.tagger.name == "mlci bot"
    again = repo.get_git_tag(tag.sha)
    assert (again.tag, again.message) == ("churn@v0.1.0", "Release churn 0.1.0\n")
    # POST /git/tags makes the object only; the ref is a second call.
    assert "churn@v0.1.0" not in fake.state.tags(REPO)


def test_tag_ref_points_at_the_tag_object_and_cannot_be_made_twice(fake, repo):
    head = main_sha(fake)
    tag = repo.create_git_tag("churn@v0.1.0", "first model\n", head, "commit")
    ref = repo.create_git_ref("refs/tags/churn@v0.1.0", tag.sha)
    assert (ref.object.type, ref.object.sha) == ("tag", tag.sha)

    got = repo.get_git_ref("tags/churn@v0.1.0")
    assert got.object.type == "tag" and got.object.sha == tag.sha
    with pytest.raises(GithubException) as twice:
        repo.create_git_ref("refs/tags/churn@v0.1.0", head)
    assert twice.value.status == 422
    assert twice.value.data["message"] == "Reference already exists"

    seen = fake.state.tags(REPO)["churn@v0.1.0"]
    assert seen["annotated"] and seen["commit"] == head and seen["sha"] == tag.sha
    assert seen["message"] == "first model\n"
    assert seen["tagger"]["name"] == "github-actions[bot]"  # the token's login


def test_tag_ref_to_a_missing_object_and_a_tag_of_the_wrong_type_are_422(repo, fake):
    with pytest.raises(GithubException) as missing:
        repo.create_git_ref("refs/tags/x", "f" * 40)
    assert missing.value.status == 422
    with pytest.raises(GithubException) as wrong:
        repo.create_git_tag("x", "m", main_sha(fake), "blob")
    assert wrong.value.status == 422


def test_matching_refs_is_a_prefix_match_and_stage_tags_survive_the_round_trip(fake, repo):
    head = main_sha(fake)
    for name in ("churn@v0.1.0", "churn@v0.2.0", "churner@v1.0.0", "churn#prod#1"):
        repo.create_git_ref(f"refs/tags/{name}", head)

    versions = [ref.ref for ref in repo.get_git_matching_refs("tags/churn@v")]
    assert versions == ["refs/tags/churn@v0.1.0", "refs/tags/churn@v0.2.0"]
    assert list(repo.get_git_matching_refs("tags/nothing@v")) == []
    # PyGithub quotes the prefix itself ("#" would end a URL path); the fake unquotes it,
    # and the ref's own `url` comes quoted so that delete() reaches it.
    stages = list(repo.get_git_matching_refs("tags/churn#prod#"))
    assert [ref.ref for ref in stages] == ["refs/tags/churn#prod#1"]
    stages[0].delete()
    assert "churn#prod#1" not in fake.state.tags(REPO)
    assert [t.name for t in repo.get_tags()] == ["churner@v1.0.0", "churn@v0.2.0", "churn@v0.1.0"]


# -- releases ------------------------------------------------------------------------------
def test_release_for_a_missing_tag_makes_a_lightweight_tag_at_the_target(fake, repo):
    first = main_sha(fake)
    fake.state.push_files(REPO, "main", {"model.txt": "v2\n"}, "retrain", "octocat")

    release = repo.create_git_release(
        "churn@v0.1.0", "churn 0.1.0", "# Model card", target_commitish=first
    )

    tag = fake.state.tags(REPO)["churn@v0.1.0"]
    assert tag == {**tag, "sha": first, "commit": first, "annotated": False}
    assert release.target_commitish == first and release.draft is False
    with pytest.raises(GithubException) as unknown:
        repo.create_git_release("churn@v0.2.0", "x", "y", target_commitish="no-such-branch")
    assert unknown.value.status == 422
    assert unknown.value.data["errors"][0]["field"] == "target_commitish"
    assert "churn@v0.2.0" not in fake.state.tags(REPO)


def test_a_draft_gets_its_tag_when_published(fake, repo):
    draft = repo.create_git_release("churn@v0.1.0", "churn", "card", draft=True)
    assert "churn@v0.1.0" not in fake.state.tags(REPO)
    assert draft.published_at is None
    with pytest.raises(GithubException) as hidden:  # drafts are not found by tag
        repo.get_release("churn@v0.1.0")
    assert hidden.value.status == 404

    published = draft.update_release("churn 0.1.0", "card", draft=False)

    assert published.published_at is not None
    assert fake.state.tags(REPO)["churn@v0.1.0"]["commit"] == main_sha(fake)
    assert repo.get_latest_release().id == draft.id


def test_release_get_list_update_latest_and_one_release_per_tag(fake, repo):
    made = [
        repo.create_git_release(f"churn@v0.{i}.0", f"churn 0.{i}.0", f"card {i}")
        for i in range(1, 4)
    ]

    assert [rel.tag_name for rel in repo.get_releases()] == [
        "churn@v0.3.0",
        "churn@v0.2.0",
        "churn@v0.1.0",
    ]
    assert repo.get_release("churn@v0.2.0").id == made[1].id
    assert repo.get_release(made[0].id).body == "card 1"
    assert repo.get_latest_release().tag_name == "churn@v0.3.0"
    page = requests.get(f"{fake.url}/repos/{REPO}/releases?per_page=2", headers=AUTH, timeout=5)
    assert [rel["tag_name"] for rel in page.json()] == ["churn@v0.3.0", "churn@v0.2.0"]
    assert page.links["next"]["url"].startswith(fake.url) and "page=2" in page.links["last"]["url"]

    updated = made[2].update_release("churn 0.3.0 (rc)", "new card", prerelease=True)
    assert (updated.name, updated.body, updated.prerelease) == (
        "churn 0.3.0 (rc)",
        "new card",
        True,
    )
    assert repo.get_latest_release().tag_name == "churn@v0.2.0"  # prereleases never are
    with pytest.raises(GithubException) as twice:
        repo.create_git_release("churn@v0.1.0", "again", "again")
    assert twice.value.status == 422
    assert twice.value.data["errors"] == [
        {"resource": "Release", "code": "already_exists", "field": "tag_name"}
    ]
    made[1].delete_release()
    assert [rel["tag_name"] for rel in fake.state.releases(REPO)] == [
        "churn@v0.3.0",
        "churn@v0.1.0",
    ]
    assert "churn@v0.2.0" in fake.state.tags(REPO)  # the tag outlives its release
    assert repo.get_latest_release().tag_name == "churn@v0.1.0"


# -- release assets ------------------------------------------------------------------------
def test_assets_upload_through_upload_url_and_download_byte_for_byte(fake, repo, tmp_path):
    model = tmp_path / "model.joblib"
    model.write_bytes(bytes(range(256)) * 4)
    release = repo.create_git_release("churn@v0.1.0", "churn 0.1.0", "card")
    assert release.upload_url.startswith(f"{fake.url}/repos/{REPO}/releases/")

    asset = release.upload_asset(
        str(model), label="the model", content_type="application/octet-stream"
    )
    card = release.upload_asset_from_memory(
        io.BytesIO(b"# churn\n"), 8, "model-card.md", content_type="text/markdown"
    )

    assert (asset.name, asset.size, asset.label, asset.state) == (
        "model.joblib",
        1024,
        "the model",
        "uploaded",
    )
    assert card.content_type == "text/markdown" and card.download_count == 0
    assert fake.state.asset_bytes(REPO, "churn@v0.1.0", "model.joblib") == model.read_bytes()
    listed = repo.get_release("churn@v0.1.0")
    assert [a.name for a in listed.assets] == ["model.joblib", "model-card.md"]
    assert [a.name for a in listed.get_assets()] == ["model.joblib", "model-card.md"]

    status, _, chunks = repo.get_release_asset(asset.id).download_asset(chunk_size=None)
    assert status == 200 and b"".join(chunks) == model.read_bytes()
    public = requests.get(card.browser_download_url, timeout=5)  # no token: public repo
    assert public.status_code == 200 and public.content == b"# churn\n"
    assert repo.get_release_asset(card.id).download_count == 1


def test_a_second_asset_of_one_name_is_422_and_delete_or_rename_frees_it(repo, tmp_path):
    path = tmp_path / "drift-profile.json"
    path.write_text("{}")
    release = repo.create_git_release("churn@v0.1.0", "churn 0.1.0", "card")
    first = release.upload_asset(str(path))
    assert first.content_type == "application/json"  # PyGithub guesses from the name

    with pytest.raises(GithubException) as twice:
        release.upload_asset(str(path))
    assert twice.value.status == 422
    assert twice.value.data["errors"][0] == {
        "resource": "ReleaseAsset",
        "code": "already_exists",
        "field": "name",
    }
    renamed = first.update_asset("drift profile (old).json", label="old")
    assert renamed.name == "drift.profile..old..json"  # GitHub's renaming of odd characters
    again = release.upload_asset(str(path))
    again.delete_asset()
    assert [a.name for a in release.get_assets()] == ["drift.profile..old..json"]


def test_an_upload_without_a_name_is_refused_and_flagged(fake):
    release = fake.state.add_release(REPO, "churn@v0.1.0")
    url = f"{fake.url}/repos/{REPO}/releases/{release['id']}/assets"
    answer = requests.post(
        url, data=b"x", headers={**AUTH, "Content-Type": "text/plain"}, timeout=5
    )
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["code"] == "missing_field"
    # The schema check saw the required `name` query parameter missing, too.
    assert fake.violations == [f"request {UPLOAD} query: 'name' is required"]
    fake.state.data["violations"].clear()


def test_seeded_releases_and_tags_read_back_through_the_api(fake):
    fake.state.add_tag(REPO, "churn@v0.1.0", message="annotated\n")
    fake.state.add_release(REPO, "churn@v0.1.0", body="card", assets={"model.bin": b"\x00"})
    repo = pygithub_repo(fake.url)  # eager PyGithub: a GET before every object
    release = repo.get_release("churn@v0.1.0")
    assert release.body == "card"
    assert [(a.name, a.size) for a in release.get_assets()] == [("model.bin", 1)]
    assert repo.get_git_ref("tags/churn@v0.1.0").object.type == "tag"


# -- contents ------------------------------------------------------------------------------
def test_contents_of_a_file_and_a_folder_at_a_ref(fake, repo):
    fake.state.push_files(
        REPO, "main", {"records/abc.json": '{"m": 1}\n', "records/abc/roc.csv": "x\n"}, "rec", "o"
    )
    fake.state.add_tag(REPO, "churn@v0.1.0")
    fake.state.push_files(REPO, "main", {"records/abc.json": '{"m": 2}\n'}, "rec2", "o")

    old = repo.get_contents("records/abc.json", ref="churn@v0.1.0")
    assert old.decoded_content == b'{"m": 1}\n' and old.type == "file"
    assert repo.get_contents("records/abc.json").decoded_content == b'{"m": 2}\n'
    folder = repo.get_contents("records", ref="main")
    assert [(c.path, c.type) for c in folder] == [
        ("records/abc", "dir"),
        ("records/abc.json", "file"),
    ]
    with pytest.raises(GithubException) as missing:
        repo.get_contents("records/nope.json")
    assert missing.value.status == 404


# -- the fake's plumbing -------------------------------------------------------------------
def test_state_file_and_state_route_carry_tags_releases_and_asset_bytes(tmp_path):
    state_file = tmp_path / "state.json"
    with FakeGitHub(state_file=state_file) as fake:
        repo = pygithub_repo(fake.url)
        release = repo.create_git_release("churn@v0.1.0", "churn 0.1.0", "card")
        release.upload_asset_from_memory(io.BytesIO(b"weights"), 7, "model.bin")
        with urllib.request.urlopen(f"{fake.url}/_fake/state", timeout=5) as answer:
            summary = json.loads(answer.read())["summary"][REPO]
        assert fake.violations == []

    saved = FakeState.load(state_file)
    assert saved.asset_bytes(REPO, "churn@v0.1.0", "model.bin") == b"weights"
    assert list(saved.tags(REPO)) == ["churn@v0.1.0"]
    assert summary["tags"]["churn@v0.1.0"]["annotated"] is False
    assert summary["releases"][0]["assets"][0]["name"] == "model.bin"
    assert "content" not in summary["releases"][0]["assets"][0]  # bytes stay in `repos`


def test_uploads_work_under_an_enterprise_path_prefix():
    with FakeGitHub(prefix="/api/v3") as fake:
        repo = pygithub_repo(fake.url)
        release = repo.create_git_release("churn@v0.1.0", "churn", "card")
        asset = release.upload_asset_from_memory(io.BytesIO(b"abc"), 3, "m.bin")
        assert asset.url.startswith(fake.url)
        assert fake.state.asset_bytes(REPO, "churn@v0.1.0", "m.bin") == b"abc"
        assert fake.violations == []


def test_query_parameters_are_checked_against_the_description():
    schemas = shared_schemas()
    assert schemas.check_query(UPLOAD, {"name": ["m.bin"], "label": [""]}) == []
    assert schemas.check_query(UPLOAD, {}) == [f"{UPLOAD} query: 'name' is required"]
    listing = "GET /repos/{owner}/{repo}/releases"
    assert schemas.check_query(listing, {"per_page": ["ten"]}) == [
        f"{listing} query: per_page='ten' is not an integer"
    ]


def test_a_local_git_history_imports_under_its_own_shas(fake, repo, tmp_path):
    # mlci releases the commit it runs on: the fake must know that very commit.
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "train.py").write_text("print('fit')\n")
    (tmp_path / "run.sh").write_text("#!/bin/sh\n")
    (tmp_path / "run.sh").chmod(0o755)
    env = {
        "GIT_AUTHOR_NAME": "Ana",
        "GIT_AUTHOR_EMAIL": "ana@example.com",
        "GIT_AUTHOR_DATE": "2024-05-06T07:08:09+05:30",
        "GIT_COMMITTER_NAME": "Ana",
        "GIT_COMMITTER_EMAIL": "ana@example.com",
        "GIT_COMMITTER_DATE": "2024-05-06T07:08:09-04:00",
    }
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "first", env=env)
    (tmp_path / "src" / "train.py").write_text("print('fit harder')\n")
    git(tmp_path, "commit", "-q", "-am", "second\n\nwith a body", env=env)
    head = git(tmp_path, "rev-parse", "HEAD")

    assert fake.state.import_git(REPO, tmp_path, branch="release-test") == head

    commit = repo.get_git_commit(head)
    assert commit.message == "second\n\nwith a body\n" and len(commit.parents) == 1
    release = repo.create_git_release("churn@v0.1.0", "churn", "card", target_commitish=head)
    assert fake.state.tags(REPO)["churn@v0.1.0"]["commit"] == head
    code = repo.get_contents("src/train.py", ref=release.tag_name).decoded_content
    assert code == b"print('fit harder')\n"
