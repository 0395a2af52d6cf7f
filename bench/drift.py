"""Drift benchmark: mlci vs a plain scipy loop vs Evidently, on the same 1M x 25 Parquet data.

Run: python bench/drift.py [--rows 1000000] [--big-rows 10000000] [--repeat 3]
                           [--skip-evidently] [--skip-big] [--skip-raw] [--skip-engines]
                           [--data DIR]
Data goes to bench/_data/ (ignored by git), or --data DIR (e.g. /dev/shm on a machine
whose disk is busy). The check runs interleaved with the floor (bench/drift_floor.py:
read row groups and count with the compiled kernel, nothing else), at --rows and at
--big-rows; each engine profiles a hive-partitioned copy of the big current data. Every
figure also goes to DIR/drift-results.json. Evidently runs from its own virtual
environment at bench/_data/evenv (it needs pandas < 3); without it, or with
--skip-evidently, its line says so and the rest still runs:
    python -m venv bench/_data/evenv
    bench/_data/evenv/bin/pip install evidently "pandas<3" pyarrow
Every measured step runs in a fresh process. Times are wall clock seen from this
script (interpreter start and imports included); peak memory is the measured
process's own high-water mark (VmHWM). mlci and scipy steps run --repeat times and
are reported as best / median (the machine may be shared); ratios use medians.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
DATA = ROOT / "_data"
EVIDENTLY_PYTHON = DATA / "evenv" / "bin" / "python"
FLOOR = ROOT / "drift_floor.py"
ENGINES = {
    "local": None,
    "duckdb": "duckdb",
    "polars": "polars",
    "dask": "dask.distributed",
    "spark": "pyspark",
}
HIVE_PARTS = 8
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
    "peak_mib": int(hwm) / 1024, "pandas": "pandas" in sys.modules,
    "scipy": "scipy" in sys.modules}}), file=sys.stderr)
"""

CLI = """
from mlci.cli import main
sys.argv = ["mlci", *{args!r}]
try:
    main()
except SystemExit as stop:
    assert stop.code in (0, None, 1), stop.code
"""

# What every check process has loaded before it reads a row: the interpreter, click,
# mlci's drift engine, numpy and pyarrow. Its peak is the floor of any check's peak.
BASELINE = """
from mlci.cli import main
import mlci.drift.engine, numpy, pyarrow, pyarrow.parquet, pyarrow.compute
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
    """Run `body` in a fresh process: its figures, plus `wall` seen from here."""
    started = time.perf_counter()
    done = subprocess.run(
        [python, "-c", MEASURE.format(body=body)], capture_output=True, text=True, cwd=DATA
    )  # in bench/_data: whatever a step writes next to itself stays there, never at the root
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    figures: dict[str, float] = {"wall": wall}
    for line in done.stderr.splitlines():
        if line.startswith("{"):
            figures.update(json.loads(line))
    figures["stdout"] = done.stdout.strip()  # type: ignore[assignment]
    return figures


def repeated(body: str, times: int) -> list[dict[str, float]]:
    return [measure(body) for _ in range(max(1, times))]


def spread(runs: list[dict[str, float]], key: str = "wall") -> tuple[float, float]:
    """Best and median of one figure over repeated runs."""
    values = [r[key] for r in runs]
    return min(values), statistics.median(values)


def mlci(*args: str) -> str:
    return CLI.format(args=list(args))


def floor(profile: Path, current: Path) -> str:
    """The floor script run as the measured body (its stdout: the counts it found)."""
    return f"sys.argv = ['drift_floor', {str(profile)!r}, {str(current)!r}]\n" + (
        f"exec(compile(open({str(FLOOR)!r}).read(), 'drift_floor', 'exec'))"
    )


def interleaved(bodies: dict[str, str], times: int) -> dict[str, list[dict[str, float]]]:
    """Each body run `times` times, in turns (a, b, a, b, ...): a slow spell of a shared
    machine hits every contender alike."""
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in bodies}
    for _ in range(max(1, times)):
        for name, body in bodies.items():
            runs[name].append(measure(body))
    return runs


def floor_agrees(floor_stdout: str, check_json: Path) -> bool:
    """The floor's counts equal the check's (rows, and per column count and nulls)."""
    found = json.loads(floor_stdout.splitlines()[-1])
    result = json.loads(check_json.read_text())
    if found["rows"] != result["current_rows"]:
        return False
    for column in result["columns"]:
        mine = found["columns"].get(column["name"])
        side = column["current"]
        if mine is None or (mine["count"], mine["nulls"]) != (side["count"], side["nulls"]):
            return False
    return True


def write_hive(source: Path, target: Path, parts: int) -> Path:
    """A hive-partitioned copy (part=0..parts-1) of a Parquet file, row groups dealt out."""
    import pyarrow.parquet as pq

    if target.exists():
        return target
    staging = target.with_name(target.name + ".tmp")
    reader = pq.ParquetFile(source)
    writers: dict[int, object] = {}
    for group in range(reader.metadata.num_row_groups):
        part = group % parts
        table = reader.read_row_group(group)
        if part not in writers:
            folder = staging / f"part={part}"
            folder.mkdir(parents=True, exist_ok=True)
            writers[part] = pq.ParquetWriter(folder / "data.parquet", table.schema)
        writers[part].write_table(table)  # type: ignore[attr-defined]
    for writer in writers.values():
        writer.close()  # type: ignore[attr-defined]
    staging.rename(target)
    return target


def engine_missing(name: str, module: str | None) -> str | None:
    """Why an engine cannot be measured here, or None."""
    import importlib.util

    done = subprocess.run(
        [sys.executable, "-m", "mlci", "drift", "profile", "build", "--help"],
        capture_output=True,
        text=True,
    )
    if "--engine" not in done.stdout:
        return "mlci drift profile build has no --engine option yet"
    if module is not None and importlib.util.find_spec(module.split(".")[0]) is None:
        return f"{module} is not installed (pip install 'mlci[{name}]')"
    return None


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
    parser.add_argument("--repeat", type=int, default=3, help="runs of each mlci/scipy step")
    parser.add_argument("--skip-evidently", action="store_true")
    parser.add_argument("--skip-big", action="store_true")
    parser.add_argument("--skip-raw", action="store_true", help="skip the raw-reference check")
    parser.add_argument("--skip-engines", action="store_true", help="skip the engine profiles")
    parser.add_argument("--data", type=Path, default=None, help="data folder (bench/_data)")
    args = parser.parse_args()
    global DATA
    DATA = (args.data or DATA).resolve()
    DATA.mkdir(parents=True, exist_ok=True)
    results: dict[str, object] = {"rows": args.rows, "big_rows": args.big_rows}
    n, times = args.rows, max(1, args.repeat)
    ref = write(DATA / f"reference-{n}.parquet", n, 1, False)
    cur = write(DATA / f"current-{n}.parquet", n, 2, True)
    profile = DATA / f"profile-{n}.json"
    goals: list[tuple[str, str, bool]] = []

    import pandas as pd

    frame = pd.read_parquet(cur)
    pandas_mib = frame.memory_usage(deep=True).sum() / 2**20
    import pyarrow.parquet as pq

    arrow_mib = pq.read_table(cur).nbytes / 2**20
    del frame
    print(
        f"data: {n:,} rows x {NUMERIC + CATEGORICAL} columns ({NUMERIC} numeric, "
        f"{CATEGORICAL} categorical); current in memory: {pandas_mib:.0f} MiB as a pandas "
        f"DataFrame (categories as category dtype), {arrow_mib:.0f} MiB as Arrow; "
        f"{times} run(s) per mlci/scipy step, figures are best / median"
    )

    profiles = repeated(mlci("drift", "profile", str(ref), "-o", str(profile)), times)
    best, median = spread(profiles)
    peak = max(r["peak_mib"] for r in profiles)
    kib = profile.stat().st_size / 1024
    print(
        f"mlci drift profile (end to end): {best:.2f} / {median:.2f} s, peak {peak:.0f} MiB, "
        f"profile file {kib:.1f} KiB   [goal < 3 s, < 100 KiB]"
    )
    goals.append(("profile the reference < 3 s", f"{median:.2f} s", median < 3))
    goals.append(("profile file < 100 KiB", f"{kib:.1f} KiB", kib < 100))

    out = DATA / "drift-result.json"
    check_args = ["drift", "check", "--reference", str(profile), "--current", str(cur)]
    turns = interleaved(
        {"check": mlci(*check_args, "--json", str(out), "--quiet"), "floor": floor(profile, cur)},
        times,
    )
    checks, floors = turns["check"], turns["floor"]
    check_best, check_median = spread(checks)
    floor_best, floor_median = spread(floors)
    floor_ratio = check_median / floor_median
    agree = floor_agrees(str(floors[-1]["stdout"]), out)
    print(
        f"floor (read row groups + compiled counts only, interleaved with the check): "
        f"{floor_best:.2f} / {floor_median:.2f} s, peak {max(r['peak_mib'] for r in floors):.0f}"
        f" MiB; counts equal the check's: {'yes' if agree else 'NO'}; "
        f"check/floor = {floor_ratio:.2f}x   [goal <= 1.5x]; CPU seconds check/floor = "
        f"{spread(checks, 'cpu')[1]:.2f} / {spread(floors, 'cpu')[1]:.2f}"
    )
    goals.append(
        (f"check <= 1.5x the floor at {n:,} rows", f"{floor_ratio:.2f}x", floor_ratio <= 1.5)
    )
    goals.append((f"floor counts equal the check's at {n:,} rows", str(agree), agree))
    results["small"] = {
        "check_seconds": [r["wall"] for r in checks],
        "floor_seconds": [r["wall"] for r in floors],
        "check_peak_mib": max(r["peak_mib"] for r in checks),
        "floor_peak_mib": max(r["peak_mib"] for r in floors),
        "check_over_floor": floor_ratio,
        "check_cpu_seconds": [r["cpu"] for r in checks],
        "floor_cpu_seconds": [r["cpu"] for r in floors],
        "counts_agree": agree,
    }
    check_peak = max(r["peak_mib"] for r in checks)
    base = measure(BASELINE)["peak_mib"]
    ratio = check_peak / pandas_mib
    print(
        f"mlci drift check vs profile (end to end, fresh process): "
        f"{check_best:.2f} / {check_median:.2f} s; peak RSS {check_peak:.0f} MiB; "
        f"pandas imported: {'yes' if any(r['pandas'] for r in checks) else 'no'}   [goal < 3 s]"
    )
    print(
        f"  memory: peak RSS of the check process / current data as a pandas DataFrame = "
        f"{check_peak:.0f} / {pandas_mib:.0f} = {ratio:.2f}x   [goal <= 1.5x]"
    )
    print(
        f"  (for information, not the goal: the same process with only its imports peaks at "
        f"{base:.0f} MiB; (peak - that baseline) / pandas size = "
        f"{(check_peak - base) / pandas_mib:.2f}x; peak / Arrow size = "
        f"{check_peak / arrow_mib:.2f}x)"
    )
    print(f"  -> {checks[-1]['stdout']}")
    result = json.loads(out.read_text())
    print(f"  -> drifted: {', '.join(result['dataset']['drifted_columns'])}")
    goals.append(("check end to end < 3 s", f"{check_median:.2f} s", check_median < 3))
    goals.append(("check peak <= 1.5x pandas size", f"{ratio:.2f}x", ratio <= 1.5))

    scipy = repeated(SCIPY_LOOP.format(ref=str(ref), cur=str(cur)), times)
    scipy_best, scipy_median = spread(scipy)
    share = check_median / scipy_median
    print(
        f"scipy loop (read both with pandas, ks_2samp x{NUMERIC}, chi2_contingency "
        f"x{CATEGORICAL}): {scipy_best:.2f} / {scipy_median:.2f} s "
        f"(of which reading {statistics.median(r['read_seconds'] for r in scipy):.2f} s), "
        f"peak {max(r['peak_mib'] for r in scipy):.0f} MiB; "
        f"mlci/scipy = {share:.2f}x (medians; best/best {check_best / scipy_best:.2f}x)"
        "   [goal <= 0.35x]"
    )
    goals.append(("check <= 0.35x the scipy loop", f"{share:.2f}x", share <= 0.35))
    results["scipy_seconds"] = [r["wall"] for r in scipy]
    results["check_over_scipy"] = share

    if not args.skip_raw:
        raw = measure(
            mlci("drift", "check", "--reference", str(ref), "--current", str(cur), "--quiet")
        )
        print(
            f"mlci drift check vs raw reference (exact scipy statistics, 1 run): "
            f"{raw['wall']:.2f} s, peak {raw['peak_mib']:.0f} MiB"
        )

    if args.skip_evidently:
        print("Evidently: skipped (--skip-evidently)")
    elif not EVIDENTLY_PYTHON.exists():
        print(f"Evidently: not measured, no environment at {EVIDENTLY_PYTHON} (see the docstring)")
    else:
        try:
            ev = measure(EVIDENTLY.format(ref=str(ref), cur=str(cur)), str(EVIDENTLY_PYTHON))
            faster = ev["wall"] / check_median
            print(
                f"Evidently DataDriftPreset (1 run): {ev['wall']:.1f} s, peak "
                f"{ev['peak_mib']:.0f} MiB; mlci (median) is {faster:.0f}x faster   [goal >= 40x]"
            )
            goals.append(("check >= 40x faster than Evidently", f"{faster:.0f}x", faster >= 40))
        except RuntimeError as error:
            print(f"Evidently: failed: {str(error).strip().splitlines()[-1]}")

    if not args.skip_big:
        big = write(DATA / f"current-{args.big_rows}.parquet", args.big_rows, 3, True)
        big_out = DATA / "drift-result-big.json"
        big_turns = interleaved(
            {
                "check": mlci(*check_args[:-1], str(big), "--json", str(big_out), "--quiet"),
                "floor": floor(profile, big),
            },
            max(1, min(times, 2)),
        )
        big_checks, big_floors = big_turns["check"], big_turns["floor"]
        _, big_check = spread(big_checks)
        _, big_floor = spread(big_floors)
        big_peak = max(r["peak_mib"] for r in big_checks)
        big_ratio = big_check / big_floor
        big_agree = floor_agrees(str(big_floors[-1]["stdout"]), big_out)
        print(
            f"mlci drift check, {args.big_rows:,} rows streamed from Parquet "
            f"({len(big_checks)} run(s), median): {big_check:.2f} s, peak {big_peak:.0f} MiB"
            f"   [goal < 1024 MiB]; floor {big_floor:.2f} s, peak "
            f"{max(r['peak_mib'] for r in big_floors):.0f} MiB; counts equal: "
            f"{'yes' if big_agree else 'NO'}; check/floor = {big_ratio:.2f}x   [goal <= 1.5x]; "
            f"CPU seconds check/floor = {spread(big_checks, 'cpu')[1]:.2f} / "
            f"{spread(big_floors, 'cpu')[1]:.2f}"
        )
        goals.append(("10M-row check peak < 1 GiB", f"{big_peak:.0f} MiB", big_peak < 1024))
        goals.append(
            (
                f"check <= 1.5x the floor at {args.big_rows:,} rows",
                f"{big_ratio:.2f}x",
                big_ratio <= 1.5,
            )
        )
        bigprof = measure(mlci("drift", "profile", str(big), "-o", str(DATA / "profile-big.json")))
        print(
            f"mlci drift profile, {args.big_rows:,} rows (two passes, 1 run): "
            f"{bigprof['wall']:.2f} s, peak {bigprof['peak_mib']:.0f} MiB"
        )
        goals.append(
            (
                "10M-row profile peak < 1 GiB",
                f"{bigprof['peak_mib']:.0f} MiB",
                bigprof["peak_mib"] < 1024,
            )
        )
        results["big"] = {
            "check_seconds": [r["wall"] for r in big_checks],
            "floor_seconds": [r["wall"] for r in big_floors],
            "check_peak_mib": big_peak,
            "check_over_floor": big_ratio,
            "check_cpu_seconds": [r["cpu"] for r in big_checks],
            "floor_cpu_seconds": [r["cpu"] for r in big_floors],
            "counts_agree": big_agree,
            "profile_seconds": bigprof["wall"],
            "profile_peak_mib": bigprof["peak_mib"],
        }
        if args.skip_engines:
            print("engines: skipped (--skip-engines)")
        else:
            hive = write_hive(big, DATA / f"hive-{args.big_rows}", HIVE_PARTS)
            engines: dict[str, object] = {}
            print(
                f"engine profiles of the same {args.big_rows:,} rows "
                f"in {HIVE_PARTS} hive partitions:"
            )
            for name, module in ENGINES.items():
                missing = engine_missing(name, module)
                if missing:
                    print(f"  {name}: skipped: {missing}")
                    engines[name] = {"skipped": missing}
                    continue
                target = DATA / f"profile-engine-{name}.json"
                try:
                    run = measure(
                        mlci(
                            "drift",
                            "profile",
                            "build",
                            str(hive),
                            "--engine",
                            name,
                            "-o",
                            str(target),
                        )
                    )
                except RuntimeError as error:
                    reason = str(error).strip().splitlines()[-1] if str(error).strip() else "failed"
                    print(f"  {name}: failed: {reason}")
                    engines[name] = {"failed": reason}
                    continue
                print(f"  {name}: {run['wall']:.2f} s, peak {run['peak_mib']:.0f} MiB")
                engines[name] = {"seconds": run["wall"], "peak_mib": run["peak_mib"]}
            results["engines"] = engines

    print("goals:")
    for name, value, met in goals:
        print(f"  {'met    ' if met else 'NOT MET'}  {name}: {value}")
    results["goals"] = [{"goal": g, "value": v, "met": bool(m)} for g, v, m in goals]
    # numpy scalars (a ratio, a comparison) are written as the plain numbers they hold
    text = json.dumps(results, indent=2, default=lambda o: o.item())
    (DATA / "drift-results.json").write_text(text + "\n")
    print(f"figures: {DATA / 'drift-results.json'}")


if __name__ == "__main__":
    main()
