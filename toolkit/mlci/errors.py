"""The one error tree of mlci and the one table that maps errors to exit codes.

Core code raises these; only the CLI turns them into a message and an exit code.
Every message should name the file and the key it is about; the hint says how to fix it.
"""

from __future__ import annotations

from typing import Any

# Exit codes, as documented in the README and DESIGN.md.
EXIT_OK = 0
EXIT_GATE_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_SERVICE_FAILED = 3
EXIT_INTERNAL = 4


class MlciError(Exception):
    """Base of every error a user can cause or an outside service can cause."""

    exit_code = EXIT_BAD_INPUT

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __reduce__(self) -> tuple[Any, ...]:
        # Errors raised on a Dask worker or a Spark executor come back pickled; the default
        # would rebuild them from the message alone and lose the hint.
        return (type(self), (self.message, self.hint), self.__dict__)

    def one_line(self) -> str:
        """The message and its hint on a single line, as the CLI prints it."""
        # Library messages (pyarrow, YAML, git) may span lines: the promise is one line.
        text = " ".join(self.message.split()).rstrip(".")
        if self.hint:
            return f"{text}. Fix: {' '.join(self.hint.split())}"
        return f"{text}."


class ConfigError(MlciError):
    """mlci.yaml (or another config file) is missing, malformed or invalid."""


class InputError(MlciError):
    """A file or argument the user gave cannot be used (missing, unreadable, malformed)."""


class UsageError(MlciError):
    """The command was called in a way that cannot work (e.g. target exists)."""


class GateFailed(MlciError):
    """A validation, data-quality or drift gate failed."""

    exit_code = EXIT_GATE_FAILED


class ServiceError(MlciError):
    """GitHub or another service failed after retries."""

    exit_code = EXIT_SERVICE_FAILED
