"""ARC values mount the runner cache volume when mlci.yaml uses the runner cache."""

import yaml

from mlci.config import parse_config
from mlci.config.schema import GpuClassConfig, RunnersConfig
from mlci.runners.arc import build_scale_sets, render_values
from mlci.runners.arc_cache import cache_volume_for, cache_volume_warnings

URL = "https://github.com/acme"
CLASSES = {"a100": GpuClassConfig(gpus=1)}


def _spec(config_text: str, claim: str | None = None) -> dict:
    config = parse_config(config_text)
    volume = cache_volume_for(config, claim)
    (scale_set,) = build_scale_sets(
        RunnersConfig(github_config_url=URL, classes=CLASSES),
        config.train.runner,
        cache_volume=volume,
    )
    # Through the rendered file, as Helm reads it.
    return yaml.safe_load(render_values(scale_set, "arc-runners"))["template"]["spec"]


def test_a_node_folder_is_mounted_and_named_in_mlci_cache_dir() -> None:
    spec = _spec("train:\n  cache: {paths: [weights], setup: python get.py}\n")
    assert spec["volumes"] == [
        {"name": "mlci-cache", "hostPath": {"path": "/var/cache/mlci", "type": "DirectoryOrCreate"}}
    ]
    (runner,) = spec["containers"]
    assert runner["volumeMounts"] == [{"name": "mlci-cache", "mountPath": "/mlci-cache"}]
    assert runner["env"] == [{"name": "MLCI_CACHE_DIR", "value": "/mlci-cache"}]
    (init,) = spec["initContainers"]
    assert init["command"] == ["sh", "-c", "chown 1001 /mlci-cache"]
    assert init["securityContext"] == {"runAsUser": 0}
    assert init["volumeMounts"] == runner["volumeMounts"]
    assert runner["resources"]["limits"]["nvidia.com/gpu"] == 1  # the rest is unchanged


def test_checkpoints_alone_need_the_volume_and_a_claim_replaces_the_node_folder() -> None:
    spec = _spec("train:\n  checkpoints: ckpt\n", claim="mlci-cache-rwx")
    assert spec["volumes"] == [
        {"name": "mlci-cache", "persistentVolumeClaim": {"claimName": "mlci-cache-rwx"}}
    ]


def test_no_runner_cache_no_volume() -> None:
    spec = _spec("project: demo\n")
    assert "volumes" not in spec and "initContainers" not in spec
    assert "env" not in spec["containers"][0]


def test_a_fixed_cache_dir_is_warned_about() -> None:
    config = parse_config("train:\n  cache: {paths: [w], dir: /data/cache}\n")
    (warning,) = cache_volume_warnings(config)
    assert warning.startswith("train.cache.dir is '/data/cache': mlci train uses it instead")
    assert cache_volume_warnings(parse_config("train:\n  cache: {paths: [w]}\n")) == ()
