"""Run records published as baselines on a branch of their own (`baseline.branch`).

A push to the default branch trains, validates and publishes its run record to the
records branch as `records/<commit-sha>.json` (plus plot data under
`records/<commit-sha>/`). Pull requests then compare against the record of their base
commit, or of its nearest ancestor that has one, read from the local clone: no server.

- `mlci.records.layout`: which files one publish commits (pure, local files only).
- `mlci.records.branch`: finding a commit's record on the records branch (local git).
- `mlci.github.records`: writing them through the Git Data API.
"""

from __future__ import annotations

from mlci.records.branch import FoundRecord, RecordsBranch, find_record, records_branch
from mlci.records.layout import RECORDS_DIR, RecordFiles, record_files, record_json_path

__all__ = [
    "RECORDS_DIR",
    "FoundRecord",
    "RecordFiles",
    "RecordsBranch",
    "find_record",
    "record_files",
    "record_json_path",
    "records_branch",
]
