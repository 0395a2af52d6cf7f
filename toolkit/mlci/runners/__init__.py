"""Self-hosted runners: GPU preflight, ARC scale-set values, runner status.

- `probe_runner()` describes the machine (OS, CPU, memory, disk, GPUs from
  nvidia-smi, the frameworks that can use them) as a `RunnerInfo`;
  `check_requirements()` decides whether it is fit to train on.
- `mlci.runners.arc` renders Helm values for actions-runner-controller.
- `mlci.runners.status` lists a repository's self-hosted runners and matches labels.
"""

from mlci.runners.model import (
    CpuInfo,
    DiskInfo,
    FrameworkInfo,
    GpuInfo,
    GpuReport,
    MemoryInfo,
    OsInfo,
    RequirementCheck,
    RunnerInfo,
)
from mlci.runners.probe import check_requirements, probe_runner

__all__ = [
    "CpuInfo",
    "DiskInfo",
    "FrameworkInfo",
    "GpuInfo",
    "GpuReport",
    "MemoryInfo",
    "OsInfo",
    "RequirementCheck",
    "RunnerInfo",
    "check_requirements",
    "probe_runner",
]
