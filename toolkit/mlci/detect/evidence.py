"""A guess about a repository and the evidence for it, as `mlci init` prints them.

Every detector returns `Guess`es: the mlci.yaml key, the value, and the evidence a
maintainer can check (`train.metrics: metrics.txt, written by train.py line 42`). A
detector that finds nothing returns no guess, and may say why in a `Note`; init never
writes a value no evidence supports (a default stays a default, and is said to be one).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Guess:
    key: str  # the mlci.yaml key path: "train.metrics", "build.install"
    value: Any  # what init writes there (YAML-ready: str, list, dict, None)
    evidence: str  # why: "written by train.py line 42", "found requirements.txt"

    def line(self) -> str:
        """One line for the terminal: `train.metrics: metrics.txt, written by train.py line 42`."""
        shown = ", ".join(map(str, self.value)) if isinstance(self.value, list) else self.value
        if isinstance(shown, str):
            shown = " && ".join(shown.splitlines())  # a multi-line command, on one line
        return f"{self.key}: {'none' if shown is None else shown}, {self.evidence}"


@dataclass(frozen=True)
class Note:
    """What init could not tell, or a choice the user should know about (how to switch)."""

    key: str
    text: str

    def line(self) -> str:
        return f"{self.key}: {self.text}"


@dataclass(frozen=True)
class Detection:
    guesses: tuple[Guess, ...] = ()
    notes: tuple[Note, ...] = ()

    def get(self, key: str) -> Guess | None:
        return next((g for g in self.guesses if g.key == key), None)

    def __add__(self, other: Detection) -> Detection:
        return Detection(self.guesses + other.guesses, self.notes + other.notes)
