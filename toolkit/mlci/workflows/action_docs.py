"""Markdown tables of the composite actions' inputs and outputs, read from action.yml.

`action.yml` is the source of truth; the README carries these tables between
`<!-- actions:start -->` and `<!-- actions:end -->`, and a test keeps them equal.

    python -m mlci.workflows.action_docs README.md   # refresh the README block
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from mlci.markdown import markdown_table
from mlci.output import write_file

START = "<!-- actions:start -->"
END = "<!-- actions:end -->"


def action_files(root: Path) -> list[Path]:
    """The root action first, then actions/*/action.yml by name."""
    return [root / "action.yml", *sorted((root / "actions").glob("*/action.yml"))]


def _cell(text: Any) -> str:
    """One line of text; `markdown_table` escapes its `|`."""
    return " ".join(str(text).split())


def _uses(root: Path, path: Path) -> str:
    folder = path.parent.relative_to(root).as_posix()
    return "mlci" if folder == "." else f"mlci/{folder}"


def action_table(root: Path, path: Path) -> str:
    import yaml

    meta = yaml.safe_load(path.read_text(encoding="utf-8"))
    lines = [f"#### `{_uses(root, path)}`", "", _cell(meta["description"]), ""]
    inputs = meta.get("inputs") or {}
    if inputs:
        rows = []
        for name, spec in inputs.items():
            default = spec.get("default", "")
            shown = f"`{_cell(default)}`" if default not in ("", None) else ""
            required = "yes" if spec.get("required") else "no"
            rows.append([f"`{name}`", required, shown, _cell(spec["description"])])
        lines += [markdown_table(["input", "required", "default", "description"], rows), ""]
    outputs = meta.get("outputs") or {}
    if outputs:
        rows = [[f"`{name}`", _cell(spec["description"])] for name, spec in outputs.items()]
        lines += [markdown_table(["output", "description"], rows), ""]
    return "\n".join(lines)


def actions_markdown(root: Path) -> str:
    return "\n".join(action_table(root, path) for path in action_files(root))


def replace_block(text: str, block: str) -> str:
    """`text` with the part between the markers replaced by `block`."""
    head, found, rest = text.partition(START)
    _, found_end, tail = rest.partition(END)
    if not found or not found_end:
        raise ValueError(f"markers {START} ... {END} not found")
    return f"{head}{START}\n{block}{END}{tail}"


def main(argv: list[str]) -> int:
    readme = Path(argv[0] if argv else "README.md")
    root = readme.resolve().parent
    write_file(readme, replace_block(readme.read_text(encoding="utf-8"), actions_markdown(root)))
    print(f"updated the actions tables in {readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
