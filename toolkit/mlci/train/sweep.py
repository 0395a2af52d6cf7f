"""Sweeps: the candidates of `train.sweep`, each trained in its own copy of the work tree.

A sweep is a grid (dotted params key -> values; the product over the keys in file
order) or a list of parameter sets. Candidates are numbered `c1`, `c2`, ... in that
order, and `train.max_candidates` keeps the first ones. A candidate never touches the
user's params file: it trains in `.mlci/sweep/<id>/`, a copy of the files git knows
(tracked, and untracked ones not ignored) plus the declared data, with its values set
in the copy's params file. Its run record, with `candidate: {"id", "params"}`, and
the plot data kept with it go to `DIR/<id>/run.json` and `DIR/<id>/` (default DIR
`.mlci/candidates`), the layout `mlci report --candidates` and the CI matrix share.

The best candidate is the succeeded one with the best `train.select.metric` in the
metric's direction; a tie goes to the first id; failed or unmeasured ones are never
picked.
"""

from __future__ import annotations

import itertools
import math
import shutil
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from mlci.config.schema import MlciConfig, SweepValue
from mlci.errors import ConfigError, InputError
from mlci.train.record import RunRecord, read_run, run_folder

SWEEP_DIR = Path(".mlci") / "sweep"
CANDIDATES_DIR = Path(".mlci") / "candidates"
RECORD_NAME = "run.json"

Direction = Literal["higher", "lower"]


@dataclass(frozen=True)
class Candidate:
    """One parameter set of a sweep: `c2` and {"model.max_depth": 6}."""

    id: str
    params: dict[str, SweepValue]

    def to_dict(self) -> dict[str, Any]:
        """The record's `candidate` entry and one item of `mlci sweep --list --json`."""
        return {"id": self.id, "params": dict(self.params)}


@dataclass(frozen=True)
class SweepPlan:
    """The candidates a sweep trains, after the budget; `total` counts them before it."""

    candidates: tuple[Candidate, ...]
    total: int
    params_file: str
    metric: str
    direction: Direction

    @property
    def over_budget(self) -> int:
        """Parameter sets `train.max_candidates` left out (the last ones in order)."""
        return self.total - len(self.candidates)

    def candidate(self, candidate_id: str) -> Candidate:
        for candidate in self.candidates:
            if candidate.id == candidate_id:
                return candidate
        known = ", ".join(c.id for c in self.candidates)
        raise InputError(
            f"--candidate {candidate_id}: no such candidate in train.sweep",
            f"use one of: {known} (see `mlci sweep --list`)",
        )


# --- expansion ------------------------------------------------------------------------


def expand(
    sweep: Mapping[str, Sequence[SweepValue]] | Sequence[Mapping[str, SweepValue]],
) -> list[dict[str, SweepValue]]:
    """The parameter sets of a sweep, in order: a grid's product (first key slowest), or
    the list as written."""
    if isinstance(sweep, Mapping):
        keys = list(sweep)
        return [
            dict(zip(keys, values, strict=True))
            for values in itertools.product(*(sweep[k] for k in keys))
        ]
    return [dict(entry) for entry in sweep]


def plan_sweep(config: MlciConfig, root: str | Path) -> SweepPlan:
    """The candidates of `train.sweep`, each key checked against the params file in `root`.

    Raises ConfigError (exit 2) when there is no sweep or a key is not in the params
    file (the message names the key and the nearest one that is).
    """
    from mlci.metrics.direction import direction_of

    train = config.train
    if train.sweep is None:
        raise ConfigError(
            "mlci.yaml: train.sweep is not set, so there are no candidates",
            "add e.g. train.sweep: {model.max_depth: [4, 6, 8]} and train.select: {metric: ...}",
        )
    assert train.params is not None and train.select.metric is not None  # config checks
    sets = expand(train.sweep)
    known = params_keys(Path(root) / train.params, train.params)
    for values in sets:
        for key in values:
            if key not in known:
                import difflib

                guess = difflib.get_close_matches(key, sorted(known), n=1)
                raise ConfigError(
                    f"mlci.yaml: train.sweep: {key!r} is not a key of {train.params}",
                    f"did you mean {guess[0]!r}?"
                    if guess
                    else f"use a dotted key of {train.params}, e.g. model.max_depth",
                )
    kept = sets[: train.max_candidates] if train.max_candidates else sets
    metric = train.select.metric
    return SweepPlan(
        candidates=tuple(Candidate(f"c{i}", values) for i, values in enumerate(kept, start=1)),
        total=len(sets),
        params_file=train.params,
        metric=metric,
        direction=train.select.direction or direction_of(metric, config.metrics),
    )


# --- the params file of a copy --------------------------------------------------------


def _read_params(path: Path, name: str) -> tuple[dict[str, Any], str]:
    """The params file's mapping and its format (json or yaml)."""
    from mlci.documents import parse_json_text, parse_yaml_text

    suffix = path.suffix.lower()
    if suffix not in (".json", ".yaml", ".yml"):
        raise ConfigError(
            f"train.params: a sweep cannot set values in {name} (not YAML or JSON)",
            "use a params.yaml or params.json for the swept values",
        )
    try:
        text = path.read_text(encoding="utf-8")
        data = parse_json_text(text) if suffix == ".json" else parse_yaml_text(text)
    except FileNotFoundError:
        raise ConfigError(
            f"train.params: {name} not found, so the sweep has no params to set",
            "create it, or point train.params at the parameters file",
        ) from None
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise InputError(f"{name}: cannot be read ({error})", "fix the file") from None
    if not isinstance(data, dict):
        raise InputError(f"{name}: expected a mapping at the top level", "write key: value")
    return data, "json" if suffix == ".json" else "yaml"


def params_keys(path: Path, name: str) -> set[str]:
    """The dotted keys of the params file's values (`model.max_depth`), as records flatten them."""
    from mlci.metrics.flatten import flatten

    data, _ = _read_params(path, name)
    return set(flatten(data))


def _set(node: dict[str, Any], parts: list[str], value: SweepValue) -> bool:
    """Set the value under `parts`; a key may itself hold dots (`{"a.b": 1}`)."""
    for cut in range(len(parts), 0, -1):
        key = ".".join(parts[:cut])
        if key not in node:
            continue
        if cut == len(parts):
            node[key] = value
            return True
        if isinstance(node[key], dict) and _set(node[key], parts[cut:], value):
            return True
    return False


def apply_params(path: Path, name: str, values: Mapping[str, SweepValue]) -> None:
    """Write `values` (dotted keys) into the params file at `path`: a copy, never the user's."""
    import json

    import yaml

    from mlci.output import write_file

    data, kind = _read_params(path, name)
    for key, value in values.items():
        if not _set(data, key.split("."), value):
            raise ConfigError(
                f"mlci.yaml: train.sweep: {key!r} is not a key of {name}",
                f"use a dotted key of {name}, e.g. model.max_depth",
            )
    text = (
        json.dumps(data, indent=2) + "\n"
        if kind == "json"
        else yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    )
    write_file(path, text)


# --- work copies ----------------------------------------------------------------------


def _work_files(root: Path, skip: Sequence[Path]) -> list[Path]:
    """The files of the work tree git knows (tracked, untracked not ignored), relative."""
    from mlci.gitutil import GitError, run_git

    try:
        listing = run_git(root, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    except GitError as error:
        raise InputError(
            f"{root}: a sweep copies the files git knows, but git failed ({error})",
            "run mlci sweep inside a git repository",
        ) from None
    files = []
    for name in dict.fromkeys(n for n in listing.split("\0") if n):
        relative = Path(name)
        if relative.parts[:1] == (".mlci",) or any(relative.is_relative_to(s) for s in skip):
            continue
        files.append(relative)
    return files


def make_work_copy(config: MlciConfig, root: Path, target: Path, skip: Sequence[Path] = ()) -> None:
    """A fresh `target` holding the work tree's files and the declared data (train.data,
    data.reference, train.cache.paths), which are often ignored by git."""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for relative in _work_files(root, skip):
        source = root / relative
        if source.is_file() and not source.is_symlink():
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / relative)
    declared = [*config.train.data, config.data.reference, *config.train.cache.paths]
    for name in dict.fromkeys(d for d in declared if d):
        source, copy = root / name, target / name
        if copy.exists() or not source.exists() or not source.resolve().is_relative_to(root):
            continue
        copy.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, copy, symlinks=True)
        else:
            shutil.copy2(source, copy)


# --- training -------------------------------------------------------------------------


@dataclass(frozen=True)
class CandidateRun:
    """A candidate's outcome: its record when it trained, else `cancelled` (no record)."""

    candidate: Candidate
    status: str  # succeeded | failed | timeout | cancelled
    record: RunRecord | None = None
    value: float | None = None  # the selection metric, when the record has a number for it
    note: str | None = None  # why there is no record, or the first error of the run

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.candidate.to_dict(),
            "status": self.status,
            "run_id": self.record.id if self.record else None,
            "value": self.value,
            "note": self.note,
        }


@dataclass(frozen=True)
class SweepResult:
    plan: SweepPlan
    runs: tuple[CandidateRun, ...]
    selected: str | None  # the best candidate's id; None when none succeeded with the metric
    errors: tuple[str, ...] = field(default=())

    def run(self, candidate_id: str) -> CandidateRun:
        return next(r for r in self.runs if r.candidate.id == candidate_id)

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.plan.metric,
            "direction": self.plan.direction,
            "selected": self.selected,
            "total": self.plan.total,
            "candidates": [r.to_dict() for r in self.runs],
        }


def metric_value(record: RunRecord, metric: str) -> float | None:
    """The record's finite number for `metric` (a bare name or `file:name`)."""
    value = record.metric_set().merged().get(metric)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def outcome_of(candidate: Candidate, record: RunRecord, metric: str) -> CandidateRun:
    value = metric_value(record, metric)
    note = record.errors[0] if record.errors else None
    if record.succeeded and value is None:
        note = f"the metrics have no number {metric!r}"
    return CandidateRun(candidate, record.status, record, value, note)


def select_best(runs: Sequence[CandidateRun], direction: Direction) -> str | None:
    """The id of the best succeeded run with a value; the first of equals wins."""
    best: CandidateRun | None = None
    for run in runs:
        if run.status != "succeeded" or run.value is None:
            continue
        if best is None or _better(run.value, best.value, direction):
            best = run
    return best.candidate.id if best else None


def _better(value: float, than: float | None, direction: Direction) -> bool:
    assert than is not None
    return value > than if direction == "higher" else value < than


def train_candidate(
    config: MlciConfig,
    root: str | Path,
    candidate: Candidate,
    *,
    out_dir: str | Path = CANDIDATES_DIR,
    on_output: Callable[[str], None] | None = None,
    env: Mapping[str, str] | None = None,
    python: str | None = None,
) -> RunRecord:
    """Train one candidate in `.mlci/sweep/<id>/` and keep its record in `out_dir/<id>/`.

    `out_dir` is relative to `root` unless absolute. The record's git state is the
    repository's in `root`; the child gets MLCI_CANDIDATE=<id> in its environment.
    """
    import os
    import sys

    from mlci.output import write_file
    from mlci.train.run import run_training

    root = Path(root).resolve()
    out = (root / out_dir).resolve()
    work = root / SWEEP_DIR / candidate.id
    skip = [out.relative_to(root)] if out.is_relative_to(root) else []
    make_work_copy(config, root, work, skip)
    assert config.train.params is not None  # checked with train.sweep
    apply_params(work / config.train.params, config.train.params, candidate.params)
    child_env = dict(os.environ if env is None else env)
    child_env["MLCI_CANDIDATE"] = candidate.id
    record = run_training(
        config,
        work,
        on_output=on_output,
        env=child_env,
        python=python or sys.executable,
        git_root=root,
        candidate=candidate.to_dict(),
    )
    target = out / candidate.id
    if target.exists():
        shutil.rmtree(target)
    kept = run_folder(work, record.id)
    if kept.is_dir():
        shutil.copytree(kept, target)
    import json

    write_file(target / RECORD_NAME, json.dumps(record.to_dict(), indent=2) + "\n")
    return record


def run_sweep(
    config: MlciConfig,
    root: str | Path,
    plan: SweepPlan,
    *,
    jobs: int = 1,
    out_dir: str | Path = CANDIDATES_DIR,
    on_output: Callable[[str, str], None] | None = None,
    env: Mapping[str, str] | None = None,
) -> SweepResult:
    """Train every candidate of `plan`, `jobs` at a time; the runs come back in plan order.

    `on_output(candidate_id, line)` gets each line of each training as it is printed.
    A candidate whose training fails is a failed run, never the end of the sweep.
    """
    lock = threading.Lock()

    def one(candidate: Candidate) -> CandidateRun:
        def forward(line: str) -> None:
            if on_output is not None:
                with lock:
                    on_output(candidate.id, line)

        record = train_candidate(
            config, root, candidate, out_dir=out_dir, on_output=forward, env=env
        )
        return outcome_of(candidate, record, plan.metric)

    if jobs <= 1:
        runs = [one(c) for c in plan.candidates]
    else:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            runs = list(pool.map(one, plan.candidates))
    return SweepResult(plan, tuple(runs), select_best(runs, plan.direction))


# --- reading a folder of candidates ---------------------------------------------------


def read_candidates(
    folder: str | Path, plan: SweepPlan | None, metric: str
) -> tuple[CandidateRun, ...]:
    """The candidates' runs kept in `folder` (`<id>/run.json`), in plan order.

    A candidate of `plan` without a folder was cancelled (or never started); folders of
    ids the plan lacks are read too (a sweep edited since), after the plan's. A record
    that cannot be read is a failed run whose note says why.
    """
    base = Path(folder)
    if not base.is_dir():
        raise InputError(
            f"--candidates {folder}: no such folder",
            "pass the folder `mlci sweep --out` wrote (default .mlci/candidates)",
        )
    found = {p.parent.name: p for p in base.glob(f"*/{RECORD_NAME}")}
    planned = list(plan.candidates) if plan is not None else []
    extra = sorted(set(found) - {c.id for c in planned}, key=_id_order)
    runs: list[CandidateRun] = []
    for candidate in planned + [Candidate(i, {}) for i in extra]:
        path = found.get(candidate.id)
        if path is None:
            runs.append(CandidateRun(candidate, "cancelled", note="no run record: cancelled"))
            continue
        try:
            record = read_run(path)
        except InputError as error:
            runs.append(CandidateRun(candidate, "failed", note=error.one_line()))
            continue
        if record.candidate and not candidate.params:
            candidate = Candidate(candidate.id, dict(record.candidate.get("params") or {}))
        runs.append(outcome_of(candidate, record, metric))
    return tuple(runs)


def _id_order(candidate_id: str) -> tuple[int, str]:
    """c2 before c10."""
    digits = candidate_id.lstrip("c")
    return (int(digits), "") if digits.isdigit() else (2**31, candidate_id)
