"""Training guesses for an MLflow project (an `MLproject` file), and MLflow as a metrics source.

The training command is the `main` entry point's own command with its parameters'
defaults substituted (`python train.py --alpha 0.5`), so CI needs neither `mlflow run`
nor the conda/virtualenv environment it would build: the job installs the project's
dependencies itself (`build.install`). A parameter with no default cannot be filled in:
the command keeps its `{name}` and a note says so.

Scripts in common MLflow examples write no metrics file: they call `mlflow.log_metric`.
Then `train.metrics` names the local store the run lands in (`mlci.metrics.mlruns`
reads it): `mlflow.db` (MLflow 3.7+'s default tracking URI, `sqlite:///mlflow.db`),
`mlruns` (older MLflow, `MLFLOW_TRACKING_URI=./mlruns`, or a store already in the
folder), or whatever literal URI the script passes to `mlflow.set_tracking_uri`.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

from mlci.detect.evidence import Detection, Guess, Note
from mlci.detect.files import read_yaml_mapping
from mlci.detect.writes import ScriptFacts

MLPROJECT = "MLproject"
# MLflow 3.7 made sqlite:///mlflow.db the default tracking URI (unless ./mlruns has runs).
SQLITE_DEFAULT_SINCE = (3, 7)
_PIN_FILES = (
    "requirements.txt", "pyproject.toml", "python_env.yaml", "conda.yaml", "conda.yml",
    "environment.yml", "environment.yaml", "setup.cfg", "setup.py",
)  # fmt: skip


def read_mlproject(root: Path) -> dict[str, Any] | None:
    path = next((p for p in (root / MLPROJECT, root / "MLProject") if p.is_file()), None)
    if path is None:
        return None
    return read_yaml_mapping(path) or None  # an empty MLproject describes nothing


def _default(spec: Any) -> tuple[bool, Any]:
    """(has a default, the default) of a parameter: `{type: float, default: 0.5}` or `float`."""
    if isinstance(spec, dict) and "default" in spec:
        return True, spec["default"]
    return False, None


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return shlex.quote(str(value))


def entry_command(
    entry: dict[str, Any],
) -> tuple[str, dict[str, Any], list[str]]:
    """The entry point's command with defaults filled in; (command, defaults, missing)."""
    command = " ".join(str(entry.get("command") or "").split())
    raw = entry.get("parameters")
    parameters: dict[str, Any] = raw if isinstance(raw, dict) else {}
    defaults: dict[str, Any] = {}
    missing: list[str] = []
    for name, spec in parameters.items():
        has, value = _default(spec)
        if has and value is not None:
            defaults[str(name)] = value
        else:
            missing.append(str(name))

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        return _shown(defaults[name]) if name in defaults else match.group(0)

    return re.sub(r"\{([A-Za-z_][\w\-]*)\}", fill, command), defaults, missing


def script_of(command: str) -> str | None:
    """The Python file a command runs (`python train.py ...`, `python -m pkg.train`)."""
    try:
        words = shlex.split(command)
    except ValueError:
        return None
    for i, word in enumerate(words):
        if word.endswith(".py"):
            return word
        if word == "-m" and i + 1 < len(words):
            return words[i + 1].replace(".", "/") + ".py"
    return None


def _mlflow_pin(root: Path) -> tuple[int, int] | None:
    """The newest MLflow version the project allows, when it pins one below the latest."""
    for name in _PIN_FILES:
        path = root / name
        try:
            text = path.read_text(encoding="utf-8") if path.is_file() else ""
        except (OSError, UnicodeDecodeError):
            continue
        match = re.search(r"\bmlflow(?:-skinny)?\s*(==|<=|<|~=)\s*(\d+)(?:\.(\d+))?", text)
        if match:
            major, minor = int(match.group(2)), int(match.group(3) or 0)
            if match.group(1) == "<" and minor == 0:
                return (major - 1, 99)
            return (major, minor)
    return None


def mlflow_store(root: Path, scripts: list[ScriptFacts]) -> tuple[str | None, str]:
    """The local MLflow store a script's runs land in, as a train.metrics entry; (entry, why).

    None when the runs go to a tracking server (or a URI only the run knows).
    """
    uri = next((s.tracking_uri for s in scripts if s.tracking_uri), None)
    setter = next((s for s in scripts if s.tracking_uri), None)
    if uri is not None and setter is not None:
        where = f"{setter.source} sets the tracking URI {uri!r}"
        if uri.startswith("sqlite:///"):
            return uri[len("sqlite:///") :], where
        if uri.startswith(("http://", "https://", "databricks")):
            return None, where
        path = uri[len("file://") :] if uri.startswith("file://") else uri.removeprefix("file:")
        return (path.removeprefix("./") or "mlruns"), where
    if (root / "mlruns").is_dir() and any((root / "mlruns").iterdir()):
        return "mlruns", "MLflow keeps logging to the mlruns store already in the repository"
    pin = _mlflow_pin(root)
    if pin is not None and pin < SQLITE_DEFAULT_SINCE:
        return "mlruns", f"MLflow {pin[0]}.{pin[1]} (pinned) logs to ./mlruns by default"
    return "mlflow.db", "MLflow 3.7+ logs to sqlite:///mlflow.db by default"


def mlflow_guesses(
    root: Path, scripts: list[ScriptFacts], *, metrics: bool, params: bool
) -> Detection:
    """train.metrics (and train.params) naming the MLflow store, when only MLflow gets them."""
    logged = [m for s in scripts for m in s.mlflow_metrics]
    logged_params = [m for s in scripts for m in s.mlflow_params]
    if not (metrics and logged) and not (params and logged_params):
        return Detection()
    store, why = mlflow_store(root, scripts)
    if store is None:
        return Detection(
            notes=(
                Note(
                    "train.metrics",
                    f"metrics go to an MLflow tracking server ({why}); set tracking.mlflow.uri "
                    "and name a metrics file the training writes",
                ),
            )
        )
    guesses = []
    if metrics and logged:
        guesses.append(Guess("train.metrics", [store], f"{logged[0].evidence()}; {why}"))
    if params and logged_params:
        guesses.append(Guess("train.params", store, f"{logged_params[0].evidence()}; {why}"))
    return Detection(tuple(guesses))


def detect_mlproject(root: Path) -> tuple[Detection, str | None] | None:
    """The command guess of an MLproject and the script it runs; None when there is none.

    What the script writes (metrics, model, plots) is read by `mlci.detect.training`,
    as for any script.
    """
    project = read_mlproject(root)
    if project is None:
        return None
    raw = project.get("entry_points")
    entries: dict[str, Any] = raw if isinstance(raw, dict) else {}
    notes: list[Note] = []
    name = "main" if "main" in entries else next(iter(entries), None)
    entry = entries.get(name) if name is not None else None
    if not isinstance(entry, dict) or not entry.get("command"):
        return Detection(
            notes=(Note("train.command", "MLproject has no entry point with a command"),)
        ), None
    if name != "main":
        notes.append(Note("train.command", f"MLproject has no main entry point; used {name!r}"))
    command, defaults, missing = entry_command(entry)
    filled = ", ".join(f"{k}={v}" for k, v in defaults.items())
    why = f"the {name} entry point of MLproject" + (
        f", with its defaults {filled}" if filled else ""
    )
    if missing:
        notes.append(
            Note(
                "train.command",
                f"MLproject parameters {', '.join(missing)} have no default: "
                "fill them in train.command",
            )
        )
    notes.append(
        Note(
            "train.command",
            "parameters are passed on the command line: change them in train.command "
            "(MLproject's defaults are not read again)",
        )
    )
    others = [e for e in entries if e != name]
    if others:
        notes.append(
            Note(
                "train.command",
                f"other MLproject entry points not run: {', '.join(map(str, others))}",
            )
        )
    return Detection((Guess("train.command", command, why),), tuple(notes)), script_of(command)
