"""Which run record may serve as the baseline of a commit."""

from mlci.train.record import RunRecord, find_run_for_commit, save_run


def record(run_id, commit, dirty, status="succeeded"):
    return RunRecord(
        id=run_id,
        created_at="2026-11-28T08:00:00+00:00",
        command="python train.py",
        status=status,
        exit_code=0 if status == "succeeded" else 1,
        duration_s=1.0,
        git={"commit": commit, "branch": "main", "dirty": dirty},
        metrics={"metrics.json": {"acc": 0.5}},
    )


def test_a_dirty_record_is_never_the_baseline_of_its_commit(tmp_path):
    save_run(tmp_path, record("20261128T080000Z-a", "c" * 40, dirty=True))
    assert find_run_for_commit(tmp_path, "c" * 40) is None


def test_the_newest_clean_successful_record_is_the_baseline(tmp_path):
    save_run(tmp_path, record("20261128T080000Z-a", "c" * 40, dirty=False))
    save_run(tmp_path, record("20261128T080100Z-b", "c" * 40, dirty=True))
    save_run(tmp_path, record("20261128T080200Z-c", "c" * 40, dirty=False, status="failed"))
    save_run(tmp_path, record("20261128T080300Z-d", "d" * 40, dirty=False))
    assert find_run_for_commit(tmp_path, "c" * 40).id == "20261128T080000Z-a"


def test_the_base_is_named_by_branch_and_short_sha_never_a_full_sha():
    from mlci.validate.baseline import Baseline, name_of_base

    sha = "3f2a1b2" + "c" * 33
    assert name_of_base(sha, sha) is None  # a bare SHA names nothing
    assert name_of_base(sha[:10], sha) is None
    assert name_of_base(sha, sha, "main") == "main"
    assert name_of_base("main", sha) == "main"
    assert name_of_base("HEAD~2", sha) == "HEAD~2"
    assert Baseline("git-ref", "", commit=sha, name="main").label == "main (3f2a1b2)"
    assert Baseline("git-ref", "", commit=sha).label == "3f2a1b2"
    assert Baseline("none", "").label == "base"
