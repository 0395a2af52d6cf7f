"""Which pull request is this run about?

`pull_request` and `issue_comment` events name it. A `workflow_run` event names it
in `pull_requests` only when the PR's head branch lives in the same repository: for
PRs from forks that list is empty, so the PR is found by its head SHA (first among
the open PRs from the fork's branch, then among all open PRs).
"""

from __future__ import annotations

from mlci.gha.context import EventContext
from mlci.github.client import GitHubClient


def find_pull_request(client: GitHubClient | None, context: EventContext) -> int | None:
    """The PR number of the event, or None (push, schedule, or no PR for the SHA)."""
    if context.pr_number is not None:
        return context.pr_number
    if client is None or context.event_name != "workflow_run" or not context.head_sha:
        return None
    repo = client.repo
    sha = context.head_sha

    def by_sha() -> int | None:
        if context.head_repository and context.head_ref:
            owner = context.head_repository.split("/")[0]
            for pr in repo.get_pulls(state="open", head=f"{owner}:{context.head_ref}"):
                if pr.head.sha == sha:
                    return int(pr.number)
        for pr in repo.get_pulls(state="open"):
            if pr.head.sha == sha:
                return int(pr.number)
        return None

    return client.call(f"finding the pull request of commit {sha[:7]}", by_sha)


def pull_head_sha(client: GitHubClient, number: int) -> str:
    """The head commit of PR `number`.

    The report workflow reads the PR number from an artifact that pull-request code
    wrote; comparing this with the head SHA of the trusted `workflow_run` event keeps a
    fork from steering the comment onto another pull request.
    """
    pull = client.call(f"reading pull request #{number}", lambda: client.repo.get_pull(number))
    return str(pull.head.sha)
