"""Everything mlci writes to GitHub goes through this package (PyGithub inside).

Core entry points (plain values in, frozen dataclasses out; `client=None` = dry run
into the outbox):

- `GitHubClient(ClientSettings(token, repository, api_url))`
- `upsert_comment(client, pr_number=, key=, body=)` -> `CommentResult`
- `publish_check(client, CheckRequest(...))` -> `CheckResult`
- `open_retrain_pr(client, RetrainRequest(...))` -> `RetrainResult`
- `find_pull_request(client, event_context)` -> PR number or None

PyGithub itself is imported only when a client is built.
"""

from mlci.github.checks import CheckRequest, CheckResult, publish_check
from mlci.github.client import ClientSettings, GitHubClient
from mlci.github.comments import CommentResult, fit_body, marker, upsert_comment
from mlci.github.errors import GitHubServiceError
from mlci.github.outbox import Outbox
from mlci.github.pulls import find_pull_request
from mlci.github.retrain import RetrainRequest, RetrainResult, open_retrain_pr
from mlci.github.retry import RetryPolicy

__all__ = [
    "CheckRequest",
    "CheckResult",
    "ClientSettings",
    "CommentResult",
    "GitHubClient",
    "GitHubServiceError",
    "Outbox",
    "RetrainRequest",
    "RetrainResult",
    "RetryPolicy",
    "find_pull_request",
    "fit_body",
    "marker",
    "open_retrain_pr",
    "publish_check",
    "upsert_comment",
]
