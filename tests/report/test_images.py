"""Images the project writes: found, capped, shown in the comment by URL, embedded in HTML."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.github.conftest import FakeClock, clock, fake, no_waiting  # noqa: F401 (fixtures)
from tests.github.test_github_assets import blob_at, png
from tests.github_fake import DEFAULT_REPO as REPO
from tests.github_fake import DEFAULT_TOKEN
from tests.report.test_report import project  # noqa: F401 (fixture)

from mlci.cli import cli
from mlci.gitutil import init_repository, rev_parse
from mlci.gitutil import run_git as git
from mlci.report.images import (
    ImageGallery,
    ImageLimits,
    ImagesView,
    images_html,
    images_markdown,
    media_type,
    select_images,
)
from mlci.report.plots import ImagePair, ImageSide, load_images

A = "a" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 16
SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><rect width="2"/></svg>'
EVIL_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
    b"<script>alert(document.cookie)</script></svg>"
)


def pair(path: str, head: bytes | None, base: bytes | None = None) -> ImagePair:
    def side(content: bytes | None) -> ImageSide | None:
        return None if content is None else ImageSide(len(content), content)

    return ImagePair(path, Path(path).stem.title(), side(base), side(head))


# -- finding them ------------------------------------------------------------------------
def test_image_files_are_found_by_suffix_nested_and_by_file(tmp_path: Path) -> None:
    init_repository(tmp_path)
    (tmp_path / "plots" / "eval" / "deep").mkdir(parents=True)
    (tmp_path / "plots" / "roc.csv").write_text("fpr,tpr\n0,0\n1,1\n")  # plot data, not an image
    (tmp_path / "plots" / "loss.PNG").write_bytes(png(1))
    (tmp_path / "plots" / "eval" / "confusion.jpg").write_bytes(JPEG)
    (tmp_path / "plots" / "eval" / "deep" / "tree.svg").write_bytes(SVG)
    (tmp_path / "plot.png").write_bytes(png(2))  # CML's plot.png, at the root
    outside = tmp_path.parent / f"{tmp_path.name}-secret.png"
    outside.write_bytes(png(9))
    (tmp_path / "plots" / "leak.png").symlink_to(outside)

    pairs = load_images(("plots", "plot.png", "missing"), tmp_path)
    assert [p.path for p in pairs] == [
        "plots/eval/confusion.jpg",
        "plots/eval/deep/tree.svg",
        "plots/loss.PNG",
        "plot.png",
    ]
    assert all(p.base is None and p.head is not None for p in pairs)
    assert pairs[3].head == ImageSide(len(png(2)), png(2))
    assert pairs[0].title == "Confusion"


def test_the_base_side_comes_from_the_base_ref_or_the_records_copy(tmp_path: Path) -> None:
    init_repository(tmp_path)
    (tmp_path / "plots").mkdir()
    (tmp_path / "plots" / "loss.png").write_bytes(png(1))
    (tmp_path / "plots" / "old.png").write_bytes(png(3))
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "base")
    (tmp_path / "plots" / "loss.png").write_bytes(png(2))
    (tmp_path / "plots" / "old.png").unlink()
    (tmp_path / "plots" / "new.svg").write_bytes(SVG)

    by_path = {p.path: p for p in load_images("plots", tmp_path, "HEAD")}
    assert by_path["plots/loss.png"].base.content == png(1)  # type: ignore[union-attr]
    assert by_path["plots/loss.png"].head.content == png(2)  # type: ignore[union-attr]
    assert by_path["plots/old.png"].head is None and by_path["plots/new.svg"].base is None

    copy = tmp_path / "record-copy"
    (copy / "plots").mkdir(parents=True)
    (copy / "plots" / "loss.png").write_bytes(png(7))
    by_path = {p.path: p for p in load_images("plots", tmp_path, "HEAD", copy)}
    assert by_path["plots/loss.png"].base.content == png(7)  # type: ignore[union-attr]
    assert "plots/old.png" not in by_path  # the copy, not the commit, is the base side


def test_an_oversized_file_keeps_its_size_not_its_bytes(tmp_path: Path) -> None:
    (tmp_path / "big.png").write_bytes(png(padding=5000))
    (found,) = load_images("big.png", tmp_path, max_bytes=1000)
    assert found.head is not None and found.head.content is None and found.head.size > 5000


# -- what is shown -----------------------------------------------------------------------
def test_media_type_is_read_from_the_content() -> None:
    assert media_type("a.png", png()) == "image/png"
    assert media_type("a.jpeg", JPEG) == "image/jpeg"
    assert media_type("a.svg", SVG) == "image/svg+xml"
    assert media_type("a.gif", b"GIF89a....") == "image/gif"
    assert media_type("a.webp", b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert media_type("a.png", JPEG) is None  # the name says PNG, the bytes do not
    assert media_type("a.svg", b"<html><body>hi</body></html>") is None
    assert media_type("a.txt", png()) is None


def test_caps_per_image_count_and_total_leave_images_out_with_a_note() -> None:
    limits = ImageLimits(max_bytes=len(png(padding=100)), max_images=3, max_total_bytes=10_000)
    big = ImagePair("plots/big.png", "Big", None, ImageSide(5 * 2**20, None))
    wrong = pair("plots/wrong.png", JPEG)
    small = [pair(f"plots/p{i}.png", png(i), png(i + 100) if i == 0 else None) for i in range(4)]
    images, notes = select_images([big, wrong, *small], A, limits)
    assert [(i.path, i.side) for i in images] == [
        ("plots/p0.png", "head"),
        ("plots/p0.png", "base"),
        ("plots/p1.png", "head"),
    ]
    assert [i.asset_path for i in images] == [
        f"{A}/plots/p0.png",
        f"{A}-base/plots/p0.png",
        f"{A}/plots/p1.png",
    ]
    assert notes == (
        "plots/big.png: 5.0 MB, over the 1 kB cap per image",
        "plots/wrong.png: its content is not the image its name says",
        "2 more beyond 3 images per report: plots/p2.png, plots/p3.png",
    )
    total = ImageLimits(max_total_bytes=len(png(1)) + 10)
    images, notes = select_images([pair("a.png", png(1)), pair("b.png", png(2))], A, total)
    assert [i.path for i in images] == ["a.png"]
    assert notes == ("b.png: the report's images would pass 1 kB",)


def gallery(state: str, pairs: list[ImagePair], **kw) -> ImageGallery:  # type: ignore[no-untyped-def]
    images, notes = select_images(pairs, A)
    return ImageGallery(images, notes, "mlci/assets", state, A, **kw)  # type: ignore[arg-type]


def test_published_images_are_shown_by_url_side_by_side() -> None:
    shown = gallery(
        "published",
        [
            pair("plots/roc.png", png(1), png(2)),
            pair("plot 1.png", png(3)),
            pair("gone.png", None, png(5)),
        ],
        repository="octo/demo",
    )
    text = images_markdown(ImagesView(shown, "main (3f2a1b2)"))
    url = "https://github.com/octo/demo/blob/mlci/assets"
    assert text.startswith(
        "### Images\n\n#### Roc\n\n| base (`main (3f2a1b2)`) | this pull request |"
    )
    assert f"![Roc, base]({url}/{A}-base/plots/roc.png?raw=true)" in text
    assert f"![Roc, this pull request]({url}/{A}/plots/roc.png?raw=true)" in text
    assert f"![Plot 1]({url}/{A}/plot%201.png?raw=true)" in text  # quoted: a space ends a URL
    assert "_`plot 1.png`: this pull request; the base shows no such image._" in text
    assert f"![Gone, base]({url}/{A}-base/gone.png?raw=true)" in text
    assert "_`gone.png`: base (`main (3f2a1b2)`) only; this pull request no longer writes it._" in (
        text
    )


def test_an_image_the_same_on_both_sides_is_shown_once() -> None:
    shown = gallery("published", [pair("a.png", png(4), png(4))], repository="o/r")
    assert [(i.side, i.same_as_base) for i in shown.images] == [("head", True)]
    text = images_markdown(ImagesView(shown, "main"))
    assert text.count("![") == 1 and "_`a.png`: the same as on the base (`main`)._" in text


def test_github_enterprise_urls_use_the_server() -> None:
    shown = gallery(
        "pending", [pair("a.png", png())], repository="o/r", server_url="https://ghe.example"
    )
    assert f"(https://ghe.example/o/r/blob/mlci/assets/{A}/a.png?raw=true)" in images_markdown(
        ImagesView(shown, "main")
    )


def test_a_dry_run_says_where_the_images_would_be_and_shows_none() -> None:
    listed = gallery(
        "dry-run", [pair("a.png", png(1), png(2))], repository="o/r", reason="no GITHUB_TOKEN"
    )
    text = images_markdown(ImagesView(listed, "main"))
    assert "![" not in text  # no broken images in the comment
    assert "_Not published (no GITHUB_TOKEN): with a token they go to branch `mlci/assets`" in text
    assert (
        f"- A, this pull request: `a.png` → `https://github.com/o/r/blob/mlci/assets/{A}/a.png?raw=true`"
        in text
    )
    assert (
        f"- A, base (`main`): `a.png` → `https://github.com/o/r/blob/mlci/assets/{A}-base/a.png?raw=true`"
        in text
    )
    unknown_repo = gallery("dry-run", [pair("a.png", png(1))])
    assert f"→ `mlci/assets:{A}/a.png`" in images_markdown(ImagesView(unknown_repo, "main"))


def test_left_out_images_are_named_in_the_comment() -> None:
    big = ImagePair("plots/big.png", "Big", None, ImageSide(3 * 2**20, None))
    text = images_markdown(
        ImagesView(gallery("published", [big, pair("a.png", png())], repository="o/r"), "main")
    )
    assert text.endswith(
        "_Left out of this comment:_\n\n- `plots/big.png: 3.0 MB, over the 1.0 MB cap per image`"
    )


def test_html_embeds_every_image_as_an_img_data_uri_and_never_inlines_svg() -> None:
    shown = gallery(
        "published", [pair("plots/evil.svg", EVIL_SVG), pair("a.png", png(1))], repository="o/r"
    )
    html = images_html(ImagesView(shown, "main"))
    # A script inside an SVG shown through <img> does not run; pasted inline it would.
    assert "<script" not in html and "onload" not in html and "<svg" not in html
    uris = re.findall(r'<img alt="[^"]*" src="data:([^;]+);base64,([^"]+)">', html)
    assert [(kind, base64.b64decode(data)) for kind, data in uris] == [
        ("image/svg+xml", EVIL_SVG),
        ("image/png", png(1)),
    ]


# -- through `mlci report` ---------------------------------------------------------------
IMAGE_CONFIG = """
project: pictures
train:
  metrics: metrics.json
  params: null
  model: null
  plots: plots
"""


@pytest.fixture
def pictures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A CML-style project: `plots/loss.png` committed on main, changed on a branch that
    also writes `plot.png` at the root; both sides committed."""
    init_repository(tmp_path)
    (tmp_path / "mlci.yaml").write_text(IMAGE_CONFIG)
    (tmp_path / "metrics.json").write_text('{"acc": 0.8}')
    (tmp_path / "plots").mkdir()
    (tmp_path / "plots" / "loss.png").write_bytes(png(1))
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "base")
    git(tmp_path, "checkout", "-qb", "feature")
    (tmp_path / "metrics.json").write_text('{"acc": 0.85}')
    (tmp_path / "plots" / "loss.png").write_bytes(png(2))
    (tmp_path / "plot.png").write_bytes(png(3))
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "head")
    monkeypatch.chdir(tmp_path)
    for name in ("GITHUB_ACTIONS", "GITHUB_TOKEN", "GITHUB_REPOSITORY", "GITHUB_EVENT_PATH"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def report(*args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    base = ["report", "--base", "main", "--out", "out", "--image", "plot.png"]
    return CliRunner().invoke(cli, [*base, *args], env=env, catch_exceptions=False)


def test_cli_report_lists_images_keeps_them_in_out_and_embeds_them(pictures: Path) -> None:
    head = rev_parse(pictures, "HEAD")
    result = report()
    assert result.exit_code == 0, result.output
    assert "images: 3 not published (no --post); out/assets holds them" in result.output
    comment = (pictures / "out" / "comment.md").read_text()
    assert "### Images" in comment and "![" not in comment.split("### Images")[1]
    assert (
        f"- Loss, this pull request: `plots/loss.png` → `mlci/assets:{head}/plots/loss.png`"
        in comment
    )
    assets = pictures / "out" / "assets"
    assert (assets / head / "plots" / "loss.png").read_bytes() == png(2)
    assert (assets / f"{head}-base" / "plots" / "loss.png").read_bytes() == png(1)
    assert (assets / head / "plot.png").read_bytes() == png(3)
    manifest = json.loads((pictures / "out" / "assets.json").read_text())
    assert manifest["commit"] == head and manifest["files"] == sorted(
        [f"{head}/plots/loss.png", f"{head}-base/plots/loss.png", f"{head}/plot.png"]
    )
    html = (pictures / "out" / "report.html").read_text()
    assert base64.b64encode(png(3)).decode() in html and "<h2>Images</h2>" in html
    assert (
        json.loads((pictures / "out" / "report.json").read_text())["sections"].count("images") == 1
    )


def test_cli_report_post_without_a_token_keeps_the_images_in_the_outbox(pictures: Path) -> None:
    head = rev_parse(pictures, "HEAD")
    result = report("--post", env={"GITHUB_REPOSITORY": "octo/demo"})
    assert result.exit_code == 0, result.output
    assert "images: dry run, wrote .mlci/outbox/assets-mlci-assets" in result.output
    box = pictures / ".mlci" / "outbox" / "assets-mlci-assets"
    assert (box / head / "plot.png").read_bytes() == png(3)
    posted = (pictures / ".mlci" / "outbox" / "comment-report.md").read_text()
    would = f"`https://github.com/octo/demo/blob/mlci/assets/{head}/plot.png?raw=true`"
    assert "_Not published (no GITHUB_TOKEN)" in posted and would in posted


def test_cli_report_images_link_writes_urls_for_a_later_publish(pictures: Path) -> None:
    head = rev_parse(pictures, "HEAD")
    result = report("--images", "link", env={"GITHUB_REPOSITORY": "octo/demo"})
    assert result.exit_code == 0, result.output
    assert (
        "images: 3 linked to branch mlci/assets (`mlci publish-images` publishes them); "
        "out/assets holds them" in result.output
    )
    comment = (pictures / "out" / "comment.md").read_text()
    url = f"https://github.com/octo/demo/blob/mlci/assets/{head}"
    assert f"![Plot]({url}/plot.png?raw=true)" in comment
    assert f"![Loss, base]({url}-base/plots/loss.png?raw=true)" in comment


def test_cli_report_images_link_needs_a_repository(pictures: Path) -> None:
    result = report("--images", "link")
    assert result.exit_code == 2
    assert "--images link: no repository to link the images in" in result.output


def test_cli_report_images_off_and_a_bad_branch(pictures: Path) -> None:
    result = report("--images", "off")
    assert result.exit_code == 0, result.output
    assert "### Images" not in (pictures / "out" / "comment.md").read_text()
    assert not (pictures / "out" / "assets.json").exists()
    result = report("--assets-branch", "bad..name")
    assert result.exit_code == 2
    assert "--assets-branch 'bad..name' is not a valid branch name" in result.output


def test_the_report_fixture_without_images_has_no_images_section(project: Path) -> None:  # noqa: F811
    result = CliRunner().invoke(cli, ["report", "--base", "main", "--out", "out"])
    assert result.exit_code == 0, result.output
    assert "### Images" not in (project / "out" / "comment.md").read_text()
    assert "images:" not in result.output


def test_cli_report_post_publishes_then_comments_with_the_urls(
    pictures: Path,
    fake,  # noqa: F811
    no_waiting: FakeClock,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_head = fake.state.push_files(REPO, "main", {"x.txt": "x\n"}, "x", "octocat")
    number = int(fake.state.add_pull(REPO, head="main", title="Pictures")["number"])
    event = pictures.parent / "event.json"
    event.write_text(
        json.dumps(
            {
                "number": number,
                "pull_request": {
                    "number": number,
                    "head": {"sha": fake_head, "ref": "feature", "repo": {"full_name": REPO}},
                    "base": {"ref": "main", "repo": {"full_name": REPO}},
                },
                "repository": {"full_name": REPO},
            }
        )
    )
    env = {
        "GITHUB_TOKEN": DEFAULT_TOKEN,
        "GITHUB_API_URL": fake.url,
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event),
    }
    head = rev_parse(pictures, "HEAD")
    result = report("--post", env=env)
    assert result.exit_code == 0, result.output
    assert "images: committed 3 to mlci/assets (" in result.output
    assert blob_at(fake, "mlci/assets", f"{head}/plot.png") == png(3)
    assert blob_at(fake, "mlci/assets", f"{head}-base/plots/loss.png") == png(1)
    (body,) = [c["body"] for c in fake.state.comments(REPO, number)]
    assert f"![Plot](https://github.com/{REPO}/blob/mlci/assets/{head}/plot.png?raw=true)" in body

    tip = fake.state.data["repos"][REPO]["refs"]["refs/heads/mlci/assets"]
    again = report("--post", env=env)
    assert again.exit_code == 0, again.output
    assert "images: already on mlci/assets, nothing committed" in again.output
    assert fake.state.data["repos"][REPO]["refs"]["refs/heads/mlci/assets"] == tip


def test_train_images_in_mlci_yaml_and_report_images_false(pictures: Path) -> None:
    """A CML-style `plot.png` at the root, named in mlci.yaml rather than with --image;
    `github.report_images: false` turns images off unless the command asks for them."""
    head = rev_parse(pictures, "HEAD")
    config = (pictures / "mlci.yaml").read_text()
    (pictures / "mlci.yaml").write_text(config.replace("train:", "train:\n  images: [plot.png]"))
    result = CliRunner().invoke(cli, ["report", "--base", "main", "--out", "out"])
    assert result.exit_code == 0, result.output
    assert (pictures / "out" / "assets" / head / "plot.png").read_bytes() == png(3)
    text = (pictures / "mlci.yaml").read_text()
    (pictures / "mlci.yaml").write_text("github:\n  report_images: false\n" + text)
    result = CliRunner().invoke(cli, ["report", "--base", "main", "--out", "out2"])
    assert result.exit_code == 0, result.output
    assert "### Images" not in (pictures / "out2" / "comment.md").read_text()
