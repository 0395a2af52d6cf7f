#!/usr/bin/env bash
# Install the `mlci` command into a fresh virtual environment for this job.
#
# Self-hosted runners keep state between jobs, so nothing already there is trusted:
# no `mlci` in the workspace (a planted ./mlci/ package) or in the runner's
# interpreter (a same-version copy left by an earlier job) is imported, probed or
# reused. The first mlci step of a job makes a new, uniquely named virtual environment outside the
# workspace (under $RUNNER_TEMP, or a mktemp folder without it), installs mlci into
# it from this action's own checkout (the actions repository at the ref `uses:`
# named, so a pinned SHA pins the toolkit), checks it with the workspace off
# sys.path, and puts the environment's bin folder first on PATH ($GITHUB_PATH).
# Later mlci steps of the same job reuse it (see MLCI_VENV below), never another job's.
#
# Environment:
#   MLCI_EXTRAS                 extras of the mlci package to install, comma-separated
#   MLCI_SYSTEM_SITE_PACKAGES   "true": the environment also sees the interpreter's
#                               packages (for dependencies such as a preinstalled
#                               torch); mlci itself is still installed into it
#   MLCI_SETUP_SOURCE           a local wheel or source folder of the same mlci
#                               version to install instead of the checkout (offline
#                               runners, tests)
# pip's own settings (PIP_INDEX_URL, PIP_FIND_LINKS, ...) apply to the install.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
want="$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' "$root/toolkit/mlci/__init__.py")"
if [ -z "$want" ]; then
  echo "::error::no mlci version in $root/toolkit/mlci/__init__.py" >&2
  exit 1
fi

source="${MLCI_SETUP_SOURCE:-$root}"
if [ ! -e "$source" ]; then
  echo "::error::MLCI_SETUP_SOURCE $source does not exist" >&2
  exit 1
fi
if [ -d "$source" ] && [ ! -f "$source/pyproject.toml" ]; then
  echo "::error::$source has no pyproject.toml: set MLCI_SETUP_SOURCE to an mlci wheel or source folder" >&2
  exit 1
fi
source="$(cd "$(dirname "$source")" && pwd)/$(basename "$source")"

system_site="${MLCI_SYSTEM_SITE_PACKAGES:-false}"
case "$system_site" in
  true | false) ;;
  *)
    echo "::error::system-site-packages must be true or false, not '$system_site'" >&2
    exit 1
    ;;
esac

interpreter="$(command -v python || command -v python3 || true)"
if [ -z "$interpreter" ]; then
  echo "::error::no python on PATH: set up Python before mlci" >&2
  exit 1
fi

workspace="$(cd "${GITHUB_WORKSPACE:-$PWD}" && pwd -P)"
temp="${RUNNER_TEMP:-}"

check_mlci='
import sys, mlci
from pathlib import Path
where = Path(mlci.__file__).resolve()
if not where.is_relative_to(Path(sys.prefix).resolve()):
    sys.exit(f"mlci was imported from {where}, outside {sys.prefix}")
print(mlci.__version__)
'

# A later mlci step of the same job reuses the environment an earlier step made:
# MLCI_VENV comes from $GITHUB_ENV, which is this job's own, and the runner empties
# $RUNNER_TEMP at the start of every job, so nothing a previous job left can be here.
reuse="${MLCI_VENV:-}"
if [ -n "$reuse" ] && [ -n "$temp" ] && [ -x "$reuse/bin/python" ] && [ -d "$temp" ]; then
  reuse="$(cd "$reuse" && pwd -P)"
  case "$reuse/" in
    "$(cd "$temp" && pwd -P)"/*)
      have="$(cd "$reuse" && "$reuse/bin/python" -I -c "$check_mlci" 2>/dev/null || true)"
      if [ "$have" = "$want" ]; then
        cd "$reuse"
        if [ -n "${MLCI_EXTRAS:-}" ]; then
          "$reuse/bin/python" -I -m pip install --disable-pip-version-check --quiet \
            "${source}[${MLCI_EXTRAS}]"
        fi
        export PATH="$reuse/bin:$PATH"
        if [ -n "${GITHUB_OUTPUT:-}" ]; then echo "version=$have" >> "$GITHUB_OUTPUT"; fi
        echo "mlci $have: this job's environment $reuse (made by an earlier step)"
        exit 0
      fi
      ;;
  esac
fi

if [ -n "$temp" ]; then
  mkdir -p "$temp"
  venv="$(mktemp -d "$temp/mlci-venv.XXXXXXXX")"
else
  venv="$(mktemp -d "${TMPDIR:-/tmp}/mlci-venv.XXXXXXXX")"
fi
venv="$(cd "$venv" && pwd -P)"
case "$venv/" in
  "$workspace"/*)
    echo "::error::the mlci environment $venv would be inside the workspace $workspace" >&2
    exit 1
    ;;
esac

# Nothing below runs from the workspace: `python -c` and `-m` put the current folder
# first on sys.path, and -I leaves out PYTHONPATH and the user's site folder too.
cd "$venv"
venv_options=()
if [ "$system_site" = "true" ]; then venv_options+=(--system-site-packages); fi
echo "creating a fresh environment for mlci $want in $venv"
# -S: not even the interpreter's site folder (and its .pth files) is read for this.
"$interpreter" -I -S -m venv "${venv_options[@]}" "$venv"
python_bin="$venv/bin/python"
pip=("$python_bin" -I -m pip install --disable-pip-version-check --quiet)

target="$source"
if [ -n "${MLCI_EXTRAS:-}" ]; then target="${source}[${MLCI_EXTRAS}]"; fi
echo "installing mlci $want from $source"
if [ "$system_site" = "true" ]; then
  # pip would accept a same-version mlci it sees in the interpreter: install this
  # one into the environment first, whatever is installed elsewhere.
  "${pip[@]}" --no-deps --ignore-installed "$source"
fi
"${pip[@]}" "$target"

have="$("$python_bin" -I -c "$check_mlci")"
if [ "$have" != "$want" ]; then
  echo "::error::installed mlci $have from $source, but this action is mlci $want" >&2
  exit 1
fi

export PATH="$venv/bin:$PATH"
if [ -n "${GITHUB_PATH:-}" ]; then echo "$venv/bin" >> "$GITHUB_PATH"; fi
if [ -n "${GITHUB_ENV:-}" ]; then echo "MLCI_VENV=$venv" >> "$GITHUB_ENV"; fi
if [ -n "${GITHUB_OUTPUT:-}" ]; then echo "version=$have" >> "$GITHUB_OUTPUT"; fi
if [ -n "${PYTHONPATH:-}" ]; then
  echo "::warning::PYTHONPATH is set ($PYTHONPATH): later steps' python and mlci read it first"
fi
"$python_bin" -I -m mlci --version
echo "mlci $have is $venv/bin/mlci"
