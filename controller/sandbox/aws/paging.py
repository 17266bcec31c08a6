"""NextToken: an opaque, signed position, bound to its operation and scope (account, portal)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from controller.sandbox.aws.errors import ValidationException
from controller.sandbox.aws.shapes import FieldError


class PageTokens:
    """Tokens signed with `key` (one per store: a token of another sandbox is refused)."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def token(self, operation: str, scope: str, position: int) -> str:
        payload = json.dumps({"o": operation, "a": scope, "p": position}).encode()
        mac = hmac.new(self._key, payload, hashlib.sha256).digest()[:12]
        return base64.urlsafe_b64encode(mac + payload).decode().rstrip("=")

    def position(self, operation: str, scope: str, token: str | None) -> int:
        if token is None:
            return 0
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            mac, payload = raw[:12], raw[12:]
            expected = hmac.new(self._key, payload, hashlib.sha256).digest()[:12]
            data = json.loads(payload)
            if (
                hmac.compare_digest(mac, expected)
                and data["o"] == operation
                and data["a"] == scope
                and isinstance(data["p"], int)
            ):
                position: int = data["p"]
                return position
        except (ValueError, KeyError, TypeError):
            pass
        raise ValidationException.from_fields(
            [FieldError("NextToken", "Member must be a NextToken returned by this operation")],
            "invalidNextToken",
        )
