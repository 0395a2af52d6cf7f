"""Which of torch, jax and cupy are installed, and whether each can use the GPU.

`importlib.util.find_spec` says whether a framework is installed without importing
it; only the installed ones are probed, each in a child process
(see `_framework_probe.py` for why).
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from mlci.runners.model import FrameworkInfo

KNOWN_FRAMEWORKS = ("torch", "jax", "cupy")
_PROBE_SOURCE = Path(__file__).with_name("_framework_probe.py")


def is_installed(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # a broken parent package, or __spec__ is None
        return False


def probe_framework(
    name: str,
    *,
    python: str | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 120.0,
) -> FrameworkInfo:
    """Import `name` in a child Python and run a tiny computation on each GPU."""
    if name not in KNOWN_FRAMEWORKS:
        raise ValueError(f"unknown framework {name!r}; known: {', '.join(KNOWN_FRAMEWORKS)}")
    command = [python or sys.executable, "-c", _PROBE_SOURCE.read_text(encoding="utf-8"), name]
    try:
        result = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            env=dict(env) if env is not None else None,
        )
    except subprocess.TimeoutExpired:
        return FrameworkInfo(name=name, error=f"probe did not finish in {timeout:g} s")
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    try:
        data = json.loads(lines[-1]) if lines else None
    except json.JSONDecodeError:
        data = None
    if not isinstance(data, dict):
        tail = (result.stderr.strip().splitlines() or ["no output"])[-1]
        return FrameworkInfo(
            name=name, error=f"probe crashed (exit {result.returncode}): {tail[:300]}"
        )
    return FrameworkInfo(
        name=name,
        version=data.get("version"),
        cuda_build=data.get("cuda_build"),
        gpu_available=bool(data.get("gpu_available", False)),
        device_count=int(data.get("device_count", 0)),
        devices=tuple(str(device) for device in data.get("devices", ())),
        error=data.get("error"),
    )


def probe_frameworks(
    names: Sequence[str] = KNOWN_FRAMEWORKS,
    *,
    python: str | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 120.0,
) -> tuple[FrameworkInfo, ...]:
    """Probe each installed framework of `names`; absent ones are left out."""
    return tuple(
        probe_framework(name, python=python, env=env, timeout=timeout)
        for name in names
        if is_installed(name)
    )
