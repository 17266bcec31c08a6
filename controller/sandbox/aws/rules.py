"""The service rules the model cannot express, as one table checked after the shape is valid.

Each rule reads the preference document as it would be stored (for Put: the immutable fields of
the stored preference plus the request's mutable fields) and names the field it is about.
`Contacts` having exactly one entry is not here: the model itself says `min=max=1`, so the shape
walker already enforces it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from controller.sandbox.aws.shapes import FieldError

INSTANCE = "ProcurementPortalInstanceEndpoint"
TEST_INSTANCE = "TestEnvPreference.ProcurementPortalInstanceEndpoint"
REDIRECT = "MarketplacePunchOutPreference.ApprovalRequestRedirectUrl"


def field(doc: dict[str, Any], path: str) -> Any:
    """The value at a dotted path, or None."""
    value: Any = doc
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def host(url: Any) -> str | None:
    if not isinstance(url, str):
        return None
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


def is_https_url(url: Any) -> bool:
    if not isinstance(url, str):
        return False
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return False
    return parts.scheme == "https" and bool(parts.hostname)


def _absent_or_https(path: str) -> Callable[[dict[str, Any]], bool]:
    return lambda doc: field(doc, path) is None or is_https_url(field(doc, path))


def _coupa_punch_out(doc: dict[str, Any]) -> bool:
    return (
        doc.get("ProcurementPortalName") == "COUPA"
        and doc.get("MarketplacePunchOutEnabled") is True
    )


def _redirect_on_instance_host(doc: dict[str, Any]) -> bool:
    redirect = field(doc, REDIRECT)
    if not _coupa_punch_out(doc) or redirect is None:
        return True
    return host(redirect) is not None and host(redirect) == host(field(doc, INSTANCE))


def _host_mismatch(doc: dict[str, Any]) -> str:
    instance = host(field(doc, INSTANCE))
    where = f"'{instance}'" if instance else f"unknown: {INSTANCE} is not set"
    return (
        f"host '{host(field(doc, REDIRECT))}' must equal the host of {INSTANCE} ({where}) "
        "when MarketplacePunchOutEnabled is true for COUPA"
    )


@dataclass(frozen=True)
class Rule:
    name: str
    field: str
    holds: Callable[[dict[str, Any]], bool]
    message: str | Callable[[dict[str, Any]], str]

    def explain(self, doc: dict[str, Any]) -> str:
        return self.message(doc) if callable(self.message) else self.message


def _redirect_only_for_coupa(doc: dict[str, Any]) -> bool:
    return field(doc, REDIRECT) is None or doc.get("ProcurementPortalName") == "COUPA"


HTTPS = "must be an https URL with a host"

RULES: list[Rule] = [
    Rule("instance-endpoint-https", INSTANCE, _absent_or_https(INSTANCE), HTTPS),
    Rule("test-instance-endpoint-https", TEST_INSTANCE, _absent_or_https(TEST_INSTANCE), HTTPS),
    Rule("approval-redirect-https", REDIRECT, _absent_or_https(REDIRECT), HTTPS),
    Rule(
        "coupa-punch-out-needs-redirect",
        REDIRECT,
        lambda doc: not _coupa_punch_out(doc) or field(doc, REDIRECT) is not None,
        "is required when MarketplacePunchOutEnabled is true for COUPA",
    ),
    Rule("coupa-redirect-on-instance-host", REDIRECT, _redirect_on_instance_host, _host_mismatch),
    Rule(
        "approval-redirect-coupa-only",
        REDIRECT,
        _redirect_only_for_coupa,
        "is only supported for ProcurementPortalName COUPA",
    ),
    Rule(
        "einvoice-needs-preference",
        "EinvoiceDeliveryPreference",
        lambda doc: (
            doc.get("EinvoiceDeliveryEnabled") is not True
            or doc.get("EinvoiceDeliveryPreference") is not None
        ),
        "is required when EinvoiceDeliveryEnabled is true",
    ),
]


def violations(doc: dict[str, Any]) -> list[FieldError]:
    """Every rule of RULES that `doc` breaks, as field errors (empty list: all hold)."""
    return [
        FieldError(
            rule.field,
            f"{rule.field} {rule.explain(doc)} (rule {rule.name})",
            _shown(field(doc, rule.field)),
        )
        for rule in RULES
        if not rule.holds(doc)
    ]


def _shown(value: Any) -> str:
    if not isinstance(value, str) or len(value) > 200 or "'" in value:
        return ""
    return f" '{value}'"


# --- tags: AWS's general tag rules (the invoicing pages are silent, the model has lengths) ---

# AWS's pattern is ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$; Python's re has no \p, so by category.
TAG_CATEGORIES = ("L", "Z", "N")
TAG_PUNCTUATION = frozenset("_.:/=+-@")
RESERVED_TAG_PREFIX = "aws:"
TAG_CHARACTERS = "may contain only letters, digits, spaces and _ . : / = + - @"


def _tag_text(text: str) -> bool:
    return all(
        ch in TAG_PUNCTUATION or unicodedata.category(ch)[0] in TAG_CATEGORIES for ch in text
    )


def tag_key_violations(key: str, path: str) -> list[FieldError]:
    """What is wrong with a tag key besides its length (the shape checks that)."""
    errors = []
    if key.lower().startswith(RESERVED_TAG_PREFIX):
        errors.append(
            FieldError(path, f"Tag keys starting with '{RESERVED_TAG_PREFIX}' are reserved for AWS")
        )
    if not _tag_text(key):
        errors.append(FieldError(path, f"Tag keys {TAG_CHARACTERS}"))
    return errors


def tag_violations(key: str, value: str, path: str) -> list[FieldError]:
    """What is wrong with one tag (Key and Value members at `path`)."""
    errors = tag_key_violations(key, f"{path}.Key")
    if not _tag_text(value):
        errors.append(FieldError(f"{path}.Value", f"Tag values {TAG_CHARACTERS}"))
    return errors
