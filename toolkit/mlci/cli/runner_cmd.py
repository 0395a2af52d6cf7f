"""`mlci runner check`: what this job runs on, and is it fit to train on."""

from __future__ import annotations

from pathlib import Path

import click

from mlci.cli._lazy import GuardedGroup
from mlci.cli._options import config_option, json_dumps, output_option


@click.group(cls=GuardedGroup)
def runner() -> None:
    """Inspect the machine this job runs on (GPU preflight).

    \b
    Example:
      mlci runner check --require-gpu
    """


@runner.command("check")
@config_option
@click.option(
    "--require-gpu/--no-require-gpu",
    default=None,
    help="Exit 1 when no usable GPU is found (default: train.require_gpu in mlci.yaml).",
)
@click.option(
    "--min-gpu-memory",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    metavar="GB",
    help="Exit 1 unless a GPU has at least this much memory (decimal GB; implies a GPU; "
    "default: train.min_gpu_memory_gb in mlci.yaml).",
)
@click.option(
    "--frameworks/--no-frameworks",
    default=True,
    help="Check whether installed torch, jax and cupy can use the GPU (takes seconds).",
)
@output_option("json", "the result as JSON")
def check(
    config_path: str | None,
    require_gpu: bool | None,
    min_gpu_memory: float | None,
    frameworks: bool,
    json_out: str | None,
) -> None:
    """Describe this runner: OS, CPU, memory, disk, GPUs and what can use them.

    Reads GPUs from nvidia-smi (name, memory, driver and CUDA versions, utilisation)
    and checks that installed torch, jax and cupy can run on them. With
    --require-gpu or --min-gpu-memory it exits 1, before any training starts, when
    the GPU is missing or too small. Writes a table to the step summary, sets
    the outputs gpu-count and gpu-name, and (in a project folder or in Actions)
    saves the result to .mlci/runner-check.json, which the run record of a later
    `mlci train` in the same job includes.

    \b
    Example:
      mlci runner check
      mlci runner check --require-gpu --min-gpu-memory 16
      mlci runner check --json > runner.json
    """
    from mlci.cli._outputs import prepare_outputs, write_outputs
    from mlci.config import load_config
    from mlci.errors import GateFailed, MlciError
    from mlci.gha import ActionsRuntime
    from mlci.runners import check_requirements, probe_runner
    from mlci.runners.frameworks import KNOWN_FRAMEWORKS
    from mlci.runners.preflight import save_preflight
    from mlci.runners.render import render_summary, render_text

    settings = load_config(config_path).train
    printing = prepare_outputs([("--json", json_out)], [config_path])
    if require_gpu is None:
        require_gpu = settings.require_gpu
    if min_gpu_memory is None:
        min_gpu_memory = settings.min_gpu_memory_gb
    info = probe_runner(frameworks=KNOWN_FRAMEWORKS if frameworks else ())
    verdict = check_requirements(info, require_gpu=require_gpu, min_gpu_memory_gb=min_gpu_memory)

    runtime = ActionsRuntime()
    if runtime.in_actions or Path("mlci.yaml").is_file():
        try:
            save_preflight(Path.cwd(), info, verdict)
        except (OSError, MlciError) as error:  # a read-only workspace must not fail the check
            runtime.warning(f"cannot save the check for the run record: {error}")
    runtime.append_summary(render_summary(info, verdict, frameworks_checked=frameworks))
    runtime.set_outputs(
        {"gpu-count": info.gpu_count, "gpu-name": info.gpus[0].name if info.gpus else ""}
    )
    if not printing:
        click.echo(render_text(info, verdict, frameworks_checked=frameworks))
    result = {"runner": info.to_dict(), "check": verdict.to_dict()}
    write_outputs([("--json", json_out, json_dumps(result))])
    if not verdict.passed:
        raise GateFailed(
            "; ".join(verdict.problems),
            "run the job on a runner with a suitable GPU: set train.runner in mlci.yaml "
            "to its labels (see `mlci runners status`)",
        )
