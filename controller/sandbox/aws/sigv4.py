"""The caller of a SigV4-signed request: the access key id of its `Authorization` header.

The signature itself is not checked (the sandbox trusts every key); the header's shape is,
with the messages AWS gives, and so is the service the credential is scoped to.
"""

from __future__ import annotations

import re
from typing import Any

from controller.sandbox.aws.errors import (
    IncompleteSignatureException,
    InvalidSignatureException,
    MissingAuthenticationTokenException,
)

CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/([^/,\s]+)/([^/,\s]+)/([^/,\s]+)/aws4_request")


def parse_authorization(headers: Any, signing_name: str) -> str:
    """The access key id of a SigV4 `Authorization` header (the signature is not checked)."""
    value = headers.get("Authorization")
    if not value:
        raise MissingAuthenticationTokenException("Missing Authentication Token")
    algorithm, _, params = value.strip().partition(" ")
    if algorithm != "AWS4-HMAC-SHA256":
        raise IncompleteSignatureException(f"Unsupported Authorization Type: {algorithm}")
    missing = [
        f"Authorization header requires '{name}' parameter."
        for name in ("Credential", "Signature", "SignedHeaders")
        if f"{name}=" not in params
    ]
    if not headers.get("X-Amz-Date") and not headers.get("Date"):
        missing.append(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
        )
    credential = CREDENTIAL.search(params)
    if credential is None and "Credential=" in params:
        missing.append(
            "Credential must have exactly 5 slash-delimited elements, "
            "e.g. keyid/date/region/service/term."
        )
    if missing:
        raise IncompleteSignatureException(" ".join(missing) + f" Authorization={value[:120]}")
    assert credential is not None
    access_key, _date, _region, service = credential.groups()
    if service != signing_name:
        raise InvalidSignatureException(
            f"Credential should be scoped to correct service: '{signing_name}'."
        )
    return access_key
