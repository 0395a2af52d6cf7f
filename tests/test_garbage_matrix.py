"""Every file-taking command against every kind of garbage, under every file name.

`test_bad_inputs.py` states what each bad input must say; this matrix holds the
promise over the cross product (about 2,500 runs, a few seconds per command): no
traceback, exit 2 only with one `Error:` line that has a `Fix:`, and no file touched.
Garbage that happens to be a valid input (an empty config is a valid config) may
pass; what it must never do is crash or overwrite.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from click.testing import CliRunner

from mlci.cli import cli

GOOD = "age,income,city\n" + "".join(
    f"{20 + i % 50},{1000 + 37 * i % 900},{'abc'[i % 3]}\n" for i in range(200)
)
GARBAGE: dict[str, bytes] = {
    "empty": b"",
    "nul-bytes": b"\x00" * 10,
    "json-list": b"[1,2]",
    "json-string": b'"x"',
    "json-number": b"3",
    "json-null": b"null",
    "deep": b"[" * 3000 + b"]" * 3000,
    "broken-json": b"{",
    "yaml-alias": b"a: &a [1]\nb: *a\n",
    "latin-1": "caf\xe9".encode("latin-1"),
    "duplicate-header": b"a,a\n1,2\n",
    "nested-object": b'{"a": {"b": [1, {"c": null}]}}',
    "nan-infinity": b'{"a": NaN, "b": Infinity}',
    "huge-integer": b'{"a": 123456789012345678901234567890}',
    "good-csv": GOOD.encode(),
    "header-only": b"age,income,city\n",
    "negative-count-profile": (
        b'{"columns": {"age": {"kind": "numeric", "count": -1, "nulls": 0}}, "rows": 1}'
    ),
    "other-kind": b'{"schema": "mlci.manifest/v1", "files": []}',
}
SUFFIXES = (".csv", ".json", ".parquet", ".yaml", ".tsv", ".txt")
GATES = b"validate:\n  gates:\n    a: {min: 0.1, max_drop: 0.1}\n"
FAIRNESS = b"validate:\n  fairness:\n    sensitive: [city]\n    label: age\n    prediction: age\n"

# (arguments with F for the garbage file, the other files, where the garbage goes if
# not to F's name)
COMMANDS: dict[str, tuple[tuple[str, ...], dict[str, bytes], str | None]] = {
    "drift-current": (
        ("drift", "check", "--reference", "ref.csv", "--current", "F"),
        {"ref.csv": GOOD.encode()},
        None,
    ),
    "drift-reference": (
        ("drift", "check", "--reference", "F", "--current", "cur.csv"),
        {"cur.csv": GOOD.encode()},
        None,
    ),
    "profile-build": (("drift", "profile", "build", "F", "-o", "out.json"), {}, None),
    "profile-merge": (("drift", "profile", "merge", "F", "F", "-o", "out.json"), {}, None),
    "data-check": (
        ("data", "check", "F"),
        {"mlci.yaml": b"data:\n  checks:\n    columns:\n      age: {type: int}\n"},
        None,
    ),
    "data-manifest": (("data", "manifest", "F"), {}, None),
    "data-diff-old": (("data", "diff", "F", "cur.csv"), {"cur.csv": GOOD.encode()}, None),
    "data-diff-new": (("data", "diff", "cur.csv", "F"), {"cur.csv": GOOD.encode()}, None),
    "fairness": (("fairness", "check", "--data", "F"), {"mlci.yaml": FAIRNESS}, None),
    "metrics-diff": (("metrics", "diff", "--base", "F", "--head", "F"), {}, None),
    "params-diff": (("params", "diff", "--base", "F", "--head", "F"), {}, None),
    "validate-baseline": (
        ("validate", "--baseline", "F"),
        {"mlci.yaml": GATES, "metrics.json": b'{"a": 0.5}'},
        None,
    ),
    "report-baseline": (
        ("report", "--no-html", "--baseline", "F"),
        {"metrics.json": b'{"a": 0.5}'},
        None,
    ),
    "report-data-check": (
        ("report", "--no-html", "--baseline", "b.json", "--data-check", "F"),
        {"metrics.json": b'{"a": 0.5}', "b.json": b'{"a": 0.5}'},
        None,
    ),
    "config-show": (("config", "show", "--config", "F"), {}, None),
    "config-validate": (("config", "validate"), {}, "mlci.yaml"),
    "runs-show": (("runs", "show", "r1"), {}, ".mlci/runs/r1.json"),
    "comment-body": (("comment", "--key", "k", "--body-file", "F", "--pr", "1"), {}, None),
    "check-run-summary": (
        ("check-run", "--name", "n", "--sha", "a" * 40, "--summary-file", "F"),
        {},
        None,
    ),
    "validate-config": (("validate",), {}, "mlci.yaml"),
    "generate-config": (("generate",), {}, "mlci.yaml"),
    "train-config": (("train", "--command", "true"), {}, "mlci.yaml"),
    "runner-config": (("runner", "check", "--no-frameworks"), {}, "mlci.yaml"),
}


def _problem(result, before: dict[Path, bytes]) -> str | None:
    output = result.stderr + result.stdout
    crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
    if result.exit_code not in (0, 1, 2) or "Traceback" in output or crashed:
        return f"crash (exit {result.exit_code}, {result.exception!r})"
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    if result.exit_code == 2 and (len(errors) != 1 or "Fix:" not in errors[0]):
        return f"exit 2 without one Error line with a Fix: {result.stderr!r}"
    changed = [p.name for p, data in before.items() if not p.exists() or p.read_bytes() != data]
    if changed:
        return f"changed {changed}"
    return None


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_garbage_never_crashes_or_overwrites(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    args, others, target = COMMANDS[name]
    problems = []
    for (kind, content), suffix in itertools.product(GARBAGE.items(), SUFFIXES):
        folder = tmp_path / f"{kind}{suffix}"
        folder.mkdir()
        monkeypatch.chdir(folder)
        for other, data in others.items():
            (folder / other).write_bytes(data)
        garbage = folder / (target or f"f{suffix}")
        garbage.parent.mkdir(parents=True, exist_ok=True)
        garbage.write_bytes(content)
        before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
        argv = [f"f{suffix}" if a == "F" else a for a in args]
        result = CliRunner().invoke(cli, argv)
        problem = _problem(result, before)
        if problem:
            problems.append(f"{kind} as {garbage.name}: {problem}")
    assert problems == []
