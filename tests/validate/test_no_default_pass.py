"""Gates never pass by default: an unusable baseline, a value that is no finite number,
a malformed metrics file, params file or run record each give a named answer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from mlci.cli import cli
from mlci.config.schema import GateConfig
from mlci.errors import InputError, UsageError
from mlci.gitutil import init_repository
from mlci.gitutil import run_git as git
from mlci.metrics.load import load_metrics
from mlci.output import forget_inputs, write_output
from mlci.train.record import read_run
from mlci.validate import evaluate_gates

GATES = "validate:\n  gates:\n    acc: {min: 0.8}\n    auc: {max_drop: 0.01}\n"
BASELINE_FIX = (
    "Fix: pass --base REF (a commit with the metric) or --baseline FILE, or set "
    "validate.gates.auc.allow_missing_baseline: true to skip the rule"
)
NUMBER_FIX = (
    "Fix: write a number for the metric, or remove its gate from validate.gates in mlci.yaml"
)
METRICS_FIX = "Fix: fix the metrics file the training wrote"


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    init_repository(tmp_path)
    (tmp_path / "mlci.yaml").write_text(GATES)
    (tmp_path / "metrics.json").write_text('{"acc": 0.9, "auc": 0.80}')
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "base")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def last_line(output: str) -> str:
    """The CLI's one error line (annotations, on stderr outside Actions, may follow it)."""
    (line,) = [line for line in output.splitlines() if line.startswith("Error: ")]
    return line


# 1. A gate relative to the baseline never passes without a usable baseline.


def test_no_base_at_all_exits_2(project: Path) -> None:
    code, output = invoke("validate")
    assert code == 2
    assert last_line(output) == (
        "Error: auc: max_drop needs a usable baseline: no base ref or baseline file was given. "
        + BASELINE_FIX
    )


def test_garbage_committed_at_the_base_exits_2(project: Path) -> None:
    (project / "metrics.json").write_text("{not json")
    git(project, "commit", "-qam", "broken metrics")
    git(project, "tag", "bad")
    (project / "metrics.json").write_text('{"acc": 0.9, "auc": 0.80}')
    code, output = invoke("validate", "--base", "bad")
    assert code == 2
    assert output.splitlines()[0] == "baseline: `metrics.json` committed at `bad` (" + (
        git(project, "rev-parse", "--short=7", "bad").strip() + ")"
    )
    assert last_line(output) == (
        "Error: auc: max_drop needs a usable baseline: metrics.json at bad: invalid JSON at "
        "line 1 column 2. " + BASELINE_FIX
    )


def test_a_base_without_metrics_exits_2(project: Path) -> None:
    empty_tree = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
    git(project, "tag", "empty", git(project, "commit-tree", empty_tree, "-m", "none").strip())
    code, output = invoke("validate", "--base", "empty")
    assert code == 2
    assert "Error: auc: max_drop needs a usable baseline: no run record and no metrics file " in (
        last_line(output)
    )


def test_a_baseline_file_holding_a_list_exits_2(project: Path) -> None:
    (project / "old.json").write_text("[0.9, 0.8]")
    code, output = invoke("validate", "--baseline", "old.json")
    assert code == 2
    assert output == (
        "Error: old.json: expected a mapping of metric names to values at the top level, "
        "found a list. Fix: the baseline must be a metrics file (names and values) or a run "
        "record\n"
    )


def test_a_baseline_lacking_the_metric_exits_2(project: Path) -> None:
    (project / "old.json").write_text('{"acc": 0.9}')
    code, output = invoke("validate", "--baseline", "old.json")
    assert code == 2
    assert last_line(output) == (
        "Error: auc: max_drop needs a usable baseline: file `old.json` has no metric `auc`. "
        + BASELINE_FIX
    )


def test_a_text_baseline_value_exits_2(project: Path) -> None:
    (project / "old.json").write_text('{"acc": 0.9, "auc": "n/a"}')
    code, output = invoke("validate", "--baseline", "old.json")
    assert code == 2
    assert last_line(output) == (
        "Error: auc: max_drop needs a usable baseline: file `old.json`: `auc` is 'n/a', "
        "not a number. " + BASELINE_FIX
    )


def test_allow_missing_baseline_skips_and_says_so(project: Path) -> None:
    (project / "mlci.yaml").write_text(
        GATES.replace("{max_drop: 0.01}", "{max_drop: 0.01, allow_missing_baseline: true}")
    )
    (project / "old.json").write_text('{"acc": 0.9}')
    code, output = invoke("validate", "--baseline", "old.json")
    assert code == 0, output
    assert output.splitlines()[1:] == [
        "PASS  min               acc = 0.9 ≥ 0.8",
        "SKIP  max_drop          auc: max_drop skipped: no usable baseline "
        "(allowed by allow_missing_baseline): file `old.json` has no metric `auc`",
    ]
    code, output = invoke("validate", "--json")
    assert code == 0, output
    data = json.loads(output)
    assert data["passed"] is True and data["errors"] == []
    assert data["results"][1]["status"] == "skip"
    assert data["results"][1]["message"] == (
        "auc: max_drop skipped: no usable baseline (allowed by allow_missing_baseline): "
        "no base ref or baseline file was given"
    )


def test_an_unknown_base_ref_is_exit_2_even_when_missing_baselines_are_allowed(
    project: Path,
) -> None:
    (project / "mlci.yaml").write_text(
        GATES.replace("{max_drop: 0.01}", "{max_drop: 0.01, allow_missing_baseline: true}")
    )
    code, output = invoke("validate", "--base", "mian")
    assert code == 2
    assert output.startswith("Error: base ref 'mian': not a branch, tag or commit in ")


def test_metrics_diff_refuses_an_unknown_base_ref(project: Path) -> None:
    code, output = invoke("metrics", "diff", "--base", "no-such-ref")
    assert code == 2
    assert output.startswith("Error: base ref 'no-such-ref': not a branch, tag or commit in ")


# 2. Values that are not finite numbers fail.


@pytest.mark.parametrize(
    ("head", "gate", "message"),
    [
        (
            float("inf"),
            GateConfig(min=0.8),
            "acc = inf is not a finite number, so it fails the minimum 0.8",
        ),
        (
            float("-inf"),
            GateConfig(max=0.8),
            "acc = -inf is not a finite number, so it fails the maximum 0.8",
        ),
        (
            float("nan"),
            GateConfig(min=0.8),
            "acc = nan is not a finite number, so it fails the minimum 0.8",
        ),
        (
            float("inf"),
            GateConfig(max_drop=0.01),
            "acc = inf is not a finite number, so max_drop fails",
        ),
        (
            float("nan"),
            GateConfig(max_drop=0.01),
            "acc = nan is not a finite number, so max_drop fails",
        ),
    ],
)
def test_non_finite_head_values_fail(head: float, gate: GateConfig, message: str) -> None:
    report = evaluate_gates({"acc": gate}, {"acc": head}, {"acc": 0.8})
    assert [(r.status, r.invalid, r.message) for r in report.results] == [("fail", False, message)]


@pytest.mark.parametrize("base", [float("inf"), float("-inf"), float("nan")])
def test_non_finite_baseline_values_fail(base: float) -> None:
    report = evaluate_gates({"acc": GateConfig(max_drop=0.01)}, {"acc": 0.9}, {"acc": base})
    (result,) = report.results
    assert (result.status, result.invalid) == ("fail", False)
    shown = {float("inf"): "inf", float("-inf"): "-inf"}.get(base, "nan")
    assert (
        result.message == f"acc: baseline value {shown} is not a finite number, so max_drop fails"
    )


def test_infinite_values_in_files_exit_1(project: Path) -> None:
    (project / "old.json").write_text('{"acc": 0.9, "auc": Infinity}')
    (project / "metrics.json").write_text('{"acc": Infinity, "auc": 0.8}')
    code, output = invoke("validate", "--baseline", "old.json")
    assert code == 1
    assert output.splitlines()[1:3] == [
        "FAIL  min               acc = inf is not a finite number, so it fails the minimum 0.8",
        "FAIL  max_drop          auc: baseline value inf is not a finite number, so max_drop fails",
    ]
    assert last_line(output).startswith("Error: 2 gate(s) failed: acc, auc. Fix: ")


# 3. Run records and metric files are checked for shape and depth.


def record_json(**changes: object) -> str:
    data: dict[str, object] = {
        "id": "20261128T080000Z-a",
        "created_at": "2026-11-28T08:00:00+00:00",
        "command": "python train.py",
        "status": "succeeded",
        "exit_code": 0,
        "duration_s": 1.0,
        "git": {"commit": "c" * 40, "branch": "main", "dirty": False},
        "params": {"params.yaml": {"depth": 3}},
        "metrics": {"metrics.json": {"acc": 0.9, "auc": 0.8}},
    }
    data.update(changes)
    return json.dumps(data)


@pytest.mark.parametrize(
    ("changes", "key"),
    [({"metrics": "oops"}, "metrics"), ({"params": [1, 2]}, "params")],
)
def test_a_run_record_of_the_wrong_shape_exits_2(
    project: Path, changes: dict[str, object], key: str
) -> None:
    (project / "rec.json").write_text(record_json(**changes))
    code, output = invoke("validate", "--baseline", "rec.json")
    assert code == 2, output
    assert output.startswith("Error: rec.json: ") and key in output
    assert "Fix: delete the file or restore it from git" in output
    with pytest.raises(InputError) as error:
        read_run(project / "rec.json")
    assert (
        error.value.message.startswith(f"{project / 'rec.json'}: ") and key in error.value.message
    )


def test_a_malformed_record_in_the_runs_folder_does_not_crash_the_baseline(project: Path) -> None:
    runs = project / ".mlci" / "runs"
    runs.mkdir(parents=True)
    commit = git(project, "rev-parse", "HEAD").strip()
    (runs / "20261128T080000Z-a.json").write_text(
        record_json(metrics="oops", git={"commit": commit, "dirty": False})
    )
    code, output = invoke("validate", "--base", "main")
    assert code == 0, output
    assert output.splitlines()[0].startswith("baseline: `metrics.json` committed at `main`")


def nested_json(depth: int) -> str:
    return '{"a": ' * depth + "1" + "}" * depth


def test_deeply_nested_metrics_exit_2(project: Path) -> None:
    (project / "metrics.json").write_text(nested_json(200))
    code, output = invoke("validate")
    assert (code, output) == (
        2,
        f"Error: metrics.json: nested more than 64 levels deep. {METRICS_FIX}\n",
    )


def test_deeply_nested_yaml_and_duplicate_keys_exit_2(project: Path) -> None:
    (project / "mlci.yaml").write_text("train: {metrics: metrics.yaml}\n" + GATES)
    (project / "metrics.yaml").write_text("acc: 0.9\nauc: 0.8\nacc: 0.1\n")
    code, output = invoke("validate")
    assert code == 2
    assert output == (
        "Error: metrics.yaml: line 3: duplicate key 'acc' (first at line 1); YAML would "
        f"silently keep only the last. {METRICS_FIX}\n"
    )
    (project / "metrics.yaml").write_text(
        "a:\n" + "".join("  " * i + " a:\n" for i in range(1, 100))
    )
    code, output = invoke("validate")
    assert code == 2 and "metrics.yaml: " in output and "nested more than 64 levels deep" in output


def test_a_deeply_nested_baseline_file_exits_2(project: Path) -> None:
    (project / "old.json").write_text(nested_json(200))
    code, output = invoke("validate", "--baseline", "old.json")
    assert code == 2
    assert output.startswith("Error: old.json: nested more than 64 levels deep. Fix: ")


def test_every_file_read_is_remembered_as_an_input(project: Path) -> None:
    forget_inputs()
    (project / "rec.json").write_text(record_json())
    load_metrics(["metrics.json"], project)
    read_run(project / "rec.json")
    for name in ("metrics.json", "rec.json"):
        with pytest.raises(UsageError):
            write_output(project / name, "over it")
    forget_inputs()


# 4. Garbage metric files exit 2 naming the file and the key.


@pytest.mark.parametrize(
    ("text", "why"),
    [
        (
            "[0.9, 0.8]",
            "expected a mapping of metric names to values at the top level, found a list",
        ),
        ("", "the file is empty, expected metric names and values"),
        (
            '"just text"',
            "expected a mapping of metric names to values at the top level, found a string",
        ),
    ],
)
def test_garbage_head_metrics_exit_2(project: Path, text: str, why: str) -> None:
    (project / "metrics.json").write_text(text)
    code, output = invoke("validate", "--base", "main")
    assert (code, output) == (2, f"Error: metrics.json: {why}. {METRICS_FIX}\n")


def test_a_gate_on_a_text_metric_exits_2_and_diff_shows_it(project: Path) -> None:
    (project / "metrics.json").write_text('{"acc": "high", "auc": 0.8}')
    code, output = invoke("validate", "--base", "main")
    assert code == 2
    assert last_line(output) == f"Error: metrics.json: `acc` is 'high', not a number. {NUMBER_FIX}"
    code, output = invoke("metrics", "diff", "--base", "main")
    assert code == 0, output
    assert "acc     0.9   high" in output


def test_an_empty_params_file_is_no_error(project: Path) -> None:
    (project / "mlci.yaml").write_text("train: {params: params.yaml}\n" + GATES)
    (project / "params.yaml").write_text("")
    code, output = invoke("params", "diff", "--base", "main")
    assert code == 0, output
