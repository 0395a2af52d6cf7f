"""OS, CPU, memory and disk of this machine, from the standard library and /proc.

Every reading may be missing (None) on a platform that does not offer it: a
preflight check must describe what it can, never crash on what it cannot.
"""

from __future__ import annotations

import os
import platform
import shutil
from pathlib import Path

from mlci.runners.model import GB, CpuInfo, DiskInfo, MemoryInfo, OsInfo


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def os_info(root: Path = Path("/")) -> OsInfo:
    distribution = None
    text = _read(root / "etc" / "os-release")
    for line in (text or "").splitlines():
        if line.startswith("PRETTY_NAME="):
            distribution = line.split("=", 1)[1].strip().strip('"') or None
    return OsInfo(
        system=platform.system(),
        release=platform.release(),
        machine=platform.machine(),
        distribution=distribution,
    )


def cpu_info(root: Path = Path("/")) -> CpuInfo:
    model = None
    for line in (_read(root / "proc" / "cpuinfo") or "").splitlines():
        # x86 says "model name", some Arm kernels only "Hardware" or "CPU part".
        if line.lower().startswith(("model name", "hardware")) and ":" in line:
            model = line.split(":", 1)[1].strip() or None
            break
    if model is None:
        model = platform.processor() or None
    usable: int | None
    try:
        usable = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on macOS or Windows
        usable = os.cpu_count()
    return CpuInfo(model=model, logical_cores=os.cpu_count(), usable_cores=usable)


def memory_info(root: Path = Path("/")) -> MemoryInfo:
    values: dict[str, int] = {}
    for line in (_read(root / "proc" / "meminfo") or "").splitlines():
        name, _, rest = line.partition(":")
        parts = rest.split()
        if parts and parts[0].isdigit():
            values[name] = int(parts[0]) * 1024  # /proc/meminfo says kB and means KiB
    if "MemTotal" in values:
        available = values.get("MemAvailable", values.get("MemFree"))
        return MemoryInfo(
            total_gb=round(values["MemTotal"] / GB, 1),
            available_gb=round(available / GB, 1) if available is not None else None,
        )
    try:  # POSIX systems without /proc (macOS)
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        return MemoryInfo(total_gb=round(total / GB, 1), available_gb=None)
    except (AttributeError, ValueError, OSError):
        return MemoryInfo(total_gb=None, available_gb=None)


def disk_info(path: str | Path = ".") -> DiskInfo:
    try:
        usage = shutil.disk_usage(path)
    except OSError:
        return DiskInfo(path=str(path), total_gb=None, free_gb=None)
    return DiskInfo(
        path=str(Path(path).resolve()),
        total_gb=round(usage.total / GB, 1),
        free_gb=round(usage.free / GB, 1),
    )
