"""The runner cache (`mlci.train.cache`): hits skip the setup, changed data misses, the
size cap evicts the least recently used entry, concurrent writers never leave half an
entry. Real files, real subprocesses, a real git repository; the LRU clock is injected."""

from __future__ import annotations

import json
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner

from mlci.cli import cli
from mlci.config import parse_config
from mlci.config.schema import CacheConfig
from mlci.errors import ConfigError
from mlci.gitutil import init_repository
from mlci.gitutil import run_git as git
from mlci.train import list_runs, run_training
from mlci.train.cache import RunnerCache, cache_root, data_cache_key

# The "download": writes the weights and counts its runs in a file outside the work tree.
SETUP = """
import os, sys
counter = sys.argv[1]
n = int(open(counter).read()) + 1 if os.path.exists(counter) else 1
open(counter, "w").write(str(n))
os.makedirs("weights", exist_ok=True)
open("weights/w.bin", "w").write("weights from download " + str(n))
"""

TRAIN = """
import json
w = open("weights/w.bin").read()
json.dump({"acc": 0.9, "weights_len": len(w)}, open("metrics.json", "w"))
open("model.bin", "w").write(w)
"""


def _config(cache_dir: Path, counter: Path, **extra: str) -> str:
    lines = "".join(f"    {k}: {v}\n" for k, v in extra.items())
    return (
        "train:\n"
        "  command: python train.py\n"
        "  metrics: metrics.json\n"
        "  model: model.bin\n"
        "  data: [data.csv]\n"
        "  cache:\n"
        "    paths: [weights]\n"
        f"    setup: python setup.py {counter}\n"
        f"    dir: {cache_dir}\n" + lines
    )


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    init_repository(root)
    (root / "train.py").write_text(TRAIN)
    (root / "setup.py").write_text(SETUP)
    (root / "params.yaml").write_text("lr: 0.1\n")
    (root / "data.csv").write_text("x,y\n1,2\n")
    (root / ".gitignore").write_text(".mlci/\nweights/\nmetrics.json\nmodel.bin\n")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    return root


def _runs(counter: Path) -> int:
    return int(counter.read_text()) if counter.exists() else 0


def test_second_run_hits_and_skips_the_setup(project: Path, tmp_path: Path) -> None:
    counter, cache_dir = tmp_path / "setup-runs", tmp_path / "cache"
    config = parse_config(_config(cache_dir, counter))

    first = run_training(config, project)
    assert first.status == "succeeded", first.errors
    assert _runs(counter) == 1
    assert first.cache is not None
    assert first.cache["hit"] is False and first.cache["setup_skipped"] is False
    assert first.cache["saved"] is True and first.cache["paths"] == ["weights"]
    assert first.cache["key"].startswith("data-")

    # A fresh checkout on the same runner: the downloaded weights are gone.
    (project / "weights" / "w.bin").unlink()
    (project / "weights").rmdir()
    second = run_training(config, project)
    assert second.status == "succeeded", second.errors
    assert _runs(counter) == 1  # the download did not run again
    assert (project / "weights" / "w.bin").read_text() == "weights from download 1"
    assert second.cache == {
        "key": first.cache["key"],
        "hit": True,
        "paths": ["weights"],
        "setup_skipped": True,
    }
    # The record on disk says the same (and reads back through the schema check).
    saved = json.loads((project / ".mlci" / "runs" / f"{second.id}.json").read_text())
    assert saved["cache"]["hit"] is True
    assert [r.cache["hit"] for r in list_runs(project) if r.cache] == [False, True]


def test_changed_data_misses(project: Path, tmp_path: Path) -> None:
    counter, cache_dir = tmp_path / "setup-runs", tmp_path / "cache"
    config = parse_config(_config(cache_dir, counter))
    first = run_training(config, project)
    (project / "data.csv").write_text("x,y\n1,2\n3,4\n")
    second = run_training(config, project)
    assert second.cache is not None and first.cache is not None
    assert second.cache["hit"] is False and second.cache["key"] != first.cache["key"]
    assert _runs(counter) == 2
    assert (project / "weights" / "w.bin").read_text() == "weights from download 2"
    assert {e.key for e in RunnerCache(cache_dir).entries()} == {
        first.cache["key"],
        second.cache["key"],
    }


def test_failed_setup_fails_the_run_and_saves_nothing(project: Path, tmp_path: Path) -> None:
    (project / "setup.py").write_text(
        "import sys\nopen('weights', 'w').write('half')\nsys.exit(4)\n"
    )
    cache_dir = tmp_path / "cache"
    record = run_training(parse_config(_config(cache_dir, tmp_path / "c")), project)
    assert record.status == "failed"
    assert (
        record.errors[0]
        == f"train.cache.setup: `python setup.py {tmp_path / 'c'}` exited with code 4"
    )
    assert not (project / "metrics.json").exists()  # the training did not start
    assert RunnerCache(cache_dir).entries() == []
    assert record.cache is not None and record.cache["hit"] is False


def test_mlci_train_uses_mlci_cache_dir(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    counter = tmp_path / "setup-runs"
    config = _config(tmp_path / "unused", counter).replace(f"    dir: {tmp_path / 'unused'}\n", "")
    (project / "mlci.yaml").write_text(config)
    monkeypatch.chdir(project)
    env = {"MLCI_CACHE_DIR": str(tmp_path / "volume")}
    assert CliRunner().invoke(cli, ["train"], env=env).exit_code == 0
    (project / "weights" / "w.bin").unlink()
    result = CliRunner().invoke(cli, ["train"], env=env)
    assert result.exit_code == 0, result.output
    assert _runs(counter) == 1
    assert len(RunnerCache(tmp_path / "volume").entries()) == 1
    assert list_runs(project)[-1].cache["hit"] is True  # type: ignore[index]


def test_key_command_output_is_the_key(tmp_path: Path) -> None:
    (tmp_path / "lock.txt").write_text("v1")
    settings = CacheConfig(
        paths=("weights",), key=f"{sys.executable} -c \"print(open('lock.txt').read())\""
    )
    one = data_cache_key(settings, tmp_path, ["data.csv"])
    assert one == data_cache_key(settings, tmp_path, ["other.csv"])  # data is not looked at
    (tmp_path / "lock.txt").write_text("v2")
    assert data_cache_key(settings, tmp_path, ["data.csv"]) != one
    failing = CacheConfig(paths=("weights",), key="exit 3")
    with pytest.raises(ConfigError, match=r"train.cache.key `exit 3` exited with code 3"):
        data_cache_key(failing, tmp_path, [])


def test_cached_data_paths_are_not_part_of_the_key(tmp_path: Path) -> None:
    """A train.data path the setup downloads is the setup's output: missing before the
    setup, present after, and the key must be the same both times."""
    settings = CacheConfig(paths=("data/raw.csv",), setup="python get.py")
    before = data_cache_key(settings, tmp_path, ["data/raw.csv", "labels.csv"])
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "raw.csv").write_text("downloaded")
    assert data_cache_key(settings, tmp_path, ["data/raw.csv", "labels.csv"]) == before
    (tmp_path / "labels.csv").write_text("y\n1\n")
    assert data_cache_key(settings, tmp_path, ["data/raw.csv", "labels.csv"]) != before


def test_cache_root_precedence(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert cache_root(CacheConfig(), None, home) == home / ".cache" / "mlci"
    assert cache_root(CacheConfig(), "/mnt/cache", home) == Path("/mnt/cache")
    assert cache_root(CacheConfig(dir="/srv/c"), "/mnt/cache", home) == Path("/srv/c")
    assert cache_root(CacheConfig(dir="mlci-cache"), None, home) == home / "mlci-cache"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _work(tmp_path: Path, name: str, size: int) -> Path:
    work = tmp_path / name
    (work / "blob").mkdir(parents=True)
    (work / "blob" / "data.bin").write_bytes(name.encode()[:1] * size)
    return work


def test_cap_evicts_the_least_recently_used(tmp_path: Path) -> None:
    clock = Clock()
    cache = RunnerCache(tmp_path / "cache", max_bytes=250, clock=clock)
    for name in ("a", "b"):
        clock.now += 10
        assert cache.save(name, _work(tmp_path, name, 100), ["blob"]).saved
    clock.now += 10
    target = tmp_path / "restored"
    assert cache.restore("a", target) is not None  # `a` is used again: `b` is now the oldest
    assert (target / "blob" / "data.bin").read_bytes() == b"a" * 100
    clock.now += 10
    result = cache.save("c", _work(tmp_path, "c", 100), ["blob"])
    assert result.saved and result.evicted == ("b",)
    assert [e.key for e in cache.entries()] == ["a", "c"]  # least recently used first
    assert cache.total_size() == 200
    # An entry bigger than the cap on its own is kept: never the one just written.
    clock.now += 10
    result = cache.save("big", _work(tmp_path, "big", 300), ["blob"])
    assert result.evicted == ("a", "c")
    assert [e.key for e in cache.entries()] == ["big"]
    # The LRU order is the manifest's, not the file system's access times.
    used = json.loads((cache.folder("big") / "last-used.json").read_text())
    assert used == {"at": clock.now}
    assert not any((tmp_path / "cache" / "tmp").iterdir())


def test_half_written_entry_is_ignored(tmp_path: Path) -> None:
    cache = RunnerCache(tmp_path / "cache")
    folder = cache.folder("k")
    (folder / "files" / "blob").mkdir(parents=True)  # no entry.json: a writer died mid-way
    assert cache.entry("k") is None and cache.restore("k", tmp_path / "w") is None
    assert cache.entries() == []


def _save_from_process(args: tuple[str, str]) -> bool:
    root, work = args
    cache = RunnerCache(Path(root))
    return cache.save("shared", Path(work), ["blob"]).saved


def test_concurrent_savers_leave_one_whole_entry(tmp_path: Path) -> None:
    works = []
    for n in range(6):
        work = tmp_path / f"w{n}"
        (work / "blob").mkdir(parents=True)
        for part in range(20):
            (work / "blob" / f"part{part}.txt").write_text(f"writer {n}\n" * 2000)
        works.append(work)
    root = tmp_path / "cache"
    with ProcessPoolExecutor(max_workers=6) as pool:
        saved = list(pool.map(_save_from_process, [(str(root), str(w)) for w in works]))
    assert sum(saved) >= 1
    entry = RunnerCache(root).entry("shared")
    assert entry is not None
    writers = {p.read_text().splitlines()[0] for p in (entry.folder / "files" / "blob").iterdir()}
    assert len(writers) == 1  # every file from the same writer: never a mix
    assert len(list((entry.folder / "files" / "blob").iterdir())) == 20
    assert not any((root / "tmp").iterdir())  # no staging folder left behind
