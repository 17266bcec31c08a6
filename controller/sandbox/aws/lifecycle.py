"""The status model of a procurement portal preference: ONE table, used by every operation.

Each feature (e-invoice delivery, purchase-order retrieval) has its own status, `None` while the
feature is disabled. An event moves every enabled feature it applies to along TABLE. Strict events
(the ones a caller asks for by name: ACTIVE, SUSPENDED) fail with the current and the requested
status when the feature is not in one of the event's source statuses; lenient events (create,
verify, a connection test, an endpoint change) leave such a feature where it is.

This is our model of the documented statuses, not AWS's published state machine: change it here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

PENDING_VERIFICATION = "PENDING_VERIFICATION"
VALIDATED = "VALIDATED"
TEST_INITIALIZED = "TEST_INITIALIZED"
TEST_INITIALIZATION_FAILED = "TEST_INITIALIZATION_FAILED"
TEST_FAILED = "TEST_FAILED"
ACTIVE = "ACTIVE"
SUSPENDED = "SUSPENDED"

ALL_STATUSES = (
    PENDING_VERIFICATION,
    VALIDATED,
    TEST_INITIALIZED,
    TEST_INITIALIZATION_FAILED,
    TEST_FAILED,
    ACTIVE,
    SUSPENDED,
)
VERIFIED = tuple(status for status in ALL_STATUSES if status != PENDING_VERIFICATION)


@dataclass(frozen=True)
class Feature:
    name: str  # the short name the control endpoint accepts
    enabled: str  # the document member that switches the feature on
    status: str
    reason: str


FEATURES = (
    Feature(
        "EinvoiceDelivery",
        "EinvoiceDeliveryEnabled",
        "EinvoiceDeliveryPreferenceStatus",
        "EinvoiceDeliveryPreferenceStatusReason",
    ),
    Feature(
        "PurchaseOrderRetrieval",
        "PurchaseOrderRetrievalEnabled",
        "PurchaseOrderRetrievalPreferenceStatus",
        "PurchaseOrderRetrievalPreferenceStatusReason",
    ),
)
FEATURE_BY_NAME = {feature.name: feature for feature in FEATURES}


class Event(Enum):
    CREATE = "create"  # CreateProcurementPortalPreference
    ENABLE = "enable"  # Put switches a disabled feature on
    CONNECTION_CHANGED = "connection-changed"  # Put changes the endpoint or the shared secret
    VERIFY = "verify"  # VerifyProcurementPortalValidation with the right code
    TEST_PASSED = "test-passed"  # simulated connection test (control endpoint)
    TEST_FAILED = "test-failed"
    ACTIVATE = "activate"  # UpdateProcurementPortalPreferenceStatus to ACTIVE
    SUSPEND = "suspend"  # UpdateProcurementPortalPreferenceStatus to SUSPENDED


@dataclass(frozen=True)
class Transition:
    moves: dict[str | None, str]  # current status -> next status
    strict: bool  # True: a feature in any other status is an error
    reason: str | None  # the status reason set by the move (a caller's reason wins)


TABLE: dict[Event, Transition] = {
    Event.CREATE: Transition({None: PENDING_VERIFICATION}, False, None),
    Event.ENABLE: Transition({None: PENDING_VERIFICATION}, False, None),
    Event.CONNECTION_CHANGED: Transition(
        dict.fromkeys(VERIFIED, PENDING_VERIFICATION),
        False,
        "Endpoint or shared secret changed; verify the portal again",
    ),
    Event.VERIFY: Transition({PENDING_VERIFICATION: VALIDATED}, False, None),
    Event.TEST_PASSED: Transition(
        {VALIDATED: TEST_INITIALIZED, TEST_FAILED: TEST_INITIALIZED}, False, None
    ),
    Event.TEST_FAILED: Transition(
        {VALIDATED: TEST_FAILED, TEST_FAILED: TEST_FAILED},
        False,
        "Connection test failed (simulated by the sandbox)",
    ),
    Event.ACTIVATE: Transition(
        {TEST_INITIALIZED: ACTIVE, SUSPENDED: ACTIVE, ACTIVE: ACTIVE}, True, None
    ),
    Event.SUSPEND: Transition({ACTIVE: SUSPENDED, SUSPENDED: SUSPENDED}, True, None),
}

# The statuses a caller may ask UpdateProcurementPortalPreferenceStatus for, and their event.
REQUESTABLE: dict[str, Event] = {ACTIVE: Event.ACTIVATE, SUSPENDED: Event.SUSPEND}


class TransitionError(Exception):
    """A strict event does not apply to a feature's current status."""

    def __init__(self, feature: Feature, current: str | None, requested: str) -> None:
        shown = current or "None (feature disabled)"
        super().__init__(
            f"{feature.status} cannot change from {shown} to {requested}; allowed: "
            + _allowed(requested)
        )
        self.feature, self.current, self.requested = feature, current, requested


def _allowed(requested: str) -> str:
    event = REQUESTABLE.get(requested)
    if event is None:
        return f"only {' or '.join(REQUESTABLE)} can be requested"
    sources = [source for source in TABLE[event].moves if source is not None]
    return f"{requested} only from {', '.join(sources)}"


def enabled(doc: dict[str, Any], feature: Feature) -> bool:
    return doc.get(feature.enabled) is True


def can_apply(event: Event, current: str | None) -> bool:
    return current in TABLE[event].moves


def apply(
    doc: dict[str, Any],
    event: Event,
    features: tuple[Feature, ...] = FEATURES,
    reason: str | None = None,
    requested: str | None = None,
) -> list[Feature]:
    """Move `features` of `doc` (in place) along `event`; returns the features that moved.

    Lenient events skip disabled features and features in other statuses. Under a strict event
    any of `features` that is disabled or not in a source status raises TransitionError before
    anything changes.
    """
    transition = TABLE[event]
    if transition.strict:
        for feature in features:
            current = doc.get(feature.status) if enabled(doc, feature) else None
            if current not in transition.moves:
                raise TransitionError(feature, current, requested or event.value)
    chosen = [feature for feature in features if enabled(doc, feature)]
    moved = []
    for feature in chosen:
        current = doc.get(feature.status)
        if current not in transition.moves:
            continue
        target = transition.moves[current]
        new_reason = reason if reason is not None else transition.reason
        if target == current and reason is None:
            continue  # a no-op (ACTIVE -> ACTIVE) keeps the reason and does not count as a write
        doc[feature.status] = target
        _set_reason(doc, feature, new_reason)
        moved.append(feature)
    return moved


def disable(doc: dict[str, Any], feature: Feature) -> None:
    """A feature switched off has no status."""
    doc.pop(feature.status, None)
    doc.pop(feature.reason, None)


def _set_reason(doc: dict[str, Any], feature: Feature, reason: str | None) -> None:
    if reason is None:
        doc.pop(feature.reason, None)
    else:
        doc[feature.reason] = reason


def describe() -> str:
    """The table as text (for docs and the report)."""
    lines = []
    for event, transition in TABLE.items():
        moves = ", ".join(f"{src} -> {dst}" for src, dst in transition.moves.items())
        kind = "strict" if transition.strict else "lenient"
        lines.append(f"{event.value:20} {kind:8} {moves}")
    return "\n".join(lines)
