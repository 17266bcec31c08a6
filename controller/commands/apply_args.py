"""`coupa-gitops apply`'s arguments (the command: commands/apply.py)."""

from __future__ import annotations

import argparse

from controller.commands.args import SubParsers, add_paths, add_scale


def add_parser(sub: SubParsers) -> None:
    p = sub.add_parser(
        "apply",
        help="make AWS match the config files",
        description="Plan, then apply. Routine changes run; go-live changes (test -> live, "
        "suspending, changing a live endpoint/identity/secret/feature, replacing or deleting "
        "a live integration) need --allow-go-live and a passing readiness check. Without a "
        "terminal, needs --auto-approve or --plan. Exit 0 done, 1 error, 3 blocked.",
    )
    add_paths(p)
    p.add_argument("--plan", dest="plan_file", metavar="PLANFILE", help="apply a saved plan")
    p.add_argument("--auto-approve", action="store_true", help="do not ask for confirmation")
    p.add_argument("--allow-go-live", action="store_true", help="run go-live changes too")
    p.add_argument(
        "--skip-go-live", action="store_true", help="leave go-live changes pending; exit 0"
    )
    p.add_argument("--allow-replace", action="store_true", help="allow delete + re-create")
    p.add_argument("--allow-delete", action="store_true", help="allow deleting orphans")
    p.add_argument(
        "--step-summary",
        action="store_true",
        help="append a Markdown report to $GITHUB_STEP_SUMMARY",
    )
    p.add_argument(
        "--override-window",
        action="append",
        default=[],
        metavar="NAME",
        help="emergency: go through the open change window NAME (repeatable); only with "
        "--allow-go-live and --reason, and only if the window says `override: allowed`. "
        "Recorded on the preference (tag coupa-gitops:override) and in the job summary",
    )
    p.add_argument(
        "--reason",
        metavar="TEXT",
        help="why the window is overridden (letters, digits, spaces and _ . : / = + - @; "
        "at most 200 characters)",
    )
    add_scale(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from controller import commands  # through the package: tests patch it there
    from controller.engine.requirements import Options

    options = Options(
        allow_go_live=args.allow_go_live,
        skip_go_live=args.skip_go_live,
        allow_replace=args.allow_replace,
        allow_delete=args.allow_delete,
        override_windows=tuple(args.override_window),
    )
    return commands.apply_command(
        args.paths,
        plan_file=args.plan_file,
        auto_approve=args.auto_approve,
        options=options,
        summary=args.step_summary,
        reason=args.reason,
        concurrency=args.concurrency,
        shard=args.shard,
    )
