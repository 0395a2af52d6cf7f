"""`mlci drift check --window daily|weekly`: drift per window, trend and history.

`window_options` adds the options to `check`; `window_settings` resolves them against
drift.window / drift.time_column / drift.history (None: no window, the plain check);
`run_windowed` runs the windowed check, renders it, updates the history file and
picks the exit code, like the plain check does for one result.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from mlci.config.schema import DriftConfig, RetrainRule
    from mlci.drift.windows import WindowedResult

PERIODS = ("daily", "weekly")


def window_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--window, --time-column, --history and --no-history (parameters `window`,
    `time_column`, `history_path`, `no_history`)."""
    options = [
        click.option(
            "--window",
            type=click.Choice(PERIODS),
            default=None,
            help="Check drift per day or ISO week of --time-column (default: drift.window).",
        ),
        click.option(
            "--time-column",
            default=None,
            metavar="NAME",
            help="Timestamp column the windows are cut from (default: drift.time_column).",
        ),
        click.option(
            "--history",
            "history_path",
            type=click.Path(dir_okay=False),
            default=None,
            help="Drift history the windows are added to and the trend reads "
            "(default: drift.history, .mlci/drift-history.jsonl).",
        ),
        click.option(
            "--no-history",
            is_flag=True,
            help="With --window: neither read nor write the drift history.",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@dataclass(frozen=True)
class WindowSettings:
    period: str
    column: str
    history: str | None  # None: --no-history


def window_settings(
    config: DriftConfig,
    window: str | None,
    time_column: str | None,
    history_path: str | None,
    no_history: bool,
) -> WindowSettings | None:
    """The window to check by, or None for a plain check (no --window, no drift.window)."""
    from mlci.errors import UsageError

    period = window or config.window
    if period is None:
        for option, value in (("--time-column", time_column), ("--history", history_path)):
            if value:
                raise UsageError(
                    f"{option} is given without a window",
                    "add --window daily or --window weekly (or set drift.window in mlci.yaml)",
                )
        return None
    column = time_column or config.time_column
    if not column:
        raise UsageError(
            f"--window {period}: no time column",
            "pass --time-column NAME or set drift.time_column in mlci.yaml",
        )
    if no_history and history_path:
        raise UsageError("--history and --no-history both given", "pass one of them")
    history = None if no_history else (history_path or config.history)
    return WindowSettings(period, column, history)


def to_text(result: WindowedResult) -> str:
    """One line per window of this run, the began line, the notes."""
    from mlci.drift import render

    own = {label for label, _ in result.windows}
    lines = [f"{result.windows[-1][0]}: {render.headline(result.latest)}"]
    lines.append(result.began_line() or "no window drifted")
    for entry in result.timeline:
        mark = "DRIFT" if entry.drift_detected else "ok" if entry.verdict == "no drift" else "few"
        drifted = [n for n, p in entry.columns.items() if p.drifted]
        where = "" if entry.window in own else "  (history)"
        lines.append(
            f"  {mark:5} {entry.window:10} {entry.rows:>10,} rows  share {entry.drift_share:4.0%}"
            f"  {', '.join(drifted[:8])}{where}".rstrip()
        )
    lines.extend(f"  note: {n}" for n in result.notes)
    return "\n".join(lines)


def run_windowed(
    settings: WindowSettings,
    *,
    reference: Any,
    current: Any,
    config: DriftConfig,
    rule: RetrainRule,
    config_path: str | None,
    sample: float | None,
    model_age_days: float | None,
    json_out: str | None,
    md_out: str | None,
    html_path: str | None,
    decision_path: str | None,
    fail_on_drift: bool,
    quiet: bool,
    progress: Any = None,
) -> WindowedResult:
    """The windowed `check`: outputs written, history updated, GateFailed on drift
    (the newest window's) with --fail-on-drift.

    `reference`/`current`: paths, DataFrames or engine sources, as `run_check` takes
    them. Bias monitoring is not run per window.
    """
    from datetime import datetime, timezone
    from os import PathLike
    from pathlib import Path

    from mlci.cli._options import json_dumps
    from mlci.cli._outputs import prepare_outputs, write_outputs
    from mlci.drift import history as drift_history
    from mlci.drift.kernel import Window
    from mlci.drift.result import DECISION_SCHEMA
    from mlci.drift.windows import (
        history_entries,
        to_html,
        to_markdown,
        windowed_check,
    )
    from mlci.errors import GateFailed
    from mlci.gitutil import git_state

    outputs = [
        ("--json", json_out),
        ("--md", md_out),
        ("--html", html_path),
        ("--decision", decision_path),
        ("--history", settings.history),
    ]
    # reference/current may be engine sources (partitioned data): only paths are inputs.
    inputs = [str(p) for p in (reference, current, config_path) if isinstance(p, (str, PathLike))]
    printing = prepare_outputs(outputs, inputs)
    # Read before the check: a malformed history stops the run before the work.
    earlier = drift_history.read_history(settings.history) if settings.history else []
    result = windowed_check(
        reference,
        current,
        config,
        rule,
        Window(settings.column, settings.period),
        history=earlier,
        sample=sample,
        model_age_days=model_age_days,
        progress=progress,
        run_at=datetime.now(timezone.utc),
        commit=git_state(Path.cwd()).commit,
    )
    if not printing:
        text = to_text(result)
        click.echo("\n".join(text.splitlines()[:2]) if quiet else text)
    markdown = to_markdown(result)
    latest = result.latest
    written: list[tuple[str, str | None, str]] = [("--md", md_out, markdown)]
    if json_out:
        written.append(("--json", json_out, json_dumps(result.to_dict()) + "\n"))
    if html_path:
        written.append(("--html", html_path, to_html(result)))
    if decision_path:
        decision = {
            "schema": DECISION_SCHEMA,
            **latest.retrain.to_dict(),
            "verdict": latest.verdict,
            "drift_detected": latest.dataset_drift,
            "drift_share": latest.drift_share,
            "drifted_columns": list(latest.drifted_columns),
            "window": result.windows[-1][0],
            "drift_began": result.began,
            "drifted_windows": result.streak.windows,
        }
        written.append(("--decision", decision_path, json_dumps(decision)))
    write_outputs(written, inputs)
    if settings.history:
        drift_history.append_history(settings.history, history_entries(result))
    _actions(result, markdown)
    if fail_on_drift and latest.dataset_drift:
        raise GateFailed(
            f"drift detected in window {result.windows[-1][0]}: "
            f"{len(latest.drifted_columns)} columns "
            f"({latest.drift_share:.0%} >= {latest.share_threshold:.0%})"
            + (f"; {result.began_line()}" if result.began else ""),
            "look at the report; retrain or raise drift.drift_share if this is expected",
        )
    return result


def _actions(result: WindowedResult, markdown: str) -> None:
    """Step outputs (those of the plain check, for the newest window, plus drift-began)
    and the step summary, inside GitHub Actions."""
    from mlci.gha import ActionsRuntime

    runtime = ActionsRuntime()
    if not runtime.in_actions:
        return
    latest = result.latest
    runtime.set_outputs(
        {
            "drift-detected": "true" if latest.dataset_drift else "false",
            "drift-share": f"{latest.drift_share:.4f}",
            "drifted-columns": ",".join(latest.drifted_columns),
            "retrain-needed": "true" if latest.retrain.retrain else "false",
            "drift-began": result.began or "",
            "bias": "off",
        }
    )
    runtime.append_summary(markdown)
