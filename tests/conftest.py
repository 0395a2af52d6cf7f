"""One environment for every test: nothing inherited from the machine or from GitHub Actions.

mlci reads the Actions variables (GITHUB_ACTIONS, GITHUB_OUTPUT, GITHUB_EVENT_PATH,
GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_RUN_ID, ...), so a test run inside a workflow, or
on a machine with a token exported, would write annotations to the job, post to GitHub or
record the wrong run. The fixture below removes them once for the whole session (so
session- and module-scoped fixtures see the same environment as the tests); a test that
needs one sets it itself with `monkeypatch.setenv`, which is undone after the test.

Kept on purpose:
- CI and BUILD_NUMBER: mlci never reads them, and pytest does (full assertion diffs on CI).
- MLCI_UPDATE_DOCS, MLCI_UPDATE_GOLDEN and MLCI_UPDATE_SCHEMA: switches a person sets
  to refresh the files that tests/test_readme.py, tests/metrics/test_diff_golden.py
  and tests/config/test_json_schema.py compare against.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping

import pytest

# Every variable with one of these prefixes: GITHUB_* (the Actions defaults, GITHUB_TOKEN,
# GITHUB_API_URL, ...), RUNNER_* (RUNNER_TEMP, RUNNER_OS, ...), ACTIONS_* (the runtime and
# OIDC tokens, ACTIONS_STEP_DEBUG) and MLCI_* (the composite actions' inputs).
SCRUBBED_PREFIXES = ("GITHUB_", "RUNNER_", "ACTIONS_", "MLCI_")
SCRUBBED_NAMES = (
    # The gh CLI's and zizmor's tokens and host.
    "GH_TOKEN",
    "GH_ENTERPRISE_TOKEN",
    "GH_HOST",
    # Set by git for hooks: they would point the tests' git commands at this checkout.
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_COMMON_DIR",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_NAMESPACE",
    "GIT_PREFIX",
)
KEPT = frozenset({"MLCI_UPDATE_DOCS", "MLCI_UPDATE_GOLDEN", "MLCI_UPDATE_SCHEMA"})


def inherited_names(environ: Mapping[str, str]) -> list[str]:
    """The variables of `environ` that the tests must not see."""
    return sorted(
        name
        for name in environ
        if name not in KEPT and (name.startswith(SCRUBBED_PREFIXES) or name in SCRUBBED_NAMES)
    )


@pytest.fixture(autouse=True, scope="session")
def _scrub_environment() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        for name in inherited_names(os.environ):
            patch.delenv(name)
        yield
