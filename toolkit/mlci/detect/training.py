"""How a repository trains, and what the training writes: the `train.*` guesses of init.

One entry point, `detect_training(root)`, tries the shapes a project trains in, most
explicit first, and stops at the first that applies:

1. a DVC pipeline (dvc.yaml): `mlci.detect.dvc`, the whole pipeline;
2. an MLflow project (MLproject): its `main` entry point (`mlci.detect.mlproject`);
3. a training script: train.py, src/train.py, scripts/train.py, training/*.py, or a
   script with `if __name__ == "__main__"` that fits a model;
4. a notebook, only when nothing else exists (`mlci.detect.notebooks`).

For 2-4, what the script writes (`mlci.detect.writes`, read from its syntax tree, with
the local modules it imports) gives train.metrics, train.model, train.plots and
train.data; metrics only logged to MLflow name the local MLflow store. A path no
script writes is never guessed: the key is left out and a note says what was looked
at. GPU use in the training code (torch/jax/tensorflow on CUDA) gives a
`train.runner.gpu` guess with the line that shows it.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

from mlci.detect.evidence import Detection, Guess, Note
from mlci.detect.writes import DATA_SUFFIXES, ScriptFacts, Written, read_script

TRAIN_SCRIPTS = ("train.py", "src/train.py", "scripts/train.py", "training/train.py")
TRAIN_NAMES = re.compile(r"^(train|training)(_\w+)?\.py$|^\w+_train(ing)?\.py$", re.IGNORECASE)
RUNNER_NAMES = ("main.py", "run.py", "pipeline.py", "model.py", "fit.py")
PARAMS_NAMES = re.compile(
    r"^(params|hparams|hyperparams|config|configs?|settings)\.(ya?ml|json|toml)$", re.IGNORECASE
)
PARAMS_SUFFIXES = (".yaml", ".yml", ".json", ".toml")
MAX_SCRIPTS = 400  # Python files read when looking for a training script
_NOT_TRAINING = re.compile(
    r"(^|/)(tests?|docs?|examples?|benchmarks?)/|(^|/)(test_[^/]*|[^/]*_test|conftest|setup|noxfile|__init__)\.py$"
)


def _python_files(root: Path) -> list[str]:
    from mlci.detect.files import project_files

    return [f for f in project_files(root) if f.endswith(".py") and not _NOT_TRAINING.search(f)][
        :MAX_SCRIPTS
    ]


def _rank(path: str, facts: ScriptFacts) -> int:
    """How surely a script is the training entry point (0: not one)."""
    if facts.error:
        return 0
    if path in TRAIN_SCRIPTS:
        return 100 - TRAIN_SCRIPTS.index(path)
    name = posixpath.basename(path)
    if TRAIN_NAMES.match(name) and (facts.is_main or facts.fits):
        return 80 if path.startswith("training/") or "/" not in path else 75
    if name in RUNNER_NAMES and facts.is_main and facts.fits:
        return 60
    if facts.is_main and facts.fits:
        return 50
    return 0


def _find_script(root: Path) -> tuple[str, ScriptFacts, list[str]] | None:
    ranked = []
    for path in _python_files(root):
        facts = read_script(root, path)
        rank = _rank(path, facts)
        if rank:
            ranked.append((-rank, path.count("/"), path, facts))
    if not ranked:
        return None
    ranked.sort(key=lambda item: item[:3])
    _, _, path, facts = ranked[0]
    return path, facts, [p for _, _, p, _ in ranked[1:4]]


def _module_files(root: Path, script: str, module: str) -> list[str]:
    """Local files an import may name: `utils`, `src.model`, `.helpers` (relative)."""
    here = posixpath.dirname(script)
    if module.startswith("."):
        level = len(module) - len(module.lstrip("."))
        base = here
        for _ in range(level - 1):
            base = posixpath.dirname(base)
        module, bases = module.lstrip("."), [base]
    else:
        bases = [here, "", "src"]
    found = []
    for base in dict.fromkeys(bases):
        stem = posixpath.join(base, module.replace(".", "/")) if module else base
        for candidate in (stem + ".py", posixpath.join(stem, "__init__.py")):
            if candidate.lstrip("/") and (root / candidate).is_file():
                found.append(posixpath.normpath(candidate))
    return found


def with_modules(root: Path, facts: ScriptFacts, limit: int = 20) -> list[ScriptFacts]:
    """The script and the project modules it imports (two levels), read once each."""
    seen = {facts.source}
    out = [facts]
    queue = [(facts, 0)]
    while queue and len(out) < limit:
        current, depth = queue.pop(0)
        if depth >= 2:
            continue
        for module in current.imports:
            for file in _module_files(root, current.source, module):
                if file not in seen:
                    seen.add(file)
                    module_facts = read_script(root, file)
                    out.append(module_facts)
                    queue.append((module_facts, depth + 1))
    return out


def _evidence(writes: list[Written]) -> str:
    """`written by train.py line 42 (...)`; with the paths when there are several."""
    if len(writes) == 1:
        return writes[0].evidence()
    return "; ".join(f"{w.path} {w.evidence()}" for w in writes)


def _images_apart(paths: list[str]) -> tuple[list[str], list[str]]:
    """(images, the rest) of plot files outside the plots folder: an image anywhere (CML's
    `plot.png` at the root) is shown through train.images; plot data must sit in train.plots."""
    from mlci.detect.writes import IMAGE_SUFFIXES

    images = [p for p in paths if p.lower().endswith(IMAGE_SUFFIXES)]
    return images, [p for p in paths if p not in images]


def _folder_of_plots(paths: list[str]) -> tuple[str | None, list[str]]:
    from mlci.detect.dvc import plots_folder

    return plots_folder(paths)


def _params_file(
    root: Path, scripts: list[ScriptFacts], written: set[str]
) -> tuple[str, str] | None:
    """The params file the training reads: named in its code, existing, not an output."""
    mentioned: list[tuple[str, ScriptFacts]] = []
    for facts in scripts:
        for text in facts.mentions:
            for candidate in (text, posixpath.join(posixpath.dirname(facts.source), text)):
                path = posixpath.normpath(candidate)
                if (
                    path.lower().endswith(PARAMS_SUFFIXES)
                    and path not in written
                    and (root / path).is_file()
                    and not path.startswith("..")
                ):
                    mentioned.append((path, facts))
    read = {r.path for s in scripts for r in s.reads}
    mentioned.sort(
        key=lambda item: (not PARAMS_NAMES.match(posixpath.basename(item[0])), item[0] not in read)
    )
    if mentioned:
        path, facts = mentioned[0]
        how = "reads" if path in read else "names"
        return path, f"{facts.source} {how} it"
    return None


def _outputs(root: Path, scripts: list[ScriptFacts], *, params: bool = True) -> Detection:
    """train.metrics/model/plots/params/data/runner.gpu from what the scripts write."""
    from mlci.detect.mlproject import mlflow_guesses

    guesses: list[Guess] = []
    notes: list[Note] = []
    looked = ", ".join(s.source for s in scripts)
    writes = [w for s in scripts for w in s.writes]
    written = {w.path for w in writes}

    metrics = [w for w in writes if w.kind == "metrics"]
    live = [(m, s) for s in scripts for m in s.dvclive]
    mlflow = mlflow_guesses(root, scripts, metrics=not metrics and not live, params=False)
    if metrics:
        guesses.append(Guess("train.metrics", [w.path for w in metrics], _evidence(metrics)))
    elif live:
        mark, facts = live[0]
        guesses.append(
            Guess(
                "train.metrics",
                [posixpath.join(mark.text, "metrics.json")],
                f"DVCLive writes it: {facts.source} line {mark.line} logs with dvclive.Live",
            )
        )
    elif mlflow.guesses or mlflow.notes:
        guesses += mlflow.guesses
        notes += mlflow.notes
    else:
        notes.append(Note("train.metrics", f"no metrics file is written by {looked}; left out"))

    model = [w for w in writes if w.kind == "model"]
    if model:
        guesses.append(Guess("train.model", model[0].path, model[0].evidence()))
        if len(model) > 1:
            notes.append(
                Note("train.model", f"also written: {', '.join(w.path for w in model[1:])}")
            )
    else:
        logged = [m for s in scripts for m in s.mlflow_models]
        where = f" (the model is logged to MLflow: {logged[0].evidence()})" if logged else ""
        notes.append(Note("train.model", f"no model file is written by {looked}; left out{where}"))

    plots = [w.path for w in writes if w.kind == "plot"]
    if live:
        plots.append(posixpath.join(live[0][0].text, "plots"))
    folder, left = _folder_of_plots(plots)
    if folder:
        inside = [w for w in writes if w.kind == "plot" and w.path.startswith(folder + "/")]
        why = _evidence(inside) if inside else "DVCLive writes its plots there"
        guesses.append(Guess("train.plots", folder, f"holds the plots: {why}"))
    images, left = _images_apart(left)
    if images:
        shown = [w for w in writes if w.kind == "plot" and w.path in images]
        guesses.append(Guess("train.images", images, _evidence(shown)))
    if left:
        notes.append(
            Note(
                "train.plots",
                f"{', '.join(left)} written outside {folder or 'a plots folder'}; "
                "train.plots is one folder: write plots into one (e.g. plots/) to chart them",
            )
        )

    if params:
        found = _params_file(root, scripts, written)
        if found:
            guesses.append(Guess("train.params", found[0], found[1]))
        else:
            from_mlflow = mlflow_guesses(root, scripts, metrics=False, params=True)
            if from_mlflow.guesses:
                guesses += from_mlflow.guesses
            else:
                notes.append(Note("train.params", f"no params file is read by {looked}; left out"))

    data = [
        r
        for r in (r for s in scripts for r in s.reads)
        if r.path.lower().endswith(DATA_SUFFIXES)
        and r.path not in written
        and (root / r.path).exists()
        and not PARAMS_NAMES.match(posixpath.basename(r.path))
    ]
    unique = list({r.path: r for r in data}.values())
    if unique:
        guesses.append(
            Guess(
                "train.data",
                [r.path for r in unique],
                "; ".join(f"{r.path} read by {r.source} line {r.line}" for r in unique),
            )
        )
    unresolved = [m for s in scripts for m in s.unresolved]
    if unresolved:
        notes.append(Note("train", "; ".join(m.evidence() for m in unresolved[:3])))
    return Detection(tuple(guesses), tuple(notes)) + gpu_detection(scripts)


def gpu_detection(scripts: list[ScriptFacts]) -> Detection:
    marks = [m for s in scripts for m in s.gpu]
    if not marks:
        return Detection()
    return Detection((Guess("train.runner.gpu", True, marks[0].evidence()),))


def _command_for(path: str, facts: ScriptFacts) -> str:
    relative = any(module.startswith(".") for module in facts.imports)
    if relative and "/" in path:  # a package module: run it as one
        return "python -m " + path[: -len(".py")].replace("/", ".")
    return f"python {path}"


def detect_training(root: Path) -> Detection:
    """Every train.* guess (and build.install for DVC or notebook runners), with evidence."""
    from mlci.detect.dvc import detect_dvc, stage_scripts
    from mlci.detect.mlproject import detect_mlproject
    from mlci.detect.notebooks import detect_notebooks

    dvc = detect_dvc(root)
    if dvc is not None:
        scripts = [m for facts in stage_scripts(root) for m in with_modules(root, facts)]
        return dvc + gpu_detection(scripts)

    project = detect_mlproject(root)
    if project is not None:
        detection, script = project
        if script and (root / script).is_file():
            return detection + _outputs(root, with_modules(root, read_script(root, script)))
        return detection

    found = _find_script(root)
    if found is not None:
        path, facts, others = found
        why = f"found {path}" if path in TRAIN_SCRIPTS else f"{path} trains a model"
        fit = next(iter(facts.fits), None)
        if fit is not None:
            why += f" ({fit.text}, line {fit.line})"
        guesses = [Guess("train.command", _command_for(path, facts), why)]
        notes = []
        if facts.required_args:
            notes.append(
                Note(
                    "train.command",
                    f"{path} requires {', '.join(facts.required_args)}: add them to train.command",
                )
            )
        if others:
            notes.append(Note("train.command", f"other scripts that train: {', '.join(others)}"))
        return Detection(tuple(guesses), tuple(notes)) + _outputs(root, with_modules(root, facts))

    notebook = detect_notebooks(root)
    if notebook is not None:
        detection, cells = notebook
        return detection + _outputs(root, [cells])
    return Detection(
        notes=(
            Note(
                "train.command",
                "no dvc.yaml, MLproject, training script or notebook found: "
                "set train.command by hand",
            ),
        )
    )
