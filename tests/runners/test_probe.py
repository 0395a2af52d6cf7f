import json
from pathlib import Path

import pytest
from tests.runners.runner_fakes import ONE_GPU, TWO_GPUS

from mlci.runners import RunnerInfo, check_requirements, frameworks, probe_runner
from mlci.runners.frameworks import probe_framework, probe_frameworks
from mlci.runners.model import CpuInfo, DiskInfo, FrameworkInfo, GpuReport, MemoryInfo, OsInfo
from mlci.runners.nvidia import parse_query
from mlci.runners.system import cpu_info, memory_info, os_info


def runner(gpus: str = "", error: str | None = None, frameworks=()) -> RunnerInfo:
    """A RunnerInfo with chosen GPUs, the rest made up."""
    return RunnerInfo(
        hostname="gpu-box-1",
        os=OsInfo("Linux", "6.8.0", "x86_64", "Ubuntu 24.04 LTS"),
        python="3.11.7",
        cpu=CpuInfo("AMD EPYC", 16, 16),
        memory=MemoryInfo(128.0, 120.0),
        disk=DiskInfo("/work", 500.0, 200.0),
        gpu=GpuReport(
            nvidia_smi="/usr/bin/nvidia-smi" if gpus or error else None,
            gpus=parse_query(gpus),
            error=error if not gpus else None,
        ),
        frameworks=tuple(frameworks),
    )


def test_no_gpu_passes_when_not_required_and_fails_naming_why_when_required():
    info = runner(error="nvidia-smi is not on PATH: no NVIDIA driver installed")
    assert check_requirements(info).passed
    verdict = check_requirements(info, require_gpu=True)
    assert verdict.problems == (
        "a GPU is required but runner 'gpu-box-1' has none: "
        "nvidia-smi is not on PATH: no NVIDIA driver installed",
    )


def test_memory_floor_implies_a_gpu_and_names_the_gpus_that_are_too_small():
    verdict = check_requirements(runner(TWO_GPUS), min_gpu_memory_gb=80)
    assert verdict.required_gpu
    assert verdict.problems == (
        "a GPU with at least 80 GB is required but runner 'gpu-box-1' has only "
        "GPU 0 (Tesla T4, 16.1 GB), GPU 1 (NVIDIA A100-SXM4-40GB, 42.9 GB)",
    )
    # One GPU big enough is enough; a T4 sold as 16 GB passes a 16 GB floor.
    assert check_requirements(runner(TWO_GPUS), min_gpu_memory_gb=40).passed
    assert check_requirements(runner(TWO_GPUS[:50]), min_gpu_memory_gb=16).passed


def test_framework_that_cannot_use_the_gpu_fails_only_when_a_gpu_is_required():
    cpu_torch = FrameworkInfo(name="torch", version="2.13.0+cpu")
    info = runner(ONE_GPU, frameworks=[cpu_torch])
    message = (
        "runner 'gpu-box-1': torch 2.13.0+cpu is a CPU-only build and cannot use the GPU "
        "(install a CUDA build)"
    )
    assert check_requirements(info).warnings == (message,)
    assert check_requirements(info).passed
    assert check_requirements(info, require_gpu=True).problems == (message,)


def test_to_dict_is_json_and_carries_derived_sizes():
    data = runner(TWO_GPUS).to_dict()
    json.dumps(data)
    assert data["gpu_count"] == 2
    assert data["gpu"]["gpus"][1]["memory_total_gb"] == 42.9
    assert data["gpu"]["gpus"][1]["memory_total_mib"] == 40960


def test_system_readings_from_a_fake_root(tmp_path: Path):
    (tmp_path / "etc").mkdir()
    (tmp_path / "proc").mkdir()
    (tmp_path / "etc" / "os-release").write_text('NAME="X"\nPRETTY_NAME="Ubuntu 22.04.4 LTS"\n')
    (tmp_path / "proc" / "meminfo").write_text(
        "MemTotal:       65831176 kB\nMemFree:  1000 kB\nMemAvailable:   60000000 kB\n"
    )
    (tmp_path / "proc" / "cpuinfo").write_text("processor\t: 0\nmodel name\t: Intel(R) Xeon(R)\n")
    assert os_info(tmp_path).distribution == "Ubuntu 22.04.4 LTS"
    assert memory_info(tmp_path) == MemoryInfo(total_gb=67.4, available_gb=61.4)
    assert cpu_info(tmp_path).model == "Intel(R) Xeon(R)"


def test_probe_this_machine_for_real(tmp_path: Path, path_with):
    """No GPU here: the probe says why, and a required GPU fails."""
    path_with(None)
    info = probe_runner(disk_path=tmp_path, frameworks=())
    assert info.gpu_count == 0
    assert info.gpu.error == "nvidia-smi is not on PATH: no NVIDIA driver installed"
    assert info.cpu.logical_cores and info.cpu.logical_cores >= 1
    assert info.disk.free_gb is not None and info.disk.free_gb > 0
    assert info.memory.total_gb is not None and info.memory.total_gb > 0
    assert not check_requirements(info, require_gpu=True).passed


def test_probe_with_fake_nvidia_smi_on_path(fake_smi, path_with):
    path_with(fake_smi(TWO_GPUS))
    info = probe_runner(frameworks=())
    assert [g.name for g in info.gpus] == ["Tesla T4", "NVIDIA A100-SXM4-40GB"]
    assert info.gpu.cuda_version == "13.0"


def test_framework_probe_runs_a_kernel_on_each_gpu(fake_torch):
    info = probe_framework("torch", env=fake_torch())
    assert info == FrameworkInfo(
        name="torch",
        version="2.99.0+cu130",
        cuda_build="13.0",
        gpu_available=True,
        device_count=2,
        devices=("NVIDIA H200", "NVIDIA H200"),
    )


def test_framework_probe_reports_a_failing_kernel(fake_torch):
    error = "CUDA error: no kernel image is available for execution on the device"
    info = probe_framework("torch", env=fake_torch(error))
    assert not info.gpu_available
    assert info.error == f"RuntimeError: {error}"
    verdict = check_requirements(runner(ONE_GPU, frameworks=[info]), require_gpu=True)
    assert verdict.problems == (
        f"runner 'gpu-box-1': torch 2.99.0+cu130 cannot use the GPU: {info.error}",
    )


def test_framework_probe_survives_a_crashing_interpreter(tmp_path: Path):
    crash = tmp_path / "crash"
    crash.write_text("#!/bin/sh\necho 'Segmentation fault' >&2\nexit 139\n")
    crash.chmod(0o755)
    info = probe_framework("cupy", python=str(crash))
    assert info.error == "probe crashed (exit 139): Segmentation fault"


def test_absent_frameworks_are_not_probed(monkeypatch):
    def no_child(*args, **kwargs):
        raise AssertionError("a child process was started for an absent framework")

    monkeypatch.setattr(frameworks, "is_installed", lambda name: False)
    monkeypatch.setattr(frameworks.subprocess, "run", no_child)
    assert probe_frameworks() == ()
    with pytest.raises(ValueError, match="unknown framework"):
        probe_framework("tensorflow")
