"""actions/setup/ensure-mlci.sh: a fresh environment per run, nothing on the runner trusted.

The real script runs with bash in temp folders, offline: the toolkit it installs is a
small hand-made wheel of the same version (or, once, the real wheel of this checkout
with the base interpreter's packages for its dependencies). A planted `mlci` in the
workspace, in the runner's interpreter or on PYTHONPATH writes a marker file when it
is imported; none may ever appear.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml
from tests.workflows.conftest import REPO_ROOT

SCRIPT = REPO_ROOT / "actions" / "setup" / "ensure-mlci.sh"
VERSION = next(
    line.split('"')[1]
    for line in (REPO_ROOT / "toolkit" / "mlci" / "__init__.py").read_text().splitlines()
    if line.startswith("__version__")
)


def trojan(folder: Path, marker: Path) -> Path:
    """A same-version `mlci` package in folder that writes marker when imported."""
    package = folder / "mlci"
    package.mkdir(parents=True)
    code = f"open({str(marker)!r}, 'w').close()\n__version__ = {VERSION!r}\n"
    (package / "__init__.py").write_text(code)
    (package / "__main__.py").write_text("print('mlci, version trojan')\n")
    info = folder / f"mlci-{VERSION}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: mlci\nVersion: {VERSION}\n")
    (info / "RECORD").write_text("")
    return folder


def fake_wheel(folder: Path, version: str = VERSION) -> Path:
    """A dependency-free mlci wheel with a `mlci` command, installable offline."""
    folder.mkdir(parents=True, exist_ok=True)
    wheel = folder / f"mlci-{version}-py3-none-any.whl"
    info = f"mlci-{version}.dist-info"
    files = {
        "mlci/__init__.py": f"__version__ = {version!r}\n\ndef main():\n"
        f"    print('mlci, version {version}')\n",
        "mlci/__main__.py": "from mlci import main\nmain()\n",
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: mlci\nVersion: {version}\n"
        "Provides-Extra: torch\n",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n",
        f"{info}/entry_points.txt": "[console_scripts]\nmlci = mlci:main\n",
    }
    record = "".join(f"{name},,\n" for name in files) + f"{info}/RECORD,,\n"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
        archive.writestr(f"{info}/RECORD", record)
    return wheel


@pytest.fixture(scope="module")
def interpreter(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The runner's interpreter: a clean virtual environment (no mlci) without pip."""
    folder = tmp_path_factory.mktemp("interpreter") / "python"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    return folder


def site_packages(venv: Path) -> Path:
    return next((venv / "lib").glob("python*/site-packages"))


@pytest.fixture
def runner(tmp_path: Path) -> dict[str, Path]:
    """A workspace with a planted ./mlci/, RUNNER_TEMP and the job's command files."""
    paths = {
        name: tmp_path / name for name in ("workspace", "temp", "markers", "wheels", "commands")
    }
    for path in paths.values():
        path.mkdir()
    trojan(paths["workspace"], paths["markers"] / "workspace")
    return paths


def run(
    runner: dict[str, Path],
    interpreter: Path,
    source: Path,
    script: list[str] | None = None,
    **env: str,
) -> subprocess.CompletedProcess[str]:
    commands = runner["commands"]
    full_env = {
        "PATH": f"{interpreter / 'bin'}{os.pathsep}/usr/bin:/bin",
        "HOME": str(runner["temp"].parent),
        "GITHUB_WORKSPACE": str(runner["workspace"]),
        "RUNNER_TEMP": str(runner["temp"]),
        "GITHUB_PATH": str(commands / "path"),
        "GITHUB_ENV": str(commands / "env"),
        "GITHUB_OUTPUT": str(commands / "output"),
        "MLCI_SETUP_SOURCE": str(source),
        "PIP_NO_INDEX": "1",
        **env,
    }
    full_env = {key: value for key, value in full_env.items() if value}
    return subprocess.run(
        script or ["bash", str(SCRIPT)],
        cwd=runner["workspace"],
        env=full_env,
        capture_output=True,
        text=True,
        check=False,
    )


def installed_bin(runner: dict[str, Path]) -> list[Path]:
    """The folders the runs put first on PATH, in order."""
    return [Path(line) for line in (runner["commands"] / "path").read_text().splitlines()]


def assert_fresh_environment(runner: dict[str, Path], bin_dir: Path) -> None:
    assert bin_dir.parent.parent == runner["temp"]
    assert bin_dir.parent.name.startswith("mlci-venv.")
    assert not bin_dir.is_relative_to(runner["workspace"])
    assert (bin_dir / "mlci").is_file()
    where = subprocess.run(
        [str(bin_dir / "python"), "-I", "-c", "import mlci; print(mlci.__file__)"],
        cwd=runner["temp"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(where).is_relative_to(bin_dir.parent), where


def test_a_planted_workspace_package_is_never_imported(
    runner: dict[str, Path], interpreter: Path
) -> None:
    result = run(runner, interpreter, fake_wheel(runner["wheels"]))
    assert result.returncode == 0, result.stdout + result.stderr
    assert list(runner["markers"].iterdir()) == []
    [bin_dir] = installed_bin(runner)
    assert_fresh_environment(runner, bin_dir)
    assert result.stdout.splitlines() == [
        f"creating a fresh environment for mlci {VERSION} in {bin_dir.parent}",
        f"installing mlci {VERSION} from {runner['wheels'] / f'mlci-{VERSION}-py3-none-any.whl'}",
        f"mlci, version {VERSION}",
        f"mlci {VERSION} is {bin_dir / 'mlci'}",
    ]
    assert (runner["commands"] / "output").read_text() == f"version={VERSION}\n"
    assert (runner["commands"] / "env").read_text() == f"MLCI_VENV={bin_dir.parent}\n"


@pytest.mark.parametrize("where", ["site-packages", "PYTHONPATH"])
def test_a_same_version_mlci_on_the_interpreter_path_is_not_reused(
    runner: dict[str, Path], tmp_path: Path, where: str
) -> None:
    # The runner's interpreter, left with a trojan mlci by an earlier job.
    python = tmp_path / "python"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(python)], check=True)
    env = {}
    if where == "site-packages":
        trojan(site_packages(python), runner["markers"] / "interpreter")
    else:
        env["PYTHONPATH"] = str(trojan(tmp_path / "planted", runner["markers"] / "pythonpath"))
    result = run(runner, python, fake_wheel(runner["wheels"]), **env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert list(runner["markers"].iterdir()) == []
    [bin_dir] = installed_bin(runner)
    assert_fresh_environment(runner, bin_dir)
    if where == "PYTHONPATH":
        assert "::warning::PYTHONPATH is set" in result.stdout


def test_every_run_makes_a_new_environment(runner: dict[str, Path], interpreter: Path) -> None:
    wheel = fake_wheel(runner["wheels"])
    for _ in range(2):
        result = run(runner, interpreter, wheel)
        assert result.returncode == 0, result.stdout + result.stderr
    first, second = installed_bin(runner)
    assert first != second
    for bin_dir in (first, second):
        assert_fresh_environment(runner, bin_dir)
    assert list(runner["markers"].iterdir()) == []


def test_a_later_step_of_the_same_job_reuses_its_environment(
    runner: dict[str, Path], interpreter: Path
) -> None:
    """MLCI_VENV comes from this job's $GITHUB_ENV; $RUNNER_TEMP is emptied per job."""
    wheel = fake_wheel(runner["wheels"])
    assert run(runner, interpreter, wheel).returncode == 0
    [bin_dir] = installed_bin(runner)
    result = run(runner, interpreter, wheel, MLCI_VENV=str(bin_dir.parent))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == [
        f"mlci {VERSION}: this job's environment {bin_dir.parent} (made by an earlier step)"
    ]
    assert installed_bin(runner) == [bin_dir]
    assert list(runner["markers"].iterdir()) == []


@pytest.mark.parametrize("where", ["workspace", "other-temp"])
def test_an_mlci_venv_outside_this_jobs_temp_is_not_reused(
    runner: dict[str, Path], interpreter: Path, tmp_path: Path, where: str
) -> None:
    """A MLCI_VENV pointing anywhere but this job's $RUNNER_TEMP is ignored."""
    wheel = fake_wheel(runner["wheels"])
    other_temp = tmp_path / "elsewhere"
    other_temp.mkdir()
    assert run(runner, interpreter, wheel, RUNNER_TEMP=str(other_temp)).returncode == 0
    [elsewhere] = installed_bin(runner)
    planted = runner["workspace"] / "venv" if where == "workspace" else elsewhere.parent
    if where == "workspace":
        import shutil

        shutil.copytree(elsewhere.parent, planted, symlinks=True)
    result = run(runner, interpreter, wheel, MLCI_VENV=str(planted))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("creating a fresh environment")
    fresh = installed_bin(runner)[-1]
    assert_fresh_environment(runner, fresh)


def test_without_runner_temp_a_mktemp_folder_is_used(
    runner: dict[str, Path], interpreter: Path, tmp_path: Path
) -> None:
    (tmp_path / "tmp").mkdir()
    result = run(
        runner,
        interpreter,
        fake_wheel(runner["wheels"]),
        RUNNER_TEMP="",
        TMPDIR=str(tmp_path / "tmp"),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    [bin_dir] = installed_bin(runner)
    assert bin_dir.parent.parent == tmp_path / "tmp"
    assert bin_dir.parent.name.startswith("mlci-venv.")


def test_an_environment_inside_the_workspace_is_refused(
    runner: dict[str, Path], interpreter: Path
) -> None:
    result = run(
        runner, interpreter, fake_wheel(runner["wheels"]), RUNNER_TEMP=str(runner["workspace"])
    )
    assert result.returncode == 1
    assert "would be inside the workspace" in result.stderr
    assert not (runner["commands"] / "path").exists()


def test_another_version_from_the_source_fails(runner: dict[str, Path], interpreter: Path) -> None:
    result = run(runner, interpreter, fake_wheel(runner["wheels"], version="0.0.1"))
    assert result.returncode == 1
    assert f"installed mlci 0.0.1 from {runner['wheels']}" in result.stderr
    assert f"but this action is mlci {VERSION}" in result.stderr
    assert not (runner["commands"] / "path").exists()


def test_extras_are_installed_with_the_toolkit(runner: dict[str, Path], interpreter: Path) -> None:
    result = run(runner, interpreter, fake_wheel(runner["wheels"]), MLCI_EXTRAS="torch")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"installing mlci {VERSION} from" in result.stdout


def test_a_source_folder_without_pyproject_is_refused(
    runner: dict[str, Path], interpreter: Path
) -> None:
    result = run(runner, interpreter, runner["wheels"])
    assert result.returncode == 1
    assert "has no pyproject.toml" in result.stderr


@pytest.fixture(scope="module")
def real_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("real-wheel")
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"),
            *("--disable-pip-version-check", "-w", str(folder), str(REPO_ROOT)),
        ],
        check=True,
    )
    return next(folder.glob("mlci-*.whl"))


def test_the_setup_action_installs_the_real_toolkit_beside_the_interpreter_packages(
    runner: dict[str, Path], interpreter: Path, real_wheel: Path, tmp_path: Path
) -> None:
    # The setup action's own step, with the input left empty: the environment variable
    # asks for the interpreter's packages (the base installation's, where the
    # dependencies and an editable mlci of the same version are), as the e2e tests do.
    meta = yaml.safe_load((REPO_ROOT / "actions" / "setup" / "action.yml").read_text())
    [step] = meta["runs"]["steps"]
    planted = trojan(tmp_path / "planted", runner["markers"] / "pythonpath")
    result = run(
        runner,
        interpreter,
        real_wheel,
        ["bash", "-e", "-c", step["run"]],
        MLCI_ACTION_PATH=str(SCRIPT.parent),
        MLCI_SYSTEM_SITE_PACKAGES="true",
        PYTHONPATH=str(planted),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert list(runner["markers"].iterdir()) == []
    [bin_dir] = installed_bin(runner)
    assert_fresh_environment(runner, bin_dir)
    assert "include-system-site-packages = true" in (bin_dir.parent / "pyvenv.cfg").read_text()
    assert (runner["commands"] / "output").read_text() == f"version={VERSION}\n"
    # Later steps run `mlci` from the workspace, with the folder first on PATH.
    done = subprocess.run(
        ["mlci", "--version"],
        cwd=runner["workspace"],
        env={"PATH": f"{bin_dir}{os.pathsep}/usr/bin:/bin", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.stdout == f"mlci, version {VERSION}\n", done.stderr
    assert list(runner["markers"].iterdir()) == []


def test_the_input_overrides_the_environment_variable(
    runner: dict[str, Path], interpreter: Path
) -> None:
    meta = yaml.safe_load((REPO_ROOT / "actions" / "setup" / "action.yml").read_text())
    [step] = meta["runs"]["steps"]
    result = run(
        runner,
        interpreter,
        fake_wheel(runner["wheels"]),
        ["bash", "-e", "-c", step["run"]],
        MLCI_ACTION_PATH=str(SCRIPT.parent),
        MLCI_SYSTEM_SITE_PACKAGES="true",
        MLCI_SYSTEM_SITE_PACKAGES_INPUT="false",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    [bin_dir] = installed_bin(runner)
    assert "include-system-site-packages = false" in (bin_dir.parent / "pyvenv.cfg").read_text()


def test_a_bad_system_site_packages_value_is_refused(
    runner: dict[str, Path], interpreter: Path
) -> None:
    result = run(runner, interpreter, fake_wheel(runner["wheels"]), MLCI_SYSTEM_SITE_PACKAGES="yes")
    assert result.returncode == 1
    assert "system-site-packages must be true or false, not 'yes'" in result.stderr
