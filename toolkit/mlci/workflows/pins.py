"""Which ref each action a generated workflow uses is called at.

Third-party actions are pinned to full commit SHAs when `github.pin_actions` is on:
a tag can be moved to other code, a commit cannot. The SHAs below were read from the
actions' own repositories (the commit each release tag points at); `github.pins`
overrides them or adds more.
"""

from __future__ import annotations

from dataclasses import dataclass

from mlci.config.schema import GitHubConfig

# action -> (release tag, the commit that tag points at)
KNOWN_RELEASES: dict[str, tuple[str, str]] = {
    "actions/checkout": ("v6.1.0", "d23441a48e516b6c34aea4fa41551a30e30af803"),
    "actions/setup-python": ("v6.3.0", "ece7cb06caefa5fff74198d8649806c4678c61a1"),
    "actions/upload-artifact": ("v6.0.0", "b7c566a772e6b6bfb58ed0dc250532a479d7789f"),
    "actions/download-artifact": ("v7.0.0", "37930b1c2abaa49bbe596cd826c3c89aef350131"),
    "actions/attest-build-provenance": ("v4.1.0", "a2bbfa25375fe432b6a289bc6b6cd05ecd0c4c32"),
    "actions/cache": ("v5.0.5", "27d5ce7f107fe9357f9df03efb73ab90386fccae"),
}


@dataclass(frozen=True)
class ActionRefs:
    """The `uses:` value of every action the templates use, by short name."""

    checkout: str
    setup_python: str
    upload_artifact: str
    download_artifact: str
    attest_build_provenance: str
    cache_restore: str  # the drift history between scheduled runs
    cache_save: str
    mlci_repo: str  # owner/name@ref, to which the templates append /actions/<name>
    mlci_ref: str
    pinned: bool

    def mlci(self, action: str) -> str:
        return f"{self.mlci_repo}/actions/{action}@{self.mlci_ref}"


def _major(tag: str) -> str:
    return tag.split(".")[0]


def resolve_actions(github: GitHubConfig) -> ActionRefs:
    """Turn `github.*` settings into `uses:` refs (checked on load by mlci.config.checks)."""

    def ref(action: str, part: str = "") -> str:
        tag, sha = KNOWN_RELEASES[action]
        name = f"{action}/{part}" if part else action
        if github.pin_actions:
            return f"{name}@{github.pins.get(action, sha)} # {tag}"
        return f"{name}@{_major(tag)}"

    mlci_ref = github.actions_ref
    if github.pin_actions:
        mlci_sha = github.pins[github.actions_repo]
        mlci_ref = f"{mlci_sha} # {github.actions_ref}"
    return ActionRefs(
        checkout=ref("actions/checkout"),
        setup_python=ref("actions/setup-python"),
        upload_artifact=ref("actions/upload-artifact"),
        download_artifact=ref("actions/download-artifact"),
        attest_build_provenance=ref("actions/attest-build-provenance"),
        cache_restore=ref("actions/cache", "restore"),
        cache_save=ref("actions/cache", "save"),
        mlci_repo=github.actions_repo,
        mlci_ref=mlci_ref,
        pinned=github.pin_actions,
    )
