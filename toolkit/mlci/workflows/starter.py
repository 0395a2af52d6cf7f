"""The rendered defaults in `workflow-templates/`, in GitHub's starter-workflow format.

An organisation copies that folder into its `.github` repository; GitHub then offers
each workflow under Actions > New workflow, replacing `$default-branch`. Each
`NAME.yml` has a `NAME.properties.json` beside it.

    python -m mlci.workflows.starter workflow-templates
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

from mlci.config.schema import CurrentDataConfig, DataConfig, MlciConfig
from mlci.output import write_file
from mlci.workflows.render import render_files

ICON = "mlci"

PROPERTIES: dict[str, tuple[str, str]] = {
    # workflow file -> (name, description)
    "mlci-ci.yml": (
        "mlci CI",
        "Build and test a Python ML project on every push and pull request.",
    ),
    "mlci-train.yml": (
        "mlci train",
        "Train and validate the model on a GPU runner for trusted pull requests and manual"
        " runs; fork pull requests wait for a maintainer's label.",
    ),
    "mlci-report.yml": (
        "mlci report",
        "Post each training report as one sticky pull-request comment and a check run.",
    ),
    "mlci-drift.yml": (
        "mlci drift",
        "Check production data for drift on a schedule and open a retraining pull request.",
    ),
    "mlci-release.yml": (
        "mlci release",
        "On each push to the default branch: train, validate, publish the run as the baseline,"
        " release the model with its model card and attest its provenance.",
    ),
}

_ICON_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="48" height="48" viewBox="0 0 48 48">'
    '<rect width="48" height="48" rx="8" fill="#6f42c1"/>'
    '<path d="M10 34l8-12 7 8 5-7 8 11" fill="none" stroke="#fff" stroke-width="3"'
    ' stroke-linecap="round" stroke-linejoin="round"/></svg>\n'
)


def starter_config() -> MlciConfig:
    """Defaults plus the data paths of a typical project, on `$default-branch`."""
    base = MlciConfig()
    return replace(
        base,
        data=DataConfig(
            reference="data/reference.csv",
            current=CurrentDataConfig(command="python fetch_current.py", path="data/current.csv"),
        ),
        github=replace(base.github, default_branch="$default-branch"),
    )


def starter_files() -> dict[str, str]:
    """File name -> text of everything `workflow-templates/` holds."""
    files: dict[str, str] = {f"{ICON}.svg": _ICON_SVG}
    for generated in render_files(starter_config()):
        if generated.kind != "workflow":
            continue
        name = Path(generated.path).name
        files[name] = generated.text
        title, description = PROPERTIES[name]
        properties = {
            "name": title,
            "description": description,
            "iconName": ICON,
            "categories": ["Continuous integration", "Python"],
            "filePatterns": ["^mlci\\.yaml$", "^requirements\\.txt$", "^pyproject\\.toml$"],
        }
        stem = name.removesuffix(".yml")
        files[f"{stem}.properties.json"] = json.dumps(properties, indent=2) + "\n"
    return files


def main(argv: list[str]) -> int:
    folder = Path(argv[0] if argv else "workflow-templates")
    for name, text in starter_files().items():
        write_file(folder / name, text)
        print(f"wrote {folder / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
