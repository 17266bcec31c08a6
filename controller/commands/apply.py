"""`coupa-gitops apply`: plan afresh, check every requirement, then run the changes."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING

from controller import config, render
from controller import escape as esc
from controller.commands.planfile import check_plan_names, read_plan_file
from controller.commands.scope import (
    DEFAULT_CONCURRENCY,
    head_commit,
    load_scope,
    now,
    scope_of_plan,
    sharded,
)
from controller.commands.session import Session
from controller.config.calendar import Window
from controller.config.model import Role
from controller.engine.golive import Gate
from controller.errors import BlockedError, UserError
from controller.gitops import github

if TYPE_CHECKING:
    from collections.abc import Mapping

    from controller.config.model import Integration
    from controller.engine.audit import Override
    from controller.engine.execute import Report
    from controller.engine.requirements import Gated, Options
    from controller.engine.shard import Shard
    from controller.providers.aws.apply import Applier


def _confirm() -> None:
    if not sys.stdin.isatty():
        raise UserError(
            "apply needs --auto-approve or --plan FILE when not run interactively "
            "(as terraform apply does)"
        )
    answer = input("Apply these changes? Only 'yes' is accepted: ")
    if answer.strip() != "yes":
        raise UserError("apply cancelled; nothing was changed")


STALE = (
    "the plan is stale: the files or AWS changed since it was made, so it is not what was "
    "reviewed; nothing was changed: plan again"
)


def apply_command(
    paths: list[str],
    plan_file: str | None = None,
    auto_approve: bool = False,
    options: Options | None = None,
    summary: bool = False,
    reason: str | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    shard: Shard | None = None,
) -> int:
    from controller.engine import audit
    from controller.engine.execute import ApplyFailed
    from controller.engine.requirements import Options, gate
    from controller.providers.aws.apply import Applier

    options = options or Options()
    overrides = _overrides(options, reason)
    saved = read_plan_file(plan_file) if plan_file else None
    scope = sharded(scope_of_plan(paths, saved) if saved else load_scope(paths), shard)
    if plan_file and saved is not None:
        check_plan_names(plan_file, saved, config.load(paths).require_valid())
    _known_windows(options.override_windows, scope.windows)
    role = Role.GO_LIVE if options.allow_go_live else Role.APPLY
    session = Session(role, concurrency=concurrency)
    commit = head_commit()
    # A saved plan grants nothing: the fresh plan is what runs, and only if it is the same.
    plan = session.plan(scope, commit)
    sys.stdout.write(render.text(plan, sys.stdout))
    if saved is not None and plan.comparable() != saved.comparable():
        raise UserError(STALE)
    if not plan.has_changes:
        return 0
    if saved is None and not auto_approve:
        _confirm()
    try:
        gated = gate(plan, options)
    except BlockedError as exc:
        if summary:  # the go-live job's page says why nothing ran
            github.write_step_summary(f"### coupa-gitops apply: blocked\n\n```\n{exc}\n```")
        raise
    by_name = {i.name: i for i in scope.items}
    used = {w for _, names in gated.overridden for w in names}
    unused = [w for w in options.override_windows if w not in used]
    if unused:
        print(f"note: no change held back by {', '.join(unused)} now: nothing overridden there")
    record = (
        audit.record(os.environ, now(), commit, tuple(o for o in overrides if o.window in used))
        if options.allow_go_live
        else None
    )
    applier = Applier(
        session.clients.call, session.target, session.secrets, by_name, commit, record
    )
    print(f"Applying {len(gated.runnable)} change(s)...")
    try:
        report = _run(gated, applier, session, by_name)
    except ApplyFailed as exc:
        if summary:
            from controller.secrets import redact

            failed = redact(str(exc)).split("\n")
            github.write_step_summary(
                "\n".join(["### coupa-gitops apply failed", "", *esc.fence(failed)])
            )
        raise
    lines = [f"Apply complete: {len(report.done)} change(s) done."]
    for heading, items in _left_over(report):
        lines.append(f"{heading}:")
        lines += [f"  - {p}" for p in items]
    _say("\n".join(lines))
    if summary:
        done = "\n".join(f"- {esc.markdown(d)}" for d in report.done) or "- nothing to do"
        left = "".join(
            f"\n\n**{heading}:**\n" + "\n".join(f"- {esc.markdown(p)}" for p in items)
            for heading, items in _left_over(report)
        )
        ran_go_live = [c for c in gated.runnable if c.gate is Gate.GO_LIVE]
        github.write_step_summary(
            "### coupa-gitops apply\n\n"
            + done
            + left
            + (f"\n\n{render.go_live_markdown(plan, ran_go_live)}" if ran_go_live else "")
            + (f"\n{record.markdown()}" if ran_go_live and record else "")
        )
    return 0


def _run(
    gated: Gated, applier: Applier, session: Session, by_name: Mapping[str, Integration]
) -> Report:
    """Both providers' changes in dependency order, one loop (engine/execute.py)."""
    from controller.engine import execute
    from controller.engine.provider import Executor

    applier.gated = gated
    executors: dict[str, Executor] = {"aws": applier.execute}
    if any(c.provider == "coupa" for c in gated.runnable):  # Coupa clients only when needed
        executors["coupa"] = session.coupa_executor(by_name).execute
    return execute.run(gated, executors, _say)


WAITING = (
    "Approved, but waits for validation and a connection test again "
    "(coupa-gitops verify-endpoint NAME, the connection test, then apply again)"
)


def _left_over(report: Report) -> list[tuple[str, list[str]]]:
    """What apply did not do, by why: no approval yet, or AWS wants the endpoint proven."""
    groups = [
        ("Pending go-live (needs approval in the go-live job)", report.pending),
        (WAITING, report.waiting),
    ]
    return [(heading, items) for heading, items in groups if items]


def _say(text: str) -> None:
    """Print our own (possibly multi-line) message with every value in it made log-safe."""
    print(esc.terminal(text, keep_newlines=True), flush=True)


def _overrides(options: Options, reason: str | None) -> tuple[Override, ...]:
    """The window overrides asked for, each with the checked reason."""
    from controller.engine.audit import Override, check_reason

    if not options.override_windows:
        if reason is not None:
            raise UserError("--reason goes with --override-window NAME")
        return ()
    if not options.allow_go_live:
        raise UserError(
            "--override-window is for the approved go-live job: it needs --allow-go-live"
        )
    text = check_reason(reason)
    return tuple(Override(name, text) for name in options.override_windows)


def _known_windows(names: Iterable[str], windows: Iterable[Window]) -> None:
    """Every --override-window names a window of a ChangeWindows file."""
    import difflib

    known = sorted({w.name for w in windows})
    for name in names:
        if name not in known:
            match = difflib.get_close_matches(name, known, n=1)
            hint = f"; did you mean '{match[0]}'?" if match else ""
            listed = ", ".join(f"'{k}'" for k in known) or "none"
            raise UserError(
                f"--override-window '{name}' is not a change window (known: {listed}){hint}"
            )
