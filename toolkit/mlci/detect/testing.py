"""`build.test`: the project's test command, only when the project has tests.

A repository without tests gets `build.test: null` (the CI job then installs and
stops), never `pytest -q`, which exits 5 when it collects nothing. Tests are: test
files pytest collects (`test_*.py`, `*_test.py`), in the folders a pytest
configuration names (`testpaths`) when it names some; a Makefile `test` target runs
them when the project has one. pytest is installed first when no dependency file
of the project lists it.
"""

from __future__ import annotations

import configparser
import re
from pathlib import Path

from mlci.detect.evidence import Detection, Guess, Note
from mlci.detect.files import read_text, read_toml
from mlci.detect.installs import Installs

_TEST_FILE = re.compile(r"(^|/)(test_[^/]*|[^/]*_test)\.py$")
_MAKE_TARGET = re.compile(r"^test\s*:(?!=)", re.MULTILINE)


def _testpaths(root: Path) -> tuple[tuple[str, ...], str] | None:
    """(testpaths, where they are set) of the project's pytest configuration."""
    pyproject = read_toml(root / "pyproject.toml") if (root / "pyproject.toml").is_file() else None
    options = ((pyproject or {}).get("tool") or {}).get("pytest", {}) if pyproject else {}
    options = options.get("ini_options", {}) if isinstance(options, dict) else {}
    if isinstance(options, dict) and options:
        paths = options.get("testpaths")
        if isinstance(paths, str):
            paths = paths.split()
        return tuple(p for p in paths or () if isinstance(p, str)), "pyproject.toml"
    for name, section in (
        ("pytest.ini", "pytest"),
        ("tox.ini", "pytest"),
        ("setup.cfg", "tool:pytest"),
    ):
        text = read_text(root / name) if (root / name).is_file() else None
        if not text:
            continue
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read_string(text)
        except configparser.Error:
            continue
        if parser.has_section(section):
            return tuple(parser.get(section, "testpaths", fallback="").split()), name
    return None


def _under(path: str, folders: tuple[str, ...]) -> bool:
    return any(path == f or path.startswith(f.rstrip("/") + "/") for f in folders)


def detect_tests(root: Path, files: tuple[str, ...], installs: Installs) -> Detection:
    """A `build.test` guess when tests exist; a None guess and a note when none do."""
    config = _testpaths(root)
    test_files = [f for f in files if _TEST_FILE.search(f)]
    where = ""
    if config is not None and config[0]:
        test_files = [f for f in test_files if _under(f, config[0])]
        where = f" under testpaths {', '.join(config[0])} ({config[1]})"
    if not test_files:
        text = (
            "no test files found (test_*.py or *_test.py"
            + (f"{where})" if where else ")")
            + ": the CI job installs the project and runs no tests; set build.test when "
            "you add tests"
        )
        return Detection(
            (Guess("build.test", None, "no tests in the repository"),),
            (Note("build.test", text),),
        )
    shown = test_files[0] + (f" and {len(test_files) - 1} more" if len(test_files) > 1 else "")
    makefile = root / "Makefile"
    make_text = read_text(makefile) if makefile.is_file() else None
    lines: list[str] = []
    if installs.test_install:
        lines.append(installs.test_install)
    evidence = f"found {shown}{where}"
    if make_text and _MAKE_TARGET.search(make_text):
        lines.append("make test")
        evidence += "; the Makefile has a test target"
    else:
        lines += _pytest_lines(installs)
        if "pytest" not in installs.dependencies and not installs.test_install:
            evidence += "; pytest is installed first: no dependency file lists it"
    if installs.test_install:
        evidence += f"; {installs.test_install_evidence} installs the test dependencies"
    return Detection((Guess("build.test", "\n".join(lines), evidence),))


def _pytest_lines(installs: Installs) -> list[str]:
    """pytest, in the project's environment, installed first when nothing lists it."""
    prefix = installs.run_prefix
    if "pytest" in installs.dependencies or installs.test_install:
        return [f"{prefix}pytest -q"]
    if prefix == "uv run ":
        return ["uv run --with pytest pytest -q"]
    return [f"{prefix}pip install pytest", f"{prefix}pytest -q"]
