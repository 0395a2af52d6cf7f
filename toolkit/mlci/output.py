"""The one output writer: every file a command writes goes through `write_output`.

It creates parent folders, writes atomically (a temporary file in the same folder,
then a rename, so a reader never sees half a report and a failed write leaves the old
file whole), and refuses to write over any file the command reads. Readers call
`remember_input` for every file they open, so `mlci drift check --json data/current.csv`
is refused instead of overwriting the data it just read.

`STDOUT` ("-") as a path means standard output: `--json` with no value, or `--json -`.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from mlci.errors import UsageError

STDOUT = "-"

# Files read by the running command (resolved paths). A CLI process runs one command;
# tests that invoke several commands in one process call `forget_inputs` between them
# (the CLI does it at the start of every command).
_inputs: set[Path] = set()


def _key(path: str | Path) -> Path:
    try:
        return Path(path).expanduser().resolve()
    except (OSError, RuntimeError):
        return Path(os.path.abspath(path))


def remember_input(path: str | Path) -> None:
    """Note that the running command reads `path`: no output may be written over it."""
    if str(path) != STDOUT:
        _inputs.add(_key(path))


def forget_inputs() -> None:
    _inputs.clear()


@contextlib.contextmanager
def inputs_scope() -> Iterator[None]:
    """A fresh set of remembered inputs for one command."""
    saved = set(_inputs)
    _inputs.clear()
    try:
        yield
    finally:
        _inputs.clear()
        _inputs.update(saved)


def _same_file(a: Path, b: Path) -> bool:
    if a == b:
        return True
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def check_output_path(
    path: str | Path, *, inputs: Iterable[str | Path] = (), option: str | None = None
) -> None:
    """Refuse an output path that is a folder or one of the command's inputs.

    Call it before the work starts, so a bad target fails fast; `write_output` checks
    again (the set of inputs may have grown while the command ran).
    """
    if str(path) == STDOUT:
        return
    target = _key(path)
    named = f"{option} {path}" if option else str(path)
    if target.is_dir():
        raise UsageError(f"{named}: is a folder, not a file", "pass the path of a file to write")
    for source in [*(_key(p) for p in inputs if str(p) != STDOUT), *_inputs]:
        if _same_file(target, source):
            raise UsageError(
                f"{named}: is a file this command reads; writing there would overwrite it",
                "write the output to another path",
            )


def check_distinct_outputs(paths: Iterable[tuple[str, str | Path | None]]) -> None:
    """Refuse two outputs of one command that name the same file (`--json x --md x`)."""
    seen: dict[Path, str] = {}
    for option, path in paths:
        if path is None or str(path) == STDOUT:
            continue
        key = _key(path)
        if key in seen:
            raise UsageError(
                f"{option} {path}: the same file as {seen[key]}",
                "give each output its own path",
            )
        seen[key] = option


def write_output(
    path: str | Path,
    content: str | bytes,
    *,
    inputs: Iterable[str | Path] = (),
    option: str | None = None,
) -> Path | None:
    """Write `content` to `path` (or standard output for "-"); returns the path written.

    Text gets a final newline when it lacks one.
    """
    if isinstance(content, str) and content and not content.endswith("\n"):
        content += "\n"
    if str(path) == STDOUT:
        import click

        if isinstance(content, bytes):
            import sys

            sys.stdout.flush()
            sys.stdout.buffer.write(content)
            sys.stdout.buffer.flush()
        else:
            click.echo(content, nl=False)
        return None
    check_output_path(path, inputs=inputs, option=option)
    return write_file(path, content, option=option)


def write_file(path: str | Path, content: str | bytes, *, option: str | None = None) -> Path:
    """The write itself: parent folders made, atomic, errors as one line (exit 2).

    For writers with an overwrite policy of their own (`mlci init`/`generate`, which
    keep files a person edited; the dry-run outbox); commands use `write_output`.
    """
    target = Path(path)
    named = f"{option} {path}" if option else str(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise UsageError(
            f"{named}: a parent of this path is a file, not a folder", "choose another path"
        ) from None
    except OSError as error:
        raise UsageError(
            f"{named}: cannot create its folder ({error.strerror or error})",
            "check the path and its permissions",
        ) from None
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    except OSError as error:
        raise UsageError(
            f"{named}: cannot be written ({error.strerror or error})",
            "check the path and its permissions",
        ) from None
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        if target.exists():
            with contextlib.suppress(OSError):
                os.chmod(temporary, target.stat().st_mode & 0o7777)
        else:
            os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, target)
    except OSError as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise UsageError(
            f"{named}: cannot be written ({error.strerror or error})",
            "check the path, its permissions and the free disk space",
        ) from None
    return target


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
