"""`mlci init`: set a repository up (example, mlci.yaml, workflows) in one call."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mlci.config import CONFIG_FILE, load_config
from mlci.errors import InputError
from mlci.workflows.files import FileChange, WriteResult, write_files, write_generated
from mlci.workflows.guess import config_text, guess_config
from mlci.workflows.render import render_files

# Files of the packaged example that a user's repository does not need.
# (Hidden folders such as .pytest_cache are skipped as well.)
_SKIP_PARTS = {"__pycache__"}

# The workflows whose training job runs on train.runner.
_TRAINING_WORKFLOWS = (".github/workflows/mlci-train.yml", ".github/workflows/mlci-release.yml")


@dataclass(frozen=True)
class InitResult:
    changes: tuple[FileChange, ...]
    notes: tuple[str, ...]
    in_git_repository: bool = True
    # train.runner when a training workflow written targets self-hosted runners
    self_hosted_labels: tuple[str, ...] = ()

    @property
    def kept(self) -> tuple[FileChange, ...]:
        return tuple(c for c in self.changes if c.status == "kept")


def example_files(example: Path) -> list[tuple[str, str]]:
    """(relative path, text) of every file of an example project."""
    files = []
    for path in sorted(example.rglob("*")):
        relative = path.relative_to(example)
        # Hidden files are left out (caches), except the project's .gitignore.
        hidden = any(part.startswith(".") for part in relative.parts)
        if relative.as_posix() == ".gitignore":
            hidden = False
        if path.is_dir() or hidden or _SKIP_PARTS.intersection(relative.parts):
            continue
        files.append((relative.as_posix(), path.read_text(encoding="utf-8")))
    return files


def init_project(root: Path, *, example: Path | None = None, force: bool = False) -> InitResult:
    """Copy the example (if any), write mlci.yaml when missing, then the workflows."""
    if not root.is_dir():
        raise InputError(f"{root}: no such folder", "create it or run mlci init inside it")
    changes: list[FileChange] = []
    notes: tuple[str, ...] = ()
    if example is not None:
        copied = write_files(
            root, ((path, text, False) for path, text in example_files(example)), force=force
        )
        changes.extend(copied.changes)
    config_path = root / CONFIG_FILE
    if not config_path.exists():
        guess = guess_config(root)
        notes = guess.notes
        written = write_files(root, [(CONFIG_FILE, config_text(guess), False)], force=False)
        changes.extend(written.changes)
    config = load_config(config_path, required=True)
    result: WriteResult = write_generated(root, render_files(config), force=force)
    changes.extend(result.changes)
    self_hosted = any(label.lower() == "self-hosted" for label in config.train.runner) and any(
        c.path in _TRAINING_WORKFLOWS and c.status in ("created", "updated", "overwritten")
        for c in result.changes
    )
    return InitResult(
        tuple(changes),
        notes,
        _in_git_repository(root),
        self_hosted_labels=config.train.runner if self_hosted else (),
    )


def _in_git_repository(root: Path) -> bool:
    from mlci.gitutil import GitError, run_git

    try:
        run_git(root, "rev-parse", "--git-dir")
    except GitError:
        return False
    return True
