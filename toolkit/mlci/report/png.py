"""PNG plots with matplotlib's headless Agg backend, base and head overlaid.

matplotlib is optional (the `report` extra): without it `plot_pngs` returns {}
and the HTML report shows tables instead of images.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from mlci.report.plots import PlotPair


def matplotlib_available() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def _draw(ax: Any, pair: PlotPair, base_label: str) -> None:
    sides = [("base " + base_label, pair.base, "--"), ("head", pair.head, "-")]
    if pair.kind == "curve":
        for label, side, style in sides:
            if side is None:
                continue
            for name, ys in zip(side.columns, side.y, strict=True):
                ax.plot(side.x, ys, style, label=f"{name} ({label})")
        head = pair.head or pair.base
        assert head is not None
        ax.set_xlabel(head.x_label)
        ax.legend(fontsize="small")
    elif pair.kind == "bar":
        head = pair.head or pair.base
        assert head is not None
        values = dict(zip(head.labels, head.y[0], strict=True))
        top = sorted(values, key=lambda k: -abs(values[k]))[:15][::-1]
        ax.barh(top, [values[k] for k in top], label="head")
        if pair.base is not None and pair.head is not None:
            base = dict(zip(pair.base.labels, pair.base.y[0], strict=True))
            ax.plot(
                [base.get(k, 0) for k in top],
                top,
                "k|",
                markersize=12,
                label=f"base {base_label}",
            )
        ax.legend(fontsize="small")
    else:
        head = pair.head or pair.base
        assert head is not None
        ax.imshow(head.matrix, cmap="Blues")
        for i, row in enumerate(head.matrix):
            for j, value in enumerate(row):
                ax.text(j, i, f"{value:g}", ha="center", va="center")
        ax.set_xticks(range(len(head.labels)), head.labels)
        ax.set_yticks(range(len(head.labels)), head.labels)
        ax.set_xlabel("predicted")
        ax.set_ylabel("actual")


def plot_pngs(plots: Sequence[PlotPair], base_label: str) -> dict[str, bytes]:
    """plot path -> PNG bytes; {} without matplotlib."""
    if not matplotlib_available():
        return {}
    import matplotlib

    matplotlib.use("Agg", force=True)  # no display on CI runners
    from matplotlib.figure import Figure

    out: dict[str, bytes] = {}
    for pair in plots:
        if pair.error or (pair.base is None and pair.head is None):
            continue
        figure = Figure(figsize=(6, 4), dpi=100)
        ax = figure.add_subplot()
        ax.set_title(pair.title)
        _draw(ax, pair, base_label)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        out[pair.path] = buffer.getvalue()
    return out
