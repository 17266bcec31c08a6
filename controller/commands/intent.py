"""`coupa-gitops intent`: what a change asks for, from git alone (the work: gitops/intent.py)."""

from __future__ import annotations

import argparse

from controller.commands.args import SubParsers


def add_parser(sub: SubParsers) -> None:
    p = sub.add_parser(
        "intent",
        help="what a change asks for, from git alone (no AWS access)",
        description="Compare the config files at --base with the working tree and list the "
        "integrations added, edited and removed, the mode changes (test -> live, ...) and "
        "which are go-live changes. Needs no AWS access, so it works for pull requests from "
        "forks. The plan is authoritative. Exit 0; 1 when git cannot answer.",
    )
    p.add_argument(
        "paths", nargs="*", default=["config/"], metavar="PATHS", help="default: config/"
    )
    p.add_argument("--base", required=True, metavar="REF", help="git ref to compare with")
    p.add_argument(
        "--format",
        choices=["text", "markdown", "json"],
        default="text",
        help="text: the terminal; markdown: the pull-request comment; json: machines",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from controller.gitops import intent

    return intent.run(args.base, args.paths, fmt=args.format)
