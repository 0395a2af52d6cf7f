"""GitHub turns off scheduled workflows of public repositories after 60 days without
activity. A drift check that silently stops running is worse than none, so a scheduled
run warns while there is still time to act."""

from __future__ import annotations

from datetime import datetime

INACTIVITY_LIMIT_DAYS = 60
WARN_AFTER_DAYS = 45


def schedule_inactivity_warning(
    event_name: str, last_commit: datetime | None, now: datetime
) -> str | None:
    """A warning for a `schedule` run whose repository has been quiet for long, or None."""
    if event_name != "schedule" or last_commit is None:
        return None
    idle = (now - last_commit).days
    if idle < WARN_AFTER_DAYS:
        return None
    left = max(INACTIVITY_LIMIT_DAYS - idle, 0)
    return (
        f"the last commit is {idle} days old: in a public repository GitHub turns this "
        f"schedule off after {INACTIVITY_LIMIT_DAYS} days without activity "
        f"({left} days left); push a commit, or re-enable the workflow in the Actions tab"
    )
