"""GitHub Actions output: the job summary, masking secrets, annotations. No-ops elsewhere.

Workflow commands are lines on stdout that the runner interprets
(https://docs.github.com/actions/reference/workflow-commands-for-github-actions).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import TextIO

from controller.escape import command_data, command_property, visible


def in_actions(env: Mapping[str, str] | None = None) -> bool:
    """True when running as a GitHub Actions step (the runner sets GITHUB_ACTIONS=true)."""
    return (os.environ if env is None else env).get("GITHUB_ACTIONS") == "true"


def write_step_summary(markdown: str, env: Mapping[str, str] | None = None) -> bool:
    """Append Markdown to the job summary ($GITHUB_STEP_SUMMARY); False when not in Actions.

    The runner shows each step's summary on the run's page. It allows 1 MiB per step.
    """
    env = os.environ if env is None else env
    path = env.get("GITHUB_STEP_SUMMARY")
    if not in_actions(env) or not path:
        return False
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(markdown if markdown.endswith("\n") else markdown + "\n")
    return True


def mask(
    value: str | None, out: TextIO | None = None, env: Mapping[str, str] | None = None
) -> bool:
    """Tell the runner to replace `value` with *** in every later log line.

    Call it as soon as a secret is resolved, before anything else prints. Outside GitHub
    Actions it prints nothing (printing the command would print the secret). A multi-line
    value is masked as a whole and line by line, since the runner matches line by line.
    """
    if not value or not in_actions(env):
        return False
    out = out or sys.stdout
    lines = [value] + ([ln for ln in value.splitlines() if ln.strip()] if "\n" in value else [])
    out.flush()
    for item in lines:
        out.write(f"::add-mask::{command_data(item)}\n")
    out.flush()
    return True


def annotation(
    level: str,
    message: str,
    *,
    file: str | None = None,
    line: int | None = None,
    col: int | None = None,
    title: str | None = None,
) -> str:
    """An `::error`/`::warning`/`::notice` command line (shown inline on the PR diff)."""
    if level not in ("error", "warning", "notice"):
        raise ValueError(f"annotation level must be error, warning or notice, not {level!r}")
    props = {"file": file, "line": line, "col": col, "title": title}
    # The message is shown on the pull request: hidden characters appear as escapes there,
    # except line breaks, which an annotation may hold (escaped as %0A by command_data).
    shown = "\n".join(visible(part) for part in message.split("\n"))
    where = ",".join(f"{k}={command_property(str(v))}" for k, v in props.items() if v is not None)
    return f"::{level}{' ' + where if where else ''}::{command_data(shown)}"
