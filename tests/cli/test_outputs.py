"""Every command writes its outputs through mlci.output: never over an input, parent
folders made, `--json`/`--md` with no value (or `-`) printing to stdout."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from mlci.cli import cli

READS = "is a file this command reads; writing there would overwrite it"
FIX = "Fix: write the output to another path"

CONFIG = """\
project: demo
train:
  metrics: [metrics.json]
validate:
  gates:
    accuracy: {min: 0.5}
  fairness:
    sensitive: [group]
    label: label
    prediction: prediction
    data: predictions.csv
data:
  reference: data/reference.csv
  current: {path: data/current.csv}
  checks:
    columns:
      age: {min: 0, max: 120}
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    for name, shift in (("reference", 0), ("current", 3)):
        rows = ["id,age,city"] + [
            f"{i},{20 + (i * 7 + shift) % 50},{'abc'[i % 3]}" for i in range(60)
        ]
        (tmp_path / "data" / f"{name}.csv").write_text("\n".join(rows) + "\n")
    (tmp_path / "mlci.yaml").write_text(CONFIG)
    (tmp_path / "metrics.json").write_text('{"accuracy": 0.9, "loss": 0.2}\n')
    (tmp_path / "base-metrics.json").write_text('{"accuracy": 0.8, "loss": 0.3}\n')
    (tmp_path / "params.yaml").write_text("lr: 0.1\n")
    (tmp_path / "body.md").write_text("# report\n")
    rows = ["label,prediction,group"] + [f"{i % 2},{(i // 2) % 2},{'xy'[i % 2]}" for i in range(40)]
    (tmp_path / "predictions.csv").write_text("\n".join(rows) + "\n")
    return tmp_path


def _digests(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".mlci" not in p.parts
    }


def _run(*args: str) -> object:
    return CliRunner().invoke(cli, list(args))


DRIFT = ["drift", "check", "--reference", "data/reference.csv", "--current", "data/current.csv"]
DIFF_FILES = ["--base", "base-metrics.json", "--head", "metrics.json"]

# (command line, the option and the input it names)
OVER_AN_INPUT = [
    ([*DRIFT, "--json", "data/current.csv"], "--json data/current.csv"),
    ([*DRIFT, "--md", "mlci.yaml"], "--md mlci.yaml"),
    ([*DRIFT, "--html", "data/reference.csv"], "--html data/reference.csv"),
    ([*DRIFT, "--decision", "mlci.yaml"], "--decision mlci.yaml"),
    (["drift", "profile", "data/reference.csv", "-o", "mlci.yaml"], "-o mlci.yaml"),
    (
        ["data", "check", "data/current.csv", "--json", "data/current.csv"],
        "--json data/current.csv",
    ),
    (["data", "check", "data/current.csv", "--md", "mlci.yaml"], "--md mlci.yaml"),
    (["data", "manifest", "data/current.csv", "-o", "data/current.csv"], "-o data/current.csv"),
    (
        ["data", "diff", "data/reference.csv", "data/current.csv", "--md", "data/reference.csv"],
        "--md data/reference.csv",
    ),
    (["fairness", "check", "--json", "predictions.csv"], "--json predictions.csv"),
    (["config", "show", "--json", "mlci.yaml"], "--json mlci.yaml"),
    (["metrics", "diff", *DIFF_FILES, "--json", "metrics.json"], "--json metrics.json"),
    (["metrics", "diff", *DIFF_FILES, "--md", "base-metrics.json"], "--md base-metrics.json"),
    (["validate", "--json", "metrics.json"], "--json metrics.json"),
    (
        ["validate", "--baseline", "base-metrics.json", "--json", "base-metrics.json"],
        "--json base-metrics.json",
    ),
    (["runner", "check", "--no-frameworks", "--json", "mlci.yaml"], "--json mlci.yaml"),
    (["runners", "status", "--repo", "acme/churn", "--json", "mlci.yaml"], "--json mlci.yaml"),
    (
        ["comment", "--key", "report", "--body-file", "body.md", "--dry-run", "--json", "body.md"],
        "--json body.md",
    ),
]


@pytest.mark.parametrize(
    ("args", "named"), OVER_AN_INPUT, ids=lambda v: " ".join(v) if isinstance(v, list) else ""
)
def test_an_output_over_an_input_exits_2_before_anything_is_written(
    project: Path, args: list[str], named: str | None
) -> None:
    before = _digests(project)
    result = _run(*args)
    assert result.exit_code == 2, result.output
    if named is not None:
        assert result.output == f"Error: {named}: {READS}. {FIX}\n"
    else:
        assert READS in result.output and result.output.count("\n") == 1
    assert _digests(project) == before


def test_report_refuses_its_baseline_as_one_of_its_files(project: Path) -> None:
    (project / "out").mkdir()
    (project / "out" / "report.json").write_text('{"accuracy": 0.5}\n')
    before = _digests(project)
    result = _run("report", "--baseline", "out/report.json", "--out", "out")
    assert result.exit_code == 2
    assert result.output == f"Error: --out out/report.json: {READS}. {FIX}\n"
    assert _digests(project) == before


def test_profile_merge_refuses_to_write_over_a_profile_it_merges(project: Path) -> None:
    assert _run("drift", "profile", "data/reference.csv", "-o", "p1.json").exit_code == 0
    before = _digests(project)
    result = _run("drift", "profile", "merge", "p1.json", "-o", "p1.json")
    assert result.exit_code == 2
    assert result.output == f"Error: -o p1.json: {READS}. {FIX}\n"
    assert _digests(project) == before


def test_drift_check_refuses_the_reference_profile(project: Path) -> None:
    assert _run("drift", "profile", "data/reference.csv", "-o", "ref.json").exit_code == 0
    before = _digests(project)
    result = _run("drift", "check", "--reference", "ref.json", "--md", "ref.json")
    assert result.exit_code == 2
    assert result.output == f"Error: --md ref.json: {READS}. {FIX}\n"
    assert _digests(project) == before


def _train(project: Path) -> Path:
    result = _run("train", "--command", f"{sys.executable} -c pass")
    assert result.exit_code == 0, result.output
    (record,) = (project / ".mlci" / "runs").glob("*.json")
    return record


def test_runs_commands_refuse_a_record_they_read(project: Path) -> None:
    record = _train(project).relative_to(project).as_posix()
    before = record_bytes = (project / record).read_bytes()
    for args in (
        ("runs", "list", "--json", record),
        ("runs", "compare", record, record, "--md", record),
    ):
        result = _run(*args)
        assert result.exit_code == 2, result.output
        assert (
            result.output
            == f"Error: {args[args.index(record, len(args) - 2) - 1]} {record}: {READS}. {FIX}\n"
        )
        assert (project / record).read_bytes() == before == record_bytes


NESTED = [
    [*DRIFT, "--json", "deep/er/drift.json", "--md", "deep/er/drift.md", "--html", "deep/x/d.html"],
    ["data", "check", "data/current.csv", "--json", "deep/er/check.json"],
    ["data", "manifest", "data/current.csv", "-o", "deep/er/manifest.json"],
    ["data", "diff", "data/reference.csv", "data/current.csv", "--json", "deep/er/diff.json"],
    ["drift", "profile", "data/reference.csv", "-o", "deep/er/profile.json"],
    ["config", "show", "--json", "deep/er/config.json"],
    ["metrics", "diff", *DIFF_FILES, "--json", "deep/er/diff.json", "--md", "deep/er/diff.md"],
    ["validate", "--json", "deep/er/validate.json"],
    ["fairness", "check", "--json", "deep/er/fairness.json"],
    ["comment", "--key", "r", "--body-file", "body.md", "--dry-run", "--json", "deep/er/c.json"],
    [
        "runners",
        "arc-values",
        "--github-config-url",
        "https://github.com/acme/churn",
        "--gpu-class",
        "a100:1:0:2",
        "--out",
        "deep/er/arc",
    ],
    ["report", "--baseline", "base-metrics.json", "--out", "deep/er/report"],
]


@pytest.mark.parametrize("args", NESTED, ids=lambda v: " ".join(v[:2]))
def test_a_missing_nested_folder_is_created(project: Path, args: list[str]) -> None:
    result = _run(*args)
    assert result.exit_code in (0, 1), result.output
    written = [p for p in (project / "deep").rglob("*") if p.is_file()]
    assert written, result.output
    for path in written:
        if path.suffix == ".json":
            json.loads(path.read_text())


@pytest.mark.parametrize(
    "args",
    [
        [*DRIFT, "--json", "data"],
        ["data", "check", "data/current.csv", "--md", "data"],
        ["config", "show", "--json", "data"],
        ["metrics", "diff", *DIFF_FILES, "--json", "data"],
        ["validate", "--json", "data"],
        ["runs", "list", "--json", "data"],
    ],
    ids=lambda v: " ".join(v[:2]),
)
def test_a_folder_as_output_exits_2(project: Path, args: list[str]) -> None:
    before = _digests(project)
    result = _run(*args)
    assert result.exit_code == 2
    option = args[args.index("data", 2) - 1] if args[-1] == "data" else args[-2]
    assert result.output == (
        f"Error: {option} data: is a folder, not a file. Fix: pass the path of a file to write\n"
    )
    assert _digests(project) == before


PRINTING = [
    [*DRIFT, "--json"],
    ["data", "check", "data/current.csv", "--json"],
    ["data", "diff", "data/reference.csv", "data/current.csv", "--json"],
    ["fairness", "check", "--json"],
    ["config", "show", "--json"],
    ["metrics", "diff", *DIFF_FILES, "--json"],
    ["params", "diff", "--base", "params.yaml", "--head", "params.yaml", "--json"],
    ["validate", "--json"],
    ["runs", "list", "--json"],
    ["runners", "status", "--repo", "acme/churn", "--json"],
    ["comment", "--key", "r", "--body-file", "body.md", "--dry-run", "--json"],
]


@pytest.mark.parametrize("dash", [False, True], ids=["alone", "dash"])
@pytest.mark.parametrize("args", PRINTING, ids=lambda v: " ".join(v[:2]))
def test_json_alone_or_dash_prints_only_json(project: Path, args: list[str], dash: bool) -> None:
    result = CliRunner().invoke(cli, [*args, "-"] if dash else args)
    assert result.exit_code in (0, 1), result.output + result.stderr
    json.loads(result.stdout)


def test_md_alone_prints_markdown(project: Path) -> None:
    result = _run("metrics", "diff", *DIFF_FILES, "--md")
    assert result.exit_code == 0
    assert result.output.startswith("|")


def test_json_file_options_still_write_a_file(project: Path) -> None:
    result = _run(*DRIFT, "--json", "drift.json", "--md", "drift.md")
    assert result.exit_code == 0, result.output
    assert "drift" in result.output.lower()  # the text summary is still printed
    assert json.loads((project / "drift.json").read_text())["dataset"]
    assert (project / "drift.md").read_text().strip()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            [*DRIFT, "--json", "out/a", "--md", "out/a"],
            "Error: --md out/a: the same file as --json. Fix: give each output its own path\n",
        ),
        (
            [*DRIFT, "--html", "r", "--decision", "./r"],
            "Error: --decision ./r: the same file as --html. Fix: give each output its own path\n",
        ),
        (
            ["data", "check", "data/current.csv", "--md", "r", "--json", "r"],
            "Error: --json r: the same file as --md. Fix: give each output its own path\n",
        ),
        (
            ["metrics", "diff", *DIFF_FILES, "--md", "r", "--json", "r"],
            "Error: --json r: the same file as --md. Fix: give each output its own path\n",
        ),
        (
            [*DRIFT, "--json", "--md"],
            "Error: --json and --md both print to standard output. "
            "Fix: give one of them a PATH to write to\n",
        ),
    ],
)
def test_two_outputs_naming_one_file_exit_2(project: Path, args: list[str], message: str) -> None:
    before = _digests(project)
    result = _run(*args)
    assert result.exit_code == 2
    assert result.output == message
    assert _digests(project) == before


def test_a_closed_pipe_ends_quietly(project: Path) -> None:
    """`mlci drift check --json | head -c 10`: far more JSON than a pipe holds, reader gone."""
    columns = [f"c{i}" for i in range(150)]
    for name, shift in (("wide-ref", 0), ("wide-cur", 1)):
        rows = [",".join(columns)]
        rows += [
            ",".join(str((r * (i + 3) + shift * i) % 17) for i in range(150)) for r in range(40)
        ]
        (project / f"{name}.csv").write_text("\n".join(rows) + "\n")
    command = [sys.executable, "-m", "mlci", "drift", "check", "--reference", "wide-ref.csv"]
    process = subprocess.Popen(
        [*command, "--current", "wide-cur.csv", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=project,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None and process.stderr is not None
    head = process.stdout.read(10)
    process.stdout.close()  # what `| head -c 10` does
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=120) == 0, stderr
    assert head.startswith(b"{")
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr
