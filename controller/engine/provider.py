"""The provider seam: what the engine asks of each external system, and what flows between them.

The engine knows no system. Each provider (AWS Invoicing, Coupa) plans its own changes from
the desired state and what it observed, publishes facts other providers need (`Exports`: the
live mode it sees, values such as AWS's purchase-order endpoint), and executes one change at a
time. A value another change produces is `Later` until that change has run ("known after
apply", as Terraform says); the engine runs changes in dependency order and hands each
executor the outputs of the changes it depends on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from controller.config.model import Mode
from controller.engine.plan import Action, Change

KNOWN_AFTER_APPLY = "(known after apply)"  # how a plan shows a value a change will produce


@dataclass(frozen=True)
class Later:
    """A value known only after change `change` ran: its output `output`."""

    change: str
    output: str

    def __str__(self) -> str:
        return KNOWN_AFTER_APPLY


@dataclass(frozen=True)
class Exports:
    """What one provider tells the others about one integration."""

    name: str
    mode: Mode | None  # the live mode it observes (None: cannot tell, which counts as live)
    values: tuple[tuple[str, object], ...] = ()  # (name, value or Later)

    def get(self, key: str) -> object:
        return dict(self.values).get(key)


# The keys of `Exports.values` the providers share (the AWS side publishes them).
NEW = "new"  # True: the integration does not exist there yet (so its mode is not unknown)
STATUS_CHANGE = "status_change"  # the key of this plan's mode change there
STATUS_MODE_AFTER = "status_mode_after"
STATUS_READINESS = "status_readiness"


def po_endpoint_key(environment: str) -> str:
    """AWS's PurchaseOrderRetrievalEndpoint of `environment` (production | test)."""
    return f"po_endpoint.{environment}"


def linked(changes: Iterable[Change], edges: Mapping[str, Sequence[str]]) -> list[Change]:
    """`changes` with the extra dependencies `edges` (change key -> keys it runs after)."""
    from dataclasses import replace

    return [replace(c, after=(*c.after, *edges[key(c)])) if key(c) in edges else c for c in changes]


@dataclass(frozen=True)
class Outcome:
    """What executing one change did: a line for the log, and outputs dependents may read."""

    line: str
    outputs: tuple[tuple[str, str], ...] = ()


Known = Mapping[str, Mapping[str, str]]  # change key -> its outputs
Executor = Callable[[Change, Known], Outcome]


class Provider(Protocol):
    """One external system, as the engine sees it."""

    name: str

    def execute(self, change: Change, known: Known) -> Outcome:
        """Run one change; `known` holds the outputs of the changes it depends on."""
        ...


def key(change: Change) -> str:
    """A change's address in the plan: provider, kind, scope, name and action."""
    return ":".join((change.provider, change.kind, change.scope, change.name, change.action.value))


# Within one provider, the order actions run in when nothing else decides it.
ACTION_ORDER = {
    Action.CREATE: 0,
    Action.UPDATE: 1,
    Action.REPLACE: 2,
    Action.STATUS: 3,
    Action.DELETE: 4,
}


def order(changes: Iterable[Change]) -> list[Change]:
    """Changes in an order that runs every change after those it depends on.

    Ties are broken by action (creates first, deletes last), then provider and name, so the
    order is stable. A dependency on a change not in `changes` (already done, pending) is
    ignored; a cycle is a bug in a provider's planner and raises.
    """
    pending = sorted(
        changes, key=lambda c: (ACTION_ORDER.get(c.action, 9), c.provider, c.name, c.kind)
    )
    present = {key(c) for c in pending}
    done: set[str] = set()
    out: list[Change] = []
    while pending:
        ready = [c for c in pending if all(d in done or d not in present for d in c.after)]
        if not ready:
            raise RuntimeError(f"the plan's dependencies form a cycle: {[key(c) for c in pending]}")
        first = ready[0]
        out.append(first)
        done.add(key(first))
        pending.remove(first)
    return out


def known_of(outcomes: Sequence[tuple[Change, Outcome]]) -> dict[str, dict[str, str]]:
    """The outputs of executed changes, by change key."""
    return {key(change): dict(outcome.outputs) for change, outcome in outcomes}
