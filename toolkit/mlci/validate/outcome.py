"""The validation result file (`mlci validate --json FILE`), read back by later steps.

The release workflow validates in the training job and publishes in another: `mlci
baseline publish` and `mlci release` read the outcome from this file, through this one
reader, and refuse a run whose gates failed. The file names the commit it judged, so a
result is never applied to another commit's run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mlci.errors import InputError


@dataclass(frozen=True)
class GateOutcome:
    metric: str
    rule: str
    status: str  # pass | fail | skip
    message: str


@dataclass(frozen=True)
class ValidationOutcome:
    passed: bool
    baseline: str  # the baseline's description, as validate stated it
    results: tuple[GateOutcome, ...]
    commit: str | None  # the commit validated (None in files of earlier releases)

    @property
    def failed_metrics(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.metric for r in self.results if r.status == "fail"))


HINT = "pass the file `mlci validate --json FILE` wrote"


def read_validation(path: str | Path, *, commit: str | None = None) -> ValidationOutcome:
    """The outcome in `path`; with `commit`, the file must be of that commit (exit 2)."""
    from mlci.documents import read_document
    from mlci.output import remember_input
    from mlci.resultschema import validate_document

    remember_input(path)
    data = read_document(Path(path), unreadable="not a readable validation result", hint=HINT)
    validate_document(data, "validation", str(path))
    outcome = ValidationOutcome(
        bool(data["passed"]),
        str(data["baseline"]),
        tuple(
            GateOutcome(str(r["metric"]), str(r["rule"]), str(r["status"]), str(r["message"]))
            for r in data["results"]
        ),
        data.get("commit") if isinstance(data.get("commit"), str) else None,
    )
    if commit and outcome.commit and outcome.commit != commit:
        raise InputError(
            f"{path}: validates commit {outcome.commit[:7]}, but the run record is of {commit[:7]}",
            "pass the validation file of the same run (validate after training, in one job)",
        )
    return outcome
