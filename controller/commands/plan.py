"""`coupa-gitops plan`: load, observe, plan, render; exit 2 on changes when asked."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import TYPE_CHECKING

from controller import render
from controller.commands.planfile import write_plan_file
from controller.commands.scope import DEFAULT_CONCURRENCY, head_commit, load_scope, sharded
from controller.commands.session import Session
from controller.config.model import Role
from controller.gitops import github

if TYPE_CHECKING:
    from controller.engine.shard import Shard


def plan_command(
    paths: list[str],
    fmt: str = "text",
    out: str | None = None,
    changed_since: str | None = None,
    detailed_exitcode: bool = False,
    summary: bool = False,
    read_secrets: bool = True,
    at: datetime | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    shard: Shard | None = None,
) -> int:
    scope = sharded(load_scope(paths, changed_since), shard)
    session = Session(Role.PLAN, concurrency=concurrency, read_secrets=read_secrets)
    plan = session.plan(scope, head_commit(), at)
    sys.stdout.write(render.RENDERERS[fmt](plan, sys.stdout))
    if out:
        write_plan_file(plan, out)
        print(
            f"plan saved to {out}; apply it with: coupa-gitops apply --plan {out}", file=sys.stderr
        )
    if summary:
        github.write_step_summary(render.markdown(plan, render.SUMMARY_BUDGET, render.SUMMARY_REST))
    return 2 if detailed_exitcode and plan.has_changes else 0
