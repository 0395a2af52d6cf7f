#!/usr/bin/env bash
# Make the `mlci` command of this checkout available to the job. The toolkit is
# installed from the action's own repository (the one `uses:` named), so a workflow
# runs exactly the mlci version it pinned; a second action in the same job reuses it.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
want="$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' "$root/toolkit/mlci/__init__.py")"
have="$(python -c 'import mlci; print(mlci.__version__)' 2>/dev/null || true)"

if [ -n "$have" ] && [ "$have" = "$want" ]; then
  echo "mlci $have is installed: reusing it"
else
  target="$root"
  if [ -n "${MLCI_EXTRAS:-}" ]; then target="${root}[${MLCI_EXTRAS}]"; fi
  echo "installing mlci $want from $root"
  python -m pip install --disable-pip-version-check --quiet "$target"
fi
mlci --version
