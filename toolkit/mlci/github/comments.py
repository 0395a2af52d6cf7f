"""The sticky comment: one comment per key on a PR, updated in place.

The comment is found by its hidden marker `<!-- mlci:KEY -->` at the start of a
comment among all the PR's comments, and only among comments mlci may own:

- the token says who it is (GET /user: personal access tokens, user tokens), or
  `--author` names the login: comments by that login;
- the token may not say (installation tokens: the workflow's GITHUB_TOKEN writes as
  `github-actions[bot]`, a GitHub App's token as `<app-slug>[bot]`, and GET /user
  answers 403): comments whose author is a bot (`user.type == "Bot"`). Once this run
  has created a comment, its author is the token's login and is used from then on.

A person's comment (`type` "User") is never edited or removed, even when it starts
with the marker, unless the token is that person's own.

Concurrency: two jobs that upsert the same key at the same moment may both see no
comment and both create one. After creating, each re-reads the comments; the oldest
marked comment wins, newer duplicates are deleted and the winner carries the body of
whichever job wrote last. So the promise is: one comment once both jobs are done; for
an instant a reader may see two.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlci.github.client import GitHubClient, is_status
from mlci.markdown import GITHUB_COMMENT_LIMIT, cap_markdown

if TYPE_CHECKING:
    from github.IssueComment import IssueComment

    from mlci.github.outbox import Outbox

COMMENT_LIMIT = GITHUB_COMMENT_LIMIT


def marker(key: str) -> str:
    return f"<!-- mlci:{key} -->"


def fit_body(body: str, limit: int = COMMENT_LIMIT) -> str:
    """`body` cut to fit `limit` characters by `mlci.markdown.cap_markdown`, the one cap."""
    return cap_markdown(body, limit, "The full report is in the job summary and artifacts.")[0]


def sticky_body(key: str, body: str, limit: int = COMMENT_LIMIT) -> str:
    """The marker first (so cutting never removes it), then the body, cut to fit."""
    return fit_body(f"{marker(key)}\n{body.rstrip()}\n", limit)


@dataclass(frozen=True)
class CommentResult:
    action: str  # "created", "updated", "unchanged" or "dry-run"
    key: str
    pr_number: int | None
    comment_id: int | None = None
    url: str | None = None
    truncated: bool = False
    outbox_path: Path | None = None
    duplicates_removed: int = 0

    @property
    def dry_run(self) -> bool:
        return self.action == "dry-run"


def _result(action: str, key: str, pr: int, comment: IssueComment, **kw: Any) -> CommentResult:
    return CommentResult(action, key, pr, comment.id, comment.html_url, **kw)


def _owned(comment: IssueComment, author: str | None) -> bool:
    user = comment.user
    if author is not None:
        return bool(user.login == author)
    return bool(user.type == "Bot")


def find_sticky_comments(
    client: GitHubClient, pr_number: int, key: str, author: str | None
) -> list[IssueComment]:
    """Every comment on the PR with the key's marker by `author` (None: by a bot), oldest first."""
    tag = marker(key)

    def scan() -> list[IssueComment]:
        issue = client.repo.get_issue(pr_number)
        return [
            c
            for c in issue.get_comments()
            if c.body and c.body.startswith(tag) and _owned(c, author)
        ]

    found = client.call(f"reading the comments of PR #{pr_number}", scan)
    return sorted(found, key=lambda c: c.id)


def upsert_comment(
    client: GitHubClient | None,
    *,
    pr_number: int | None,
    key: str,
    body: str,
    author: str | None = None,
    outbox: Outbox | None = None,
) -> CommentResult:
    """Create or update the sticky comment `key` on PR `pr_number`.

    `client=None` is a dry run: the body goes to the outbox (`outbox`, default
    `.mlci/outbox/comment-KEY.md`). `author` defaults to the token's account.
    """
    full = sticky_body(key, body)
    truncated = len(full) < len(f"{marker(key)}\n{body.rstrip()}\n")
    if client is None:
        from mlci.github.outbox import Outbox

        entry = (outbox or Outbox()).write_text("comment", key, full)
        return CommentResult("dry-run", key, pr_number, truncated=truncated, outbox_path=entry.path)
    if pr_number is None:
        from mlci.errors import InputError

        raise InputError(
            "no pull request to comment on: this event has none",
            "pass --pr N, or run on pull_request / workflow_run events",
        )
    login = author or client.identity()
    existing = find_sticky_comments(client, pr_number, key, login)
    if existing:
        first = existing[0]
        removed = _remove_duplicates(client, existing[1:])
        if first.body == full:
            return _result(
                "unchanged", key, pr_number, first, truncated=truncated, duplicates_removed=removed
            )
        client.call(f"updating comment {first.id} on PR #{pr_number}", lambda: first.edit(full))
        return _result(
            "updated", key, pr_number, first, truncated=truncated, duplicates_removed=removed
        )

    def lookup() -> IssueComment | None:
        found = find_sticky_comments(client, pr_number, key, login)
        return found[0] if found else None

    issue = client.repo.get_issue(pr_number)
    created = client.call(
        f"posting the comment on PR #{pr_number}",
        lambda: issue.create_comment(full),
        safe=False,
        lookup=lookup,
    )
    if login is None and created.user.login:
        # Now we know who the token writes as.
        login = str(created.user.login)
        client.learn_identity(login)
    # Someone else may have created the same key at the same moment: converge on the
    # oldest comment (see the module docstring).
    after = find_sticky_comments(client, pr_number, key, login)
    if len(after) > 1 or (after and (after[0].id != created.id or after[0].body != full)):
        winner = after[0]
        removed = _remove_duplicates(client, after[1:])
        if winner.body != full:
            client.call(f"updating comment {winner.id}", lambda: winner.edit(full))
        return _result(
            "updated", key, pr_number, winner, truncated=truncated, duplicates_removed=removed
        )
    return _result("created", key, pr_number, created, truncated=truncated)


def _remove_duplicates(client: GitHubClient, comments: list[IssueComment]) -> int:
    removed = 0
    for comment in comments:
        try:
            client.call(f"removing duplicate comment {comment.id}", comment.delete)
            removed += 1
        except Exception as error:
            if not is_status(error, 404):  # the other job removed it first
                raise
    return removed
