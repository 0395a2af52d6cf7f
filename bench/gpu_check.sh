#!/usr/bin/env bash
# GPU device check of issue 8: the runner preflight and the PyTorch example on a real GPU.
#
#   bash bench/gpu_check.sh [OUT_DIR]        # from the repository root; about 1-3 minutes
#
# Steps: install mlci (`pip install -e .`; on an offline machine it falls back to
# PYTHONPATH=toolkit) and make sure torch imports; record `nvidia-smi`; run
# `mlci runner check --require-gpu --json` (exit 1 = no usable GPU); train the torch
# example with device auto (CUDA when usable) and then on the CPU, timing both.
# Results go to OUT_DIR (default $OUT, else bench/_data/gpu_check in this checkout, from
# any working directory): at most 8 files: gpu_check.log, pip.log, nvidia-smi.txt,
# runner.json, torch_auto.json, torch_cpu.json, summary.json. Nothing is written at the
# repository root: the runner check and the trainings run in scratch folders. Every
# step runs even when an earlier one failed; the exit status is that of the runner check.
set -u
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT_DIR="${1:-${OUT:-$ROOT/bench/_data/gpu_check}}"
mkdir -p "$OUT_DIR"
OUT_DIR="$(cd "$OUT_DIR" && pwd)"
PY="${PYTHON:-python3}"
LOG="$OUT_DIR/gpu_check.log"
: >"$LOG"
log() { echo "[gpu_check $(date +%H:%M:%S)] $*" | tee -a "$LOG"; }
now() { "$PY" -c 'import time; print(f"{time.perf_counter():.3f}")'; }
elapsed() { "$PY" -c "print(round($2 - $1, 2))"; }

cd "$ROOT" || exit 2
log "python: $("$PY" --version 2>&1) at $(command -v "$PY")"

# 1. Install. No network on some GPU machines: never wait on an index there.
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_RETRIES=0 PIP_DEFAULT_TIMEOUT=10
if "$PY" -m pip install -q -e . >"$OUT_DIR/pip.log" 2>&1; then
  log "pip install -e . : ok"
elif "$PY" -m pip install -q --no-deps --no-build-isolation -e . >>"$OUT_DIR/pip.log" 2>&1; then
  log "pip install -e . : ok without dependencies (offline)"
else
  log "pip install -e . failed (see pip.log): using PYTHONPATH=toolkit"
  export PYTHONPATH="$ROOT/toolkit${PYTHONPATH:+:$PYTHONPATH}"
fi
if ! "$PY" -c "import torch" >/dev/null 2>&1; then
  "$PY" -m pip install -q torch >>"$OUT_DIR/pip.log" 2>&1 && log "pip install torch: ok" ||
    log "torch is not installed and could not be installed (see pip.log)"
fi
log "torch: $("$PY" -c 'import torch; print(torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available())' 2>&1 | tail -1)"

# 2. What the driver says, verbatim.
nvidia-smi >"$OUT_DIR/nvidia-smi.txt" 2>&1
log "nvidia-smi exit $?"

# 3. The preflight, as the training job runs it; in a scratch folder, because in Actions
# (or next to an mlci.yaml) it saves .mlci/runner-check.json in the working directory.
scratch="$(mktemp -d)"
t0=$(now)
(cd "$scratch" && "$PY" -m mlci runner check --require-gpu --json) >"$OUT_DIR/runner.json" 2>>"$LOG"
check_rc=$?
t1=$(now)
log "mlci runner check --require-gpu: exit $check_rc in $(elapsed "$t0" "$t1") s"
(cd "$scratch" && "$PY" -m mlci runner check --no-frameworks) 2>&1 | tee -a "$LOG" >/dev/null
rm -rf "$scratch"

# 4. The torch example, on the GPU (device auto) and on the CPU, in scratch copies.
run_example() { # $1 = device, $2 = result file
  local work
  work="$(mktemp -d)"
  cp -r toolkit/mlci/example_torch/. "$work/"
  sed -i "s/device: auto .*/device: $1/" "$work/params.yaml"
  local start end rc
  start=$(now)
  (cd "$work" && "$PY" train.py >train.out 2>train.err)
  rc=$?
  end=$(now)
  {
    echo "{\"device_param\": \"$1\", \"exit\": $rc, \"wall_seconds\": $(elapsed "$start" "$end"),"
    echo " \"printed\": $(tail -1 "$work/train.out" 2>/dev/null || echo null)}"
  } >"$2"
  [ "$rc" -eq 0 ] || tail -5 "$work/train.err" >>"$LOG"
  log "torch example ($1): exit $rc in $(elapsed "$start" "$end") s: $(tail -1 "$work/train.out" 2>/dev/null)"
  rm -rf "$work"
}
run_example auto "$OUT_DIR/torch_auto.json"
run_example cpu "$OUT_DIR/torch_cpu.json"

# 5. One summary.
"$PY" - "$OUT_DIR" "$check_rc" <<'PYEOF' | tee -a "$LOG"
import json, sys
from pathlib import Path

out, check_rc = Path(sys.argv[1]), int(sys.argv[2])

def load(name):
    try:
        return json.loads((out / name).read_text())
    except (OSError, ValueError):
        return None

runner = load("runner.json") or {}
summary = {
    "runner_check_exit": check_rc,
    "gpus": [g.get("name") for g in runner.get("runner", {}).get("gpu", {}).get("gpus", [])],
    "cuda_version": runner.get("runner", {}).get("gpu", {}).get("cuda_version"),
    "frameworks": {
        f["name"]: {"version": f["version"], "gpu": f["gpu_available"], "error": f["error"]}
        for f in runner.get("runner", {}).get("frameworks", [])
    },
    "problems": runner.get("check", {}).get("problems"),
    "torch_auto": load("torch_auto.json"),
    "torch_cpu": load("torch_cpu.json"),
}
(out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
print(json.dumps(summary, indent=2))
PYEOF
exit "$check_rc"
