"""AWS's supplier identities per procurement portal, as ListProcurementPortalSuppliers reports.

This table is OUR MODEL, not AWS's list: AWS publishes its identities to each customer's
portal, not in its documentation. It holds the identities our example configs use
(config/integrations/*.yaml: AWS-MARKETPLACE in production, AWS-MARKETPLACE-TEST in test)
plus a European seller of record, so that a typo or a test identity used in production shows.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Supplier:
    portal: str  # PortalIdentifier, as ListProcurementPortals names it
    identifier: str
    seller_of_record: str
    country: str
    environment: str  # PROD | TEST

    def to_api(self) -> dict[str, str]:
        return {
            "SupplierIdentifier": self.identifier,
            "SellerOfRecord": self.seller_of_record,
            "CountryCode": self.country,
            "Environment": self.environment,
        }


SUPPLIERS: tuple[Supplier, ...] = (
    Supplier("COUPA", "AWS-MARKETPLACE", "AWS_INC", "US", "PROD"),
    Supplier("COUPA", "AWS-MARKETPLACE-TEST", "AWS_INC", "US", "TEST"),
    Supplier("COUPA", "AWS-EMEA-MARKETPLACE", "AWS_EUROPE", "LU", "PROD"),
    Supplier("COUPA", "AWS-EMEA-MARKETPLACE-TEST", "AWS_EUROPE", "LU", "TEST"),
    Supplier("SAP_BUSINESS_NETWORK", "AN01000000001", "AWS_INC", "US", "PROD"),
    Supplier("SAP_BUSINESS_NETWORK", "AN01000000001-T", "AWS_INC", "US", "TEST"),
    Supplier("SAP_BUSINESS_NETWORK", "AN01000000002", "AWS_EUROPE", "LU", "PROD"),
    Supplier("SAP_BUSINESS_NETWORK", "AN01000000002-T", "AWS_EUROPE", "LU", "TEST"),
)


def of_portal(portal: str) -> list[dict[str, str]] | None:
    """The portal's suppliers as API members, None when there is no such portal."""
    found = [s.to_api() for s in SUPPLIERS if s.portal == portal]
    return found or None
