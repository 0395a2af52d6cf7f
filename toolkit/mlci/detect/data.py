"""`data.reference`, `data.current` and `train.data`: the project's data files.

Data files are looked for anywhere in the repository (not only in `data/`), among the
project's files (`mlci.detect.files`) and the files DVC tracks (`*.dvc` pointers and
the outs of dvc.lock: the data's path, not the pointer's). A file counts when its
extension is a table's and the table reader (`mlci.tables`) reads a header and a row
from it (and, for .txt files, at least two columns): a headerless, space-separated
file, a requirements.txt or a metrics file is no data set, and a note says why a
data-named file was left out.

The drift reference is the data the model is trained on: a file named as a reference
or a training split first, then one the training code names. A test, validation or
holdout split is never the reference; a note says it was seen and left out. Current
(production) data is guessed only from its name (`current`, `production`, ...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from mlci.detect.evidence import Detection, Guess, Note
from mlci.detect.files import find_mention, read_mapping

DATA_SUFFIXES = (
    ".csv", ".tsv", ".parquet", ".pq", ".parq", ".csv.gz", ".tsv.gz", ".csv.bz2", ".csv.zip",
    ".txt",
)  # fmt: skip
_TOKENS = re.compile(r"[^a-z0-9]+")
TEST_WORDS = frozenset(
    {"test", "tests", "testing", "holdout", "valid", "validation", "val", "eval"}
)
TRAIN_WORDS = frozenset({"train", "training", "trainset"})
REFERENCE_WORDS = frozenset({"reference", "ref", "baseline"})
CURRENT_WORDS = frozenset({"current", "production", "prod", "live", "incoming", "serving"})
# Files a training run writes or that describe the project, not data it learns from.
OUTPUT_WORDS = frozenset(
    {"metrics", "scores", "score", "predictions", "prediction", "preds", "submission",
     "requirements", "constraints", "plots", "plot", "report", "results", "license",
     "readme", "changelog", "notice", "authors", "dvclive", "mlruns"}
)  # fmt: skip
_FOLDERS_LEFT_OUT = ("tests/", "test/", "docs/", "doc/", ".mlci/")


@dataclass(frozen=True)
class DataFile:
    path: str
    columns: int | None  # None: not in the checkout (tracked by DVC, to be pulled)
    dvc: bool = False

    @property
    def words(self) -> frozenset[str]:
        lower = self.path.lower()
        for suffix in DATA_SUFFIXES:
            if lower.endswith(suffix):
                lower = lower[: -len(suffix)]
                break
        return frozenset(t for t in _TOKENS.split(lower) if t)


def _is_data_name(path: str) -> bool:
    lower = path.lower()
    return lower.endswith(DATA_SUFFIXES) and not lower.startswith(_FOLDERS_LEFT_OUT)


def _dvc_tracked(root: Path, files: tuple[str, ...]) -> list[str]:
    """Table files DVC tracks that a checkout can have: `*.dvc` pointer outs (pulled with
    `dvc pull`) and the pipeline's input deps in dvc.lock. Outs of a pipeline stage are
    left out unless they are on disk: the pipeline makes them, a checkout does not."""
    tracked: list[str] = []
    for pointer in (f for f in files if f.endswith(".dvc")):
        data = read_mapping(root / pointer)
        for out in (data or {}).get("outs") or []:
            if isinstance(out, dict) and isinstance(out.get("path"), str):
                tracked.append((Path(pointer).parent / out["path"]).as_posix())
    lock = read_mapping(root / "dvc.lock") if "dvc.lock" in files else None
    stages = (lock or {}).get("stages") or {}
    deps: list[str] = []
    outs: list[str] = []
    for stage in stages.values() if isinstance(stages, dict) else ():
        if not isinstance(stage, dict):
            continue
        for key, into in (("deps", deps), ("outs", outs)):
            for entry in stage.get(key) or []:
                if isinstance(entry, dict) and isinstance(entry.get("path"), str):
                    into.append(entry["path"].removeprefix("./"))

    def made_by_a_stage(path: str) -> bool:
        return any(path == out or path.startswith(out.rstrip("/") + "/") for out in outs)

    tracked += [d for d in deps if not made_by_a_stage(d)]
    tracked += [o for o in outs if (root / o).is_file()]
    return [p for p in dict.fromkeys(tracked) if _is_data_name(p)]


def _sniff(root: Path, path: str) -> tuple[int | None, str | None]:
    """(column count, None) of a readable table with rows; (None, why not) otherwise."""
    from mlci.errors import MlciError
    from mlci.output import inputs_scope
    from mlci.tables import open_table

    with inputs_scope():  # a guess is no command input: nothing to protect from writes
        try:
            table = open_table(root / path)
        except MlciError as error:
            text = error.message.split(": ", 1)[-1]
            return None, text
    if not table.has_rows:
        return None, "it has no data rows"
    if len(table.columns) < 2 and path.lower().endswith(".txt"):
        return None, "it reads as one column"  # a list of words, not a data set
    return len(table.columns), None


@dataclass(frozen=True)
class DataFiles:
    found: tuple[DataFile, ...]
    left_out: tuple[tuple[str, str], ...]  # (path, why) of data-named files not readable


def find_data_files(root: Path, files: tuple[str, ...], outputs: tuple[str, ...] = ()) -> DataFiles:
    """Table files of the project (by extension and content), outputs of the training left out."""
    found: list[DataFile] = []
    left_out: list[tuple[str, str]] = []
    written = tuple(o.rstrip("/") for o in outputs if o)

    def is_output(path: str) -> bool:
        return any(path == o or path.startswith(o + "/") for o in written)

    candidates = [f for f in files if _is_data_name(f)]
    tracked = set(_dvc_tracked(root, files))
    for path in dict.fromkeys([*candidates, *sorted(tracked)]):
        if is_output(path):
            continue
        probe = DataFile(path, None, path in tracked)
        if probe.words & OUTPUT_WORDS:
            continue
        if not (root / path).is_file():
            if path in tracked:
                found.append(probe)
            continue
        columns, why = _sniff(root, path)
        if columns is not None:
            found.append(DataFile(path, columns, path in tracked))
        elif not path.lower().endswith(".txt"):
            left_out.append((path, why or "not a table"))
    return DataFiles(tuple(found), tuple(left_out))


def _mention(root: Path, files: tuple[str, ...], path: str) -> str | None:
    # The file's name inside a string literal ("data/train.csv", 'train.csv', f"{d}/train.csv"),
    # not in a docstring's prose.
    name = re.escape(Path(path).name)
    found = find_mention(root, files, re.compile(rf"""["'/\\}}]{name}["']"""))
    return str(found) if found else None


def detect_data(root: Path, files: tuple[str, ...], outputs: tuple[str, ...] = ()) -> Detection:
    """Guesses for data.reference, data.current and train.data, with notes."""
    data = find_data_files(root, files, outputs)
    guesses: list[Guess] = []
    notes: list[Note] = [
        Note("data.reference", f"{path} is left out: {why}") for path, why in data.left_out
    ]
    tests = [f for f in data.found if f.words & TEST_WORDS and not f.words & TRAIN_WORDS]
    current = [f for f in data.found if f.words & CURRENT_WORDS and f not in tests]
    rest = [f for f in data.found if f not in tests and f not in current]
    mentions = {f.path: _mention(root, files, f.path) for f in data.found}

    def rank(file: DataFile) -> tuple[int, int, int, int, str]:
        role = 0 if file.words & REFERENCE_WORDS else 1 if file.words & TRAIN_WORDS else 2
        named = 0 if mentions.get(file.path) else 1
        # A file in the checkout first: the drift check reads it without running anything.
        present = 0 if file.columns else 1
        return (present, role, named, -(file.columns or 0), file.path)

    reference = min(rest, key=rank) if rest else None
    if reference is not None:
        if reference.words & REFERENCE_WORDS:
            why = "named as reference data"
        elif reference.words & TRAIN_WORDS:
            why = "a training split"
        elif mentions.get(reference.path):
            why = f"named in {mentions[reference.path]}"
        else:
            why = "the only data file" if len(rest) == 1 else "the first data file found"
        if reference.columns:
            why += f", {reference.columns} columns"
        if reference.dvc and reference.columns is None:
            why += ", tracked by DVC (not in the checkout: pull it with `dvc pull`)"
        guesses.append(Guess("data.reference", reference.path, why))
        others = [f.path for f in rest if f is not reference]
        if others:
            notes.append(
                Note(
                    "data.reference",
                    f"other data files not used as the reference: {', '.join(others)}",
                )
            )
    for file in tests:
        notes.append(
            Note(
                "data.reference",
                f"{file.path} is a {_split_kind(file.words)} split, not used as the reference",
            )
        )
    if reference is None and tests:
        notes.append(
            Note(
                "data.reference", "only test splits found: set data.reference to the training data"
            )
        )
    if reference is not None:
        if current:
            guesses.append(
                Guess(
                    "data.current",
                    {"path": current[0].path},
                    "named like current data; add data.current.command to fetch it",
                )
            )
        else:
            notes.append(
                Note(
                    "data.current",
                    "no current (production) data found: set data.current.path and "
                    "data.current.command for the scheduled drift check",
                )
            )
    lineage = [f.path for f in data.found if mentions.get(f.path) and f not in current]
    if lineage:
        evidence = "; ".join(f"{p} named in {mentions[p]}" for p in lineage)
        guesses.append(Guess("train.data", lineage, evidence))
    return Detection(tuple(guesses), tuple(notes))


def _split_kind(words: frozenset[str] | set[str]) -> str:
    """How a held-out file calls itself: a validation split, a holdout split, a test split."""
    if words & {"val", "valid", "validation"}:
        return "validation"
    if "holdout" in words:
        return "holdout"
    return "test"
