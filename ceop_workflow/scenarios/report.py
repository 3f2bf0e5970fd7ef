"""A scenario's result for people (a line per step and per check) and for scripts (JSON)."""

from __future__ import annotations

from typing import Any

from ceop_workflow.scenarios.runner import ScenarioResult


def describe(result: ScenarioResult) -> str:
    """The steps, each check with PASS or FAIL, and a last line: `ok` or `FAILED`, the counts."""
    scenario = result.scenario
    lines = [
        f"scenario {scenario.path}" + (f": {scenario.description}" if scenario.description else "")
    ]
    for step in result.steps:
        lines.append(f"  {step.title}")
        lines += [f"    {check}" for check in step.checks] or ["    (nothing checked)"]
    verdict = "ok" if not result.failed else "FAILED"
    lines.append(f"{verdict}  {scenario.path}: {result.passed} passed, {result.failed} failed")
    return "\n".join(lines)


def summary(result: ScenarioResult) -> dict[str, Any]:
    """JSON-ready: the file, the counts, and every step's checks."""
    return {
        "file": str(result.scenario.path),
        "passed": result.passed,
        "failed": result.failed,
        "steps": [
            {
                "step": step.step.number,
                "title": step.title,
                "refused": step.refusal,
                "checks": [
                    {"passed": c.passed, "what": c.what, "detail": c.detail} for c in step.checks
                ],
            }
            for step in result.steps
        ],
    }
