"""A click group that imports a subcommand only when it is used.

Keeps `mlci --help` fast: the command modules themselves import only click at the
top, and the heavy libraries (pandas, sklearn, github) inside the functions.
"""

from __future__ import annotations

import importlib
import sys
import traceback
import typing
from typing import Any

import click

from mlci.errors import EXIT_INTERNAL, InputError, MlciError


class MlciClickError(click.ClickException):
    """An MlciError on its way out through click, with its own exit code."""

    def __init__(self, error: MlciError) -> None:
        super().__init__(error.one_line())
        self.exit_code = error.exit_code  # type: ignore[misc]  # click types it as a ClassVar

    def format_message(self) -> str:
        return self.message


def run_guarded(ctx: click.Context, invoke: Any) -> Any:
    """Run a command, mapping our errors to exit codes and bugs to exit 4."""
    try:
        return invoke(ctx)
    except BrokenPipeError:
        _quiet_broken_pipe()
    except MlciError as error:
        raise MlciClickError(error) from None
    except click.exceptions.UsageError as error:
        _add_fix(error)
        raise
    except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
        raise
    except KeyboardInterrupt:
        raise click.exceptions.Abort() from None
    except OSError as error:
        # A path the user named cannot be written or read (a missing folder, no
        # permission, a full disk): their environment, not a bug, so exit 2 in one line.
        if error.filename is None:
            _report_bug()
        raise MlciClickError(
            InputError(
                f"{error.filename}: {error.strerror or error}",
                "check the path and its permissions",
            )
        ) from None
    except Exception:
        _report_bug()


def _add_fix(error: click.exceptions.UsageError) -> None:
    """Click's own usage errors get a `Fix:` like every other error of mlci, on one line."""
    guesses = getattr(error, "possibilities", None)  # unknown options (and commands, click 8.4+)
    if guesses:
        error.possibilities = None  # type: ignore[attr-defined]  # said in the fix; not twice
    message = " ".join(error.format_message().split())
    if "Fix:" in message:
        return
    command = error.ctx.command_path if error.ctx is not None else "mlci"
    group = error.ctx.command if error.ctx is not None else None
    if message.startswith("No such command") and isinstance(group, click.Group):
        import difflib

        name = message.split("'")[1] if message.count("'") >= 2 else ""
        guesses = difflib.get_close_matches(name, group.list_commands(error.ctx))  # type: ignore[arg-type]
    hint = f"see `{command} --help` for what it accepts"
    if guesses:
        hint = f"did you mean {' or '.join(sorted(guesses))}?"
    text = f"{message.rstrip('.').rstrip()}. Fix: {hint}"
    # BadParameter and MissingParameter compose their text in format_message: replace it.
    error.format_message = lambda: text  # type: ignore[method-assign]


def _quiet_broken_pipe() -> typing.NoReturn:
    """The reader of our output went away (`mlci ... | head`): stop quietly, no traceback."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    sys.exit(0)


def _report_bug() -> typing.NoReturn:
    traceback.print_exc()
    click.echo(
        "Error: mlci hit an internal error (a bug). Please report it with the traceback above.",
        err=True,
    )
    sys.exit(EXIT_INTERNAL)


class LazyGroup(click.Group):
    """Subcommands given as 'module:attribute' strings, imported on first use."""

    def __init__(self, *args: Any, lazy_commands: dict[str, str] | None = None, **kw: Any):
        super().__init__(*args, **kw)
        self.lazy_commands = dict(lazy_commands or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self.lazy_commands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy_commands:
            module_name, attribute = self.lazy_commands[cmd_name].split(":")
            command = getattr(importlib.import_module(module_name), attribute)
            if not isinstance(command, click.Command):
                raise TypeError(f"{self.lazy_commands[cmd_name]} is not a click command")
            return command
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        from mlci.output import inputs_scope

        with inputs_scope():
            return run_guarded(ctx, super().invoke)


class GuardedGroup(click.Group):
    """A nested group (e.g. `mlci config`) whose commands map errors the same way."""

    def invoke(self, ctx: click.Context) -> Any:
        return run_guarded(ctx, super().invoke)
