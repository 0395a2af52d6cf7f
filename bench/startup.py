"""Median wall time of `mlci --help` over 10 runs (goal: under 0.25 s on 2 cores).

python bench/startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    command = [sys.executable, "-m", "mlci", "--help"]
    subprocess.run(command, capture_output=True, check=True)  # warm the file cache
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    imports = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "mlci", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    heavy = [m for m in ("pandas", "sklearn", "scipy", "github") if f" {m}\n" in imports]
    print(f"mlci --help: median {statistics.median(times):.3f} s over {args.runs} runs")
    print(
        f"min {min(times):.3f} s, max {max(times):.3f} s; heavy modules imported: {heavy or 'none'}"
    )
    baseline = []
    for _ in range(args.runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], capture_output=True, check=True)
        baseline.append(time.perf_counter() - start)
    print(f"bare interpreter start-up for comparison: median {statistics.median(baseline):.3f} s")


if __name__ == "__main__":
    main()
