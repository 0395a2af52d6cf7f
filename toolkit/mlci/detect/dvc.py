"""Training guesses for a DVC pipeline: dvc.yaml, dvc.lock and .dvc/config.

The issue's wrong guesses this module exists to prevent: a stage's params key read as
a file path (`train.params: train.min_split`), only the `train` stage as the command (it
fails without the earlier stages' outputs), and metrics, plots or the model that another
stage writes left out. So:

- the command runs the WHOLE pipeline (`dvc repro`, or `dvc exp run` when the project's
  docs and scripts use experiments), after `dvc pull` when a remote is configured;
- `train.params` is the params FILE (`params.yaml`); the stages' keys are the evidence;
- metrics, plots and the model come from every stage of dvc.yaml (and its top-level
  `plots`, `metrics` and `artifacts`), DVCLive's outputs when a stage logs with it;
- `train.data` is the pipeline's input data (deps no stage produces, not code or
  params), read from dvc.lock when it exists;
- DVC itself is installed (`build.install`), with the extra the remote's scheme needs.

`pipeline_commands` gives the stages' commands in dependency order, for running the
pipeline where DVC is not installed (tests).
"""

from __future__ import annotations

import configparser
import posixpath
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlci.detect.evidence import Detection, Guess, Note
from mlci.detect.files import read_yaml_mapping
from mlci.detect.writes import MODEL_NAMES, MODEL_SUFFIXES, ScriptFacts, read_script

CODE_SUFFIXES = (".py", ".ipynb", ".sh", ".r", ".jl", ".ps1", ".bat", ".sql", ".scala", ".js")
# dvc[...] extras by remote URL scheme (the extras of the dvc package on PyPI).
REMOTE_EXTRAS = {
    "s3": "s3", "gs": "gs", "gcs": "gs", "azure": "azure", "gdrive": "gdrive", "ssh": "ssh",
    "oss": "oss", "hdfs": "hdfs", "webhdfs": "webhdfs", "webdav": "webdav", "webdavs": "webdav",
}  # fmt: skip
_INSTALL_FILES = (
    "requirements.txt", "requirements-dev.txt", "pyproject.toml", "setup.cfg", "setup.py",
    "environment.yml", "environment.yaml", "conda.yaml", "conda.yml", "python_env.yaml",
)  # fmt: skip


@dataclass(frozen=True)
class Stage:
    name: str
    commands: tuple[str, ...]
    wdir: str  # relative to the root
    deps: tuple[str, ...]  # every path relative to the root
    outs: tuple[str, ...]
    metrics: tuple[str, ...]
    plots: tuple[str, ...]
    params: tuple[tuple[str, str | None], ...]  # (file, key or None for the whole file)


@dataclass(frozen=True)
class Pipeline:
    stages: tuple[Stage, ...]  # in dependency order
    metrics: tuple[str, ...]  # top-level `metrics:`
    plots: tuple[str, ...]  # top-level `plots:` files and folders
    models: tuple[str, ...]  # top-level `artifacts:` of type model
    templated: tuple[str, ...]  # paths with ${...} that cannot be named before a run


def _join(wdir: str, path: str) -> str:
    return posixpath.normpath(posixpath.join(wdir, path))


def _entries(value: Any) -> list[tuple[str, Any]]:
    """DVC lists paths as strings or one-key mappings (`- eval/metrics.json: {cache: false}`)."""
    out: list[tuple[str, Any]] = []
    for entry in value if isinstance(value, list) else []:
        if isinstance(entry, str):
            out.append((entry, None))
        elif isinstance(entry, dict):
            out.extend((str(key), options) for key, options in entry.items())
    return out


def _params(value: Any, wdir: str) -> list[tuple[str, str | None]]:
    found: list[tuple[str, str | None]] = []
    for name, keys in _entries(value):
        if keys is None and not re.search(r"\.(ya?ml|json|toml|py)$", name):
            found.append((_join(wdir, "params.yaml"), name))  # a key of the default params.yaml
        elif isinstance(keys, list):
            found.extend((_join(wdir, name), str(key)) for key in keys)
        else:
            found.append((_join(wdir, name), None))
    return found


def _commands(cmd: Any) -> tuple[str, ...]:
    if isinstance(cmd, list):
        return tuple(str(c) for c in cmd)
    return (str(cmd),) if cmd is not None else ()


def _stage(name: str, raw: dict[str, Any], base: str, templated: list[str]) -> Stage:
    wdir = _join(base, str(raw.get("wdir") or "."))

    def paths(key: str) -> tuple[str, ...]:
        kept = []
        for path, _ in _entries(raw.get(key)):
            if "${" in path:
                templated.append(f"{name}.{key}: {path}")
            else:
                kept.append(_join(wdir, path))
        return tuple(kept)

    return Stage(
        name=name,
        commands=_commands(raw.get("cmd")),
        wdir=wdir,
        deps=paths("deps"),
        outs=paths("outs"),
        metrics=paths("metrics"),
        plots=paths("plots"),
        params=tuple(_params(raw.get("params"), wdir)),
    )


def _under(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _ordered(stages: list[Stage]) -> list[Stage]:
    """Stages in dependency order (a stage after those whose outputs it reads), stable."""
    produced = {
        out: stage.name for stage in stages for out in (*stage.outs, *stage.metrics, *stage.plots)
    }
    needs = {
        stage.name: {
            producer
            for dep in stage.deps
            for out, producer in produced.items()
            if (_under(dep, out) or _under(out, dep)) and producer != stage.name
        }
        for stage in stages
    }
    done: list[Stage] = []
    pending = list(stages)
    while pending:
        ready = next(
            (s for s in pending if needs[s.name] <= {d.name for d in done}), pending[0]
        )  # a cycle (DVC refuses one) falls back to the file's order
        done.append(ready)
        pending.remove(ready)
    return done


def _top_plots(value: Any) -> list[str]:
    files: list[str] = []
    for name, options in _entries(value):
        y = options.get("y") if isinstance(options, dict) else None
        if isinstance(y, dict):  # `y: {file.csv: field}`: the key is only an id
            files.extend(str(key) for key in y)
        else:
            files.append(name)
    return files


def read_pipeline(root: Path) -> Pipeline | None:
    """The pipeline of `root/dvc.yaml`, or None when there is none (or it does not parse)."""
    path = root / "dvc.yaml"
    data = read_yaml_mapping(path) if path.is_file() else None
    if data is None:
        return None
    templated: list[str] = []
    stages = []
    raw_stages = data.get("stages")
    for name, raw in (raw_stages if isinstance(raw_stages, dict) else {}).items():
        if isinstance(raw, dict) and isinstance(raw.get("do"), dict):
            raw = raw["do"]  # foreach/matrix stages: the template's fixed paths still count
        if isinstance(raw, dict):
            stages.append(_stage(str(name), raw, ".", templated))
    raw_artifacts = data.get("artifacts")
    artifacts: dict[str, Any] = raw_artifacts if isinstance(raw_artifacts, dict) else {}
    models = [
        str(a["path"])
        for a in artifacts.values()
        if isinstance(a, dict) and a.get("path") and a.get("type", "model") == "model"
    ]
    plots = [p for p in _top_plots(data.get("plots")) if "${" not in p]
    metrics = [p for p, _ in _entries(data.get("metrics")) if "${" not in p]
    return Pipeline(
        tuple(_ordered(stages)), tuple(metrics), tuple(plots), tuple(models), tuple(templated)
    )


def pipeline_commands(root: Path) -> list[str]:
    """Every stage's command in dependency order, each run in its `wdir`.

    What `dvc repro` runs on a fresh checkout; used where DVC is not installed.
    """
    pipeline = read_pipeline(root)
    commands = []
    for stage in pipeline.stages if pipeline else ():
        for command in stage.commands:
            commands.append(
                command if stage.wdir == "." else f"(cd {shlex.quote(stage.wdir)} && {command})"
            )
    return commands


def _scripts(stage: Stage) -> list[str]:
    """The Python scripts a stage's commands run (`python src/train.py`, `python -m src.train`)."""
    found = []
    for command in stage.commands:
        try:
            words = shlex.split(command)
        except ValueError:
            continue
        for i, word in enumerate(words):
            if word.endswith(".py"):
                found.append(_join(stage.wdir, word))
            elif word == "-m" and i + 1 < len(words):
                found.append(_join(stage.wdir, words[i + 1].replace(".", "/") + ".py"))
    return found


@dataclass(frozen=True)
class Remote:
    name: str
    url: str
    default: bool


def read_remotes(root: Path) -> list[Remote]:
    """Remotes of .dvc/config (the committed one; config.local is the user's own)."""
    path = root / ".dvc" / "config"
    if not path.is_file():
        return []
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(path.read_text(encoding="utf-8"))
    except (configparser.Error, OSError, UnicodeDecodeError):
        return []
    default = parser.get("core", "remote", fallback=None)
    remotes = []
    for section in parser.sections():
        match = re.fullmatch(r"""'?remote\s+"([^"]+)"'?""", section.strip())
        if match and parser.get(section, "url", fallback=None):
            name = match.group(1)
            remotes.append(Remote(name, parser.get(section, "url"), name == default))
    return remotes


def _installs_dvc(root: Path) -> str | None:
    for name in _INSTALL_FILES:
        path = root / name
        try:
            text = path.read_text(encoding="utf-8") if path.is_file() else ""
        except (OSError, UnicodeDecodeError):
            continue
        if re.search(r"(?im)^[\s\-\"']*dvc\b|[\"'\s]dvc[\[<>=~!\"'\s,]", text):
            return name
    return None


def _uses_experiments(root: Path) -> str | None:
    """The file that runs `dvc exp run`, when the project's docs and scripts never `dvc repro`."""
    candidates = [*root.glob("README*"), *root.glob("Makefile"), *root.glob("*.sh")]
    candidates += list((root / ".github" / "workflows").glob("*.y*ml"))
    using = None
    for file in candidates:
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if "dvc repro" in text:
            return None
        if "dvc exp run" in text and using is None:
            using = file.relative_to(root).as_posix()
    return using


def _tracked(root: Path) -> list[str]:
    """Data DVC tracks with `.dvc` pointer files (`dvc add data/raw.csv`)."""
    found = []
    for pointer in sorted(root.rglob("*.dvc")):
        if ".dvc" in pointer.relative_to(root).parts[:-1] or not pointer.is_file():
            continue
        data = read_yaml_mapping(pointer)
        if data is None:
            continue
        folder = pointer.parent.relative_to(root).as_posix()
        for out in data.get("outs") or [] if isinstance(data, dict) else []:
            if isinstance(out, dict) and out.get("path"):
                found.append(_join(folder, str(out["path"])))
    return found


def _lock_deps(root: Path) -> list[str] | None:
    path = root / "dvc.lock"
    if not path.is_file():
        return None
    data = read_yaml_mapping(path) or {}
    stages = data.get("stages") if isinstance(data, dict) else None
    deps = []
    for stage in (stages or {}).values() if isinstance(stages, dict) else ():
        for dep in (stage.get("deps") or []) if isinstance(stage, dict) else ():
            if isinstance(dep, dict) and dep.get("path"):
                deps.append(_join(".", str(dep["path"])))
    return deps


def _is_code(root: Path, path: str) -> bool:
    if path.lower().endswith(CODE_SUFFIXES) or posixpath.basename(path) in ("requirements.txt",):
        return True
    folder = root / path
    if folder.is_dir():
        files = [f for f in folder.rglob("*") if f.is_file()]
        return bool(files) and all(
            f.suffix.lower() in CODE_SUFFIXES or f.name == "__init__.py" for f in files
        )
    return False


def plots_folder(paths: list[str]) -> tuple[str | None, list[str]]:
    """train.plots is one folder: the deepest one holding them all, else the one holding
    most of them; (folder, the paths left out)."""
    folders = [p if not posixpath.splitext(p)[1] else posixpath.dirname(p) for p in paths]
    inside = [f for f in folders if f not in ("", ".")]
    if not inside:
        return None, paths
    common = posixpath.commonpath(inside)
    if not common or common == ".":
        common = max(
            dict.fromkeys(inside), key=lambda f: (sum(_under(g, f) for g in inside), -len(f))
        )
    return common, [p for p in paths if not _under(p, common)]


def detect_dvc(root: Path) -> Detection | None:
    """Training guesses for a DVC project, or None when the root has no dvc.yaml stages."""
    pipeline = read_pipeline(root)
    if pipeline is None or not pipeline.stages:
        return None
    guesses: list[Guess] = []
    notes: list[Note] = []
    names = ", ".join(s.name for s in pipeline.stages)
    scripts: list[ScriptFacts] = []
    for stage in pipeline.stages:
        for script in _scripts(stage):
            if (root / script).is_file():
                scripts.append(read_script(root, script, cwd=stage.wdir))

    # The command: the whole pipeline, with the data pulled first when a remote exists.
    remotes = read_remotes(root)
    reachable = [r for r in remotes if not _local(r.url)]
    default = next((r for r in reachable if r.default), None)
    pull = ""
    remote_note = ""
    if default is not None:
        pull = "dvc pull --allow-missing && "
        remote_note = f", after `dvc pull` from remote {default.name!r} ({default.url})"
    elif reachable:
        pull = f"dvc pull -r {shlex.quote(reachable[0].name)} --allow-missing && "
        remote_note = f", after `dvc pull` from remote {reachable[0].name!r} ({reachable[0].url})"
    experiments = _uses_experiments(root)
    run = "dvc exp run" if experiments else "dvc repro"
    if not (root / ".dvc").is_dir():
        command = " && ".join(pipeline_commands(root))
        guesses.append(
            Guess(
                "train.command",
                command,
                f"the stages of dvc.yaml in order ({names}); "
                "no .dvc folder, so DVC cannot run them",
            )
        )
        notes.append(
            Note(
                "train.command",
                "dvc.yaml has no .dvc folder beside it (run `dvc init`); "
                "the stages' commands run in order instead",
            )
        )
    else:
        why = f"runs every stage of dvc.yaml ({names}){remote_note}"
        if experiments:
            why += f"; {experiments} runs experiments with `dvc exp run`"
        guesses.append(Guess("train.command", pull + run, why))
    tracked = _tracked(root)
    if remotes and not reachable:
        notes.append(
            Note(
                "train.command",
                f"the DVC remote {remotes[0].name!r} is a local folder ({remotes[0].url}); "
                "CI cannot pull from it, so the pipeline runs on the data in git",
            )
        )
    elif not remotes and tracked:
        notes.append(
            Note(
                "train.command",
                f"{', '.join(tracked)} tracked by DVC, but .dvc/config names no remote: "
                "CI cannot get the data; add one with `dvc remote add -d`",
            )
        )
    if pull:
        notes.append(
            Note(
                "train.command",
                "the training job needs the remote's credentials "
                "(as secrets in env:) for `dvc pull`",
            )
        )

    # DVC itself, when the command runs it (no .dvc folder: the stages run without DVC).
    uses_dvc = (root / ".dvc").is_dir()
    listed = _installs_dvc(root)
    scheme = default or (reachable[0] if reachable else None)
    extra = (
        REMOTE_EXTRAS.get(scheme.url.split("://")[0].lower())
        if scheme and "://" in scheme.url
        else None
    )
    if uses_dvc and listed is None:
        package = f"'dvc[{extra}]'" if extra else "dvc"
        why = "dvc.yaml needs DVC to run" + (
            f"; the remote is {scheme.url.split('://')[0]}" if extra and scheme else ""
        )
        guesses.append(Guess("build.install", f"pip install {package}", why))
    elif uses_dvc:
        notes.append(Note("build.install", f"DVC comes from {listed}"))

    # Params: the FILE, with the stages' keys as the evidence.
    param_files: dict[str, list[str]] = {}
    for stage in pipeline.stages:
        for file, key in stage.params:
            param_files.setdefault(file, [])
            if key and key not in param_files[file]:
                param_files[file].append(key)
    params_file = (
        "params.yaml"
        if "params.yaml" in param_files or (root / "params.yaml").is_file()
        else next(iter(param_files), None)
    )
    if params_file:
        keys = param_files.get(params_file, [])
        shown = ", ".join(keys[:6]) + (", ..." if len(keys) > 6 else "")
        why = (
            f"the stages of dvc.yaml read keys {shown} of it"
            if keys
            else "the params file of the DVC pipeline"
        )
        guesses.append(Guess("train.params", params_file, why))
        others = [f for f in param_files if f != params_file]
        if others:
            notes.append(
                Note(
                    "train.params",
                    f"stages also read {', '.join(others)}; train.params names one file",
                )
            )

    # Metrics: every stage's, the top level's and DVCLive's.
    metrics: list[str] = []
    sources: list[str] = []
    for stage in pipeline.stages:
        for path in stage.metrics:
            if path not in metrics:
                metrics.append(path)
                sources.append(f"stage {stage.name}")
    for path in pipeline.metrics:
        if path not in metrics:
            metrics.append(path)
            sources.append("dvc.yaml metrics")
    dvclive = [(m, s) for s in scripts for m in s.dvclive]
    plot_paths = [p for stage in pipeline.stages for p in stage.plots] + list(pipeline.plots)
    for mark, facts in dvclive:
        live_metrics = posixpath.join(mark.text, "metrics.json")
        if live_metrics not in metrics:
            metrics.append(live_metrics)
            sources.append(f"DVCLive in {facts.source} line {mark.line}")
        live_plots = posixpath.join(mark.text, "plots")
        if not any(_under(p, mark.text) for p in plot_paths):
            plot_paths.append(live_plots)
    if metrics:
        guesses.append(
            Guess(
                "train.metrics", metrics, "dvc.yaml metrics of " + ", ".join(dict.fromkeys(sources))
            )
        )
    else:
        script_metrics = [w for s in scripts for w in s.written("metrics")]
        if script_metrics:
            guesses.append(
                Guess(
                    "train.metrics",
                    [w.path for w in script_metrics],
                    "; ".join(f"{w.path} {w.evidence()}" for w in script_metrics),
                )
            )
        else:
            notes.append(
                Note(
                    "train.metrics",
                    "no stage of dvc.yaml declares metrics "
                    "and no stage script writes a metrics file",
                )
            )

    # Plots: one folder.
    images = [w.path for s in scripts for w in s.written("plot")]
    folder, left = plots_folder(list(dict.fromkeys([*plot_paths, *images])))
    if folder:
        guesses.append(
            Guess(
                "train.plots",
                folder,
                "holds the plots of dvc.yaml "
                f"({', '.join(p for p in plot_paths if _under(p, folder))})"
                if plot_paths
                else "plots written by the stage scripts",
            )
        )
    from mlci.detect.training import _images_apart

    pictures, left = _images_apart(left)
    if pictures:
        guesses.append(Guess("train.images", pictures, "images the stage scripts write"))
    if left:
        notes.append(
            Note(
                "train.plots",
                f"{', '.join(left)} outside {folder or 'a plots folder'}: "
                "not shown in reports (train.plots is one folder)",
            )
        )

    # The model: an artifact, else an out that a script dumps as a model or looks like one.
    model_writes = {w.path: w for s in scripts for w in s.written("model")}
    outs = [(stage, out) for stage in pipeline.stages for out in stage.outs]
    model = None
    why = ""
    if pipeline.models:
        model, why = pipeline.models[0], "an artifact of type model in dvc.yaml"
    else:
        for stage, out in outs:
            written = next((w for p, w in model_writes.items() if _under(p, out)), None)
            if written is not None:
                model, why = out, f"an out of stage {stage.name}, {written.evidence()}"
                break
        if model is None:
            for stage, out in outs:
                if out.lower().endswith(MODEL_SUFFIXES) or MODEL_NAMES.search(
                    posixpath.basename(out)
                ):
                    model, why = out, f"an out of stage {stage.name}"
                    break
    if model:
        guesses.append(Guess("train.model", model, why))
    else:
        notes.append(
            Note("train.model", "no out of dvc.yaml is a model file and no stage script dumps one")
        )

    # Data: the pipeline's inputs, from dvc.lock when it exists.
    produced = [p for stage in pipeline.stages for p in (*stage.outs, *stage.metrics, *stage.plots)]
    params = {file for stage in pipeline.stages for file, _ in stage.params}
    locked = _lock_deps(root)
    deps = locked if locked is not None else [d for stage in pipeline.stages for d in stage.deps]
    data = [
        dep
        for dep in dict.fromkeys(deps)
        if not any(_under(dep, out) for out in produced)
        and dep not in params
        and not _is_code(root, dep)
        and ((root / dep).exists() or dep in tracked)
    ]
    if data:
        guesses.append(
            Guess(
                "train.data",
                data,
                "the pipeline's input data, deps in "
                + ("dvc.lock" if locked is not None else "dvc.yaml"),
            )
        )
    if pipeline.templated:
        notes.append(
            Note(
                "train.metrics",
                f"paths with ${{...}} in dvc.yaml are left out: {', '.join(pipeline.templated)}",
            )
        )
    return Detection(tuple(guesses), tuple(notes))


def _local(url: str) -> bool:
    return "://" not in url or url.startswith("file://")


def stage_scripts(root: Path) -> list[ScriptFacts]:
    """The facts of every stage's script (for GPU evidence over the whole pipeline)."""
    pipeline = read_pipeline(root)
    facts = []
    for stage in pipeline.stages if pipeline else ():
        for script in _scripts(stage):
            if (root / script).is_file():
                facts.append(read_script(root, script, cwd=stage.wdir))
    return facts
