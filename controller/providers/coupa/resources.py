"""What the tool keeps in Coupa, as tables: the supplier's fields and how each is derived.

Pure: no I/O. Both sides of a diff go through these names (Coupa's hyphenated keys), the
desired side from the file and AWS, the live side as Coupa's GET returns it; secrets as digests.
Facts: ../shared/reference/coupa-core-api.md §6.1 (cXML POs) and §6.2 (cXML invoicing).
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from controller.config.model import Endpoint, Integration, Mode
from controller.engine.provider import KNOWN_AFTER_APPLY

PRODUCTION = "production"
TEST = "test"
ENVIRONMENTS = (PRODUCTION, TEST)

SUPPLIERS = "suppliers"
COMMODITIES = "commodities"

# §6.2: mirrored from the PO credentials when e-invoicing is on.
INVOICE_FIELDS = (
    "cxml-invoice-supplier-domain",
    "cxml-invoice-supplier-identity",
    "cxml-invoice-buyer-domain",
    "cxml-invoice-buyer-identity",
    "cxml-invoice-secret",
)
# Every supplier field the tool compares and writes (besides `name`, the match key).
SUPPLIER_FIELDS = (
    "number",
    "po-method",
    "cxml-url",
    "cxml-domain",
    "cxml-identity",
    "cxml-supplier-domain",
    "cxml-supplier-identity",
    "cxml-secret",
    "cxml-protocol",
    "allow-cxml-invoicing",
    *INVOICE_FIELDS,
    "invoice-matching-level",
    "status",
)
SECRET_FIELDS = frozenset({"cxml-secret", "cxml-invoice-secret"})
# Not confirmed (#6): whether `status` is writable (m074 calls it output-only and offers an
# input-only `supplier-status` the Swagger lacks). We write `status`; this is the one place.
STATUS_FIELD = "status"
ACTIVE = "active"
INACTIVE = "inactive"
# X1 says `cxml`; m081's sample shows `cXML`. We write X1's spelling.
CXML_PROTOCOL = "cxml"
LATER = KNOWN_AFTER_APPLY  # what a value produced by an earlier change shows as


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or url).lower()


def environments(item: Integration) -> tuple[str, ...]:
    """The instances managed for `item`: production, and test when spec.test is set too."""
    coupa = item.coupa
    if coupa is None:
        return ()
    return (PRODUCTION, TEST) if item.test is not None and coupa.test is not None else (PRODUCTION,)


def endpoint(item: Integration, environment: str) -> Endpoint:
    if environment == TEST:
        assert item.test is not None, "a test instance is managed only with spec.test"
        return item.test
    return item.production


def wanted_status(item: Integration, environment: str) -> str:
    """On production the supplier is active only when the integration is live; test: active."""
    if environment == TEST or item.mode is Mode.LIVE:
        return ACTIVE
    return INACTIVE


def desired_supplier(
    item: Integration, environment: str, cxml_url: object, secret: object
) -> dict[str, object]:
    """The supplier's fields as the file and AWS ask; `secret` a digest (plan) or value (apply)."""
    assert item.coupa is not None
    supplier, where = item.coupa.supplier, endpoint(item, environment)
    fields: dict[str, object] = {
        "po-method": "cxml",
        "cxml-url": cxml_url,
        "cxml-domain": where.buyer.domain,
        "cxml-identity": where.buyer.identity,
        "cxml-supplier-domain": where.supplier.domain,
        "cxml-supplier-identity": where.supplier.identity,
        "cxml-secret": secret,
        "cxml-protocol": CXML_PROTOCOL,
        "allow-cxml-invoicing": item.einvoice.enabled,
        "invoice-matching-level": supplier.invoice_matching_level,
        STATUS_FIELD: wanted_status(item, environment),
    }
    if supplier.number is not None:
        fields["number"] = supplier.number
    if item.einvoice.enabled:
        fields.update(
            {
                "cxml-invoice-supplier-domain": where.supplier.domain,
                "cxml-invoice-supplier-identity": where.supplier.identity,
                "cxml-invoice-buyer-domain": where.buyer.domain,
                "cxml-invoice-buyer-identity": where.buyer.identity,
                "cxml-invoice-secret": secret,
            }
        )
    return fields


def is_ours(live: Mapping[str, object], wanted: Mapping[str, object]) -> bool:
    """Whether a same-named supplier is wired to our cXML identities (buyer or supplier side).

    Coupa has no tags: a supplier neither of whose identities is ours was set up by someone
    else, and is adopted only explicitly (spec.coupa.supplier.adopt).
    """
    return any(
        live.get(k) is not None and live.get(k) == wanted.get(k)
        for k in ("cxml-identity", "cxml-supplier-identity")
    )
