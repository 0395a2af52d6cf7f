"""A stand-in for the `dvc` command in the loop test, where DVC is not installed.

`dvc repro` and `dvc exp run` run the commands of dvc.yaml's stages, in an order that
puts every stage after the stages whose outs it depends on (what DVC's DAG does for a
pipeline without caching); `dvc pull` has nothing to pull in a test. Anything else
exits 2. It reads dvc.yaml with PyYAML, never touches the project's files itself.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml


def _paths(entries: object) -> list[str]:
    found = []
    for entry in entries or []:  # type: ignore[attr-defined]
        found.extend([entry] if isinstance(entry, str) else list(entry))
    return found


def _order(stages: dict[str, dict[str, object]]) -> list[str]:
    done: list[str] = []
    outs = {name: _paths(stage.get("outs")) for name, stage in stages.items()}

    def visit(name: str) -> None:
        if name in done:
            return
        for dep in _paths(stages[name].get("deps")):
            for other, made in outs.items():
                if other != name and any(
                    dep == o or dep.startswith(o.rstrip("/") + "/") for o in made
                ):
                    visit(other)
        done.append(name)

    for name in stages:
        visit(name)
    return done


def main(args: list[str]) -> int:
    if args[:1] == ["pull"]:
        return 0
    if args[:1] != ["repro"] and args[:2] != ["exp", "run"]:
        print(f"fake dvc: {' '.join(args)} is not supported", file=sys.stderr)
        return 2
    stages = yaml.safe_load(Path("dvc.yaml").read_text())["stages"]
    for name in _order(stages):
        command = stages[name]["cmd"]
        print(f"Running stage '{name}':\n> {command}", flush=True)
        code = subprocess.run(command, shell=True, check=False).returncode
        if code:
            return code
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
