"""`mlci runners arc-values`: Helm values for the gha-runner-scale-set chart."""

import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from mlci.cli import cli
from mlci.config import config_to_dict, parse_config
from mlci.config.schema import GpuClassConfig, RunnersConfig
from mlci.errors import ConfigError, UsageError
from mlci.runners.arc import (
    RELEASE_WORKFLOW,
    build_scale_sets,
    config_scope,
    gpu_workflows,
    parse_gpu_class,
    render_all,
    runner_group_setup,
)
from mlci.workflows.render import TEMPLATES, render_files

DATA = Path(__file__).resolve().parents[1] / "data" / "runners"
# Top-level values the chart's AutoscalingRunnerSet template reads (`.Values.KEY`).
CHART_KEYS = set(
    re.findall(r"\.Values\.(\w+)", (DATA / "arc-autoscalingrunnerset.yaml").read_text())
)
LABELS = ("self-hosted", "linux", "x64", "gpu")
URL = "https://github.com/acme/churn"


def test_chart_copy_reads_the_keys_we_rely_on():
    assert {"githubConfigUrl", "githubConfigSecret", "runnerScaleSetName", "scaleSetLabels"} <= (
        CHART_KEYS
    )
    assert {"minRunners", "maxRunners", "runnerGroup", "template"} <= CHART_KEYS


def test_parse_gpu_class():
    assert parse_gpu_class("a100:1:0:4") == (
        "a100",
        GpuClassConfig(gpus=1, min_runners=0, max_runners=4),
    )
    assert parse_gpu_class("h100:8") == ("h100", GpuClassConfig(gpus=8))
    with pytest.raises(UsageError, match=r"--gpu-class 'a100:x': GPUS must be a whole number"):
        parse_gpu_class("a100:x")
    with pytest.raises(UsageError, match="expected NAME:GPUS:MIN:MAX"):
        parse_gpu_class(":1")


def test_one_class_renders_the_chart_keys():
    (scale_set,) = build_scale_sets(
        RunnersConfig(github_config_url=URL), LABELS, {"a100": GpuClassConfig(max_runners=4)}
    )
    (document,) = yaml.safe_load_all(render_all([scale_set], "arc-runners"))
    assert set(document) <= CHART_KEYS
    assert document == {
        "githubConfigUrl": URL,
        "githubConfigSecret": "mlci-arc-github",
        "runnerScaleSetName": "mlci-a100",
        "scaleSetLabels": ["self-hosted", "linux", "x64", "gpu", "a100"],
        "minRunners": 0,
        "maxRunners": 4,
        "template": {
            "spec": {
                "nodeSelector": {"nvidia.com/gpu.present": "true"},
                "tolerations": [
                    {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}
                ],
                "containers": [
                    {
                        "name": "runner",
                        "image": "ghcr.io/actions/actions-runner:latest",
                        "command": ["/home/runner/run.sh"],
                        "resources": {"limits": {"nvidia.com/gpu": 1}},
                    }
                ],
            }
        },
    }
    assert scale_set.labels[0] == "mlci-a100"
    assert scale_set.install_command("arc-runners").endswith(
        "--namespace arc-runners --create-namespace -f mlci-a100.values.yaml"
    )


def test_several_classes_from_mlci_yaml():
    config = parse_config(
        """
train:
  runner: [self-hosted, Linux, gpu]
runners:
  github_config_url: https://github.com/acme
  github_config_secret: arc-app
  runner_group: gpu-runners
  classes:
    t4: {gpus: 1, max_runners: 6, labels: [small-gpu, GPU]}
    h100x8:
      gpus: 8
      min_runners: 1
      max_runners: 2
      cpu: "64"
      memory: 512Gi
      node_selector: {cloud.google.com/gke-accelerator: nvidia-h100-80gb}
      tolerations:
        - {key: dedicated, operator: Equal, value: ml, effect: NoExecute}
    cpu: {gpus: 0, max_runners: 10}
"""
    )
    scale_sets = build_scale_sets(config.runners, config.train.runner)
    documents = list(yaml.safe_load_all(render_all(scale_sets, "arc-runners")))
    assert [d["runnerScaleSetName"] for d in documents] == ["mlci-t4", "mlci-h100x8", "mlci-cpu"]
    assert all(set(d) <= CHART_KEYS for d in documents)
    t4, h100, cpu = documents
    # Labels are unique without regard to case, as GitHub compares them.
    assert t4["scaleSetLabels"] == ["self-hosted", "Linux", "gpu", "small-gpu", "t4"]
    assert t4["runnerGroup"] == "gpu-runners" and t4["githubConfigSecret"] == "arc-app"
    spec = h100["template"]["spec"]
    assert spec["nodeSelector"] == {"cloud.google.com/gke-accelerator": "nvidia-h100-80gb"}
    assert spec["tolerations"] == [
        {"key": "dedicated", "operator": "Equal", "value": "ml", "effect": "NoExecute"}
    ]
    assert spec["containers"][0]["resources"] == {
        "requests": {"cpu": "64", "memory": "512Gi"},
        "limits": {"nvidia.com/gpu": 8, "memory": "512Gi"},
    }
    assert scale_sets[1].warnings == (
        "runners.classes.h100x8: min_runners is 1: that many GPU pods (and their nodes) "
        "stay up while idle; 0 scales to zero",
    )
    # A CPU class has no GPU limit, no GPU node selector and no GPU toleration.
    assert cpu["template"]["spec"] == {
        "containers": [
            {
                "name": "runner",
                "image": "ghcr.io/actions/actions-runner:latest",
                "command": ["/home/runner/run.sh"],
            }
        ]
    }


@pytest.mark.parametrize(
    ("runners", "message"),
    [
        (RunnersConfig(), "runners.github_config_url is not set"),
        (
            RunnersConfig(github_config_url="acme/churn"),
            "runners.github_config_url: 'acme/churn' is not a repository or organisation URL",
        ),
        (RunnersConfig(github_config_url=URL), "runners.classes is empty"),
        (
            RunnersConfig(
                github_config_url=URL,
                classes={"a100": GpuClassConfig(min_runners=3, max_runners=1)},
            ),
            r"runners.classes.a100: min_runners \(3\) is above max_runners \(1\)",
        ),
        (
            RunnersConfig(github_config_url=URL, classes={"A_100": GpuClassConfig()}),
            "runners.classes.A_100: scale set name 'mlci-A_100' is not a valid name",
        ),
        (
            RunnersConfig(github_config_url=URL, classes={"x" * 41: GpuClassConfig()}),
            "is not a valid name",
        ),
    ],
)
def test_bad_settings_name_the_key(runners, message):
    """What mlci.yaml says is refused on load; the command only adds what is not set."""
    if message.startswith(("runners.github_config_url is not set", "runners.classes is empty")):
        with pytest.raises(ConfigError, match=message):
            build_scale_sets(runners, LABELS)
        return
    text = yaml.safe_dump({"runners": config_to_dict(runners)})
    with pytest.raises(ConfigError, match=rf"^mlci.yaml line \d+: .*{message}"):
        parse_config(text)


def test_bad_classes_on_the_command_line_name_the_option() -> None:
    with pytest.raises(ConfigError, match=r"^--gpu-class a100: min_runners \(3\) is above"):
        build_scale_sets(
            RunnersConfig(),
            LABELS,
            {"a100": GpuClassConfig(min_runners=3, max_runners=1)},
            github_config_url=URL,
        )
    with pytest.raises(ConfigError, match=r"^--github-config-url: 'acme' is not a repository"):
        build_scale_sets(
            RunnersConfig(), LABELS, {"a100": GpuClassConfig()}, github_config_url="acme"
        )


def test_cli_writes_one_file_per_scale_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    args = ["runners", "arc-values", "--gpu-class", "a100:1:0:4", "--gpu-class", "h100:8:0:2"]
    result = CliRunner().invoke(cli, [*args, "--github-config-url", URL, "--out", "arc"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "arc").iterdir()) == [
        "mlci-a100.values.yaml",
        "mlci-h100.values.yaml",
    ]
    h100 = yaml.safe_load((tmp_path / "arc" / "mlci-h100.values.yaml").read_text())
    assert h100["maxRunners"] == 2
    assert h100["template"]["spec"]["containers"][0]["resources"]["limits"] == {"nvidia.com/gpu": 8}
    assert "wrote arc/mlci-a100.values.yaml\n  install: helm upgrade --install mlci-a100 " in (
        result.output
    )
    # The printed line works from where the command ran: it names the file in arc/.
    assert "--create-namespace -f arc/mlci-h100.values.yaml\n" in result.output


def test_cli_prints_multi_doc_and_uses_the_repository_in_actions(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("mlci.yaml").write_text("runners:\n  classes:\n    gpu: {max_runners: 3}\n")
    env = {"GITHUB_REPOSITORY": "acme/churn", "GITHUB_SERVER_URL": "https://github.example.com"}
    result = CliRunner().invoke(cli, ["runners", "arc-values"], env=env)
    assert result.exit_code == 0, result.output
    (document,) = yaml.safe_load_all(result.stdout)
    assert document["githubConfigUrl"] == "https://github.example.com/acme/churn"
    assert document["scaleSetLabels"] == ["self-hosted", "linux", "x64", "gpu"]
    assert result.stdout.startswith("# mlci: runner scale set 'mlci-gpu' for GPU class 'gpu'\n")
    # A repository URL registers runners that belong to no runner group.
    assert "runnerGroup" not in document
    assert result.stderr == (
        "warning: runners.github_config_url https://github.example.com/acme/churn is a "
        "repository URL: its runners belong to no runner group, and every workflow of the "
        "repository may use them; register the scale sets with the organisation "
        "(https://github.example.com/acme) so that they join the runner group 'mlci-gpu', "
        "restricted to the GPU workflows (mlci-train.yml, mlci-release.yml)\n"
    )


def test_cli_without_url_exits_2_with_the_fix(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["runners", "arc-values", "--gpu-class", "a100"])
    assert result.exit_code == 2
    assert result.output == (
        "Error: runners.github_config_url is not set. Fix: set it in mlci.yaml or pass "
        "--github-config-url https://github.com/OWNER/REPO\n"
    )


ORG_URL = "https://github.com/acme"
WORKFLOW = "acme/churn/.github/workflows/mlci-train.yml@refs/heads/trunk"
RELEASE = "acme/churn/.github/workflows/mlci-release.yml@refs/heads/trunk"
GPU_WORKFLOWS = "the GPU workflows (mlci-train.yml, mlci-release.yml)"


def test_the_gpu_workflows_are_the_training_and_the_release_workflow():
    assert gpu_workflows(parse_config("{}")) == ("mlci-train.yml", "mlci-release.yml")
    custom = parse_config("retrain: {workflow: train-gpu.yml}")
    assert gpu_workflows(custom) == ("train-gpu.yml", "mlci-release.yml")
    # Named twice, listed once: selected_workflows takes each entry once.
    same = parse_config("retrain: {workflow: mlci-release.yml}")
    assert gpu_workflows(same) == ("mlci-release.yml",)


def test_the_release_workflow_is_generated_and_its_train_job_runs_on_train_runner():
    """RELEASE_WORKFLOW names the file mlci generates, whose GPU job needs the group."""
    path = f".github/workflows/{RELEASE_WORKFLOW}"
    assert path in [output for _, output, _ in TEMPLATES]
    config = parse_config("train: {runner: [self-hosted, linux, x64, gpu]}")
    (release,) = [f for f in render_files(config) if f.path == path]
    jobs = yaml.safe_load(release.text)["jobs"]
    assert jobs["train"]["runs-on"] == ["self-hosted", "linux", "x64", "gpu"]


def test_every_scale_set_of_an_organisation_joins_the_runner_group():
    scale_sets = build_scale_sets(
        RunnersConfig(github_config_url=ORG_URL),
        LABELS,
        {"a100": GpuClassConfig(), "h100": GpuClassConfig(gpus=8)},
    )
    documents = list(yaml.safe_load_all(render_all(scale_sets, "arc-runners")))
    assert [d["runnerGroup"] for d in documents] == ["mlci-gpu", "mlci-gpu"]
    assert all(set(d) <= CHART_KEYS for d in documents)
    assert (
        "# Runner group: mlci-gpu (restrict it to the GPU workflows with the gh api "
        "commands that mlci runners arc-values prints)\n"
    ) in render_all(scale_sets[:1], "arc-runners")


@pytest.mark.parametrize(
    ("url", "scope"),
    [
        ("https://github.com/acme", ("organization", "acme", None)),
        ("https://github.com/acme/", ("organization", "acme", None)),
        ("https://github.com/acme/churn", ("repository", "acme", "acme/churn")),
        ("https://github.com/enterprises/big", ("enterprise", "big", None)),
    ],
)
def test_config_scope(url, scope):
    assert config_scope(url) == scope


def group_setup(url=ORG_URL, repository="acme/churn", **settings):
    return runner_group_setup(
        RunnersConfig(github_config_url=url, **settings),
        url,
        repository=repository,
        default_branch="trunk",
        workflow_files=("mlci-train.yml", "mlci-release.yml"),
    )


def commands(lines):
    """The gh api command lines, split as the shell splits them."""
    import shlex

    found = []
    for line in lines:
        line = line.strip()
        if line.startswith("id=$("):
            line = line[len("id=$(") : -1]
        if line.startswith("gh api"):
            found.append(shlex.split(line))
    return found


def test_the_group_is_restricted_to_both_gpu_workflows_of_the_default_branch():
    setup = group_setup()
    assert setup.warnings == ()
    assert setup.workflows == (WORKFLOW, RELEASE)
    create, lookup, patch, grant = commands(setup.lines)
    assert create == [
        "gh", "api", "-X", "POST", "orgs/acme/actions/runner-groups",
        "-f", "name=mlci-gpu", "-f", "visibility=selected",
    ]  # fmt: skip
    assert lookup == [
        "gh", "api", "orgs/acme/actions/runner-groups", "--paginate",
        "--jq", '.runner_groups[] | select(.name == "mlci-gpu") | .id',
    ]  # fmt: skip
    # The fields of PATCH /orgs/{org}/actions/runner-groups/{runner_group_id}.
    assert patch == [
        "gh", "api", "-X", "PATCH", "orgs/acme/actions/runner-groups/$id",
        "-f", "name=mlci-gpu", "-f", "visibility=selected",
        "-F", "restricted_to_workflows=true",
        "-f", f"selected_workflows[]={WORKFLOW}",
        "-f", f"selected_workflows[]={RELEASE}",
        "-F", "allows_public_repositories=false",
    ]  # fmt: skip
    assert grant == [
        "gh", "api", "-X", "PUT",
        "orgs/acme/actions/runner-groups/$id/repositories/$(gh api repos/acme/churn --jq .id)",
    ]  # fmt: skip
    assert setup.lines[-1] == "  check: mlci runners audit --repo acme/churn"


def test_a_group_name_with_spaces_is_quoted():
    (create, lookup, patch, _) = commands(group_setup(runner_group="GPU runners").lines)
    assert create[6] == "name=GPU runners"
    assert lookup[-1] == '.runner_groups[] | select(.name == "GPU runners") | .id'
    assert patch[6] == "name=GPU runners"


def test_enterprise_and_server_urls():
    setup = group_setup("https://github.example.com/enterprises/big")
    create, _, patch = commands(setup.lines)
    assert create[:6] == [
        "gh", "api", "--hostname", "github.example.com", "-X", "POST",
    ]  # fmt: skip
    assert create[6] == "enterprises/big/actions/runner-groups"
    assert patch[6] == "enterprises/big/actions/runner-groups/$id"
    assert "enterprise's Actions runner groups settings" in "\n".join(setup.lines)


def test_an_unknown_repository_is_a_placeholder():
    setup = group_setup(repository=None)
    assert setup.workflows == (
        "acme/REPO/.github/workflows/mlci-train.yml@refs/heads/trunk",
        "acme/REPO/.github/workflows/mlci-release.yml@refs/heads/trunk",
    )
    assert setup.lines[-1] == (
        "  (acme/REPO: the repository of mlci.yaml; pass --repo OWNER/NAME, or run it in "
        "Actions, for the real name)"
    )


def test_no_runner_group_warns_about_the_default_group():
    setup = group_setup(runner_group=None)
    assert setup.lines == ()
    assert setup.warnings == (
        "runners.runner_group is not set: the scale sets join the Default runner group of "
        "acme, which every workflow of its repositories may use; set it (e.g. mlci-gpu) and "
        f"restrict that group to {GPU_WORKFLOWS}",
    )
    (scale_set,) = build_scale_sets(
        RunnersConfig(github_config_url=ORG_URL, runner_group=None), LABELS, {"a": GpuClassConfig()}
    )
    assert "runnerGroup" not in scale_set.values


def test_cli_prints_how_to_restrict_the_group_after_writing_the_values(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("mlci.yaml").write_text(
        "github:\n  default_branch: trunk\n"
        f"runners:\n  github_config_url: {ORG_URL}\n  classes:\n    a100: {{max_runners: 4}}\n"
    )
    env = {"GITHUB_REPOSITORY": "acme/churn"}
    result = CliRunner().invoke(cli, ["runners", "arc-values", "--out", "arc"], env=env)
    assert result.exit_code == 0, result.output
    values = yaml.safe_load((tmp_path / "arc" / "mlci-a100.values.yaml").read_text())
    assert values["runnerGroup"] == "mlci-gpu"
    lines = result.stdout.splitlines()
    assert lines[0] == "wrote arc/mlci-a100.values.yaml"
    assert lines[2:] == [
        f"runner group 'mlci-gpu' of acme: let only {GPU_WORKFLOWS} on trunk of acme/churn "
        "use the GPU runners",
        "  create it (once, as an owner of acme):",
        "    gh api -X POST orgs/acme/actions/runner-groups -f name=mlci-gpu "
        "-f visibility=selected",
        f"  restrict it to {GPU_WORKFLOWS} of the default branch, no public repositories:",
        "    id=$(gh api orgs/acme/actions/runner-groups --paginate --jq "
        "'.runner_groups[] | select(.name == \"mlci-gpu\") | .id')",
        '    gh api -X PATCH "orgs/acme/actions/runner-groups/$id" -f name=mlci-gpu '
        "-f visibility=selected -F restricted_to_workflows=true "
        f"-f 'selected_workflows[]={WORKFLOW}' -f 'selected_workflows[]={RELEASE}' "
        "-F allows_public_repositories=false",
        "  let acme/churn use it:",
        '    gh api -X PUT "orgs/acme/actions/runner-groups/$id/repositories/'
        '$(gh api repos/acme/churn --jq .id)"',
        "  if acme/churn is public: -F allows_public_repositories=true instead (a public "
        "repository cannot use the group otherwise; the workflow restriction keeps fork pull "
        "requests out)",
        "  check: mlci runners audit --repo acme/churn",
    ]
    assert result.stderr == ""


def test_cli_to_stdout_prints_the_group_commands_to_stderr(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = ["runners", "arc-values", "--gpu-class", "a100", "--github-config-url", ORG_URL]
    result = CliRunner().invoke(cli, [*args, "--repo", "acme/churn"], env={"GITHUB_REPOSITORY": ""})
    assert result.exit_code == 0, result.output
    (document,) = yaml.safe_load_all(result.stdout)
    assert document["runnerGroup"] == "mlci-gpu"
    assert "gh api -X" not in result.stdout
    assert result.stderr.startswith(
        f"runner group 'mlci-gpu' of acme: let only {GPU_WORKFLOWS} on main"
    )
    for file in ("mlci-train.yml", "mlci-release.yml"):
        entry = f"selected_workflows[]=acme/churn/.github/workflows/{file}@refs/heads/main"
        assert entry in result.stderr


def test_cli_selects_the_training_workflow_of_mlci_yaml_and_the_release_workflow(
    tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    Path("mlci.yaml").write_text(
        f"retrain:\n  workflow: gpu-train.yml\nrunners:\n  github_config_url: {ORG_URL}\n"
    )
    args = ["runners", "arc-values", "--gpu-class", "a100", "--repo", "acme/churn"]
    result = CliRunner().invoke(cli, args, env={"GITHUB_REPOSITORY": ""})
    assert result.exit_code == 0, result.output
    (patch,) = [c for c in commands(result.stderr.splitlines()) if "PATCH" in c]
    assert [patch[i + 1] for i, part in enumerate(patch) if part == "-f"][2:] == [
        "selected_workflows[]=acme/churn/.github/workflows/gpu-train.yml@refs/heads/main",
        "selected_workflows[]=acme/churn/.github/workflows/mlci-release.yml@refs/heads/main",
    ]
