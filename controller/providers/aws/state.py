"""The observed live state, as plain immutable values (built by `live`, read by `plan`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from controller.config.model import Integration, Mode
from controller.providers.aws.translate import MODE_TAG, NAME_TAG

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
    essence: dict[str, object] = field(hash=False, compare=False)  # translate.Essence
    statuses: tuple[FeatureStatus, ...] = ()
    tags: tuple[tuple[str, str], ...] = ()
    last_updated: str = ""
    role_arn: str | None = None  # the role it was read through, to write it the same way
    # AWS's generated PurchaseOrderRetrievalEndpoint per environment ("production", "test").
    po_endpoints: tuple[tuple[str, str], ...] = ()

    def po_endpoint(self, environment: str) -> str | None:
        return dict(self.po_endpoints).get(environment)

    @property
    def managed_name(self) -> str | None:
        return dict(self.tags).get(NAME_TAG)

    @property
    def last_commit(self) -> str | None:
        return dict(self.tags).get("coupa-gitops:commit")

    @property
    def natural_key(self) -> tuple[str, str, str]:
        return (self.portal, self.buyer_identity, self.supplier_identity)

    def status_of(self, feature: str) -> str | None:
        return next((s.status for s in self.statuses if s.feature == feature), None)

    @property
    def tag_mode(self) -> Mode | None:
        """The mode the tool last recorded in the coupa-gitops:mode tag (None: none or garbage)."""
        value = dict(self.tags).get(MODE_TAG)
        return Mode(value) if value is not None and value in Mode.__members__.values() else None

    @property
    def status_mode(self) -> Mode | None:
        """What the feature statuses say; None without any (punch-out only) or when mixed."""
        modes = {STATUS_MODE.get(s.status, Mode.TEST) for s in self.statuses if s.status}
        if not modes:
            return None
        if len(modes) > 1:
            # A feature that fell back to a test status leaves the integration partly live.
            modes.discard(Mode.TEST)
        return modes.pop() if len(modes) == 1 else None

    @property
    def live_mode(self) -> Mode | None:
        """The mode when every signal agrees; None when they disagree or the tag is missing.

        Signals: the feature statuses and the coupa-gitops:mode tag. A punch-out-only
        integration has no feature status, so its tag alone tells. Deny by default: a caller
        treats None as live.
        """
        tag, statuses = self.tag_mode, self.status_mode
        if tag is None:
            return None
        if statuses is None and any(s.status for s in self.statuses):
            return None  # ACTIVE and SUSPENDED at once
        return tag if statuses in (None, tag) else None


STATUS_MODE = {ACTIVE: Mode.LIVE, SUSPENDED: Mode.SUSPENDED}


@dataclass(frozen=True)
class Supplier:
    """One of AWS's supplier identities on a portal (ListProcurementPortalSuppliers)."""

    identifier: str
    environment: str  # PROD | TEST
    seller_of_record: str = ""
    country: str = ""


@dataclass(frozen=True)
class SupplierList:
    """AWS's supplier identities on one portal as one account sees them, or why not read."""

    account: str
    portal: str
    suppliers: tuple[Supplier, ...] = ()
    error: str | None = None

    def find(self, identifier: str, environment: str) -> Supplier | None:
        return next(
            (
                s
                for s in self.suppliers
                if (s.identifier, s.environment) == (identifier, environment)
            ),
            None,
        )


@dataclass(frozen=True)
class Observed:
    """Everything read from AWS for one run: preferences of every account in scope."""

    preferences: tuple[LivePreference, ...]
    accounts: tuple[str, ...] = ()
    # One list per account and portal; none at all when the run did not read them.
    suppliers: tuple[SupplierList, ...] = ()

    def suppliers_of(self, account: str, portal: str) -> SupplierList | None:
        return next((s for s in self.suppliers if (s.account, s.portal) == (account, portal)), None)


def enabled_features(item: Integration) -> tuple[str, ...]:
    """The features with a status in AWS that the file switches on."""
    flags = {
        "einvoice": item.einvoice.enabled,
        "purchaseOrderRetrieval": item.purchase_order_retrieval,
    }
    return tuple(f for f, on in flags.items() if on)
