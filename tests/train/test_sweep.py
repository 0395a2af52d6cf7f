"""Sweeps: expansion, budget, params in work copies, selection, --jobs (mlci.train.sweep)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlci.config import parse_config
from mlci.errors import ConfigError, InputError
from mlci.gitutil import init_repository
from mlci.gitutil import run_git as git
from mlci.train.sweep import (
    Candidate,
    CandidateRun,
    apply_params,
    expand,
    plan_sweep,
    read_candidates,
    run_sweep,
    select_best,
)

# A training that is fast and deterministic: its score follows the params; `fail: true`
# makes it exit 1 after writing nothing.
TRAIN = """
import json, os, sys, yaml
p = yaml.safe_load(open("params.yaml"))
if p["model"].get("fail"):
    print("failing on purpose"); sys.exit(1)
score = 0.5 + p["model"]["depth"] / 100 - abs(p["model"]["lr"] - 0.1)
json.dump({"acc": round(score, 6), "loss": round(1 - score, 6)}, open("metrics.json", "w"))
os.makedirs("plots", exist_ok=True)
open("plots/loss.csv", "w").write("epoch,loss\\n1,0.9\\n2,%s\\n" % round(1 - score, 6))
print("candidate", os.environ.get("MLCI_CANDIDATE"))
"""

PARAMS = (
    "# the user's own params, comments included\nmodel:\n  depth: 4\n  lr: 0.1\n  fail: false\n"
)

CONFIG = """
train:
  command: python train.py
  metrics: metrics.json
  model: null
  plots: plots
  data: [data/train.csv]
  sweep: {SWEEP}
  select: {{metric: acc}}
metrics:
  higher_is_better: [acc]
validate:
  gates:
    acc: {{min: 0.5}}
"""


def write_config(root: Path, sweep: str, extra: str = "") -> None:
    (root / "mlci.yaml").write_text(CONFIG.format(SWEEP=sweep) + extra)


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    init_repository(tmp_path)
    (tmp_path / "train.py").write_text(TRAIN)
    (tmp_path / "params.yaml").write_text(PARAMS)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "train.csv").write_text("x,y\n1,2\n")
    # The data is ignored by git, as datasets often are: the copy still gets it.
    (tmp_path / ".gitignore").write_text(".mlci/\ndata/\n")
    write_config(tmp_path, "{model.depth: [2, 8], model.lr: [0.1, 0.3]}")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "base")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def load(root: Path):  # type: ignore[no-untyped-def]
    return parse_config((root / "mlci.yaml").read_text())


def test_a_grid_expands_in_key_order_first_key_slowest() -> None:
    sets = expand({"a": (1, 2), "b": ("x", "y", "z")})
    assert sets == [
        {"a": 1, "b": "x"},
        {"a": 1, "b": "y"},
        {"a": 1, "b": "z"},
        {"a": 2, "b": "x"},
        {"a": 2, "b": "y"},
        {"a": 2, "b": "z"},
    ]
    assert expand(({"a": 3}, {"b": 4})) == [{"a": 3}, {"b": 4}]


def test_plan_numbers_candidates_and_keeps_the_budget(project: Path) -> None:
    write_config(project, "{model.depth: [2, 8], model.lr: [0.1, 0.3]}", "")
    plan = plan_sweep(load(project), project)
    assert [c.to_dict() for c in plan.candidates] == [
        {"id": "c1", "params": {"model.depth": 2, "model.lr": 0.1}},
        {"id": "c2", "params": {"model.depth": 2, "model.lr": 0.3}},
        {"id": "c3", "params": {"model.depth": 8, "model.lr": 0.1}},
        {"id": "c4", "params": {"model.depth": 8, "model.lr": 0.3}},
    ]
    assert isinstance(plan.candidates[0].params["model.depth"], int)  # not 2.0
    assert plan.direction == "higher" and plan.over_budget == 0
    text = (project / "mlci.yaml").read_text().replace("  data:", "  max_candidates: 3\n  data:")
    (project / "mlci.yaml").write_text(text)
    budget = plan_sweep(load(project), project)
    assert [c.id for c in budget.candidates] == ["c1", "c2", "c3"]
    assert budget.total == 4 and budget.over_budget == 1


def test_a_key_missing_from_the_params_file_is_named(project: Path) -> None:
    write_config(project, "{model.dept: [2, 8]}")
    with pytest.raises(ConfigError) as caught:
        plan_sweep(load(project), project)
    assert caught.value.one_line() == (
        "mlci.yaml: train.sweep: 'model.dept' is not a key of params.yaml. "
        "Fix: did you mean 'model.depth'?"
    )


def test_unknown_candidate_is_an_input_error(project: Path) -> None:
    plan = plan_sweep(load(project), project)
    with pytest.raises(InputError, match="--candidate c9: no such candidate"):
        plan.candidate("c9")


def test_apply_params_sets_nested_and_dotted_keys(tmp_path: Path) -> None:
    params = tmp_path / "params.json"
    params.write_text(json.dumps({"model": {"depth": 1, "opt": {"lr": 0.1}}, "a.b": 1}))
    apply_params(params, "params.json", {"model.opt.lr": 0.5, "a.b": 2, "model.depth": 7})
    assert json.loads(params.read_text()) == {
        "model": {"depth": 7, "opt": {"lr": 0.5}},
        "a.b": 2,
    }


def select(values: list[tuple[str, float | None]], direction: str = "higher") -> str | None:
    runs = [
        CandidateRun(Candidate(cid, {}), status, value=value)
        for cid, value in values
        for status in ["failed" if cid.startswith("x") else "succeeded"]
    ]
    return select_best(runs, direction)  # type: ignore[arg-type]


def test_selection_follows_the_direction_ties_go_to_the_first_failed_never() -> None:
    assert select([("c1", 0.7), ("c2", 0.9), ("c3", 0.8)]) == "c2"
    assert select([("c1", 0.7), ("c2", 0.9), ("c3", 0.8)], "lower") == "c1"
    assert select([("c1", 0.9), ("c2", 0.9)]) == "c1"
    assert select([("c1", 0.7), ("x2", 0.99)]) == "c1"  # failed, whatever its value
    assert select([("c1", None), ("c2", 0.1)]) == "c2"  # no value: not measured
    assert select([("x1", 0.9)]) is None


def test_sweep_trains_each_candidate_in_a_copy(project: Path) -> None:
    before = (project / "params.yaml").read_bytes()
    config = load(project)
    plan = plan_sweep(config, project)
    lines: list[tuple[str, str]] = []
    result = run_sweep(config, project, plan, on_output=lambda c, line: lines.append((c, line)))
    assert (project / "params.yaml").read_bytes() == before  # the user's file, untouched
    assert [r.status for r in result.runs] == ["succeeded"] * 4
    # depth 8 with lr 0.1 scores best (computed from the training's formula).
    scores = {
        c.id: 0.5 + c.params["model.depth"] / 100 - abs(c.params["model.lr"] - 0.1)
        for c in plan.candidates
    }  # type: ignore[operator]
    assert result.selected == max(scores, key=lambda k: scores[k]) == "c3"
    assert ("c2", "candidate c2") in lines
    commit = git(project, "rev-parse", "HEAD").strip()
    for candidate in plan.candidates:
        data = json.loads((project / ".mlci/candidates" / candidate.id / "run.json").read_text())
        assert data["candidate"] == candidate.to_dict()
        assert data["params"]["params.yaml"]["model.depth"] == candidate.params["model.depth"]
        assert data["git"]["commit"] == commit  # the repository's, not the copy's
        assert (project / ".mlci/candidates" / candidate.id / "plots/loss.csv").is_file()
        assert (project / ".mlci/sweep" / candidate.id / "data/train.csv").is_file()
    assert not (project / ".mlci/runs").exists()  # candidates never pose as the commit's run


def comparable(folder: Path) -> dict[str, object]:
    out = {}
    for path in sorted(folder.glob("*/run.json")):
        data = json.loads(path.read_text())
        out[path.parent.name] = {
            k: data[k] for k in ("candidate", "status", "params", "metrics", "git", "errors")
        }
    return out


def test_two_jobs_give_the_same_records_as_one(project: Path) -> None:
    config = load(project)
    plan = plan_sweep(config, project)
    one = run_sweep(config, project, plan, jobs=1, out_dir="seq")
    two = run_sweep(config, project, plan, jobs=2, out_dir="par")
    assert comparable(project / "seq") == comparable(project / "par")
    assert len(comparable(project / "seq")) == 4
    assert one.selected == two.selected
    assert [r.candidate.id for r in two.runs] == ["c1", "c2", "c3", "c4"]


def test_failed_and_cancelled_candidates_are_listed_never_selected(project: Path) -> None:
    write_config(
        project, "[{model.depth: 2}, {model.depth: 99, model.fail: true}, {model.lr: 0.2}]"
    )
    config = load(project)
    plan = plan_sweep(config, project)
    result = run_sweep(config, project, plan)
    assert [r.status for r in result.runs] == ["succeeded", "failed", "succeeded"]
    assert result.selected == "c1"  # 0.52 beats 0.44; c2 would be 1.49 had it run
    import shutil

    shutil.rmtree(project / ".mlci/candidates/c3")  # a matrix job that never reported
    read = read_candidates(project / ".mlci/candidates", plan, "acc")
    assert [(r.candidate.id, r.status) for r in read] == [
        ("c1", "succeeded"),
        ("c2", "failed"),
        ("c3", "cancelled"),
    ]
    assert read[1].note == "`python train.py` exited with code 1"
