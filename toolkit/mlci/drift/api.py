"""`build_profile`: the reference profile of a file or a DataFrame, with mlci.yaml settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mlci.config.schema import DriftConfig
from mlci.drift.build import profile_with_config
from mlci.drift.profile import DatasetProfile
from mlci.drift.readers import DEFAULT_BATCH_ROWS, FrameSource, Progress, open_source


def build_profile(
    data: str | Path | Any,
    config: DriftConfig | None = None,
    *,
    sample: float | None = None,
    seed: int = 0,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    progress: Progress | None = None,
) -> DatasetProfile:
    """Profile a CSV/Parquet file (streamed) or a pandas DataFrame."""
    config = config or DriftConfig()
    source = open_source(data) if isinstance(data, (str, Path)) else FrameSource(data)
    profile, _ = profile_with_config(
        source, config, batch_rows=batch_rows, sample=sample, seed=seed, progress=progress
    )
    return profile
