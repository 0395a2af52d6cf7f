"""How the project is installed on a fresh GitHub-hosted runner: `build.install`.

The order is what a maintainer would pick: a lock file of a project manager (uv,
poetry, pdm, pipenv) is the environment the project maintains, so it wins; then the
environment file an MLproject names (what `mlflow run` installs); then
requirements.txt; then an installable pyproject.toml or setup.py; then a conda
environment file.

Conda environment files are installed with pip. GitHub-hosted runners have no conda on
PATH, and a conda step would need a third-party action plus `shell: bash -el {0}` in
every later step, which the generated workflows do not have. Most packages of an ML
environment file are on PyPI under the same name (a few under another one, see
`CONDA_TO_PYPI`); conda-only packages (CUDA toolkits, BLAS builds, compilers) are left
out and named in a note, with how to switch to conda.

Projects run through a manager (`uv run`, `poetry run`, ...) get that prefix on their
test and training commands (`Installs.run_prefix`), because their packages live in the
manager's virtual environment, not in the runner's Python.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlci.detect.evidence import Detection, Guess, Note
from mlci.detect.files import read_mapping, read_text, read_toml

CONDA_FILES = ("conda.yaml", "conda.yml", "environment.yml", "environment.yaml")
PYTHON_ENV_FILES = ("python_env.yaml", "python_env.yml")
MAIN_REQUIREMENTS = ("requirements.txt", "requirements.in")
FOLDER_REQUIREMENTS = ("base.txt", "main.txt", "prod.txt", "common.txt", "requirements.txt")
# Requirement files for the test job (tests, linters the tests need are rarely separate).
_DEV_NAME = re.compile(r"(^|[-_./])(dev|test|tests|testing|ci)([-_.]|$)", re.IGNORECASE)
_OTHER_NAME = re.compile(r"(^|[-_./])(docs?|lint|style|typing|mypy)([-_.]|$)", re.IGNORECASE)
_TEST_EXTRAS = ("test", "tests", "testing", "dev")

# conda package -> PyPI name, where they differ.
CONDA_TO_PYPI = {
    "pytorch": "torch",
    "py-xgboost": "xgboost",
    "py-xgboost-cpu": "xgboost",
    "matplotlib-base": "matplotlib",
    "pytables": "tables",
    "py-opencv": "opencv-python",
    "opencv": "opencv-python",
    "python-graphviz": "graphviz",
    "pytorch-lightning": "lightning",
    "tensorflow-base": "tensorflow",
    "lightgbm-cpu": "lightgbm",
}
# conda packages with no PyPI counterpart that pip could use: left out.
_CONDA_ONLY = re.compile(
    r"^(python|pip|setuptools|wheel|cudatoolkit|cudnn|cuda(-.*)?|pytorch-cuda|cpuonly|nccl"
    r"|mkl(-.*)?|nomkl|intel-openmp|blas|libblas|libcblas|liblapack|openblas|libopenblas"
    r"|_libgcc_mutex|_openmp_mutex|libgcc(-ng)?|libstdcxx(-ng)?|libgfortran.*|gcc|gxx"
    r"|compilers|cxx-compiler|c-compiler|ca-certificates|openssl|libffi|zlib|xz|ncurses"
    r"|readline|sqlite|tk|magma(-.*)?|r-.*|r|cmake|make|git|nodejs|graphviz)$"
)


@dataclass(frozen=True)
class Installs:
    """What the other detectors need to know about the project's environment."""

    detection: Detection  # build.install (and build.python) with evidence, notes
    dependencies: frozenset[str]  # normalised names of every declared dependency
    test_install: str | None = None  # installs what only the tests need
    test_install_evidence: str = ""
    run_prefix: str = ""  # "uv run " when commands must run in the manager's environment
    dependency_sources: tuple[str, ...] = ()  # the files the names come from


def normalise(name: str) -> str:
    """PEP 503 name normalisation: `Scikit_Learn` and `scikit-learn` are one package."""
    return re.sub(r"[-_.]+", "-", name).lower().strip()


_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def requirement_name(spec: str) -> str | None:
    """The package a requirement line or PEP 508 string names, or None."""
    spec = spec.strip()
    if not spec or spec.startswith(("#", "-", ".", "/")):
        return None
    egg = re.search(r"#egg=([A-Za-z0-9._-]+)", spec)
    if egg:
        return normalise(egg.group(1))
    if "://" in spec and "@" not in spec.split("://")[0]:
        return None
    match = _NAME.match(spec)
    return normalise(match.group(1)) if match else None


def _requirements_names(root: Path, relative: str, seen: set[str] | None = None) -> set[str]:
    """Names in a requirements file, following `-r other.txt` includes."""
    seen = set() if seen is None else seen
    if relative in seen:
        return set()
    seen.add(relative)
    text = read_text(root / relative)
    if text is None:
        return set()
    names: set[str] = set()
    for raw in text.splitlines():
        line = raw.split(" #")[0].strip()
        include = re.match(r"^(-r|--requirement|-c|--constraint)\s*=?\s*(\S+)", line)
        if include and include.group(1) in ("-r", "--requirement"):
            target = (Path(relative).parent / include.group(2)).as_posix()
            names |= _requirements_names(root, target, seen)
            continue
        name = requirement_name(line)
        if name:
            names.add(name)
    return names


def _requirement_files(files: tuple[str, ...]) -> list[str]:
    pattern = re.compile(r"(^|/)([\w.-]*requirements[\w.-]*\.(txt|in)|requirements/[\w.-]+\.txt)$")
    return [f for f in files if pattern.search(f) and f.count("/") <= 1]


def _main_requirements(candidates: list[str]) -> str | None:
    for name in MAIN_REQUIREMENTS:
        if name in candidates:
            return name
    for name in FOLDER_REQUIREMENTS:
        if f"requirements/{name}" in candidates:
            return f"requirements/{name}"
    rest = [
        c
        for c in candidates
        if "/" not in c and not _DEV_NAME.search(Path(c).stem) and not _OTHER_NAME.search(c)
    ]
    return rest[0] if len(rest) == 1 else None


def _dev_requirements(candidates: list[str], main: str | None) -> str | None:
    dev = [c for c in candidates if c != main and _DEV_NAME.search(Path(c).stem)]
    dev.sort(key=lambda c: (0 if "test" in c else 1, c.count("/"), c))
    return dev[0] if dev else None


# --- pyproject.toml -------------------------------------------------------------------


def _table(data: Any, *keys: str) -> dict[str, Any]:
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data if isinstance(data, dict) else {}


def _strings(values: Any) -> list[str]:
    return [v for v in values if isinstance(v, str)] if isinstance(values, list) else []


def _pyproject_names(pyproject: dict[str, Any]) -> set[str]:
    project = _table(pyproject, "project")
    specs = _strings(project.get("dependencies"))
    for values in _table(project, "optional-dependencies").values():
        specs += _strings(values)
    for values in _table(pyproject, "dependency-groups").values():
        specs += _strings(values)
    specs += _strings(_table(pyproject, "tool", "uv").get("dev-dependencies"))
    names = {n for n in map(requirement_name, specs) if n}
    poetry = _table(pyproject, "tool", "poetry")
    tables = [_table(poetry, "dependencies"), _table(poetry, "dev-dependencies")]
    tables += [_table(group, "dependencies") for group in _table(poetry, "group").values()]
    for table in tables:
        names |= {normalise(key) for key in table if key.lower() != "python"}
    return names


def _pip_test_install(pyproject: dict[str, Any], target: str) -> tuple[str, str] | None:
    """The line installing the test extra or dependency group of a pip project."""
    extras = _table(pyproject, "project", "optional-dependencies")
    for name in _TEST_EXTRAS:
        if name in extras:
            return (
                f'pip install -e "{target}[{name}]"',
                f"the [{name}] extra of pyproject.toml",
            )
    groups = _table(pyproject, "dependency-groups")
    for name in _TEST_EXTRAS:
        if name in groups:
            return (
                f'python -m pip install "pip>=25.1"\npip install --group {name}',
                f"the {name} dependency group of pyproject.toml (pip 25.1 installs groups)",
            )
    return None


def _installable(root: Path, pyproject: dict[str, Any] | None) -> bool:
    """pip can install the folder: a [project] or [build-system] table, or setup.py."""
    if (root / "setup.py").is_file() or (root / "setup.cfg").is_file():
        return True
    return bool(pyproject and ("project" in pyproject or "build-system" in pyproject))


# --- conda and MLflow environment files -----------------------------------------------


@dataclass(frozen=True)
class _PipPlan:
    specs: tuple[str, ...]
    skipped: tuple[str, ...]
    python: str | None
    requirement_files: tuple[str, ...] = ()


def _conda_spec_to_pip(spec: str) -> tuple[str | None, str | None]:
    """(pip requirement, skipped conda name) for one conda match spec."""
    spec = spec.strip().split("::")[-1]
    match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(.*)$", spec)
    if not match:
        return None, None
    name, rest = match.group(1).lower(), match.group(2).replace(" ", "")
    if _CONDA_ONLY.match(name):
        return None, None if name in ("python", "pip", "setuptools", "wheel") else name
    name = CONDA_TO_PYPI.get(name, name)
    version = rest
    if version.startswith("=") and not version.startswith("=="):
        # conda's `=1.2` means 1.2.*; a second `=` is a build string pip has no use for.
        version = version[1:].split("=")[0]
        version = f"=={version}" if "*" in version else f"=={version}.*"
    elif re.match(r"^\d", version):
        version = f"=={version.split('=')[0]}"
    return name + version, None


def _python_version(spec: str) -> str | None:
    match = re.match(r"^\s*python\s*[=<>~!]*\s*(\d+\.\d+)", spec)
    if match and not re.match(r"^\s*python\s*(<|>=?|!=)", spec):
        return match.group(1)
    return None


def _conda_plan(root: Path, relative: str) -> _PipPlan | None:
    env = read_mapping(root / relative)
    if env is None:
        return None
    specs: list[str] = []
    skipped: list[str] = []
    files: list[str] = []
    python = None
    folder = Path(relative).parent
    for entry in env.get("dependencies") or []:
        if isinstance(entry, str):
            python = python or _python_version(entry)
            pip_spec, conda_only = _conda_spec_to_pip(entry)
            if pip_spec:
                specs.append(pip_spec)
            if conda_only:
                skipped.append(conda_only)
        elif isinstance(entry, dict):
            for line in _strings(entry.get("pip")):
                include = re.match(r"^-r\s*(\S+)$", line.strip())
                if include:
                    files.append((folder / include.group(1)).as_posix())
                elif not line.strip().startswith("-"):
                    specs.append(line.strip())
    return _PipPlan(tuple(dict.fromkeys(specs)), tuple(skipped), python, tuple(files))


def _python_env_plan(root: Path, relative: str) -> _PipPlan | None:
    env = read_mapping(root / relative)
    if env is None:
        return None
    folder = Path(relative).parent
    specs: list[str] = []
    files: list[str] = []
    for line in _strings(env.get("dependencies")):
        include = re.match(r"^-r\s*(\S+)$", line.strip())
        if include:
            files.append((folder / include.group(1)).as_posix())
        elif not line.strip().startswith("-"):
            specs.append(line.strip())
    python = env.get("python")
    version = re.match(r"^(\d+\.\d+)", str(python)) if python is not None else None
    return _PipPlan(tuple(specs), (), version.group(1) if version else None, tuple(files))


def _pip_command(plan: _PipPlan) -> str:
    lines = [f"pip install -r {shlex.quote(f)}" for f in plan.requirement_files]
    if plan.specs:
        lines.append("pip install " + " ".join(shlex.quote(s) for s in plan.specs))
    return "\n".join(lines)


def _mlproject_env(root: Path) -> tuple[str, str] | None:
    """(kind, file) of the environment an MLproject names: conda_env or python_env."""
    for name in ("MLproject", "MLProject", "mlproject"):
        project = read_mapping(root / name)
        if project is None:
            continue
        for kind in ("python_env", "conda_env"):
            value = project.get(kind)
            if isinstance(value, str) and (root / value).is_file():
                return kind, value
        if "docker_env" in project:
            return "docker_env", name
    return None


# --- the Python version ---------------------------------------------------------------


_PYTHONS = ("3.13", "3.12", "3.11", "3.10", "3.9", "3.8")
_DEFAULT_PYTHON = "3.11"


def _requires_python(spec: str) -> str | None:
    """The newest common CPython a `requires-python` allows, when it is not the default."""
    try:
        from packaging.specifiers import InvalidSpecifier, SpecifierSet
    except ImportError:
        return None
    try:
        allowed = SpecifierSet(spec)
    except InvalidSpecifier:
        return None
    if allowed.contains(f"{_DEFAULT_PYTHON}.0"):
        return None
    return next((v for v in _PYTHONS if allowed.contains(f"{v}.0")), None)


def _python_guess(
    root: Path, pyproject: dict[str, Any] | None, env_python: str | None, env_file: str | None
) -> Guess | None:
    version_file = root / ".python-version"
    text = read_text(version_file) if version_file.is_file() else None
    if text:
        match = re.match(r"^\s*(?:python-?|cpython-)?(\d+\.\d+)", text)
        if match:
            return Guess("build.python", [match.group(1)], "from .python-version")
    runtime = read_text(root / "runtime.txt") if (root / "runtime.txt").is_file() else None
    if runtime:
        match = re.match(r"^\s*python-(\d+\.\d+)", runtime)
        if match:
            return Guess("build.python", [match.group(1)], "from runtime.txt")
    if env_python and env_file:
        return Guess("build.python", [env_python], f"the python of {env_file}")
    requires = _table(pyproject, "project").get("requires-python") if pyproject else None
    if isinstance(requires, str):
        version = _requires_python(requires)
        if version:
            return Guess(
                "build.python",
                [version],
                f"requires-python {requires!r} in pyproject.toml rules out {_DEFAULT_PYTHON}",
            )
    return None


# --- the detector ---------------------------------------------------------------------


def _manager(root: Path, pyproject: dict[str, Any] | None) -> tuple[str, str, str, str] | None:
    """(name, install command, run prefix, evidence) of a project manager, if one is used."""
    tool = _table(pyproject, "tool") if pyproject else {}
    if (root / "uv.lock").is_file():
        return "uv", "pip install uv\nuv sync --locked", "uv run ", "found uv.lock"
    if (root / "poetry.lock").is_file() or "poetry" in tool:
        evidence = "found poetry.lock" if (root / "poetry.lock").is_file() else "[tool.poetry]"
        if evidence == "[tool.poetry]":
            evidence = "pyproject.toml has [tool.poetry]"
        return "poetry", "pip install poetry\npoetry install", "poetry run ", evidence
    if (root / "pdm.lock").is_file():
        return "pdm", "pip install pdm\npdm install", "pdm run ", "found pdm.lock"
    if pyproject is not None and "uv" in tool:
        return "uv", "pip install uv\nuv sync", "uv run ", "pyproject.toml has [tool.uv]"
    if (root / "Pipfile").is_file():
        locked = (root / "Pipfile.lock").is_file()
        command = "pipenv sync --dev" if locked else "pipenv install --dev"
        evidence = "found Pipfile.lock" if locked else "found Pipfile"
        return "pipenv", f"pip install pipenv\n{command}", "pipenv run ", evidence
    return None


def detect_installs(root: Path, files: tuple[str, ...]) -> Installs:
    """`build.install` and `build.python`, with the dependencies the project declares."""
    pyproject = read_toml(root / "pyproject.toml") if (root / "pyproject.toml").is_file() else None
    candidates = _requirement_files(files)
    main = _main_requirements(candidates)
    dev = _dev_requirements(candidates, main)
    names: set[str] = set()
    sources: list[str] = []
    for relative in [main, dev]:
        if relative:
            names |= _requirements_names(root, relative)
            sources.append(relative)
    if pyproject is not None:
        names |= _pyproject_names(pyproject)
        sources.append("pyproject.toml")
    guesses: list[Guess] = []
    notes: list[Note] = []
    prefix = ""
    test_install: str | None = None
    test_evidence = ""
    env_python: str | None = None
    env_file: str | None = None

    manager = _manager(root, pyproject)
    mlproject = _mlproject_env(root)
    conda_file = next((f for f in CONDA_FILES if f in files), None)
    if manager is not None:
        name, command, prefix, evidence = manager
        guesses.append(Guess("build.install", command, f"{evidence}: the project uses {name}"))
        if name == "pipenv":
            names |= _pipfile_names(root)
            sources.append("Pipfile")
    elif mlproject is not None and mlproject[0] != "docker_env":
        kind, env_relative = mlproject
        plan = (
            _python_env_plan(root, env_relative)
            if kind == "python_env"
            else _conda_plan(root, env_relative)
        )
        if plan is not None:
            guesses.append(_env_guess(plan, env_relative, f"the {kind} of MLproject"))
            notes.extend(_env_notes(plan, env_relative, kind == "conda_env"))
            names |= _plan_names(root, plan)
            sources.append(env_relative)
            env_python, env_file = plan.python, env_relative
    elif main is not None:
        guesses.append(Guess("build.install", f"pip install -r {main}", f"found {main}"))
        if dev:
            test_install, test_evidence = f"pip install -r {dev}", f"found {dev}"
    elif _installable(root, pyproject):
        source = "pyproject.toml" if pyproject is not None else "setup.py"
        guesses.append(
            Guess("build.install", "pip install -e .", f"{source} makes an installable package")
        )
        found = _pip_test_install(pyproject, ".") if pyproject is not None else None
        if found:
            test_install, test_evidence = found
        elif dev:
            test_install, test_evidence = f"pip install -r {dev}", f"found {dev}"
    elif conda_file is not None:
        plan = _conda_plan(root, conda_file)
        if plan is not None:
            guesses.append(_env_guess(plan, conda_file, f"the dependencies of {conda_file}"))
            notes.extend(_env_notes(plan, conda_file, True))
            names |= _plan_names(root, plan)
            sources.append(conda_file)
            env_python, env_file = plan.python, conda_file
    if mlproject is not None and mlproject[0] == "docker_env":
        notes.append(
            Note(
                "build.install",
                "MLproject runs in a Docker image (docker_env): install its packages in "
                "build.install by hand, or run the training command inside that image",
            )
        )
    if not guesses:
        guesses.append(
            Guess(
                "build.install",
                "python -m pip install --upgrade pip",
                "no requirements file, pyproject.toml, setup.py, Pipfile, environment file or "
                "MLproject found: set it to what installs your dependencies",
            )
        )
    if conda_file and env_file is None and guesses[0].evidence.startswith("found"):
        notes.append(Note("build.install", f"{conda_file} is not used: {guesses[0].evidence} wins"))
    python = _python_guess(root, pyproject, env_python, env_file)
    if python:
        guesses.append(python)
    return Installs(
        Detection(tuple(guesses), tuple(notes)),
        frozenset(names),
        test_install,
        test_evidence,
        prefix,
        tuple(sources),
    )


def _pipfile_names(root: Path) -> set[str]:
    pipfile = read_toml(root / "Pipfile")
    if not pipfile:
        return set()
    names = set()
    for section in ("packages", "dev-packages"):
        names |= {normalise(k) for k in _table(pipfile, section)}
    return names


def _plan_names(root: Path, plan: _PipPlan) -> set[str]:
    names = {n for n in map(requirement_name, plan.specs) if n}
    for relative in plan.requirement_files:
        names |= _requirements_names(root, relative)
    return names


def _env_guess(plan: _PipPlan, env_file: str, what: str) -> Guess:
    command = _pip_command(plan) or "python -m pip install --upgrade pip"
    return Guess("build.install", command, f"{what}, installed with pip")


def _env_notes(plan: _PipPlan, env_file: str, conda: bool) -> list[Note]:
    notes = []
    if conda:
        text = f"{env_file} is installed with pip: GitHub-hosted runners have no conda on PATH"
        if plan.skipped:
            text += f"; conda-only packages left out: {', '.join(plan.skipped)}"
        text += (
            ". To use conda instead, set build.install to `$CONDA/bin/conda env update "
            f"-n base -f {env_file}` and prefix the commands with `$CONDA/bin/conda run -n base`"
        )
        notes.append(Note("build.install", text))
    return notes
