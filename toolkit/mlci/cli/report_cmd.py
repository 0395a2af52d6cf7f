"""`mlci report`: the pull-request report (markdown comment, HTML, JSON)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from mlci.cli._github import github_options
from mlci.cli._options import config_option
from mlci.markdown import GITHUB_COMMENT_LIMIT

if TYPE_CHECKING:
    from pathlib import Path

    from mlci.config.schema import MlciConfig
    from mlci.gha import EventContext
    from mlci.github.client import GitHubClient
    from mlci.report.images import ImageGallery
    from mlci.validate.baseline import Baseline

# Literal here, not imported: `mlci --help` imports this module (mlci.report.images has it).
DEFAULT_ASSETS_BRANCH = "mlci/assets"


@click.command("report")
@click.option(
    "--base",
    "base_ref",
    default=None,
    help="Git ref to compare with (default: the PR's base branch, else github.default_branch).",
)
@click.option(
    "--base-branch",
    "base_name",
    default=None,
    help="Name of the base branch, when --base is a commit SHA (shown as `main (3f2a1b2)`).",
)
@click.option(
    "--baseline",
    "baseline_file",
    default=None,
    help="Metrics file, run record or mlflow:models:/NAME@ALIAS to compare with instead of --base.",
)
@click.option(
    "--out",
    "out_dir",
    default=".mlci/report",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder for report.md/.html/.json.",
)
@click.option(
    "--post",
    is_flag=True,
    help="Post the sticky PR comment and a check run (outbox without a token).",
)
@click.option("--no-html", is_flag=True, help="Skip the HTML report.")
@click.option(
    "--data-check",
    "data_check",
    default=None,
    type=click.Path(dir_okay=False),
    help="JSON of `mlci data check --json`: adds a Data checks section.",
)
@click.option(
    "--max-chars",
    type=click.IntRange(1000, GITHUB_COMMENT_LIMIT),
    default=GITHUB_COMMENT_LIMIT,
    show_default=True,
    help="Cap of the comment's size.",
)
@click.option(
    "--images",
    "images_mode",
    type=click.Choice(["auto", "link", "off"]),
    default=None,
    help="Images the training wrote (png/jpg/gif/svg/webp under train.plots, train.images and "
    "--image): auto publishes them to the assets branch with --post and a token, else lists "
    "where they would be; link shows them by URL and leaves publishing to `mlci "
    "publish-images` in a later trusted job; off leaves them out. [default: auto, or off "
    "when github.report_images is false]",
)
@click.option(
    "--image",
    "image_paths",
    multiple=True,
    help="Another image file or folder the training writes, besides train.plots "
    "(e.g. plot.png); repeatable.",
)
@click.option(
    "--assets-branch",
    default=None,
    help="Branch the images are published to (an orphan branch of images only) "
    "[default: github.assets_branch, mlci/assets].",
)
@click.option(
    "--candidates",
    "candidates_dir",
    default=None,
    type=click.Path(file_okay=False),
    help="Folder of a sweep's candidate records (DIR/<id>/run.json, from `mlci sweep` or the "
    "CI matrix): report the best one by train.select.metric, with every candidate in a table.",
)
@config_option
def report(
    base_ref: str | None,
    base_name: str | None,
    baseline_file: str | None,
    out_dir: str,
    post: bool,
    no_html: bool,
    data_check: str | None,
    max_chars: int,
    images_mode: str | None,
    image_paths: tuple[str, ...],
    assets_branch: str | None,
    candidates_dir: str | None,
    config_path: str | None,
) -> None:
    """Write the pull-request report: verdict, gates, metrics, params, plots, lineage.

    The baseline is, in order: --baseline, the run record of the base commit (or of
    its nearest ancestor) on the records branch, its run record in .mlci/runs/, the
    metrics file committed at the base ref; the report says which one it used and
    names the base by branch and short SHA (--base-branch names a SHA's branch). An
    unknown base ref or a malformed --baseline exits 2; a base without usable metrics
    is reported, not fatal. Writes OUT/report.md (full), OUT/comment.md
    (capped to GitHub's limit), OUT/report.html and OUT/report.json; appends the
    comment to the step summary. Exits 0 whatever the gates say (use `mlci validate`).
    With --data-check, the results `mlci data check --json` wrote become a section.

    Images the training wrote (PNG, JPEG, GIF, SVG, WebP under train.plots, or named
    with --image) show in the comment from an orphan branch of the repository
    (--assets-branch), one folder per commit, and are embedded in report.html. OUT/assets/
    and OUT/assets.json hold them as they would be committed; over 1 MB per image, 20
    images or 5 MB in all, the rest are left out with a note.

    With --candidates DIR, the head is the best candidate of a sweep (by
    train.select.metric; failed ones are never picked): the gates are its gates, and a
    Candidates section shows every candidate against the base (the params that differ,
    each metric and its change), the selected one marked, failed and cancelled ones
    (in train.sweep but without a record) listed with their status, and a chart of the
    selection metric. Images are left out there.

    \b
    Example:
      mlci report --base main
      mlci report --base main --candidates .mlci/candidates
      mlci report --base "$BASE_SHA" --base-branch main
      mlci report --base main --out build/report --post
      mlci report --base main --data-check data-check.json
      mlci report --base main --image plot.png --images link
    """
    import json
    import os
    from pathlib import Path

    from mlci.cli._outputs import prepare_outputs, write_outputs
    from mlci.config import load_config
    from mlci.gha import ActionsRuntime, load_event_context
    from mlci.report import ReportLinks, build_report, render_html
    from mlci.validate.baseline import resolve_baseline

    config = load_config(config_path)
    out = Path(out_dir)
    names = ["report.md", "comment.md", "report.json", *([] if no_html else ["report.html"])]
    read = [config_path, baseline_file, data_check, *config.train.metrics, config.train.params]
    prepare_outputs([("--out", out / name) for name in names], read)
    event = load_event_context(os.environ)
    client, reason = None, None
    if post:  # before the work: a workflow without a token fails here (exit 2)
        from mlci.cli._github import open_client

        client, reason = open_client(
            None, event.repository or None, False, dry_run_option="leave out --post"
        )
    base = base_ref or event.base_ref or config.github.default_branch
    # Resolved once: the report and the base side of its images use the same baseline.
    baseline = resolve_baseline(config, Path.cwd(), base, baseline_file, base_name=base_name)
    gallery = None
    images_mode = images_mode or ("auto" if config.github.report_images else "off")
    assets_branch = assets_branch or config.github.assets_branch
    if images_mode != "off" and candidates_dir is None:
        sources = [s for s in (config.train.plots, *config.train.images, *image_paths) if s]
        found = _gallery(config, sources, baseline, assets_branch)
        if found is not None:
            gallery = _decide(found, event, client, reason, post=post, mode=images_mode)
    links = ReportLinks(
        run_url=event.run_url,
        artifacts_url=f"{event.run_url}#artifacts" if event.run_url else None,
        images=gallery,
    )
    report_dict = None
    if candidates_dir is not None:
        result, report_dict = _candidates_report(config, candidates_dir, baseline, links, max_chars)
    else:
        result = build_report(
            config,
            Path.cwd(),
            base,
            baseline_file=baseline_file,
            links=links,
            data_check=data_check,
            max_chars=max_chars,
            base_name=base_name,
            baseline=baseline,
        )
    contents = {
        "report.md": result.full_markdown,
        "comment.md": result.markdown,
        "report.json": json.dumps(report_dict or result.to_dict(), indent=2) + "\n",
    }
    if not no_html:
        contents["report.html"] = render_html(result, f"mlci report: {config.project}")
    write_outputs([("--out", out / name, text) for name, text in contents.items()], read)
    if gallery is not None and gallery.images:
        _write_assets(out, gallery)
    runtime = ActionsRuntime()
    runtime.append_summary(result.markdown)
    click.echo(f"report: {out / 'report.md'} (baseline: {result.baseline.description})")
    click.echo(
        f"gates: {'passed' if result.gate_passed else 'failed'}"
        + (f" ({', '.join(result.gates.failed_metrics)})" if not result.gate_passed else "")
    )
    if result.truncated:
        click.echo(f"the comment was cut to {max_chars} characters; report.md is complete")
    if gallery is not None and (gallery.images or gallery.left_out):
        click.echo(_images_line(gallery, out))
    if post and gallery is not None and gallery.images and gallery.state != "local":
        _publish(client, gallery)
    if post:
        _post(result, config.github.comment_key, event, client, reason)
    runtime.set_outputs(
        {"report-path": (out / "report.md").as_posix(), "gate-passed": result.gate_passed}
    )


def _candidates_report(config, folder, baseline, links, max_chars):  # type: ignore[no-untyped-def]
    """`--candidates DIR`: the best candidate's report and its JSON (with the candidates)."""
    from pathlib import Path

    from mlci.report.candidates import build_candidates_report

    built = build_candidates_report(
        config, Path.cwd(), folder, baseline, links=links, max_chars=max_chars
    )
    click.echo(f"candidates: {len(built.table.rows)}; selected: {built.selected or 'none'}")
    return built.report, built.to_dict()


def _post(result, key, event, client, reason) -> None:  # type: ignore[no-untyped-def]
    """Sticky comment and check run through mlci.github; the outbox without a token."""
    from mlci.github.checks import CheckRequest, publish_check
    from mlci.github.comments import upsert_comment

    if client is None:
        click.echo(f"{reason}: writing to the outbox (.mlci/outbox/) instead of posting")
    comment = upsert_comment(client, pr_number=event.pr_number, key=key, body=result.markdown)
    click.echo(
        f"comment: {comment.action}" + (f" ({comment.outbox_path})" if comment.outbox_path else "")
    )
    sha = event.head_sha or event.sha
    if sha:
        check = publish_check(
            client,
            CheckRequest(
                name="mlci report",
                head_sha=sha,
                title="Gates passed" if result.gate_passed else "Gates failed",
                summary=result.markdown,  # publish_check fits it (mlci.markdown.cap_markdown)
                conclusion="success" if result.gate_passed else "failure",
                details_url=event.run_url,
                untrusted_outcome=event.fork_controlled,
            ),
        )
        click.echo(f"check run: {check.action}")


def _gallery(
    config: MlciConfig, sources: list[str], baseline: Baseline, branch: str
) -> ImageGallery | None:
    """The images the comment shows (state `dry-run` until `_decide` says otherwise)."""
    from pathlib import Path

    from mlci.errors import InputError
    from mlci.gitutil import branch_problem, git_state
    from mlci.report.images import ImageGallery, ImageLimits, report_image_pairs, select_images
    from mlci.validate.baseline import Baseline

    problem = branch_problem(branch)
    if problem:
        raise InputError(
            f"--assets-branch {branch!r} is not a valid branch name: it {problem}",
            f"use a name such as {DEFAULT_ASSETS_BRANCH}",
        )
    if not sources:
        return None
    root = Path.cwd()
    if baseline.source == "mlflow":
        baseline = Baseline("none", "an MLflow model keeps no image files mlci reads")
    limits = ImageLimits()
    pairs = report_image_pairs(sources, root, baseline, limits)
    if not pairs:
        return None
    commit = git_state(root).commit
    images, left_out = select_images(pairs, commit, limits)
    return ImageGallery(images, left_out, branch, "dry-run", commit)


def _decide(
    gallery: ImageGallery,
    event: EventContext,
    client: GitHubClient | None,
    reason: str | None,
    *,
    post: bool,
    mode: str,
) -> ImageGallery:
    """Whether the images are published now, by a later step, or only listed (see --images)."""
    import dataclasses

    from mlci.errors import InputError

    repository = (client.repository if client is not None else None) or event.repository or None
    publishing = post and client is not None
    changes: dict[str, object] = {"repository": repository, "server_url": event.server_url}
    if gallery.commit is None:
        changes.update(state="local", reason="the work tree is not a git commit")
    elif mode == "link" or publishing:
        if not repository:
            raise InputError(
                "--images link: no repository to link the images in (GITHUB_REPOSITORY is unset)",
                "set GITHUB_REPOSITORY=owner/name, or use --images auto",
            )
        changes.update(state="published" if publishing else "pending")
    else:
        changes.update(reason=reason if post else "no --post")
    return dataclasses.replace(gallery, **changes)  # type: ignore[arg-type]


def _write_assets(out, gallery) -> None:  # type: ignore[no-untyped-def]
    """OUT/assets/ as the assets branch would hold them, and OUT/assets.json naming them.

    `mlci publish-images` publishes exactly the files assets.json lists (a folder may
    keep files of earlier runs).
    """
    import json

    from mlci.output import write_file

    for path, content in gallery.files().items():
        write_file(out / "assets" / path, content, option="--out")
    manifest = {
        "branch": gallery.branch,
        "commit": gallery.commit,
        "state": gallery.state,
        "files": sorted(gallery.files()),
        "left_out": list(gallery.left_out),
    }
    write_file(out / "assets.json", json.dumps(manifest, indent=2) + "\n", option="--out")


def _images_line(gallery: ImageGallery, out: Path) -> str:
    where = {
        "published": f"shown from branch {gallery.branch}",
        "pending": f"linked to branch {gallery.branch} (`mlci publish-images` publishes them)",
        "dry-run": f"not published ({gallery.reason})",
        "local": f"not published ({gallery.reason})",
    }[gallery.state]
    parts = [f"images: {len(gallery.images)} {where}"]
    if gallery.images:
        parts.append(f"{out / 'assets'} holds them")
    if gallery.left_out:
        parts.append(f"{len(gallery.left_out)} left out (the report says why)")
    return "; ".join(parts)


def _publish(client, gallery) -> None:  # type: ignore[no-untyped-def]
    """The images onto the assets branch before the comment that shows them is posted."""
    from mlci.github.assets import publish_assets

    result = publish_assets(client, gallery.branch, gallery.commit, gallery.files())
    click.echo(_published_line(result))


def _published_line(result) -> str:  # type: ignore[no-untyped-def]
    if result.dry_run:
        return f"images: dry run, wrote {result.outbox_path}"
    if result.unchanged:
        return f"images: already on {result.branch}, nothing committed"
    return f"images: committed {len(result.paths)} to {result.branch} ({result.commit[:7]})"


@click.command("publish-images")
@click.option(
    "--from",
    "folder",
    required=True,
    type=click.Path(file_okay=False),
    help="Report folder `mlci report` wrote (its assets.json and assets/).",
)
@click.option(
    "--sha",
    required=True,
    help="The reported commit (a pull request's head SHA): only its folders are published.",
)
@click.option(
    "--branch",
    default=DEFAULT_ASSETS_BRANCH,
    show_default=True,
    help="Branch the images go to (orphan, images only; created on first use).",
)
@github_options
def publish_images(
    folder: str,
    sha: str,
    branch: str,
    token: str | None,
    repository: str | None,
    dry_run: bool,
    json_out: str | None,
    outbox: str | None,
) -> None:
    """Publish the images of a report to the assets branch (the trusted half of --images link).

    Reads FOLDER/assets.json and the files it lists under FOLDER/assets/ and commits
    to BRANCH only the images of SHA (`SHA/...` and `SHA-base/...`) whose content is
    the image their name says, within the report's limits (1 MB each, 20, 5 MB in all);
    anything else is named and left out. The same images again commit nothing. A
    folder without assets.json publishes nothing (exit 0). The folder may come from a
    pull request's artifact: nothing in it is run, and nothing outside those two folders
    of SHA reaches the branch. Without a token the files go to the outbox.

    \b
    Example:
      mlci publish-images --from mlci-report --sha "$HEAD_SHA"
      mlci publish-images --from .mlci/report --sha "$(git rev-parse HEAD)" --dry-run
    """
    import dataclasses
    from pathlib import Path

    from mlci.cli._github import emit, open_client, outbox_for
    from mlci.cli._outputs import prepare_outputs
    from mlci.github.assets import AssetsResult, check_assets, publish_assets
    from mlci.report.images import ImageLimits, read_asset_files

    sha = sha.strip().lower()
    check_assets(branch, sha, {})
    prepare_outputs([("--json", json_out)])
    limits = ImageLimits()
    listed = _manifest_files(Path(folder), limits)
    files, notes = read_asset_files(listed, sha, limits)
    for note in notes:  # on stderr: stdout may be the --json result
        click.echo(note, err=True)
    if not files:
        result = AssetsResult(branch, None, False, True, (), left_out=notes)
        emit(result, {"assets-commit": ""}, json_out, f"images: none to publish in {folder}")
        return
    client, reason = open_client(token, repository, dry_run)
    if client is None:
        click.echo(f"{reason}: writing to the outbox instead of publishing")
    result = publish_assets(client, branch, sha, files, outbox=outbox_for(outbox))
    result = dataclasses.replace(result, left_out=notes)
    emit(result, {"assets-commit": result.commit or ""}, json_out, _published_line(result))


def _manifest_files(folder, limits) -> dict[str, bytes]:  # type: ignore[no-untyped-def]
    """The files FOLDER/assets.json lists, read from FOLDER/assets/ (links and escapes skipped).

    A file over the size cap is read as its first bytes past the cap, so the check that
    follows names it as too big without reading all of it.
    """
    from mlci.documents import parse_json_text
    from mlci.errors import InputError

    manifest = folder / "assets.json"
    if not manifest.is_file():
        return {}
    try:
        data = parse_json_text(manifest.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise InputError(
            f"{manifest}: not valid JSON ({error})", "write it again with `mlci report`"
        ) from None
    names = data.get("files") if isinstance(data, dict) else None
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise InputError(
            f"{manifest}: `files` must be a list of paths", "write it again with `mlci report`"
        )
    assets = (folder / "assets").resolve()
    out: dict[str, bytes] = {}
    for name in names:
        path = folder / "assets" / name
        if path.is_symlink() or not path.is_file() or not path.resolve().is_relative_to(assets):
            continue
        with path.open("rb") as handle:
            out[name] = handle.read(limits.max_bytes + 1)
    return out
