"""The README stays true: its commands match CI and its CLI reference matches --help."""

import os
import re
from pathlib import Path

import click
from click.testing import CliRunner

from mlci.cli import cli

ROOT = Path(__file__).parent.parent
README = ROOT / "README.md"
START, END = "<!-- cli-reference:start -->", "<!-- cli-reference:end -->"


def command_paths():
    ctx = click.Context(cli)
    paths = []

    def walk(group, path):
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            paths.append((*path, name))
            if isinstance(command, click.Group):
                walk(command, (*path, name))

    walk(cli, ())
    return paths


def render_reference():
    blocks = []
    for path in [(), *command_paths()]:
        result = CliRunner().invoke(cli, [*path, "--help"], prog_name="mlci", terminal_width=100)
        assert result.exit_code == 0, result.output
        title = " ".join(("mlci", *path))
        blocks.append(f"### `{title}`\n\n```text\n{result.output.rstrip()}\n```\n")
    return "\n" + "\n".join(blocks)


def test_cli_reference_is_current():
    text = README.read_text()
    before, rest = text.split(START, 1)
    _, after = rest.split(END, 1)
    expected = before + START + render_reference() + END + after
    if os.environ.get("MLCI_UPDATE_DOCS") == "1":
        README.write_text(expected)
    assert text == expected, (
        "CLI reference is stale: run MLCI_UPDATE_DOCS=1 pytest tests/test_readme.py"
    )


def readme_commands():
    return re.findall(r"```bash\n(.+?)\n```", README.read_text(), flags=re.S)[:2]


def test_readme_opens_with_the_two_commands():
    demo, tests = readme_commands()
    assert 'pip install ".[governance]"' in demo and "mlci demo" in demo
    assert 'pip install -q -e ".[test]"' in tests and "pytest" in tests


def test_ci_runs_exactly_the_readme_test_command():
    _, tests = readme_commands()
    ci = (ROOT / ".ci" / "run").read_text()
    assert tests.strip() in ci
    for check in ("ruff check", "ruff format --check", "mypy"):
        assert check in ci
