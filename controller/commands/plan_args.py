"""`coupa-gitops plan`'s arguments (the command: commands/plan.py)."""

from __future__ import annotations

import argparse

from controller.commands.args import SubParsers, add_paths, add_scale, moment
from controller.errors import UserError


def add_parser(sub: SubParsers) -> None:
    p = sub.add_parser(
        "plan",
        help="show what apply would change in AWS (reads only)",
        description="Read the live configuration through the AWS API and diff it against "
        "the config files. Changes nothing. Go-live changes are listed first with a "
        "readiness check. Exit 0 (2 with --detailed-exitcode when there are changes), 1 on error.",
    )
    add_paths(p)
    p.add_argument(
        "--format",
        choices=["text", "markdown", "json"],
        default="text",
        help="text: the terminal; markdown: the pull-request comment; json: machines",
    )
    p.add_argument("--out", metavar="PLANFILE", help="save the plan for `apply --plan`")
    p.add_argument(
        "--changed-since",
        metavar="GITREF",
        help="plan only integrations whose files changed since GITREF (all, if schemas/ or "
        "controller/ changed)",
    )
    p.add_argument("--detailed-exitcode", action="store_true", help="exit 2 when there are changes")
    p.add_argument(
        "--no-secrets",
        action="store_true",
        help="do not read secrets (pull requests, drift with the read-only plan role): they "
        "are shown as not compared, and the plan cannot be applied",
    )
    p.add_argument(
        "--step-summary",
        action="store_true",
        help="also append the Markdown plan to $GITHUB_STEP_SUMMARY (GitHub Actions)",
    )
    p.add_argument(
        "--at",
        metavar="TIME",
        type=moment,
        help="evaluate change windows at TIME (ISO 8601, e.g. 2027-01-31T09:00+01:00; without "
        "an offset: UTC) to answer 'could this go live then?'; planning only: apply always "
        "uses the real clock, and an --at plan cannot be saved with --out",
    )
    add_scale(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from controller import commands  # through the package: tests patch it there

    if args.at is not None and args.out:
        raise UserError("--at is a what-if for planning: it cannot be saved with --out for apply")
    return commands.plan_command(
        args.paths,
        fmt=args.format,
        out=args.out,
        changed_since=args.changed_since,
        detailed_exitcode=args.detailed_exitcode,
        summary=args.step_summary,
        read_secrets=not args.no_secrets,
        at=args.at,
        concurrency=args.concurrency,
        shard=args.shard,
    )
