"""What a runner is made of, as frozen dataclasses that run records can embed.

Sizes of memory and disk are in decimal gigabytes (10^9 bytes), the unit GPU and
cloud vendors sell in: a "16 GB" T4 reports 15360 MiB, which is 16.1 GB but only
15 GiB, and `--min-gpu-memory 16` should accept it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

MIB = 1024 * 1024
GB = 1000**3


def mib_to_gb(mib: int | None) -> float | None:
    return None if mib is None else round(mib * MIB / GB, 1)


@dataclass(frozen=True)
class OsInfo:
    system: str  # Linux, Darwin, Windows
    release: str
    machine: str  # x86_64, aarch64, arm64
    distribution: str | None = None  # PRETTY_NAME of /etc/os-release, where there is one


@dataclass(frozen=True)
class CpuInfo:
    model: str | None
    logical_cores: int | None
    # Cores this process may use; smaller than logical_cores in containers with a CPU set.
    usable_cores: int | None


@dataclass(frozen=True)
class MemoryInfo:
    total_gb: float | None
    available_gb: float | None


@dataclass(frozen=True)
class DiskInfo:
    path: str
    total_gb: float | None
    free_gb: float | None


@dataclass(frozen=True)
class GpuInfo:
    """One GPU as nvidia-smi reports it; None where it says [N/A] (MIG, some boards)."""

    index: int
    name: str
    uuid: str | None = None
    memory_total_mib: int | None = None
    memory_used_mib: int | None = None
    utilization_percent: int | None = None
    driver_version: str | None = None

    @property
    def memory_total_gb(self) -> float | None:
        return mib_to_gb(self.memory_total_mib)

    @property
    def memory_used_gb(self) -> float | None:
        return mib_to_gb(self.memory_used_mib)

    def label(self) -> str:
        """`GPU 0 (NVIDIA H200, 150.8 GB)`: how messages name a GPU."""
        size = self.memory_total_gb
        return f"GPU {self.index} ({self.name}{f', {size} GB' if size is not None else ''})"


@dataclass(frozen=True)
class GpuReport:
    """What nvidia-smi said: the GPUs, or why there are none."""

    nvidia_smi: str | None  # its path, None when not on PATH
    gpus: tuple[GpuInfo, ...] = ()
    driver_version: str | None = None
    cuda_version: str | None = None  # the highest CUDA version the driver supports
    error: str | None = None  # why nvidia-smi gave no GPUs (missing, failed, timed out)


@dataclass(frozen=True)
class FrameworkInfo:
    """Whether an installed framework can run work on the GPU, not only import."""

    name: str  # torch, jax, cupy
    version: str | None = None
    cuda_build: str | None = None  # CUDA version it was built for, where it says
    gpu_available: bool = False
    device_count: int = 0
    devices: tuple[str, ...] = ()
    error: str | None = None  # import failed, kernel failed, probe timed out


@dataclass(frozen=True)
class RunnerInfo:
    """The machine a job runs on; `to_dict()` is what run records and --json carry."""

    hostname: str
    os: OsInfo
    python: str
    cpu: CpuInfo
    memory: MemoryInfo
    disk: DiskInfo
    gpu: GpuReport
    frameworks: tuple[FrameworkInfo, ...] = ()

    @property
    def gpus(self) -> tuple[GpuInfo, ...]:
        return self.gpu.gpus

    @property
    def gpu_count(self) -> int:
        return len(self.gpu.gpus)

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["gpu_count"] = self.gpu_count
        for gpu, gpu_data in zip(self.gpus, data["gpu"]["gpus"], strict=True):
            gpu_data["memory_total_gb"] = gpu.memory_total_gb
            gpu_data["memory_used_gb"] = gpu.memory_used_gb
        return data


@dataclass(frozen=True)
class RequirementCheck:
    """The verdict of `check_requirements`: problems fail the job, warnings do not."""

    required_gpu: bool
    min_gpu_memory_gb: float | None
    problems: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "passed": self.passed}
