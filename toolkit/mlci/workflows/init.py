"""`mlci init`: set a repository up (example, mlci.yaml, workflows) in one call."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mlci.config import CONFIG_FILE, load_config, parse_config
from mlci.errors import InputError
from mlci.workflows.files import FileChange, plan_change, write_files, write_generated
from mlci.workflows.guess import ConfigGuess, config_text, guess_config
from mlci.workflows.render import render_files

# Files of the packaged example that a user's repository does not need.
# (Hidden folders such as .pytest_cache are skipped as well.)
_SKIP_PARTS = {"__pycache__"}

# The workflows whose training job runs on train.runner.
_TRAINING_WORKFLOWS = (".github/workflows/mlci-train.yml", ".github/workflows/mlci-release.yml")


@dataclass(frozen=True)
class InitResult:
    changes: tuple[FileChange, ...]
    guess: ConfigGuess | None = None  # None when mlci.yaml existed (or came from the example)
    in_git_repository: bool = True
    # train.runner when a training workflow written targets self-hosted runners
    self_hosted_labels: tuple[str, ...] = ()
    dry_run: bool = False
    config_text: str | None = None  # the mlci.yaml written (or, in a dry run, that would be)

    @property
    def kept(self) -> tuple[FileChange, ...]:
        return tuple(c for c in self.changes if c.status == "kept")

    @property
    def notes(self) -> tuple[str, ...]:
        """The lines init prints about its guesses: each with its evidence, then the notes."""
        return self.guess.lines() if self.guess is not None else ()


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


def _planned(root: Path, files: list[tuple[str, str, bool]], force: bool) -> list[FileChange]:
    return [plan_change(root, p, t, force=force, generated=g) for p, t, g in files]


def init_project(
    root: Path,
    *,
    example: Path | None = None,
    force: bool = False,
    gpu: bool = False,
    dry_run: bool = False,
) -> InitResult:
    """Copy the example (if any), write mlci.yaml when missing, then the workflows.

    Only mlci.yaml (when there is none) and the generated files under .github/ are
    written; the project's own files are read, never changed (the example's files are
    copied only with --example, and files that exist are kept). With `dry_run`, nothing
    is written: the result lists what would be, and the mlci.yaml text.
    """
    if not root.is_dir():
        raise InputError(f"{root}: no such folder", "create it or run mlci init inside it")
    changes: list[FileChange] = []
    guess: ConfigGuess | None = None
    text: str | None = None
    copied = example_files(example) if example is not None else []
    copies = [(path, body, False) for path, body in copied]
    if copies:
        if dry_run:
            changes.extend(_planned(root, copies, force))
        else:
            changes.extend(write_files(root, copies, force=force).changes)
    config_path = root / CONFIG_FILE
    from_example = dict(copied).get(CONFIG_FILE)
    if config_path.exists():
        config = load_config(config_path, required=True)
    elif dry_run and from_example is not None:
        text = from_example
        config = parse_config(text)
    else:
        guess = guess_config(root, gpu=gpu)
        text = config_text(guess)
        if dry_run:
            changes.append(plan_change(root, CONFIG_FILE, text, force=False, generated=False))
            config = parse_config(text)
        else:
            changes.extend(write_files(root, [(CONFIG_FILE, text, False)], force=False).changes)
            config = load_config(config_path, required=True)
    rendered = render_files(config)
    if dry_run:
        generated = tuple(
            plan_change(root, f.path, f.text, force=force, generated=True) for f in rendered
        )
    else:
        generated = write_generated(root, rendered, force=force).changes
    changes.extend(generated)
    self_hosted = any(label.lower() == "self-hosted" for label in config.train.runner) and any(
        c.path in _TRAINING_WORKFLOWS and c.status in ("created", "updated", "overwritten")
        for c in generated
    )
    return InitResult(
        tuple(changes),
        guess,
        _in_git_repository(root),
        self_hosted_labels=config.train.runner if self_hosted else (),
        dry_run=dry_run,
        config_text=text,
    )


def _in_git_repository(root: Path) -> bool:
    from mlci.gitutil import GitError, run_git

    try:
        run_git(root, "rev-parse", "--git-dir")
    except GitError:
        return False
    return True
