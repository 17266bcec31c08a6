"""One module per command: load -> observe -> plan -> render / apply. The CLI calls these.

The names below load on first use: the CLI's parsers (`*_args`) live in this package too, and
building the parser must not import the commands (config, engine, providers).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from controller.commands.apply import apply_command
    from controller.commands.aws_tools import import_command, verify_endpoint_command
    from controller.commands.coupa_setup import coupa_setup_command
    from controller.commands.iam_policy import iam_policy_command
    from controller.commands.plan import plan_command
    from controller.commands.planfile import read_plan_file, write_plan_file
    from controller.commands.scope import DEFAULT_CONCURRENCY, head_commit, load_scope
    from controller.commands.session import Session
    from controller.commands.status import status_command

# name -> the module that defines it
_LAZY = {
    "DEFAULT_CONCURRENCY": "scope",
    "Session": "session",
    "apply_command": "apply",
    "coupa_setup_command": "coupa_setup",
    "head_commit": "scope",
    "iam_policy_command": "iam_policy",
    "import_command": "aws_tools",
    "load_scope": "scope",
    "plan_command": "plan",
    "read_plan_file": "planfile",
    "status_command": "status",
    "verify_endpoint_command": "aws_tools",
    "write_plan_file": "planfile",
}

__all__ = [
    "DEFAULT_CONCURRENCY",
    "Session",
    "apply_command",
    "coupa_setup_command",
    "head_commit",
    "iam_policy_command",
    "import_command",
    "load_scope",
    "plan_command",
    "read_plan_file",
    "status_command",
    "verify_endpoint_command",
    "write_plan_file",
]


def __getattr__(name: str) -> Any:
    """`from controller.commands import Session` imports commands/session.py then, not before."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
