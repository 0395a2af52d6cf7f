"""Helm values for actions-runner-controller's `gha-runner-scale-set` chart.

One scale set per GPU class. The keys are the chart's own (chart 0.14):
`githubConfigUrl`, `githubConfigSecret`, `runnerScaleSetName`, `scaleSetLabels`,
`minRunners`, `maxRunners`, `runnerGroup` and the runner pod's `template.spec`.
Runners of a scale set are always ephemeral (one job per pod, then the pod is
deleted), so the chart has no switch for it. `scaleSetLabels` needs ARC 0.14 or
later; older controllers route jobs by the scale set name alone.

Every scale set joins the runner group `runners.runner_group` (default `mlci-gpu`),
which `runner_group_setup` says how to restrict to the GPU workflows (`gpu_workflows`:
the training and the release workflow) on the default branch. Runner groups belong
to organisations (and enterprises): scale sets registered with a repository URL
belong to no group, so they get no `runnerGroup`.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlparse

from mlci.config.checks import check_config_url, check_gpu_class
from mlci.config.checks import runner_labels as _labels
from mlci.config.schema import GpuClassConfig, MlciConfig, RunnersConfig, TolerationConfig
from mlci.errors import ConfigError, UsageError
from mlci.runners.arc_cache import CacheVolume, add_cache_volume

CHART = "oci://ghcr.io/actions/actions-runner-controller-charts/gha-runner-scale-set"
# Set on GPU nodes by NVIDIA's GPU feature discovery (part of the GPU operator).
DEFAULT_GPU_NODE_SELECTOR = {"nvidia.com/gpu.present": "true"}

# The generated workflows with a job on train.runner (mlci.workflows.render.TEMPLATES
# writes them under .github/workflows/): pull requests train in the first, pushes to
# the default branch train and release in the second.
TRAIN_WORKFLOW = "mlci-train.yml"
RELEASE_WORKFLOW = "mlci-release.yml"
DEFAULT_GPU_WORKFLOWS = (TRAIN_WORKFLOW, RELEASE_WORKFLOW)


def gpu_workflows(config: MlciConfig) -> tuple[str, ...]:
    """The workflow files whose jobs run on the GPU runners, training workflow first.

    The one list that the runner group setup, the audit and `mlci init` use: the group
    must admit each of these (on the default branch) and nothing else, or a GPU job
    waits for a runner forever (one missing) or fork code may reach the runners (one
    more).
    """
    return tuple(dict.fromkeys((config.retrain.workflow or TRAIN_WORKFLOW, RELEASE_WORKFLOW)))


def name_workflows(files: Sequence[str]) -> str:
    """`the GPU workflows (mlci-train.yml, mlci-release.yml)`, for messages."""
    if len(files) == 1:
        return f"the GPU workflow {files[0]}"
    return f"the GPU workflows ({', '.join(files)})"


@dataclass(frozen=True)
class ScaleSet:
    """The values of one Helm release of the scale-set chart."""

    name: str  # runnerScaleSetName, also the Helm release name
    gpu_class: str
    values: dict[str, Any]
    labels: tuple[str, ...]  # what runs-on may name: the scale set name and scaleSetLabels
    warnings: tuple[str, ...] = field(default=())

    @property
    def filename(self) -> str:
        return f"{self.name}.values.yaml"

    def install_command(self, namespace: str, values_path: str | None = None) -> str:
        """The helm line; `values_path` is where the values file is (default: beside it)."""
        return (
            f"helm upgrade --install {self.name} {CHART} "
            f"--namespace {namespace} --create-namespace -f {values_path or self.filename}"
        )


def parse_gpu_class(spec: str) -> tuple[str, GpuClassConfig]:
    """`NAME:GPUS:MIN:MAX` (GPUS, MIN and MAX optional) -> a class, for --gpu-class."""
    parts = spec.split(":")
    if not parts[0] or len(parts) > 4:
        raise UsageError(
            f"--gpu-class {spec!r}: expected NAME:GPUS:MIN:MAX",
            "e.g. --gpu-class a100:1:0:4 (1 GPU per runner, 0 to 4 runners)",
        )
    numbers: list[int] = []
    for what, text in zip(("GPUS", "MIN", "MAX"), parts[1:], strict=False):
        if not text.isdigit():
            raise UsageError(
                f"--gpu-class {spec!r}: {what} must be a whole number, got {text!r}",
                "e.g. --gpu-class a100:1:0:4",
            )
        numbers.append(int(text))
    defaults = GpuClassConfig()
    values = [defaults.gpus, defaults.min_runners, defaults.max_runners]
    values[: len(numbers)] = numbers
    gpus, low, high = values
    return parts[0], GpuClassConfig(gpus=gpus, min_runners=low, max_runners=high)


def _toleration(toleration: TolerationConfig) -> dict[str, str]:
    data = {"key": toleration.key, "operator": toleration.operator}
    if toleration.value is not None:
        data["value"] = toleration.value
    if toleration.effect is not None:
        data["effect"] = toleration.effect
    return data


def _pod_template(settings: RunnersConfig, gpu_class: GpuClassConfig) -> dict[str, Any]:
    resources: dict[str, Any] = {}
    limits: dict[str, Any] = {}
    requests: dict[str, Any] = {}
    if gpu_class.gpus:
        limits["nvidia.com/gpu"] = gpu_class.gpus
    if gpu_class.cpu:
        requests["cpu"] = gpu_class.cpu
    if gpu_class.memory:
        requests["memory"] = gpu_class.memory
        limits["memory"] = gpu_class.memory
    if requests:
        resources["requests"] = requests
    if limits:
        resources["limits"] = limits
    # The chart's default container list is replaced, not merged, by ours: the runner
    # container must carry the image and command itself.
    container: dict[str, Any] = {
        "name": "runner",
        "image": settings.image,
        "command": ["/home/runner/run.sh"],
    }
    if resources:
        container["resources"] = resources
    spec: dict[str, Any] = {}
    node_selector = dict(gpu_class.node_selector)
    if not node_selector and gpu_class.gpus:
        node_selector = dict(DEFAULT_GPU_NODE_SELECTOR)
    if node_selector:
        spec["nodeSelector"] = node_selector
    if gpu_class.tolerations and gpu_class.gpus:
        spec["tolerations"] = [_toleration(t) for t in gpu_class.tolerations]
    spec["containers"] = [container]
    return {"spec": spec}


def build_scale_sets(
    settings: RunnersConfig,
    runner_labels: Sequence[str],
    classes: Mapping[str, GpuClassConfig] | None = None,
    *,
    github_config_url: str | None = None,
    cache_volume: CacheVolume | None = None,
) -> tuple[ScaleSet, ...]:
    """One scale set per GPU class (`classes`, default `settings.classes`).

    Each carries `runner_labels` (train.runner, so the training job's `runs-on`
    matches it), the class's own labels and the class name as `scaleSetLabels`.
    `cache_volume` (`mlci.runners.arc_cache.cache_volume_for`) mounts the runner cache.
    """
    url = github_config_url or settings.github_config_url
    if not url:
        raise ConfigError(
            "runners.github_config_url is not set",
            "set it in mlci.yaml or pass --github-config-url https://github.com/OWNER/REPO",
        )
    # runners.* of mlci.yaml was checked on load; what the command line gave is checked here.
    if github_config_url:
        check_config_url(github_config_url, "--github-config-url")
    chosen = dict(settings.classes if classes is None else classes)
    if not chosen:
        raise ConfigError(
            "runners.classes is empty: no GPU class to make a scale set for",
            "add one under runners.classes in mlci.yaml or pass --gpu-class a100:1:0:4",
        )
    scale_sets = []
    for class_name, gpu_class in chosen.items():
        where = f"runners.classes.{class_name}"
        name = f"{settings.name_prefix}{class_name}"
        labels = _labels(runner_labels, gpu_class.labels, class_name)
        if classes is not None:
            check_gpu_class(f"--gpu-class {class_name}", name, gpu_class, labels)
        values: dict[str, Any] = {
            "githubConfigUrl": url,
            # The name of an existing Kubernetes secret: tokens never go in values files.
            "githubConfigSecret": settings.github_config_secret,
            "runnerScaleSetName": name,
            "scaleSetLabels": list(labels),
            "minRunners": gpu_class.min_runners,
            "maxRunners": gpu_class.max_runners,
        }
        if settings.runner_group and config_scope(url)[0] != "repository":
            values["runnerGroup"] = settings.runner_group
        values["template"] = _pod_template(settings, gpu_class)
        if cache_volume is not None:
            add_cache_volume(values["template"], cache_volume, settings.image)
        warnings = []
        if gpu_class.min_runners > 0 and gpu_class.gpus:
            warnings.append(
                f"{where}: min_runners is {gpu_class.min_runners}: that many GPU pods "
                "(and their nodes) stay up while idle; 0 scales to zero"
            )
        scale_sets.append(
            ScaleSet(
                name=name,
                gpu_class=class_name,
                values=values,
                labels=_labels([name], labels, name),
                warnings=tuple(warnings),
            )
        )
    names = [s.name for s in scale_sets]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ConfigError(
            f"runners.classes: two classes give the scale set name {duplicates[0]!r}",
            "give each class its own name",
        )
    return tuple(scale_sets)


def render_values(scale_set: ScaleSet, namespace: str) -> str:
    """One values file, with a header that says how to install it and how to target it."""
    import yaml

    container = scale_set.values["template"]["spec"]["containers"][0]
    limit = container.get("resources", {}).get("limits", {}).get("nvidia.com/gpu", 0)
    header = [
        f"# mlci: runner scale set {scale_set.name!r} for GPU class {scale_set.gpu_class!r}",
        f"# ({limit} GPU(s) per runner, {scale_set.values['minRunners']} to "
        f"{scale_set.values['maxRunners']} runners; runners are ephemeral: one job per pod).",
        f"# Install: {scale_set.install_command(namespace)}",
        f"# Target it: runs-on: [{', '.join(scale_set.values['scaleSetLabels'])}]",
        f"#   or simply runs-on: {scale_set.name}",
    ]
    if "runnerGroup" in scale_set.values:
        header.append(
            f"# Runner group: {scale_set.values['runnerGroup']} (restrict it to the GPU "
            "workflows with the gh api commands that mlci runners arc-values prints)"
        )
    body = yaml.safe_dump(scale_set.values, sort_keys=False, default_flow_style=False)
    return "\n".join(header) + "\n" + body


def render_all(scale_sets: Sequence[ScaleSet], namespace: str) -> str:
    """All values files as one multi-document YAML stream."""
    return "---\n".join(render_values(s, namespace) for s in scale_sets)


Scope = Literal["repository", "organization", "enterprise"]


def config_scope(url: str) -> tuple[Scope, str, str | None]:
    """What githubConfigUrl registers with: (scope, owner, owner/name or None)."""
    parts = [part for part in urlparse(url).path.split("/") if part]
    if len(parts) >= 2 and parts[0] == "enterprises":
        return "enterprise", parts[1], None
    if len(parts) >= 2:
        return "repository", parts[0], f"{parts[0]}/{parts[1]}"
    return "organization", parts[0] if parts else "ORG", None


def workflow_ref(repository: str, workflow_file: str, branch: str) -> str:
    """How a runner group's `selected_workflows` names a workflow on a branch."""
    path = workflow_file if "/" in workflow_file else f".github/workflows/{workflow_file}"
    return f"{repository}/{path}@refs/heads/{branch}"


@dataclass(frozen=True)
class RunnerGroupSetup:
    """How to restrict the scale sets' runner group to the GPU workflows.

    `lines` are what to print (the exact `gh api` commands, with the real values where
    they are known and OWNER/REPO-style placeholders where not); `warnings` say why the
    scale sets are not in a restricted group at all.
    """

    group: str | None
    scope: Scope
    owner: str
    repository: str | None
    workflows: tuple[str, ...]  # the selected_workflows entries, one per GPU workflow
    lines: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


def _gh(hostname: str | None, *args: str) -> str:
    host = ["--hostname", hostname] if hostname else []
    return " ".join(["gh", "api", *host, *args])


def runner_group_setup(
    settings: RunnersConfig,
    url: str,
    *,
    repository: str | None,
    default_branch: str,
    workflow_files: Sequence[str] = DEFAULT_GPU_WORKFLOWS,
) -> RunnerGroupSetup:
    """The runner group of the scale sets and the commands that restrict it.

    The group may run only `workflow_files` (`gpu_workflows`) on `default_branch` of
    `repository` (`restricted_to_workflows: true`, one `selected_workflows` entry each),
    is visible to that repository only, and takes no public repositories
    (`allows_public_repositories: false`) unless the repository is public, which is
    then its only way in.
    """
    scope, owner, url_repository = config_scope(url)
    repository = url_repository or repository
    repo = repository or f"{owner}/REPO"
    workflows = tuple(workflow_ref(repo, file, default_branch) for file in workflow_files)
    which = name_workflows(workflow_files)
    group = settings.runner_group
    if scope == "repository":
        return RunnerGroupSetup(
            group,
            scope,
            owner,
            repository,
            workflows,
            warnings=(
                f"runners.github_config_url {url} is a repository URL: its runners belong to "
                "no runner group, and every workflow of the repository may use them; register "
                f"the scale sets with the organisation (https://{urlparse(url).netloc}/{owner}) "
                "so that they join "
                + (f"the runner group {group!r}" if group else "a runner group")
                + f", restricted to {which}",
            ),
        )
    if not group:
        return RunnerGroupSetup(
            group,
            scope,
            owner,
            repository,
            workflows,
            warnings=(
                "runners.runner_group is not set: the scale sets join the Default runner group "
                f"of {owner}, which every workflow of its repositories may use; set it "
                f"(e.g. mlci-gpu) and restrict that group to {which}",
            ),
        )
    netloc = urlparse(url).netloc
    hostname = None if netloc in ("github.com", "www.github.com") else netloc
    base = f"{'enterprises' if scope == 'enterprise' else 'orgs'}/{owner}/actions/runner-groups"
    name = shlex.quote(f"name={group}")
    select = f".runner_groups[] | select(.name == {json.dumps(group)}) | .id"
    lines = [
        f"runner group {group!r} of {owner}: let only {which} on {default_branch} "
        f"of {repo} use the GPU runners",
        "  create it (once, as an owner of " + owner + "):",
        "    " + _gh(hostname, "-X", "POST", base, "-f", name, "-f", "visibility=selected"),
        f"  restrict it to {which} of the default branch, no public repositories:",
        f"    id=$({_gh(hostname, base, '--paginate', '--jq', shlex.quote(select))})",
        "    "
        + _gh(
            hostname,
            "-X",
            "PATCH",
            f'"{base}/$id"',
            "-f",
            name,
            "-f",
            "visibility=selected",
            "-F",
            "restricted_to_workflows=true",
            *(
                part
                for workflow in workflows
                for part in ("-f", shlex.quote(f"selected_workflows[]={workflow}"))
            ),
            "-F",
            "allows_public_repositories=false",
        ),
    ]
    if scope == "organization":
        repo_id = f"$({_gh(hostname, f'repos/{repo}', '--jq', '.id')})"
        lines += [
            f"  let {repo} use it:",
            "    " + _gh(hostname, "-X", "PUT", f'"{base}/$id/repositories/{repo_id}"'),
        ]
    else:
        lines.append(
            f"  then give the organisation of {repo} access to it in the enterprise's "
            "Actions runner groups settings"
        )
    lines += [
        f"  if {repo} is public: -F allows_public_repositories=true instead (a public "
        "repository cannot use the group otherwise; the workflow restriction keeps fork "
        "pull requests out)",
        f"  check: mlci runners audit --repo {repo}",
    ]
    if repository is None:
        lines.append(
            f"  ({repo}: the repository of mlci.yaml; pass --repo OWNER/NAME, or run it in "
            "Actions, for the real name)"
        )
    return RunnerGroupSetup(group, scope, owner, repository, workflows, lines=tuple(lines))
