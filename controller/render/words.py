"""Field names in plain words, for the readers of a plan who do not read YAML paths."""

from __future__ import annotations

_ENDPOINT = {
    "buyer.domain": "buyer credential domain",
    "buyer.identity": "buyer identity",
    "supplier.domain": "supplier credential domain",
    "supplier.identity": "supplier identity",
    "instanceUrl": "Coupa instance URL",
    "sharedSecret": "shared secret",
}

# Every compared field (providers/aws/translate.FIELDS) and the name tag; a test checks the cover.
WORDS: dict[str, str] = {
    **{f"production.{k}": f"{v} (production)" for k, v in _ENDPOINT.items()},
    **{f"test.{k}": f"{v} (test instance)" for k, v in _ENDPOINT.items()},
    "contact.name": "contact name",
    "contact.email": "contact email",
    "punchout.enabled": "punch-out on",
    "punchout.approvalRequestRedirectUrl": "punch-out approval return URL",
    "einvoice.enabled": "e-invoice delivery on",
    "einvoice.documentTypes": "e-invoice document types",
    "einvoice.attachmentTypes": "e-invoice PDF attachments",
    "einvoice.purchaseOrderRequired": "purchase order required, per document type",
    "einvoice.connectionTest": "connection test method",
    "einvoice.activationDate": "e-invoice start date",
    "purchaseOrderRetrieval.enabled": "purchase order retrieval on",
    "selector.sellerOfRecords": "sellers of record covered",
    "selector.invoiceUnitArns": "invoice units covered",
    "metadata.name": "integration name",
}


def plain(path: str) -> str:
    """The plain words for a dotted field path; a tag is "tag <key>"."""
    if path.startswith("tags."):
        return f"tag {path.removeprefix('tags.')}"
    return WORDS.get(path, path)
