"""Lineage in the pull-request report: the head run's data manifest and its diff vs base."""

from __future__ import annotations

from pathlib import Path

from mlci.config import parse_config
from mlci.gitutil import init_repository
from mlci.gitutil import run_git as git
from mlci.report import build_report
from mlci.train import list_runs, run_training

CONFIG = """
project: lineage
train:
  command: python train.py
  metrics: metrics.json
  params: null
  model: null
  plots: null
  data: [data.csv]
"""


def repo(root: Path, ignore: str, data: str) -> Path:
    init_repository(root)
    (root / "mlci.yaml").write_text(CONFIG)
    (root / "train.py").write_text(
        "import json\njson.dump({'acc': 0.9}, open('metrics.json', 'w'))\n"
    )
    (root / ".gitignore").write_text(ignore)
    (root / "data.csv").write_text(data)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    return root


def test_report_shows_rows_and_columns_changed_since_the_base_run(tmp_path: Path) -> None:
    root = repo(tmp_path, ".mlci/\nmetrics.json\n", "x,y\n1,2\n2,3\n")
    config = parse_config(CONFIG)
    base = run_training(config, root)
    git(root, "checkout", "-qb", "feature")
    (root / "data.csv").write_text("x,y,z\n1,2,a\n2,3,b\n3,4,c\n")
    git(root, "commit", "-qam", "more data, new column")
    head = run_training(config, root)
    report = build_report(config, root, "main")
    assert report.baseline.source == "run-record"
    assert report.head_record is not None and report.head_record.id == head.id
    text = report.markdown
    assert (
        f"**Changed since base run `{base.id}`:** `data.csv`: content changed; "
        "size 12 -> 24 bytes; rows 2 -> 3 (+1); columns added: z." in text
    )
    assert head.data_manifest is not None
    (file,) = head.data_manifest.files
    assert file.sha256 is not None and file.schema_fingerprint is not None
    assert (
        f"| `data.csv` | 3 | 3 | `{file.schema_fingerprint[:12]}` | `{file.sha256[:12]}` "
        "| 24 B | - | changed |" in text
    )
    (change,) = report.to_dict()["data_changes"]
    assert (change["rows_before"], change["rows_after"], change["columns_added"]) == (2, 3, ("z",))
    assert report.to_dict()["data_manifest"]["files"][0]["rows"] == 3


def test_base_run_committed_at_the_base_ref_gives_the_schema_change(tmp_path: Path) -> None:
    # Records committed after training: the base commit has metrics but no own record,
    # so the lineage compares with the newest record in the base ref's tree.
    root = repo(tmp_path, "", "x,y\n1,2\n")
    config = parse_config(CONFIG)
    base = run_training(config, root)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "train base")
    git(root, "checkout", "-qb", "feature")
    (root / "data.csv").write_text("x,y\n1,a\n")
    git(root, "commit", "-qam", "y becomes text")
    run_training(config, root)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "train head")
    report = build_report(config, root, "main")
    assert report.baseline.source == "git-ref" and report.head_record is None
    assert (
        f"**Changed since base run `{base.id}`:** `data.csv`: content changed; "
        "types changed: y: int64 -> str." in report.markdown
    )


def test_same_data_says_unchanged_and_old_base_records_say_why_not(tmp_path: Path) -> None:
    root = repo(tmp_path, ".mlci/\nmetrics.json\n", "x,y\n1,2\n")
    config = parse_config(CONFIG)
    base = run_training(config, root)
    git(root, "checkout", "-qb", "feature")
    git(root, "commit", "-q", "--allow-empty", "-m", "code only")
    run_training(config, root)
    assert (
        f"Data unchanged since base run `{base.id}`." in build_report(config, root, "main").markdown
    )
    # A base record written before manifests existed: hashes only, and a note.
    path = root / ".mlci" / "runs" / f"{base.id}.json"
    path.write_text(path.read_text().replace('"data_manifest": {', '"old_manifest": {'))
    assert list_runs(root)[0].data_manifest is None
    text = build_report(config, root, "main").markdown
    assert f"_Base run `{base.id}` has no data manifest (recorded by an older mlci)" in text
