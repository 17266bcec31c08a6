"""Between our model and the AWS Invoicing API: request bodies, and the comparable "essence".

Both sides of a diff go through `essence()`: the desired side as the request we would send
(secrets replaced by digests), the live side as `GetProcurementPortalPreference` returns it.
One normaliser for both means a field can never differ just because it was read differently.
Pure: no boto3, no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from controller.config.model import PORTAL, Endpoint, Integration, SecretRef
from controller.engine.desired import secret_digest as secret_digest  # shared by providers

NAME_TAG = "coupa-gitops:name"
COMMIT_TAG = "coupa-gitops:commit"
# The mode the tool last set: "test" at create, changed only by an approved go-live. IAM keys on
# it (aws:ResourceTag/coupa-gitops:mode), so the apply role can write test-mode preferences only.
MODE_TAG = "coupa-gitops:mode"
RESERVED_TAG_PREFIXES = ("coupa-gitops:", "aws:")
SECRET_FIELDS = frozenset({"production.sharedSecret", "test.sharedSecret"})

Essence = dict[str, object]
# An Invoicing API document (a request body, a Get response, a List summary): boto3 gives it
# no types, so its values are Any.
AwsDocument = Mapping[str, Any]


def _endpoint_body(endpoint: Endpoint, secrets: Mapping[SecretRef, str | None]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "BuyerDomain": endpoint.buyer.domain,
        "BuyerIdentifier": endpoint.buyer.identity,
        "SupplierDomain": endpoint.supplier.domain,
        "SupplierIdentifier": endpoint.supplier.identity,
        "ProcurementPortalInstanceEndpoint": endpoint.instance_url,
    }
    secret = secrets.get(endpoint.shared_secret)
    if secret is not None:
        body["ProcurementPortalSharedSecret"] = secret
    return body


def _activation(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def mutable_body(item: Integration, secrets: Mapping[SecretRef, str | None]) -> dict[str, Any]:
    """The members of Put (a full write of every mutable field)."""
    prod = _endpoint_body(item.production, secrets)
    body: dict[str, Any] = {
        "ProcurementPortalInstanceEndpoint": prod["ProcurementPortalInstanceEndpoint"],
        "EinvoiceDeliveryEnabled": item.einvoice.enabled,
        "PurchaseOrderRetrievalEnabled": item.purchase_order_retrieval,
        "MarketplacePunchOutEnabled": item.punchout.enabled,
        "Contacts": [{"Name": item.contact.name, "Email": item.contact.email}],
    }
    if "ProcurementPortalSharedSecret" in prod:
        body["ProcurementPortalSharedSecret"] = prod["ProcurementPortalSharedSecret"]
    if item.test is not None:
        body["TestEnvPreference"] = _endpoint_body(item.test, secrets)
    if item.selector is not None:
        body["Selector"] = {
            "SellerOfRecords": list(item.selector.seller_of_records),
            "InvoiceUnitArns": list(item.selector.invoice_unit_arns),
        }
    if item.punchout.approval_request_redirect_url:
        body["MarketplacePunchOutPreference"] = {
            "ApprovalRequestRedirectUrl": item.punchout.approval_request_redirect_url
        }
    einvoice = item.einvoice
    if einvoice.document_types and einvoice.connection_test and einvoice.activation_date:
        required = dict(einvoice.purchase_order_required)
        body["EinvoiceDeliveryPreference"] = {
            "EinvoiceDeliveryDocumentTypes": list(einvoice.document_types),
            "EinvoiceDeliveryAttachmentTypes": list(einvoice.attachment_types),
            "Protocol": "CXML",
            "PurchaseOrderDataSources": [
                {
                    "EinvoiceDeliveryDocumentType": doc_type,
                    "PurchaseOrderDataSourceType": "ASSOCIATED_PURCHASE_ORDER_REQUIRED"
                    if required.get(doc_type, False)
                    else "PURCHASE_ORDER_NOT_REQUIRED",
                }
                for doc_type in einvoice.document_types
            ],
            "ConnectionTestingMethod": einvoice.connection_test,
            "EinvoiceDeliveryActivationDate": _activation(einvoice.activation_date),
        }
    return body


def create_body(item: Integration, secrets: Mapping[SecretRef, str | None]) -> dict[str, Any]:
    """The members of Create: the immutable identity plus every mutable field."""
    prod = item.production
    return {
        "ProcurementPortalName": PORTAL,
        "BuyerDomain": prod.buyer.domain,
        "BuyerIdentifier": prod.buyer.identity,
        "SupplierDomain": prod.supplier.domain,
        "SupplierIdentifier": prod.supplier.identity,
        **mutable_body(item, secrets),
    }


def user_tags(item: Integration) -> dict[str, str]:
    return dict(item.tags)


# (plan path, how to read it from an API document). The plan path is the YAML path a
# reviewer knows; the reader takes the API document (create body or Get response).
def _at(*keys: str) -> Callable[[AwsDocument], Any]:
    def read(doc: AwsDocument) -> Any:
        value: object = doc
        for key in keys:
            if not isinstance(value, Mapping):
                return None
            value = value.get(key)
        return value

    return read


def _sorted_list(*keys: str) -> Callable[[AwsDocument], object]:
    read = _at(*keys)
    return lambda doc: tuple(sorted(read(doc) or ()))


def _po_required(doc: AwsDocument) -> object:
    sources = _at("EinvoiceDeliveryPreference", "PurchaseOrderDataSources")(doc) or ()
    pairs = (
        (s.get("EinvoiceDeliveryDocumentType"), s.get("PurchaseOrderDataSourceType"))
        for s in sources
    )
    return tuple(sorted((t, k == "ASSOCIATED_PURCHASE_ORDER_REQUIRED") for t, k in pairs))


def _day(doc: AwsDocument) -> object:
    value = _at("EinvoiceDeliveryPreference", "EinvoiceDeliveryActivationDate")(doc)
    if isinstance(value, datetime):
        return value.astimezone(UTC).date().isoformat()
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, UTC).date().isoformat()
    return value


def _contact(member: str) -> Callable[[AwsDocument], object]:
    def read(doc: AwsDocument) -> object:
        contacts = doc.get("Contacts") or [{}]
        return contacts[0].get(member)

    return read


# (path, reader, immutable): the table of every compared field.
FIELDS: tuple[tuple[str, Callable[[AwsDocument], object], bool], ...] = (
    ("production.buyer.domain", _at("BuyerDomain"), True),
    ("production.buyer.identity", _at("BuyerIdentifier"), True),
    ("production.supplier.domain", _at("SupplierDomain"), True),
    ("production.supplier.identity", _at("SupplierIdentifier"), True),
    ("production.instanceUrl", _at("ProcurementPortalInstanceEndpoint"), False),
    ("production.sharedSecret", _at("ProcurementPortalSharedSecret"), False),
    ("test.instanceUrl", _at("TestEnvPreference", "ProcurementPortalInstanceEndpoint"), False),
    ("test.buyer.domain", _at("TestEnvPreference", "BuyerDomain"), False),
    ("test.buyer.identity", _at("TestEnvPreference", "BuyerIdentifier"), False),
    ("test.supplier.domain", _at("TestEnvPreference", "SupplierDomain"), False),
    ("test.supplier.identity", _at("TestEnvPreference", "SupplierIdentifier"), False),
    ("test.sharedSecret", _at("TestEnvPreference", "ProcurementPortalSharedSecret"), False),
    ("contact.name", _contact("Name"), False),
    ("contact.email", _contact("Email"), False),
    ("punchout.enabled", lambda d: bool(d.get("MarketplacePunchOutEnabled")), False),
    (
        "punchout.approvalRequestRedirectUrl",
        _at("MarketplacePunchOutPreference", "ApprovalRequestRedirectUrl"),
        False,
    ),
    ("einvoice.enabled", lambda d: bool(d.get("EinvoiceDeliveryEnabled")), False),
    (
        "einvoice.documentTypes",
        _sorted_list("EinvoiceDeliveryPreference", "EinvoiceDeliveryDocumentTypes"),
        False,
    ),
    (
        "einvoice.attachmentTypes",
        _sorted_list("EinvoiceDeliveryPreference", "EinvoiceDeliveryAttachmentTypes"),
        False,
    ),
    ("einvoice.purchaseOrderRequired", _po_required, False),
    (
        "einvoice.connectionTest",
        _at("EinvoiceDeliveryPreference", "ConnectionTestingMethod"),
        False,
    ),
    ("einvoice.activationDate", _day, False),
    (
        "purchaseOrderRetrieval.enabled",
        lambda d: bool(d.get("PurchaseOrderRetrievalEnabled")),
        False,
    ),
    ("selector.sellerOfRecords", _sorted_list("Selector", "SellerOfRecords"), False),
    ("selector.invoiceUnitArns", _sorted_list("Selector", "InvoiceUnitArns"), False),
)
IMMUTABLE = frozenset(path for path, _, immutable in FIELDS if immutable)


def essence(doc: AwsDocument, *, hash_secrets: bool) -> Essence:
    """The compared fields of an API document, secrets as digests (hashed here if asked)."""
    out: Essence = {}
    for path, read, _ in FIELDS:
        value = read(doc)
        if path in SECRET_FIELDS and value is not None and hash_secrets:
            value = secret_digest(str(value))
        out[path] = value
    return out


def desired_essence(item: Integration, digests: Mapping[SecretRef, str | None]) -> Essence:
    """The essence of what the config asks for; `digests` are the secrets' digests (or None)."""
    return essence(create_body(item, digests), hash_secrets=False)
