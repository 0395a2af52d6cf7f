"""`mlci train`: run the user's training command and keep a run record in git's work tree.

Core API:
    run_training(config, cwd, *, on_output=None, env=None) -> RunRecord
    list_runs(cwd) -> list[RunRecord];  load_run(cwd, ref) -> RunRecord
    find_run_for_commit(cwd, commit) -> RunRecord | None
    compare_runs(a, b, config) -> RunComparison
"""

from mlci.train.compare import RunComparison, compare_runs
from mlci.train.record import (
    RUNS_DIR,
    RunRecord,
    find_run_for_commit,
    list_runs,
    load_run,
    record_path,
)
from mlci.train.run import run_training

__all__ = [
    "RUNS_DIR",
    "RunComparison",
    "RunRecord",
    "compare_runs",
    "find_run_for_commit",
    "list_runs",
    "load_run",
    "record_path",
    "run_training",
]
