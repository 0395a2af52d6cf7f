"""Benchmark: `mlci data check` on a 1M-row, 25-column Parquet file.

Run: python bench/data_check.py [--rows N] [--batch-rows N]
Generates bench/_data/checks-<rows>.parquet once, then checks it in a fresh child
process (so the peak memory is the check's own, not the generator's) and prints
wall time and peak resident memory. Also times the lineage manifest of the same file.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent
DATA = ROOT / "_data"

CONFIG = """
data:
  checks:
    batch_rows: {batch_rows}
    columns:
      id: {{type: int, nullable: false, unique: true}}
{numeric}
{categorical}
{text}
      ts: {{type: datetime}}
    unique: [[cat0, id]]
    rows: {{min: 1}}
    freshness: {{column: ts, max_age_days: 100000}}
"""


def make_file(rows: int) -> Path:
    path = DATA / f"checks-{rows}.parquet"
    if path.exists():
        return path
    import numpy as np
    import pandas as pd

    DATA.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    columns: dict[str, object] = {"id": np.arange(rows)}
    for i in range(15):
        values = rng.normal(50, 10, rows)
        values[rng.random(rows) < 0.001] = -5  # a few out-of-range values to report
        columns[f"num{i}"] = values
    for i in range(5):
        columns[f"cat{i}"] = rng.choice(["a", "b", "c", "d"], rows)
    for i in range(3):
        columns[f"code{i}"] = pd.Series(rng.integers(0, 99999, rows)).map("K{:05d}".format)
    columns["ts"] = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365, rows), "D")
    pd.DataFrame(columns).to_parquet(path, index=False, row_group_size=100_000)
    return path


def config_text(batch_rows: int) -> str:
    numeric = "\n".join(f"      num{i}: {{type: float, min: 0, max: 100}}" for i in range(15))
    categorical = "\n".join(
        f"      cat{i}: {{allowed: [a, b, c, d], nullable: false}}" for i in range(5)
    )
    text = "\n".join(f"      code{i}: {{regex: 'K\\d{{5}}'}}" for i in range(3))
    return CONFIG.format(batch_rows=batch_rows, numeric=numeric, categorical=categorical, text=text)


CHILD = textwrap.dedent(
    """
    import json, resource, sys, time
    from mlci.config.loader import parse_config
    from mlci.data.quality import check_data
    from mlci.data.lineage import build_manifest
    path, config = sys.argv[1], sys.argv[2]
    import pandas, pandera.pandas  # imports are not what is measured
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    result = check_data([path], parse_config(config).data.checks)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    build_manifest([path])
    manifest_seconds = time.perf_counter() - start
    report = result.reports[0]
    print(json.dumps({
        "rows": report.rows, "columns": len(report.columns), "checks": report.checks,
        "failed_checks": report.failed_checks,
        "failing_rows": sum(f.count for f in report.failures),
        "seconds": seconds, "peak_rss_mib": peak / 1024, "rss_after_imports_mib": base / 1024,
        "manifest_seconds": manifest_seconds,
    }))
    """
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batch-rows", type=int, default=250_000)
    args = parser.parse_args()
    path = make_file(args.rows)
    size_mib = path.stat().st_size / 2**20
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), config_text(args.batch_rows)],
        capture_output=True,
        text=True,
        check=True,
    )
    figures = json.loads(out.stdout)
    print(f"file: {path.name}, {size_mib:.1f} MiB Parquet")
    print(
        f"checked {figures['rows']:,} rows x {figures['columns']} columns, "
        f"{figures['checks']} checks ({figures['failed_checks']} failed on "
        f"{figures['failing_rows']:,} rows), batches of {args.batch_rows:,}"
    )
    print(f"data check time: {figures['seconds']:.2f} s")
    print(
        f"peak memory: {figures['peak_rss_mib']:.0f} MiB resident "
        f"({figures['rss_after_imports_mib']:.0f} MiB after imports)"
    )
    print(f"manifest (sha256 + footer): {figures['manifest_seconds']:.2f} s")


if __name__ == "__main__":
    main()
