"""`coupa-gitops codeowners`: CODEOWNERS from approvers (the work: gitops/codeowners.py)."""

from __future__ import annotations

import argparse

from controller.commands.args import SubParsers


def add_parser(sub: SubParsers) -> None:
    p = sub.add_parser(
        "codeowners",
        help="write CODEOWNERS lines from each integration's metadata.approvers",
        description="Write the CODEOWNERS lines that make each integration's "
        "metadata.approvers own its file, inside a generated block; lines outside the block "
        "are kept. With --check, change nothing: exit 1 and show a diff when out of date.",
    )
    p.add_argument(
        "paths", nargs="*", default=["config/"], metavar="PATHS", help="default: config/"
    )
    p.add_argument("--check", action="store_true", help="exit 1 with a diff when out of date")
    p.add_argument(
        "--output",
        default=".github/CODEOWNERS",
        metavar="FILE",
        help="the CODEOWNERS file to write (default: .github/CODEOWNERS)",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from controller.gitops import codeowners

    return codeowners.run(args.paths, output=args.output, check=args.check)
