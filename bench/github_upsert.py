"""Requests and time of a sticky-comment upsert on PRs with many comments (the fake).

    python bench/github_upsert.py

Prints, per comment count: requests of the first upsert (create), of an update
and of an unchanged re-run, and the wall time of the update.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.github_fake import DEFAULT_REPO, DEFAULT_TOKEN, FakeGitHub

from mlci.github import ClientSettings, GitHubClient, upsert_comment


def measure(count: int) -> str:
    with FakeGitHub() as fake:
        pr = int(fake.state.add_pull(DEFAULT_REPO, head="main")["number"])
        for i in range(count):
            fake.state.add_comment(DEFAULT_REPO, pr, f"chatter {i}", "octocat")
        settings = ClientSettings(DEFAULT_TOKEN, DEFAULT_REPO, fake.url, seconds_between_writes=0)
        client = GitHubClient(settings)
        figures = []
        for body in ("v1", "v2", "v2"):
            start = len(fake.requests)
            began = time.perf_counter()
            upsert_comment(client, pr_number=pr, key="report", body=body)
            figures.append((len(fake.requests) - start, time.perf_counter() - began))
    (c, _), (u, t), (n, _) = figures
    return (
        f"{count:>6} comments: create {c} req, update {u} req ({t * 1000:.0f} ms), "
        f"unchanged {n} req"
    )


if __name__ == "__main__":
    for count in (0, 99, 250, 1000):
        print(measure(count))
