"""Can code from a fork reach the GPU runners? Read the settings that decide it.

A fork controls every workflow file of its `pull_request` runs, so what keeps its
code off the self-hosted runners is not in the repository but in GitHub's settings:

- the repository's visibility (fork pull requests of a private repository run
  workflows only when the repository allows it);
- the fork pull request approval policy (public repositories);
- the organisation's runner groups that hold runners with the training labels:
  a group that public repositories may use must be restricted to the GPU workflows
  (`mlci.runners.arc.gpu_workflows`: the training and the release workflow) on the
  default branch (`restricted_to_workflows`, `selected_workflows`); one that admits
  only some of them is safe, but the others' GPU jobs never get a runner (a note);
- the repository's own self-hosted runners: they belong to no group, so every
  workflow of the repository may use them.

`audit_runners` reads them through the shared `mlci.github.client.GitHubClient`;
`assess` is the verdict, from plain values. A setting the token may not read is
recorded as `unreadable` (with the permission it needs), never guessed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from mlci.runners.arc import DEFAULT_GPU_WORKFLOWS, name_workflows, workflow_ref
from mlci.runners.status import matches

if TYPE_CHECKING:
    from mlci.github.client import GitHubClient
    from mlci.github.errors import GitHubServiceError

STRICT_POLICY = "all_external_contributors"
# Weakest first, as GitHub's settings page lists them.
APPROVAL_POLICIES = (
    "first_time_contributors_new_to_github",
    "first_time_contributors",
    STRICT_POLICY,
)
APPROVAL_PAGE = "Settings > Actions > General > Approval for running fork pull request workflows"
GROUPS_PAGE = "organisation Settings > Actions > Runner groups"

# What each read needs (fine-grained permission; classic token scope).
NEEDS_REPO = "Metadata: read on the repository (classic token: repo, or public_repo)"
NEEDS_ADMIN = "Administration: read on the repository (classic token: repo, as a repository admin)"
NEEDS_ORG = (
    "Self-hosted runners: read on the organization "
    "(classic token: admin:org, as an organisation owner)"
)


@dataclass(frozen=True)
class Finding:
    """A setting that lets fork code reach the GPU runners, and how to change it."""

    setting: str
    problem: str
    fix: str


@dataclass(frozen=True)
class Unreadable:
    """A setting that could not be read, and the token permission that reads it."""

    setting: str
    reason: str
    permission: str


@dataclass(frozen=True)
class RunnerGroup:
    id: int
    name: str
    visibility: str
    allows_public_repositories: bool
    restricted_to_workflows: bool
    selected_workflows: tuple[str, ...]
    default: bool
    gpu_runners: tuple[str, ...] = ()  # names of its runners with the training labels


@dataclass(frozen=True)
class RepositorySettings:
    """What GitHub said; None where it was not read."""

    repository: str
    visibility: str | None = None  # public, private, internal
    default_branch: str | None = None
    organization: str | None = None  # None: a personal account (no runner groups)
    approval_policy: str | None = None
    groups: tuple[RunnerGroup, ...] | None = None  # every group of the organisation
    repo_runners: tuple[str, ...] | None = None  # repository runners with the labels
    repo_runner_ids: tuple[int, ...] = ()
    unreadable: tuple[Unreadable, ...] = ()


@dataclass(frozen=True)
class RunnerAudit:
    repository: str
    labels: tuple[str, ...]
    training_workflow: str | None  # OWNER/REPO/.github/workflows/FILE@refs/heads/BRANCH
    visibility: str | None
    # Every workflow the GPU runner group must admit, as selected_workflows names them:
    # training_workflow first, then the release workflow.
    gpu_workflows: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = ()
    unreadable: tuple[Unreadable, ...] = ()
    checked: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    settings: RepositorySettings | None = field(default=None, compare=False)

    @property
    def verdict(self) -> str:
        """unsafe (a finding), unknown (something unreadable, no finding), safe."""
        if self.findings:
            return "unsafe"
        return "unknown" if self.unreadable else "safe"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("settings")
        data["verdict"] = self.verdict
        settings = self.settings
        data["settings"] = (
            None
            if settings is None
            else {
                "approval_policy": settings.approval_policy,
                "default_branch": settings.default_branch,
                "organization": settings.organization,
                "repository_runners": (
                    None if settings.repo_runners is None else list(settings.repo_runners)
                ),
                "runner_groups": (
                    None
                    if settings.groups is None
                    else [asdict(group) for group in settings.groups if group.gpu_runners]
                ),
            }
        )
        return data


def _same_workflow(entry: str, expected: str) -> bool:
    """`...@main` and `...@refs/heads/main` name the same workflow; names ignore case."""
    head, _, ref = entry.strip().rpartition("@")
    want_head, _, want_ref = expected.rpartition("@")
    if ref.startswith("refs/heads/"):
        ref = ref[len("refs/heads/") :]
    return head.lower() == want_head.lower() and ref == want_ref[len("refs/heads/") :]


def _admits(group: RunnerGroup, expected: str) -> bool:
    return any(_same_workflow(entry, expected) for entry in group.selected_workflows)


def _group_fix(org: str, group: RunnerGroup, expected: Sequence[str], which: str) -> str:
    """One PATCH that sets the whole list: selected_workflows replaces, never adds."""
    select = " ".join(f"-f 'selected_workflows[]={workflow}'" for workflow in expected)
    return (
        f"restrict the group to {which}: gh api -X PATCH "
        f"orgs/{org}/actions/runner-groups/{group.id} -f name='{group.name}' "
        f"-F restricted_to_workflows=true {select} "
        f"(or {GROUPS_PAGE} > {group.name} > Workflow access > Selected workflows)"
    )


def assess(
    settings: RepositorySettings,
    labels: Sequence[str],
    *,
    workflow_files: Sequence[str] = DEFAULT_GPU_WORKFLOWS,
    runner_group: str | None = None,
) -> RunnerAudit:
    """The verdict on what was read. `workflow_files`: the GPU workflows
    (`mlci.runners.arc.gpu_workflows`), training workflow first. `runner_group`:
    runners.runner_group of mlci.yaml, checked even when it lists no runner (ARC scale
    sets scaled to zero list none)."""
    repo = settings.repository
    findings: list[Finding] = []
    checked: list[str] = []
    notes: list[str] = []
    unreadable = list(settings.unreadable)
    wanted = ", ".join(labels)
    public = settings.visibility == "public"
    files = tuple(workflow_files)
    which = name_workflows(files)
    branch = settings.default_branch
    expected = tuple(workflow_ref(repo, file, branch) for file in files) if branch else ()
    training = expected[0] if expected else None

    def missing(setting: str, permission: str) -> None:
        """Not read, and nobody said why: never taken as safe."""
        if all(item.setting != setting for item in unreadable):
            unreadable.append(Unreadable(setting, "not read", permission))

    if settings.visibility is None:
        missing(f"the repository {repo}", NEEDS_REPO)
        return RunnerAudit(
            repo, tuple(labels), training, None, expected, unreadable=tuple(unreadable)
        )
    if public and settings.approval_policy is None:
        missing("the fork pull request approval policy", NEEDS_ADMIN)
    if settings.repo_runners is None:
        missing(f"the self-hosted runners of {repo}", NEEDS_ADMIN)
    if settings.organization is not None and settings.groups is None:
        missing(f"the runner groups of {settings.organization}", NEEDS_ORG)

    checked.append(f"repository {repo}: {settings.visibility}")
    if not public:
        notes.append(
            f"{repo} is {settings.visibility}: pull requests from its forks run workflows only "
            "when Settings > Actions > General > 'Run workflows from fork pull requests' is "
            "enabled, and the approval policy applies to public repositories only; the runner "
            "groups are checked all the same"
        )

    # -- the approval policy (public repositories) -------------------------------------
    policy = settings.approval_policy
    if public and policy is not None:
        if policy == STRICT_POLICY:
            checked.append(f"fork pull request approval policy: {policy}")
        else:
            who = {
                "first_time_contributors_new_to_github": "only accounts new to GitHub need "
                "approval: anyone else's fork pull request runs its workflows at once",
                "first_time_contributors": "only first-time contributors need approval: "
                "anyone who had one pull request merged runs workflows without approval "
                "ever after",
            }.get(policy, "it is not a policy mlci knows, so it is treated as weaker")
            findings.append(
                Finding(
                    setting=f"fork pull request approval policy of {repo}: {policy}",
                    problem=who,
                    fix=(
                        f"gh api -X PUT repos/{repo}/actions/permissions/"
                        f"fork-pr-contributor-approval -f approval_policy={STRICT_POLICY} "
                        f"(or {APPROVAL_PAGE}: Require approval for all external contributors)"
                    ),
                )
            )

    # -- repository runners ------------------------------------------------------------
    if settings.repo_runners is not None:
        if not settings.repo_runners:
            checked.append(f"repository runners of {repo}: none with the labels [{wanted}]")
        elif public:
            names = ", ".join(settings.repo_runners)
            findings.append(
                Finding(
                    setting=f"self-hosted runners of the repository {repo}: {names}",
                    problem=(
                        f"they have the labels [{wanted}] and belong to no runner group: every "
                        "workflow of the repository may use them, including the pull_request "
                        "runs of fork pull requests, whose workflow files come from the fork"
                    ),
                    fix=(
                        "remove them (Settings > Actions > Runners, or "
                        + " and ".join(
                            f"gh api -X DELETE repos/{repo}/actions/runners/{runner_id}"
                            for runner_id in settings.repo_runner_ids or ("RUNNER_ID",)
                        )
                        + ") and register them with the "
                        "organisation, in a runner group restricted to "
                        f"{' and '.join(expected) or which} (mlci.yaml: "
                        "runners.github_config_url = the organisation URL, runners.runner_group)"
                    ),
                )
            )
        else:
            notes.append(
                f"repository runners of {repo} with the labels [{wanted}]: "
                f"{', '.join(settings.repo_runners)}: every workflow of the repository may use "
                "them; fork pull requests reach them only if fork workflows are enabled"
            )

    # -- runner groups -----------------------------------------------------------------
    org = settings.organization
    if org is None:
        notes.append(
            f"{repo} belongs to a personal account: it has no runner groups, only repository "
            "runners"
        )
    elif settings.groups is not None:
        relevant = [g for g in settings.groups if g.gpu_runners or g.name == runner_group]
        if runner_group and not any(g.name == runner_group for g in settings.groups):
            notes.append(
                f"runners.runner_group {runner_group!r} is not a runner group of {org}: "
                f"create it ({GROUPS_PAGE} > New runner group) before ARC registers into it"
            )
        if relevant:
            checked.append(
                f"runner groups of {org}: {len(settings.groups)}, "
                f"{sum(1 for g in settings.groups if g.gpu_runners)} with runners "
                f"with the labels [{wanted}]"
            )
        else:
            checked.append(
                f"runner groups of {org}: none holds a runner with the labels [{wanted}]"
            )
            if not settings.repo_runners:
                notes.append(
                    f"no runner with the labels [{wanted}] is registered now; ARC scale sets "
                    "scaled to zero list none: set runners.runner_group in mlci.yaml so that "
                    "their group is checked too"
                )
        placeholders = tuple(workflow_ref("OWNER/REPO", file, "DEFAULT") for file in files)
        report = _GroupReport(findings, checked, notes)
        for group in relevant:
            _check_group(org, group, expected or placeholders, which, public, report)

    return RunnerAudit(
        repository=repo,
        labels=tuple(labels),
        training_workflow=training,
        visibility=settings.visibility,
        gpu_workflows=expected,
        findings=tuple(findings),
        unreadable=tuple(unreadable),
        checked=tuple(checked),
        notes=tuple(notes),
        settings=settings,
    )


@dataclass(frozen=True)
class _GroupReport:
    """Where _check_group puts what it finds (the lists of `assess`)."""

    findings: list[Finding]
    checked: list[str]
    notes: list[str]


def _check_group(
    org: str,
    group: RunnerGroup,
    expected: tuple[str, ...],
    which: str,
    public: bool,
    report: _GroupReport,
) -> None:
    """`expected`: the selected_workflows entries of the GPU workflows; `which` names them."""
    holds = (
        f"holds runners with the training labels ({', '.join(group.gpu_runners)})"
        if group.gpu_runners
        else "is runners.runner_group of mlci.yaml"
    )
    where = f"runner group {group.name!r} of {org}"
    fix = _group_fix(org, group, expected, which)
    others = tuple(
        w for w in group.selected_workflows if not any(_same_workflow(w, e) for e in expected)
    )
    missing = tuple(e for e in expected if not _admits(group, e))
    restricted = group.restricted_to_workflows and group.selected_workflows and not others
    if restricted:
        admitted = [e for e in expected if e not in missing]
        report.checked.append(f"{where}: restricted to {', '.join(admitted)}")
        if missing:
            # Safe (nothing else gets in), but a GPU job would wait for a runner forever.
            its, it = ("its GPU job", "it") if len(missing) == 1 else ("their GPU jobs", "them")
            report.notes.append(
                f"{where} does not admit {', '.join(missing)}: {its} never gets a runner "
                f"from this group; to admit {it} too: {fix}"
            )
        if public and not group.allows_public_repositories:
            report.notes.append(
                f"{where} does not allow public repositories: the GPU jobs of this public "
                f"repository cannot run on it (-F allows_public_repositories=true)"
            )
        return
    if not group.allows_public_repositories:
        report.checked.append(f"{where}: public repositories may not use it")
        if public:
            report.notes.append(
                f"{where} does not allow public repositories: fork code cannot reach it, nor can "
                f"the GPU jobs of this public repository; to use it, restrict it to {which} "
                "first, then allow public repositories"
            )
        else:
            report.notes.append(
                f"{where} {holds} and is not restricted to {which}: any workflow of the "
                "repositories that may use it can run there (fork pull requests of private "
                f"repositories only when enabled); to restrict it: {fix}"
            )
        return
    if not group.restricted_to_workflows:
        problem = (
            f"it {holds}, allows public repositories and lets any of their workflows use it: "
            "a pull_request workflow that a fork edits can run on these runners"
        )
        setting = f"{where}: restricted_to_workflows is false"
    elif others:
        problem = (
            f"it {holds} and allows public repositories, and besides {which} it lets "
            f"{', '.join(others)} use it"
        )
        setting = f"{where}: selected_workflows"
    else:  # restricted, but to no workflow at all
        report.notes.append(f"{where} is restricted to no workflow: the GPU jobs cannot use it")
        return
    report.findings.append(Finding(setting=setting, problem=problem, fix=fix))


# -- reading the settings ------------------------------------------------------------------
class _Refused(Exception):
    def __init__(self, reason: str) -> None:
        self.reason = reason


def audit_runners(
    client: GitHubClient,
    labels: Sequence[str],
    *,
    workflow_files: Sequence[str] = DEFAULT_GPU_WORKFLOWS,
    runner_group: str | None = None,
) -> RunnerAudit:
    """Read the settings of `client.repository` and assess them (see `assess`).

    401 and failures other than 403/404 raise (GitHubServiceError, exit 3); a 403 or
    404 on one setting makes that setting unreadable and the rest is still read.
    """
    settings = read_settings(client, labels)
    return assess(settings, labels, workflow_files=workflow_files, runner_group=runner_group)


def read_settings(client: GitHubClient, labels: Sequence[str]) -> RepositorySettings:
    repo = client.repository
    unreadable: list[Unreadable] = []

    def read(setting: str, permission: str, fn: Callable[[], Any]) -> Any:
        try:
            return _refusals(client, setting, fn)
        except _Refused as refused:
            unreadable.append(Unreadable(setting, refused.reason, permission))
            return None

    payload = read(
        f"the repository {repo}",
        NEEDS_REPO,
        lambda: _get(client, f"/repos/{repo}"),
    )
    if payload is None:
        return RepositorySettings(repo, unreadable=tuple(unreadable))
    visibility = str(
        payload.get("visibility") or ("private" if payload.get("private") else "public")
    )
    owner = payload.get("owner") or {}
    organization = (
        str(owner.get("login") or client.owner) if owner.get("type") == "Organization" else None
    )
    policy = None
    if visibility == "public":  # GitHub answers 422 for private repositories
        answer = read(
            "the fork pull request approval policy",
            NEEDS_ADMIN,
            lambda: _get(client, f"/repos/{repo}/actions/permissions/fork-pr-contributor-approval"),
        )
        policy = None if answer is None else str(answer.get("approval_policy"))
    runners = read(
        f"the self-hosted runners of {repo}",
        NEEDS_ADMIN,
        lambda: _pages(client, f"/repos/{repo}/actions/runners", "runners"),
    )
    gpu = [r for r in runners or () if matches(_labels(r), labels)]
    repo_runners = None if runners is None else tuple(str(r.get("name")) for r in gpu)
    groups = None
    if organization is not None:
        groups = read(
            f"the runner groups of {organization}",
            NEEDS_ORG,
            lambda: _read_groups(client, organization, labels),
        )
    return RepositorySettings(
        repository=repo,
        visibility=visibility,
        default_branch=str(payload.get("default_branch") or "") or None,
        organization=organization,
        approval_policy=policy,
        groups=groups,
        repo_runners=repo_runners,
        repo_runner_ids=tuple(int(r.get("id", 0)) for r in gpu),
        unreadable=tuple(unreadable),
    )


def _read_groups(client: GitHubClient, org: str, labels: Sequence[str]) -> tuple[RunnerGroup, ...]:
    groups = []
    for raw in _pages(client, f"/orgs/{org}/actions/runner-groups", "runner_groups"):
        group_id = int(raw.get("id", 0))
        runners = _pages(client, f"/orgs/{org}/actions/runner-groups/{group_id}/runners", "runners")
        groups.append(
            RunnerGroup(
                id=group_id,
                name=str(raw.get("name", "")),
                visibility=str(raw.get("visibility", "")),
                allows_public_repositories=bool(raw.get("allows_public_repositories")),
                restricted_to_workflows=bool(raw.get("restricted_to_workflows")),
                selected_workflows=tuple(str(w) for w in raw.get("selected_workflows") or ()),
                default=bool(raw.get("default")),
                gpu_runners=tuple(
                    str(r.get("name")) for r in runners if matches(_labels(r), labels)
                ),
            )
        )
    return tuple(groups)


def _labels(runner: Mapping[str, Any]) -> Iterable[str]:
    return (str(label.get("name", "")) for label in runner.get("labels") or ())


def _get(client: GitHubClient, path: str, parameters: dict[str, Any] | None = None) -> Any:
    _, data = client.gh.requester.requestJsonAndCheck("GET", path, parameters=parameters)
    return data


def _pages(client: GitHubClient, path: str, key: str) -> list[dict[str, Any]]:
    """Every item of a `{total_count, KEY: [...]}` list, 100 a page."""
    items: list[dict[str, Any]] = []
    page = 1
    while True:
        data = _get(client, path, {"per_page": 100, "page": page})
        chunk = list(data.get(key) or ())
        items.extend(chunk)
        if not chunk or len(items) >= int(data.get("total_count") or 0):
            return items
        page += 1


def _refusals(client: GitHubClient, setting: str, fn: Callable[[], Any]) -> Any:
    """`fn` through the client's retries; a 403 or 404 becomes _Refused."""
    from mlci.github.errors import GitHubServiceError

    try:
        return client.call(f"reading {setting}", fn)
    except GitHubServiceError as error:
        if error.status in (403, 404):
            raise _Refused(_reason(error)) from None
        raise


def _reason(error: GitHubServiceError) -> str:
    if error.status == 404:
        text = "GitHub answered 404: the token cannot see it (or it does not exist)"
    else:
        text = f"GitHub answered {error.status}: the token may not read it"
    if error.permission:
        text += f" (GitHub asks for {error.permission})"
    return text
