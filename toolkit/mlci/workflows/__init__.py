"""Workflow generation: render the GitHub workflows of a repository from mlci.yaml."""

from mlci.workflows.pins import KNOWN_RELEASES, ActionRefs, resolve_actions
from mlci.workflows.render import GeneratedFile, render_files, split_header, with_header

__all__ = [
    "KNOWN_RELEASES",
    "ActionRefs",
    "GeneratedFile",
    "render_files",
    "resolve_actions",
    "split_header",
    "with_header",
]
