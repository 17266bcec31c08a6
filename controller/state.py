"""The observed live state, as plain immutable values (built by `live`, read by `plan`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from controller.model import Integration, SecretRef

# Per-feature statuses, AWS's own constants.
PENDING = "PENDING_VERIFICATION"
VALIDATED = "VALIDATED"
TEST_INITIALIZED = "TEST_INITIALIZED"
TEST_INITIALIZATION_FAILED = "TEST_INITIALIZATION_FAILED"
TEST_FAILED = "TEST_FAILED"
ACTIVE = "ACTIVE"
SUSPENDED = "SUSPENDED"

FEATURES = ("einvoice", "purchaseOrderRetrieval")
FEATURE_LABELS = {"einvoice": "e-invoice delivery", "purchaseOrderRetrieval": "PO retrieval"}


@dataclass(frozen=True)
class FeatureStatus:
    feature: str  # "einvoice" | "purchaseOrderRetrieval"
    status: str | None  # None when the feature is disabled
    reason: str | None = None


@dataclass(frozen=True)
class LivePreference:
    """One procurement portal preference as read from AWS (secrets only as digests)."""

    arn: str
    account: str
    region: str
    version: int
    portal: str
    buyer_identity: str
    supplier_identity: str
    essence: dict = field(hash=False, compare=False)
    statuses: tuple[FeatureStatus, ...] = ()
    tags: tuple[tuple[str, str], ...] = ()
    last_updated: str = ""
    role_arn: str | None = None  # the role it was read through, to write it the same way

    @property
    def managed_name(self) -> str | None:
        return dict(self.tags).get("coupa-gitops:name")

    @property
    def last_commit(self) -> str | None:
        return dict(self.tags).get("coupa-gitops:commit")

    @property
    def natural_key(self) -> tuple[str, str, str]:
        return (self.portal, self.buyer_identity, self.supplier_identity)

    def status_of(self, feature: str) -> str | None:
        return next((s.status for s in self.statuses if s.feature == feature), None)

    @property
    def live_mode(self) -> str:
        """test | live | suspended, read from the enabled features' statuses."""
        found = {s.status for s in self.statuses if s.status}
        if ACTIVE in found:
            return "live"
        if SUSPENDED in found:
            return "suspended"
        return "test"


@dataclass(frozen=True)
class Desired:
    """One integration from the config, with its secrets' digests (None: not resolved)."""

    integration: Integration
    secret_digests: tuple[tuple[SecretRef, str | None], ...] = ()

    @property
    def digests(self) -> dict[SecretRef, str | None]:
        return dict(self.secret_digests)


@dataclass(frozen=True)
class Observed:
    """Everything read from AWS for one run: preferences of every account in scope."""

    preferences: tuple[LivePreference, ...]
    accounts: tuple[str, ...] = ()
