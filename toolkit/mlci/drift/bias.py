"""Bias monitoring: the fairness metrics of `validate.fairness` on current data.

Labels arrive late in production, so the check runs only when the current file has
the label (`drift.target`, else `validate.fairness.label`), the prediction
(`drift.prediction`, else `validate.fairness.prediction`) and every sensitive column;
otherwise the result is a one-line note, never an error. Only those columns are read.
Figures and gates are the ones `mlci fairness check` computes (fairlearn), so a gate
means the same in training and in production.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from mlci.config.schema import DriftConfig, FairnessConfig
from mlci.errors import InputError, UsageError
from mlci.fairness.gates import FairnessReport, check_fairness
from mlci.tables import read_header, read_table


@dataclass(frozen=True)
class BiasCheck:
    """Fairness on current data; `report` is None when it was skipped (`note` says why)."""

    path: str
    label: str | None
    prediction: str | None
    sensitive: tuple[str, ...]
    report: FairnessReport | None = None
    note: str | None = None

    @property
    def measured(self) -> bool:
        return self.report is not None

    @property
    def passed(self) -> bool:
        """False only when a gate failed on measured figures."""
        return self.report is None or self.report.passed


def _columns(path: str | Path) -> list[str]:
    """The header (CSV) or schema (Parquet): no data read."""
    return list(read_header(path))


def _missing(available: Sequence[str], wanted: Sequence[tuple[str, str]]) -> list[str]:
    return [f"{role} `{name}`" for role, name in wanted if name not in available]


def check_bias(
    current: str | Path,
    drift: DriftConfig,
    fairness: FairnessConfig,
    source: str = "mlci.yaml",
) -> BiasCheck | None:
    """Fairness metrics and gates on `current`; None when no sensitive column is configured.

    A wrong `validate.fairness` (unknown metric, gate without a bound) is refused when
    mlci.yaml is loaded; data that cannot be measured (columns absent, no row with
    both a label and a prediction, fairlearn missing) gives a note.
    """
    if not fairness.sensitive:
        return None
    label = drift.target or fairness.label
    prediction = drift.prediction or fairness.prediction
    base = BiasCheck(str(current), label, prediction, tuple(fairness.sensitive))
    if not label:
        return replace(
            base, note="no label column configured (drift.target or validate.fairness.label)"
        )
    settings = replace(fairness, label=label, prediction=prediction)
    wanted = [("label column", label), ("prediction column", prediction)]
    wanted += [("sensitive column", name) for name in fairness.sensitive]
    missing = _missing(_columns(current), wanted)
    if missing:
        return replace(base, note=f"the current data has no {', '.join(missing)}")
    try:
        frame = read_table(current, columns=list(dict.fromkeys(n for _, n in wanted)))
        report = check_fairness(frame, settings, source)
    except (InputError, UsageError) as error:  # e.g. no labels yet, fairlearn missing
        return replace(base, note=f"not measured: {error.message}")
    return replace(base, report=report)


def bias_text(check: BiasCheck) -> list[str]:
    """Lines for the terminal, under the drift result."""
    if check.report is None:
        return [f"  bias: skipped: {check.note}"]
    report = check.report
    lines = [
        f"  bias: fairness on {report.result.rows:,} current rows: "
        + ("gates passed" if report.passed else f"{len(report.failed)} gates FAILED")
    ]
    for feature in report.result.features:
        shown = ", ".join(f"{k} {v:.4f}" for k, v in feature.disparities.items())
        if shown:
            lines.append(f"  bias: {feature.feature}: {shown}")
    lines += [f"  bias: FAIL {g.describe()}" for g in report.failed]
    return lines


def bias_markdown(check: BiasCheck) -> str:
    """The bias section of the drift summary."""
    from mlci.fairness.render import result_markdown

    if check.report is None:
        return f"### Bias monitoring\n\nSkipped: {check.note}.\n"
    report = check.report
    result = report.result
    verdict = "passed" if report.passed else "failed"
    dropped = (
        f"; {result.dropped_rows:,} rows without label or prediction left out"
        if result.dropped_rows
        else ""
    )
    lines = [
        f"### Bias monitoring: fairness gates {verdict}",
        "",
        f"Fairness of the predictions on current data: {result.rows:,} rows "
        f"(label `{result.label}`, prediction `{result.prediction}`){dropped}.",
        "",
    ]
    if report.gates:
        lines += [f"- {'✅' if g.passed else '❌'} {g.describe()}" for g in report.gates]
        lines.append("")
    return "\n".join(lines) + "\n" + result_markdown(result)


def bias_json(check: BiasCheck | None) -> dict[str, Any] | None:
    """The `bias` entry of the drift JSON: status, columns, and the fairness report."""
    from mlci.fairness.render import report_json

    if check is None:
        return None
    out: dict[str, Any] = {
        "status": "measured" if check.report is not None else "skipped",
        "note": check.note,
        "path": check.path,
        "label": check.label,
        "prediction": check.prediction,
        "sensitive": list(check.sensitive),
        "passed": check.passed if check.report is not None else None,
    }
    if check.report is not None:
        data = report_json(check.report)
        out.update(result=data["result"], gates=data["gates"])
    return out
