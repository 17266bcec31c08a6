"""The desired state: typed, immutable, produced only by `controller.spec` from valid files."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

PORTAL = "COUPA"
DEFAULT_REGION = "us-east-1"


ROLE_PLACEHOLDER = "{role}"  # in spec.roleArn: replaced by the purpose of the running command
ROLE_PREFIX = "coupa-gitops-"


class Role(StrEnum):
    """Why a command reaches AWS; each purpose has its own IAM role (plan < apply < go-live).

    The value is what `{role}` in spec.roleArn becomes, so another payer account keeps the
    same split: a plan never holds credentials that can write, a routine apply never
    credentials that can go live.
    """

    PLAN = "plan"
    APPLY = "apply"
    GO_LIVE = "go-live"

    @property
    def role_name(self) -> str:
        return ROLE_PREFIX + self.value


class Mode(StrEnum):
    TEST = "test"
    LIVE = "live"
    SUSPENDED = "suspended"


@dataclass(frozen=True)
class SecretRef:
    """Where a secret lives; never the secret itself."""

    source: str  # "env" | "ssm" | "secretsManager"
    name: str

    def __str__(self) -> str:
        return f"{self.source}:{self.name}"


@dataclass(frozen=True)
class Party:
    domain: str
    identity: str


@dataclass(frozen=True)
class Endpoint:
    """A Coupa instance and the cXML credentials used with it."""

    instance_url: str
    buyer: Party
    supplier: Party
    shared_secret: SecretRef


@dataclass(frozen=True)
class Contact:
    name: str
    email: str


@dataclass(frozen=True)
class Punchout:
    enabled: bool
    approval_request_redirect_url: str | None = None


@dataclass(frozen=True)
class Einvoice:
    enabled: bool
    document_types: tuple[str, ...] = ()
    attachment_types: tuple[str, ...] = ()
    # (document type, PO required) pairs, sorted by document type
    purchase_order_required: tuple[tuple[str, bool], ...] = ()
    connection_test: str | None = None
    activation_date: date | None = None


@dataclass(frozen=True)
class Selector:
    seller_of_records: tuple[str, ...] = ()
    invoice_unit_arns: tuple[str, ...] = ()


@dataclass(frozen=True)
class CoupaClientRef:
    """An OAuth 2.0 client-credentials client of one Coupa instance (the secret a reference)."""

    client_id: str
    client_secret: SecretRef


# The UNSPSC codes AWS Marketplace puts on cart lines, in the order the docs list them.
UNSPSC_CODES: tuple[str, ...] = ("81162000", "43232701", "43230000")


@dataclass(frozen=True)
class CoupaSupplier:
    name: str
    invoice_matching_level: str  # 2-way | 3-way | 3-way-direct | none
    number: str | None = None
    adopt: bool = False  # take over a same-named supplier we did not configure


@dataclass(frozen=True)
class Coupa:
    """spec.coupa: what the tool keeps in Coupa on the production and the test instance."""

    production: CoupaClientRef
    supplier: CoupaSupplier
    commodities: tuple[tuple[str, str], ...]  # (UNSPSC code, Coupa commodity name)
    test: CoupaClientRef | None = None


@dataclass(frozen=True)
class Source:
    """Where an integration was declared, for messages that point back at the file."""

    file: str
    line: int = 1


@dataclass(frozen=True)
class Integration:
    """One CoupaIntegration file, validated."""

    name: str
    account: str
    mode: Mode
    contact: Contact
    production: Endpoint
    punchout: Punchout
    einvoice: Einvoice
    purchase_order_retrieval: bool
    source: Source
    description: str = ""
    approvers: tuple[str, ...] = ()
    role_arn: str | None = None
    region: str = DEFAULT_REGION
    test: Endpoint | None = None
    selector: Selector | None = None
    tags: tuple[tuple[str, str], ...] = ()
    coupa: Coupa | None = None

    def role_arn_for(self, role: Role) -> str | None:
        """spec.roleArn with `{role}` replaced by the purpose of the running command."""
        return self.role_arn.replace(ROLE_PLACEHOLDER, role.value) if self.role_arn else None

    @property
    def natural_key(self) -> tuple[str, str, str]:
        """What identifies the preference in AWS besides its ARN: portal, buyer, supplier."""
        return (PORTAL, self.production.buyer.identity, self.production.supplier.identity)
