"""Ask nvidia-smi for the GPUs: one CSV query for the cards, the banner for CUDA.

The CSV query (`--query-gpu=... --format=csv,noheader,nounits`) is the stable,
scriptable interface; the CUDA version the driver supports is only in the banner of
a plain `nvidia-smi` run ("CUDA Version: 12.4"), so that is read with a pattern.
"""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
from collections.abc import Callable, Sequence

from mlci.runners.model import GpuInfo, GpuReport

QUERY_FIELDS = (
    "index",
    "name",
    "uuid",
    "memory.total",
    "memory.used",
    "utilization.gpu",
    "driver_version",
)
QUERY_ARGS = (f"--query-gpu={','.join(QUERY_FIELDS)}", "--format=csv,noheader,nounits")
_CUDA_BANNER = re.compile(r"CUDA Version:\s*([0-9][0-9.]*)")
# nvidia-smi prints these instead of a number where a value does not apply (MIG, vGPU).
_NOT_A_VALUE = ("[N/A]", "N/A", "[Not Supported]", "[Unknown Error]", "[Insufficient Permissions]")

Runner = Callable[[Sequence[str], float], "subprocess.CompletedProcess[str]"]


def _run(args: Sequence[str], timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), capture_output=True, text=True, timeout=timeout, check=False)


def _value(text: str) -> str | None:
    text = text.strip()
    return None if not text or text in _NOT_A_VALUE else text


def _int(text: str) -> int | None:
    value = _value(text)
    if value is None:
        return None
    try:
        return int(float(value))
    except ValueError:
        return None


def parse_query(output: str) -> tuple[GpuInfo, ...]:
    """GPUs from the CSV query's output; blank lines and short rows are skipped."""
    gpus: list[GpuInfo] = []
    for row in csv.reader(output.splitlines(), skipinitialspace=True):
        if len(row) < len(QUERY_FIELDS):
            continue
        index, name, uuid, total, used, utilization, driver = (cell.strip() for cell in row[:7])
        position = _int(index)
        gpus.append(
            GpuInfo(
                index=position if position is not None else len(gpus),
                name=name,
                uuid=_value(uuid),
                memory_total_mib=_int(total),
                memory_used_mib=_int(used),
                utilization_percent=_int(utilization),
                driver_version=_value(driver),
            )
        )
    return tuple(gpus)


def parse_cuda_version(banner: str) -> str | None:
    match = _CUDA_BANNER.search(banner)
    return match.group(1) if match else None


def _first_line(*texts: str) -> str:
    for text in texts:
        for line in text.splitlines():
            if line.strip():
                return line.strip()
    return ""


def query_gpus(
    *,
    executable: str = "nvidia-smi",
    search_path: str | None = None,
    timeout: float = 30.0,
    run: Runner = _run,
) -> GpuReport:
    """What nvidia-smi reports; never raises: a missing or failing driver is data."""
    found = shutil.which(executable, path=search_path)
    if found is None:
        return GpuReport(
            nvidia_smi=None, error=f"{executable} is not on PATH: no NVIDIA driver installed"
        )
    try:
        result = run([found, *QUERY_ARGS], timeout)
    except subprocess.TimeoutExpired:
        return GpuReport(nvidia_smi=found, error=f"{executable} did not answer in {timeout:g} s")
    except OSError as error:
        return GpuReport(nvidia_smi=found, error=f"{executable} could not run: {error}")
    if result.returncode != 0:
        reason = _first_line(result.stdout, result.stderr) or "no message"
        return GpuReport(
            nvidia_smi=found,
            error=f"{executable} failed (exit {result.returncode}): {reason}",
        )
    gpus = parse_query(result.stdout)
    if not gpus:
        return GpuReport(nvidia_smi=found, error=f"{executable} lists no GPUs")
    cuda_version = None
    try:
        banner = run([found], timeout)
        if banner.returncode == 0:
            cuda_version = parse_cuda_version(banner.stdout)
    except (subprocess.TimeoutExpired, OSError):
        pass  # the CUDA version is a nice-to-have; the GPUs are already known
    drivers = {gpu.driver_version for gpu in gpus if gpu.driver_version}
    return GpuReport(
        nvidia_smi=found,
        gpus=gpus,
        driver_version=sorted(drivers)[0] if drivers else None,
        cuda_version=cuda_version,
    )
