"""Publishing a report's images to the assets branch, against the GitHub fake over HTTP."""

from __future__ import annotations

import base64
import json
import re
import struct
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.github_fake import DEFAULT_REPO as REPO
from tests.github_fake import DEFAULT_TOKEN

from mlci.cli import cli
from mlci.errors import InputError
from mlci.github.assets import check_assets, publish_assets
from mlci.github.outbox import Outbox

BRANCH = "mlci/assets"
A, B = "a" * 40, "b" * 40
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4"/></svg>'


def png(red: int = 0, padding: int = 0) -> bytes:
    """A real 1x1 PNG; `padding` bytes of a private chunk make it as big as a test needs."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" + bytes([red, 0, 0]))
    extra = chunk(b"prVt", b"\x00" * padding) if padding else b""
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + extra
        + chunk(b"IDAT", pixels)
        + chunk(b"IEND", b"")
    )


def repo_state(fake):  # type: ignore[no-untyped-def]
    return fake.state.data["repos"][REPO]


def blob_at(fake, ref: str, path: str) -> bytes | None:  # type: ignore[no-untyped-def]
    """The bytes of `path` on `ref` in the fake (file_at decodes text only)."""
    from tests.github_fake import gitobjects

    repo = repo_state(fake)
    sha = repo["refs"][f"refs/heads/{ref}"]
    flat = gitobjects.flatten(repo["objects"], repo["objects"][sha]["tree"])
    if path not in flat:
        return None
    return base64.b64decode(repo["objects"][flat[path]["sha"]]["content"])


def test_first_publish_is_an_orphan_branch_of_images_only(fake, client) -> None:
    main = repo_state(fake)["refs"]["refs/heads/main"]
    files = {f"{A}/plots/roc.png": png(1), f"{A}-base/plots/roc.png": png(2), f"{A}/c.svg": SVG}
    result = publish_assets(client, BRANCH, A, files)
    assert result.created_branch and not result.unchanged and result.commit
    assert result.paths == tuple(sorted(files))
    refs = repo_state(fake)["refs"]
    assert refs["refs/heads/main"] == main and refs[f"refs/heads/{BRANCH}"] == result.commit
    assert repo_state(fake)["objects"][result.commit]["parents"] == []
    for path, content in files.items():
        assert blob_at(fake, BRANCH, path) == content
    assert blob_at(fake, BRANCH, "README.md") is None  # nothing of main's tree


def test_the_same_images_again_make_no_commit(fake, client) -> None:
    files = {f"{A}/plots/roc.png": png(1)}
    first = publish_assets(client, BRANCH, A, files)
    requests_before = len(fake.requests)
    again = publish_assets(client, BRANCH, A, files)
    assert again.unchanged and again.commit is None and not again.created_branch
    assert repo_state(fake)["refs"][f"refs/heads/{BRANCH}"] == first.commit
    new = fake.requests[requests_before:]
    assert not any("/git/commits" in r and r.startswith("POST") for r in new)
    assert not any(r.startswith("PATCH") for r in new)


def test_a_second_commit_adds_its_folder_on_top(fake, client) -> None:
    first = publish_assets(client, BRANCH, A, {f"{A}/plots/roc.png": png(1)})
    second = publish_assets(client, BRANCH, B, {f"{B}/plots/roc.png": png(9)})
    assert repo_state(fake)["objects"][second.commit]["parents"] == [first.commit]
    assert blob_at(fake, BRANCH, f"{A}/plots/roc.png") == png(1)
    assert blob_at(fake, BRANCH, f"{B}/plots/roc.png") == png(9)


@pytest.mark.parametrize(
    ("path", "content", "problem"),
    [
        (f"{B}/plots/roc.png", png(), f"is not under {A}/ or {A}-base/"),
        (".github/workflows/x.yml", b"on: push\n", "is not under"),
        (f"{A}/../{B}/roc.png", png(), "is not a plain relative path"),
        (f"{A}/run.sh", b"#!/bin/sh\n", "is not an image"),
        (f"{A}/fake.png", b"GIF89a not a png", "holds no image of the kind its name says"),
    ],
)
def test_only_images_of_the_reported_commit_may_go_on_the_branch(
    path: str, content: bytes, problem: str
) -> None:
    with pytest.raises(InputError, match=re.escape(problem)):
        check_assets(BRANCH, A, {path: content})


def test_bad_branch_and_sha_are_input_errors() -> None:
    with pytest.raises(
        InputError, match=re.escape("assets branch 'bad..name' is not a valid branch name")
    ):
        check_assets("bad..name", A, {})
    with pytest.raises(InputError, match="'abc123' is not a full commit SHA"):
        check_assets(BRANCH, "abc123", {})


def test_without_a_client_the_outbox_keeps_the_files(tmp_path: Path) -> None:
    files = {f"{A}/plots/roc.png": png(3)}
    result = publish_assets(None, BRANCH, A, files, outbox=Outbox(tmp_path))
    assert result.dry_run and result.commit is None
    assert result.outbox_path == tmp_path / "assets-mlci-assets"
    assert (tmp_path / "assets-mlci-assets" / A / "plots" / "roc.png").read_bytes() == png(3)


# -- `mlci publish-images`: the trusted job's half of `mlci report --images link` ----------


@pytest.fixture
def env(fake, no_waiting, monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    return {
        "GITHUB_TOKEN": DEFAULT_TOKEN,
        "GITHUB_API_URL": fake.url,
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_EVENT_PATH": "",
        "GITHUB_EVENT_NAME": "",
        "GITHUB_OUTPUT": str(tmp_path / "out.txt"),
    }


def artifact(folder: Path, files: dict[str, bytes], listed: list[str] | None = None) -> None:
    """A report folder as `mlci report` writes it (assets/ and assets.json)."""
    for path, content in files.items():
        target = folder / "assets" / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    manifest = {"branch": BRANCH, "commit": A, "files": sorted(files) if listed is None else listed}
    (folder / "assets.json").write_text(json.dumps(manifest))


def run(env, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, ["publish-images", *args], env=env, catch_exceptions=False)


def test_cli_publishes_only_the_images_of_the_given_commit(fake, env, tmp_path) -> None:
    files = {
        f"{A}/plots/roc.png": png(1),
        f"{A}-base/plots/roc.png": png(2),
        f"{B}/plots/roc.png": png(7),  # another commit's folder: a forged base, say
        f"{A}/plots/not.png": b"<html>not an image</html>",
    }
    artifact(tmp_path / "mlci-report", files)
    result = run(env, "--from", "mlci-report", "--sha", A.upper())
    assert result.exit_code == 0, result.output
    assert f"{B}/plots/roc.png: left out, it is not under {A}/ or {A}-base/" in result.output
    assert f"{A}/plots/not.png: left out, it is not the image its name says" in result.output
    assert f"images: committed 2 to {BRANCH} (" in result.output
    assert blob_at(fake, BRANCH, f"{A}/plots/roc.png") == png(1)
    assert blob_at(fake, BRANCH, f"{A}-base/plots/roc.png") == png(2)
    assert blob_at(fake, BRANCH, f"{B}/plots/roc.png") is None
    outputs = (tmp_path / "out.txt").read_text()
    assert repo_state(fake)["refs"][f"refs/heads/{BRANCH}"] in outputs  # assets-commit

    again = run(env, "--from", "mlci-report", "--sha", A, "--json")
    assert again.exit_code == 0, again.output
    result_json = json.loads(again.stdout)
    assert result_json["unchanged"] is True and len(result_json["left_out"]) == 2


def test_cli_follows_no_link_and_reads_only_listed_files(fake, env, tmp_path) -> None:
    outside = tmp_path / "secret.png"
    outside.write_bytes(png(5))
    folder = tmp_path / "mlci-report"
    artifact(folder, {f"{A}/plots/ok.png": png(1), f"{A}/plots/stale.png": png(4)})
    (folder / "assets" / A / "plots" / "link.png").symlink_to(outside)
    manifest = {"files": [f"{A}/plots/ok.png", f"{A}/plots/link.png", f"{A}/../../secret.png"]}
    (folder / "assets.json").write_text(json.dumps(manifest))
    result = run(env, "--from", "mlci-report", "--sha", A)
    assert result.exit_code == 0, result.output
    assert blob_at(fake, BRANCH, f"{A}/plots/ok.png") == png(1)
    assert blob_at(fake, BRANCH, f"{A}/plots/link.png") is None
    assert blob_at(fake, BRANCH, f"{A}/plots/stale.png") is None  # not in assets.json


def test_cli_caps_an_oversized_image(fake, env, tmp_path) -> None:
    artifact(tmp_path / "r", {f"{A}/big.png": png(padding=2**20 + 10), f"{A}/ok.png": png(1)})
    result = run(env, "--from", "r", "--sha", A)
    assert result.exit_code == 0, result.output
    assert f"{A}/big.png: left out, it is 1.0 MB, over the 1.0 MB cap" in result.output
    assert blob_at(fake, BRANCH, f"{A}/ok.png") == png(1)
    assert blob_at(fake, BRANCH, f"{A}/big.png") is None


def test_cli_without_images_publishes_nothing(fake, env, tmp_path) -> None:
    (tmp_path / "r").mkdir()
    result = run(env, "--from", "r", "--sha", A)
    assert result.exit_code == 0, result.output
    assert result.output == "images: none to publish in r\n"
    assert f"refs/heads/{BRANCH}" not in repo_state(fake)["refs"]


def test_cli_dry_run_writes_the_outbox(fake, env, tmp_path) -> None:
    artifact(tmp_path / "r", {f"{A}/plots/roc.png": png(1)})
    result = run(env, "--from", "r", "--sha", A, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "images: dry run, wrote .mlci/outbox/assets-mlci-assets" in result.output
    box = tmp_path / ".mlci" / "outbox" / "assets-mlci-assets" / A / "plots" / "roc.png"
    assert box.read_bytes() == png(1)
    assert f"refs/heads/{BRANCH}" not in repo_state(fake)["refs"]


def test_cli_bad_sha_and_bad_manifest_exit_2(fake, env, tmp_path) -> None:
    result = run(env, "--from", "r", "--sha", "HEAD")
    assert result.exit_code == 2
    assert "'head' is not a full commit SHA" in result.output
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "assets.json").write_text('{"files": "x.png"}')
    result = run(env, "--from", "r", "--sha", A)
    assert result.exit_code == 2
    assert "r/assets.json: `files` must be a list of paths" in result.output
