"""The streaming floor of a drift check on one machine: read and count, nothing else.

Run: python bench/drift_floor.py PROFILE.json CURRENT.parquet

Reads the current file's row groups with pyarrow (all columns of a group at once, pyarrow's
threads decoding, the next group read while this one is counted), counts every numeric
column on the profile's edges with the compiled one-pass kernel (mlci.drift.fastcount,
numba) in one thread per column, and every text column by the integer indices of its
dictionary. No statistics, no report: what is left is the least any check has to do, so
`bench/drift.py` measures the check against it. Prints one JSON line per run with the
counts (rows, and per column count and nulls), which bench/drift.py compares with the
check's own counts.
"""

from __future__ import annotations

import json
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from mlci.drift import fastcount


def numeric_values(array: pa.Array) -> tuple[np.ndarray, int]:
    nulls = array.null_count
    if nulls:
        array = pc.drop_null(array)
    if not pa.types.is_float64(array.type):
        array = pc.cast(array, pa.float64(), safe=False)
    values = np.frombuffer(array.buffers()[1], np.float64, len(array), array.offset * 8)
    missing = np.isnan(values)
    if missing.any():
        return values[~missing], nulls + int(missing.sum())
    return values, nulls


def count_numeric(array: pa.Array, edges: np.ndarray, grid: fastcount.Grid) -> tuple[int, int]:
    values, nulls = numeric_values(array)
    tally = fastcount.tally(values, edges, grid, backend="numba")
    return int(tally.between.sum() + tally.at.sum()), nulls + tally.nans


def count_category(array: pa.Array) -> tuple[np.ndarray, int]:
    indices = array.indices.fill_null(-1).to_numpy(zero_copy_only=False)
    counts = np.bincount(indices[indices >= 0], minlength=len(array.dictionary))
    return counts, int(array.null_count)


def main() -> None:
    profile_path, current_path = sys.argv[1], sys.argv[2]
    assert fastcount.load_compiled(), "the floor needs numba (pip install 'mlci[fast]')"
    profile = json.loads(Path(profile_path).read_text())
    numeric: dict[str, np.ndarray] = {}
    categorical: list[str] = []
    for name, column in profile["columns"].items():
        if column["kind"] in ("numeric", "datetime"):
            numeric[name] = np.asarray(column.get("edges", []), np.float64)
        else:
            categorical.append(name)
    grids = {name: fastcount.make_grid(edges) for name, edges in numeric.items()}
    reader = pq.ParquetFile(current_path, read_dictionary=categorical)
    columns = [*numeric, *categorical]
    totals = {name: [0, 0] for name in columns}
    labels: dict[str, dict[str, int]] = {name: {} for name in categorical}
    rows = 0

    def read(group: int) -> pa.Table:
        return reader.read_row_group(group, columns=columns, use_threads=True)

    groups = reader.metadata.num_row_groups
    with (
        ThreadPoolExecutor(max_workers=1) as ahead,
        ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as counting,
    ):
        pending = ahead.submit(read, 0) if groups else None
        for group in range(groups):
            assert pending is not None
            table = pending.result()
            pending = ahead.submit(read, group + 1) if group + 1 < groups else None
            rows += table.num_rows
            jobs = {}
            for name in numeric:
                for chunk in table.column(name).chunks:
                    jobs.setdefault(name, []).append(
                        counting.submit(count_numeric, chunk, numeric[name], grids[name])
                    )
            for name in categorical:
                for chunk in table.column(name).chunks:
                    counts, nulls = count_category(chunk)
                    totals[name][1] += nulls
                    for value, count in zip(
                        chunk.dictionary.to_pylist(), counts.tolist(), strict=True
                    ):
                        if count:
                            labels[name][str(value)] = labels[name].get(str(value), 0) + count
            for name, futures in jobs.items():
                for future in futures:
                    count, nulls = future.result()
                    totals[name][0] += count
                    totals[name][1] += nulls
    for name in categorical:
        totals[name][0] = sum(labels[name].values())
    print(
        json.dumps(
            {
                "rows": rows,
                "columns": {n: {"count": c, "nulls": z} for n, (c, z) in totals.items()},
                "backend": fastcount.backend(),
            }
        )
    )


if __name__ == "__main__":
    main()
