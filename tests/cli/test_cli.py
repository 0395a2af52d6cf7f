import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from mlci import __version__
from mlci.cli import COMMANDS, cli
from mlci.cli._lazy import LazyGroup
from mlci.errors import EXIT_INTERNAL, GateFailed, InputError, ServiceError


def all_commands():
    """Every command path under `mlci`, nested groups included."""
    ctx = click.Context(cli)
    found = []

    def walk(group, path):
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            found.append((*path, name))
            if isinstance(command, click.Group):
                walk(command, (*path, name))

    walk(cli, ())
    return found


def test_every_registered_command_loads():
    ctx = click.Context(cli)
    for name in COMMANDS:
        assert isinstance(cli.get_command(ctx, name), click.Command), name


@pytest.mark.parametrize("path", all_commands(), ids=" ".join)
def test_every_command_has_help_with_an_example(path):
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example:" in result.output, f"mlci {' '.join(path)} --help has no Example: block"
    example = result.output.split("Example:", 1)[1]
    assert f"mlci {path[0]}" in example, "the example should show the command itself"


def test_top_level_help_and_version():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output
    for name in COMMANDS:
        assert name in result.output
    result = CliRunner().invoke(cli, ["--version"])
    assert result.output == f"mlci, version {__version__}\n"


def test_python_dash_m_and_no_heavy_imports_on_help():
    code = (
        "import sys, runpy\n"
        "sys.argv = ['mlci', '--help']\n"
        "try:\n"
        "    runpy.run_module('mlci', run_name='__main__')\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = [m for m in ('pandas', 'sklearn', 'scipy', 'github', 'numpy', 'jinja2',"
        " 'matplotlib', 'yaml') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "Usage: mlci" in out.stdout
    assert "HEAVY []" in out.stdout


def test_subcommand_help_does_not_import_heavy_libraries():
    for path in all_commands():
        code = (
            "import sys\nfrom mlci.cli import cli\n"
            f"try:\n    cli({[*path, '--help']!r}, prog_name='mlci')\n"
            "except SystemExit:\n    pass\n"
            "heavy = [m for m in ('pandas', 'sklearn', 'scipy', 'github', 'matplotlib')"
            " if m in sys.modules]\nprint('HEAVY', heavy)\n"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        assert "HEAVY []" in out.stdout, (path, out.stdout[-300:])


def make_group(error):
    @click.group(cls=LazyGroup)
    def group():
        """Test group."""

    @group.command()
    def boom():
        """Raises."""
        raise error

    return group


@pytest.mark.parametrize(
    ("error", "code", "line"),
    [
        (
            InputError("data.csv: no column 'x'", "pass an existing column"),
            2,
            "Error: data.csv: no column 'x'. Fix: pass an existing column\n",
        ),
        (GateFailed("gate accuracy failed"), 1, "Error: gate accuracy failed.\n"),
        (
            ServiceError("GitHub said 502", "try again later"),
            3,
            "Error: GitHub said 502. Fix: try again later\n",
        ),
    ],
)
def test_errors_map_to_exit_codes_in_one_place(error, code, line):
    result = CliRunner().invoke(make_group(error), ["boom"])
    assert result.exit_code == code
    assert result.output == line


def test_unexpected_exception_exits_4_with_traceback():
    result = CliRunner().invoke(make_group(ZeroDivisionError("oops")), ["boom"])
    assert result.exit_code == EXIT_INTERNAL
    assert "Traceback" in result.output
    assert "ZeroDivisionError: oops" in result.output
    assert "internal error (a bug)" in result.output


def test_unknown_command_is_a_usage_error():
    result = CliRunner().invoke(cli, ["no-such-command"])
    assert result.exit_code == 2
    assert "No such command" in result.output


def test_unwritable_output_path_exits_2_naming_it(tmp_path, monkeypatch):
    # -o under a file (a missing folder is created): the user's path, not a bug (was exit 4).
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.json").write_text('{"accuracy": 0.9}\n', encoding="utf-8")
    (tmp_path / "notes.txt").write_text("a file, not a folder\n", encoding="utf-8")
    target = tmp_path / "notes.txt" / "manifest.json"
    result = CliRunner().invoke(cli, ["data", "manifest", "m.json", "-o", str(target)])
    assert result.exit_code == 2, result.output
    assert result.output.endswith(
        f"Error: -o {target}: a parent of this path is a file, not a folder. "
        "Fix: choose another path\n"
    )
    assert "Traceback" not in result.output


def test_oserror_without_a_path_is_still_a_bug():
    result = CliRunner().invoke(make_group(OSError("socket closed")), ["boom"])
    assert result.exit_code == EXIT_INTERNAL
    assert "Traceback" in result.output
