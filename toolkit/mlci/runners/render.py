"""RunnerInfo as rows of (what, value), then as a console table or step-summary markdown."""

from __future__ import annotations

from mlci.markdown import markdown_table, table_cell
from mlci.runners.frameworks import KNOWN_FRAMEWORKS
from mlci.runners.model import FrameworkInfo, GpuInfo, RequirementCheck, RunnerInfo


def _gb(value: float | None) -> str:
    return "?" if value is None else f"{value:g} GB"


def _gpu_line(gpu: GpuInfo) -> str:
    parts = [gpu.name, f"{_gb(gpu.memory_total_gb)}"]
    if gpu.memory_used_gb is not None:
        parts[-1] += f" ({_gb(gpu.memory_used_gb)} used)"
    if gpu.utilization_percent is not None:
        parts.append(f"{gpu.utilization_percent}% busy")
    return ", ".join(parts)


def _framework_line(framework: FrameworkInfo) -> str:
    head = framework.version or "installed"
    if framework.cuda_build:
        head += f" (CUDA {framework.cuda_build})"
    if framework.gpu_available:
        return f"{head}: sees {framework.device_count} GPU(s): {', '.join(framework.devices)}"
    if framework.error:
        return f"{head}: cannot use a GPU: {framework.error}"
    if framework.name == "torch" and framework.cuda_build is None:
        return f"{head}: CPU-only build, no GPU"
    return f"{head}: no GPU"


def runner_rows(info: RunnerInfo, *, frameworks_checked: bool = False) -> list[tuple[str, str]]:
    system = info.os
    os_text = f"{system.system} {system.release} {system.machine}"
    if system.distribution:
        os_text += f" ({system.distribution})"
    cpu = info.cpu
    cores = f"{cpu.usable_cores} of {cpu.logical_cores} cores usable"
    rows = [
        ("Runner", info.hostname),
        ("OS", os_text),
        ("Python", info.python),
        ("CPU", f"{cpu.model or 'unknown model'}, {cores}"),
        (
            "Memory",
            f"{_gb(info.memory.total_gb)} total, {_gb(info.memory.available_gb)} available",
        ),
        ("Disk", f"{_gb(info.disk.free_gb)} free of {_gb(info.disk.total_gb)} at {info.disk.path}"),
    ]
    gpu = info.gpu
    if gpu.gpus:
        versions = f"driver {gpu.driver_version or '?'}, CUDA {gpu.cuda_version or '?'}"
        rows.append(("GPUs", f"{len(gpu.gpus)} ({versions})"))
        rows.extend((f"GPU {g.index}", _gpu_line(g)) for g in gpu.gpus)
    else:
        rows.append(("GPUs", f"no GPU ({gpu.error})" if gpu.error else "no GPU"))
    rows.extend((framework.name, _framework_line(framework)) for framework in info.frameworks)
    if frameworks_checked and not info.frameworks:
        rows.append(("Frameworks", f"none of {', '.join(KNOWN_FRAMEWORKS)} is installed"))
    return rows


def render_text(
    info: RunnerInfo, check: RequirementCheck, *, frameworks_checked: bool = False
) -> str:
    rows = runner_rows(info, frameworks_checked=frameworks_checked)
    width = max(len(name) for name, _ in rows)
    lines = [f"{name.ljust(width)}  {value}" for name, value in rows]
    lines.extend(f"warning: {warning}" for warning in check.warnings)
    if check.required_gpu and check.passed:
        lines.append("GPU requirement: met")
    return "\n".join(lines)


def render_summary(
    info: RunnerInfo, check: RequirementCheck, *, frameworks_checked: bool = False
) -> str:
    """A short markdown table for $GITHUB_STEP_SUMMARY."""
    if not check.required_gpu:
        verdict = "GPU not required"
    elif check.passed:
        verdict = "GPU requirement met"
    else:
        verdict = "GPU requirement NOT met"
    rows = runner_rows(info, frameworks_checked=frameworks_checked)
    lines = [f"### Runner check: {verdict}", "", markdown_table(["", ""], rows)]
    lines.append("")
    lines.extend(f"- :x: {table_cell(problem)}" for problem in check.problems)
    lines.extend(f"- :warning: {table_cell(warning)}" for warning in check.warnings)
    return "\n".join(lines).rstrip() + "\n"
