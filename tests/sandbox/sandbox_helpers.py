"""Requests and raw-HTTP helpers shared by the sandbox tests."""

from __future__ import annotations

import copy
import json
import urllib.error
import urllib.request
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

INSTANCE = "https://acme.coupahost.com/cxml/invoices"
FAKE_AUTHORIZATION = (
    "AWS4-HMAC-SHA256 Credential=AKIARAWCALLER/20250101/us-east-1/invoicing/aws4_request, "
    "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=" + "0" * 64
)


def create_request(**overrides: Any) -> dict[str, Any]:
    """A valid CreateProcurementPortalPreference request for a Coupa instance."""
    request: dict[str, Any] = {
        "ProcurementPortalName": "COUPA",
        "BuyerDomain": "NetworkID",
        "BuyerIdentifier": "ACME-EMEA",
        "SupplierDomain": "NetworkID",
        "SupplierIdentifier": "AWS-MARKETPLACE",
        "ProcurementPortalSharedSecret": "canary-secret-1",
        "ProcurementPortalInstanceEndpoint": INSTANCE,
        "EinvoiceDeliveryEnabled": True,
        "EinvoiceDeliveryPreference": {
            "EinvoiceDeliveryDocumentTypes": ["AWS_MARKETPLACE_INVOICE"],
            "EinvoiceDeliveryAttachmentTypes": ["INVOICE_PDF"],
            "Protocol": "CXML",
            "PurchaseOrderDataSources": [
                {
                    "EinvoiceDeliveryDocumentType": "AWS_MARKETPLACE_INVOICE",
                    "PurchaseOrderDataSourceType": "ASSOCIATED_PURCHASE_ORDER_REQUIRED",
                }
            ],
            "ConnectionTestingMethod": "TEST_ENV_REPLAY_TEST",
            "EinvoiceDeliveryActivationDate": 1798761600,
        },
        "PurchaseOrderRetrievalEnabled": True,
        "MarketplacePunchOutEnabled": True,
        "MarketplacePunchOutPreference": {
            "ApprovalRequestRedirectUrl": "https://acme.coupahost.com/requisition_headers"
        },
        "Contacts": [{"Name": "Procurement Ops", "Email": "procurement-ops@acme.example"}],
    }
    request.update(overrides)
    return request


PUT_DROPS = (
    "ProcurementPortalName",
    "BuyerDomain",
    "BuyerIdentifier",
    "SupplierDomain",
    "SupplierIdentifier",
    "ResourceTags",
    "ClientToken",
)


def put_request(arn: str, base: dict[str, Any] | None = None, **overrides: Any) -> dict[str, Any]:
    """A Put writing `base` (a create request) back, with `overrides` applied."""
    source = copy.deepcopy(base if base is not None else create_request())
    request = {key: value for key, value in source.items() if key not in PUT_DROPS}
    request["ProcurementPortalPreferenceArn"] = arn
    request.update(overrides)
    return request


def error_of(exc: ClientError) -> tuple[str, str]:
    return exc.response["Error"]["Code"], exc.response["Error"]["Message"]


def get(client: Any, arn: str) -> dict[str, Any]:
    return client.get_procurement_portal_preference(ProcurementPortalPreferenceArn=arn)[
        "ProcurementPortalPreference"
    ]


def raw_call(
    url: str,
    operation: str,
    body: Any,
    authorization: str | None = FAKE_AUTHORIZATION,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, Any]]:
    """POST an AWS JSON 1.0 request without botocore (no client-side validation)."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(url + "/", data=data, method="POST")
    request.add_header("Content-Type", "application/x-amz-json-1.0")
    request.add_header("X-Amz-Target", f"Invoicing.{operation}")
    if authorization is not None:
        request.add_header("Authorization", authorization)
        request.add_header("X-Amz-Date", "20250101T000000Z")
    for key, value in (headers or {}).items():
        request.add_header(key, value)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def make_client(sb: Any, access_key: str = "AKIASANDBOXDEFAULT", **config: Any) -> Any:
    """A real boto3 invoicing client talking HTTP to the sandbox."""
    return boto3.client(
        "invoicing",
        region_name="us-east-1",
        endpoint_url=sb.url,
        aws_access_key_id=access_key,
        aws_secret_access_key="x",
        config=Config(**config) if config else None,
    )
