"""RunnerAudit as console text: the verdict, what to change, what was checked."""

from __future__ import annotations

from mlci.runners.audit import RunnerAudit

VERDICTS = {
    "unsafe": "UNSAFE: code from forks can reach the GPU runners",
    "unknown": "CANNOT TELL whether code from forks can reach the GPU runners",
    "safe": "SAFE: code from forks cannot reach the GPU runners",
}


def render_audit(audit: RunnerAudit) -> str:
    lines = [f"Runner audit of {audit.repository} (training labels: {', '.join(audit.labels)})"]
    # The only workflows that may use the GPU runners: training first, then release.
    if audit.gpu_workflows:
        lines.append(f"GPU workflows: {', '.join(audit.gpu_workflows)}")
    elif audit.training_workflow:
        lines.append(f"training workflow: {audit.training_workflow}")
    lines.append(VERDICTS[audit.verdict])
    if audit.findings:
        lines.append("change:")
        for finding in audit.findings:
            lines += [
                f"- {finding.setting}",
                f"  problem: {finding.problem}",
                f"  fix: {finding.fix}",
            ]
    if audit.unreadable:
        lines.append("could not read:")
        for item in audit.unreadable:
            lines += [f"- {item.setting}: {item.reason}", f"  needs: {item.permission}"]
    if audit.checked:
        lines.append("checked:")
        lines += [f"- {line}" for line in audit.checked]
    if audit.notes:
        lines.append("notes:")
        lines += [f"- {line}" for line in audit.notes]
    return "\n".join(lines)
