"""The base side of the lineage comparison: which run record made the base branch's model.

The metrics baseline may come from metric files committed at the base ref, with no run
record attached (a record is written before the commit that carries it, so its commit
is the parent of the one on the branch). Projects that commit `.mlci/runs/` still have
the base model's record in the base ref's tree: the newest successful one there is the
run whose data the pull request's data is compared with.

A baseline found on the records branch (`mlci.records`) carries the published run
record itself, so the lineage of a pull request is compared with the data of the
default branch's last published training even when nothing of it is committed.
"""

from __future__ import annotations

from pathlib import Path

from mlci.documents import parse_json_text
from mlci.errors import InputError
from mlci.gitutil import GitError, list_dir, show_file
from mlci.train.record import RUNS_DIR, RunRecord, parse_run
from mlci.validate.baseline import Baseline

# Reading stops at the first successful record, newest first; this bounds the failures.
_MAX_READS = 20


def committed_run(root: Path, commit: str) -> RunRecord | None:
    """The newest successful run record committed in `commit`'s tree, if any."""
    folder = RUNS_DIR.as_posix()
    names = [
        n
        for n in list_dir(root, commit, folder)
        if n.endswith(".json") and Path(n).parent.as_posix() == folder
    ]
    # Ids start with the UTC start time, so names sort by age.
    for name in sorted(names, reverse=True)[:_MAX_READS]:
        try:  # the one JSON parser, the one shape check of records
            data = parse_json_text(show_file(root, commit, name).decode())
            record = parse_run(data, f"{commit}:{name}")  # schema checked too
        except (GitError, ValueError, InputError):  # UnicodeDecodeError is a ValueError
            continue  # a malformed record is skipped, as `mlci runs list` does
        if record.succeeded:
            return record
    return None


def base_run(root: Path, baseline: Baseline) -> RunRecord | None:
    """The baseline's own run record (a records-branch, local or file record), else the
    newest one committed at its commit."""
    if baseline.record is not None:
        return baseline.record
    if baseline.commit is None:
        return None
    return committed_run(root, baseline.commit)
