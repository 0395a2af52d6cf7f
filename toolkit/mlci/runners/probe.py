"""`probe_runner`: describe this machine; `check_requirements`: is it fit to train?

The check runs before training so that a job that landed on a machine without a
usable GPU fails in seconds with a message, not an hour in with a CUDA error.
"""

from __future__ import annotations

import platform
import socket
from collections.abc import Mapping, Sequence
from pathlib import Path

from mlci.runners.frameworks import KNOWN_FRAMEWORKS, probe_frameworks
from mlci.runners.model import FrameworkInfo, RequirementCheck, RunnerInfo
from mlci.runners.nvidia import query_gpus
from mlci.runners.system import cpu_info, disk_info, memory_info, os_info


def probe_runner(
    *,
    disk_path: str | Path = ".",
    frameworks: Sequence[str] = KNOWN_FRAMEWORKS,
    nvidia_smi: str = "nvidia-smi",
    search_path: str | None = None,
    framework_env: Mapping[str, str] | None = None,
    timeout: float = 30.0,
) -> RunnerInfo:
    """Describe the machine: OS, CPU, memory, free disk at `disk_path`, GPUs, frameworks.

    `search_path` is where to look for `nvidia_smi` (default: PATH); `frameworks`
    lists those to probe when installed (pass () to skip the probes, which import
    each framework in a child process and take seconds). Never raises for a missing
    or broken GPU: that is reported in `RunnerInfo.gpu.error`.
    """
    return RunnerInfo(
        hostname=socket.gethostname(),
        os=os_info(),
        python=platform.python_version(),
        cpu=cpu_info(),
        memory=memory_info(),
        disk=disk_info(disk_path),
        gpu=query_gpus(executable=nvidia_smi, search_path=search_path, timeout=timeout),
        frameworks=probe_frameworks(frameworks, env=framework_env, timeout=max(timeout, 120.0)),
    )


def _framework_trouble(framework: FrameworkInfo) -> str | None:
    if framework.gpu_available:
        return None
    version = f"{framework.name} {framework.version or ''}".strip()
    if framework.error:
        return f"{version} cannot use the GPU: {framework.error}"
    if framework.name == "torch" and framework.cuda_build is None:
        return f"{version} is a CPU-only build and cannot use the GPU (install a CUDA build)"
    return f"{version} is installed but sees no GPU"


def check_requirements(
    info: RunnerInfo, *, require_gpu: bool = False, min_gpu_memory_gb: float | None = None
) -> RequirementCheck:
    """Problems when a GPU is required (or a memory floor given) and the runner lacks it.

    With a memory floor, at least one GPU must have that much memory in total. Where
    nvidia-smi sees a GPU but an installed framework cannot use it, that is a problem
    when a GPU is required (training would silently fall back to the CPU or crash)
    and a warning otherwise.
    """
    required = require_gpu or min_gpu_memory_gb is not None
    problems: list[str] = []
    warnings: list[str] = []
    host = f"runner '{info.hostname}'"
    wanted = "a GPU" + (f" with at least {min_gpu_memory_gb:g} GB" if min_gpu_memory_gb else "")
    if not info.gpus:
        if required:
            reason = info.gpu.error or "no GPU found"
            problems.append(f"{wanted} is required but {host} has none: {reason}")
    elif min_gpu_memory_gb is not None:
        big_enough = [
            gpu
            for gpu in info.gpus
            if gpu.memory_total_gb is not None and gpu.memory_total_gb >= min_gpu_memory_gb
        ]
        if not big_enough:
            found = ", ".join(gpu.label() for gpu in info.gpus)
            problems.append(f"{wanted} is required but {host} has only {found}")
    if info.gpus:
        for framework in info.frameworks:
            trouble = _framework_trouble(framework)
            if trouble:
                (problems if required else warnings).append(f"{host}: {trouble}")
    return RequirementCheck(
        required_gpu=required,
        min_gpu_memory_gb=min_gpu_memory_gb,
        problems=tuple(problems),
        warnings=tuple(warnings),
    )
