"""The portals ListProcurementPortals reports (the suppliers of each are in `suppliers`)."""

from __future__ import annotations

from typing import Any

from controller.sandbox.aws import shapes


def portal_catalog() -> list[dict[str, Any]]:
    """The portals ListProcurementPortals reports, built from the model's enums."""
    document_types = shapes.enum_values("EinvoiceDeliveryDocumentType")
    attachment_types = shapes.enum_values("EinvoiceDeliveryAttachmentType")
    display = {"COUPA": "Coupa", "SAP_BUSINESS_NETWORK": "SAP Business Network"}
    return [
        {
            "PortalIdentifier": name,
            "PortalName": name,
            "PortalDisplayName": display.get(name, name.replace("_", " ").title()),
            "DefaultFeatureConfigurations": {
                "InvoiceConfiguration": {
                    "DocumentTypes": document_types,
                    "AttachmentTypes": attachment_types,
                }
            },
        }
        for name in shapes.enum_values("ProcurementPortalName")
    ]
