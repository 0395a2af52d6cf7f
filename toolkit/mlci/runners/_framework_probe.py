"""Child-process probe: can framework NAME run a tiny computation on the GPU?

Run as `python -c <this file's text> NAME`; prints one JSON object on its last line.
It runs in its own process because importing a framework can take seconds and
memory, JAX reserves most of the GPU's memory on first use, and a broken CUDA setup
can crash the interpreter: none of that should happen inside `mlci` itself.
Standard library only (plus the framework probed), so it runs with any Python.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any


def probe_torch(info: dict[str, Any]) -> None:
    import torch

    info.update(version=torch.__version__, cuda_build=torch.version.cuda)
    if not torch.cuda.is_available():
        return
    names = []
    for index in range(torch.cuda.device_count()):
        device = torch.device("cuda", index)
        # A kernel launch, not just is_available(): a wheel built for other GPU
        # architectures imports fine and fails here ("no kernel image").
        float((torch.ones(8, device=device) * 2).sum().item())
        names.append(torch.cuda.get_device_name(index))
    info.update(gpu_available=bool(names), device_count=len(names), devices=names)


def probe_jax(info: dict[str, Any]) -> None:
    # Without this, the first GPU use reserves 75% of the GPU's memory.
    os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
    import jax

    info["version"] = jax.__version__
    try:
        devices = jax.devices("gpu")
    except RuntimeError:  # "Unknown backend gpu": a CPU-only jaxlib
        return
    for device in devices:
        jax.device_put(jax.numpy.ones(8), device).sum().block_until_ready()
    info.update(
        gpu_available=bool(devices),
        device_count=len(devices),
        devices=[getattr(device, "device_kind", str(device)) for device in devices],
    )


def probe_cupy(info: dict[str, Any]) -> None:
    import cupy

    info["version"] = cupy.__version__
    runtime = cupy.cuda.runtime
    version = runtime.runtimeGetVersion()
    info["cuda_build"] = f"{version // 1000}.{version % 1000 // 10}"
    count = runtime.getDeviceCount()  # CUDARuntimeError when there is no driver
    names = []
    for index in range(count):
        with cupy.cuda.Device(index):
            float((cupy.ones(8) * 2).sum().item())
        name = runtime.getDeviceProperties(index)["name"]
        names.append(name.decode() if isinstance(name, bytes) else str(name))
    info.update(gpu_available=bool(names), device_count=len(names), devices=names)


PROBES = {"torch": probe_torch, "jax": probe_jax, "cupy": probe_cupy}


def main() -> None:
    # Filled in as the probe goes, so a failure keeps what was learnt before it.
    info: dict[str, Any] = {}
    try:
        PROBES[sys.argv[1]](info)
    except Exception as error:
        info["error"] = f"{type(error).__name__}: {error}".strip()[:500]
        info.update(gpu_available=False, device_count=0, devices=[])
    sys.stdout.flush()
    print("\n" + json.dumps(info))


main()
