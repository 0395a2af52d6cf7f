"""The example projects shipped inside the package, by name."""

from __future__ import annotations

from pathlib import Path

from mlci.errors import UsageError

_HERE = Path(__file__).resolve().parent
# name -> folder inside the package; "sklearn" is the default example of `mlci init`.
EXAMPLES = {"sklearn": "example", "torch": "example_torch"}


def example_names() -> tuple[str, ...]:
    return tuple(EXAMPLES)


def example_path(name: str) -> Path:
    """The folder of example `name` ("sklearn" or "torch")."""
    if name not in EXAMPLES:
        raise UsageError(
            f"unknown example {name!r}",
            f"use one of: {', '.join(EXAMPLES)}",
        )
    return _HERE / EXAMPLES[name]
