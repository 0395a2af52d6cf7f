"""Images the project writes (CML's `plot.png`), shown in the PR comment without a third-party host.

A comment can only show an image by URL, and a workflow has no GitHub API to upload
comment attachments. So mlci commits the images to a branch of the repository itself
(`mlci/assets` by default: an orphan branch, no history shared with the code; see
`mlci.github.assets`) and links them as

    https://github.com/OWNER/REPO/blob/mlci/assets/<path on the branch>?raw=true

which GitHub answers with the raw file: in a public repository for everyone, in a
private one for those who may read the repository (the same people who can read the
comment). Nothing leaves GitHub, and no token ends up in the comment.

Layout on the branch, one folder per reported commit:

    <head-sha>/<path>        the images of the head commit, by their repository path
    <head-sha>-base/<path>   the base side that this same report showed

Everything one report shows lives under its own head commit's folders. The images are
written by the pull request's code, so the job that publishes them (the trusted one,
with a token that may write) accepts nothing else: a pull request can only put pictures
into its own comment, never change what another report shows.

What is shown is bounded (`ImageLimits`): images over the per-image size, beyond the
count or the total size are left out of the comment with a note, so neither the comment
nor the branch grows without end. Content must match the name (a `.png` that is no PNG is
left out). The HTML report embeds the same images as `data:` URIs inside `<img>`, SVG
included: a browser runs no script of an SVG shown through `<img>`, while an inline
`<svg>` would run it, so an SVG is never pasted into the page as markup.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import quote

from mlci.markdown import markdown_table
from mlci.report.plots import ImagePair, ImageSide

if TYPE_CHECKING:
    from mlci.report.parts import ReportInputs
    from mlci.validate.baseline import Baseline

DEFAULT_ASSETS_BRANCH = "mlci/assets"
BASE_FOLDER_SUFFIX = "-base"
_SHA = re.compile(r"[0-9a-f]{40}")

Side = Literal["head", "base"]
# published: the URLs work now; pending: a later trusted step publishes the files before
# the comment is posted (the split workflow); dry-run: nothing is published, the comment
# says where the images would be; local: not a commit, so no folder to publish to.
ImageState = Literal["published", "pending", "dry-run", "local"]


@dataclass(frozen=True)
class ImageLimits:
    max_bytes: int = 2**20  # per image: plots are tens of kilobytes; 1 MiB is a photo
    max_images: int = 20  # per report, base and head counted apart
    max_total_bytes: int = 5 * 2**20


def media_type(path: str, content: bytes) -> str | None:
    """The image type of `content` when it matches the suffix of `path`, else None.

    Checked by content, not only by name: the publishing job takes these files from an
    artifact the pull request's code wrote, and only images may reach the branch.
    """
    suffix = path.rsplit(".", 1)[-1].lower() if "." in path else ""
    if suffix == "png" and content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if suffix in ("jpg", "jpeg") and content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if suffix == "gif" and content[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if suffix == "webp" and content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    if suffix == "svg" and _looks_like_svg(content):
        return "image/svg+xml"
    return None


def _looks_like_svg(content: bytes) -> bool:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return text.lstrip().startswith("<") and re.search(r"<svg[\s>/]", text[:8192]) is not None


def asset_folder(commit: str, side: Side) -> str:
    return commit if side == "head" else commit + BASE_FOLDER_SUFFIX


def asset_path_problem(path: str, commit: str) -> str | None:
    """Why `path` may not go onto the assets branch for a report of `commit`, or None."""
    folder, _, rest = path.partition("/")
    if folder not in (commit, commit + BASE_FOLDER_SUFFIX):
        return f"is not under {commit}/ or {commit}{BASE_FOLDER_SUFFIX}/"
    parts = rest.split("/")
    if not rest or any(p in ("", ".", "..") for p in parts) or "\\" in rest:
        return "is not a plain relative path"
    if not rest.lower().endswith((".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp")):
        return "is not an image (png, jpg, gif, svg, webp)"
    return None


def is_commit_sha(text: str | None) -> bool:
    return bool(text) and _SHA.fullmatch(text or "") is not None


def asset_url(server_url: str, repository: str, branch: str, path: str) -> str:
    """The URL GitHub answers with the raw file `path` of `branch` (see the module)."""
    return (
        f"{server_url.rstrip('/')}/{repository}/blob/"
        f"{quote(branch, safe='/')}/{quote(path, safe='/')}?raw=true"
    )


@dataclass(frozen=True)
class ReportImage:
    path: str  # in the repository: plots/confusion.png
    title: str
    side: Side
    media_type: str
    content: bytes
    asset_path: str  # on the assets branch: <sha>/plots/confusion.png
    same_as_base: bool = False  # a head image byte for byte the base's: shown once


@dataclass(frozen=True)
class ImageGallery:
    """The images one report shows, where they live and whether they are published."""

    images: tuple[ReportImage, ...]
    left_out: tuple[str, ...]  # one note per image (or group) not shown, with why
    branch: str
    state: ImageState
    commit: str | None = None
    repository: str | None = None
    server_url: str = "https://github.com"
    reason: str | None = None  # why not published (dry-run, local)

    def location(self, image: ReportImage) -> str:
        """The URL of `image`, or `branch:path` when the repository is not known."""
        if self.repository:
            return asset_url(self.server_url, self.repository, self.branch, image.asset_path)
        return f"{self.branch}:{image.asset_path}"

    def files(self) -> dict[str, bytes]:
        """Path on the assets branch -> content: what publishing commits."""
        return {image.asset_path: image.content for image in self.images}

    def by_path(self) -> list[tuple[str, str, ReportImage | None, ReportImage | None]]:
        """(path, title, base, head) per image file, in the order found."""
        rows: dict[str, list[ReportImage | None]] = {}
        titles: dict[str, str] = {}
        for image in self.images:
            sides = rows.setdefault(image.path, [None, None])
            sides[0 if image.side == "base" else 1] = image
            titles[image.path] = image.title
        return [(path, titles[path], base, head) for path, (base, head) in rows.items()]


def _size(n: int) -> str:
    return f"{n / 2**20:.1f} MB" if n >= 2**20 else f"{max(1, round(n / 1024))} kB"


def select_images(
    pairs: Sequence[ImagePair], commit: str | None, limits: ImageLimits = ImageLimits()
) -> tuple[tuple[ReportImage, ...], tuple[str, ...]]:
    """The images to show (head before base, in file order) and a note for each left out."""
    folder_of = commit or "uncommitted"
    images: list[ReportImage] = []
    notes: list[str] = []
    over_count: list[str] = []
    total = 0
    for pair in pairs:
        same = bool(
            pair.head and pair.base and pair.head.content and pair.head.content == pair.base.content
        )
        sides: tuple[tuple[Side, ImageSide | None], ...] = (
            ("head", pair.head),
            ("base", None if same else pair.base),
        )
        for side_name, side in sides:
            if side is None:
                continue
            label = pair.path if side_name == "head" else f"{pair.path} (base)"
            if side.content is None:
                notes.append(
                    f"{label}: {_size(side.size)}, over the {_size(limits.max_bytes)} cap per image"
                )
                continue
            kind = media_type(pair.path, side.content)
            if kind is None:
                notes.append(f"{label}: its content is not the image its name says")
                continue
            if len(images) >= limits.max_images:
                over_count.append(label)
                continue
            if total + side.size > limits.max_total_bytes:
                notes.append(
                    f"{label}: the report's images would pass {_size(limits.max_total_bytes)}"
                )
                continue
            total += side.size
            images.append(
                ReportImage(
                    pair.path,
                    pair.title,
                    side_name,
                    kind,
                    side.content,
                    f"{asset_folder(folder_of, side_name)}/{pair.path}",
                    same_as_base=same,
                )
            )
    if over_count:
        notes.append(
            f"{len(over_count)} more beyond {limits.max_images} images per report: "
            + ", ".join(over_count[:5])
            + (", ..." if len(over_count) > 5 else "")
        )
    return tuple(images), tuple(notes)


def report_image_pairs(
    sources: Sequence[str],
    root: Path,
    baseline: Baseline,
    limits: ImageLimits = ImageLimits(),
) -> tuple[ImagePair, ...]:
    """The images at `sources` (train.plots and other image files or folders), with the base
    side taken as the plots' is (`mlci.report.build`): the base record's local copy, else
    the records branch's copy of it, else the files committed at the base commit."""
    import tempfile

    from mlci.records.branch import extract_record_folder
    from mlci.report.plots import load_images
    from mlci.train.record import run_folder

    names = tuple(dict.fromkeys(s for s in sources if s))
    if not names:
        return ()
    record = baseline.record
    kept = run_folder(root, record.id) if record is not None else None
    if kept is not None and kept.is_dir():
        return load_images(names, root, baseline.commit, kept, max_bytes=limits.max_bytes)
    if baseline.source == "records-branch" and baseline.branch and record and record.commit:
        with tempfile.TemporaryDirectory(prefix="mlci-base-images-") as folder:
            if extract_record_folder(root, baseline.branch, record.commit, Path(folder)):
                return load_images(names, root, None, folder, max_bytes=limits.max_bytes)
    return load_images(names, root, baseline.commit, None, max_bytes=limits.max_bytes)


def read_asset_files(
    files: Mapping[str, bytes], commit: str, limits: ImageLimits = ImageLimits()
) -> tuple[dict[str, bytes], tuple[str, ...]]:
    """The files of a report's asset folder that may be published for `commit`, and notes.

    What the trusted publishing job applies to the artifact an untrusted job wrote: only
    `<commit>/` and `<commit>-base/`, only real images, within the same limits.
    """
    kept: dict[str, bytes] = {}
    notes: list[str] = []
    total = 0
    for path, content in sorted(files.items()):
        problem = asset_path_problem(path, commit)
        if problem is None and len(content) > limits.max_bytes:
            problem = f"is {_size(len(content))}, over the {_size(limits.max_bytes)} cap"
        if problem is None and media_type(path, content) is None:
            problem = "is not the image its name says"
        if problem is None and len(kept) >= limits.max_images:
            problem = f"is beyond {limits.max_images} images"
        if problem is None and total + len(content) > limits.max_total_bytes:
            problem = f"would pass {_size(limits.max_total_bytes)} in all"
        if problem is not None:
            notes.append(f"{path}: left out, it {problem}")
            continue
        kept[path] = content
        total += len(content)
    return kept, tuple(notes)


# -- the report section (registered in mlci.report.sections) -----------------------------
@dataclass(frozen=True)
class ImagesView:
    gallery: ImageGallery
    base_label: str


def build_images(inputs: ReportInputs) -> ImagesView | None:
    gallery = inputs.links.images
    if gallery is None or not (gallery.images or gallery.left_out):
        return None
    return ImagesView(gallery, inputs.base_label)


def _code(text: str) -> str:
    """`text` as an inline code span, whatever backticks it holds."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    return f"{fence} {text} {fence}" if longest else f"`{text}`"


def _alt(text: str) -> str:
    return re.sub(r"[\[\]\r\n]+", " ", text).strip()


def _shown(
    view: ImagesView, path: str, title: str, base: ReportImage | None, head: ReportImage | None
) -> list[str]:
    gallery = view.gallery
    base_name = f"base ({_code(view.base_label)})"
    out = ["", f"#### {title}", ""]
    if base is not None and head is not None:
        out.append(
            markdown_table(
                [base_name, "this pull request"],
                [
                    [
                        f"![{_alt(title)}, base]({gallery.location(base)})",
                        f"![{_alt(title)}, this pull request]({gallery.location(head)})",
                    ]
                ],
                align=["center", "center"],
            )
        )
        out += ["", f"_{_code(path)}: base left, this pull request right._"]
    elif head is not None:
        out += [f"![{_alt(title)}]({gallery.location(head)})", ""]
        if head.same_as_base:
            out.append(f"_{_code(path)}: the same as on the {base_name}._")
        else:
            out.append(f"_{_code(path)}: this pull request; the base shows no such image._")
    elif base is not None:
        out += [f"![{_alt(title)}, base]({gallery.location(base)})", ""]
        out.append(f"_{_code(path)}: {base_name} only; this pull request no longer writes it._")
    return out


def _listed(view: ImagesView) -> list[str]:
    gallery = view.gallery
    if gallery.state == "local":
        why = gallery.reason or "the work tree is not a commit"
        lead = f"_Not published ({why}); the HTML report shows them. The images:_"
    else:
        lead = (
            f"_Not published ({gallery.reason or 'dry run'}): with a token they go to branch "
            f"{_code(gallery.branch)} and show here from:_"
        )
    out = ["", lead, ""]
    for path, title, base, head in gallery.by_path():
        for image, who in ((head, "this pull request"), (base, f"base ({_code(view.base_label)})")):
            if image is not None:
                where = "" if gallery.state == "local" else f" → {_code(gallery.location(image))}"
                out.append(f"- {title}, {who}: {_code(path)}{where}")
    return out


def images_markdown(view: ImagesView) -> str:
    gallery = view.gallery
    out = ["### Images"]
    if gallery.state in ("published", "pending"):
        for path, title, base, head in gallery.by_path():
            out += _shown(view, path, title, base, head)
    else:
        out += _listed(view)
    if gallery.left_out:
        out += ["", "_Left out of this comment:_", ""]
        out += [f"- {_code(note)}" for note in gallery.left_out]
    return "\n".join(out)


def _img(image: ReportImage, alt: str) -> str:
    # A data: URI inside <img>, for SVG too: see the module docstring (no inline <svg>).
    data = base64.b64encode(image.content).decode("ascii")
    return f'<img alt="{escape(alt)}" src="data:{escape(image.media_type)};base64,{data}">'


def images_html(view: ImagesView) -> str:
    parts = ["<h2>Images</h2>"]
    base_name = f"base: {view.base_label}"
    for path, title, base, head in view.gallery.by_path():
        parts.append(f"<h3>{escape(title)}</h3>")
        figures = []
        for image, caption in ((base, base_name), (head, "this pull request")):
            if image is not None:
                figures.append(
                    f"<figure>{_img(image, f'{title}, {caption}')}"
                    f"<figcaption>{escape(caption)}: <code>{escape(path)}</code></figcaption>"
                    "</figure>"
                )
        parts.append("".join(figures))
    if view.gallery.left_out:
        items = "".join(f"<li>{escape(note)}</li>" for note in view.gallery.left_out)
        parts.append(f"<p>Left out:</p><ul>{items}</ul>")
    return "\n".join(parts)
