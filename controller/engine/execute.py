"""Run the changes apply may run: in dependency order, through each provider's executor.

Stops at the first failure and reports what was done and what was not; nothing done is ever
repeated by the next plan + apply, because each executor's writes are idempotent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from controller.engine.plan import Change
from controller.engine.provider import Executor, Outcome, key, order
from controller.engine.requirements import Gated, describe
from controller.errors import UserError


@dataclass
class Report:
    done: list[str] = field(default_factory=list)
    not_done: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)
    failed: str | None = None


class ApplyFailed(UserError):
    def __init__(self, report: Report):
        self.report = report
        lines = [f"apply stopped: {report.failed}"]
        lines += [f"  done:     {d}" for d in report.done] or ["  done:     nothing"]
        lines += [f"  not done: {n}" for n in report.not_done]
        lines.append("Run plan and apply again: done steps are not repeated.")
        super().__init__("\n".join(lines))


def run(gated: Gated, executors: Mapping[str, Executor], echo: Callable[[str], None]) -> Report:
    """Run every runnable change in order; each executor sees its dependencies' outputs."""
    report = Report(
        pending=[describe(c) for c in gated.pending],
        waiting=[describe(c) for c in gated.waiting],
    )
    steps = order(gated.runnable)
    known: dict[str, dict[str, str]] = {}
    for index, change in enumerate(steps):
        try:
            outcome = _execute(executors, change, known)
        except UserError as exc:
            report.failed = f"{describe(change)}: {exc}"
            report.not_done = [describe(c) for c in steps[index:]]
            raise ApplyFailed(report) from None
        known[key(change)] = dict(outcome.outputs)
        line = f"{describe(change)}: {outcome.line}"
        report.done.append(line)
        echo(f"  done  {line}")
    return report


def _execute(
    executors: Mapping[str, Executor], change: Change, known: dict[str, dict[str, str]]
) -> Outcome:
    executor = executors.get(change.provider)
    if executor is None:  # a planner made a change no executor was given for: a bug
        raise RuntimeError(f"no executor for provider {change.provider!r}")
    return executor(change, {k: known[k] for k in change.after if k in known})
