"""Saved plan files: written by `plan --out`, read (and checked) by `apply --plan`."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from controller.config.model import Integration
from controller.engine.golive import Action
from controller.engine.plan import Plan
from controller.errors import UserError

PLAN_FILE_KIND = "coupa-gitops-plan"


def write_plan_file(plan: Plan, path: str) -> None:
    doc = {"kind": PLAN_FILE_KIND, **plan.to_dict()}
    Path(path).write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def read_plan_file(path: str) -> Plan:
    """The saved plan at `path`; a UserError saying what is wrong with it otherwise."""
    from controller.engine import planfile

    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read plan file {path}: {exc}") from None
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise UserError(
            f"{path} is not JSON ({exc}); a plan file is what `plan --out` writes"
        ) from None
    if not isinstance(doc, dict) or doc.get("kind") != PLAN_FILE_KIND:
        raise UserError(
            f'{path} is not a coupa-gitops plan file (no "kind": "{PLAN_FILE_KIND}"); '
            "make one with `coupa-gitops plan --out FILE`"
        )
    planfile.check(path, doc)
    try:
        return Plan.from_dict(doc)
    except (KeyError, TypeError, ValueError) as exc:
        raise UserError(f"cannot read plan file {path}: {exc}") from None


def check_plan_names(path: str, plan: Plan, items: Iterable[Integration]) -> None:
    """A saved plan may only change integrations a file declares (deletes name orphans)."""
    known = {i.name for i in items}
    ghosts = sorted({c.name for c in plan.actionable if c.action is not Action.DELETE} - known)
    if ghosts:
        raise UserError(
            f"{path} changes {', '.join(map(repr, ghosts))}, which no config file declares; "
            "nothing was changed: plan again with `coupa-gitops plan --out FILE`"
        )
