"""`coupa-gitops demo`'s arguments: none (the command: commands/demo.py)."""

from __future__ import annotations

import argparse

from controller.commands.args import SubParsers


def add_parser(sub: SubParsers) -> None:
    p = sub.add_parser(
        "demo",
        help="walk the example config end to end against a local sandbox (no AWS needed)",
        description="Start the sandbox in-process with a throw-away database and walk the "
        "example config: validate, plan, apply, verify-endpoint, a simulated connection "
        "test, the go-live plan, apply --allow-go-live, status.",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from controller.commands import demo

    return demo.run()
