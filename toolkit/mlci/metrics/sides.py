"""One side of a diff from the command line: a git ref, a file, or the work tree."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from mlci.gitutil import rev_parse
from mlci.metrics.load import (
    MetricFile,
    MetricSet,
    load_metrics,
    load_params,
    read_metric_file,
)

WORKSPACE = "workspace"


def side_exists(spec: str | None, cwd: str | Path) -> bool:
    """Whether a --base/--head value names the work tree, an existing file or a git ref."""
    if spec is None or spec == WORKSPACE:
        return True
    return (Path(cwd) / spec).is_file() or rev_parse(Path(cwd), spec) is not None


def load_side(
    spec: str | None, paths: Sequence[str], cwd: str | Path, kind: str = "metrics"
) -> MetricSet:
    """`spec` None or "workspace": files in cwd; an existing file: that file, filed under
    the first of `paths` so it lines up; anything else: a git ref (read with git show).
    `kind` "params" reads params files (an empty one has no params, not an error)."""
    root = Path(cwd)
    load = load_params if kind == "params" else load_metrics
    if spec is None or spec == WORKSPACE:
        return load(paths, root)
    file = root / spec
    if file.is_file():
        label = paths[0] if len(paths) == 1 else spec
        return MetricSet((read_metric_file(file, label, kind, shown=spec),), spec)
    if rev_parse(root, spec) is None:
        return MetricSet(
            tuple(
                MetricFile(p, error=f"{spec}: not a file or a git ref", missing=True) for p in paths
            ),
            spec,
        )
    return load(paths, root, ref=spec)
