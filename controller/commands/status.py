"""`coupa-gitops status`: what is live per integration, its record and its drift."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING

from controller import escape as esc
from controller.commands.apply import _say
from controller.commands.scope import head_commit, load_scope, sharded
from controller.commands.session import Session
from controller.config.model import Role
from controller.engine.golive import Action
from controller.engine.plan import Plan
from controller.providers.aws.state import Observed

if TYPE_CHECKING:
    from controller.config.model import Integration
    from controller.engine.shard import Shard


def _short(commit: str | None) -> str:
    return commit[:10] if commit else "-"


def status_rows(items: Sequence[Integration], observed: Observed, plan: Plan) -> list[list[str]]:
    """One row per integration: wanted mode, live statuses, last commit, drift."""
    live = {(p.account, p.managed_name): p for p in observed.preferences if p.managed_name}
    drifted = {c.name for c in plan.actionable} | {c.name for c, _ in plan.unknown}
    rows = [["NAME", "ACCOUNT", "WANTED", "LIVE", "E-INVOICE", "PO RETRIEVAL", "COMMIT", "DRIFT"]]
    for item in sorted(items, key=lambda i: i.name):
        pref = live.get((item.account, item.name))
        if pref is None:
            rows.append(
                [item.name, item.account, item.mode.value, "(not created)", "-", "-", "-", "yes"]
            )
            continue
        rows.append(
            [
                item.name,
                item.account,
                item.mode.value,
                pref.live_mode or "unknown",
                pref.status_of("einvoice") or "off",
                pref.status_of("purchaseOrderRetrieval") or "off",
                _short(pref.last_commit),
                "yes" if item.name in drifted else "no",
            ]
        )
    return rows


def record_lines(items: Sequence[Integration], observed: Observed) -> list[str]:
    """The last approved go-live of each integration, as its tags record it."""
    from controller.engine.audit import (
        GO_LIVE_AT_TAG,
        GO_LIVE_BY_TAG,
        GO_LIVE_RUN_TAG,
        OVERRIDE_TAG,
    )

    live = {(p.account, p.managed_name): p for p in observed.preferences if p.managed_name}
    lines: list[str] = []
    for item in sorted(items, key=lambda i: i.name):
        pref = live.get((item.account, item.name))
        tags = dict(pref.tags) if pref else {}
        if pref is None or GO_LIVE_AT_TAG not in tags:
            continue
        line = (
            f"{item.name}: last go-live {tags[GO_LIVE_AT_TAG]} by {tags.get(GO_LIVE_BY_TAG, '?')}"
            f" at commit {_short(pref.last_commit)}"
        )
        if GO_LIVE_RUN_TAG in tags:
            line += f" ({tags[GO_LIVE_RUN_TAG]})"
        if OVERRIDE_TAG in tags:
            line += f"; last window override: {tags[OVERRIDE_TAG]}"
        lines.append(line)
    return lines


def table(rows: list[list[str]]) -> str:
    """Aligned columns; every cell shown escaped (a live tag value may hold anything)."""
    rows = [[esc.terminal(cell) for cell in row] for row in rows]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return (
        "\n".join(
            "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows
        )
        + "\n"
    )


STATUS_KEYS = ("name", "account", "wanted", "live", "einvoice", "purchaseOrderRetrieval")


def status_json(items: Sequence[Integration], observed: Observed, plan: Plan) -> str:
    """The status as JSON: the table's rows with stable keys, orphans and unmanaged ARNs."""
    rows = status_rows(items, observed, plan)[1:]
    live = {(p.account, p.managed_name): p for p in observed.preferences if p.managed_name}
    integrations: list[dict[str, str | bool | None]] = []
    for item, row in zip(sorted(items, key=lambda i: i.name), rows, strict=True):
        pref = live.get((item.account, item.name))
        entry: dict[str, str | bool | None] = dict(zip(STATUS_KEYS, row, strict=False))
        entry |= {
            "arn": pref.arn if pref else None,
            "commit": pref.last_commit if pref else None,
            "drift": row[-1] == "yes",
        }
        integrations.append(entry)
    doc = {
        "integrations": integrations,
        "orphans": [
            {"arn": c.arn, "name": c.name} for c in plan.actionable if c.action is Action.DELETE
        ],
        "unmanaged": [asdict(u) for u in plan.unmanaged],
    }
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"


def status_command(paths: list[str], fmt: str = "text", shard: Shard | None = None) -> int:
    scope = sharded(load_scope(paths), shard)
    observed, plan = Session(Role.PLAN).observe_and_plan(scope, head_commit())
    if fmt == "json":
        sys.stdout.write(status_json(scope.items, observed, plan))
        return 0
    sys.stdout.write(table(status_rows(scope.items, observed, plan)))
    for line in record_lines(scope.items, observed):
        print(line)
    orphans = [c for c in plan.actionable if c.action is Action.DELETE]
    for change in orphans:
        _say(f"orphan: {change.arn} is tagged {esc.visible(change.name)} but has no config file")
    if plan.unmanaged:
        print("unmanaged (no coupa-gitops:name tag; never changed):")
        for u in plan.unmanaged:
            hint = (
                f"  -> coupa-gitops import {u.adoptable_by} --arn {u.arn}" if u.adoptable_by else ""
            )
            _say(f"  {u.arn} buyer {u.buyer_identity} supplier {u.supplier_identity}{hint}")
    return 0
