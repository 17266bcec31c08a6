"""The one go-live table: which changes wait for a reviewer. `plan` and `intent` both use it.

DESIGN "Actions and gates": a change is go-live when it changes the mode, or when it touches an
integration that is live or suspended in any way (any field, a replace, a delete, a move to
another account). Everything on test-mode integrations, and their creation, is routine. The rule
is short on purpose, so that a reviewer can state it and IAM can enforce it (the apply role may
write only preferences tagged `coupa-gitops:mode=test`).

Deny by default: when the current mode cannot be told (live signals disagree, the mode tag is
missing, a file cannot be read) the change is go-live.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from controller.config.model import Mode


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    REPLACE = "replace"
    DELETE = "delete"
    STATUS = "status"
    NOOP = "no-op"


class Gate(StrEnum):
    ROUTINE = "routine"
    GO_LIVE = "go-live"


OUT_OF_TEST = frozenset({Mode.LIVE, Mode.SUSPENDED})


@dataclass(frozen=True)
class Facts:
    """What the go-live rules look at.

    `before`: the mode the integration is in now (None: it does not exist yet, or `known` is
    False). `after`: the mode wanted (None: it is going away, or the file cannot be read).
    """

    action: Action
    before: Mode | None
    after: Mode | None
    known: bool = True


# What a mode change means to the people who approve it.
MODE_CHANGES: dict[tuple[Mode | None, Mode | None], str] = {
    (Mode.TEST, Mode.LIVE): "goes live: real purchase orders and e-invoices start to flow",
    (Mode.LIVE, Mode.SUSPENDED): "suspends a live integration: real purchasing and invoicing stop",
    (Mode.SUSPENDED, Mode.LIVE): (
        "resumes a suspended integration: real purchasing and invoicing restart"
    ),
    (Mode.LIVE, Mode.TEST): "moves a live integration back to test (AWS has no way back)",
    (Mode.SUSPENDED, Mode.TEST): "moves a suspended integration back to test (AWS has no way back)",
    (Mode.TEST, Mode.SUSPENDED): "suspends an integration that never went live (refused)",
    (Mode.LIVE, Mode.LIVE): "brings a live integration back to fully live (a feature fell back)",
    (Mode.SUSPENDED, Mode.SUSPENDED): "brings a suspended integration back to fully suspended",
    (Mode.TEST, Mode.TEST): "records the mode `test` on a preference that carries no mode tag",
}


def mode_reason(f: Facts) -> str:
    """The plain sentence for a mode change (or a repair of the live state)."""
    if not f.known:
        return f"sets the mode to {f.after} (the live mode cannot be told, so it counts as go-live)"
    return MODE_CHANGES.get((f.before, f.after), f"changes the mode ({f.before} -> {f.after})")


Reason = str | Callable[[Facts], str]

# (reason, predicate): every match adds its reason; any match makes the change go-live.
RULES: tuple[tuple[Reason, Callable[[Facts], bool]], ...] = (
    (mode_reason, lambda f: f.action is Action.STATUS),
    (
        lambda f: (
            f"adds an integration directly in {f.after} mode: real purchasing starts "
            "once it is ready"
        ),
        lambda f: f.action is Action.CREATE and f.after in OUT_OF_TEST,
    ),
    (
        lambda f: _OUT_OF_TEST_CHANGES.get(f.action, _OUT_OF_TEST_CHANGES[Action.UPDATE]).format(
            before=f.before
        ),
        lambda f: f.action not in (Action.STATUS, Action.NOOP) and f.before in OUT_OF_TEST,
    ),
    (
        "the live mode cannot be told (its signals disagree or its mode tag is missing), so the "
        "change counts as go-live",
        lambda f: not f.known and f.action not in (Action.STATUS, Action.NOOP, Action.CREATE),
    ),
    (
        "the wanted mode cannot be read from the file, so the change counts as go-live",
        lambda f: f.after is None and f.action not in (Action.DELETE, Action.NOOP),
    ),
)

_OUT_OF_TEST_CHANGES: dict[Action, str] = {
    Action.UPDATE: "changes an integration that is {before}: every change to a live or "
    "suspended integration needs approval",
    Action.REPLACE: "replaces an integration that is {before}: it stops until validated and "
    "tested again",
    Action.DELETE: "removes an integration that is {before}: real purchasing and invoicing "
    "through it end",
    Action.CREATE: "moves an integration that is {before} to another account: it stops until "
    "validated and tested there",
}


def classify(facts: Facts) -> tuple[Gate, tuple[str, ...]]:
    """routine or go-live, with the reason of every rule that matched."""
    reasons = tuple(
        reason(facts) if callable(reason) else reason for reason, rule in RULES if rule(facts)
    )
    return (Gate.GO_LIVE if reasons else Gate.ROUTINE), reasons
