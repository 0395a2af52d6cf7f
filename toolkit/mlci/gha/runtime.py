"""Inputs, outputs, step summary, annotations, log groups and masking for Actions.

Follows the workflow-command protocol GitHub documents: outputs go to the file in
$GITHUB_OUTPUT as heredoc blocks, the summary is appended to $GITHUB_STEP_SUMMARY,
and annotations, groups and masks are `::command::` lines on stdout.
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from mlci.errors import InputError as _MlciInputError

TRUE_WORDS = ("true", "True", "TRUE")
FALSE_WORDS = ("false", "False", "FALSE")

# Where outputs and the summary go when not running in Actions.
LOCAL_DIR = Path(".mlci") / "actions"


class InputError(_MlciInputError):
    """An Actions input has a value that cannot be used."""


def parse_bool(name: str, value: str) -> bool:
    """YAML 1.2 core-schema booleans only, as GitHub's own toolkit accepts."""
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise InputError(
        f"input '{name}': {value!r} is not a boolean",
        "use true or false (YAML 1.2 core schema: true|True|TRUE|false|False|FALSE)",
    )


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


class ActionsRuntime:
    """The Actions side of a command; `env` and `stream` are injectable for tests."""

    def __init__(
        self,
        env: Mapping[str, str] | None = None,
        stream: TextIO | None = None,
        local_dir: Path | None = None,
    ) -> None:
        self.env = dict(os.environ if env is None else env)
        self.stream = stream if stream is not None else sys.stdout
        self.local_dir = local_dir or LOCAL_DIR

    @property
    def in_actions(self) -> bool:
        return self.env.get("GITHUB_ACTIONS") == "true"

    # -- inputs ------------------------------------------------------------------------
    def get_input(self, name: str, *, required: bool = False, default: str = "") -> str:
        """INPUT_<NAME> (spaces become underscores, upper case), trimmed."""
        key = "INPUT_" + name.replace(" ", "_").upper()
        value = self.env.get(key, "").strip()
        if not value:
            if required:
                raise InputError(
                    f"input '{name}' is required and was not given",
                    f"set `{name}:` under `with:` in the workflow step",
                )
            return default
        return value

    def get_bool_input(self, name: str, *, default: bool = False) -> bool:
        value = self.get_input(name)
        if not value:
            return default
        return parse_bool(name, value)

    # -- outputs -----------------------------------------------------------------------
    def _file(self, variable: str, local_name: str) -> Path:
        path = self.env.get(variable)
        if path:
            return Path(path)
        self.local_dir.mkdir(parents=True, exist_ok=True)
        return self.local_dir / local_name

    def set_output(self, name: str, value: object) -> None:
        """Write `name` to $GITHUB_OUTPUT as a heredoc with a fresh random delimiter."""
        text = value if isinstance(value, str) else _stringify(value)
        delimiter = f"ghadelimiter_{uuid.uuid4()}"
        if delimiter in name or delimiter in text:  # practically impossible, but refuse
            raise InputError(
                f"output '{name}' contains its own delimiter", "this is a one in 2^122 event"
            )
        with self._file("GITHUB_OUTPUT", "outputs.txt").open("a", encoding="utf-8") as out:
            out.write(f"{name}<<{delimiter}\n{text}\n{delimiter}\n")

    def set_outputs(self, outputs: Mapping[str, object]) -> None:
        for name, value in outputs.items():
            self.set_output(name, value)

    def export_variable(self, name: str, value: str) -> None:
        delimiter = f"ghadelimiter_{uuid.uuid4()}"
        with self._file("GITHUB_ENV", "env.txt").open("a", encoding="utf-8") as out:
            out.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")

    # -- summary -----------------------------------------------------------------------
    @property
    def summary_path(self) -> Path:
        return self._file("GITHUB_STEP_SUMMARY", "step-summary.md")

    def append_summary(self, markdown: str) -> Path:
        path = self.summary_path
        with path.open("a", encoding="utf-8") as out:
            out.write(markdown if markdown.endswith("\n") else markdown + "\n")
        return path

    # -- workflow commands -------------------------------------------------------------
    def _command(self, command: str, message: str, **properties: object) -> None:
        props = ",".join(
            f"{key}={_escape_property(str(value))}"
            for key, value in properties.items()
            if value is not None
        )
        head = f"::{command} {props}" if props else f"::{command}"
        self.stream.write(f"{head}::{_escape_data(message)}\n")
        self.stream.flush()

    def annotate(
        self,
        level: str,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        title: str | None = None,
    ) -> None:
        """Emit an error, warning or notice annotation; outside Actions, a plain line."""
        if level not in ("error", "warning", "notice"):
            raise ValueError(f"unknown annotation level {level!r}")
        if not self.in_actions:
            where = f"{file}:{line}: " if file and line else (f"{file}: " if file else "")
            self.stream.write(f"{level}: {where}{title + ': ' if title else ''}{message}\n")
            return
        self._command(level, message, file=file, line=line, title=title)

    def error(self, message: str, **where: object) -> None:
        self.annotate("error", message, **where)  # type: ignore[arg-type]

    def warning(self, message: str, **where: object) -> None:
        self.annotate("warning", message, **where)  # type: ignore[arg-type]

    def notice(self, message: str, **where: object) -> None:
        self.annotate("notice", message, **where)  # type: ignore[arg-type]

    def mask(self, secret: str) -> None:
        if secret and self.in_actions:
            self._command("add-mask", secret)

    @contextmanager
    def group(self, title: str) -> Iterator[None]:
        """A collapsible log section in Actions; a heading line elsewhere."""
        if self.in_actions:
            self.stream.write(f"::group::{_escape_data(title)}\n")
        else:
            self.stream.write(f"== {title}\n")
        self.stream.flush()
        try:
            yield
        finally:
            if self.in_actions:
                self.stream.write("::endgroup::\n")
                self.stream.flush()


def _stringify(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, (list, tuple, dict)):
        import json

        return json.dumps(value)
    return str(value)
