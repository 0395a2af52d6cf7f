"""build.install and build.python: what a maintainer would write for a fresh runner."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from mlci.detect.files import project_files
from mlci.detect.installs import Installs, detect_installs

Repo = Callable[[dict[str, str]], Path]


def installs(root: Path) -> Installs:
    return detect_installs(root, project_files(root))


def test_requirements_txt_first_and_the_dev_file_for_the_test_job(repo: Repo) -> None:
    root = repo(
        {
            "requirements.txt": "scikit-learn>=1.3\n-r requirements-base.txt\n",
            "requirements-base.txt": "Pandas_Extra==1.0  # pinned\n",
            "requirements-dev.txt": "pytest\n",
            "pyproject.toml": "[project]\nname = 'x'\nversion = '1'\n",
        }
    )
    found = installs(root)
    guess = found.detection.get("build.install")
    assert guess is not None
    assert (guess.value, guess.evidence) == (
        "pip install -r requirements.txt",
        "found requirements.txt",
    )
    assert found.test_install == "pip install -r requirements-dev.txt"
    assert {"scikit-learn", "pandas-extra", "pytest"} <= found.dependencies
    assert found.run_prefix == ""


def test_uv_lock_means_uv_sync_and_uv_run(repo: Repo) -> None:
    root = repo(
        {
            "pyproject.toml": "[project]\nname = 'x'\nversion = '1'\ndependencies = ['torch>=2']\n"
            "[dependency-groups]\ndev = ['pytest>=8']\n",
            "uv.lock": "version = 1\n",
            "requirements.txt": "torch\n",
        }
    )
    found = installs(root)
    guess = found.detection.get("build.install")
    assert guess is not None
    assert guess.value == "pip install uv\nuv sync --locked"
    assert guess.evidence == "found uv.lock: the project uses uv"
    assert found.run_prefix == "uv run "
    assert {"torch", "pytest"} <= found.dependencies


def test_poetry_projects_install_with_poetry(repo: Repo) -> None:
    root = repo(
        {
            "pyproject.toml": "[tool.poetry]\nname = 'x'\n[tool.poetry.dependencies]\n"
            "python = '^3.10'\nxgboost = '*'\n[tool.poetry.group.dev.dependencies]\npytest = '*'\n",
        }
    )
    found = installs(root)
    guess = found.detection.get("build.install")
    assert guess is not None and guess.value == "pip install poetry\npoetry install"
    assert guess.evidence == "pyproject.toml has [tool.poetry]: the project uses poetry"
    assert found.run_prefix == "poetry run "
    assert found.dependencies == frozenset({"xgboost", "pytest"})


def test_a_pip_package_installs_editable_with_its_test_extra(repo: Repo) -> None:
    root = repo(
        {
            "pyproject.toml": "[build-system]\nrequires = ['setuptools']\n[project]\nname = 'x'\n"
            "version = '1'\nrequires-python = '>=3.8,<3.11'\n"
            "[project.optional-dependencies]\ntest = ['pytest']\n",
        }
    )
    found = installs(root)
    install = found.detection.get("build.install")
    assert install is not None and install.value == "pip install -e ."
    assert found.test_install == 'pip install -e ".[test]"'
    python = found.detection.get("build.python")
    assert python is not None and python.value == ["3.10"]
    assert "rules out 3.11" in python.evidence


def test_a_pyproject_of_tool_settings_only_is_not_installed(repo: Repo) -> None:
    root = repo({"pyproject.toml": "[tool.black]\nline-length = 100\n"})
    guess = installs(root).detection.get("build.install")
    assert guess is not None and guess.value == "python -m pip install --upgrade pip"
    assert guess.evidence.startswith("no requirements file")


def test_conda_environment_is_installed_with_pip_and_says_so(repo: Repo) -> None:
    root = repo(
        {
            "environment.yml": "name: demo\nchannels: [conda-forge]\ndependencies:\n"
            "  - python=3.10\n  - scikit-learn=1.3\n  - pytorch\n  - cudatoolkit=11.8\n"
            "  - conda-forge::pandas>=2\n  - pip\n  - pip:\n    - mlflow==2.9\n",
        }
    )
    found = installs(root)
    guess = found.detection.get("build.install")
    assert guess is not None
    assert guess.value == "pip install 'scikit-learn==1.3.*' torch 'pandas>=2' mlflow==2.9"
    assert guess.evidence == "the dependencies of environment.yml, installed with pip"
    python = found.detection.get("build.python")
    assert python is not None and python.value == ["3.10"]
    (note,) = found.detection.notes
    assert note.text.startswith(
        "environment.yml is installed with pip: GitHub-hosted runners have no conda on PATH; "
        "conda-only packages left out: cudatoolkit. To use conda instead"
    )
    assert {"torch", "scikit-learn", "mlflow"} <= found.dependencies


def test_mlproject_names_its_environment_file(repo: Repo) -> None:
    root = repo(
        {
            "MLproject": "name: demo\npython_env: python_env.yaml\nentry_points:\n"
            "  main:\n    command: python train.py\n",
            "python_env.yaml": "python: '3.9.16'\nbuild_dependencies: [pip]\n"
            "dependencies:\n  - -r requirements-ml.txt\n  - mlflow>=2\n",
            "requirements-ml.txt": "scikit-learn\n",
            "conda.yaml": "dependencies: [python=3.8]\n",
        }
    )
    found = installs(root)
    guess = found.detection.get("build.install")
    assert guess is not None
    # The environment MLflow itself would install wins over a requirements file.
    assert guess.value == "pip install -r requirements-ml.txt\npip install 'mlflow>=2'"
    python = found.detection.get("build.python")
    assert python is not None and python.value == ["3.9"]


def test_mlproject_conda_env(repo: Repo) -> None:
    root = repo(
        {
            "MLproject": "name: demo\nconda_env: conda.yaml\n",
            "conda.yaml": "dependencies:\n  - python=3.11\n  - pip\n  - pip:\n"
            "    - mlflow\n    - scikit-learn==1.4.0\n",
        }
    )
    found = installs(root)
    guess = found.detection.get("build.install")
    assert guess is not None
    assert guess.value == "pip install mlflow scikit-learn==1.4.0"
    assert guess.evidence == "the conda_env of MLproject, installed with pip"


def test_python_version_file(repo: Repo) -> None:
    root = repo({"requirements.txt": "numpy\n", ".python-version": "3.12.1\n"})
    python = installs(root).detection.get("build.python")
    assert python is not None and (python.value, python.evidence) == (
        ["3.12"],
        "from .python-version",
    )
