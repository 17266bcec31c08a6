"""One module per command: load -> observe -> plan -> render / apply. The CLI calls these."""

from __future__ import annotations

from controller.commands.apply import apply_command
from controller.commands.aws_tools import import_command, verify_endpoint_command
from controller.commands.coupa_setup import coupa_setup_command
from controller.commands.iam_policy import iam_policy_command
from controller.commands.plan import plan_command
from controller.commands.planfile import read_plan_file, write_plan_file
from controller.commands.scope import DEFAULT_CONCURRENCY, head_commit, load_scope
from controller.commands.session import Session
from controller.commands.status import status_command

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
