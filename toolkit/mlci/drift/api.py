"""`build_profile`: the reference profile of a file or a DataFrame, with mlci.yaml settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mlci.config.schema import DriftConfig
from mlci.drift.build import profile_with_config
from mlci.drift.profile import DatasetProfile
from mlci.drift.readers import DEFAULT_BATCH_ROWS, FrameSource, Progress, Source, open_source


def build_profile(
    data: str | Path | Any,
    config: DriftConfig | None = None,
    *,
    sample: float | None = None,
    seed: int = 0,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    progress: Progress | None = None,
) -> DatasetProfile:
    """Profile a CSV/Parquet file (streamed), a pandas DataFrame, or a Source an engine
    opened (a partitioned dataset, a query: see `mlci.drift.engines.open_data`)."""
    config = config or DriftConfig()
    if isinstance(data, Source):
        source = data
    else:
        source = open_source(data) if isinstance(data, (str, Path)) else FrameSource(data)
    profile, _ = profile_with_config(
        source, config, batch_rows=batch_rows, sample=sample, seed=seed, progress=progress
    )
    return profile
