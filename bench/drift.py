"""Drift benchmark: mlci vs a plain scipy loop vs Evidently, on the same 1M x 25 Parquet data.

Run: python bench/drift.py [--rows 1000000] [--big-rows 10000000] [--skip-evidently]
Data goes to bench/_data/ (ignored by git). Evidently runs from its own virtual
environment at bench/_data/evenv (it needs pandas < 3):
    python -m venv bench/_data/evenv
    bench/_data/evenv/bin/pip install evidently "pandas<3" pyarrow
Every measured step runs in a fresh process; peak memory is that process's max RSS.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
DATA = ROOT / "_data"
EVIDENTLY_PYTHON = DATA / "evenv" / "bin" / "python"
NUMERIC, CATEGORICAL = 20, 5

MEASURE = """
import resource, sys, time, json
started = time.perf_counter()
{body}
elapsed = time.perf_counter() - started
usage = resource.getrusage(resource.RUSAGE_SELF)
# VmHWM is this process's own peak; ru_maxrss would include the parent's before exec.
hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM")][0].split()[1]
print(json.dumps({{"seconds": elapsed, "cpu": usage.ru_utime + usage.ru_stime,
    "peak_mib": int(hwm) / 1024}}), file=sys.stderr)
"""

CLI = """
from mlci.cli import main
sys.argv = ["mlci", *{args!r}]
try:
    main()
except SystemExit as stop:
    assert stop.code in (0, None, 1), stop.code
"""

SCIPY_LOOP = """
import pandas as pd, numpy as np
from scipy.stats import ks_2samp, chi2_contingency
ref = pd.read_parquet({ref!r}); cur = pd.read_parquet({cur!r})
read = time.perf_counter() - started
for name in ref.columns:
    if name.startswith("x"):
        ks_2samp(ref[name].dropna(), cur[name].dropna())
    else:
        table = pd.concat([ref[name].value_counts(), cur[name].value_counts()], axis=1).fillna(0)
        chi2_contingency(table.to_numpy().T)
print(json.dumps({{"read_seconds": read}}), file=sys.stderr)
"""

EVIDENTLY = """
import pandas as pd
ref = pd.read_parquet({ref!r}); cur = pd.read_parquet({cur!r})
from evidently import Report
from evidently.presets import DataDriftPreset
snapshot = Report([DataDriftPreset()]).run(cur, ref)
snapshot.dict()
"""


def measure(body: str, python: str = sys.executable) -> dict[str, float]:
    done = subprocess.run(
        [python, "-c", MEASURE.format(body=body)], capture_output=True, text=True, cwd=ROOT.parent
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    figures: dict[str, float] = {}
    for line in done.stderr.splitlines():
        if line.startswith("{"):
            figures.update(json.loads(line))
    return figures


def make_table(rows: int, seed: int, shifted: bool):  # type: ignore[no-untyped-def]
    import numpy as np
    import pyarrow as pa

    rng = np.random.default_rng(seed)
    columns = {}
    for i in range(NUMERIC):
        shift = 0.25 if shifted and i < 6 else 0.0
        if i % 3 == 0:
            values = rng.normal(shift, 1.0, rows)
        elif i % 3 == 1:
            values = rng.gamma(2.0, 1.0 + shift, rows)
        else:
            values = rng.integers(0, 50, rows).astype(np.float64) + (5 * shift)
        columns[f"x{i}"] = values
    for i in range(CATEGORICAL):
        levels = np.array([f"level_{j}" for j in range(8 + 4 * i)])
        p = np.linspace(1, 3, levels.size)
        if shifted and i < 2:
            p = p[::-1]
        codes = rng.choice(levels.size, rows, p=p / p.sum())
        columns[f"c{i}"] = pa.DictionaryArray.from_arrays(codes.astype(np.int32), levels)
    return pa.table(columns)


def write(path: Path, rows: int, seed: int, shifted: bool, chunk: int = 1_000_000) -> Path:
    import pyarrow.parquet as pq

    if path.exists():
        return path
    part = path.with_suffix(".tmp")
    writer = None
    for start in range(0, rows, chunk):
        table = make_table(min(chunk, rows - start), seed + start, shifted)
        writer = writer or pq.ParquetWriter(part, table.schema)
        writer.write_table(table, row_group_size=256_000)
    assert writer is not None
    writer.close()
    part.rename(path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--big-rows", type=int, default=10_000_000)
    parser.add_argument("--skip-evidently", action="store_true")
    parser.add_argument("--skip-big", action="store_true")
    args = parser.parse_args()
    DATA.mkdir(parents=True, exist_ok=True)
    n = args.rows
    ref = write(DATA / f"reference-{n}.parquet", n, 1, False)
    cur = write(DATA / f"current-{n}.parquet", n, 2, True)
    profile = DATA / f"profile-{n}.json"

    import pandas as pd

    frame = pd.read_parquet(cur)
    pandas_mib = frame.memory_usage(deep=True).sum() / 2**20
    import pyarrow.parquet as pq

    arrow_mib = pq.read_table(cur).nbytes / 2**20
    del frame
    print(
        f"data: {n:,} rows x {NUMERIC + CATEGORICAL} columns ({NUMERIC} numeric, "
        f"{CATEGORICAL} categorical); current in memory: {pandas_mib:.0f} MiB as pandas "
        f"(categories as category dtype), {arrow_mib:.0f} MiB as Arrow"
    )

    prof = measure(CLI.format(args=["drift", "profile", str(ref), "-o", str(profile)]))
    print(
        f"mlci drift profile (end to end): {prof['seconds']:.2f} s, "
        f"peak {prof['peak_mib']:.0f} MiB,"
        f" profile file {profile.stat().st_size / 1024:.1f} KiB   [goal < 3 s, < 100 KiB]"
    )
    out = DATA / "drift-result.json"
    check = measure(
        CLI.format(
            args=[
                "drift",
                "check",
                "--reference",
                str(profile),
                "--current",
                str(cur),
                "--json",
                str(out),
                "--quiet",
            ]
        )
    )
    started = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mlci",
            "drift",
            "check",
            "--reference",
            str(profile),
            "--current",
            str(cur),
            "--quiet",
        ],
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - started
    print(
        f"mlci drift check vs profile: {check['seconds']:.2f} s in-process, "
        f"{wall:.2f} s wall as a fresh `python -m mlci` process, peak {check['peak_mib']:.0f} MiB "
        f"= {check['peak_mib'] / pandas_mib:.2f}x pandas size, "
        f"{check['peak_mib'] / arrow_mib:.2f}x Arrow size   [goal < 3 s, <= 1.5x]"
    )
    print(f"  -> {done.stdout.strip()}")
    result = json.loads(out.read_text())
    print(f"  -> drifted: {', '.join(result['dataset']['drifted_columns'])}")

    scipy = measure(SCIPY_LOOP.format(ref=str(ref), cur=str(cur)))
    ratio = wall / scipy["seconds"]
    print(
        f"scipy loop (read both with pandas, ks_2samp x{NUMERIC}, chi2_contingency "
        f"x{CATEGORICAL}): {scipy['seconds']:.2f} s "
        f"(of which reading {scipy['read_seconds']:.2f} s),"
        f" peak {scipy['peak_mib']:.0f} MiB; mlci/scipy = {ratio:.2f}x   [goal <= 0.35x]"
    )
    raw = measure(
        CLI.format(
            args=[
                "drift",
                "check",
                "--reference",
                str(ref),
                "--current",
                str(cur),
                "--quiet",
            ]
        )
    )
    print(
        f"mlci drift check vs raw reference (exact scipy statistics): {raw['seconds']:.2f} s, "
        f"peak {raw['peak_mib']:.0f} MiB"
    )

    if args.skip_evidently:
        print("Evidently: skipped (--skip-evidently)")
    elif not EVIDENTLY_PYTHON.exists():
        print(f"Evidently: not measured, no environment at {EVIDENTLY_PYTHON} (see the docstring)")
    else:
        try:
            ev = measure(EVIDENTLY.format(ref=str(ref), cur=str(cur)), str(EVIDENTLY_PYTHON))
            print(
                f"Evidently DataDriftPreset: {ev['seconds']:.1f} s, peak {ev['peak_mib']:.0f} MiB;"
                f" mlci is {ev['seconds'] / wall:.0f}x faster   [goal >= 40x]"
            )
        except RuntimeError as error:
            print(f"Evidently: failed: {str(error).strip().splitlines()[-1]}")

    if not args.skip_big:
        big = write(DATA / f"current-{args.big_rows}.parquet", args.big_rows, 3, True)
        run = measure(
            CLI.format(
                args=[
                    "drift",
                    "check",
                    "--reference",
                    str(profile),
                    "--current",
                    str(big),
                    "--quiet",
                ]
            )
        )
        print(
            f"mlci drift check, {args.big_rows:,} rows streamed from Parquet: "
            f"{run['seconds']:.2f} s, peak {run['peak_mib']:.0f} MiB   [goal < 1024 MiB]"
        )
        bigprof = measure(
            CLI.format(
                args=[
                    "drift",
                    "profile",
                    str(big),
                    "-o",
                    str(DATA / "profile-big.json"),
                ]
            )
        )
        print(
            f"mlci drift profile, {args.big_rows:,} rows (two passes): "
            f"{bigprof['seconds']:.2f} s, peak {bigprof['peak_mib']:.0f} MiB"
        )


if __name__ == "__main__":
    main()
