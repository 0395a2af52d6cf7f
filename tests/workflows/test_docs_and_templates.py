"""Committed copies stay equal to what the code renders."""

from __future__ import annotations

from tests.workflows.conftest import REPO_ROOT

from mlci.workflows.action_docs import END, START, actions_markdown
from mlci.workflows.starter import starter_files


def test_workflow_templates_equal_a_fresh_render() -> None:
    folder = REPO_ROOT / "workflow-templates"
    expected = starter_files()
    committed = {p.name: p.read_text() for p in folder.iterdir() if p.is_file()}
    assert sorted(committed) == sorted(expected), "run: python -m mlci.workflows.starter"
    for name, text in expected.items():
        assert committed[name] == text, f"{name}: run python -m mlci.workflows.starter"


def test_readme_action_tables_equal_the_action_files() -> None:
    readme = (REPO_ROOT / "README.md").read_text()
    block = readme.split(START, 1)[1].split(END, 1)[0]
    assert block == "\n" + actions_markdown(REPO_ROOT), (
        "run: python -m mlci.workflows.action_docs README.md"
    )
