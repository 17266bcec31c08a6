"""`coupa-gitops status`'s arguments (the command: commands/status.py)."""

from __future__ import annotations

import argparse

from controller.commands.args import SubParsers, add_paths, add_scale


def add_parser(sub: SubParsers) -> None:
    p = sub.add_parser(
        "status",
        help="live view per integration: mode, statuses, last commit, drift",
        description="One row per integration: the mode the file wants, the live mode and "
        "feature statuses, the last applied commit, and whether AWS drifted from the file. "
        "Also lists preferences coupa-gitops does not manage.",
    )
    add_paths(p)
    p.add_argument(
        "--format",
        choices=["text", "json"],
        default="text",
        help="text: a table for people; json: stable keys for scripts",
    )
    add_scale(p, concurrency=False)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from controller import commands  # through the package: tests patch it there

    return commands.status_command(args.paths, fmt=args.format, shard=args.shard)
