"""The reviewer's words: one plain sentence per go-live, and the change windows as sentences.

A procurement or finance person approves the go-live from the PR comment and the job summary
alone: what starts or stops, on which system, from when. No field paths, no AWS statuses.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from controller.config.model import Integration, Mode
from controller.engine.golive import Action, Gate

if TYPE_CHECKING:  # the plan imports this module to fill Change.sentence
    from controller.engine.plan import Change, WindowBlock

# Name words people write in capitals; the rest are capitalised (acme-emea -> Acme EMEA).
ACRONYMS = frozenset({"emea", "apac", "amer", "latam", "anz", "eu", "uk", "us", "na", "ap"})
# What flows through each feature, in the reviewer's words.
FLOWS = {"purchaseOrderRetrieval": "purchase orders", "einvoice": "e-invoices"}
VERBS: dict[tuple[Mode | None, Mode | None], str] = {
    (Mode.TEST, Mode.LIVE): "starts",
    (None, Mode.LIVE): "starts",
    (Mode.SUSPENDED, Mode.LIVE): "restarts",
    (Mode.LIVE, Mode.SUSPENDED): "stops",
    (Mode.LIVE, Mode.LIVE): "fully restores",
    (Mode.SUSPENDED, Mode.SUSPENDED): "fully stops",
}


def display_name(name: str) -> str:
    """`acme-emea` as people say it: `Acme EMEA`."""
    return " ".join(w.upper() if w in ACRONYMS else w.capitalize() for w in name.split("-"))


def _host(item: Integration | None) -> str:
    host = urlsplit(item.production.instance_url).hostname if item else None
    return f"Coupa {host}" if host else "Coupa"


def _flows(change: Change, item: Integration | None) -> str:
    features = [f for f, _, _ in change.features] or (
        [
            f
            for f, on in (
                ("purchaseOrderRetrieval", item.purchase_order_retrieval),
                ("einvoice", item.einvoice.enabled),
            )
            if on
        ]
        if item
        else []
    )
    words = [FLOWS[f] for f in sorted(features, key=list(FLOWS).index)]
    return " and ".join(words) or "punch-out purchasing"


def _from_when(change: Change, item: Integration | None, today: date) -> str:
    when = item.einvoice.activation_date if item and item.einvoice.enabled else None
    if change.mode_after is Mode.LIVE and when is not None and when > today:
        return f"on {when.isoformat()}"
    if change.mode_after is Mode.LIVE and when is not None:
        return f"as soon as the go-live is approved (e-invoice activation date {when.isoformat()})"
    return "as soon as the go-live is approved"


def sentence(change: Change, item: Integration | None, today: date) -> str:
    """One sentence for a go-live change; empty for a routine one."""
    if change.gate is not Gate.GO_LIVE or not change.is_change:
        return ""
    who, where = display_name(change.name), _host(item)
    if change.provider != "aws":
        return _coupa_sentence(change, who)
    if change.action is Action.STATUS:
        verb = VERBS.get((change.mode_before, change.mode_after), "changes the mode of")
        return (
            f"{who} {verb} live {_flows(change, item)} from AWS Marketplace in {where} "
            f"{_from_when(change, item, today)}."
        )
    live = change.mode_before or "possibly live"
    if change.action is Action.UPDATE:
        count = len(change.fields)
        return (
            f"{who} changes {count} setting{'s' * (count != 1)} of its {live} integration "
            f"with {where}, as soon as the change is approved."
        )
    if change.action is Action.REPLACE:
        return f"{who} re-creates its {live} integration with {where}: it stops until tested again."
    if change.action is Action.DELETE:
        return f"{who} ends its {live} integration: purchasing and invoicing through it stop."
    return f"{who} moves its {live} integration to AWS account {change.account}."


def _coupa_sentence(change: Change, who: str) -> str:
    """A Coupa change in a procurement reviewer's words (the supplier AWS's orders go to)."""
    where = f"Coupa {change.scope}"
    thing = "the AWS Marketplace supplier" if change.kind == "supplier" else "a commodity"
    if change.action is Action.STATUS and change.target_status == "active":
        return (
            f"{who} activates {thing} in {where}, just before AWS Marketplace starts sending "
            "purchase orders and invoices there."
        )
    if change.action is Action.STATUS:
        return (
            f"{who} deactivates {thing} in {where} once AWS Marketplace has stopped: no new "
            "orders to AWS Marketplace there."
        )
    live = change.mode_before or "possibly live"
    count = len(change.fields)
    return (
        f"{who} {change.action.value}s {thing} in {where} ({count} setting"
        f"{'s' * (count != 1)}) of its {live} integration, as soon as the change is approved."
    )


def when(iso: str | None, timezone: str) -> str:
    """An ISO 8601 moment as the window's people read it: `2027-02-04 00:00 CET`."""
    if iso is None:
        return "no end in sight"
    return datetime.fromisoformat(iso).astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M %Z")


def window_sentence(block: WindowBlock) -> str:
    """Why a window holds the change back, until when, and whether it may be overridden."""
    what = "no go-live changes" if block.deny == "go-live" else "no changes at all"
    override = (
        "an emergency override is allowed, on the record"
        if block.override_allowed
        else "it cannot be overridden"
    )
    return (
        f"Held back by the change window “{block.name}” ({what}) until "
        f"{when(block.ends_at, block.timezone)}; {override}."
    )


def allowed_sentence(change: Change) -> str:
    """When the change may go ahead, given the windows."""
    if not change.windows:
        return "No change window holds it back."
    zone = change.windows[-1].timezone
    if change.allowed_from is None:
        return "No time in sight when the windows let it through."
    return f"It may go ahead from {when(change.allowed_from, zone)}."
