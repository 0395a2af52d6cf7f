"""Finding the published run record of a commit (or its nearest ancestor) on the records branch.

Everything is read from the local repository: `refs/remotes/origin/<branch>` (what a
clone or fetch brings), else `refs/heads/<branch>`. When neither exists and the
repository has an `origin`, the branch is fetched once (shallow, no tags, never
prompting for credentials); a failed fetch is a note, since a new repository has
no records yet.

The search costs two git calls whatever the distance: one `ls-tree` lists the
commits that have a record, one `rev-list --first-parent` walks the base's history;
only the record finally chosen is read. A record that is malformed, failed, made on
a dirty tree or filed under another commit is skipped with a note, and the walk goes
on to the next ancestor.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from mlci.documents import parse_json_text
from mlci.errors import InputError
from mlci.gitutil import GitError, run_git, show_file
from mlci.records.layout import RECORDS_DIR, record_folder
from mlci.train.record import RunRecord, parse_run

_ENTRY = re.compile(rf"^\d+ blob ([0-9a-f]{{40}})\t{RECORDS_DIR}/([0-9a-f]{{40}})\.json$")
FETCH_TIMEOUT_S = 60


@dataclass(frozen=True)
class FoundRecord:
    record: RunRecord
    commit: str  # the commit that has the record
    distance: int  # first-parent steps from the commit asked for (0: that commit itself)
    source: str  # the branch it was read from, e.g. "origin/mlci/records"
    notes: tuple[str, ...] = ()  # records skipped on the way, fetch problems


@dataclass(frozen=True)
class RecordsBranch:
    ref: str | None  # the full ref read ("refs/remotes/origin/mlci/records"); None: no branch
    source: str  # how to name it: "origin/mlci/records" or "mlci/records"
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class RecordSearch:
    branch: RecordsBranch
    found: FoundRecord | None
    notes: tuple[str, ...] = ()  # the branch's notes and the records skipped


def _ref_exists(root: Path, ref: str) -> bool:
    try:
        run_git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except GitError:
        return False
    return True


def _local_ref(root: Path, branch: str) -> RecordsBranch | None:
    for ref, source in (
        (f"refs/remotes/origin/{branch}", f"origin/{branch}"),
        (f"refs/heads/{branch}", branch),
    ):
        if _ref_exists(root, ref):
            return RecordsBranch(ref, source)
    return None


def _fetch(root: Path, branch: str) -> str | None:
    """Fetch the records branch from origin; None on success, else why not (one line)."""
    refspec = f"+refs/heads/{branch}:refs/remotes/origin/{branch}"
    command = [
        "git",
        # Never wait for a person: no credential prompt (askpass answers empty).
        "-c",
        "core.askPass=true",
        "fetch",
        "--quiet",
        "--no-tags",
        "--depth=1",
        "origin",
        refspec,
    ]
    try:
        done = subprocess.run(
            command,
            cwd=root,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=FETCH_TIMEOUT_S,
            check=False,
        )
    except FileNotFoundError:
        return "git is not installed"
    except subprocess.TimeoutExpired:
        return f"git fetch timed out after {FETCH_TIMEOUT_S} s"
    if done.returncode != 0:
        lines = (done.stderr.strip() or done.stdout.strip()).splitlines()
        return lines[0] if lines else "git fetch failed"
    return None


def records_branch(root: Path, branch: str, *, fetch: bool = True) -> RecordsBranch:
    """The records branch as the local repository has it, fetched from origin if absent."""
    found = _local_ref(root, branch)
    if found is not None:
        return found
    try:
        remotes = run_git(root, "remote").split()
    except GitError:
        remotes = []
    if not fetch or "origin" not in remotes:
        return RecordsBranch(
            None, branch, (f"no branch {branch} in this repository: no published baselines",)
        )
    problem = _fetch(root, branch)
    found = _local_ref(root, branch)
    if found is not None:
        return found
    why = f"could not fetch it from origin ({problem})" if problem else "origin has none"
    return RecordsBranch(
        None, branch, (f"no branch {branch} here and {why}: no published baselines",)
    )


def _recorded(root: Path, ref: str) -> dict[str, str]:
    """Commit -> blob SHA of every `records/<commit>.json` on the branch (one git call)."""
    try:
        out = run_git(root, "ls-tree", ref, f"{RECORDS_DIR}/")
    except GitError:
        return {}
    return {m.group(2): m.group(1) for line in out.splitlines() if (m := _ENTRY.match(line))}


def _first_parents(root: Path, commit: str, count: int) -> list[str]:
    try:
        out = run_git(root, "rev-list", "--first-parent", f"--max-count={count}", commit)
    except GitError:
        return []
    return out.split()


def _read(root: Path, blob: str, commit: str, where: str) -> tuple[RunRecord | None, str | None]:
    """(record, None) or (None, why it is skipped)."""
    name = f"{where}:{RECORDS_DIR}/{commit}.json"
    try:
        data = parse_json_text(run_git(root, "cat-file", "blob", blob))
        record = parse_run(data, name)  # schema checked too
    except (GitError, ValueError, InputError) as error:  # UnicodeDecodeError is a ValueError
        text = getattr(error, "message", None) or str(error)
        return None, f"{name}: skipped, not a readable run record ({text})"
    if record.commit != commit:
        return None, f"{name}: skipped, it holds the record of commit {str(record.commit)[:7]}"
    if not record.succeeded:
        return None, f"{name}: skipped, run {record.id} {record.status}"
    if record.git.get("dirty") is not False:
        return None, f"{name}: skipped, run {record.id} was trained on uncommitted changes"
    return record, None


def search_records(
    root: Path, branch: str, commit: str, max_distance: int, *, fetch: bool = True
) -> RecordSearch:
    """The record of `commit` or of its nearest first-parent ancestor within `max_distance`."""
    root = Path(root)
    where = records_branch(root, branch, fetch=fetch)
    notes = list(where.notes)
    if where.ref is None:
        return RecordSearch(where, None, tuple(notes))
    recorded = _recorded(root, where.ref)
    if not recorded:
        notes.append(f"branch {where.source} holds no {RECORDS_DIR}/<commit>.json yet")
        return RecordSearch(where, None, tuple(notes))
    for distance, candidate in enumerate(_first_parents(root, commit, max_distance + 1)):
        blob = recorded.get(candidate)
        if blob is None:
            continue
        record, skipped = _read(root, blob, candidate, where.source)
        if record is None:
            notes.append(str(skipped))
            continue
        found = FoundRecord(record, candidate, distance, where.source, tuple(notes))
        return RecordSearch(where, found, tuple(notes))
    notes.append(
        f"branch {where.source} has no record of {commit[:7]} "
        f"or of its {max_distance} nearest ancestors (baseline.max_distance)"
    )
    return RecordSearch(where, None, tuple(notes))


def find_record(
    root: Path, branch: str, commit: str, max_distance: int, *, fetch: bool = True
) -> FoundRecord | None:
    """The record of `commit` or its nearest ancestor on `branch`, or None (see module)."""
    return search_records(root, branch, commit, max_distance, fetch=fetch).found


def extract_record_folder(root: Path, branch: str, commit: str, target: Path) -> bool:
    """Copy `records/<commit>/` of the records branch (the record's plot data) to `target`.

    The report overlays the base's plots from it, as it does from a local run folder.
    False when the branch or the folder is not there (nothing is written then).
    """
    from mlci.output import write_file

    where = records_branch(Path(root), branch, fetch=False)
    if where.ref is None:
        return False
    prefix = f"{record_folder(commit)}/"
    try:
        names = run_git(root, "ls-tree", "-r", "--name-only", where.ref, prefix).splitlines()
    except GitError:
        return False
    written = False
    for name in names:
        relative = name[len(prefix) :]
        if not name.startswith(prefix) or ".." in Path(relative).parts:
            continue
        try:
            content = show_file(root, where.ref, name)
        except GitError:
            continue
        write_file(target / relative, content)
        written = True
    return written
