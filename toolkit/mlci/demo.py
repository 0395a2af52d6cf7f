"""`mlci demo`: the whole mlci loop on the embedded example, offline.

Copies the example into a folder, makes it a git repository, trains a baseline on
`main`, opens a branch that changes a parameter, trains again, validates and compares
the two, checks the data, runs the drift check on the shifted production sample,
previews the release a merge would publish (model card and plan) and writes
everything mlci would post on GitHub into the dry-run outbox.

The core returns a DemoResult; `on_step` is told about each step as it starts so the
CLI can show progress. Nothing here prints.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlci.config.schema import MlciConfig
from mlci.errors import UsageError
from mlci.github.outbox import Outbox
from mlci.gitutil import commit_all, git, init_repository
from mlci.output import write_file
from mlci.report.markdown import ReportSection

DEMO_MARKER = Path(".mlci") / "demo.json"
BRANCH = "experiment/deeper-trees"
# The parameter change the demo's pull request makes, as (old line, new line).
PARAM_CHANGE = ("  max_depth: 4", "  max_depth: 8")


@dataclass(frozen=True)
class DemoStep:
    title: str
    detail: str = ""


@dataclass(frozen=True)
class DemoResult:
    directory: Path
    steps: tuple[DemoStep, ...]
    report_path: Path
    outbox: tuple[Path, ...]
    gate_passed: bool
    failed_gates: tuple[str, ...] = ()
    drift_share: float | None = None
    retrain_needed: bool = False
    release_card: Path | None = None  # the model card of the release preview, in the outbox


@dataclass(frozen=True)
class _DriftOutcome:
    detail: str
    share: float
    retrain: bool
    reasons: tuple[str, ...]
    markdown: str


def example_dir() -> Path:
    return Path(__file__).parent / "example"


def prepare_directory(directory: Path, force: bool) -> None:
    """Refuse to mix the demo into a folder that holds anything of the user's."""
    if directory.exists() and not directory.is_dir():
        raise UsageError(f"{directory}: exists and is not a folder", "choose another DIR")
    if directory.is_dir() and any(directory.iterdir()):
        if not (directory / DEMO_MARKER).is_file():
            raise UsageError(
                f"{directory}: folder is not empty and was not made by `mlci demo`",
                "choose an empty or new DIR, e.g. `mlci demo ./mlci-demo-2`",
            )
        if not force:
            raise UsageError(
                f"{directory}: holds an earlier demo",
                "pass --force to replace it, or run `mlci demo` with another DIR",
            )
        shutil.rmtree(directory)


def copy_example(directory: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", ".mlci")
    shutil.copytree(example_dir(), directory, ignore=ignore, dirs_exist_ok=True)
    write_file(directory / DEMO_MARKER, '{"made_by": "mlci demo"}\n')


def change_parameter(directory: Path) -> str:
    params = directory / "params.yaml"
    text = params.read_text(encoding="utf-8")
    old, new = PARAM_CHANGE
    if old not in text:
        raise UsageError(f"{params}: expected the line {old.strip()!r}", "reinstall mlci")
    write_file(params, text.replace(old, new, 1))  # the demo's own copy of the example
    return f"model.max_depth: {old.split(':')[1].strip()} -> {new.split(':')[1].strip()}"


StepHook = Callable[[DemoStep], None]


def _as_section(markdown: str, fallback: str) -> ReportSection:
    """Use a renderer's own `### heading` as the section title instead of repeating it."""
    first, _, rest = markdown.partition("\n")
    if first.startswith("### "):
        return ReportSection(first[4:].strip(), rest.strip("\n"))
    return ReportSection(fallback, markdown)


def _missing_governance() -> str:
    """The governance extra's libraries that are not installed, e.g. 'pandera'."""
    import importlib.util

    names = [name for name in ("pandera", "fairlearn") if importlib.util.find_spec(name) is None]
    return " and ".join(names)


def _data_check(config: MlciConfig, root: Path) -> tuple[Path, str]:
    """Check the training data (data.reference) against data.checks, as the CI workflow's
    data-check job does; returns the JSON file the report reads (its "Data checks" section)."""
    import json

    from mlci.data.quality import check_data
    from mlci.data.render import quality_json
    from mlci.output import write_output

    reference = config.data.reference or "data/reference.csv"
    result = check_data([root / reference], config.data.checks, base=root)
    report = result.reports[0]
    verdict = "passed" if result.passed else f"{result.failed_checks} failed"
    path = root / ".mlci" / "data-check.json"
    text = json.dumps(quality_json(result.reports), indent=2).replace(str(root) + "/", "")
    write_output(path, text)
    return path, f"{reference}: {report.rows} rows, {report.checks} checks, {verdict}"


def _fairness(config: MlciConfig, root: Path) -> tuple[ReportSection, str]:
    """Fairness metrics per gender on the predictions the candidate wrote."""
    from mlci.fairness.gates import check_fairness
    from mlci.fairness.render import report_markdown
    from mlci.tables import read_table

    settings = config.validate.fairness
    columns = list(dict.fromkeys([settings.label or "", settings.prediction, *settings.sensitive]))
    frame = read_table(root / (settings.data or "predictions.csv"), columns=columns)
    report = check_fairness(frame, settings)
    figures = {
        name: value
        for feature in report.result.features
        for name, value in feature.disparities.items()
    }
    shown = ", ".join(f"{name} {value:.3f}" for name, value in figures.items())
    verdict = "passed" if report.passed else f"{len(report.failed)} failed"
    return _as_section(report_markdown(report), "Fairness"), f"{shown}; gates {verdict}"


def _train(
    directory: Path,
    label: str,
    on_output: Callable[[str], None] | None,
    env: Mapping[str, str] | None,
) -> str:
    from mlci.config import load_config
    from mlci.errors import GateFailed
    from mlci.train.run import run_training

    config = load_config(directory / "mlci.yaml")
    record = run_training(config, directory, on_output=on_output, env=env)
    if not record.succeeded:
        raise GateFailed(
            f"{directory}: training the {label} failed: {'; '.join(record.errors)}",
            "run `python train.py` in that folder to see the error",
        )
    metrics = record.metrics.get("metrics.json", {})
    shown = ", ".join(f"{k} {metrics[k]}" for k in ("accuracy", "roc_auc") if k in metrics)
    return f"{shown} in {record.duration_s:.1f} s (run record {record.id})"


def _drift_check(config: MlciConfig, root: Path, outbox: Outbox) -> _DriftOutcome:
    """What the scheduled drift workflow does: compare production data with the reference."""
    from mlci.drift import run_check
    from mlci.drift.html import to_html
    from mlci.drift.render import to_json, to_markdown

    reference = root / (config.data.reference or "data/reference.csv")
    current = root / (config.data.current.path or "data/current.csv")
    result = run_check(reference, current, config.drift, config.retrain.when)
    # Paths in the reports are shown relative to the project, as in CI.
    prefix = str(root) + "/"
    markdown = to_markdown(result).replace(prefix, "")
    outbox.write_text("drift", "report", markdown)
    outbox.write_text("drift", "report", to_html(result).replace(prefix, ""), ".html")
    outbox.write_text("drift", "result", to_json(result).replace(prefix, ""), ".json")
    drifted = ", ".join(result.drifted_columns) or "none"
    verdict = "retraining needed" if result.retrain.retrain else "no retraining needed"
    return _DriftOutcome(
        detail=f"{result.drift_share:.0%} of columns drifted ({drifted}); {verdict}",
        share=result.drift_share,
        retrain=result.retrain.retrain,
        reasons=result.retrain.reasons,
        markdown=markdown,
    )


def _retrain_preview(config: MlciConfig, root: Path, outbox: Outbox, drift: _DriftOutcome) -> str:
    """The retraining PR the drift workflow would open: current data becomes the reference."""
    from mlci.github.retrain import RetrainRequest, open_retrain_pr

    reference = config.data.reference or "data/reference.csv"
    current = root / (config.data.current.path or "data/current.csv")
    request = RetrainRequest(
        files={reference: current.read_bytes()},
        title=f"mlci: retrain {config.project} on drifted data (drift share {drift.share:.2f})",
        body=drift.markdown,
        branch=config.retrain.branch,
        labels=config.retrain.labels,
        reviewers=config.retrain.reviewers,
        workflow=config.retrain.workflow,
    )
    result = open_retrain_pr(None, request, outbox=outbox)
    return f"branch {result.branch}; {'; '.join(drift.reasons)}"


def _release_preview(
    config: MlciConfig, root: Path, outbox: Outbox, report: Any
) -> tuple[Path | None, str]:
    """What `mlci release` would publish for the candidate once merged: its model card
    and the release plan (tag, assets with sizes and sha256), in the outbox."""
    from datetime import datetime, timezone

    from mlci.github.releases import publish_dry_run
    from mlci.release.card import GateLine
    from mlci.release.plan import GateSummary, PlanInputs, plan_release
    from mlci.release.tags import LocalTags
    from mlci.train.record import load_run

    if not report.gate_passed:
        return None, "skipped: the gates failed, so nothing would be released"
    gates = GateSummary(
        True,
        report.baseline.description,
        tuple(GateLine(r.metric, r.rule, r.status, r.message) for r in report.gates.results),
    )
    data_check = root / ".mlci" / "data-check.json"
    inputs = PlanInputs(
        record=load_run(root, "latest"),
        gates=gates,
        tags=LocalTags(root).list_tags(),
        now=datetime.now(timezone.utc).date().isoformat(),
        data_check=_json(data_check) if data_check.is_file() else None,
    )
    plan = plan_release(config, root, inputs)
    result = publish_dry_run(plan, outbox)
    names = ", ".join(a.name for a in plan.assets)
    return Path(result.outbox[0]), f"{result.tag} with {names} (card and plan in the outbox)"


def _json(path: Path) -> Any:
    import json

    return json.loads(path.read_text(encoding="utf-8"))


def run_demo(
    directory: str | Path,
    *,
    force: bool = False,
    on_step: StepHook | None = None,
    on_output: Callable[[str], None] | None = None,
    env: Mapping[str, str] | None = None,
) -> DemoResult:
    """Run the demo in `directory`; `on_step` hears of each step before it runs.

    `env` is the training command's environment (the CLI passes its own).
    """
    from mlci.config import load_config
    from mlci.report.build import build_report

    root = Path(directory).resolve()
    steps: list[DemoStep] = []

    def step(title: str, detail: str = "") -> None:
        done = DemoStep(title, detail)
        steps.append(done)
        if on_step is not None:
            on_step(done)

    prepare_directory(root, force)
    copy_example(root)
    step("Copied the example churn project", str(root))

    init_repository(root)
    commit_all(root, "Example churn project")
    step("Made it a git repository on branch main")

    detail = _train(root, "baseline", on_output, env)
    commit_all(root, "Train the baseline model")
    step("Trained the baseline on main", detail)

    git(["checkout", "-q", "-b", BRANCH], root)
    change = change_parameter(root)
    commit_all(root, f"Try deeper trees ({change})")
    step(f"Opened branch {BRANCH}", f"params.yaml: {change}")

    detail = _train(root, "candidate", on_output, env)
    commit_all(root, "Train the candidate model")
    step("Trained the candidate on the branch", detail)

    config = load_config(root / "mlci.yaml")
    sections: list[ReportSection] = []
    data_check: Path | None = None
    missing = _missing_governance()
    if missing:
        skipped = f"skipped: needs {missing} (pip install 'mlci[governance]')"
        step("Data checks", skipped)
        step("Fairness", skipped)
    else:
        data_check, data_detail = _data_check(config, root)
        step("Checked the training data", data_detail)
        fairness_section, fairness_detail = _fairness(config, root)
        step("Measured fairness on the held-out predictions", fairness_detail)
        sections.append(fairness_section)

    report = build_report(config, root, base_ref="main", sections=sections, data_check=data_check)
    outbox = Outbox(root / ".mlci" / "outbox")
    entry = outbox.write_text("comment", config.github.comment_key, report.markdown)
    outbox.write_json("report", config.github.comment_key, report.to_dict())
    verdict = "passed" if report.gate_passed else "failed"
    failed = report.gates.failed_metrics
    step(
        "Compared the branch with main and wrote the pull-request report",
        f"gates {verdict}; baseline from {report.baseline.source}",
    )

    drift = _drift_check(config, root, outbox)
    step("Checked production data for drift", drift.detail)
    if drift.retrain:
        step("Previewed the retraining pull request", _retrain_preview(config, root, outbox, drift))
    release_card, release_detail = _release_preview(config, root, outbox, report)
    step("Previewed the release a merge to main would publish", release_detail)
    return DemoResult(
        directory=root,
        steps=tuple(steps),
        report_path=entry.path,
        outbox=tuple(outbox.entries()),
        gate_passed=report.gate_passed,
        failed_gates=failed,
        drift_share=drift.share,
        retrain_needed=drift.retrain,
        release_card=release_card,
    )
