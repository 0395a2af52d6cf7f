"""build.test: only when tests exist; `build.test: null` is the valid way to have none."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.workflows.conftest import render_into, require_tool

from mlci.config import parse_config
from mlci.detect.files import project_files
from mlci.detect.installs import detect_installs
from mlci.detect.testing import detect_tests
from mlci.errors import ConfigError
from mlci.workflows import render_files

Repo = Callable[[dict[str, str]], Path]


def guessed_test(root: Path) -> tuple[object, str, list[str]]:
    files = project_files(root)
    detection = detect_tests(root, files, detect_installs(root, files))
    guess = detection.get("build.test")
    assert guess is not None
    return guess.value, guess.evidence, [n.line() for n in detection.notes]


def test_no_tests_means_null_and_a_note(repo: Repo) -> None:
    root = repo({"train.py": "print(1)\n", "requirements.txt": "pytest\n"})
    value, evidence, notes = guessed_test(root)
    assert value is None
    assert evidence == "no tests in the repository"
    assert notes == [
        "build.test: no test files found (test_*.py or *_test.py): the CI job installs the "
        "project and runs no tests; set build.test when you add tests"
    ]


def test_tests_folder_with_pytest_listed(repo: Repo) -> None:
    root = repo(
        {
            "requirements.txt": "pytest>=8\n",
            "tests/test_train.py": "def test_x():\n    pass\n",
            "tests/test_data.py": "def test_y():\n    pass\n",
        }
    )
    value, evidence, notes = guessed_test(root)
    assert value == "pytest -q"
    assert evidence == "found tests/test_data.py and 1 more"
    assert notes == []


def test_pytest_is_installed_first_when_nothing_lists_it(repo: Repo) -> None:
    root = repo({"requirements.txt": "numpy\n", "model_test.py": "def test_x():\n    pass\n"})
    value, evidence, _ = guessed_test(root)
    assert value == "pip install pytest\npytest -q"
    assert evidence == (
        "found model_test.py; pytest is installed first: no dependency file lists it"
    )


def test_dev_requirements_go_to_the_test_job(repo: Repo) -> None:
    root = repo(
        {
            "requirements.txt": "numpy\n",
            "requirements-test.txt": "pytest\n",
            "tests/test_a.py": "",
        }
    )
    value, evidence, _ = guessed_test(root)
    assert value == "pip install -r requirements-test.txt\npytest -q"
    assert evidence.endswith("; found requirements-test.txt installs the test dependencies")


def test_testpaths_limit_what_counts(repo: Repo) -> None:
    root = repo(
        {
            "pyproject.toml": "[tool.pytest.ini_options]\ntestpaths = ['unit']\n",
            "examples/test_demo.py": "",
            "requirements.txt": "pytest\n",
        }
    )
    value, _, notes = guessed_test(root)
    assert value is None
    assert notes[0].startswith(
        "build.test: no test files found (test_*.py or *_test.py under testpaths unit "
        "(pyproject.toml))"
    )


def test_makefile_test_target_and_uv_prefix(repo: Repo) -> None:
    root = repo(
        {
            "pyproject.toml": "[project]\nname = 'x'\nversion = '1'\n[tool.uv]\n",
            "tests/test_a.py": "",
        }
    )
    value, _, _ = guessed_test(root)
    assert value == "uv run --with pytest pytest -q"
    (root / "Makefile").write_text("test:\n\tuv run pytest\n")
    value, evidence, _ = guessed_test(root)
    assert value == "make test"
    assert evidence.endswith("the Makefile has a test target")


def test_an_empty_build_test_is_refused_with_the_fix() -> None:
    with pytest.raises(ConfigError) as error:
        parse_config('build: {test: ""}\n')
    assert error.value.one_line() == (
        "mlci.yaml line 1: build.test: is empty. Fix: use null for no tests (build.test: null), "
        "or give the command that runs them"
    )


def test_null_build_test_renders_no_test_step() -> None:
    config = parse_config("build: {test: null}\ntrain: {runner: [ubuntu-latest]}\n")
    assert config.build.test is None
    (ci,) = [f for f in render_files(config) if f.path.endswith("mlci-ci.yml")]
    assert "- name: test\n" not in ci.text
    assert "# No test step: build.test is null in mlci.yaml" in ci.text
    assert "name: build (Python ${{ matrix.python }})" in ci.text


def test_null_build_test_passes_actionlint_and_zizmor(tmp_path: Path) -> None:
    text = "build: {test: null}\ntrain: {runner: [ubuntu-latest], model: null}\n"
    render_into(tmp_path / "repo", text)
    actionlint = require_tool("actionlint")
    shellcheck = require_tool("shellcheck")
    lint = subprocess.run(
        [actionlint, "-shellcheck", shellcheck],
        cwd=tmp_path / "repo",
        capture_output=True,
        text=True,
        check=False,
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr
    zizmor = subprocess.run(
        [require_tool("zizmor"), "--offline", "--no-progress", "."],
        cwd=tmp_path / "repo",
        capture_output=True,
        text=True,
        check=False,
    )
    assert zizmor.returncode == 0, zizmor.stdout + zizmor.stderr
    assert "No findings to report" in zizmor.stdout
