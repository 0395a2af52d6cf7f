"""The same table written as one file or as 3 or 8 Parquet parts, flat or hive-partitioned.

Engine tests profile every layout and compare with the profile of the single file: the
layouts are chosen to break naive implementations (uneven part sizes, an empty part, a
part that lacks a category, several row groups per file, day=YYYY-MM-DD directories).

    frame = example_frame(5_000, seed=1)
    single = write_single(tmp_path / "all.parquet", frame)
    root = write_parts(tmp_path / "parts", frame, parts=8, hive=True)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

FIRST_DAY = "2026-11-20"
DAYS = 8
ROW_GROUP_ROWS = 700  # several row groups per file at test sizes


def example_frame(rows: int, seed: int) -> pd.DataFrame:
    """Numeric, integer, categorical, boolean, timestamp, label/prediction columns, and a
    `day` text column (last, as a hive partition column comes last) over DAYS days.

    The category "rare" only occurs in the second half of the rows, so the first part of
    any split lacks it; `amount` has nulls.
    """
    rng = np.random.default_rng(seed)
    amount = rng.gamma(2.0, 30.0, rows)
    amount[rng.random(rows) < 0.05] = np.nan
    plan = rng.choice(["basic", "plus", "pro"], rows, p=[0.5, 0.3, 0.2]).astype(object)
    late = np.arange(rows) >= rows // 2
    plan[late & (rng.random(rows) < 0.1)] = "rare"
    start = pd.Timestamp(FIRST_DAY)
    offsets = np.sort(rng.integers(0, DAYS * 86_400, rows))
    seen = start + pd.to_timedelta(offsets, unit="s")
    label = rng.integers(0, 2, rows)
    flip = rng.random(rows) < 0.2
    return pd.DataFrame(
        {
            "amount": amount,
            "calls": rng.poisson(3.0, rows).astype("int64"),
            "plan": plan.astype(str),
            "paperless": rng.random(rows) < 0.6,
            "seen": seen,
            "label": label,
            "prediction": np.where(flip, 1 - label, label),
            "day": seen.strftime("%Y-%m-%d"),
        }
    )


def split_sizes(rows: int, parts: int) -> list[int]:
    """Uneven part sizes that add up to `rows`; with 3 parts or more the second is empty."""
    if parts == 1:
        return [rows]
    weights = np.arange(1, parts + 1, dtype=float)
    if parts >= 3:
        weights[1] = 0.0
    sizes = np.floor(rows * weights / weights.sum()).astype(int)
    sizes[-1] += rows - int(sizes.sum())
    return [int(s) for s in sizes]


def write_single(path: Path, frame: pd.DataFrame) -> Path:
    """The whole frame as one Parquet file (the parity reference)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(path, index=False, row_group_size=ROW_GROUP_ROWS)
    return path


def write_parts(root: Path, frame: pd.DataFrame, parts: int, hive: bool = False) -> Path:
    """Write `frame` under `root` as `parts` contiguous parts (see `split_sizes`).

    Flat: root/part-000.parquet, ... (an empty part is a file with the schema and no
    rows). Hive: each part is split by its `day` values into root/day=YYYY-MM-DD/
    part-NNN.parquet without the `day` column (its value is in the directory name); an
    empty part goes to the first day's directory. Returns `root`.
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    start = 0
    for number, size in enumerate(split_sizes(len(frame), parts)):
        chunk = frame.iloc[start : start + size]
        start += size
        name = f"part-{number:03d}.parquet"
        if not hive:
            chunk.to_parquet(root / name, index=False, row_group_size=ROW_GROUP_ROWS)
            continue
        days = sorted(chunk["day"].unique()) or [FIRST_DAY]
        for day in days:
            rows = chunk[chunk["day"] == day] if len(chunk) else chunk
            folder = root / f"day={day}"
            folder.mkdir(exist_ok=True)
            rows.drop(columns=["day"]).to_parquet(
                folder / name, index=False, row_group_size=ROW_GROUP_ROWS
            )
    return root
