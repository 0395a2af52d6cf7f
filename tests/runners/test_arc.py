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
from mlci.runners.arc import build_scale_sets, parse_gpu_class, render_all

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
    (document,) = yaml.safe_load_all(result.output)
    assert document["githubConfigUrl"] == "https://github.example.com/acme/churn"
    assert document["scaleSetLabels"] == ["self-hosted", "linux", "x64", "gpu"]
    assert result.output.startswith("# mlci: runner scale set 'mlci-gpu' for GPU class 'gpu'\n")


def test_cli_without_url_exits_2_with_the_fix(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["runners", "arc-values", "--gpu-class", "a100"])
    assert result.exit_code == 2
    assert result.output == (
        "Error: runners.github_config_url is not set. Fix: set it in mlci.yaml or pass "
        "--github-config-url https://github.com/OWNER/REPO\n"
    )
