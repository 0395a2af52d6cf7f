"""The GPU preflight's result, kept for the training run of the same job.

`mlci runner check` runs as its own workflow step before `mlci train`, and only it
probes the frameworks (seconds of imports). It saves its result to
`.mlci/runner-check.json`; `mlci train` then puts that result into the run record
beside its own quick probe, so the record says what the preflight found and
whether the GPU requirement was met.

A saved result is only taken by a run on the same host and, in GitHub Actions,
in the same job of the same run: self-hosted runners keep workspaces between
jobs, and an old check must never vouch for a new machine. Outside Actions it is
taken when it is at most `LOCAL_MAX_AGE` old.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from mlci.runners.model import RequirementCheck, RunnerInfo

PREFLIGHT_FILE = Path(".mlci") / "runner-check.json"
LOCAL_MAX_AGE = timedelta(hours=1)
# What identifies one job of one workflow run; all empty outside Actions.
_JOB_VARIABLES = ("GITHUB_RUN_ID", "GITHUB_RUN_ATTEMPT", "GITHUB_JOB")


def job_identity(hostname: str, env: Mapping[str, str]) -> dict[str, str]:
    return {"hostname": hostname, **{name: env.get(name, "") for name in _JOB_VARIABLES}}


def save_preflight(
    root: str | Path,
    info: RunnerInfo,
    check: RequirementCheck,
    *,
    env: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> Path:
    """Write the check's result under `root`; returns the file's path."""
    from mlci.output import write_output

    path = Path(root) / PREFLIGHT_FILE
    data = {
        "checked_at": (now or datetime.now(timezone.utc)).isoformat(timespec="seconds"),
        "job": job_identity(info.hostname, os.environ if env is None else env),
        "check": check.to_dict(),
        "frameworks": info.to_dict()["frameworks"],
    }
    write_output(path, json.dumps(data, indent=2) + "\n")
    return path


def load_preflight(
    root: str | Path,
    hostname: str,
    *,
    env: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> dict[str, Any] | None:
    """The saved result when it belongs to this job on this host, else None.

    A missing, unreadable or foreign file is not an error: the run record then
    carries the quick probe alone.
    """
    try:
        data = json.loads((Path(root) / PREFLIGHT_FILE).read_text(encoding="utf-8"))
        checked_at = datetime.fromisoformat(data["checked_at"])
        saved_job = data["job"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not isinstance(data.get("check"), dict) or checked_at.tzinfo is None:
        return None
    env = os.environ if env is None else env
    if saved_job != job_identity(hostname, env):
        return None
    if not env.get("GITHUB_RUN_ID"):
        age = (now or datetime.now(timezone.utc)) - checked_at
        if not timedelta(0) <= age <= LOCAL_MAX_AGE:
            return None
    return {key: data[key] for key in ("checked_at", "check", "frameworks") if key in data}
