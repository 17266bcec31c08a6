"""`coupa-gitops validate`'s arguments (the command: commands/validate.py)."""

from __future__ import annotations

import argparse

from controller.commands.args import SubParsers


def add_parser(sub: SubParsers) -> None:
    p = sub.add_parser(
        "validate",
        help="check config files against the schema and the service's rules",
        description="Check every integration file under PATHS (default: config/) against "
        "schemas/coupa-integration.v1.json and the rules the AWS service enforces. "
        "Reports every problem in every file as path:line:col: dotted.path: message. "
        "Needs no AWS access. Exit 0 when valid, 1 when not.",
    )
    p.add_argument(
        "paths", nargs="*", default=["config/"], metavar="PATHS", help="default: config/"
    )
    p.add_argument(
        "--format",
        choices=["text", "json"],
        default="text",
        help="text: file:line:col: path: message; json: the same problems for machines",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from controller.commands import validate

    return validate.run(args.paths, fmt=args.format)
