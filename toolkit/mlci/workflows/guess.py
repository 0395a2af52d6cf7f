"""Guess a first mlci.yaml from what a repository already holds, with the evidence.

The detectors of `mlci.detect` each read one concern: installs, tests, training (the
command and what it writes), runners and data. This module merges their guesses into
the mlci.yaml mapping, in the config's key order, and keeps the evidence of every
value and every note, so `mlci init` can print `guessed train.metrics: metrics.txt,
written by train.py line 42`.

Rules the merge keeps:
- a path the training does not write (model, metrics, plots) stays out: the key is
  written as null (or []) so the schema's default (model.joblib, metrics.json) does not
  slip in, and a note says so;
- the project's own files are read, never changed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlci.detect.evidence import Detection, Guess, Note
from mlci.detect.files import project_files

TRAIN_SCRIPTS = ("train.py", "src/train.py", "scripts/train.py", "training/train.py")
PARAMS_FILES = ("params.yaml", "params.yml", "params.json")
# Keys in the order mlci.yaml lists them; the printed guesses follow it.
KEY_ORDER = (
    "project",
    "build.install",
    "build.test",
    "build.python",
    "train.command",
    "train.params",
    "train.metrics",
    "train.model",
    "train.plots",
    "train.images",
    "train.data",
    "train.runner",
    "data.reference",
    "data.current",
    "github.default_branch",
)
# Keys that the training detection owns; the fallback guesses only what exists.
_TRAINING_KEYS = ("train.command", "train.params", "train.metrics", "train.model", "train.plots")
_WRITTEN_KEYS: dict[str, tuple[Any, str | None]] = {
    "train.metrics": (
        [],
        "no script of the project writes a metrics file that mlci found: list the files "
        "your training writes (JSON, YAML, CSV, key: value text) in train.metrics",
    ),
    "train.model": (
        None,
        "no script saves a model file that mlci found: set train.model to the file your "
        "training writes, to get its hash in the run record",
    ),
    "train.plots": (None, None),
    "train.params": (
        None,
        "no parameters file (params.yaml) found: set train.params when your training reads one",
    ),
}


@dataclass(frozen=True)
class ConfigGuess:
    data: dict[str, Any]  # the mlci.yaml mapping
    guesses: tuple[Guess, ...] = ()  # the values written, with their evidence
    notes: tuple[Note, ...] = ()  # what init could not tell, and how to switch

    def lines(self) -> tuple[str, ...]:
        """What `mlci init` prints: each guess with its evidence, then each note."""
        return tuple(f"guessed {g.line()}" for g in self.guesses) + tuple(
            f"note: {n.line()}" for n in self.notes
        )


def _fallback_training(root: Path) -> Detection:
    """Until `mlci.detect.training` exists: a training script by name and params.yaml."""
    guesses = []
    script = next((s for s in TRAIN_SCRIPTS if (root / s).is_file()), None)
    if script:
        guesses.append(Guess("train.command", f"python {script}", f"found {script}"))
    params = next((p for p in PARAMS_FILES if (root / p).is_file()), None)
    if params:
        guesses.append(Guess("train.params", params, f"found {params}"))
    return Detection(tuple(guesses))


def _training(root: Path) -> Detection:
    try:
        from mlci.detect.training import detect_training
    except ImportError:
        return _fallback_training(root)
    return detect_training(root)


def _set(config: dict[str, Any], key: str, value: Any) -> None:
    *parents, last = key.split(".")
    node = config
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value


def _with_prefix(command: str, prefix: str) -> str:
    """`uv run ` before each step of a command chain, where it is not there yet."""
    if not prefix:
        return command
    steps = [step.strip() for step in command.split("&&")]
    return " && ".join(s if s.startswith(prefix.strip()) else prefix + s for s in steps)


def _git_branch(root: Path) -> str | None:
    from mlci.gitutil import GitError, run_git

    for args in (
        ("symbolic-ref", "--short", "refs/remotes/origin/HEAD"),
        ("symbolic-ref", "--short", "HEAD"),
    ):
        try:
            branch = run_git(root, *args).strip()
        except GitError:
            continue
        if branch:
            return branch.removeprefix("origin/")
    return None


def guess_config(root: Path, *, gpu: bool = False) -> ConfigGuess:
    """The mlci.yaml mapping a careful maintainer would write first, with its evidence."""
    from mlci.detect.data import detect_data
    from mlci.detect.installs import detect_installs
    from mlci.detect.runners import detect_runner
    from mlci.detect.testing import detect_tests

    files = project_files(root)
    installs = detect_installs(root, files)
    training = _training(root)
    chosen: dict[str, Guess] = {
        "project": Guess("project", root.resolve().name, "the repository folder's name")
    }
    notes: list[Note] = []

    install = installs.detection.get("build.install")
    extra = [g for g in training.guesses if g.key == "build.install"]
    if install is not None:
        if extra:
            lines = [install.value, *(g.value for g in extra if g.value not in install.value)]
            evidence = "; ".join([install.evidence, *(g.evidence for g in extra)])
            install = Guess("build.install", "\n".join(lines), evidence)
        chosen["build.install"] = install
    python = installs.detection.get("build.python")
    if python is not None:
        chosen["build.python"] = python
    notes.extend(installs.detection.notes)

    tests = detect_tests(root, files, installs)
    chosen.update({g.key: g for g in tests.guesses})
    notes.extend(tests.notes)

    for guess in training.guesses:
        if guess.key in ("build.install", "train.runner.gpu"):
            continue
        if guess.key == "train.command" and installs.run_prefix:
            value = _with_prefix(str(guess.value), installs.run_prefix)
            guess = Guess(
                guess.key, value, f"{guess.evidence}; run through `{installs.run_prefix.strip()}`"
            )
        if guess.key == "train.metrics" and isinstance(guess.value, str):
            guess = Guess(guess.key, [guess.value], guess.evidence)
        chosen.setdefault(guess.key, guess)
    notes.extend(training.notes)
    if "train.command" not in chosen:
        # The schema's placeholder, written so the file says it; no guess, only a note.
        chosen["train.command"] = Guess("train.command", "python train.py", "none found")
        if not any(n.key == "train.command" for n in notes):
            notes.append(
                Note(
                    "train.command",
                    "no training script, MLproject, dvc.yaml or notebook found: set it by hand",
                )
            )
    for key, (empty, text) in _WRITTEN_KEYS.items():
        if key not in chosen:
            chosen[key] = Guess(key, empty, "none found")
            if text and not any(n.key == key for n in notes):
                notes.append(Note(key, text))

    runner = detect_runner(
        root, files, installs.dependencies, training.get("train.runner.gpu"), gpu=gpu
    )
    chosen.update({g.key: g for g in runner.guesses})
    notes.extend(runner.notes)

    outputs = []
    for key in ("train.metrics", "train.model", "train.plots", "train.images"):
        if key not in chosen:
            continue
        value = chosen[key].value
        outputs.extend(value if isinstance(value, list) else [value] if value else [])
    data = detect_data(root, files, tuple(str(o) for o in outputs))
    for guess in data.guesses:
        chosen.setdefault(guess.key, guess)
    notes.extend(data.notes)

    branch = _git_branch(root)
    if branch and branch != "main":
        chosen["github.default_branch"] = Guess(
            "github.default_branch", branch, "the branch checked out now"
        )

    config: dict[str, Any] = {}
    ordered = [chosen[key] for key in KEY_ORDER if key in chosen]
    for guess in ordered:
        _set(config, guess.key, guess.value)
    shown = [g for g in ordered if g.evidence != "none found"]
    return ConfigGuess(config, tuple(shown), tuple(sorted(dict.fromkeys(notes), key=_key_rank)))


def _key_rank(note: Note) -> int:
    """Notes in the config's key order too (a sub-key sorts with its key)."""
    key = note.key
    while key not in KEY_ORDER and "." in key:
        key = key.rsplit(".", 1)[0]
    matches = [i for i, k in enumerate(KEY_ORDER) if k == key or k.startswith(key + ".")]
    return matches[0] if matches else len(KEY_ORDER)


class _Dumper:
    """yaml.SafeDumper that writes multi-line strings as literal blocks (`|`)."""

    @staticmethod
    def make() -> Any:
        import yaml

        class Dumper(yaml.SafeDumper):
            pass

        def text(dumper: Any, value: str) -> Any:
            style = "|" if "\n" in value else None
            return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

        Dumper.add_representer(str, text)
        return Dumper


def _comments(guess: ConfigGuess) -> dict[str, list[str]]:
    """Key path -> the comment lines written above it: its evidence, then its notes."""
    import textwrap

    comments: dict[str, list[str]] = {}
    for item, text in [(g.key, f"guessed: {g.evidence}") for g in guess.guesses] + [
        (n.key, f"note: {n.text}") for n in guess.notes
    ]:
        key = item
        while "." in key and not _present(guess.data, key):
            key = key.rsplit(".", 1)[0]  # a note on a key not written goes to its section
        comments.setdefault(key, []).extend(textwrap.wrap(text, 88, subsequent_indent="  "))
    return comments


def _present(config: dict[str, Any], key: str) -> bool:
    node: Any = config
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


_KEY_LINE = re.compile(r"^( *)([A-Za-z_][\w-]*):")


def config_text(guess: ConfigGuess) -> str:
    """mlci.yaml as init writes it: a header, then each key under its evidence and notes."""
    import yaml

    body = yaml.dump(
        guess.data, Dumper=_Dumper.make(), sort_keys=False, default_flow_style=False, width=100
    )
    comments = _comments(guess)
    lines = [
        "# mlci configuration, guessed by `mlci init`: check every value, then run",
        "# `mlci generate`. `mlci config show` prints each setting with its default.",
    ]
    path: list[str] = []
    for line in body.splitlines():
        match = _KEY_LINE.match(line)
        if match:
            depth = len(match.group(1)) // 2
            path = [*path[:depth], match.group(2)]
            for comment in comments.pop(".".join(path), []):
                lines.append(f"{match.group(1)}# {comment}")
        lines.append(line)
    leftover = [c for key in comments for c in comments[key]]
    if leftover:  # notes about keys init did not write (train.plots: none found)
        lines[2:2] = ["#", *(f"# {c}" for c in leftover)]
    return "\n".join(lines) + "\n"
