"""`mlci release`, `mlci promote` and `mlci releases list|show`: versions as GTO tags.

The commands pick the backend: `--local` writes tags in the local git repository;
with a token they go to GitHub (tag, Release with the model card, assets); without
either, a dry run writes the card and the plan into the outbox and says so.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from mlci.cli._github import dry_run_note, emit, github_options, open_client, outbox_for
from mlci.cli._lazy import GuardedGroup
from mlci.cli._options import config_option, json_dumps, output_option
from mlci.cli._outputs import prepare_outputs


def _read_result(path: str | None, kind: str, option: str) -> dict[str, Any] | None:
    """A result file mlci wrote (`--data-check`, `--fairness`), checked against its schema."""
    if path is None:
        return None
    from mlci.documents import read_document
    from mlci.resultschema import validate_document

    command = {"data-check": "mlci data check", "fairness": "mlci fairness check"}[kind]
    data = read_document(
        path, unreadable=f"not a readable {option} file", hint=f"pass what `{command} --json` wrote"
    )
    validate_document(data, kind, path)
    return dict(data)


def _shown(path: str | None, root: Path) -> str:
    if not path:
        return ""
    target = Path(path)
    return target.relative_to(root).as_posix() if target.is_relative_to(root) else str(target)


def _register_in_mlflow(config: Any, record: Any, tag: str, model_path: Path | None) -> Any:
    """(the registered version as a dict, or None; the error text, or None)."""
    import dataclasses

    try:
        from mlci.tracking.mlflow import register_version
    except ImportError as error:
        return None, f"MLflow registry: mlci.tracking.mlflow is not available ({error})"
    if model_path is None:
        return None, "MLflow registry: train.model is not set, so there is no model to register"
    try:
        version = register_version(config, record, tag, model_path)
    except Exception as error:  # a service failure, whatever the client raised
        text = getattr(error, "message", None) or str(error) or type(error).__name__
        return None, f"MLflow registry: {' '.join(text.split())}"
    return dataclasses.asdict(version), None


@click.command("release")
@click.option("--run", "run_ref", default="latest", show_default=True, help="Run record id.")
@click.option(
    "--validation",
    type=click.Path(dir_okay=False),
    default=None,
    help="What `mlci validate --json FILE` wrote (default: evaluate the gates here).",
)
@click.option(
    "--bump",
    type=click.Choice(["patch", "minor", "major"]),
    default="patch",
    show_default=True,
    help="Which part of the version goes up (the first release is v0.1.0).",
)
@click.option(
    "--data-check",
    type=click.Path(dir_okay=False),
    default=None,
    help="`mlci data check --json` result for the card.",
)
@click.option(
    "--fairness",
    "fairness_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="`mlci fairness check --json` result for the card.",
)
@click.option(
    "--profile",
    type=click.Path(dir_okay=False),
    default=None,
    help="Drift profile to attach (default: data.profile when it exists).",
)
@click.option("--local", is_flag=True, help="Tag in the local git repository; no GitHub.")
@github_options
@config_option
def release(
    run_ref: str,
    validation: str | None,
    bump: str,
    data_check: str | None,
    fairness_file: str | None,
    profile: str | None,
    local: bool,
    token: str | None,
    repository: str | None,
    dry_run: bool,
    json_out: str | None,
    outbox: str | None,
    config_path: str | None,
) -> None:
    """Release the model of a run as <model>@v<semver> with a model card and assets.

    Refuses (exit 1) when the training failed or a gate failed: the gates come from
    --validation, else they are evaluated here against the parent commit. The version
    is the next one (v0.1.0 first, then --bump); a commit released already keeps its
    version, and a rerun only adds what is missing (created=false). With a token: an
    annotated tag, a GitHub Release whose body is the model card, and the assets (the
    model, a folder zipped; release.files; model-card.md; the drift profile). --local:
    the tag in the local git repository. Neither: a dry run into the outbox. Sets the
    outputs tag, version, model-path, created and release-url.

    \b
    Example:
      mlci release --validation validation.json
      mlci release --local --bump minor
      mlci release --dry-run
    """
    from datetime import datetime, timezone

    from mlci.config import load_config
    from mlci.errors import ServiceError
    from mlci.release.plan import (
        PlanInputs,
        gates_from_record,
        gates_from_validation,
        plan_release,
        require_gates_passed,
        require_trained,
    )
    from mlci.release.publish import publish_tag
    from mlci.release.tags import LocalTags
    from mlci.train.record import load_run

    root = Path.cwd()
    config = load_config(config_path)
    prepare_outputs(
        [("--json", json_out)], [config_path, validation, data_check, fairness_file, profile]
    )
    record = load_run(root, run_ref)
    require_trained(record)
    gates = (
        gates_from_validation(Path(validation), record.commit)
        if validation
        else gates_from_record(config, root, record)
    )
    require_gates_passed(gates)  # exit 1 before anything is read from GitHub
    checks = _read_result(data_check, "data-check", "--data-check")
    fairness = _read_result(fairness_file, "fairness", "--fairness")
    client, reason = (None, None) if local else open_client(token, repository, dry_run)
    if client is not None:
        from mlci.github.releases import GitHubTags

        tags = GitHubTags(client, config.model_name).list_tags()
    else:
        tags = LocalTags(root).list_tags()
    plan = plan_release(
        config,
        root,
        PlanInputs(
            record=record,
            gates=gates,
            tags=tags,
            now=datetime.now(timezone.utc).date().isoformat(),
            bump=bump,  # type: ignore[arg-type]
            data_check=checks,
            fairness=fairness,
            profile=Path(profile) if profile else None,
            repository=client.repository
            if client is not None
            else os.environ.get("GITHUB_REPOSITORY"),
            server_url=os.environ.get("GITHUB_SERVER_URL") or "https://github.com",
        ),
    )
    if local:
        result = publish_tag(plan, LocalTags(root))
    elif client is not None:
        from mlci.github.releases import publish_github

        result = publish_github(client, plan)
    else:
        from mlci.github.releases import publish_dry_run

        result = publish_dry_run(plan, outbox_for(outbox))
    failure = None
    if config.tracking.mlflow.uri and not result.dry_run:
        import dataclasses

        registered, failure = _register_in_mlflow(config, record, plan.tag, plan.model_path)
        result = dataclasses.replace(
            result, mlflow=registered, errors=(failure,) if failure else ()
        )
    emit(
        result,
        {
            "tag": result.tag,
            "version": result.version,
            "model-path": _shown(result.model_path, root),
            "created": result.created,
            "release-url": result.release_url or "",
        },
        json_out,
        _release_text(result, reason, len(plan.assets)),
    )
    if failure:
        raise ServiceError(
            f"{failure} (the release {result.tag} itself is done)",
            "check tracking.mlflow.uri and the MLflow server, then run `mlci release` again: "
            "what exists is kept",
        )


def _release_text(result: Any, reason: str | None, assets: int) -> str:
    what = f"{result.tag} on {result.commit[:12]}"
    if result.dry_run:
        verb = "would release" if result.created else "already released"
        return f"{dry_run_note(reason, result.outbox[0])}\n{verb} {what} with {assets} assets"
    lines = []
    if result.backend == "local git":
        if result.created:
            lines.append(
                f"released {what} as a local git tag; publish it with "
                f"`git push origin {result.tag}`"
            )
        else:
            lines.append(f"{what} was released already: nothing new")
        lines.append(f"model card: {result.card_path}")
    else:
        if result.created:
            lines.append(f"released {what}: {result.release_url}")
        else:
            lines.append(f"{what} was released already: {result.release_url}")
        done = f"uploaded {len(result.uploaded)} asset(s)"
        if result.already_uploaded:
            done += f", {len(result.already_uploaded)} already there"
        if result.release_created and not result.created:
            done = "created the missing release; " + done
        lines.append(done)
    if result.mlflow:
        lines.append(
            f"MLflow: {result.mlflow.get('name')} version {result.mlflow.get('version')}"
            + (f" is @{result.mlflow['alias']}" if result.mlflow.get("alias") else "")
        )
    lines += [f"note: {note}" for note in result.notes]
    return "\n".join(lines)


class _RecordingTags:
    """A dry run's backend: reads the local tags, records the writes instead of doing them."""

    where = "dry run"

    def __init__(self, base: Any) -> None:
        self.base = base
        self.writes: list[Any] = []

    def list_tags(self) -> list[Any]:
        return [*self.base.list_tags(), *(w.tag for w in self.writes)]

    def create_tag(self, name: str, commit: str, message: str) -> Any:
        from mlci.release.tags import TagRef, TagWrite

        write = TagWrite(TagRef(name, commit), created=True)
        self.writes.append(write)
        return write


@click.command("promote")
@click.argument("spec", metavar="MODEL@vX.Y.Z")
@click.option("--stage", required=True, help="Stage to assign (one of release.stages).")
@click.option("--local", is_flag=True, help="Tag in the local git repository; no GitHub.")
@github_options
@config_option
def promote(
    spec: str,
    stage: str,
    local: bool,
    token: str | None,
    repository: str | None,
    dry_run: bool,
    json_out: str | None,
    outbox: str | None,
    config_path: str | None,
) -> None:
    """Assign a released version to a stage with a GTO stage tag <model>#<stage>#<n>.

    The tag is annotated and sits on the version's commit; n follows GTO's counter.
    Rolling back is promoting an earlier version: the stage is then also unassigned
    from the higher versions that held it (<model>#<stage>!#<n>), so `gto show` names
    the version promoted last. A version already in the stage is left alone. Sets the
    outputs stage-tag, version, stage and created.

    \b
    Example:
      mlci promote churn@v0.1.2 --stage prod
      mlci promote churn@v0.1.1 --stage prod --local   # roll back
    """
    from mlci.config import load_config
    from mlci.release.publish import promote as assign
    from mlci.release.tags import LocalTags

    root = Path.cwd()
    config = load_config(config_path)
    prepare_outputs([("--json", json_out)], [config_path])
    client, reason = (None, None) if local else open_client(token, repository, dry_run)
    backend: Any
    if local:
        backend = LocalTags(root)
    elif client is not None:
        from mlci.github.releases import GitHubTags

        backend = GitHubTags(client, config.model_name)
    else:
        backend = _RecordingTags(LocalTags(root))
    result = assign(backend, config.model_name, spec, stage, config.release.stages)
    if client is None and not local:
        entry = outbox_for(outbox).write_json(
            "promote", f"{spec}-{stage}", {"tags": [w.tag.__dict__ for w in backend.writes]}
        )
        text = dry_run_note(reason, entry.path)
    elif result.created:
        text = f"{result.model}@{result.version} is now in {stage}: {', '.join(result.created)}"
        if result.previous and result.previous != result.version:
            text += f" (was {result.previous})"
        if local:
            text += f"\npublish with `git push origin {' '.join(result.created)}`"
    else:
        text = f"{result.model}@{result.version} is in {stage} already: no new tag"
    emit(
        result,
        {
            "stage-tag": result.created[0] if result.created else "",
            "version": result.version,
            "stage": stage,
            "created": result.changed,
        },
        json_out,
        text,
    )


@click.group("releases", cls=GuardedGroup)
def releases() -> None:
    """Read released versions and their stages from the tags.

    \b
    Example:
      mlci releases list
      mlci releases show churn@v0.1.0 --remote
    """


def _tag_backend(remote: bool, token: str | None, repository: str | None, model: str) -> Any:
    from mlci.errors import InputError
    from mlci.release.tags import LocalTags

    if not remote:
        return LocalTags(Path.cwd()), None
    client, _ = open_client(token, repository, False)
    if client is None:
        raise InputError(
            "--remote reads the tags on GitHub and needs a token",
            "set GITHUB_TOKEN (or pass --token), or leave out --remote to read the local tags",
        )
    from mlci.github.releases import GitHubTags

    return GitHubTags(client, model), client


def _remote_options(func: Any) -> Any:
    for option in reversed(
        [
            click.option("--remote", is_flag=True, help="Read the tags on GitHub, not locally."),
            click.option("--token", default=None, help="GitHub token (default: $GITHUB_TOKEN)."),
            click.option("--repo", "repository", default=None, help="owner/name."),
            output_option("json", "the result as JSON"),
            config_option,
        ]
    ):
        func = option(func)
    return func


@releases.command("list")
@_remote_options
def list_releases(
    remote: bool,
    token: str | None,
    repository: str | None,
    json_out: str | None,
    config_path: str | None,
) -> None:
    """List the released versions, their commits and current stages.

    \b
    Example:
      mlci releases list
      mlci releases list --remote --json
    """
    from mlci.config import load_config
    from mlci.markdown import markdown_table
    from mlci.output import STDOUT, write_output
    from mlci.release.stages import read_model_tags

    config = load_config(config_path)
    prepare_outputs([("--json", json_out)], [config_path])
    backend, _ = _tag_backend(remote, token, repository, config.model_name)
    tags = read_model_tags(config.model_name, backend.list_tags())
    current = tags.current()
    rows: list[dict[str, Any]] = []
    for entry in reversed(tags.versions):
        holds = [s for s, v in current.items() if v.version == entry.version]
        rows.append(
            {
                "version": str(entry.version),
                "tag": entry.tag,
                "commit": entry.commit,
                "created_at": entry.created_at,
                "stages": holds,
            }
        )
    data = {"model": config.model_name, "source": backend.where, "versions": rows}
    if json_out is not None:
        write_output(json_out, json_dumps(data), option="--json")
    if json_out == STDOUT:
        return
    if not rows:
        click.echo(f"no releases of {config.model_name} in {backend.where} yet")
        return
    table = [
        [r["version"], r["commit"][:12], ", ".join(r["stages"]) or "-", r["created_at"] or ""]
        for r in rows
    ]
    click.echo(f"{config.model_name} ({backend.where})")
    click.echo(markdown_table(["Version", "Commit", "Stages", "Released"], table))


@releases.command("show")
@click.argument("spec", metavar="MODEL@vX.Y.Z")
@_remote_options
def show_release(
    spec: str,
    remote: bool,
    token: str | None,
    repository: str | None,
    json_out: str | None,
    config_path: str | None,
) -> None:
    """Show one version: its commit, stages and, with a token, its GitHub release.

    \b
    Example:
      mlci releases show churn@v0.1.0
    """
    import dataclasses

    from mlci.config import load_config
    from mlci.errors import InputError
    from mlci.output import STDOUT, write_output
    from mlci.release.publish import parse_spec
    from mlci.release.stages import read_model_tags

    config = load_config(config_path)
    prepare_outputs([("--json", json_out)], [config_path])
    version = parse_spec(spec, config.model_name)
    backend, client = _tag_backend(remote, token, repository, config.model_name)
    tags = read_model_tags(config.model_name, backend.list_tags())
    entry = tags.find(version)
    if entry is None:
        raise InputError(
            f"{spec}: no such version in {backend.where}",
            "see `mlci releases list`" + ("" if remote else ", or pass --remote for GitHub's"),
        )
    current = tags.current()
    current_in = [s for s, v in current.items() if v.version == entry.version]
    if client is None and (token or os.environ.get("GITHUB_TOKEN")):
        client, _ = open_client(token, repository, False)
    info = None
    if client is not None:
        from mlci.github.releases import release_info

        info = release_info(client, entry.tag)
    data = {
        "model": config.model_name,
        "version": str(entry.version),
        "tag": entry.tag,
        "commit": entry.commit,
        "created_at": entry.created_at,
        "stages": list(tags.stages_of(entry)),
        "current_in": current_in,
        "release": dataclasses.asdict(info) if info else None,
    }
    if json_out is not None:
        write_output(json_out, json_dumps(data), option="--json")
    if json_out == STDOUT:
        return
    click.echo(f"{entry.tag} on commit {entry.commit}")
    click.echo(f"stages: {', '.join(current_in) or 'none'}")
    if info is not None:
        click.echo(f"release: {info.url}")
        for asset in info.assets:
            click.echo(f"  {asset.name} ({asset.size:,} bytes)")
    elif client is not None:
        click.echo("release: none on GitHub for this tag")
