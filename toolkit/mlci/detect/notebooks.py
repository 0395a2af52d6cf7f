"""Training guesses for a project whose training is a Jupyter notebook.

Used only when nothing else trains (no DVC pipeline, MLproject or training script): a
notebook is the least reproducible way to train, and a script, when there is one, is
what the maintainer runs. The notebook is executed headless, into a separate output
notebook so that the project's own file stays as committed:

- `papermill` when the project already uses it (it also injects parameters);
- otherwise `jupyter nbconvert --to notebook --execute`.

Both run the kernel in the notebook's folder, as Jupyter does, so the files its cells
write are read relative to that folder.
"""

from __future__ import annotations

import json
import posixpath
import re
import shlex
from pathlib import Path

from mlci.detect.evidence import Detection, Guess, Note
from mlci.detect.writes import ScriptFacts, read_source

PREFERRED = re.compile(r"train|model|fit|pipeline|main|experiment", re.IGNORECASE)
_DEPENDENCY_FILES = (
    "requirements.txt", "requirements-dev.txt", "pyproject.toml", "environment.yml",
    "environment.yaml", "conda.yaml", "python_env.yaml", "setup.cfg",
)  # fmt: skip


def notebook_source(path: Path) -> str | None:
    """The code cells of a notebook as one Python source; magics and shell lines commented."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    cells = data.get("cells") if isinstance(data, dict) else None
    if not isinstance(cells, list):
        return None
    lines: list[str] = []
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source")
        text = "".join(source) if isinstance(source, list) else str(source or "")
        for line in text.splitlines():
            stripped = line.lstrip()
            lines.append("# " + line if stripped.startswith(("%", "!", "?")) else line)
        lines.append("")
    return "\n".join(lines)


def _listed(root: Path, names: tuple[str, ...]) -> str | None:
    for file in _DEPENDENCY_FILES:
        path = root / file
        try:
            text = path.read_text(encoding="utf-8").lower() if path.is_file() else ""
        except (OSError, UnicodeDecodeError):
            continue
        if any(re.search(rf"(?m)(^|[\s\"',\[])({re.escape(n)})\b", text) for n in names):
            return file
    return None


def _notebooks(root: Path) -> list[str]:
    from mlci.detect.files import project_files

    return [
        f
        for f in project_files(root)
        if f.endswith(".ipynb") and not f.endswith((".out.ipynb", ".executed.ipynb"))
    ]


def detect_notebooks(root: Path) -> tuple[Detection, ScriptFacts] | None:
    """The command that runs the training notebook, and what its cells write; None if none."""
    notebooks = _notebooks(root)
    if not notebooks:
        return None
    preferred = [n for n in notebooks if PREFERRED.search(posixpath.basename(n))]
    chosen = (preferred or notebooks)[0]
    notes: list[Note] = []
    if len(notebooks) > 1:
        notes.append(
            Note(
                "train.command",
                f"ran {chosen}; other notebooks: {', '.join(n for n in notebooks if n != chosen)}",
            )
        )
    folder = posixpath.dirname(chosen) or "."
    source = notebook_source(root / chosen) or ""
    facts = read_source(source, chosen, root, cwd=folder)
    stem = posixpath.splitext(posixpath.basename(chosen))[0]
    guesses: list[Guess] = []
    papermill = _listed(root, ("papermill",))
    if papermill:
        output = (
            f"{stem}.out.ipynb" if folder == "." else posixpath.join(folder, f"{stem}.out.ipynb")
        )
        command = f"papermill {shlex.quote(chosen)} {shlex.quote(output)}"
        if folder != ".":
            command += f" --cwd {shlex.quote(folder)}"
        why = f"the notebook {chosen}, run with papermill (listed in {papermill})"
        needed = ["ipykernel"]
    else:
        command = (
            f"jupyter nbconvert --to notebook --execute {shlex.quote(chosen)} "
            f"--output {shlex.quote(stem + '.out.ipynb')}"
        )
        why = (
            f"the notebook {chosen}, executed with nbconvert into {stem}.out.ipynb "
            "(no training script)"
        )
        needed = ["nbconvert", "ipykernel"]
    guesses.append(Guess("train.command", command, why))
    if _listed(root, ("jupyter",)) is None:
        missing = [p for p in needed if _listed(root, (p,)) is None]
        if missing:
            guesses.append(
                Guess(
                    "build.install", f"pip install {' '.join(missing)}", f"to run {chosen} headless"
                )
            )
    notes.append(
        Note(
            "train.command",
            "a notebook trains: move the training into a script for faster, reviewable runs",
        )
    )
    return Detection(tuple(guesses), tuple(notes)), facts
