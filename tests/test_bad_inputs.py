"""A battery of bad inputs, command by command: the promise every case must keep.

Each case builds a small project in a temporary folder (real files, a real git
repository where refs matter), runs one `mlci` command on it and checks that:
- it exits 2 (bad usage, config or input), or the code the case names;
- stderr holds exactly one `Error:` line, which names the file (or key) and has a `Fix:`;
- there is no traceback;
- every file the case wrote is byte-identical afterwards (nothing overwritten).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

from mlci.cli import cli
from mlci.gitutil import init_repository, run_git

Files = dict[str, str | bytes]

GOOD_CSV = "age,income,city\n" + "".join(
    f"{20 + i % 50},{1000 + 37 * i},{['a', 'b', 'c'][i % 3]}\n" for i in range(200)
)
GATES = "validate:\n  gates:\n    acc: {min: 0.8}\n    auc: {max_drop: 0.01}\n"


def _bomb() -> str:
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 10):
        name, prev = chr(97 + i), chr(96 + i)
        lines.append(f"{name}: &{name} [{','.join(['*' + prev] * 9)}]")
    return "\n".join(lines) + "\n"


def _nested_json(depth: int = 5000) -> str:
    return '{"a": ' * depth + "1" + "}" * depth


def _nested_yaml(depth: int = 5000) -> str:
    return "a: " + "[" * depth + "]" * depth + "\n"


def _parquet_bytes(tmp: Path, table: dict[str, list[object]], types: dict[str, str]) -> bytes:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    arrays = {
        name: pa.array(values, type=getattr(pa, types[name])()) for name, values in table.items()
    }
    path = tmp / "t.parquet"
    pq.write_table(pa.table(arrays), path)
    data = path.read_bytes()
    path.unlink()
    return data


@dataclass(frozen=True)
class Case:
    id: str
    args: tuple[str, ...]
    files: Files = field(default_factory=dict)
    mentions: tuple[str, ...] = ()  # what the error line must name (file, key, ref)
    code: int = 2
    git: bool = False  # commit the files in a git repository first
    env: tuple[tuple[str, str], ...] = ()  # environment variables (paths relative to the case)


def drift_args() -> tuple[str, ...]:
    return ("drift", "check", "--reference", "ref.csv", "--current", "cur.csv")


PROFILE_CMD = ("drift", "profile", "build", "ref.csv", "-o", "profile.json")


def cases() -> list[Case]:
    c: list[Case] = []
    add = c.append

    # --- mlci.yaml -------------------------------------------------------------------
    config_bad = {
        "syntax": ("train: [unclosed\n", "mlci.yaml"),
        "top-list": ("- a\n- b\n", "mlci.yaml"),
        "top-scalar": ("just text\n", "mlci.yaml"),
        "duplicate-top-key": ("train:\n  command: a\ntrain:\n  command: b\n", "duplicate key"),
        "duplicate-nested-key": ("train:\n  command: a\n  command: b\n", "duplicate key"),
        "alias-bomb": (_bomb(), "alias"),
        "deep-nesting": (_nested_yaml(), "nested"),
        "unknown-top-key": ("trian:\n  command: a\n", "trian"),
        "unknown-nested-key": ("train:\n  comand: a\n", "train.comand"),
        "runner-int": ("train:\n  runner: [self-hosted, 5]\n", "train.runner[1]"),
        "timeout-negative": ("train:\n  timeout_minutes: -5\n", "train.timeout_minutes"),
        "timeout-string": ("train:\n  timeout_minutes: soon\n", "train.timeout_minutes"),
        "gate-string": ("validate:\n  gates:\n    acc: {min: high}\n", "validate.gates.acc.min"),
        "gate-unknown-rule": (
            "validate:\n  gates:\n    acc: {minimum: 0.8}\n",
            "validate.gates.acc.minimum",
        ),
        "gates-list": ("validate:\n  gates: [acc]\n", "validate.gates"),
        "drift-schedule-bad-cron": ('drift:\n  schedule: "61 * * * *"\n', "drift.schedule"),
        "drift-schedule-words": ('drift:\n  schedule: "every monday"\n', "drift.schedule"),
        "binary": (b"\xff\xfe\x00garbage\x00", "mlci.yaml"),
        "tabs": ("train:\n\tcommand: a\n", "mlci.yaml"),
        "python-tag": ("train: !!python/object/apply:os.system ['true']\n", "mlci.yaml"),
        "records-branch-is-main": ("baseline:\n  branch: main\n", "baseline.branch"),
        "release-model-spaces": ("release:\n  model: churn model\n", "release.model"),
        "deploy-without-command": ("deploy:\n  environment: production\n", "deploy.command"),
        "deploy-stage-unknown": (
            "deploy: {environment: p, command: x, stage: qa}\n",
            "deploy.stage",
        ),
        "mlflow-uri-empty": ("tracking:\n  mlflow: {uri: ''}\n", "tracking.mlflow.uri"),
    }
    for name, (text, mention) in config_bad.items():
        add(
            Case(f"config-validate-{name}", ("config", "validate"), {"mlci.yaml": text}, (mention,))
        )
    for name in ("syntax", "duplicate-top-key", "unknown-top-key", "timeout-negative"):
        text, mention = config_bad[name]
        add(Case(f"config-show-{name}", ("config", "show"), {"mlci.yaml": text}, (mention,)))
        add(Case(f"generate-{name}", ("generate",), {"mlci.yaml": text}, (mention,)))
        add(Case(f"validate-{name}", ("validate",), {"mlci.yaml": text}, (mention,)))
        add(
            Case(
                f"drift-check-{name}",
                ("drift", "check", "--reference", "ref.csv", "--current", "cur.csv"),
                {"mlci.yaml": text, "ref.csv": GOOD_CSV, "cur.csv": GOOD_CSV},
                (mention,),
            )
        )
    more_config = {
        "cron-six-fields": ('drift:\n  schedule: "0 6 * * 1 2"\n', "drift.schedule"),
        "cron-hour-25": ('drift:\n  schedule: "0 25 * * *"\n', "drift.schedule"),
        "drift-alpha-2": ("drift:\n  alpha: 2\n", "drift.alpha"),
        "drift-alpha-string": ("drift:\n  alpha: low\n", "drift.alpha"),
        "drift-unknown-test": ("drift:\n  tests: {age: nope}\n", "drift.tests.age"),
        "drift-bad-type": ("drift:\n  types: {age: vector}\n", "drift.types.age"),
        "drift-bad-correction": ("drift:\n  correction: holm\n", "drift.correction"),
        "drift-share-2": ("drift:\n  drift_share: 2\n", "drift.drift_share"),
        "drift-exclude-int": ("drift:\n  columns: {exclude: 5}\n", "drift.columns.exclude"),
        "drift-bins-zero": ("drift:\n  bins: 0\n", "drift.bins"),
        "check-bad-type": (
            "data:\n  checks:\n    columns:\n      age: {type: integer}\n",
            "data.checks.columns.age.type",
        ),
        "check-unknown-key": (
            "data:\n  checks:\n    columns:\n      age: {minimum: 1}\n",
            "data.checks.columns.age.minimum",
        ),
        "check-bad-regex": (
            'data:\n  checks:\n    columns:\n      age: {regex: "[a-"}\n',
            "data.checks.columns.age.regex",
        ),
        "check-min-above-max": (
            "data:\n  checks:\n    columns:\n      age: {min: 10, max: 1}\n",
            "data.checks.columns.age",
        ),
        "check-rows-negative": ("data:\n  checks:\n    rows: {min: -1}\n", "data.checks.rows.min"),
        "fairness-unknown-metric": (
            "validate:\n  fairness:\n    sensitive: [g]\n    label: y\n    gates:\n"
            "      no_such_metric: {max: 0.1}\n",
            "no_such_metric",
        ),
        "fairness-unknown-rule": (
            "validate:\n  fairness:\n    sensitive: [g]\n    label: y\n    gates:\n"
            "      accuracy: {maximum: 0.1}\n",
            "validate.fairness.gates.accuracy.maximum",
        ),
        "runner-class-bad-gpus": (
            "runners:\n  classes:\n    a100: {gpus: many}\n",
            "runners.classes.a100.gpus",
        ),
        "retrain-branch-int": ("retrain:\n  branch: 5\n", "retrain.branch"),
        "retrain-share-negative": ("retrain:\n  when: {drift_share: -1}\n", "retrain.when"),
        "github-pins-list": ("github:\n  pins: [a]\n", "github.pins"),
        "build-python-number": ("build:\n  python: [3.10]\n", "build.python[0]"),
        "metrics-precision-zero": ("metrics:\n  precision: 0\n", "metrics.precision"),
        "project-list": ("project: [a, b]\n", "project"),
        "key-not-string": ("1: a\n", "mlci.yaml"),
        "null-section-list": ("train:\n  - a\n", "train"),
    }
    for name, (text, mention) in more_config.items():
        add(
            Case(f"config-validate-{name}", ("config", "validate"), {"mlci.yaml": text}, (mention,))
        )
    # Every command loads mlci.yaml through the one validation pass: the same refusal.
    for name in (
        "syntax",
        "duplicate-top-key",
        "alias-bomb",
        "unknown-top-key",
        "gate-string",
        "drift-schedule-bad-cron",
        "binary",
    ):
        text, mention = config_bad[name]
        for cmd in (
            ("data", "check", "cur.csv"),
            ("fairness", "check", "--data", "cur.csv"),
            ("report", "--no-html"),
            ("train", "--command", "true"),
            ("runners", "arc-values"),
            ("metrics", "diff"),
        ):
            add(
                Case(
                    f"{'-'.join(cmd[:2])}-config-{name}",
                    cmd,
                    {"mlci.yaml": text, "cur.csv": GOOD_CSV},
                    (mention,),
                )
            )
    for name in ("drift-unknown-test", "check-bad-regex", "fairness-unknown-metric"):
        text, mention = more_config[name]
        for cmd in (
            ("generate",),
            ("validate",),
            ("drift", "check", "--current", "cur.csv", "--reference", "ref.csv"),
        ):
            add(
                Case(
                    f"{cmd[0]}-config-{name}",
                    cmd,
                    {"mlci.yaml": text, "cur.csv": GOOD_CSV, "ref.csv": GOOD_CSV},
                    (mention,),
                )
            )
    add(Case("config-missing", ("config", "show", "--config", "nope.yaml"), {}, ("nope.yaml",)))
    add(Case("config-folder", ("config", "show", "--config", "conf"), {"conf/x": "1"}, ("conf",)))

    # --- metrics and gates -----------------------------------------------------------
    metrics_bad = {
        "not-json": "{acc: 0.9",
        "list": "[0.9, 0.8]",
        "scalar": "0.9",
        "deep": _nested_json(),
        "empty": "",
        "binary": b"\x00\x01\x02\xff",
    }
    for name, text in metrics_bad.items():
        add(
            Case(
                f"validate-metrics-{name}",
                ("validate",),
                {"mlci.yaml": GATES, "metrics.json": text},
                ("metrics.json",),
            )
        )
    add(
        Case(
            "validate-metric-string",
            ("validate",),
            {"mlci.yaml": GATES, "metrics.json": '{"acc": "high", "auc": 0.8}'},
            ("acc",),
        )
    )
    add(Case("validate-metrics-missing", ("validate",), {"mlci.yaml": GATES}, ("metrics.json",)))
    add(
        Case(
            "validate-metrics-folder",
            ("validate",),
            {"mlci.yaml": GATES, "metrics.json/x": "1"},
            ("metrics.json",),
        )
    )
    for name, text in {
        "list": "[1, 2]",
        "not-json": "{",
        "no-metric": '{"acc": 0.9}',
        "string-metric": '{"acc": 0.9, "auc": "x"}',
    }.items():
        add(
            Case(
                f"validate-baseline-{name}",
                ("validate", "--baseline", "base.json"),
                {"mlci.yaml": GATES, "metrics.json": '{"acc": 0.9, "auc": 0.8}', "base.json": text},
                ("base.json",) if name in ("list", "not-json") else ("auc",),
            )
        )
    add(
        Case(
            "validate-baseline-missing-file",
            ("validate", "--baseline", "nope.json"),
            {"mlci.yaml": GATES, "metrics.json": '{"acc": 0.9, "auc": 0.8}'},
            ("nope.json",),
        )
    )
    for cmd in (("validate",), ("metrics", "diff"), ("params", "diff"), ("report", "--no-html")):
        add(
            Case(
                f"{cmd[0]}-base-no-such-ref",
                (*cmd, "--base", "no-such-ref"),
                {
                    "mlci.yaml": GATES + "train:\n  params: params.yaml\n",
                    "metrics.json": '{"acc": 0.9, "auc": 0.8}',
                    "params.yaml": "lr: 0.1\n",
                },
                ("no-such-ref",),
                git=True,
            )
        )
    add(
        Case(
            "validate-garbage-at-base",
            ("validate", "--base", "HEAD"),
            {"mlci.yaml": GATES, "metrics.json": "not json at all {"},
            ("metrics.json",),
            git=True,
        )
    )
    # Non-finite values fail the gate (exit 1), they never pass it.
    for value in ("Infinity", "-Infinity", "NaN"):
        add(
            Case(
                f"validate-nonfinite-{value}",
                ("validate", "--baseline", "base.json"),
                {
                    "mlci.yaml": GATES,
                    "metrics.json": f'{{"acc": {value}, "auc": {value}}}',
                    "base.json": '{"acc": 0.9, "auc": 0.8}',
                },
                ("acc",),
                code=1,
            )
        )
    for name, text in {"list": "[1]", "not-json": "{", "deep": _nested_json()}.items():
        add(
            Case(
                f"metrics-diff-file-{name}",
                ("metrics", "diff", "--base", "a.json", "--head", "b.json"),
                {"a.json": text, "b.json": '{"acc": 0.9}'},
                ("a.json",),
            )
        )
    for name, text in {
        "syntax": "lr: [0.1\n",
        "duplicate": "lr: 0.1\nlr: 0.2\n",
        "bomb": _bomb(),
        "deep": _nested_yaml(),
    }.items():
        add(
            Case(
                f"params-diff-{name}",
                ("params", "diff", "--base", "a.yaml", "--head", "b.yaml"),
                {"a.yaml": text, "b.yaml": "lr: 0.1\n"},
                ("a.yaml",),
            )
        )

    # --- tables: CSV and Parquet -------------------------------------------------------
    header_only = "age,income,city\n"
    tables_bad = {
        "zero-rows": header_only,
        "empty-file": "",
        "no-shared-column": "x,y\n" + "1,2\n" * 50,
        "duplicate-header": "age,age,city\n" + "1,2,a\n" * 50,
        "headerless-space-separated": "".join(f"{i} {i * 2} {i * 3}\n" for i in range(50)),
        "binary": b"\x00\x01\x02\x03\xff\xfe" * 100,
        "ragged": "age,income,city\n1,2,a\n1,2,a,4,5\n" + "1,2,a\n" * 40,
    }
    for name, text in tables_bad.items():
        add(
            Case(
                f"drift-check-current-{name}",
                ("drift", "check", "--reference", "ref.csv", "--current", "cur.csv"),
                {"ref.csv": GOOD_CSV, "cur.csv": text},
                ("cur.csv",),
            )
        )
        add(
            Case(
                f"drift-check-fail-on-drift-{name}",
                (
                    "drift",
                    "check",
                    "--reference",
                    "ref.csv",
                    "--current",
                    "cur.csv",
                    "--fail-on-drift",
                ),
                {"ref.csv": GOOD_CSV, "cur.csv": text},
                ("cur.csv",),
            )
        )
        if name == "no-shared-column":
            continue  # a profile of its own columns is fine
        add(
            Case(
                f"profile-build-{name}",
                PROFILE_CMD,
                {"ref.csv": text},
                ("ref.csv",),
            )
        )
    for name in ("duplicate-header", "binary", "empty-file", "headerless-space-separated"):
        add(
            Case(
                f"data-check-{name}",
                ("data", "check", "data.csv"),
                {
                    "mlci.yaml": "data:\n  checks:\n    columns:\n      age: {type: int}\n",
                    "data.csv": tables_bad[name],
                },
                ("data.csv",),
            )
        )
    for name, args, files, mention in (
        ("current-missing", ("--current", "nope.csv"), {}, "nope.csv"),
        ("current-folder", ("--current", "cur.csv"), {"cur.csv/x": "1"}, "cur.csv"),
        ("current-xlsx", ("--current", "cur.xlsx"), {"cur.xlsx": "x"}, "cur.xlsx"),
        (
            "current-text-as-parquet",
            ("--current", "cur.parquet"),
            {"cur.parquet": GOOD_CSV},
            "cur.parquet",
        ),
        (
            "unknown-column",
            ("--current", "cur.csv", "--columns", "nope"),
            {"cur.csv": GOOD_CSV},
            "nope",
        ),
        ("bad-test", ("--current", "cur.csv", "--test", "age=nope"), {"cur.csv": GOOD_CSV}, "nope"),
    ):
        add(
            Case(
                f"drift-check-{name}",
                ("drift", "check", "--reference", "ref.csv", *args),
                {"ref.csv": GOOD_CSV, **files},
                (mention,),
            )
        )

    # --- Parquet files -------------------------------------------------------------------
    parquet_magic = b"PAR1" + b"\x00" * 64 + b"PAR1"
    for name, content in (
        ("magic-only", parquet_magic),
        ("truncated-header", b"PAR1\x15\x04"),
        ("csv-text", GOOD_CSV),
        ("empty", b""),
    ):
        add(
            Case(
                f"drift-check-parquet-{name}",
                ("drift", "check", "--reference", "ref.csv", "--current", "cur.parquet"),
                {"ref.csv": GOOD_CSV, "cur.parquet": content},
                ("cur.parquet",),
            )
        )
        add(
            Case(
                f"profile-build-parquet-{name}",
                ("drift", "profile", "build", "cur.parquet", "-o", "p.json"),
                {"cur.parquet": content},
                ("cur.parquet",),
            )
        )
        add(
            Case(
                f"data-check-parquet-{name}",
                ("data", "check", "cur.parquet"),
                {"mlci.yaml": "data:\n  checks:\n    rows: {min: 1}\n", "cur.parquet": content},
                ("cur.parquet",),
            )
        )
        add(
            Case(
                f"data-manifest-parquet-{name}",
                ("data", "manifest", "cur.parquet"),
                {"cur.parquet": content},
                ("cur.parquet",),
            )
        )

    # --- profiles -------------------------------------------------------------------
    for name, text in {
        "not-json": "{",
        "list": "[1, 2]",
        "empty-object": "{}",
        "wrong-schema": '{"schema": "mlci.run-record/v1", "columns": {}}',
        "newer-version": '{"schema": "mlci.profile/v99", "columns": {}}',
        "columns-string": '{"columns": "age"}',
        "deep": _nested_json(),
        "nan-literal": '{"columns": {"age": {"mean": NaN}}}',
    }.items():
        add(
            Case(
                f"drift-check-profile-{name}",
                ("drift", "check", "--reference", "profile.json", "--current", "cur.csv"),
                {"profile.json": text, "cur.csv": GOOD_CSV},
                ("profile.json",),
            )
        )
        add(
            Case(
                f"profile-merge-{name}",
                ("drift", "profile", "merge", "p.json", "p.json", "-o", "out.json"),
                {"p.json": text},
                ("p.json",),
            )
        )

    # --- run records ----------------------------------------------------------------
    for name, text in {
        "metrics-string": '{"id": "r1", "metrics": "0.9"}',
        "params-list": '{"id": "r1", "metrics": {}, "params": [1]}',
        "list": "[]",
        "not-json": "{",
        "deep": _nested_json(),
    }.items():
        add(
            Case(
                f"validate-baseline-record-{name}",
                ("validate", "--baseline", "record.json"),
                {
                    "mlci.yaml": GATES,
                    "metrics.json": '{"acc": 0.9, "auc": 0.8}',
                    "record.json": text,
                },
                ("record.json",),
            )
        )

    # --- fairness, data diff, manifests, runs, report ----------------------------------
    fair_cfg = (
        "validate:\n  fairness:\n    sensitive: [g]\n    label: y\n    prediction: p\n"
        "    gates:\n      accuracy: {min: 0.5}\n"
    )
    fair_good = "g,y,p\n" + "".join(f"{'ab'[i % 2]},{i % 2},{(i // 2) % 2}\n" for i in range(100))
    for name, text, mention in (
        ("missing-column", "g,y\n" + "a,1\n" * 20, "p"),
        ("duplicate-header", "g,y,y\n" + "a,1,1\n" * 20, "y"),
        ("empty", "", "pred.csv"),
        ("zero-rows", "g,y,p\n", "pred.csv"),
        ("binary", b"\x00\xff" * 50, "pred.csv"),
    ):
        add(
            Case(
                f"fairness-{name}",
                ("fairness", "check", "--data", "pred.csv"),
                {"mlci.yaml": fair_cfg, "pred.csv": text},
                (mention,),
            )
        )
    add(
        Case(
            "fairness-data-missing",
            ("fairness", "check", "--data", "nope.csv"),
            {"mlci.yaml": fair_cfg},
            ("nope.csv",),
        )
    )
    add(
        Case(
            "fairness-json-over-data",
            ("fairness", "check", "--data", "pred.csv", "--json", "pred.csv"),
            {"mlci.yaml": fair_cfg, "pred.csv": fair_good},
            ("pred.csv",),
        )
    )
    add(
        Case(
            "fairness-md-over-config",
            ("fairness", "check", "--data", "pred.csv", "--md", "mlci.yaml"),
            {"mlci.yaml": fair_cfg, "pred.csv": fair_good},
            ("mlci.yaml",),
        )
    )
    for name, text in (
        ("duplicate-header", "a,a\n1,2\n"),
        ("binary", b"\x00\xff" * 40),
        ("empty", ""),
    ):
        add(
            Case(
                f"data-diff-{name}",
                ("data", "diff", "old.csv", "new.csv"),
                {"old.csv": text, "new.csv": GOOD_CSV},
                ("old.csv",),
            )
        )
    add(
        Case(
            "data-diff-missing",
            ("data", "diff", "old.csv", "nope.csv"),
            {"old.csv": GOOD_CSV},
            ("nope.csv",),
        )
    )
    add(
        Case(
            "data-diff-unknown-key",
            ("data", "diff", "old.csv", "new.csv", "--key", "nope"),
            {"old.csv": GOOD_CSV, "new.csv": GOOD_CSV},
            ("nope",),
        )
    )
    add(Case("data-manifest-missing", ("data", "manifest", "nope.csv"), {}, ("nope.csv",)))
    for name, text in (
        ("syntax", "stages: [\n"),
        ("duplicate", "a: 1\na: 2\n"),
        ("bomb", _bomb()),
        ("list", "- 1\n"),
    ):
        add(
            Case(
                f"data-manifest-dvc-lock-{name}",
                ("data", "manifest", "cur.csv", "--dvc-lock", "dvc.lock"),
                {"cur.csv": GOOD_CSV, "dvc.lock": text},
                ("dvc.lock",),
            )
        )
    for name, text in (
        ("metrics-string", '{"id": "r1", "metrics": "x"}'),
        ("not-json", "{"),
        ("list", "[]"),
    ):
        add(
            Case(f"runs-show-{name}", ("runs", "show", "r1"), {".mlci/runs/r1.json": text}, ("r1",))
        )
    add(Case("runs-show-unknown", ("runs", "show", "nope"), {".mlci/runs/.keep": ""}, ("nope",)))
    add(
        Case(
            "report-out-is-file",
            ("report", "--no-html", "--baseline", "base.json", "--out", "out"),
            {"metrics.json": '{"acc": 0.9}', "base.json": '{"acc": 0.9}', "out": "x"},
            ("out",),
        )
    )
    add(
        Case(
            "report-baseline-list",
            ("report", "--no-html", "--baseline", "base.json"),
            {"metrics.json": '{"acc": 0.9}', "base.json": "[1]"},
            ("base.json",),
        )
    )
    add(
        Case(
            "report-baseline-missing",
            ("report", "--no-html", "--baseline", "nope.json"),
            {"metrics.json": '{"acc": 0.9}'},
            ("nope.json",),
        )
    )

    # --- drift options and Parquet columns --------------------------------------------
    for name, args, mention in (
        ("threshold-negative", ("--threshold", "age=-1"), "age"),
        ("threshold-nan", ("--threshold", "age=nan"), "age"),
        ("columns-empty-name", ("--columns", ","), "--columns"),
        ("correction-unknown", ("--correction", "holm"), "--correction"),
        ("alpha-zero", ("--alpha", "0"), "--alpha"),
        ("drift-share-text", ("--drift-share", "lots"), "--drift-share"),
        ("current-is-profile", ("--current", "p.json"), "p.json"),
        ("threshold-text", ("--threshold", "age=high"), "age=high"),
        ("threshold-no-equals", ("--threshold", "age"), "age"),
        ("test-no-equals", ("--test", "age"), "age"),
        ("test-unknown-column", ("--test", "nope=ks"), "nope"),
        ("exclude-everything", ("--exclude", "age,income,city"), "column"),
        ("sample-zero", ("--sample", "0"), "--sample"),
        ("reference-missing", ("--reference", "nope.csv"), "nope.csv"),
    ):
        add(
            Case(
                f"drift-check-{name}",
                (*drift_args(), *args),
                {"ref.csv": GOOD_CSV, "cur.csv": GOOD_CSV},
                (mention,),
            )
        )

    # --- the Actions event payload (GITHUB_EVENT_PATH) ------------------------------------
    body = {"body.md": "hello\n"}
    for name, text in (
        ("not-json", "{garbage"),
        ("list", "[1]"),
        ("deep", _nested_json()),
        ("empty", ""),
        ("binary", b"\xff\xfe\x00"),
    ):
        event = (("GITHUB_EVENT_PATH", "{dir}/event.json"), ("GITHUB_REPOSITORY", "o/r"))
        for cmd in (
            ("comment", "--key", "report", "--body-file", "body.md"),
            ("check-run", "--name", "mlci"),
        ):
            add(
                Case(
                    f"{cmd[0]}-event-{name}",
                    cmd,
                    {**body, "event.json": text},
                    ("event.json",),
                    env=event,
                )
            )
    add(
        Case(
            "comment-event-missing",
            ("comment", "--key", "report", "--body-file", "body.md"),
            body,
            ("nope.json",),
            env=(("GITHUB_EVENT_PATH", "{dir}/nope.json"),),
        )
    )
    add(
        Case(
            "comment-body-missing",
            ("comment", "--key", "r", "--body-file", "no.md", "--pr", "1"),
            {},
            ("no.md",),
        )
    )
    add(
        Case(
            "comment-body-folder",
            ("comment", "--key", "r", "--body-file", "b", "--pr", "1"),
            {"b/x": "1"},
            ("b",),
        )
    )
    add(
        Case(
            "comment-pr-text",
            ("comment", "--key", "r", "--body-file", "body.md", "--pr", "x"),
            body,
            ("--pr",),
        )
    )
    add(
        Case(
            "check-run-summary-missing",
            ("check-run", "--name", "m", "--sha", "a" * 40, "--summary-file", "no.md"),
            {},
            ("no.md",),
        )
    )

    # --- GitHub commands without what they need ------------------------------------------
    in_actions = (("GITHUB_ACTIONS", "true"), ("GITHUB_REPOSITORY", "o/r"))
    for cmd, mention in (
        (("comment", "--key", "r", "--body-file", "body.md", "--pr", "1"), "GITHUB_TOKEN"),
        (("check-run", "--name", "m", "--sha", "a" * 40), "GITHUB_TOKEN"),
        (("runners", "audit", "--repo", "o/r"), "GITHUB_TOKEN"),
    ):
        add(Case(f"{cmd[0]}-{cmd[1]}-actions-without-token", cmd, body, (mention,), env=in_actions))
    for token in ("ab cd", "a\nb"):  # a blank token is no token: the outbox, outside Actions
        add(
            Case(
                f"comment-token-{token.strip() or 'blank'}".replace("\n", "-newline-"),
                ("comment", "--key", "r", "--body-file", "body.md", "--pr", "1", "--repo", "o/r"),
                body,
                ("GITHUB_TOKEN",),
                env=(("GITHUB_TOKEN", token),),
            )
        )
    add(
        Case(
            "runners-audit-no-repo",
            ("runners", "audit"),
            {},
            ("--repo",),
            env=(("GITHUB_TOKEN", "t"),),
        )
    )

    # --- more metrics and params formats ------------------------------------------------
    for name, (file, text) in {
        "yaml-duplicate": ("metrics.yaml", "acc: 0.9\nacc: 0.8\n"),
        "yaml-bomb": ("metrics.yaml", _bomb()),
        "yaml-deep": ("metrics.yaml", _nested_yaml()),
        "yaml-syntax": ("metrics.yaml", "acc: [0.9\n"),
        "csv-ragged": ("metrics.csv", "acc,auc\n0.9,0.8,0.7\n"),
        "json-trailing-comma": ("metrics.json", '{"acc": 0.9,}'),
        "json-two-documents": ("metrics.json", '{"acc": 0.9}{"acc": 0.8}'),
        "json-bom-garbage": ("metrics.json", b"\xef\xbb\xbf{\x00}"),
    }.items():
        add(
            Case(
                f"validate-metrics-{name}",
                ("validate",),
                {"mlci.yaml": f"train:\n  metrics: {file}\n" + GATES, file: text},
                (file,),
            )
        )
        add(
            Case(
                f"metrics-diff-{name}",
                ("metrics", "diff", "--base", file, "--head", file),
                {file: text},
                (file,),
            )
        )

    # --- git refs in and out of repositories --------------------------------------------
    metric_files = {"mlci.yaml": GATES, "metrics.json": '{"acc": 0.9, "auc": 0.8}'}
    for cmd in (("validate",), ("metrics", "diff"), ("report", "--no-html")):
        add(Case(f"{cmd[0]}-base-outside-git", (*cmd, "--base", "main"), metric_files, ("main",)))
        add(
            Case(
                f"{cmd[0]}-base-ancestor-missing",
                (*cmd, "--base", "HEAD~5"),
                metric_files,
                ("HEAD~5",),
                git=True,
            )
        )
        add(
            Case(
                f"{cmd[0]}-base-garbage-ref",
                (*cmd, "--base", "a..b"),
                metric_files,
                ("a..b",),
                git=True,
            )
        )
    for name, text in (
        ("not-json", "{"),
        ("list", "[1]"),
        ("metrics-file", '{"acc": 0.9}'),
        ("deep", _nested_json()),
    ):
        add(
            Case(
                f"report-data-check-{name}",
                ("report", "--no-html", "--baseline", "base.json", "--data-check", "dc.json"),
                {**metric_files, "base.json": '{"acc": 0.9, "auc": 0.8}', "dc.json": text},
                ("dc.json",),
            )
        )
    add(
        Case(
            "report-data-check-missing",
            ("report", "--no-html", "--baseline", "base.json", "--data-check", "dc.json"),
            {**metric_files, "base.json": '{"acc": 0.9, "auc": 0.8}'},
            ("dc.json",),
        )
    )

    # --- output targets: never over an input ---------------------------------------------
    drift = ("drift", "check", "--reference", "ref.csv", "--current", "cur.csv")
    two = {"ref.csv": GOOD_CSV, "cur.csv": GOOD_CSV}
    for option in ("--json", "--md", "--html", "--decision"):
        for target in ("cur.csv", "ref.csv"):
            add(
                Case(f"drift-check{option}-over-{target}", (*drift, option, target), two, (target,))
            )
    add(
        Case(
            "drift-check-json-over-config",
            (*drift, "--json", "mlci.yaml"),
            {**two, "mlci.yaml": "project: x\n"},
            ("mlci.yaml",),
        )
    )
    add(Case("drift-check-json-folder", (*drift, "--json", "out"), {**two, "out/x": "1"}, ("out",)))
    add(
        Case("drift-check-json-under-file", (*drift, "--json", "cur.csv/r.json"), two, ("cur.csv",))
    )
    add(
        Case(
            "drift-check-same-output-twice",
            (*drift, "--json", "r.out", "--md", "r.out"),
            two,
            ("r.out",),
        )
    )
    add(
        Case(
            "profile-build-over-input",
            ("drift", "profile", "build", "ref.csv", "-o", "ref.csv"),
            {"ref.csv": GOOD_CSV},
            ("ref.csv",),
        )
    )
    add(
        Case(
            "data-manifest-over-input",
            ("data", "manifest", "cur.csv", "-o", "cur.csv"),
            {"cur.csv": GOOD_CSV},
            ("cur.csv",),
        )
    )
    add(
        Case(
            "data-check-json-over-input",
            ("data", "check", "cur.csv", "--json", "cur.csv"),
            {"cur.csv": GOOD_CSV},
            ("cur.csv",),
        )
    )
    add(
        Case(
            "data-check-md-over-input",
            ("data", "check", "cur.csv", "--md", "cur.csv"),
            {"cur.csv": GOOD_CSV},
            ("cur.csv",),
        )
    )
    add(
        Case(
            "data-diff-json-over-input",
            ("data", "diff", "ref.csv", "cur.csv", "--json", "ref.csv"),
            two,
            ("ref.csv",),
        )
    )
    add(
        Case(
            "config-schema-over-config",
            ("config", "schema", "-o", "mlci.yaml"),
            {"mlci.yaml": "project: x\n"},
            ("mlci.yaml",),
        )
    )
    # --- the merge loop: baseline publish, release, promote, releases --------------------
    add(Case("publish-no-records", ("baseline", "publish", "--dry-run"), {}, (".mlci/runs",)))
    add(Case("release-no-records", ("release", "--dry-run"), {}, (".mlci/runs",)))
    record = _record()
    one_run = {".mlci/runs/r1.json": json.dumps(record)}
    for command in (("baseline", "publish"), ("release",)):
        name = "-".join(command)
        add(
            Case(
                f"{name}-unknown-run", (*command, "--run", "nope", "--dry-run"), one_run, ("nope",)
            )
        )
        for label, text in {
            "garbage": "{not json",
            "list": "[1, 2]",
            "no-passed": json.dumps({"baseline": "x", "results": []}),
            "passed-text": json.dumps({"passed": "yes", "baseline": "x", "results": []}),
            "binary": b"\x00\xff",
        }.items():
            add(
                Case(
                    f"{name}-validation-{label}",
                    (*command, "--validation", "v.json", "--dry-run"),
                    {**one_run, "v.json": text},
                    ("v.json",),
                )
            )
        add(
            Case(
                f"{name}-validation-missing",
                (*command, "--validation", "v.json", "--dry-run"),
                one_run,
                ("v.json",),
            )
        )
        other = _validation(passed=True, commit="b" * 40)
        add(
            Case(
                f"{name}-validation-of-another-commit",
                (*command, "--validation", "v.json", "--dry-run"),
                {**one_run, "v.json": json.dumps(other)},
                ("v.json", "bbbbbbb"),
            )
        )
        failed = _validation(passed=False, commit=record["git"]["commit"])
        add(
            Case(
                f"{name}-gates-failed",
                (*command, "--validation", "v.json", "--dry-run"),
                {**one_run, "v.json": json.dumps(failed)},
                ("acc",),
                code=1,
            )
        )
        broken = {".mlci/runs/r1.json": json.dumps({**record, "status": "failed"})}
        add(Case(f"{name}-failed-run", (*command, "--dry-run"), broken, ("failed",), code=1))
    dirty = {**record, "git": {**record["git"], "dirty": True}}
    add(
        Case(
            "publish-dirty-record",
            ("baseline", "publish", "--dry-run"),
            {".mlci/runs/r1.json": json.dumps(dirty)},
            ("uncommitted",),
        )
    )
    add(Case("release-bump-word", ("release", "--bump", "huge"), one_run, ("--bump",)))
    add(
        Case(
            "baseline-show-unknown-ref",
            ("baseline", "show", "--base", "nope"),
            {"a": "1"},
            ("nope",),
            git=True,
        )
    )
    for spec in ("nope", "churn@1.0", "churn@v1", "churn@v1.2.3.4", "churn#prod", "@v1.0.0"):
        add(
            Case(
                f"promote-spec-{spec}",
                ("promote", spec, "--stage", "prod", "--local"),
                {"mlci.yaml": "project: churn\n"},
                (spec,),
                git=True,
            )
        )
    add(
        Case(
            "promote-unknown-version",
            ("promote", "churn@v9.9.9", "--stage", "prod", "--local"),
            {"mlci.yaml": "project: churn\n"},
            ("churn@v9.9.9",),
            git=True,
        )
    )
    add(
        Case(
            "promote-unknown-stage",
            ("promote", "churn@v0.1.0", "--stage", "qa", "--local"),
            {"mlci.yaml": "project: churn\n"},
            ("qa",),
            git=True,
        )
    )
    add(
        Case(
            "releases-show-bad-spec",
            ("releases", "show", "churn"),
            {"mlci.yaml": "project: churn\n"},
            ("churn",),
            git=True,
        )
    )
    for spec in (
        "mlflow:",
        "mlflow:models:/",
        "mlflow:models:/churn@",
        "mlflow:runs:/",
        "mlflow:nope",
    ):
        add(
            Case(
                f"validate-mlflow-spec-{spec.replace(':', '-').replace('/', '_')}",
                ("validate", "--baseline", spec),
                {"mlci.yaml": GATES, "metrics.json": json.dumps({"acc": 0.9, "auc": 0.8})},
                ("mlflow",),
            )
        )
    return c


def _record() -> dict[str, object]:
    """A run record as `mlci train` writes it, of a commit that is not in any repository."""
    return {
        "schema": "mlci.run-record/v2",
        "id": "r1",
        "created_at": "2026-12-01T10:00:00+00:00",
        "command": "python train.py",
        "status": "succeeded",
        "exit_code": 0,
        "duration_s": 1.5,
        "git": {"commit": "a" * 40, "branch": "main", "dirty": False},
        "params": {"params.yaml": {"depth": 4}},
        "metrics": {"metrics.json": {"acc": 0.9}},
        "model": None,
        "data": [],
        "data_manifest": None,
        "runner": {},
        "errors": [],
    }


def _validation(*, passed: bool, commit: str) -> dict[str, object]:
    status = "pass" if passed else "fail"
    return {
        "schema": "mlci.validation/v1",
        "passed": passed,
        "baseline": "no baseline",
        "commit": commit,
        "errors": [],
        "results": [
            {
                "metric": "acc",
                "rule": "min",
                "status": status,
                "value": 0.9,
                "baseline": None,
                "message": f"acc = 0.9 {'≥' if passed else '<'} 0.95",
            }
        ],
    }


CASES = cases()


def _write(root: Path, files: Files) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def _snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


def test_the_battery_is_broad() -> None:
    assert len(CASES) >= 300
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input(case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, case.files)
    if case.git:
        init_repository(tmp_path)
        run_git(tmp_path, "add", "-A")
        run_git(tmp_path, "commit", "-qm", "base")
    before = _snapshot(tmp_path)

    env = {name: value.replace("{dir}", str(tmp_path)) for name, value in case.env}
    result = CliRunner().invoke(cli, list(case.args), catch_exceptions=True, env=env)

    stderr = result.stderr
    assert "Traceback" not in stderr + result.stdout, stderr
    assert result.exit_code == case.code, (result.exit_code, stderr, result.stdout[-2000:])
    errors = [line for line in stderr.splitlines() if line.startswith("Error:")]
    if case.code == 2:
        assert len(errors) == 1, stderr
        assert "Fix:" in errors[0], errors[0]
        for mention in case.mentions:
            assert mention in errors[0], errors[0]
    else:
        text = stderr + result.stdout
        for mention in case.mentions:
            assert mention in text, text
    after = _snapshot(tmp_path)
    for name, content in before.items():
        assert after.get(name) == content, f"{name} was changed or removed"


def test_semicolon_current_against_comma_reference_is_no_drift(tmp_path: Path) -> None:
    """A semicolon file is read as the table it is, not as one column that 'drifted'."""
    (tmp_path / "ref.csv").write_text(GOOD_CSV)
    (tmp_path / "cur.csv").write_text(GOOD_CSV.replace(",", ";"))
    result = CliRunner().invoke(
        cli,
        [
            "drift",
            "check",
            "--reference",
            str(tmp_path / "ref.csv"),
            "--current",
            str(tmp_path / "cur.csv"),
            "--json",
            str(tmp_path / "r.json"),
        ],
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads((tmp_path / "r.json").read_text())
    assert sorted(column["name"] for column in data["columns"]) == ["age", "city", "income"]
    assert data["dataset"]["drift_detected"] is False
    assert data["retrain"]["retrain"] is False


def _numbers_csv(values: list[str]) -> str:
    return "x,city\n" + "".join(f"{v},{'abc'[i % 3]}\n" for i, v in enumerate(values))


def _repeating(count: int) -> list[str]:
    return [f"{i % 97}.5" for i in range(count)]  # not unique: never taken for an identifier


ODD_BUT_VALID = {
    # Infinities: counted and reported, never a crash, never NaN in the JSON.
    "infinities": (
        _numbers_csv(_repeating(300)),
        _numbers_csv(_repeating(290) + ["inf"] * 5 + ["-inf"] * 5),
    ),
    "one-row-current": (_numbers_csv(_repeating(300)), _numbers_csv(["5"])),
}


@pytest.mark.parametrize("name", sorted(ODD_BUT_VALID))
def test_odd_but_valid_csv_gives_strict_json(name: str, tmp_path: Path) -> None:
    reference, current = ODD_BUT_VALID[name]
    (tmp_path / "ref.csv").write_text(reference)
    (tmp_path / "cur.csv").write_text(current)
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.chdir(tmp_path)
    try:
        for args in (
            ["drift", "profile", "build", "ref.csv", "-o", "p.json"],
            ["drift", "profile", "build", "cur.csv", "-o", "c.json"],
            [
                "drift",
                "check",
                "--reference",
                "ref.csv",
                "--current",
                "cur.csv",
                "--json",
                "r.json",
            ],
            [
                "drift",
                "check",
                "--reference",
                "p.json",
                "--current",
                "cur.csv",
                "--json",
                "r2.json",
            ],
        ):
            result = CliRunner().invoke(cli, args)
            assert result.exit_code == 0, (args, result.stderr)
            assert "Traceback" not in result.stderr
    finally:
        monkeypatch.undo()
    for output in ("p.json", "c.json", "r.json", "r2.json"):
        json.loads((tmp_path / output).read_text(), parse_constant=_refuse_constant)
    result = json.loads((tmp_path / "r.json").read_text())
    column = next(c for c in result["columns"] if c["name"] == "x")
    # A verdict from infinities or one row is never a confident "ok" or "drift".
    text = json.dumps(column)
    assert ("infinite" in text) if name == "infinities" else ("insufficient" in text), text


@pytest.mark.parametrize("kind", ["uint64", "int64"])
def test_parquet_integers_beyond_2_53(kind: str, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    big = 2**64 - 10 if kind == "uint64" else 2**63 - 10
    values = [big - 7919 * i for i in range(300)]
    (tmp_path / "ref.parquet").write_bytes(
        _parquet_bytes(tmp_path, {"h": values, "v": list(range(300))}, {"h": kind, "v": "int64"})
    )
    runner = CliRunner()
    for args in (
        ["drift", "profile", "build", "ref.parquet", "-o", "p.json"],
        [
            "drift",
            "check",
            "--reference",
            "ref.parquet",
            "--current",
            "ref.parquet",
            "--json",
            "r.json",
        ],
        [
            "drift",
            "check",
            "--reference",
            "p.json",
            "--current",
            "ref.parquet",
            "--json",
            "r2.json",
        ],
    ):
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, result.stderr
    for name in ("p.json", "r.json", "r2.json"):
        json.loads((tmp_path / name).read_text(), parse_constant=_refuse_constant)


def _refuse_constant(name: str) -> None:
    raise AssertionError(f"{name} is not JSON")
