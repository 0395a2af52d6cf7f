"""The runner cache volume of ARC runner pods (train.cache, train.checkpoints).

ARC runners are ephemeral: a pod runs one job and is deleted, so a cache on the pod's
own disk would never be hit. When mlci.yaml sets train.cache.paths or
train.checkpoints, each runner pod mounts a volume that outlives it and points
`mlci train` at it with MLCI_CACHE_DIR:

- by default a folder on the node's disk (`hostPath`, created when missing): pods on
  the same node share it, which is what "runner-local" means under ARC;
- or a PersistentVolumeClaim (`--cache-claim NAME`), e.g. a ReadWriteMany volume that
  every node mounts, so a job hits the cache whichever node it lands on.

The runner container runs as the `runner` user (uid 1001 in actions-runner images);
a hostPath folder the kubelet creates belongs to root, so an init container hands it
to that uid first. Entries are written atomically and locked per entry
(`mlci.train.cache`), so pods sharing the volume never see half an entry.

What one job writes there is restored into later jobs: only jobs of the GPU workflows
reach these runners (the runner group), and the cache keys are content hashes and
commit SHAs, so an entry is only used by a run with the same inputs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mlci.config.schema import MlciConfig

CACHE_MOUNT = "/mlci-cache"
DEFAULT_HOST_PATH = "/var/cache/mlci"
RUNNER_UID = 1001  # the `runner` user of ghcr.io/actions/actions-runner
VOLUME_NAME = "mlci-cache"


@dataclass(frozen=True)
class CacheVolume:
    """Where the pods' cache lives: a node folder, or a claim when `claim` is set."""

    host_path: str = DEFAULT_HOST_PATH
    claim: str | None = None
    mount_path: str = CACHE_MOUNT


def cache_volume_for(config: MlciConfig, claim: str | None = None) -> CacheVolume | None:
    """The volume the runner pods need, or None when training uses no runner cache."""
    if not config.train.cache.paths and not config.train.checkpoints:
        return None
    return CacheVolume(claim=claim)


def cache_volume_warnings(config: MlciConfig) -> tuple[str, ...]:
    """train.cache.dir wins over MLCI_CACHE_DIR: then the volume would go unused."""
    if cache_volume_for(config) is None or not config.train.cache.dir:
        return ()
    return (
        f"train.cache.dir is {config.train.cache.dir!r}: mlci train uses it instead of the "
        f"cache volume at {CACHE_MOUNT} (MLCI_CACHE_DIR); remove train.cache.dir to use "
        "the volume",
    )


def add_cache_volume(template: dict[str, Any], volume: CacheVolume, image: str) -> None:
    """Mount `volume` in the runner container of a pod `template` and set MLCI_CACHE_DIR."""
    spec = template.setdefault("spec", {})
    source: dict[str, Any] = (
        {"persistentVolumeClaim": {"claimName": volume.claim}}
        if volume.claim
        else {"hostPath": {"path": volume.host_path, "type": "DirectoryOrCreate"}}
    )
    spec.setdefault("volumes", []).append({"name": VOLUME_NAME, **source})
    mount = {"name": VOLUME_NAME, "mountPath": volume.mount_path}
    for container in spec.get("containers", []):
        if container.get("name") != "runner":
            continue
        container.setdefault("volumeMounts", []).append(mount)
        container.setdefault("env", []).append(
            {"name": "MLCI_CACHE_DIR", "value": volume.mount_path}
        )
    spec.setdefault("initContainers", []).append(
        {
            "name": "mlci-cache-owner",
            "image": image,
            "command": ["sh", "-c", f"chown {RUNNER_UID} {volume.mount_path}"],
            "securityContext": {"runAsUser": 0},
            "volumeMounts": [dict(mount)],
        }
    )
