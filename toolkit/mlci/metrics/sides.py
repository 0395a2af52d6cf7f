"""One side of a diff from the command line: a git ref, a file, or the work tree."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from mlci.gitutil import rev_parse
from mlci.metrics.load import MetricFile, MetricSet, load_metrics, parse_metric_text

WORKSPACE = "workspace"


def side_exists(spec: str | None, cwd: str | Path) -> bool:
    """Whether a --base/--head value names the work tree, an existing file or a git ref."""
    if spec is None or spec == WORKSPACE:
        return True
    return (Path(cwd) / spec).is_file() or rev_parse(Path(cwd), spec) is not None


def load_side(spec: str | None, paths: Sequence[str], cwd: str | Path) -> MetricSet:
    """`spec` None or "workspace": files in cwd; an existing file: that file, filed under
    the first of `paths` so it lines up; anything else: a git ref (read with git show)."""
    root = Path(cwd)
    if spec is None or spec == WORKSPACE:
        return load_metrics(paths, root)
    file = root / spec
    if file.is_file():
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            return MetricSet((MetricFile(spec, error=f"{spec}: cannot be read ({error})"),), spec)
        parsed = parse_metric_text(spec, text)
        label = paths[0] if len(paths) == 1 else spec
        return MetricSet((MetricFile(label, parsed.values, parsed.error),), spec)
    if rev_parse(root, spec) is None:
        return MetricSet(
            tuple(
                MetricFile(p, error=f"{spec}: not a file or a git ref", missing=True) for p in paths
            ),
            spec,
        )
    return load_metrics(paths, root, ref=spec)
