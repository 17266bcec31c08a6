"""Builders and a fake clock shared by the Coupa tests."""

from __future__ import annotations

from typing import Any

CLIENT_ID = "acme-gitops"
CLIENT_SECRET = "canary-coupa-client-secret-7f3a"
SHARED_SECRET = "canary-cxml-shared-secret-91c2"
PO_URL = "https://procurement.marketplace.example/cxml/po/abc123"


def cxml_supplier(name: str = "AWS Marketplace", **overrides: Any) -> dict[str, Any]:
    """A supplier wired for cXML purchase orders and invoicing, as the reconciler will write."""
    supplier: dict[str, Any] = {
        "name": name,
        "po-method": "cxml",
        "cxml-url": PO_URL,
        "cxml-domain": "NetworkID",
        "cxml-identity": "ACME-EMEA",
        "cxml-supplier-domain": "NetworkID",
        "cxml-supplier-identity": "AWS-MARKETPLACE",
        "cxml-secret": SHARED_SECRET,
        "cxml-protocol": "cxml",
        "allow-cxml-invoicing": True,
        "cxml-invoice-supplier-domain": "NetworkID",
        "cxml-invoice-supplier-identity": f"AWS-MARKETPLACE-{name}",
        "cxml-invoice-buyer-domain": "NetworkID",
        "cxml-invoice-buyer-identity": "ACME-EMEA",
        "cxml-invoice-secret": SHARED_SECRET,
        "invoice-matching-level": "none",
        "status": "draft",
    }
    supplier.update(overrides)
    return supplier


def plain_supplier(name: str) -> dict[str, Any]:
    return {"name": name, "invoice-matching-level": "2-way"}


class FakeTime:
    """A clock that moves only when slept on (or advanced): retries without waiting."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def advance(self, seconds: float) -> None:
        self.now += seconds
